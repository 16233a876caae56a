/**
 * Parsed domains -> a workload (VM types with counts) and, when every domain is
 * pinned, a layout in Sidecore's layout format. Pure.
 *
 * VM types: domains with Sidecore metadata are grouped by its type; others by
 * their name without a trailing `-N` when they are alike, else one type each.
 * Instances are renamed TYPE-0, TYPE-1, ... in domain-name order (the result
 * lists the mapping).
 *
 * Layout: vCPU pins from <vcpupin>, the node from <numatune> (else the node of
 * the pinned CPUs on the given host), workers from Sidecore metadata when the
 * domain has it, else inferred from libvirt's own elements: a vhost-net
 * thread per virtio interface floating on the emulator CPUs (libvirt moves
 * vhost threads into the emulator cgroup), a dataplane worker per iothread on
 * its <iothreadpin> CPUs, and QEMU's main loop for the rest.
 */
import type {Host} from '../../model/types.js'
import type {LayoutSpec, WorkloadSpec} from '../schemas.js'
import {formatCpuset} from '../cpuset.js'
import type {Domain, Warning} from './domain.js'
import {domainWarning, layoutText} from './messages.js'
import type {MetadataWorker} from './metadata.js'

export interface ImportOptions {
  /** Workload name. */
  name: string
  /** The host model the domains run on: names the layout and places VMs on NUMA nodes. */
  host?: Host
}

export interface ImportedVm {
  domain: string
  file: string
  vm: string
  type: string
}

export interface ImportResult {
  workload: WorkloadSpec
  layout?: LayoutSpec
  vms: ImportedVm[]
  warnings: Warning[]
  /** Why no layout was made, or what in it was assumed. */
  notes: string[]
}

type WorkerSpec = LayoutSpec['workers'][number]

/** `web-10` after `web-9`: names compared with their numbers as numbers. */
export function naturalCompare(a: string, b: string): number {
  const pa = a.split(/(\d+)/)
  const pb = b.split(/(\d+)/)
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue
    const na = Number(pa[i])
    const nb = Number(pb[i])
    if (i % 2 === 1 && na !== nb) return na - nb
    return pa[i] < pb[i] ? -1 : 1
  }
  return pa.length - pb.length
}

/** Bytes as the largest binary unit that divides them: `8 GiB`, `214 MiB`, `219136 KiB`. */
export function formatBytes(bytes: number): string {
  for (const [unit, f] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f} ${unit}`
  }
  return `${bytes} B`
}

function typeBody(d: Domain) {
  return {
    vcpus: d.vcpus,
    memory: formatBytes(d.memoryBytes),
    ...(d.metadata?.tenant === undefined ? {} : {tenant: d.metadata.tenant}),
    // In document order, as the domain lists them.
    devices: [
      ...d.nets.map((n) => ({line: n.line, devices: n.ids.map((id) => ({id, kind: 'net' as 'net' | 'block'}))})),
      ...d.disks.map((k) => ({line: k.line, devices: k.ids.map((id) => ({id, kind: 'block' as 'net' | 'block'}))})),
    ].sort((a, b) => a.line - b.line).flatMap((x) => x.devices),
  }
}

export function importDomains(domains: readonly Domain[], options: ImportOptions): ImportResult {
  const warnings = domains.flatMap((d) => d.warnings)
  const notes: string[] = []
  const sorted = [...domains].sort((a, b) => naturalCompare(a.name, b.name))

  // ---- VM types
  const groups = new Map<string, {type: string; body: ReturnType<typeof typeBody>; domains: Domain[]}>()
  const bodiesByName = new Map<string, string[]>()
  for (const d of sorted) {
    const body = typeBody(d)
    const candidate = d.metadata?.type ?? d.name.replace(/-\d+$/, '')
    const key = JSON.stringify(body)
    const seen = bodiesByName.get(candidate) ?? []
    if (!seen.includes(key)) seen.push(key)
    bodiesByName.set(candidate, seen)
    // A second, different body under the same name becomes a type named after its first domain.
    const type = seen.indexOf(key) === 0 ? candidate : d.name
    const g = groups.get(`${type}\n${key}`) ?? {type, body, domains: []}
    g.domains.push(d)
    groups.set(`${type}\n${key}`, g)
  }
  const vms: ImportedVm[] = []
  const instance = new Map<Domain, string>()
  for (const g of groups.values()) {
    g.domains.forEach((d, i) => {
      const vm = `${g.type}-${i}`
      instance.set(d, vm)
      vms.push({domain: d.name, file: d.file, vm, type: g.type})
    })
  }
  const workload: WorkloadSpec = {
    kind: 'workload',
    version: 1,
    name: options.name,
    vm_types: [...groups.values()].map((g) => ({name: g.type, count: g.domains.length, ...g.body})),
  }

  // ---- layout: every vCPU pinned to one CPU
  const unpinned: string[] = []
  for (const d of sorted) {
    const loose = d.vcpuPins.flatMap((p, v) => (p === undefined ? [v] : []))
    if (loose.length > 0) warnings.push({file: d.file, line: 1, element: 'domain.cputune', message: domainWarning.unpinned(loose)})
    d.vcpuPins.forEach((p, v) => {
      if (p !== undefined && p.length !== 1) warnings.push({file: d.file, line: 1, element: 'domain.cputune', message: domainWarning.vcpuSet(v, formatCpuset(p))})
    })
    if (loose.length > 0 || d.vcpuPins.some((p) => p !== undefined && p.length !== 1)) unpinned.push(d.name)
  }
  if (unpinned.length > 0) {
    notes.push(layoutText.notPinned(unpinned))
    return {workload, vms, warnings, notes}
  }

  const pins = new Map(sorted.map((d) => [d, d.vcpuPins.map((p) => (p as number[])[0])]))
  const vmCpus = new Set([...pins.values()].flat())
  const nodeOf = new Map(options.host?.cpus.map((c) => [c.id, c.node]) ?? [])
  const placements = sorted.map((d) => {
    const cpus = pins.get(d) as number[]
    let node: number
    if (d.memoryNodes?.length === 1) {
      node = d.memoryNodes[0]
    } else if (options.host !== undefined) {
      const count = new Map<number, number>()
      for (const c of cpus) count.set(nodeOf.get(c) ?? 0, (count.get(nodeOf.get(c) ?? 0) ?? 0) + 1)
      node = [...count.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0]
      warnings.push({file: d.file, line: 1, element: 'domain.numatune', message: domainWarning.guessedNode(node)})
    } else {
      node = 0
      warnings.push({file: d.file, line: 1, element: 'domain.numatune', message: domainWarning.noNode(node)})
    }
    // vCPU order matters: compress to ranges only when the pins ascend.
    const ascending = cpus.every((c, i) => i === 0 || c > cpus[i - 1])
    return {vm: instance.get(d) as string, node, vcpu_pins: ascending ? formatCpuset(cpus) : cpus.join(',')}
  })

  // ---- workers
  const byDomainName = new Map(sorted.map((d) => [d.name, instance.get(d) as string]))
  const workers = new Map<string, WorkerSpec>()
  const add = (w: WorkerSpec) => {
    const id = w.id as string
    const had = workers.get(id)
    if (had === undefined) workers.set(id, w)
    else for (const ref of w.devices) if (!had.devices.includes(ref)) had.devices.push(ref)
  }
  for (const d of sorted) {
    const vm = instance.get(d) as string
    if (d.metadata !== undefined && d.metadata.workers.length > 0) {
      for (const w of d.metadata.workers) add(fromMetadata(w, byDomainName, d, warnings))
      continue
    }
    const own = pins.get(d) as number[]
    const emulator = formatCpuset(d.emulatorPin ?? own)
    for (const n of d.nets) {
      for (const id of n.ids) {
        if (n.backend === 'vhost') {
          add({id: `vhost-${vm}-${id}`, architecture: 'vhost-per-device', cpus: emulator, floating: true, notification: 'kick', devices: [`${vm}/${id}`]})
        } else if (n.backend === 'qemu') {
          add({id: `qemu-${vm}`, architecture: 'qemu-userspace', cpus: emulator, floating: true, notification: 'kick', devices: [`${vm}/${id}`]})
        }
      }
    }
    for (const k of d.disks) {
      k.ids.forEach((id, q) => {
        const t = k.iothreads[q]
        if (t === undefined) {
          add({id: `qemu-${vm}`, architecture: 'qemu-userspace', cpus: emulator, floating: true, notification: 'kick', devices: [`${vm}/${id}`]})
          return
        }
        const cpus = d.iothreadPins.get(t) ?? d.emulatorPin ?? own
        const floating = !(cpus.length === 1 && !vmCpus.has(cpus[0]))
        add({id: `iothread-${vm}-${t}`, architecture: 'blk-dataplane', cpus: formatCpuset(cpus), floating, notification: 'kick', devices: [`${vm}/${id}`]})
      })
    }
  }
  const workerList = [...workers.values()].filter((w) => w.devices.length > 0)
  const served = new Set(workerList.flatMap((w) => w.devices))
  const unserved = vms.flatMap((v) => {
    const g = [...groups.values()].find((x) => x.type === v.type)
    return (g?.body.devices ?? []).map((dev) => `${v.vm}/${dev.id}`).filter((ref) => !served.has(ref))
  })
  if (unserved.length > 0) {
    notes.push(layoutText.unserved(unserved))
    return {workload, vms, warnings, notes}
  }

  // ---- roles and layout-wide settings
  const metas = sorted.map((d) => d.metadata?.layout)
  const whole = metas.every((m) => m !== undefined) ? metas : undefined
  const roleVm = whole ? new Set(whole.flatMap((m) => m?.vmCpus ?? [])) : vmCpus
  const ioFromWorkers = workerList.filter((w) => w.floating === false).map((w) => Number(w.cpus))
  const roleIo = new Set([...(whole ? whole.flatMap((m) => m?.ioCpus ?? []) : []), ...ioFromWorkers])
  const perCpu = new Map<number, number>()
  for (const p of pins.values()) for (const c of p) perCpu.set(c, (perCpu.get(c) ?? 0) + 1)
  const overcommit = whole?.[0]?.vcpuOvercommit ?? Math.max(1, ...perCpu.values())

  const metaModel = sorted.find((d) => d.metadata?.hostModel !== undefined)?.metadata?.hostModel
  let hostName = options.host?.model ?? metaModel
  if (options.host !== undefined && metaModel !== undefined && metaModel !== options.host.model) notes.push(layoutText.hostMismatch(metaModel, options.host.model))
  if (hostName === undefined) {
    hostName = 'imported'
    notes.push(layoutText.noHostName)
  }
  const first = whole?.[0]
  const layout: LayoutSpec = {
    kind: 'layout',
    version: 1,
    host: hostName,
    roles: {
      vm: formatCpuset([...roleVm]),
      ...(roleIo.size > 0 ? {io: formatCpuset([...roleIo])} : {}),
    },
    vms: placements,
    workers: workerList,
    ...(first?.interrupt === undefined ? {} : {interrupt: first.interrupt as LayoutSpec['interrupt']}),
    ...(first?.sharing === undefined ? {} : {sharing: first.sharing as LayoutSpec['sharing']}),
    ...(overcommit === 1 ? {} : {vcpu_overcommit: overcommit}),
  }
  return {workload, layout, vms, warnings, notes}
}

function fromMetadata(w: MetadataWorker, byDomainName: Map<string, string>, d: Domain, warnings: Warning[]): WorkerSpec {
  const devices: string[] = []
  for (const ref of w.devices) {
    const slash = ref.indexOf('/')
    const vm = byDomainName.get(ref.slice(0, slash))
    if (slash <= 0 || vm === undefined) {
      // The device's own domain is not among the imported ones: say so once.
      if (!warnings.some((x) => x.message === domainWarning.workerElsewhere(ref))) {
        warnings.push({file: d.file, line: 1, element: 'domain.metadata', message: domainWarning.workerElsewhere(ref)})
      }
      continue
    }
    devices.push(`${vm}/${ref.slice(slash + 1)}`)
  }
  return {id: w.id, architecture: w.architecture, cpus: formatCpuset(w.cpus), floating: w.floating, notification: w.notification, devices}
}
