/**
 * First fit by vCPUs for host choice: each VM, in workload order, goes to the first host (in
 * cluster order) that still has as many free CPUs as it has vCPUs; one vCPU per CPU, the
 * host's housekeeping CPUs excluded. O(hosts) per VM.
 *
 * Source: CloudSim Plus, `VmAllocationPolicyFirstFit` (cloudsimplus/cloudsimplus,
 * cloudsim-plus/src/main/java/org/cloudbus/cloudsim/allocationpolicies/
 * VmAllocationPolicyFirstFit.java; https://cloudsimplus.org): "finds the first Host having
 * suitable resources to place a given VM", without migration or any other optimisation.
 * Suitability here is CPU count only, as a scheduler that counts vCPUs against cores sees it.
 */
import type {Host, Vm} from '../../model/types.js'

/** Host index per VM (same order), or undefined when no host has room. */
export function firstFitByVcpus(hosts: Host[], vms: Vm[]): (number | undefined)[] {
  const free = hosts.map(h => h.cpus.length - new Set(h.housekeeping).size)
  return vms.map(vm => {
    const index = free.findIndex(n => n >= vm.type.vcpus)
    if (index < 0) return undefined
    free[index] -= vm.type.vcpus
    return index
  })
}
