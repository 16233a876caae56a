/**
 * The layouts a per-host search chooses among, and how a choice becomes a Layout.
 *
 * A candidate is: a policy (net and block architecture, notification policy, interrupt
 * mode, I/O cores per node), the NUMA node of each VM, and, for architectures with
 * shared workers on I/O cores (vhost-shared, ELVIS), the I/O CPU that serves each of
 * their devices. Devices sent to one CPU share workers when the sharing policy lets
 * them (one sharing group per CPU, split over workers of at most `devicesPerWorker`
 * devices); polling workers own their CPU.
 */
import {architecture} from '../model/arch/index.js'
import {sharingKey} from '../model/arch/shared.js'
import {PolicyError} from '../model/errors.js'
import {bestInterrupt, buildLayout} from '../model/layout.js'
import type {
  ArchitectureId, ArchitecturePolicy, Device, Host, InterruptMode, Layout, Notification, SharingPolicy, Vm, Worker,
} from '../model/types.js'

export interface SearchSpace {
  net: ArchitectureId[]
  block: ArchitectureId[]
  notifications: Notification[]
  interrupts: InterruptMode[]
  /** I/O cores per node: every count from 0 to this. */
  maxIoCoresPerNode: number
  sharing: SharingPolicy
  devicesPerWorker: number
  floatOn: 'vm-cpus' | 'node'
}

export interface Candidate {
  policy: ArchitecturePolicy
  /** NUMA node per VM, in VM order. */
  nodes: number[]
  /** For shared-worker architectures: the I/O CPU serving each of their devices, in `sharedDevices` order. */
  assignment: number[]
}

/** Architectures whose workers are shared and sit on I/O cores. */
const SHARED: ReadonlySet<ArchitectureId> = new Set(['vhost-shared', 'elvis'])

/** Every policy of the space, in a fixed order. */
export function policies(space: SearchSpace): ArchitecturePolicy[] {
  const out: ArchitecturePolicy[] = []
  for (const net of space.net) {
    for (const block of space.block) {
      for (const notification of space.notifications) {
        for (const interrupt of space.interrupts) {
          for (let io = 0; io <= space.maxIoCoresPerNode; io++) {
            out.push({
              net, block, notification, interrupt, ioCoresPerNode: io,
              devicesPerWorker: space.devicesPerWorker, sharing: space.sharing, floatOn: space.floatOn,
            })
          }
        }
      }
    }
  }

  return out
}

/** The devices whose worker the search places itself: those of a shared-worker architecture. */
export function sharedDevices(vms: Vm[], policy: ArchitecturePolicy): {vm: Vm; device: Device}[] {
  const shared = (d: Device) => SHARED.has(d.kind === 'net' ? policy.net : policy.block)
  return vms.flatMap(vm => vm.type.devices.filter(shared).map(device => ({vm, device})))
}

/** I/O CPUs of a layout, ascending. */
export function ioCpus(layout: Layout): number[] {
  return Object.entries(layout.roles).filter(([, r]) => r === 'io').map(([c]) => Number(c)).sort((a, b) => a - b)
}

/**
 * The layout of a candidate, or undefined when the candidate breaks a rule the layout
 * cannot keep (a polling CPU with two sharing groups, or with more devices than one
 * worker takes). The devices a CPU serves share workers by sharing group: a group of more
 * devices than a worker takes is split, in device order, over as few workers as hold it,
 * as evenly as they can (17 devices, 7 per worker: 6, 6 and 5).
 * Throws PolicyError when the policy itself cannot be laid out.
 */
export function layoutOf(host: Host, vms: Vm[], candidate: Candidate): Layout | undefined {
  const base = buildLayout(host, vms, candidate.policy, {nodes: candidate.nodes})
  const devices = sharedDevices(vms, candidate.policy)
  if (devices.length === 0) return base
  const io = new Set(ioCpus(base))
  const policy = candidate.policy
  // Sharing groups by CPU, in the order their first device comes.
  const groups = new Map<string, {cpu: number; architecture: ArchitectureId; devices: string[]}>()
  const perCpu = new Map<number, number>()
  for (const [k, {vm, device}] of devices.entries()) {
    const cpu = candidate.assignment[k]
    if (!io.has(cpu)) return undefined
    const arch = device.kind === 'net' ? policy.net : policy.block
    const key = `${cpu}|${arch}|${sharingKey(policy.sharing, vm, device.id)}`
    let group = groups.get(key)
    if (!group) {
      group = {cpu, architecture: arch, devices: []}
      groups.set(key, group)
      perCpu.set(cpu, (perCpu.get(cpu) ?? 0) + 1)
    }

    group.devices.push(`${vm.id}/${device.id}`)
  }

  const shared: Worker[] = []
  for (const {cpu, architecture: arch, devices: refs} of groups.values()) {
    const notification = notificationFor(policy, arch)
    const count = Math.ceil(refs.length / policy.devicesPerWorker)
    // A polling worker owns its CPU: one worker, alone there.
    if (notification.kind === 'poll' && (perCpu.get(cpu)! > 1 || count > 1)) return undefined
    for (let w = 0, from = 0; w < count; w++) {
      const to = from + Math.ceil((refs.length - from) / (count - w))
      shared.push({id: '', architecture: arch, cpus: [cpu], floating: false, notification, devices: refs.slice(from, to)})
      from = to
    }
  }

  // Keep the other architectures' workers as the policy built them, unless they sit on a
  // CPU a polling shared worker now owns.
  const polled = new Set(shared.filter(w => w.notification.kind === 'poll').map(w => w.cpus[0]))
  const sharedIds = new Set(devices.map(({vm, device}) => `${vm.id}/${device.id}`))
  const others = base.workers.filter(w => !w.devices.some(r => sharedIds.has(r)))
  if (others.some(w => !w.floating && polled.has(w.cpus[0]))) return undefined
  const workers = [...others, ...shared.sort((a, b) => a.cpus[0] - b.cpus[0] || a.devices[0].localeCompare(b.devices[0]))
    .map((w, i) => ({...w, id: `s${i}`}))]
  return {...base, workers}
}

function notificationFor(policy: ArchitecturePolicy, arch: ArchitectureId): Notification {
  if (arch === policy.net || policy.notification.kind !== 'poll') return policy.notification
  return architecture(arch).defaultNotification
}

/** The candidate a policy's own layout corresponds to (its placement and assignment). */
export function candidateOf(vms: Vm[], policy: ArchitecturePolicy, layout: Layout): Candidate {
  const node = new Map(layout.vms.map(p => [p.vm, p.node]))
  const cpuOf = new Map<string, number>()
  for (const w of layout.workers) for (const r of w.devices) cpuOf.set(r, w.cpus[0])
  return {
    policy,
    nodes: vms.map(v => node.get(v.id)!),
    assignment: sharedDevices(vms, policy).map(({vm, device}) => cpuOf.get(`${vm.id}/${device.id}`)!),
  }
}

/** A stable text key of a candidate, for memoising evaluations. */
export function candidateKey(c: Candidate): string {
  const p = c.policy
  const n = p.notification
  const note = n.kind === 'spin' ? `spin:${n.budgetS}` : n.kind === 'timer' ? `timer:${n.periodS}:${n.ring}` : n.kind
  return `${p.net}|${p.block}|${note}|${p.interrupt}|${p.ioCoresPerNode}|${c.nodes.join(',')}|${c.assignment.join(',')}`
}

/** The layout of a candidate, or undefined when it cannot be laid out. */
export function tryLayout(host: Host, vms: Vm[], candidate: Candidate): Layout | undefined {
  return unlessPolicyError(() => layoutOf(host, vms, candidate))
}

/** The layout a policy builds on its own, or undefined when the policy cannot be laid out. */
export function policyLayout(host: Host, vms: Vm[], policy: ArchitecturePolicy): Layout | undefined {
  return unlessPolicyError(() => buildLayout(host, vms, policy))
}

function unlessPolicyError(build: () => Layout | undefined): Layout | undefined {
  try {
    return build()
  } catch (error) {
    if (error instanceof PolicyError) return undefined
    throw error
  }
}

/**
 * The space `plan` searches on a host model unless told otherwise: today's default and
 * the shared designs, kick or poll, the best interrupt delivery the platform has, up to
 * two I/O cores per node, workers shared only within a cgroup (the RFC's rule).
 */
export function defaultSpace(host: Host): SearchSpace {
  return {
    net: ['vhost-per-device', 'vhost-shared', 'elvis'],
    block: ['vhost-blk'],
    notifications: [{kind: 'kick'}, {kind: 'poll'}],
    interrupts: [bestInterrupt(host.platform)],
    maxIoCoresPerNode: 2,
    sharing: 'same-cgroup',
    devicesPerWorker: 7,
    floatOn: 'vm-cpus',
  }
}
