/**
 * Kubernetes CPU Manager, `static` policy: which CPUs a container with an integer CPU request
 * in a Guaranteed pod gets exclusively, with and without the policy options
 * `full-pcpus-only` and `distribute-cpus-across-numa`.
 *
 * Sources:
 * - Kubernetes documentation, "Control CPU Management Policies on the Node"
 *   (kubernetes/website, content/en/docs/tasks/administer-cluster/cpu-management-policies.md;
 *   https://kubernetes.io/docs/tasks/administer-cluster/cpu-management-policies/): CPUs
 *   reserved for the system are taken out of the pool; without options the static policy
 *   "allocates CPUs using a topology-aware best-fit allocation" and "will pack CPUs onto one
 *   NUMA node until it is filled, with any remaining CPUs simply spilling over to the next
 *   NUMA node"; `full-pcpus-only` admits a pod only if its request can be met with whole
 *   physical cores (else `SMTAlignmentError`); `distribute-cpus-across-numa` "will evenly
 *   distribute CPUs across NUMA nodes in cases where more than one NUMA node is required";
 *   with both options the CPUs are distributed "in chunks of full-pcpus".
 * - KEP-2902, "Add CPUManager policy option to distribute CPUs across NUMA nodes instead of
 *   packing them" (kubernetes/enhancements,
 *   keps/sig-node/2902-cpumanager-distribute-cpus-policy-option/README.md): try one NUMA
 *   node, then every pair, every 3-tuple, ... where the request splits evenly (modulo the
 *   tuple size) and the remainder can be striped over a subset, keeping the distribution
 *   as balanced as possible; else fall back to packing.
 * - The CPU Manager design proposal (kubernetes/community,
 *   contributors/design-proposals/node/cpu-manager.md): a 2-CPU container gets "two sibling
 *   threads on the same physical core (HT) or two physical cores on the same socket (no HT)".
 * - The allocator the pages describe, pkg/kubelet/cm/cpumanager/cpu_assignment.go
 *   (`takeByTopologyNUMAPacked`, `takeByTopologyNUMADistributed`) and policy_static.go
 *   (admission under `full-pcpus-only`), for the orders the pages leave open: whole NUMA
 *   nodes and whole sockets first (the larger unit first: NUMA nodes when there are at least
 *   as many sockets as NUMA nodes), then whole cores, then single threads; candidates sorted
 *   by fewest free CPUs first, ties by lowest id, nested socket/NUMA node/core; the
 *   distributed search keeps the NUMA-node subset whose free-CPU counts afterwards have the
 *   lowest standard deviation (rounded to 3 decimals, first found on ties). The unit tests
 *   next to it (cpu_assignment_test.go) are reproduced in
 *   test/search/baselines/k8s-cpu-manager.test.ts.
 *
 * Not modelled: the Topology Manager's NUMA hint (allocation without a hint takes from all
 * available CPUs, as here), uncore-cache alignment (`prefer-align-cpus-by-uncorecache`), and
 * the other alpha options. One guard the kubelet lacks: if striping the remainder over a
 * NUMA subset stops making progress (possible with odd free counts and chunks of 2), that
 * subset is skipped instead of looping forever.
 */
import type {Host} from '../../model/types.js'

export interface CpuManagerOptions {
  distributeAcrossNuma: boolean
  fullPcpusOnly?: boolean
}

/** The request cannot be met; the message says why, in the kubelet's terms. */
export class CpuAllocationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CpuAllocationError'
  }
}

type Level = 'node' | 'socket' | 'core'

interface Topology {
  info: Map<number, {node: number; socket: number; core: number}>
  /** CPUs per NUMA node, socket and core on the whole machine. */
  size: Record<Level, Map<number, number>>
  cpusPerCore: number
  cpusPerSocket: number
  nodeCount: number
  cpuCount: number
  /** NUMA nodes are the larger unit (at least as many sockets as NUMA nodes). */
  numaFirst: boolean
}

function topologyOf(host: Host): Topology {
  const info = new Map(host.cpus.map(c => [c.id, {node: c.node, socket: c.socket, core: c.core}]))
  const size: Record<Level, Map<number, number>> = {node: new Map(), socket: new Map(), core: new Map()}
  for (const c of info.values()) {
    for (const level of ['node', 'socket', 'core'] as const) size[level].set(c[level], (size[level].get(c[level]) ?? 0) + 1)
  }

  const cpuCount = host.cpus.length
  return {
    info, size, cpuCount,
    cpusPerCore: cpuCount / size.core.size,
    cpusPerSocket: cpuCount / size.socket.size,
    nodeCount: size.node.size,
    numaFirst: size.socket.size >= size.node.size,
  }
}

/** The kubelet's cpuAccumulator: free CPUs, the CPUs taken so far and how many are still needed. */
class Accumulator {
  readonly free: Set<number>
  readonly result: number[] = []
  needed: number

  constructor(readonly topo: Topology, available: Iterable<number>, request: number) {
    this.free = new Set([...available].filter(c => topo.info.has(c)))
    this.needed = request
  }

  take(cpus: number[]): void {
    for (const c of cpus) {
      this.free.delete(c)
      this.result.push(c)
    }

    this.needed -= cpus.length
  }

  satisfied(): boolean {
    return this.needed < 1
  }

  /** Free CPUs in the given units of a level, ascending. */
  cpusIn(level: Level, ...ids: number[]): number[] {
    const set = new Set(ids)
    return [...this.free].filter(c => set.has(this.topo.info.get(c)![level])).sort((a, b) => a - b)
  }

  /** Units of a level with a free CPU, optionally only those inside a unit of another level. */
  unitsOf(level: Level, within?: {level: Level; id: number}): number[] {
    const ids = new Set<number>()
    for (const c of this.free) {
      const i = this.topo.info.get(c)!
      if (!within || i[within.level] === within.id) ids.add(i[level])
    }

    return [...ids]
  }

  /** Fewest free CPUs first, then lowest id. */
  sortUnits(level: Level, ids: number[]): number[] {
    const count = new Map(ids.map(id => [id, this.cpusIn(level, id).length]))
    return ids.sort((a, b) => count.get(a)! - count.get(b)! || a - b)
  }

  sortedNodes(): number[] {
    if (this.topo.numaFirst) return this.sortUnits('node', this.unitsOf('node'))
    return this.sortedSockets().flatMap(s => this.sortUnits('node', this.unitsOf('node', {level: 'socket', id: s})))
  }

  sortedSockets(): number[] {
    if (!this.topo.numaFirst) return this.sortUnits('socket', this.unitsOf('socket'))
    return this.sortedNodes().flatMap(n => this.sortUnits('socket', this.unitsOf('socket', {level: 'node', id: n})))
  }

  sortedCores(): number[] {
    const parents = this.topo.numaFirst
      ? this.sortedSockets().map(id => ({level: 'socket' as const, id}))
      : this.sortedNodes().map(id => ({level: 'node' as const, id}))
    return parents.flatMap(p => this.sortUnits('core', this.unitsOf('core', p)))
  }

  sortedCpus(): number[] {
    return this.sortedCores().flatMap(core => this.cpusIn('core', core))
  }

  /** Take whole free units of a level, in sorted order, while at least a unit's worth is needed. */
  takeWhole(level: Level): void {
    const order = level === 'node' ? this.sortedNodes() : level === 'socket' ? this.sortedSockets() : this.sortedCores()
    const whole = (id: number) => {
      const free = this.cpusIn(level, id).length
      if (level === 'node') return free === this.topo.size.node.get(id)
      return free === (level === 'socket' ? this.topo.cpusPerSocket : this.topo.cpusPerCore)
    }

    for (const id of order.filter(whole)) {
      const cpus = this.cpusIn(level, id)
      const size = level === 'node' ? this.topo.size.node.get(id)! : cpus.length
      if (this.needed >= size && cpus.length === size) this.take(cpus)
    }
  }

  takeRemaining(): void {
    for (const c of this.sortedCpus()) {
      if (this.satisfied()) return
      this.take([c])
    }
  }
}

/** Topology-aware best fit, packing: whole NUMA nodes/sockets, then whole cores, then threads. */
function takePacked(topo: Topology, available: Iterable<number>, request: number): number[] {
  const acc = new Accumulator(topo, available, request)
  if (acc.satisfied()) return []
  if (acc.needed > acc.free.size) {
    throw new CpuAllocationError(`not enough cpus available to satisfy request: requested=${request}, available=${acc.free.size}`)
  }

  const steps: (() => void)[] = [
    () => acc.takeWhole(topo.numaFirst ? 'node' : 'socket'),
    () => acc.takeWhole(topo.numaFirst ? 'socket' : 'node'),
    () => acc.takeWhole('core'),
    () => acc.takeRemaining(),
  ]
  for (const step of steps) {
    step()
    if (acc.satisfied()) return acc.result
  }

  throw new CpuAllocationError('failed to allocate cpus')
}

/** Every k-subset of `items`, in lexicographic order of positions; stop when `visit` returns true. */
function combinations(items: number[], k: number, visit: (subset: number[]) => boolean): void {
  const walk = (start: number, chosen: number[]): boolean => {
    if (chosen.length === k) return visit(chosen)
    for (let i = start; i <= items.length - (k - chosen.length); i++) {
      if (walk(i + 1, [...chosen, items[i]])) return true
    }

    return false
  }

  if (k >= 1) walk(0, [])
}

const round3 = (x: number) => Math.round(x * 1000) / 1000

/** Population standard deviation with the mean and the result rounded to 3 decimals, as the kubelet computes it. */
function balance(values: number[]): number {
  const mean = round3(values.reduce((s, x) => s + x, 0) / values.length)
  return round3(Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length))
}

/**
 * Hand `remainder` CPUs out in `group`-sized chunks over `subset`, one chunk per node per
 * pass; returns the free counts afterwards, or undefined when a pass makes no progress.
 */
function stripe(free: Map<number, number>, subset: number[], remainder: number, group: number): Map<number, number> | undefined {
  const after = new Map(free)
  let left = remainder
  while (left > 0) {
    let progress = false
    for (const node of subset) {
      if (left === 0) break
      if (after.get(node)! < group) continue
      after.set(node, after.get(node)! - group)
      left -= group
      progress = true
    }

    if (!progress) return undefined
  }

  return after
}

/** KEP-2902: spread the request evenly over the fewest NUMA nodes that can take it, in chunks of `group` CPUs. */
function takeDistributed(topo: Topology, available: Iterable<number>, request: number, group: number): number[] {
  if (request % group !== 0) return takePacked(topo, available, request)
  const acc = new Accumulator(topo, available, request)
  if (acc.satisfied()) return []
  if (acc.needed > acc.free.size) {
    throw new CpuAllocationError(`not enough cpus available to satisfy request: requested=${request}, available=${acc.free.size}`)
  }

  const nodes = acc.sortedNodes()
  const freeIn = new Map(nodes.map(n => [n, acc.cpusIn('node', n).length]))
  // Range of NUMA-node counts worth trying (rangeNUMANodesNeededToSatisfy).
  const groupsTotal = Math.ceil(topo.cpuCount / group)
  const groupsPerNode = Math.ceil(groupsTotal / topo.nodeCount)
  const groupsNeeded = Math.ceil(request / group)
  const minNodes = Math.ceil(groupsNeeded / groupsPerNode)
  const maxNodes = Math.min(groupsNeeded, nodes.length)

  for (let k = minNodes; k <= maxNodes; k++) {
    let best: {score: number; combo: number[]; remainder: number[]} | undefined
    combinations(nodes, k, combo => {
      if (best?.score === 0) return true
      if (combo.reduce((s, n) => s + freeIn.get(n)!, 0) < request) return false
      if (combo.reduce((s, n) => s + Math.floor(freeIn.get(n)! / group), 0) * group < request) return false
      const share = Math.floor(request / combo.length / group) * group
      if (combo.some(n => freeIn.get(n)! < share)) return false

      const after = new Map(freeIn)
      for (const n of combo) after.set(n, after.get(n)! - share)
      const remainder = request - share * combo.length
      let local: {score: number; subset: number[]} | undefined
      if (remainder === 0) local = {score: balance([...after.values()]), subset: []}
      const candidates = combo.filter(n => after.get(n)! >= group)
      for (let r = candidates.length; remainder > 0 && r >= 1; r--) {
        combinations(candidates, r, subset => {
          if (subset.reduce((s, n) => s + after.get(n)!, 0) < remainder) return false
          const striped = stripe(after, subset, remainder, group)
          if (!striped) return false
          const score = balance([...striped.values()])
          if (!local || score < local.score) local = {score, subset: [...subset]}
          return false
        })
      }

      if (local && (!best || local.score < best.score)) best = {score: local.score, combo: [...combo], remainder: local.subset}
      return false
    })

    if (!best) continue
    const share = Math.floor(request / best.combo.length / group) * group
    for (const n of best.combo) acc.take(takePacked(topo, acc.cpusIn('node', n), share))
    let remainder = request - share * best.combo.length
    while (remainder > 0) {
      let progress = false
      for (const n of best.remainder) {
        if (remainder === 0) break
        const cpus = acc.cpusIn('node', n)
        if (cpus.length < group) continue
        acc.take(takePacked(topo, cpus, group))
        remainder -= group
        progress = true
      }

      if (!progress) throw new CpuAllocationError(`accounting error, not enough CPUs allocated, remaining: ${remainder}`)
    }

    return acc.result
  }

  return takePacked(topo, available, request)
}

/** `takeByTopologyNUMAPacked`: topology-aware best fit from `available`. */
export function takeByTopologyPacked(topology: Host, available: number[], request: number): number[] {
  return [...takePacked(topologyOf(topology), available, request)].sort((a, b) => a - b)
}

/** `takeByTopologyNUMADistributed` with CPU groups of `groupSize` (the CPUs per core under `full-pcpus-only`). */
export function takeByTopologyDistributed(topology: Host, available: number[], request: number, groupSize: number): number[] {
  return [...takeDistributed(topologyOf(topology), available, request, groupSize)].sort((a, b) => a - b)
}

/**
 * CPUs the static policy gives a container requesting `request` whole CPUs, from the
 * `available` ones (the shared pool without the reserved CPUs; `topology.housekeeping`
 * stands for the kubelet's reserved CPUs). Ascending CPU ids. Throws CpuAllocationError when
 * the kubelet would refuse the pod.
 */
export function allocateCpus(topology: Host, available: number[], request: number, options: CpuManagerOptions): number[] {
  const topo = topologyOf(topology)
  const group = options.fullPcpusOnly ? topo.cpusPerCore : 1
  if (options.fullPcpusOnly) {
    if (request % topo.cpusPerCore !== 0) {
      throw new CpuAllocationError(`SMT Alignment Error: requested ${request} cpus not multiple cpus per core = ${topo.cpusPerCore}`)
    }

    // Siblings of reserved CPUs are not whole physical CPUs.
    const reservedCores = new Set(topology.housekeeping.map(c => topo.info.get(c)?.core))
    const physical = available.filter(c => !reservedCores.has(topo.info.get(c)?.core)).length
    if (request > physical) {
      throw new CpuAllocationError(`SMT Alignment Error: not enough free physical CPUs: available physical CPUs = ${physical}, requested CPUs = ${request}`)
    }
  }

  const cpus = options.distributeAcrossNuma
    ? takeDistributed(topo, available, request, group)
    : takePacked(topo, available, request)
  return [...cpus].sort((a, b) => a - b)
}
