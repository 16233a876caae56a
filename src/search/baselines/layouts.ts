/**
 * Complete host layouts for the baseline strategies: what a host looks like when today's
 * tools decide it. Each builder returns a Layout that passes `checkLayout`, or throws
 * PolicyError when the VMs do not fit the way that tool would place them.
 *
 *   default          buildLayout's placement; one vhost worker per device floating on the VM's CPUs
 *   ovs-<mode>       one I/O core per node for OVS-DPDK PMDs; net devices as Rx queues (ovs-rxq.ts)
 *   k8s-<packing>    vCPUs from the CPU Manager static policy (k8s-cpu-manager.ts); I/O as default
 *   nova-<policy>    vCPUs pinned; vhost workers where Nova puts the emulator threads (nova-emulator.ts)
 *
 * Today's default follows vhost itself (one worker thread per vhost-net or vhost-blk device;
 * seed 001, "the current design") and the default emulator pinning, which carries the vhost
 * threads: Nova "CPU topologies", policy unset: "Pinned to all of the instance's pCPUs"; Red
 * Hat, "Using emulatorpin" (see nova-emulator.ts). Workers are vhost-net for net devices and
 * vhost-blk for block devices, kick-driven, in every baseline but the OVS PMDs.
 */
import {PolicyError} from '../../model/errors.js'
import {bestInterrupt, buildLayout} from '../../model/layout.js'
import type {
  ArchitecturePolicy, Calibration, CpuRole, Device, Host, Layout, Vm, VmPlacement, Worker,
} from '../../model/types.js'
import {CpuAllocationError, allocateCpus} from './k8s-cpu-manager.js'
import {placeEmulatorThreads} from './nova-emulator.js'
import {type RxqAssignMode, assignRxqs} from './ovs-rxq.js'

/** Today's default policy: one vhost worker per device, kick, floating on the VM's own CPUs. */
export function defaultPolicy(host: Host): ArchitecturePolicy {
  return {
    net: 'vhost-per-device', block: 'vhost-blk', notification: {kind: 'kick'}, interrupt: bestInterrupt(host.platform),
    ioCoresPerNode: 0, devicesPerWorker: 1, sharing: 'none', floatOn: 'vm-cpus',
  }
}

const unique = (cpus: number[]) => [...new Set(cpus)]

/** One kick worker per device, as vhost creates them: vhost-net for net, vhost-blk for block. */
function vhostWorkers(vm: Vm, devices: Device[], cpus: number[], floating: boolean, next: () => string): Worker[] {
  return devices.map(d => ({
    id: next(),
    architecture: d.kind === 'net' ? 'vhost-per-device' : 'vhost-blk',
    cpus: [...cpus],
    floating,
    notification: {kind: 'kick'},
    devices: [`${vm.id}/${d.id}`],
  }))
}

function counter(prefix: string): () => string {
  let i = 0
  return () => `${prefix}${i++}`
}

function baseRoles(host: Host): Record<number, CpuRole> {
  const roles: Record<number, CpuRole> = {}
  for (const c of host.cpus) roles[c.id] = 'idle'
  for (const id of host.housekeeping) roles[id] = 'housekeeping'
  return roles
}

/** Today's default: buildLayout with one vhost worker per device floating on the VM's CPUs. */
export function defaultLayout(host: Host, vms: Vm[]): Layout {
  return buildLayout(host, vms, defaultPolicy(host))
}

/**
 * Open vSwitch DPDK: the highest-numbered core of every node becomes the PMD core (a PMD
 * thread on each of its hardware threads, as `pmd-cpu-mask` lists logical CPUs); VMs are
 * placed by buildLayout's default rule; every net device is one Rx queue on its VM's node with
 * cycles = offered packets/s x `netPacketCycles` (the NIC's packet rate when the offered load
 * is unbounded), assigned by `pmd-rxq-assign=<mode>`. PMDs poll (architecture `elvis`: shared
 * polling workers, sharing `any`); a PMD without queues sleeps in OVS, so it has no worker.
 * Block devices stay on today's default (vhost-blk floating on the VM's CPUs).
 */
export function ovsLayout(mode: RxqAssignMode, host: Host, vms: Vm[], calibration: Calibration): Layout {
  const base = buildLayout(host, vms, {
    ...defaultPolicy(host), net: 'elvis', notification: {kind: 'poll'}, ioCoresPerNode: 1,
    devicesPerWorker: Number.MAX_SAFE_INTEGER, sharing: 'any',
  })
  const nodeOf = new Map(host.cpus.map(c => [c.id, c.node]))
  const pmds = host.cpus.filter(c => base.roles[c.id] === 'io').map(c => ({core: c.id, numa: nodeOf.get(c.id)!}))
  const placement = new Map(base.vms.map(p => [p.vm, p]))
  const nicPps = (d: Device) => (host.nics.find(n => n.id === d.backing) ?? host.nics[0])?.maxPps ?? 0
  const rxqs = vms.flatMap(vm => vm.type.devices.filter(d => d.kind === 'net').map(d => ({
    id: `${vm.id}/${d.id}`,
    numa: placement.get(vm.id)!.node,
    cycles: (Number.isFinite(d.offered) ? d.offered : nicPps(d)) * calibration.netPacketCycles,
  })))
  const assigned = assignRxqs(mode, rxqs, pmds)
  const workers: Worker[] = []
  for (const pmd of pmds) {
    const devices = rxqs.filter(q => assigned.get(q.id) === pmd.core).map(q => q.id)
    if (devices.length === 0) continue
    workers.push({id: `pmd${pmd.core}`, architecture: 'elvis', cpus: [pmd.core], floating: false,
      notification: {kind: 'poll'}, devices})
  }

  const unpolled = rxqs.filter(q => !assigned.has(q.id))
  if (unpolled.length > 0) throw new PolicyError(`no PMD can poll ${unpolled.map(q => q.id).join(', ')}`)
  const next = counter('k')
  for (const vm of vms) {
    const blocks = vm.type.devices.filter(d => d.kind === 'block')
    workers.push(...vhostWorkers(vm, blocks, unique(placement.get(vm.id)!.vcpuPins), true, next))
  }

  return {...base, workers, sharing: 'any'}
}

/** The NUMA node holding most of a set of CPUs (lowest on ties): where the VM's memory goes. */
function majorityNode(host: Host, cpus: number[]): number {
  const count = new Map<number, number>()
  const nodeOf = new Map(host.cpus.map(c => [c.id, c.node]))
  for (const c of cpus) count.set(nodeOf.get(c)!, (count.get(nodeOf.get(c)!) ?? 0) + 1)
  return [...count].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0]
}

/**
 * Kubernetes CPU Manager (static policy): VMs in order, each given its vCPUs' worth of
 * exclusive CPUs from the pool left (housekeeping CPUs are the kubelet's reserved CPUs),
 * packed or distributed across NUMA nodes; the VM's memory on the node with most of them.
 * I/O as today's default.
 */
export function k8sLayout(distributeAcrossNuma: boolean, host: Host, vms: Vm[]): Layout {
  const roles = baseRoles(host)
  const placements: VmPlacement[] = []
  const workers: Worker[] = []
  const net = counter('v')
  const block = counter('k')
  for (const vm of vms) {
    const allowed = vm.type.cgroup.cpuset ? new Set(vm.type.cgroup.cpuset) : undefined
    const available = host.cpus.map(c => c.id).filter(c => roles[c] === 'idle' && (!allowed || allowed.has(c)))
    let pins: number[]
    try {
      pins = allocateCpus(host, available, vm.type.vcpus, {distributeAcrossNuma})
    } catch (error) {
      if (error instanceof CpuAllocationError) throw new PolicyError(`VM ${vm.id}: ${error.message}`)
      throw error
    }

    for (const c of pins) roles[c] = 'vm'
    placements.push({vm: vm.id, node: majorityNode(host, pins), vcpuPins: pins})
    workers.push(...vhostWorkers(vm, vm.type.devices.filter(d => d.kind === 'net'), pins, true, net))
    workers.push(...vhostWorkers(vm, vm.type.devices.filter(d => d.kind === 'block'), pins, true, block))
  }

  return {host: host.model, roles, vms: placements, workers, interrupt: bestInterrupt(host.platform), sharing: 'none', vcpuOvercommit: 1}
}

/**
 * Nova with `hw:cpu_policy=dedicated`, `cpu_dedicated_set` = every CPU but the housekeeping
 * ones. VMs in order, each on the NUMA node with the most free CPUs that can hold it (ties:
 * lowest node; buildLayout's rule), vCPUs pinned first threads first.
 * - `isolate`: each VM needs vCPUs + 1 pCPUs on its node; the extra pCPU is Nova's choice
 *   (nova-emulator.ts) and gets the VM's vhost workers, pinned (role `io`).
 * - `share`: `cpu_shared_set` = the CPUs left over once every VM is pinned; the VM's vhost
 *   workers float there, or on the VM's own pCPUs when nothing is left.
 */
export function novaLayout(policy: 'isolate' | 'share', host: Host, vms: Vm[]): Layout {
  if (policy === 'share') {
    const base = buildLayout(host, vms, defaultPolicy(host))
    const shared = host.cpus.map(c => c.id).filter(c => base.roles[c] === 'idle')
    const placement = new Map(base.vms.map(p => [p.vm, p]))
    const next = counter('e')
    const workers = vms.flatMap(vm => {
      const own = unique(placement.get(vm.id)!.vcpuPins)
      const allowed = vm.type.cgroup.cpuset ? new Set(vm.type.cgroup.cpuset) : undefined
      const cpus = placeEmulatorThreads('share', {pins: own, sharedSet: shared.filter(c => !allowed || allowed.has(c))}).cpus
      return vhostWorkers(vm, vm.type.devices, cpus, true, next)
    })
    return {...base, workers}
  }

  const roles = baseRoles(host)
  const byNode = new Map(host.nodes.map(n => [n.id, host.cpus.filter(c => c.node === n.id)]))
  // First threads of every core before any second thread, as buildLayout hands CPUs out.
  for (const list of byNode.values()) list.sort((a, b) => a.thread - b.thread || a.core - b.core)
  const placements: VmPlacement[] = []
  const workers: Worker[] = []
  const next = counter('e')
  for (const vm of vms) {
    const allowed = vm.type.cgroup.cpuset ? new Set(vm.type.cgroup.cpuset) : undefined
    const freeOn = (node: number) => byNode.get(node)!.filter(c => roles[c.id] === 'idle' && (!allowed || allowed.has(c.id)))
    let best: number | undefined
    let bestFree = -1
    for (const node of byNode.keys()) {
      const n = freeOn(node).length
      if (n >= vm.type.vcpus + 1 && n > bestFree) {
        best = node
        bestFree = n
      }
    }

    if (best === undefined) {
      throw new PolicyError(`VM ${vm.id} needs ${vm.type.vcpus + 1} free CPUs on one NUMA node (its vCPUs and an isolated emulator pCPU); no node has them`)
    }

    const free = freeOn(best)
    const pins = free.slice(0, vm.type.vcpus).map(c => c.id)
    const cores = new Map<number, number[]>()
    for (const c of [...free].sort((a, b) => a.core - b.core || a.thread - b.thread)) cores.set(c.core, [...(cores.get(c.core) ?? []), c.id])
    const emulator = placeEmulatorThreads('isolate', {pins, freeSiblings: [...cores.values()]})
    for (const c of pins) roles[c] = 'vm'
    for (const c of emulator.reserved) roles[c] = 'io'
    placements.push({vm: vm.id, node: best, vcpuPins: pins})
    workers.push(...vhostWorkers(vm, vm.type.devices, emulator.cpus, false, next))
  }

  return {host: host.model, roles, vms: placements, workers, interrupt: bestInterrupt(host.platform), sharing: 'none', vcpuOvercommit: 1}
}
