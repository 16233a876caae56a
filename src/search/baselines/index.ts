/**
 * Baseline strategies: what the systems people run today would do with the same hosts and
 * VMs, so that every plan can state its improvement over each of them.
 *
 *   hostBaselines     a complete Layout for one host and its VMs (each passes checkLayout)
 *   clusterBaselines  a host for each VM of a cluster
 *   evaluateBaselines every host baseline laid out and evaluated under the model
 *   improvement       a plan's figures against one baseline's
 *
 * Each strategy follows the documented behaviour of its system; the files it comes from cite
 * the documentation (ovs-rxq.ts, k8s-cpu-manager.ts, nova-emulator.ts, first-fit.ts).
 */
import {PolicyError} from '../../model/errors.js'
import {evaluate} from '../../model/evaluate.js'
import type {Calibration, Evaluation, Host, HostTotals, Layout, Vm, VmType} from '../../model/types.js'
import {type FirstFitOptions, firstFitByVcpus, freeByNode} from './first-fit.js'
import {defaultLayout, k8sLayout, novaLayout, ovsLayout} from './layouts.js'

export {CpuAllocationError, type CpuManagerOptions, allocateCpus} from './k8s-cpu-manager.js'
export {type FirstFitOptions, firstFitByVcpus, freeByNode, guestCpus} from './first-fit.js'
export {defaultPolicy} from './layouts.js'
export {type EmulatorPlacement, type EmulatorThreadsPolicy, dedicatedPcpus, placeEmulatorThreads} from './nova-emulator.js'
export {type Pmd, type Rxq, type RxqAssignMode, assignRxqs} from './ovs-rxq.js'

export interface HostBaseline {
  id: string
  name: string
  /** The system and documentation the behaviour follows. */
  source: string
  /** The layout that system would give these VMs on this host; throws PolicyError when they do not fit its way. */
  layout(host: Host, vms: Vm[], calibration: Calibration): Layout
  /**
   * The CPUs that system's scheduler offers guests on each NUMA node of this host (in
   * `host.nodes` order), when it pins each VM within one node: the first fit that picks the
   * hosts then counts node by node. By default a host is one pool (`guestCpus`).
   */
  nodeCpus?(host: Host, calibration: Calibration): number[]
  /** The CPUs that system gives a VM of this type, when more than its vCPUs; by default its vCPUs. */
  vmCpus?(type: VmType): number
}

export interface ClusterBaseline {
  id: string
  name: string
  source: string
  /**
   * Host index (cluster order) for each VM (workload order), undefined when none has room;
   * CPUs counted as a host baseline's system counts them (`nodeCpus`, `vmCpus`).
   */
  place(hosts: Host[], vms: Vm[], options?: FirstFitOptions): (number | undefined)[]
}

const OVS_DOC = 'Open vSwitch documentation, "PMD Threads" (Documentation/topics/dpdk/pmd.rst), other_config:pmd-rxq-assign'
const K8S_DOC = 'Kubernetes documentation, "Control CPU Management Policies on the Node", static policy; KEP-2902'
const NOVA_DOC = 'Nova documentation, "CPU topologies", hw:emulator_threads_policy'

export const hostBaselines: readonly HostBaseline[] = [
  {
    id: 'default',
    name: 'today\'s default: one vhost thread per device, floating on the VM\'s CPUs',
    source: 'vhost-net/vhost-blk one worker per device; libvirt/Nova default emulator pinning to the instance\'s pCPUs (Nova "CPU topologies")',
    layout: (host, vms) => defaultLayout(host, vms),
    // Its layout pins each VM within one node (buildLayout), so first fit counts node by node.
    nodeCpus: host => freeByNode(host),
  },
  ...(['roundrobin', 'cycles', 'group'] as const).map((mode): HostBaseline => ({
    id: `ovs-${mode}`,
    name: `Open vSwitch DPDK PMDs, pmd-rxq-assign=${mode}`,
    source: OVS_DOC,
    layout: (host, vms, calibration) => ovsLayout(mode, host, vms, calibration),
    // VMs are pinned within one node, and the PMD cores (`pmd-cpu-mask`) are left out of
    // Nova's `cpu_dedicated_set` and `cpu_shared_set`, so the scheduler does not offer
    // them to guests (Nova, "CPU topologies"; OVS "PMD Threads").
    nodeCpus: (host, calibration) => freeByNode(host, ovsLayout(mode, host, [], calibration).roles),
  })),
  {
    id: 'k8s-packed',
    name: 'Kubernetes CPU Manager static policy (packed)',
    source: K8S_DOC,
    layout: (host, vms) => k8sLayout(false, host, vms),
  },
  {
    id: 'k8s-distributed',
    name: 'Kubernetes CPU Manager static policy, distribute-cpus-across-numa',
    source: K8S_DOC,
    layout: (host, vms) => k8sLayout(true, host, vms),
  },
  {
    id: 'nova-isolate',
    name: 'Nova hw:emulator_threads_policy=isolate',
    source: NOVA_DOC,
    layout: (host, vms) => novaLayout('isolate', host, vms),
    // Each instance is pinned within one node and takes one pCPU more there for its
    // emulator threads (Nova, "CPU topologies").
    nodeCpus: host => freeByNode(host),
    vmCpus: type => type.vcpus + 1,
  },
  {
    id: 'nova-share',
    name: 'Nova hw:emulator_threads_policy=share',
    source: NOVA_DOC,
    layout: (host, vms) => novaLayout('share', host, vms),
    nodeCpus: host => freeByNode(host),
  },
]

export const clusterBaselines: readonly ClusterBaseline[] = [
  {
    id: 'first-fit-vcpus',
    name: 'first fit by vCPUs',
    source: 'CloudSim Plus VmAllocationPolicyFirstFit',
    place: firstFitByVcpus,
  },
]

export interface BaselineResult {
  id: string
  name: string
  layout?: Layout
  evaluation?: Evaluation
  /** Why the baseline cannot lay these VMs out on this host. */
  error?: string
}

/** Every host baseline on the same host and VMs, evaluated; a baseline that cannot place them says why. */
export function evaluateBaselines(host: Host, vms: Vm[], calibration: Calibration): BaselineResult[] {
  return hostBaselines.map(b => {
    try {
      const layout = b.layout(host, vms, calibration)
      return {id: b.id, name: b.name, layout, evaluation: evaluate(host, vms, layout, calibration)}
    } catch (error) {
      if (error instanceof PolicyError) return {id: b.id, name: b.name, error: error.message}
      throw error
    }
  })
}

export interface Improvement {
  /** plan / baseline of delivered bit/s per CPU, `host` accounting (Infinity when the baseline delivers nothing). */
  bpsPerCpuHost: number
  /** The same under `allocated` accounting. */
  bpsPerCpuAllocated: number
  /** plan / baseline of delivered bit/s. */
  deliveredBps: number
  /** baseline SLO violations minus the plan's. */
  sloViolationsAvoided: number
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : a > 0 ? Number.POSITIVE_INFINITY : 1)

/** How a plan's host totals compare with a baseline's on the same input. */
export function improvement(plan: HostTotals, baseline: HostTotals): Improvement {
  return {
    bpsPerCpuHost: ratio(plan.bpsPerCpuHost, baseline.bpsPerCpuHost),
    bpsPerCpuAllocated: ratio(plan.bpsPerCpuAllocated, baseline.bpsPerCpuAllocated),
    deliveredBps: ratio(plan.deliveredBps, baseline.deliveredBps),
    sloViolationsAvoided: baseline.sloViolations - plan.sloViolations,
  }
}
