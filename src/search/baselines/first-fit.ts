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
 */
import {missingOnHost} from '../../model/layout.js'
import type {Host, Vm, VmType} from '../../model/types.js'

/** Host index per VM (same order), or undefined when no host has room. */
export function firstFitByVcpus(hosts: Host[], vms: Vm[]): (number | undefined)[] {
  const free = hosts.map(h => h.cpus.length - new Set(h.housekeeping).size)
  // Hosts are a few models repeated: each (model, type) pair is filtered once.
  const runs = new Map<Host, Map<VmType, boolean>>()
  const fits = (h: number, type: VmType) => {
    let byType = runs.get(hosts[h])
    if (!byType) runs.set(hosts[h], byType = new Map())
    let ok = byType.get(type)
    if (ok === undefined) byType.set(type, ok = missingOnHost(hosts[h], type) === undefined)
    return ok
  }

  return vms.map(vm => {
    const index = free.findIndex((n, h) => n >= vm.type.vcpus && fits(h, vm.type))
    if (index < 0) return undefined
    free[index] -= vm.type.vcpus
    return index
  })
}
