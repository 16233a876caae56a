/**
 * OpenStack Nova, `hw:emulator_threads_policy` for instances with `hw:cpu_policy=dedicated`:
 * where the instance's emulator threads run, and with them its vhost I/O threads.
 *
 * Sources:
 * - Nova documentation, "CPU topologies", section "Customizing instance emulator thread
 *   pinning policy" (openstack/nova, doc/source/admin/cpu-topologies.rst;
 *   https://docs.openstack.org/nova/latest/admin/cpu-topologies.html). Its table:
 *   policy unset: "Pinned to all of the instance's pCPUs" (with or without
 *   `compute.cpu_shared_set`); `share`: "Pinned to `compute.cpu_shared_set`" when it is set,
 *   else "Pinned to all of the instance's pCPUs"; `isolate`: "Pinned to a single pCPU
 *   distinct from the instance's pCPUs", "their own unique core, chosen from one of the host
 *   cores listed in `compute.cpu_dedicated_set`".
 * - nova/virt/hardware.py: an `isolate` instance must be given exactly `flavor.vcpus + 1`
 *   PCPUs; the extra pCPU is the first one of the host cell's free sibling sets (in order)
 *   once the instance's own pins are removed from them, or, with
 *   `hw:cpu_thread_policy=isolate`, once the whole sibling sets holding its pins are removed.
 *   Its comments give the examples reproduced in the tests.
 * - Red Hat Enterprise Linux 7 "Virtualization Tuning and Optimization Guide", 9.3.6 "Using
 *   emulatorpin" (https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/7/html/
 *   virtualization_tuning_and_optimization_guide/sect-virtualization_tuning_optimization_guide-numa-numa_and_libvirt-using_emulatorpin):
 *   the emulator pinning also places the vhost threads ("vhost threads run on the same subset
 *   of physical CPUs and memory"). That is why the I/O workers follow the emulator threads here.
 */

export type EmulatorThreadsPolicy = 'unset' | 'share' | 'isolate'

export interface EmulatorPlacement {
  /** CPUs the emulator (and vhost) threads are pinned to. */
  cpus: number[]
  /** pCPUs taken from `cpu_dedicated_set` for the emulator threads, beyond the instance's vCPUs. */
  reserved: number[]
}

export interface EmulatorContext {
  /** pCPUs the instance's vCPUs are pinned to. */
  pins: number[]
  /**
   * Free pCPUs of the instance's host cell in `cpu_dedicated_set` before this instance,
   * grouped by physical core (sibling sets), in the host's order. Needed for `isolate`.
   */
  freeSiblings?: number[][]
  /** `compute.cpu_shared_set`; empty or absent when unset. */
  sharedSet?: number[]
  /** `hw:cpu_thread_policy=isolate`: the instance owns whole cores, so the extra pCPU is on another core. */
  threadIsolate?: boolean
}

/** pCPUs `flavor.vcpus` dedicated vCPUs need from placement under a policy. */
export function dedicatedPcpus(vcpus: number, policy: EmulatorThreadsPolicy): number {
  return policy === 'isolate' ? vcpus + 1 : vcpus
}

/** Where Nova pins an instance's emulator threads. Throws when `isolate` finds no free pCPU. */
export function placeEmulatorThreads(policy: EmulatorThreadsPolicy, ctx: EmulatorContext): EmulatorPlacement {
  const instance = [...new Set(ctx.pins)]
  switch (policy) {
    case 'unset': {
      return {cpus: instance, reserved: []}
    }

    case 'share': {
      const shared = ctx.sharedSet ?? []
      return {cpus: shared.length > 0 ? [...shared] : instance, reserved: []}
    }

    case 'isolate': {
      const pinned = new Set(instance)
      const usable = (ctx.freeSiblings ?? [])
        .filter(sib => !(ctx.threadIsolate && sib.some(c => pinned.has(c))))
        .map(sib => sib.filter(c => !pinned.has(c)))
      const first = usable.flat()[0]
      if (first === undefined) {
        throw new Error('hw:emulator_threads_policy=isolate needs one more free pCPU in the instance\'s host cell; there is none')
      }

      return {cpus: [first], reserved: [first]}
    }
  }
}
