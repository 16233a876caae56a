/**
 * A sweep: one parameter of a scenario varied over a range, the scenario laid out and
 * evaluated at each point. Each point gives the objective (delivered Gbit/s per host
 * CPU), the sellable vCPUs (the VMs' vCPUs on the host), latency, SLO violations and the
 * resource that limits most devices; the points no other point beats on both Gbit/s per
 * CPU and sellable vCPUs (among those meeting every SLO) form the frontier.
 */
import type {Subject} from '../../hooks/index.js'
import type {ArchitectureModel} from '../../model/arch/types.js'
import {LayoutError, PolicyError} from '../../model/errors.js'
import type {LimitKind} from '../../model/types.js'
import {whatifMessages} from './messages.js'
import {evaluateSubject} from './scenario.js'
import {mapDevices, mapLayout, mapPolicy} from './subject.js'
import {WhatIfError} from './variants.js'

export interface SweepParameter {
  description: string
  unit: string
  /** Whole numbers only. */
  whole: boolean
  needsPolicy: boolean
  apply(subject: Subject, value: number): Subject
  /** Why sweeping this parameter on `subject` would show nothing, if it would. */
  pointless?(subject: Subject): string | undefined
}

export const SWEEP_PARAMETERS: Record<string, SweepParameter> = {
  'io-cores': {
    description: 'dedicated I/O cores per NUMA node', unit: 'cores per node', whole: true, needsPolicy: true,
    apply: (s, v) => mapPolicy(s, p => ({...p, ioCoresPerNode: v})),
  },
  vms: {
    description: 'VMs of each VM type on the host', unit: 'VMs per type', whole: true, needsPolicy: true,
    apply: (s, v) => ({...s, workload: {...s.workload, entries: s.workload.entries.map(e => ({...e, count: v}))}}),
  },
  load: {
    description: 'offered load of every device, as a multiple of the scenario\'s', unit: 'x offered', whole: false, needsPolicy: false,
    apply: (s, v) => mapDevices(s, d => ({...d, offered: d.offered * v})),
    // A multiple of an unbounded load is the same load: such a sweep would repeat one point.
    pointless: s => (s.workload.entries.every(e => e.type.devices.every(d => !Number.isFinite(d.offered)))
      ? whatifMessages.sweepUnboundedLoad : undefined),
  },
  spin: {
    description: 'spin budget of every worker (notification spin(budget))', unit: 'us', whole: false, needsPolicy: false,
    apply: (s, v) => mapLayout(mapPolicy(s, p => ({...p, notification: {kind: 'spin', budgetS: v * 1e-6}})),
      l => ({...l, workers: l.workers.map(w => ({...w, notification: {kind: 'spin', budgetS: v * 1e-6}}))})),
  },
  'devices-per-worker': {
    description: 'devices a shared worker serves at most', unit: 'devices', whole: true, needsPolicy: true,
    apply: (s, v) => mapPolicy(s, p => ({...p, devicesPerWorker: v})),
  },
}

export interface SweepPoint {
  value: number
  /** The layout could be built and passed every check. */
  feasible: boolean
  /** Why not, when infeasible. */
  reason?: string
  deliveredGbps: number
  gbpsPerCpu: number
  gbpsPerAllocatedCpu: number
  sellableVcpus: number
  ioCpus: number
  p99LatencyUs: number
  sloViolations: number
  /** The resource kind limiting the most devices (ties: the first in device order). */
  limit: LimitKind | ''
  limitDevices: number
  /** No other point meeting every SLO has at least its Gbit/s per CPU and sellable vCPUs, and more of one. */
  frontier: boolean
}

export interface Sweep {
  kind: 'sweep'
  version: 1
  scenario: string
  parameter: string
  unit: string
  points: SweepPoint[]
}

/** The most points one sweep evaluates; a longer range is refused, not cut. */
export const MAX_SWEEP_POINTS = 1000

/** How many points `from`..`to` by `step` has (both ends included when on the grid); 0 for an empty range. */
export function sweepPointCount(from: number, to: number, step: number): number {
  if (!(step > 0) || !Number.isFinite(from) || !Number.isFinite(to) || to < from) return 0
  return Math.floor((to - from) / step + 1e-9) + 1
}

/** Values from `from` to `to` by `step` (both ends included when on the grid). */
export function sweepValues(from: number, to: number, step: number): number[] {
  return Array.from({length: sweepPointCount(from, to, step)}, (_, k) => Number((from + k * step).toPrecision(12)))
}

export function sweepScenario(subject: Subject, name: string, parameter: string, values: readonly number[],
  extra: ReadonlyMap<string, ArchitectureModel> = new Map()): Sweep {
  const p = SWEEP_PARAMETERS[parameter]
  if (!p) throw new WhatIfError(`sweep: expected a parameter among ${Object.keys(SWEEP_PARAMETERS).join(', ')}, found "${parameter}"`)
  if (p.needsPolicy && !subject.policy) throw new WhatIfError(whatifMessages.sweepNeedsPolicy(parameter))
  const pointless = p.pointless?.(subject)
  if (pointless !== undefined) throw new WhatIfError(pointless)
  for (const v of values) {
    if (p.whole && !(Number.isInteger(v) && v >= 0)) throw new WhatIfError(`sweep ${parameter}: expected whole numbers >= 0, found ${v}`)
    if (!p.whole && !(v >= 0)) throw new WhatIfError(`sweep ${parameter}: expected numbers >= 0, found ${v}`)
  }

  const points: SweepPoint[] = values.map(value => {
    const empty = {value, deliveredGbps: 0, gbpsPerCpu: 0, gbpsPerAllocatedCpu: 0, sellableVcpus: 0, ioCpus: 0,
      p99LatencyUs: 0, sloViolations: 0, limit: '' as const, limitDevices: 0, frontier: false}
    let result
    try {
      result = evaluateSubject(p.apply(subject, value), extra)
    } catch (error) {
      if (error instanceof LayoutError) return {...empty, feasible: false, reason: error.problems.join('; ')}
      if (error instanceof PolicyError) return {...empty, feasible: false, reason: error.message}
      throw error
    }

    const {layout, evaluation: ev} = result
    const counts = new Map<LimitKind, number>()
    for (const d of ev.devices) counts.set(d.limit.kind, (counts.get(d.limit.kind) ?? 0) + 1)
    let limit: LimitKind | '' = ''
    let most = 0
    for (const [kind, n] of counts) {
      if (n > most) {
        limit = kind
        most = n
      }
    }

    return {
      ...empty,
      feasible: true,
      deliveredGbps: ev.totals.deliveredBps / 1e9,
      gbpsPerCpu: ev.totals.bpsPerCpuHost / 1e9,
      gbpsPerAllocatedCpu: ev.totals.bpsPerCpuAllocated / 1e9,
      sellableVcpus: layout.vms.reduce((s, v) => s + v.vcpuPins.length, 0),
      ioCpus: ev.cpus.filter(c => c.role === 'io').length,
      p99LatencyUs: Math.max(0, ...ev.vms.map(v => v.p99LatencyS)) * 1e6,
      sloViolations: ev.totals.sloViolations,
      limit,
      limitDevices: most,
    }
  })

  const ok = points.filter(q => q.feasible && q.sloViolations === 0)
  for (const q of ok) {
    q.frontier = !ok.some(o => o !== q && o.gbpsPerCpu >= q.gbpsPerCpu && o.sellableVcpus >= q.sellableVcpus
      && (o.gbpsPerCpu > q.gbpsPerCpu || o.sellableVcpus > q.sellableVcpus))
  }

  return {kind: 'sweep', version: 1, scenario: name, parameter, unit: p.unit, points}
}
