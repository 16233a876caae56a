/**
 * First fit by vCPUs for host choice: each VM, in workload order, goes to the first host (in
 * cluster order) that still has as many free CPUs as it has vCPUs; one vCPU per CPU, the
 * host's housekeeping CPUs excluded. O(hosts) per VM.
 *
 * Source: CloudSim Plus, `VmAllocationPolicyFirstFit` (cloudsimplus/cloudsimplus,
 * cloudsim-plus/src/main/java/org/cloudbus/cloudsim/allocationpolicies/
 * VmAllocationPolicyFirstFit.java; https://cloudsimplus.org): "finds the first Host having
 * suitable resources to place a given VM", without migration or any other optimisation.
 * Suitability here is CPU count, as a scheduler that counts vCPUs against cores sees it,
 * after the host filter every scheduler applies first: a host that lacks a NIC or block
 * device the VM needs is not a candidate (`missingOnHost`).
 *
 * A system that pins each VM within one NUMA node counts free CPUs node by node
 * (`options.nodeFree`: Nova's NUMA topology filter; the VM goes to the node with the most
 * free CPUs, as buildLayout and the Nova baselines place it), one that keeps CPUs from its
 * guests offers fewer (the OVS-DPDK PMD cores are not in Nova's `cpu_dedicated_set`), and
 * one that gives each VM more than its vCPUs asks for more (`options.cpus`: Nova's
 * `isolate` emulator threads policy takes one more pCPU per VM); see index.ts.
 */
import {missingOnHost} from '../../model/layout.js'
import type {CpuRole, Host, Vm, VmType} from '../../model/types.js'

export interface FirstFitOptions {
  /**
   * Free CPUs on each NUMA node of a host (at this index of the list), when each VM must fit
   * within one node; by default a host's CPUs are one pool of all but its housekeeping CPUs.
   */
  nodeFree?: (host: Host, index: number) => number[]
  /** CPUs a VM of this type takes; by default its vCPUs. */
  cpus?: (type: VmType) => number
}

/** CPUs a host offers its guests when the system keeps none: all but its housekeeping CPUs. */
export function guestCpus(host: Host): number {
  return host.cpus.length - new Set(host.housekeeping).size
}

/**
 * CPUs per NUMA node (`host.nodes` order) that are neither housekeeping nor given a role in
 * `roles` (a layout with no VMs): what a system that pins each VM within one node offers guests.
 */
export function freeByNode(host: Host, roles: Readonly<Record<number, CpuRole>> = {}): number[] {
  const housekeeping = new Set(host.housekeeping)
  return host.nodes.map(n => host.cpus.filter(c => c.node === n.id && !housekeeping.has(c.id)
    && (roles[c.id] === undefined || roles[c.id] === 'idle')).length)
}

/** Host index per VM (same order), or undefined when no host has room. */
export function firstFitByVcpus(hosts: Host[], vms: Vm[], options: FirstFitOptions = {}): (number | undefined)[] {
  // Free CPUs per host, as one pool or node by node.
  const free = hosts.map((h, i) => (options.nodeFree ? [...options.nodeFree(h, i)] : [guestCpus(h)]))
  const cpusOf = options.cpus ?? ((type: VmType) => type.vcpus)
  /** The host's node (pool) with the most free CPUs, the first of them on ties, if it has `need`. */
  const roomiest = (h: number, need: number): number => {
    let best = -1
    for (let k = 0; k < free[h].length; k++) if (free[h][k] >= need && (best < 0 || free[h][k] > free[h][best])) best = k
    return best
  }
  // Hosts are a few models repeated: each (model, type) pair is filtered once.
  const runs = new Map<Host, Map<VmType, boolean>>()
  const fits = (h: number, type: VmType) => {
    let byType = runs.get(hosts[h])
    if (!byType) runs.set(hosts[h], byType = new Map())
    let ok = byType.get(type)
    if (ok === undefined) byType.set(type, ok = missingOnHost(hosts[h], type) === undefined)
    return ok
  }

  // Hosts before `open` have no room left for the smallest VM: the search starts after them.
  const least = vms.reduce((m, vm) => Math.min(m, cpusOf(vm.type)), Number.POSITIVE_INFINITY)
  let open = 0
  return vms.map(vm => {
    const need = cpusOf(vm.type)
    let index = -1
    let node = -1
    for (let h = open; h < hosts.length && index < 0; h++) {
      node = roomiest(h, need)
      if (node >= 0 && fits(h, vm.type)) index = h
    }

    if (index < 0) return undefined
    free[index][node] -= need
    while (open < hosts.length && roomiest(open, least) < 0) open++
    return index
  })
}
