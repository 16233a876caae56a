/**
 * Open vSwitch (userspace datapath, DPDK) automatic assignment of Rx queues to PMD threads,
 * `other_config:pmd-rxq-assign` = `roundrobin` | `cycles` | `group`.
 *
 * Sources:
 * - Open vSwitch documentation, "PMD Threads", section "Automatic Port/Rx Queue assignment
 *   to PMD threads" (openvswitch/ovs, Documentation/topics/dpdk/pmd.rst;
 *   https://docs.openvswitch.org/en/latest/topics/dpdk/pmd/): `cycles` (the default) orders
 *   the Rx queues by measured processing cycles and hands them out in descending order to
 *   the PMDs, "the next one in alternating ascending/descending order based on core id";
 *   `group` orders them the same way but gives each to the PMD with the lowest running
 *   estimate of cycles, so one PMD may take a group of light queues while a heavy queue has
 *   a PMD to itself; `roundrobin` (the default before OVS 2.9) hands the queues out in
 *   port/queue order round-robin over the PMDs. The page's three worked examples are
 *   reproduced in test/search/baselines/ovs-rxq.test.ts.
 * - Same page, "manual pinning": `pmd-rxq-affinity` pins queues and isolates their PMDs
 *   (`pmd-rxq-isolate`, default true; `false` only with `group`). Sidecore never pins
 *   queues, so no PMD is isolated and `pmd-rxq-isolate` has nothing to act on.
 * - NUMA locality, as stated in the commits that introduced and kept it ("dpif-netdev: Assign
 *   ports to pmds on non-local numa node", openvswitch/ovs c37813fd: "Local pmds are still
 *   chosen when available"; ovs-dev, "cross-numa-polling": PMDs on a non-local NUMA node
 *   are considered "only if there are no local, non-isolated PMDs") and as implemented in
 *   lib/dpif-netdev.c (`sched_numa_list_schedule`): a queue goes to a PMD on its port's NUMA
 *   node; when that node has no PMD, the NUMA nodes that have PMDs are taken in turn, one
 *   node per such queue, and the mode picks the PMD within the chosen node. A queue is not
 *   polled at all when there is no PMD anywhere.
 *
 * Details the documentation leaves open, taken from lib/dpif-netdev.c: ties in measured
 * cycles keep port/queue order (the input order here); each NUMA node keeps its own
 * round-robin position, shared by local and cross-NUMA queues, over its PMDs sorted by core
 * id; `group` compares PMDs by assigned cycles, or by assigned queue count when the queue
 * being placed has no measured cycles, and keeps the first (lowest core id) on ties.
 * OVS walks NUMA nodes in its hash-map order for the cross-NUMA turn; here it is ascending
 * NUMA id.
 */

export type RxqAssignMode = 'roundrobin' | 'cycles' | 'group'

export interface Rxq {
  id: string
  /** NUMA node of the queue's port. */
  numa: number
  /** Measured (or estimated) processing cycles of the queue. */
  cycles: number
}

export interface Pmd {
  /** Logical CPU the PMD thread runs on (OVS calls it the core id). */
  core: number
  numa: number
}

interface PmdState {
  core: number
  cycles: number
  queues: number
}

interface NumaState {
  id: number
  pmds: PmdState[]
  /** Round-robin position and direction (the up/down walk of `cycles`). */
  index: number
  ascending: boolean
}

/** Next PMD of a node in round-robin: 0,1,2,0,1,2 (`updown` false) or 0,1,2,2,1,0,0,1 (true). */
function nextRoundRobin(numa: NumaState, updown: boolean): PmdState {
  const pmd = numa.pmds[numa.index]
  const last = numa.pmds.length - 1
  if (numa.ascending) {
    if (numa.index < last) numa.index++
    else if (updown) numa.ascending = false
    else numa.index = 0
  } else if (numa.index > 0) {
    numa.index--
  } else {
    numa.ascending = true
  }

  return pmd
}

/** The PMD with the least assigned load: cycles, or queue count for a queue without cycles. */
function leastLoaded(numa: NumaState, byCycles: boolean): PmdState {
  let best = numa.pmds[0]
  for (const pmd of numa.pmds) {
    if (byCycles ? pmd.cycles < best.cycles : pmd.queues < best.queues) best = pmd
  }

  return best
}

/**
 * Assign Rx queues to PMD threads as OVS does with `pmd-rxq-assign=<mode>`. `rxqs` are in
 * port/queue order. Returns queue id -> PMD core; a queue is missing only when there is no
 * PMD at all (OVS leaves it unpolled).
 */
export function assignRxqs(mode: RxqAssignMode, rxqs: Rxq[], pmds: Pmd[]): Map<string, number> {
  const nodes = new Map<number, NumaState>()
  for (const p of [...pmds].sort((a, b) => a.numa - b.numa || a.core - b.core)) {
    let numa = nodes.get(p.numa)
    if (!numa) {
      numa = {id: p.numa, pmds: [], index: 0, ascending: true}
      nodes.set(p.numa, numa)
    }

    numa.pmds.push({core: p.core, cycles: 0, queues: 0})
  }

  const order = [...nodes.values()]
  // Array.prototype.sort is stable: equal cycles keep port/queue order.
  const queue = mode === 'roundrobin' ? rxqs : [...rxqs].sort((a, b) => b.cycles - a.cycles)
  const result = new Map<string, number>()
  let lastCross = -1
  for (const q of queue) {
    let numa = nodes.get(q.numa)
    if (!numa) {
      if (order.length === 0) continue
      lastCross = (lastCross + 1) % order.length
      numa = order[lastCross]
    }

    const pmd = mode === 'group' ? leastLoaded(numa, q.cycles > 0) : nextRoundRobin(numa, mode === 'cycles')
    pmd.cycles += q.cycles
    pmd.queues++
    result.set(q.id, pmd.core)
  }

  return result
}
