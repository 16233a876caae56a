/**
 * Cluster placement by patterns (cutting stock / column generation, Gilmore and Gomory).
 *
 * A pattern is a mix of VM types that one host model runs while meeting every SLO, valued
 * by the per-host search. A linear program over patterns says how many hosts run each
 * pattern:
 *
 *   minimise    sum_p cost_p x_p + M sum_t u_t
 *   subject to  sum_p a_pt x_p + u_t >= n_t     for every VM type t   (demand)
 *               sum_{p of model m} x_p <= s_m   for every host model m (supply)
 *               x_p >= 0, u_t >= 0
 *
 * where cost_p is 1 (objective `hosts`) or the host's CPUs (the CPUs a datacenter pays
 * for), and u_t counts VMs of type t no host can take, at a prohibitive price M. The LP
 * optimum is a lower bound on any plan built from these patterns; rounding down and
 * repairing greedily gives the plan, and the gap between the two is reported.
 *
 * The LP is solved by a real solver passed in as `solve` (HiGHS, compiled to
 * WebAssembly), so this module stays free of I/O.
 */

export interface PatternValue {
  feasible: boolean
  deliveredBps: number
  cpusHost: number
  cpusAllocated: number
}

export interface Pattern {
  /** Index of the host model. */
  model: number
  /** VMs of each type, by type index. */
  counts: number[]
  value: PatternValue
}

/** Value of running `counts` VMs of each type on one host of `model` (the per-host search). */
export type Assess = (model: number, counts: number[]) => PatternValue

export interface LpSolution {
  status: string
  objective: number
  /** Primal value by variable name. */
  values: Record<string, number>
}

/** Solves an LP given in CPLEX LP format. */
export type LpSolve = (lp: string) => LpSolution

export type ClusterObjective = 'hosts' | 'cpus'

/** One independent piece of pattern generation: a VM type alone, or the demand mix, on a host model. */
export interface PatternTask {
  model: number
  /** A VM type index, or `mix` for the mix in proportion to demand. */
  type: number | 'mix'
}

/** The tasks of `generatePatterns`, in the order their patterns are listed. */
export function patternTasks(models: number, types: number): PatternTask[] {
  const tasks: PatternTask[] = []
  for (let model = 0; model < models; model++) {
    for (let type = 0; type < types; type++) tasks.push({model, type})
    tasks.push({model, type: 'mix'})
  }

  return tasks
}

/**
 * The largest feasible mix of a task: for a VM type alone, bisection from one VM up to
 * what the CPUs hold; for the demand mix, bisection on its scale. Undefined when not even
 * one VM fits within its SLO.
 */
export function runPatternTask(task: PatternTask, types: number, demand: number[], assess: Assess,
  limit: (model: number, type: number) => number): Pattern | undefined {
  const m = task.model
  let counts: number[]
  if (task.type === 'mix') {
    const total = demand.reduce((s, n) => s + n, 0)
    const mix = (scale: number) => demand.map((n, t) => Math.min(limit(m, t), n, Math.floor(scale * n / total)))
    // low is feasible (or empty), high is not: the whole demand, scale `total`, is tried too.
    let low = 0
    let high = total + 1
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2)
      const c = mix(mid)
      if (c.every(x => x === 0) || assess(m, c).feasible) low = mid
      else high = mid
    }

    counts = mix(low)
  } else {
    const t = task.type
    const unit = (k: number) => Array.from({length: types}, (_, i) => (i === t ? k : 0))
    const cap = Math.min(limit(m, t), demand[t])
    if (cap < 1 || !assess(m, unit(1)).feasible) return undefined
    let good = 1
    let bad = cap + 1
    if (assess(m, unit(cap)).feasible) good = cap
    else bad = cap
    while (bad - good > 1) {
      const mid = Math.floor((good + bad) / 2)
      if (assess(m, unit(mid)).feasible) good = mid
      else bad = mid
    }

    counts = unit(good)
  }

  if (counts.every(c => c === 0)) return undefined
  const value = assess(m, counts)
  return value.feasible ? {model: m, counts, value} : undefined
}

/** Patterns from task results: the feasible ones, each mix once, in task order. */
export function collectPatterns(results: (Pattern | undefined)[]): Pattern[] {
  const seen = new Set<string>()
  return results.filter((p): p is Pattern => {
    if (!p) return false
    const key = `${p.model}:${p.counts.join(',')}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Patterns for every host model: for each VM type the largest homogeneous mix that still
 * meets its SLOs, and the largest mix in proportion to demand (see `runPatternTask`).
 */
export function generatePatterns(models: number, types: number, demand: number[], assess: Assess,
  limit: (model: number, type: number) => number): Pattern[] {
  return collectPatterns(patternTasks(models, types).map(task => runPatternTask(task, types, demand, assess, limit)))
}

export interface HostAssignment {
  model: number
  /** VMs of each type on this host. */
  counts: number[]
  /** The pattern it comes from (a host filled by repair may run fewer VMs than its pattern). */
  pattern: number
}

export interface ClusterPlacement {
  hosts: HostAssignment[]
  /** VMs of each type that no host could take. */
  unplaced: number[]
  /** LP lower bound on the objective over these patterns. */
  bound: number
  /** The plan's objective (hosts, or CPUs of the hosts used). */
  objective: number
  /** (objective - bound) / objective; 0 when both are 0. */
  gap: number
}

/** Price per VM left unplaced: larger than any host could cost. */
const UNPLACED_PRICE = 1e6

export function placeCluster(patterns: Pattern[], supply: number[], demand: number[], objective: ClusterObjective,
  solve: LpSolve): ClusterPlacement {
  const cost = (p: Pattern) => (objective === 'hosts' ? 1 : p.value.cpusHost)
  const lines: string[] = ['Minimize', ` obj: ${[
    ...patterns.map((p, i) => `${cost(p)} x${i}`),
    ...demand.map((_, t) => `${UNPLACED_PRICE} u${t}`),
  ].join(' + ') || '0 u0'}`, 'Subject To']
  demand.forEach((n, t) => {
    const terms = patterns.flatMap((p, i) => (p.counts[t] > 0 ? [`${p.counts[t]} x${i}`] : []))
    lines.push(` d${t}: ${[...terms, `u${t}`].join(' + ')} >= ${n}`)
  })
  supply.forEach((s, m) => {
    const terms = patterns.flatMap((p, i) => (p.model === m ? [`x${i}`] : []))
    if (terms.length > 0) lines.push(` s${m}: ${terms.join(' + ')} <= ${s}`)
  })
  lines.push('End')
  const solution = solve(lines.join('\n'))
  if (solution.status !== 'Optimal') throw new Error(`the placement LP did not solve: ${solution.status}`)
  const x = patterns.map((_, i) => solution.values[`x${i}`] ?? 0)
  const bound = patterns.reduce((s, p, i) => s + cost(p) * x[i], 0)

  // Round down, then repair: hosts for the remaining VMs, cheapest coverage first.
  const remaining = [...demand]
  const used = supply.map(() => 0)
  const hosts: HostAssignment[] = []
  const place = (i: number, counts: number[]) => {
    const p = patterns[i]
    used[p.model]++
    counts.forEach((c, t) => {
      remaining[t] -= c
    })
    hosts.push({model: p.model, counts, pattern: i})
  }

  x.forEach((value, i) => {
    for (let k = 0; k < Math.floor(value + 1e-9); k++) {
      const counts = patterns[i].counts.map((c, t) => Math.min(c, remaining[t]))
      if (counts.some(c => c > 0) && used[patterns[i].model] < supply[patterns[i].model]) place(i, counts)
    }
  })
  for (;;) {
    let best = -1
    let bestScore = 0
    patterns.forEach((p, i) => {
      if (used[p.model] >= supply[p.model]) return
      const covered = p.counts.reduce((s, c, t) => s + Math.min(c, remaining[t]), 0)
      const score = covered / cost(p)
      if (covered > 0 && score > bestScore) {
        best = i
        bestScore = score
      }
    })
    if (best < 0) break
    place(best, patterns[best].counts.map((c, t) => Math.min(c, remaining[t])))
  }

  const planned = hosts.reduce((s, h) => s + cost(patterns[h.pattern]), 0)
  const unplaced = remaining.map(r => Math.max(0, r))
  return {hosts, unplaced, bound, objective: planned, gap: planned > 0 ? Math.max(0, (planned - bound) / planned) : 0}
}
