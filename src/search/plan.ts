/**
 * Planning a cluster: the whole flow.
 *
 *   Cluster (host models x counts) + Workload (VM types x counts)
 *     -> patterns      per host model, VM-type mixes valued by the per-host search
 *     -> placeCluster  LP over patterns (HiGHS): host counts per pattern, bound, gap
 *     -> hosts         concrete hosts in cluster order, each with its searched layout,
 *                      evaluated under the model with the VMs' own names
 *
 * Identical host models with identical VM mixes are laid out once (memoised by
 * signature). The searches run as tasks, on worker threads when a runner is given; each
 * task depends only on its own inputs, so the plan is the same for any number of threads. Every VM of the workload ends up on exactly one host or in `unplaced`
 * with the reason.
 */
import type {ArchitectureId, Calibration, Evaluation, Host, Layout, Notification, Vm, VmType, Workload} from '../model/types.js'
import {missingOnHost} from '../model/layout.js'
import {
  type LpSolve, type Pattern, type PatternTask, type PatternValue, collectPatterns, patternTasks, placeCluster, runPatternTask,
} from './cluster.js'
import {freeByNode} from './baselines/first-fit.js'
import {type HostSearchResult, searchHost} from './host.js'
import type {Accounting, Objective} from './objective.js'
import {type SearchSpace, defaultSpace} from './space.js'

export interface PlanModel {
  host: Host
  calibration: Calibration
  /** Cluster entries of this model: how many hosts, with which labels. */
  entries: {count: number; labels: Record<string, string>}[]
}

/** Everything a worker needs to search host layouts; plain data, so it can cross to a worker thread. */
export interface PlanContext {
  models: PlanModel[]
  types: VmType[]
  demand: number[]
  objective: Objective
  accounting: Accounting
  seed: number
  /** Layouts the per-host search evaluates per VM mix before it stops improving; each policy's own layout is evaluated regardless. */
  budget: number
  /** When searches stop improving (a time limit), in the clock's milliseconds; absent = never. */
  deadline?: number
  /** Designs the search may choose among; absent parts keep `defaultSpace`'s. */
  allow?: Allowed
}

/** Restrictions on the per-host search space, as plain data. */
export interface Allowed {
  net?: ArchitectureId[]
  block?: ArchitectureId[]
  notifications?: Notification[]
}

/** The space a plan searches on a host: `defaultSpace`, narrowed to what is allowed. */
export function planSpace(host: Host, allow: Allowed = {}): SearchSpace {
  const space = defaultSpace(host)
  return {
    ...space,
    ...(allow.net ? {net: allow.net} : {}),
    ...(allow.block ? {block: allow.block} : {}),
    ...(allow.notifications ? {notifications: allow.notifications} : {}),
  }
}

/** Work that runs on a worker: one pattern to find, or one VM mix to lay out. */
export type PlanTask = {kind: 'pattern'; task: PatternTask} | {kind: 'search'; model: number; counts: number[]}

export type PlanResult =
  | {kind: 'pattern'; pattern?: Pattern; evaluations: number}
  | {kind: 'search'; layout?: Layout; evaluation?: Evaluation; evaluations: number}

/** Runs tasks, in any order or in parallel, and returns their results in task order. */
export type TaskRunner = (tasks: PlanTask[], done?: () => void) => Promise<PlanResult[]>

/**
 * The worker's side: runs tasks against one context, memoising searches across the tasks
 * it runs. A search's result depends only on its host model and VM mix, so the plan does
 * not depend on which worker ran which task (the count of evaluations does).
 * The per-host search space is `planSpace`.
 */
export function planWorker(ctx: PlanContext, clock: () => number = () => Number.NEGATIVE_INFINITY): (task: PlanTask) => PlanResult {
  const {models, types} = ctx
  const stop = () => ctx.deadline !== undefined && clock() > ctx.deadline
  const vmsFor = (counts: number[]): Vm[] =>
    counts.flatMap((n, t) => Array.from({length: n}, (_, i) => ({id: `${types[t].name}-${i}`, type: types[t]})))
  // A type the model lacks a device for never goes there (nor does any mix with it).
  const runs = models.map(model => types.map(type => missingOnHost(model.host, type) === undefined))
  const limit = (m: number, t: number) => (runs[m][t] ? Math.floor(models[m].host.cpus.length / types[t].vcpus) : 0)
  const memo = new Map<string, HostSearchResult | undefined>()
  return task => {
    let evaluations = 0
    const search = (m: number, counts: number[]) => {
      const key = `${m}:${counts.join(',')}`
      if (counts.some((n, t) => n > 0 && !runs[m][t])) return undefined
      if (!memo.has(key)) {
        const model = models[m]
        const found = searchHost(model.host, vmsFor(counts), model.calibration, planSpace(model.host, ctx.allow),
          {objective: ctx.objective, accounting: ctx.accounting, seed: ctx.seed, maxEvaluations: ctx.budget, stop})
        evaluations += found?.evaluations ?? 0
        memo.set(key, found)
      }

      return memo.get(key)
    }

    if (task.kind === 'search') {
      const found = search(task.model, task.counts)
      return {kind: 'search', layout: found?.best.layout, evaluation: found?.best.evaluation, evaluations}
    }

    const assess = (m: number, counts: number[]): PatternValue => {
      const found = search(m, counts)
      const t = found?.best.evaluation.totals
      return {
        feasible: found?.best.score.feasible ?? false,
        deliveredBps: t?.deliveredBps ?? 0,
        cpusHost: models[m].host.cpus.length,
        cpusAllocated: t?.cpusAllocated ?? 0,
      }
    }

    const pattern = runPatternTask(task.task, types.length, ctx.demand, assess, limit)
    return {kind: 'pattern', pattern, evaluations}
  }
}

/** Runs the tasks one after the other on this thread. */
export function sequentialRunner(ctx: PlanContext, clock?: () => number): TaskRunner {
  const work = planWorker(ctx, clock)
  return async (tasks, done) => tasks.map(task => {
    const result = work(task)
    done?.()
    return result
  })
}

/** The context's settings (the deadline in the runner's clock), the workload and the solver. */
export interface PlanInput extends Omit<PlanContext, 'types' | 'demand'> {
  workload: Workload
  solve: LpSolve
  /** How tasks run (worker threads, or this thread by default). */
  runner?: (ctx: PlanContext) => TaskRunner
  /** Called as work completes, for a progress bar. */
  progress?: (done: number, total: number, stage: string) => void
}

/** A VM mix on a host model, searched and evaluated once, with the VMs named `type-i` from 0. */
export interface PlannedMix {
  model: string
  counts: number[]
  layout: Layout
  evaluation: Evaluation
}

export interface PlannedHost {
  id: string
  model: string
  labels: Record<string, string>
  /** Index into `mixes`. */
  mix: number
  /** The workload's VMs on this host, in the order of the mix's VMs. */
  vms: string[]
}

export interface PlannedVm {
  id: string
  type: string
  host?: string
  /** Why the VM has no host. */
  reason?: string
}

export interface Plan {
  objective: Objective
  accounting: Accounting
  seed: number
  mixes: PlannedMix[]
  hosts: PlannedHost[]
  vms: PlannedVm[]
  /** LP lower bound on the placement objective (hosts or CPUs of the hosts used). */
  bound: number
  /** The placement objective of this plan. */
  placementObjective: number
  gap: number
  /** Per-host search tasks run (patterns and the placement's mixes). */
  searches: number
  /** Layouts evaluated by the model (depends on how tasks shared workers). */
  evaluations: number
}

export const UNPLACED_NO_MODEL = 'no host model can run this VM type within its SLO'
export const UNPLACED_NO_CAPACITY = 'the cluster has no host left that can take it'
export const UNPLACED_NO_DEVICE = 'no host model has the devices it needs'
/** A VM's vCPUs are pinned on one NUMA node: a type with more vCPUs than any model's node has free fits nowhere. */
export const unplacedTooLarge = (vcpus: number, most: number) =>
  `no host model has ${vcpus} free CPUs on one NUMA node for its vCPUs (the most any has is ${most})`

export async function planCluster(input: PlanInput): Promise<Plan> {
  const {models, workload} = input
  const types = workload.entries.map(e => e.type)
  const demand = workload.entries.map(e => e.count)
  const supply = models.map(m => m.entries.reduce((s, e) => s + e.count, 0))
  const {workload: _workload, solve: _solve, runner: _runner, progress: _progress, ...settings} = input
  const ctx: PlanContext = {...settings, types, demand}
  const run = (input.runner ?? sequentialRunner)(ctx)
  let evaluations = 0
  let searches = 0
  // Tasks go to the workers largest first (by the host model's CPUs), so that a big host's
  // search does not start last and leave the other workers idle; results keep task order.
  const weight = (t: PlanTask) => models[t.kind === 'pattern' ? t.task.model : t.model].host.cpus.length
  const stage = async (tasks: PlanTask[], name: string) => {
    let done = 0
    const order = tasks.map((_, i) => i).sort((a, b) => weight(tasks[b]) - weight(tasks[a]) || a - b)
    const sorted = await run(order.map(i => tasks[i]), () => input.progress?.(++done, tasks.length, name))
    const results: PlanResult[] = []
    order.forEach((i, k) => {
      results[i] = sorted[k]
    })
    for (const r of results) evaluations += r.evaluations
    return results
  }

  const tasks = patternTasks(models.length, types.length)
  const found = await stage(tasks.map(task => ({kind: 'pattern', task})), 'finding host patterns')
  searches += tasks.length
  const patterns = collectPatterns(found.map(r => (r.kind === 'pattern' ? r.pattern : undefined)))
  const placement = placeCluster(patterns, supply, demand, input.objective === 'hosts' ? 'hosts' : 'cpus', input.solve)

  // VMs left over while placed hosts could take more: one more VM of the type on every
  // host of a mix whose extension still meets every SLO, mix by mix, until none fits.
  const key = (m: number, counts: number[]) => `${m}:${counts.join(',')}`
  const leftover = [...placement.unplaced]
  const vcpus = (m: number, counts: number[]) => counts.reduce((sum, n, t) => sum + n * types[t].vcpus, 0) <= models[m].host.cpus.length
  for (let round = 0; leftover.some(n => n > 0) && round < 64; round++) {
    const candidates = new Map<string, {model: number; counts: number[]; type: number}>()
    for (const h of placement.hosts) {
      types.forEach((_, t) => {
        if (leftover[t] === 0) return
        const grown = h.counts.map((n, u) => (u === t ? n + 1 : n))
        if (vcpus(h.model, grown)) candidates.set(key(h.model, grown), {model: h.model, counts: grown, type: t})
      })
    }

    if (candidates.size === 0) break
    const list = [...candidates.values()]
    const tried = await stage(list.map(c => ({kind: 'search', model: c.model, counts: c.counts})), 'fitting leftover VMs')
    searches += list.length
    let grew = false
    list.forEach((c, i) => {
      const r = tried[i]
      if (r.kind !== 'search' || !r.evaluation || r.evaluation.totals.sloViolations > 0) return
      const from = c.counts.map((n, u) => (u === c.type ? n - 1 : n))
      for (const h of placement.hosts) {
        if (leftover[c.type] === 0) break
        if (h.model === c.model && key(h.model, h.counts) === key(c.model, from)) {
          h.counts = c.counts
          leftover[c.type]--
          grew = true
        }
      }
    })
    if (!grew) break
  }

  // Every distinct mix the placement uses, laid out once.
  const mixKeys = [...new Set(placement.hosts.map(h => key(h.model, h.counts)))]
  const laidOut = await stage(mixKeys.map(key => {
    const [m, counts] = key.split(':')
    return {kind: 'search', model: Number(m), counts: counts.split(',').map(Number)}
  }), 'laying out hosts')
  searches += mixKeys.length
  const searched = new Map(mixKeys.map((key, i) => [key, laidOut[i]]))

  // Concrete hosts: cluster entries in order, filled with the placement's hosts of their
  // model. Hosts with the same mix share one searched layout and evaluation.
  const byModel = models.map((_, m) => placement.hosts.filter(h => h.model === m))
  const next = types.map(() => 0)
  const vms: PlannedVm[] = []
  const hosts: PlannedHost[] = []
  const mixes: PlannedMix[] = []
  const mixIndex = new Map<string, number>()
  models.forEach((model, m) => {
    let k = 0
    let index = 0
    for (const entry of model.entries) {
      for (let i = 0; i < entry.count && k < byModel[m].length; i++, k++) {
        const counts = byModel[m][k].counts
        const key = `${m}:${counts.join(',')}`
        const result = searched.get(key)
        if (result?.kind !== 'search' || !result.layout || !result.evaluation) continue
        let mix = mixIndex.get(key)
        if (mix === undefined) {
          mix = mixes.length
          mixIndex.set(key, mix)
          mixes.push({model: model.host.model, counts, layout: result.layout, evaluation: result.evaluation})
        }

        const id = `${model.host.model}-${index++}`
        const names = counts.flatMap((n, t) => Array.from({length: n}, () => `${types[t].name}-${next[t]++}`))
        let j = 0
        counts.forEach((n, t) => {
          for (let c = 0; c < n; c++) vms.push({id: names[j++], type: types[t].name, host: id})
        })
        hosts.push({id, model: model.host.model, labels: entry.labels, mix, vms: names})
      }
    }
  })

  // Whatever has no host, with the reason.
  const feasibleSomewhere = types.map((_, t) => patterns.some(p => p.counts[t] > 0))
  // The most CPUs one NUMA node of any model offers guests (housekeeping aside).
  const roomiestNode = Math.max(0, ...models.flatMap(m => freeByNode(m.host)))
  types.forEach((type, t) => {
    // A type no model has the devices for says which device, on the first model.
    const missing = models.every(m => missingOnHost(m.host, type) !== undefined) ? missingOnHost(models[0].host, type) : undefined
    const reason = feasibleSomewhere[t] ? UNPLACED_NO_CAPACITY : missing ? `${UNPLACED_NO_DEVICE}: ${missing}`
      : type.vcpus > roomiestNode ? unplacedTooLarge(type.vcpus, roomiestNode) : UNPLACED_NO_MODEL
    for (let i = next[t]; i < demand[t]; i++) vms.push({id: `${type.name}-${i}`, type: type.name, reason})
  })

  return {
    objective: input.objective,
    accounting: input.accounting,
    seed: input.seed,
    mixes,
    hosts,
    vms,
    bound: placement.bound,
    placementObjective: placement.objective,
    gap: placement.gap,
    searches,
    evaluations,
  }
}

/**
 * The mix's VM names on a host mapped to the host's own VMs: the layout lists the mix's
 * VMs in the order the mix was built, which is the order of `host.vms`.
 */
export function renames(plan: Plan, host: PlannedHost): Map<string, string> {
  return new Map(plan.mixes[host.mix].layout.vms.map((p, j) => [p.vm, host.vms[j]]))
}

export function renameRef(ref: string, rename: Map<string, string>): string {
  const slash = ref.indexOf('/')
  if (slash < 0) return rename.get(ref) ?? ref
  return `${rename.get(ref.slice(0, slash)) ?? ref.slice(0, slash)}${ref.slice(slash)}`
}

/** A host's layout, with its own name and its VMs' names. */
export function hostLayout(plan: Plan, host: PlannedHost): Layout {
  const layout = plan.mixes[host.mix].layout
  const rename = renames(plan, host)
  return {
    ...layout,
    host: host.id,
    vms: layout.vms.map(p => ({...p, vm: rename.get(p.vm) ?? p.vm})),
    workers: layout.workers.map(w => ({...w, devices: w.devices.map(r => renameRef(r, rename))})),
  }
}

/** A host's evaluation, with its own name and its VMs' names. */
export function hostEvaluation(plan: Plan, host: PlannedHost): Evaluation {
  const ev = plan.mixes[host.mix].evaluation
  const rename = renames(plan, host)
  const resource = (kind: string, r: string) => (kind === 'vcpu' ? r.split('+').map(x => rename.get(x) ?? x).join('+') : renameRef(r, rename))
  return {
    ...ev,
    host: host.id,
    devices: ev.devices.map(d => ({
      ...d,
      vm: rename.get(d.vm) ?? d.vm,
      limit: ['offered-load', 'timer-ring', 'round-trip', 'queue-depth', 'vcpu'].includes(d.limit.kind)
        ? {...d.limit, resource: resource(d.limit.kind, d.limit.resource)}
        : d.limit,
    })),
    workers: ev.workers.map(w => ({...w, devices: w.devices.map(r => renameRef(r, rename))})),
    cpus: ev.cpus.map(c => ({...c, vms: c.vms.map(v => rename.get(v) ?? v)})),
    vms: ev.vms.map(v => ({...v, id: rename.get(v.id) ?? v.id})),
  }
}
