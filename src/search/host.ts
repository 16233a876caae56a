/**
 * Per-host search: for a host model and the VMs assigned to it, the layout with the best
 * objective under the model (src/model/evaluate.ts).
 *
 * For every policy of the space (architecture, notification, interrupt mode, I/O cores
 * per node), evaluate the layout the policy builds (VMs on the emptiest node, devices
 * balanced over workers). Then, from the best of those layouts down, improve each by
 * steepest ascent over single moves: one VM to another node or two VMs trading nodes
 * (each with or without their shared devices following them to the new node's I/O CPUs),
 * or one shared-worker device to another I/O CPU. A few seeded random restarts per policy
 * guard against poor local optima. Evaluations are memoised by candidate. Cost: policies
 * x (1 + restarts) x moves x neighbourhood evaluations; a budget (`maxEvaluations`) stops
 * it early, and then the order spends it on the most promising policies first.
 */
import {type Evaluator, prepare} from '../model/evaluate.js'
import {checkLayout} from '../model/layout.js'
import type {Assessment, Calibration, Evaluation, Host, Layout, Vm} from '../model/types.js'
import {type Accounting, type Objective, type Score, better, score} from './objective.js'
import {type Random, pick, seededRandom} from './random.js'
import {
  type Candidate, type SearchSpace, candidateKey, candidateOf, ioCpus, policies, policyLayout, sharedDevices, tryLayout,
} from './space.js'

export interface HostSearchOptions {
  objective: Objective
  accounting: Accounting
  seed: number
  /** Random restarts per policy. */
  restarts?: number
  /** Stop improving once this many layouts have been evaluated (large hosts); the best so far is kept. */
  maxEvaluations?: number
  /** Stop improving when this says so (a time limit); the best so far is kept. */
  stop?: () => boolean
}

/** A candidate the model evaluated: what the search ranks it by. */
export interface Assessed {
  candidate: Candidate
  layout: Layout
  assessment: Assessment
  score: Score
}

/** The candidate a search settles on, with its whole evaluation. */
export interface Found extends Assessed {
  evaluation: Evaluation
}

export interface HostSearchResult {
  best: Found
  /** Layouts evaluated by the model. */
  evaluations: number
}

/** Evaluate candidates once each; undefined for candidates that cannot be laid out. */
export class Assessor {
  private readonly memo = new Map<string, Assessed | undefined>()
  /** The model, prepared once for this host and these VMs: candidates differ only in layout. */
  private readonly evaluator: Evaluator
  evaluations = 0

  constructor(
    private readonly host: Host,
    private readonly vms: Vm[],
    private readonly calibration: Calibration,
    private readonly objective: Objective,
    private readonly accounting: Accounting,
  ) {
    this.evaluator = prepare(host, vms, calibration)
  }

  assess(candidate: Candidate): Assessed | undefined {
    const key = candidateKey(candidate)
    if (this.memo.has(key)) return this.memo.get(key)
    let result: Assessed | undefined
    const layout = tryLayout(this.host, this.vms, candidate)
    if (layout && checkLayout(this.host, this.vms, layout).length === 0) {
      const assessment = this.evaluator.assess(layout)
      this.evaluations++
      result = {candidate, layout, assessment, score: score(assessment, this.objective, this.accounting)}
    }

    this.memo.set(key, result)
    return result
  }

  /**
   * The whole evaluation of an assessed candidate, for the one a search returns: the
   * model again on its layout (the same figures; not counted as another evaluation).
   */
  found(assessed: Assessed): Found {
    return {...assessed, evaluation: this.evaluator.evaluate(assessed.layout)}
  }
}

export function searchHost(host: Host, vms: Vm[], calibration: Calibration, space: SearchSpace, options: HostSearchOptions):
HostSearchResult | undefined {
  const assessor = new Assessor(host, vms, calibration, options.objective, options.accounting)
  const budget = options.maxEvaluations ?? Number.POSITIVE_INFINITY
  const spent = () => assessor.evaluations >= budget || (options.stop?.() ?? false)
  const random = seededRandom(options.seed)
  const restarts = options.restarts ?? 3
  const nodes = host.nodes.map(n => n.id)
  let best: Assessed | undefined
  const offer = (a: Assessed | undefined) => {
    if (a && (!best || better(a.score, best.score))) best = a
  }

  // Every policy's own layout first, whatever the budget; then the climbs, from the best
  // of those starts down, so that a small budget goes to the policies most likely to hold
  // the best layout rather than to whichever comes first.
  const starts: Start[] = []
  for (const policy of policies(space)) {
    const layout = policyLayout(host, vms, policy)
    if (!layout) continue
    const base = candidateOf(vms, policy, layout)
    const cpus = ioCpus(layout)
    const owners = sharedDevices(vms, policy).map(({vm}) => vms.indexOf(vm))
    const moves: Moves = {nodes, cpus, owners, cpuNode: new Map(cpus.map(c => [c, host.cpus.find(x => x.id === c)!.node]))}
    const assessed = assessor.assess(base)
    offer(assessed)
    starts.push({base, moves, assessed})
  }

  // Best first by the exact score (the ranking's tolerance would not make a consistent
  // order), ties in policy order; starts that cannot be laid out last, still with their
  // random restarts.
  starts.sort((a, b) => {
    const x = a.assessed?.score
    const y = b.assessed?.score
    if (!x || !y) return x ? -1 : y ? 1 : 0
    return Number(y.feasible) - Number(x.feasible) || (x.feasible ? 0 : x.violations - y.violations)
      || y.value - x.value || x.cpus - y.cpus
  })
  for (const {base, moves} of starts) {
    if (spent()) break
    offer(climb(assessor, base, moves, spent))
  }

  for (const {base, moves} of starts) {
    for (let r = 0; r < restarts && !spent(); r++) {
      offer(climb(assessor, randomCandidate(random, base, vms.length, nodes, moves.cpus, moves.owners.length), moves, spent))
    }
  }

  return best ? {best: assessor.found(best), evaluations: assessor.evaluations} : undefined
}

function randomCandidate(random: Random, base: Candidate, vmCount: number, nodes: number[], cpus: number[], count: number): Candidate {
  return {
    policy: base.policy,
    nodes: Array.from({length: vmCount}, () => nodes[pick(random, nodes.length)]),
    assignment: cpus.length > 0 ? Array.from({length: count}, () => cpus[pick(random, cpus.length)]) : base.assignment,
  }
}

/** A policy's own layout, where a climb starts. */
interface Start {
  base: Candidate
  moves: Moves
  /** Undefined when the policy's own layout breaks a rule of the candidates (see `layoutOf`). */
  assessed: Assessed | undefined
}

/** What the moves may change: nodes, I/O CPUs (with their node), and the VM owning each shared device. */
interface Moves {
  nodes: number[]
  cpus: number[]
  owners: number[]
  cpuNode: Map<number, number>
}

/** Steepest ascent from `start` over single moves; the local optimum, or undefined if `start` cannot be laid out. */
function climb(assessor: Assessor, start: Candidate, moves: Moves, spent: () => boolean): Assessed | undefined {
  let current = assessor.assess(start)
  if (!current) return undefined
  for (;;) {
    let next: Assessed | undefined
    for (const neighbour of neighbours(current.candidate, moves)) {
      if (spent()) break
      const a = assessor.assess(neighbour)
      if (a && better(a.score, (next ?? current).score)) next = a
    }

    if (!next) return current
    current = next
  }
}

function* neighbours(c: Candidate, moves: Moves): Generator<Candidate> {
  const {nodes, cpus, owners, cpuNode} = moves
  // A VM that changes node may take its shared devices to the I/O CPU at the same place
  // on the new node, so that they stay local.
  const follow = (nodeVector: number[], changed: number[]): number[] => c.assignment.map((cpu, k) => {
    if (!changed.includes(owners[k])) return cpu
    const from = cpus.filter(x => cpuNode.get(x) === cpuNode.get(cpu))
    const to = cpus.filter(x => cpuNode.get(x) === nodeVector[owners[k]])
    return to.length > 0 ? to[Math.min(from.indexOf(cpu), to.length - 1)] : cpu
  })
  const withNodes = function* (nodeVector: number[], changed: number[]): Generator<Candidate> {
    yield {...c, nodes: nodeVector}
    const assignment = follow(nodeVector, changed)
    if (assignment.some((cpu, k) => cpu !== c.assignment[k])) yield {...c, nodes: nodeVector, assignment}
  }

  for (let v = 0; v < c.nodes.length; v++) {
    for (const node of nodes) {
      if (node === c.nodes[v]) continue
      const moved = [...c.nodes]
      moved[v] = node
      yield* withNodes(moved, [v])
    }
  }

  // Two VMs trading nodes: the move a full node needs.
  for (let a = 0; a < c.nodes.length; a++) {
    for (let b = a + 1; b < c.nodes.length; b++) {
      if (c.nodes[a] === c.nodes[b]) continue
      const swapped = [...c.nodes]
      swapped[a] = c.nodes[b]
      swapped[b] = c.nodes[a]
      yield* withNodes(swapped, [a, b])
    }
  }

  for (let k = 0; k < c.assignment.length; k++) {
    for (const cpu of cpus) {
      if (cpu === c.assignment[k]) continue
      const moved = [...c.assignment]
      moved[k] = cpu
      yield {...c, assignment: moved}
    }
  }
}
