/**
 * One host of a plan.json (as `sidecore plan --out DIR` writes it), checked
 * field by field: the input of `sidecore export`. Pure: text in, data out.
 */
import type {ArchitectureId, CpuRole, Device, VmType} from '../../model/types.js'
import {InputError, type PathSegment} from '../errors.js'
import {parseCpuset} from '../cpuset.js'
import {expected, found, oneOf} from '../../messages.js'
import {ARCHITECTURES} from '../schemas.js'
import {exportText} from './messages.js'

export interface PlanVm {
  vm: string
  /** VM type name, from the plan's `vms` list. */
  type: string
  node: number
  /** CPU of each vCPU, in vCPU order. */
  pins: number[]
}

export interface PlanWorker {
  id: string
  architecture: ArchitectureId
  cpus: number[]
  floating: boolean
  notification: string
  devices: string[]
}

export interface PlanHost {
  id: string
  model: string
  roles: Record<CpuRole, number[]>
  vms: PlanVm[]
  workers: PlanWorker[]
  interrupt: string
  sharing: string
  /** Most vCPUs pinned to one CPU. */
  vcpuOvercommit: number
}

/** What `export` knows of each VM type, from the workload (memory, devices); optional for every format but libvirt. */
export type VmTypes = ReadonlyMap<string, Pick<VmType, 'name' | 'memoryBytes' | 'tenant'> & {devices: Pick<Device, 'id' | 'kind'>[]}>

export interface PlanFile {
  workload: string
  hosts: string[]
  host: PlanHost
}

const ROLES: CpuRole[] = ['vm', 'io', 'housekeeping', 'idle']

/** Parse plan.json text and pick the host `hostId` (the only one when the plan has one host and no id is given). */
export function parsePlanHost(text: string, file: string, hostId: string | undefined): PlanFile {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message)
    // Without a position the text ended too soon: the error is at its end.
    const line = (pos === null ? text : text.slice(0, Number(pos[1]))).split('\n').length
    throw new InputError({code: 'syntax', expected: expected.json, found: found.syntax((err as Error).message), file, line})
  }
  const fail = (path: PathSegment[], exp: string, value: unknown, line?: number): never => {
    throw new InputError({code: 'schema', expected: exp, found: found.value(value), path, file, line})
  }
  const doc = data as Record<string, unknown>
  if (doc === null || typeof doc !== 'object' || !Array.isArray(doc.hosts)) fail(['hosts'], exportText.planHosts, doc?.hosts)
  const hosts = doc.hosts as Record<string, unknown>[]
  const ids = hosts.map((h) => String(h?.id))
  let index: number
  if (hostId === undefined) {
    if (hosts.length !== 1) throw new InputError({code: 'value', expected: exportText.hostFlag(ids), found: exportText.hostCount(ids.length), file})
    index = 0
  } else {
    index = ids.indexOf(hostId)
    if (index < 0) throw new InputError({code: 'reference', expected: exportText.hostOf(ids), found: found.value(hostId), file, path: ['hosts']})
  }
  const h = hosts[index]
  const at = text.indexOf(`{"id":${JSON.stringify(ids[index])}`)
  const line = at < 0 ? undefined : text.slice(0, at).split('\n').length
  const base: PathSegment[] = ['hosts', index]
  if (h === null || typeof h !== 'object' || Array.isArray(h)) fail(base, expected.object, h, line)
  const str = (v: unknown, path: PathSegment[]): string => (typeof v === 'string' && v !== '' ? v : fail(path, expected.nonEmpty, v, line))
  const cpus = (v: unknown, path: PathSegment[]): number[] => {
    try {
      return parseCpuset(v, path)
    } catch (error) {
      if (error instanceof InputError) throw error.located(file, line)
      throw error
    }
  }
  const typeOf = new Map<string, string>()
  if (Array.isArray(doc.vms)) for (const v of doc.vms as {id?: unknown; type?: unknown}[]) if (typeof v?.id === 'string' && typeof v.type === 'string') typeOf.set(v.id, v.type)

  const rolesIn = (h.cpus ?? {}) as Record<string, unknown>
  if (typeof rolesIn !== 'object') fail([...base, 'cpus'], expected.object, rolesIn, line)
  const roles = {} as Record<CpuRole, number[]>
  for (const r of ROLES) roles[r] = rolesIn[r] === undefined ? [] : cpus(rolesIn[r], [...base, 'cpus', r])
  for (const key of Object.keys(rolesIn)) if (!(ROLES as string[]).includes(key)) fail([...base, 'cpus', key], expected.knownKey(ROLES), key, line)

  if (!Array.isArray(h.vms)) fail([...base, 'vms'], expected.array, h.vms, line)
  const vms = (h.vms as Record<string, unknown>[]).map((v, i): PlanVm => {
    const vm = str(v?.vm, [...base, 'vms', i, 'vm'])
    const node = v.node
    if (typeof node !== 'number' || !Number.isInteger(node) || node < 0) fail([...base, 'vms', i, 'node'], expected.integer, node, line)
    return {vm, type: typeOf.get(vm) ?? vm.replace(/-\d+$/, ''), node: node as number, pins: cpus(v.cpus, [...base, 'vms', i, 'cpus'])}
  })
  if (!Array.isArray(h.workers)) fail([...base, 'workers'], expected.array, h.workers, line)
  const workers = (h.workers as Record<string, unknown>[]).map((w, i): PlanWorker => {
    const path = [...base, 'workers', i]
    const architecture = str(w?.architecture, [...path, 'architecture'])
    if (!(ARCHITECTURES as readonly string[]).includes(architecture)) fail([...path, 'architecture'], `one of ${oneOf(ARCHITECTURES)}`, architecture, line)
    if (!Array.isArray(w.devices) || w.devices.some((d) => typeof d !== 'string')) fail([...path, 'devices'], expected.array, w.devices, line)
    return {
      id: str(w.id, [...path, 'id']),
      architecture: architecture as ArchitectureId,
      cpus: cpus(w.cpus, [...path, 'cpus']),
      floating: w.floating === true,
      notification: typeof w.notification === 'string' ? w.notification : 'kick',
      devices: w.devices as string[],
    }
  })
  const perCpu = new Map<number, number>()
  for (const v of vms) for (const c of v.pins) perCpu.set(c, (perCpu.get(c) ?? 0) + 1)
  return {
    workload: typeof doc.workload === 'string' ? doc.workload : '',
    hosts: ids,
    host: {
      id: ids[index],
      model: str(h.model, [...base, 'model']),
      roles,
      vms,
      workers,
      interrupt: typeof h.interrupt === 'string' ? h.interrupt : 'pv-eoi',
      sharing: typeof h.sharing === 'string' ? h.sharing : 'same-cgroup',
      vcpuOvercommit: Math.max(1, ...perCpu.values()),
    },
  }
}
