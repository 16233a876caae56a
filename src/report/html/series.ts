/**
 * The data behind the report's charts, one section per host model, taken from the plan and,
 * for the two what-if curves, from the performance model itself:
 *
 * - CPU map: each CPU's role in each distinct layout (mix) of the model, from the plan.
 * - Gbit/s per CPU against I/O CPUs: each mix's VMs laid out by the policy the plan chose
 *   for them (net and block architecture, notification, interrupt delivery, sharing) with
 *   0 to `MAX_IO_CORES_PER_NODE` dedicated I/O cores per NUMA node, each layout evaluated
 *   by `evaluate()`; next to it, the plan's own layouts (from the plan's evaluations).
 * - p99 latency against load: each mix's planned layout evaluated with every bounded
 *   offered load scaled by `LOAD_FACTORS` (unbounded ones stay unbounded, so 100% is the
 *   plan's own evaluation); per VM type, the highest p99 over the model's VMs.
 *
 * Pure: data in, data out. The model's inputs (host, calibration, VM types) come from the
 * cluster and workload the plan was made from; the caller loads them.
 */
import {LayoutError, PolicyError} from '../../model/errors.js'
import {evaluate} from '../../model/evaluate.js'
import {buildLayout} from '../../model/layout.js'
import type {
  ArchitectureId, ArchitecturePolicy, Calibration, CpuRole, Evaluation, Host, Layout, LimitKind, Vm, VmType,
} from '../../model/types.js'
import type {Plan} from '../../search/plan.js'

/** I/O cores per NUMA node the sweep tries: 0 to this. */
export const MAX_IO_CORES_PER_NODE = 4
/** Offered-load multipliers of the latency curve (1 = the planned load). */
export const LOAD_FACTORS = [0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5] as const

/** What the model needs to evaluate a host model's layouts. */
export interface ModelInputs {
  host: Host
  calibration: Calibration
}

export interface CpuCell {
  mix: string
  node: number
  /** Position of the CPU within its node's list, ascending by id. */
  slot: number
  cpu: number
  role: CpuRole
}

export interface IoPoint {
  mix: string
  /** `model`: the policy's layout evaluated here; `plan`: the plan's own layout and evaluation. */
  source: 'model' | 'plan'
  ioCoresPerNode?: number
  ioCpus: number
  gbpsPerCpu: number
  sloMet: boolean
}

export interface LoadPoint {
  loadPct: number
  vmType: string
  p99Us: number
}

export interface MixSummary {
  /** `mix N` (the index in plan.json's `mixes`). */
  name: string
  index: number
  hosts: number
  /** VMs per type, e.g. `12 frontend, 2 oltp`. */
  vms: Record<string, number>
  ioCpus: number
  deliveredGbps: number
  gbpsPerCpu: number
  worstP99Us: number
  sloViolations: number
  /** Limiting resources of the mix's devices, by kind, most devices first. */
  limits: {kind: LimitKind; devices: number}[]
}

export interface ModelSection {
  model: string
  hosts: number
  cpusPerHost: number
  nodes: number
  mixes: MixSummary[]
  cpuMap: CpuCell[]
  io: IoPoint[]
  latency: LoadPoint[]
  /** Why the model curves are missing (no model inputs given), when they are. */
  note?: string
}

const mixName = (i: number) => `mix ${i}`

/** Every host model of the plan, in the order its hosts appear, with its chart data. */
export function modelSections(plan: Plan, inputs?: {models: ReadonlyMap<string, ModelInputs>; types: readonly VmType[]}): ModelSection[] {
  const order = [...new Set(plan.hosts.map(h => h.model))]
  return order.map(model => {
    const indices = [...new Set(plan.hosts.filter(h => h.model === model).map(h => h.mix))].sort((a, b) => a - b)
    const mixes = indices.map(i => mixSummary(plan, i))
    const first = plan.mixes[indices[0]].evaluation
    const section: ModelSection = {
      model,
      hosts: plan.hosts.filter(h => h.model === model).length,
      cpusPerHost: first.cpus.length,
      nodes: new Set(first.cpus.map(c => c.node)).size,
      mixes,
      cpuMap: indices.flatMap(i => cpuCells(mixName(i), plan.mixes[i].evaluation)),
      io: indices.map(i => planPoint(mixName(i), plan.mixes[i].layout, plan.mixes[i].evaluation)),
      latency: [],
    }
    const given = inputs?.models.get(model)
    if (!given || !inputs) {
      section.note = 'the model curves need the cluster and workload the plan was made from'
      return section
    }

    const types = new Map(inputs.types.map(t => [t.name, t]))
    for (const i of indices) {
      const vms = mixVms(plan.mixes[i].layout, plan.mixes[i].evaluation, types)
      section.io.push(...ioSweep(mixName(i), given, vms, plan.mixes[i].layout, plan.mixes[i].evaluation))
    }

    section.latency = latencyCurve(indices.map(i => ({layout: plan.mixes[i].layout, evaluation: plan.mixes[i].evaluation})), given, types)
    return section
  })
}

function mixSummary(plan: Plan, index: number): MixSummary {
  const {layout, evaluation: ev} = plan.mixes[index]
  const vms: Record<string, number> = {}
  for (const v of ev.vms) vms[v.type] = (vms[v.type] ?? 0) + 1
  const limits = new Map<LimitKind, number>()
  for (const d of ev.devices) limits.set(d.limit.kind, (limits.get(d.limit.kind) ?? 0) + 1)
  return {
    name: mixName(index),
    index,
    hosts: plan.hosts.filter(h => h.mix === index).length,
    vms,
    ioCpus: ioCpuCount(layout),
    deliveredGbps: ev.totals.deliveredBps / 1e9,
    gbpsPerCpu: ev.totals.bpsPerCpuHost / 1e9,
    worstP99Us: Math.max(0, ...ev.vms.map(v => v.p99LatencyS)) * 1e6,
    sloViolations: ev.totals.sloViolations,
    limits: [...limits.entries()].map(([kind, devices]) => ({kind, devices})).sort((a, b) => b.devices - a.devices || a.kind.localeCompare(b.kind)),
  }
}

function cpuCells(mix: string, ev: Evaluation): CpuCell[] {
  const nodes = [...new Set(ev.cpus.map(c => c.node))].sort((a, b) => a - b)
  return nodes.flatMap(node => ev.cpus.filter(c => c.node === node).sort((a, b) => a.id - b.id)
    .map((c, slot) => ({mix, node, slot, cpu: c.id, role: c.role})))
}

const ioCpuCount = (layout: Layout) => Object.values(layout.roles).filter(r => r === 'io').length

function planPoint(mix: string, layout: Layout, ev: Evaluation): IoPoint {
  return {mix, source: 'plan', ioCpus: ioCpuCount(layout), gbpsPerCpu: ev.totals.bpsPerCpuHost / 1e9, sloMet: ev.totals.sloViolations === 0}
}

/** The mix's VMs in layout order, with their types from the workload. */
function mixVms(layout: Layout, ev: Evaluation, types: ReadonlyMap<string, VmType>): Vm[] {
  const typeOf = new Map(ev.vms.map(v => [v.id, v.type]))
  return layout.vms.map(p => {
    const name = typeOf.get(p.vm) ?? ''
    const type = types.get(name)
    if (!type) throw new Error(`VM type ${JSON.stringify(name)} of ${p.vm} is not in the workload`)
    return {id: p.vm, type}
  })
}

/** The policy a planned layout follows (architectures and notification of its workers). */
export function layoutPolicy(layout: Layout, ev: Evaluation, ioCoresPerNode: number): ArchitecturePolicy {
  const archOf = (kind: 'net' | 'block', fallback: ArchitectureId) => {
    const d = ev.devices.find(x => x.kind === kind)
    return layout.workers.find(w => w.id === d?.worker)?.architecture ?? fallback
  }
  const net = archOf('net', 'vhost-per-device')
  const netWorker = layout.workers.find(w => w.architecture === net) ?? layout.workers[0]
  return {
    net,
    block: archOf('block', 'vhost-blk'),
    notification: netWorker?.notification ?? {kind: 'kick'},
    interrupt: layout.interrupt,
    ioCoresPerNode,
    devicesPerWorker: 7,
    sharing: layout.sharing,
    floatOn: 'vm-cpus',
  }
}

function ioSweep(mix: string, inputs: ModelInputs, vms: Vm[], layout: Layout, ev: Evaluation): IoPoint[] {
  const out: IoPoint[] = []
  for (let io = 0; io <= MAX_IO_CORES_PER_NODE; io++) {
    let built: Layout
    try {
      built = buildLayout(inputs.host, vms, layoutPolicy(layout, ev, io))
    } catch (error) {
      // This many I/O cores leave too few CPUs for the VMs (or the policy needs some): no point.
      if (error instanceof PolicyError || error instanceof LayoutError) continue
      throw error
    }

    const result = evaluate(inputs.host, vms, built, inputs.calibration)
    out.push({
      mix, source: 'model', ioCoresPerNode: io, ioCpus: ioCpuCount(built),
      gbpsPerCpu: result.totals.bpsPerCpuHost / 1e9, sloMet: result.totals.sloViolations === 0,
    })
  }

  return out
}

function latencyCurve(mixes: {layout: Layout; evaluation: Evaluation}[], inputs: ModelInputs, types: ReadonlyMap<string, VmType>): LoadPoint[] {
  const out: LoadPoint[] = []
  for (const factor of LOAD_FACTORS) {
    const worst = new Map<string, number>()
    for (const {layout, evaluation} of mixes) {
      const vms = mixVms(layout, evaluation, types).map(vm => ({
        ...vm,
        type: {...vm.type, devices: vm.type.devices.map(d => ({...d, offered: Number.isFinite(d.offered) ? d.offered * factor : d.offered}))},
      }))
      const result = factor === 1 ? evaluation : evaluate(inputs.host, vms, layout, inputs.calibration)
      for (const v of result.vms) worst.set(v.type, Math.max(worst.get(v.type) ?? 0, v.p99LatencyS))
    }

    for (const [vmType, p99] of worst) out.push({loadPct: Math.round(factor * 100), vmType, p99Us: p99 * 1e6})
  }

  return out
}
