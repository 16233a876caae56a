/**
 * Reference checks: the figures `sidecore validate` compares with published results.
 * A reference case evaluates several variants of one scenario, turns each evaluation
 * into named metrics, and runs checks written as small mathjs expressions over them
 * (for example `spin.kpps > timer150.kpps`); `checkExpression` finds the names in a check
 * that the case does not have, before anything runs. Pure: no files, no terminal.
 */
import {all, create, type MathNode} from '../mathjs.js'

import {LayoutError, PolicyError} from './errors.js'
import {evaluate} from './evaluate.js'
import {buildLayout, checkLayout} from './layout.js'
import type {ArchitecturePolicy, Calibration, Evaluation, Host, Vm} from './types.js'

/** The names of the metrics `evaluationMetrics` gives, in its order. */
export const METRIC_NAMES = [
  'gbps', 'kpps', 'ktps', 'ktps_per_vm', 'kiops', 'block_mbytes', 'mean_us', 'p99_us',
  'exits_per_item', 'irqs_per_item', 'wakeups_per_item', 'worker_cycles_per_item',
  'cpus_allocated', 'cpus_per_vm', 'gbps_per_cpu', 'worker_util_max', 'vcpu_util',
  'share_limited_by_worker', 'share_limited_by_vcpu', 'guest_cycles_per_item',
] as const

export type MetricName = typeof METRIC_NAMES[number]

/** Metrics of one evaluation, by name. Units are in the names. */
export function evaluationMetrics(ev: Evaluation, frequencyHz: number): Record<MetricName, number> {
  const net = ev.devices.filter(d => d.kind === 'net')
  const items = ev.devices.reduce((s, d) => s + d.rate, 0)
  const rr = net.filter(d => d.pattern === 'rr')
  const workerCycles = ev.workers.reduce((s, w) => s + w.busy * frequencyHz, 0)
  // Guest load: each VM's vCPU utilisation over the CPUs its vCPUs are pinned to.
  const guestCycles = ev.vms.reduce((s, v) => s + v.vcpuUtilisation * frequencyHz
    * ev.cpus.filter(c => c.vms.includes(v.id)).length, 0)
  const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0)
  const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
  return {
    gbps: ev.totals.netBps / 1e9,
    kpps: net.filter(d => d.pattern === 'stream').reduce((s, d) => s + d.rate, 0) / 1e3,
    ktps: rr.reduce((s, d) => s + d.rate, 0) / 1e3,
    ktps_per_vm: ev.vms.length > 0 ? rr.reduce((s, d) => s + d.rate, 0) / 1e3 / ev.vms.length : 0,
    kiops: ev.totals.iops / 1e3,
    block_mbytes: ev.totals.blockBytesPerS / 1e6,
    mean_us: mean(ev.devices.map(d => d.meanLatencyS * 1e6)),
    p99_us: Math.max(0, ...ev.devices.map(d => d.p99LatencyS * 1e6)),
    exits_per_item: items > 0 ? ev.totals.exitsPerS / items : 0,
    irqs_per_item: items > 0 ? ev.totals.interruptsPerS / items : 0,
    wakeups_per_item: items > 0 ? ev.devices.reduce((s, d) => s + d.wakeupsPerS, 0) / items : 0,
    worker_cycles_per_item: items > 0 ? workerCycles / items : 0,
    cpus_allocated: ev.totals.cpusAllocated,
    cpus_per_vm: ev.vms.length > 0 ? ev.totals.cpusAllocated / ev.vms.length : 0,
    gbps_per_cpu: ev.totals.bpsPerCpuAllocated / 1e9,
    worker_util_max: Math.max(0, ...ev.workers.map(w => w.utilisation)),
    vcpu_util: mean(ev.vms.map(v => v.vcpuUtilisation)),
    share_limited_by_worker: share(ev.devices.filter(d => d.limit.kind === 'worker-cpu').length, ev.devices.length),
    share_limited_by_vcpu: share(ev.devices.filter(d => d.limit.kind === 'vcpu').length, ev.devices.length),
    guest_cycles_per_item: items > 0 ? guestCycles / items : 0,
  }
}

export interface ReferenceCheck {
  name: string
  /** Expression giving the predicted figure. */
  predicted?: string
  /** The published figure the prediction is compared with. */
  published?: number
  /** How the source states it, for the table. */
  publishedText?: string
  /** Largest accepted relative error |predicted / published - 1|. */
  tolerance?: number
  /** A condition that must hold (an ordering or a bound), instead of a tolerance. */
  holds?: string
}

export interface CheckResult {
  case: string
  check: string
  predicted?: number
  published: string
  error?: number
  /** Largest accepted relative error, when a tolerance decides the check. */
  tolerance?: number
  /** The condition that decides the check, when one does (`holds`). */
  condition?: string
  pass: boolean
  note?: string
  /**
   * The check's own expression could not be worked out (mathjs failed on it, or it gave no
   * number or no condition): a mistake in the case, not a failed prediction.
   */
  invalid?: {key: 'predicted' | 'holds'; message: string}
}

const MAX_EXPRESSION_LENGTH = 2000

/** A mathjs instance for check expressions: arithmetic, comparisons and statistics only. */
function calculator() {
  const math = create(all)
  const evaluate = math.evaluate.bind(math)
  const blocked = ['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'compile']
  math.import(Object.fromEntries(blocked.map(name => [name, () => {
    throw new Error(`${name} is not available in check expressions`)
  }])), {override: true})

  return (expression: string, scope: Record<string, unknown>): unknown => {
    if (expression.length > MAX_EXPRESSION_LENGTH) throw new Error('expression too long')
    return evaluate(expression, new Map(Object.entries(scope)))
  }
}

/**
 * A name in a check expression that the case does not have, with the names that would
 * have fitted there: a variant (`vbus9.kpps`), a metric of a variant (`vbus1.kpsp`, or
 * `vbus1` alone), a function (`maen(...)`); or text that does not parse at all. `found`
 * is the name or accessor as written.
 */
export type ExpressionProblem =
  | {kind: 'syntax'; message: string}
  | {kind: 'variant'; found: string; variants: readonly string[]}
  | {kind: 'metric'; variant: string; metric?: string; found: string; metrics: readonly string[]}
  | {kind: 'function'; found: string; functions: readonly string[]}

/** The parser and the names (functions, constants) of a mathjs instance like the calculator's. Built on first use. */
let grammar: {parse: (text: string) => MathNode; names: ReadonlySet<string>; functions: readonly string[]} | undefined
function checkGrammar() {
  if (!grammar) {
    const math = create(all)
    // Functions and constants alike: telling them apart would build every lazy function (0.6 s).
    const functions = Object.keys(math)
    // `end` stands for the last index inside `[...]`, as in `[a.kpps, b.kpps][end]`.
    grammar = {parse: math.parse.bind(math), names: new Set([...functions, 'end']), functions}
  }

  return grammar
}

/**
 * The first name in `expression` that is not a metric of one of `variants` (written
 * VARIANT.METRIC), a mathjs function or a mathjs constant; undefined when every name is
 * known. Only parses: nothing is evaluated.
 */
export function checkExpression(expression: string, variants: readonly string[]): ExpressionProblem | undefined {
  const {parse, names, functions} = checkGrammar()
  let root: MathNode
  try {
    root = parse(expression)
  } catch (error) {
    return {kind: 'syntax', message: (error as Error).message}
  }

  const metrics: readonly string[] = METRIC_NAMES
  let problem: ExpressionProblem | undefined
  root.traverse((node, path, parent) => {
    if (problem) return
    if (node.type === 'AccessorNode') {
      const {object, index} = node as unknown as {object: MathNode; index: {isObjectProperty(): boolean; getObjectProperty(): string; toString(): string}}
      const variant = object.type === 'SymbolNode' ? (object as unknown as {name: string}).name : undefined
      if (variant === undefined || !variants.includes(variant)) return
      const metric = index.isObjectProperty() ? index.getObjectProperty() : index.toString()
      if (!metrics.includes(metric)) problem = {kind: 'metric', variant, metric, found: node.toString(), metrics}
      return
    }

    if (node.type !== 'SymbolNode') return
    const {name} = node as unknown as {name: string}
    if (parent?.type === 'FunctionNode' && path === 'fn') {
      if (!functions.includes(name)) problem = {kind: 'function', found: name, functions}
    } else if (variants.includes(name)) {
      // A variant is a set of metrics: only `variant.metric` (seen above) is a number.
      if (!(parent?.type === 'AccessorNode' && path === 'object')) problem = {kind: 'metric', variant: name, found: name, metrics}
    } else if (!names.has(name)) {
      problem = {kind: 'variant', found: name, variants}
    }
  })
  return problem
}

/** Run a case's checks over the metrics of its variants. */
export function runChecks(
  caseName: string,
  metrics: Record<string, Record<string, number>>,
  checks: ReferenceCheck[],
): CheckResult[] {
  const calc = calculator()
  return checks.map(check => {
    const published = check.publishedText ?? (check.published === undefined ? '' : String(check.published))
    const result: CheckResult = {case: caseName, check: check.name, published, pass: false}
    if (check.holds) result.condition = check.holds
    // What the expression gives, or why it cannot be worked out.
    const work = (key: 'predicted' | 'holds', text: string): unknown => {
      try {
        return calc(text, metrics)
      } catch (error) {
        result.invalid = {key, message: (error as Error).message}
        return undefined
      }
    }

    let predicted: number | undefined
    if (check.predicted) {
      const value = work('predicted', check.predicted)
      if (result.invalid) return result
      if (typeof value !== 'number') {
        result.invalid = {key: 'predicted', message: `it gives ${describe(value)}, not a number`}
        return result
      }

      // A prediction of NaN or infinity is the model's failure, not the case's.
      if (!Number.isFinite(value)) return {...result, note: `the prediction is ${value}`}
      predicted = value
      result.predicted = value
    }

    let pass = true
    if (predicted !== undefined && check.published !== undefined) {
      const error = predicted / check.published - 1
      result.error = error
      if (check.tolerance !== undefined) {
        result.tolerance = check.tolerance
        pass = Math.abs(error) <= check.tolerance
      }
    }

    if (check.holds) {
      const value = work('holds', check.holds)
      if (result.invalid) return result
      if (typeof value !== 'boolean') {
        result.invalid = {key: 'holds', message: `it gives ${describe(value)}, not true or false`}
        return result
      }

      pass = pass && value
    }

    result.pass = pass
    return result
  })
}

/** A value an expression gave, for a message. */
function describe(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (value === undefined || value === null) return 'nothing'
  const text = String(value)
  return text.length > 40 ? `${text.slice(0, 40)}...` : text
}

/** A variant whose policy cannot be laid out on its host: which one, and why. */
export class VariantPolicyError extends PolicyError {
  constructor(readonly variant: string, message: string) {
    super(message)
  }
}

/** One variant of a reference case: a host, its VMs and the policy to lay them out by. */
export interface ReferenceVariant {
  name: string
  host: Host
  vms: Vm[]
  policy: ArchitecturePolicy
  calibration: Calibration
}

/** Evaluate every variant of a case and run its checks. */
export function runReferenceCase(caseName: string, variants: ReferenceVariant[], checks: ReferenceCheck[]):
{metrics: Record<string, Record<string, number>>; results: CheckResult[]} {
  const metrics: Record<string, Record<string, number>> = {}
  for (const v of variants) {
    let layout
    try {
      layout = buildLayout(v.host, v.vms, v.policy)
    } catch (error) {
      if (error instanceof PolicyError) throw new VariantPolicyError(v.name, error.message)
      throw error
    }

    const problems = checkLayout(v.host, v.vms, layout)
    if (problems.length > 0) throw new LayoutError(problems.map(p => `${caseName}/${v.name}: ${p}`))
    metrics[v.name] = evaluationMetrics(evaluate(v.host, v.vms, layout, v.calibration), v.host.frequencyHz)
  }

  return {metrics, results: runChecks(caseName, metrics, checks)}
}
