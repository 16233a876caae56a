/**
 * Reference cases for `sidecore validate`: a scenario whose `expect` block lists variants
 * (changes to the policy, the VM count or the host's platform) and checks over them.
 *
 *   expect:
 *     variants:
 *       - {name: kick, policy: {notification: kick}}
 *       - {name: shared, vms: [1, 2, 3], policy: {net: vhost-shared}}   # shared1, shared2, shared3
 *       - {name: two, devices: 2, offered: 500000, platform: {ioeventfd: false}}
 *     checks:
 *       - {name: ..., predicted: kick.kpps, published: 275, published_text: 250-300 Kpps, tolerance: 0.25}
 *       - {name: ..., holds: "spin.kpps > kick.kpps"}
 */
import {readdir} from 'node:fs/promises'
import path from 'node:path'

import {expected as expects, found as founds, hint} from '../messages.js'
import {type ExpressionProblem, METRIC_NAMES, type ReferenceCheck, type ReferenceVariant, checkExpression} from '../model/reference.js'
import {InputError, type InputErrorFields, type PathSegment} from './errors.js'
import {type Part, type Scenario, loadScenario, packageRoot, readSpec} from './load.js'
import {instantiateVms, normalizePolicy} from './normalize.js'
import type {PolicySpec} from './schemas.js'
import {closest, editDistance} from './suggest.js'

export interface ReferenceCase {
  scenario: Scenario
  variants: ReferenceVariant[]
  checks: ReferenceCheck[]
}

/** Throw an input error at `expect.<at>`, located in the case file (with its line). */
function fail(part: Part, at: readonly PathSegment[], fields: Omit<InputErrorFields, 'path'>): never {
  throw part.locate(new InputError({...fields, path: ['expect', ...at]}))
}

/** `names`, the closest to `word` first (ties in their own order). */
function byCloseness(word: string, names: readonly string[]): string[] {
  return [...names].sort((a, b) => editDistance(word, a) - editDistance(word, b))
}

/** What is wrong with a name in a check expression, as the parts of an input error. */
function expressionError(problem: ExpressionProblem): Omit<InputErrorFields, 'path'> {
  switch (problem.kind) {
    case 'syntax': {
      return {code: 'value', expected: expects.expression, found: founds.syntax(problem.message)}
    }

    case 'variant': {
      const near = closest(problem.found, problem.variants)
      const metric = (METRIC_NAMES as readonly string[]).includes(problem.found) && problem.variants.length > 0
      return {code: 'reference', expected: expects.caseMetric(byCloseness(problem.found, problem.variants)), found: founds.value(problem.found),
        hint: near ? hint.didYouMean(near) : metric ? hint.metricNeedsVariant(`${problem.variants[0]}.${problem.found}`) : undefined}
    }

    case 'metric': {
      const near = problem.metric === undefined ? undefined : closest(problem.metric, problem.metrics)
      return {code: 'reference',
        expected: expects.variantMetric(problem.variant, problem.metric === undefined ? problem.metrics : byCloseness(problem.metric, problem.metrics)),
        found: problem.metric === undefined ? founds.bareVariant(problem.variant) : founds.value(problem.found),
        hint: near ? hint.didYouMean(`${problem.variant}.${near}`) : undefined}
    }

    case 'function': {
      const near = closest(problem.found, problem.functions)
      return {code: 'reference', expected: expects.mathFunction(byCloseness(problem.found, problem.functions)), found: founds.value(problem.found),
        hint: near ? hint.didYouMean(near) : undefined}
    }
  }
}

export async function loadReferenceCase(file: string): Promise<ReferenceCase> {
  const scenario = await loadScenario(file)
  const {spec, part} = await readSpec('scenario', file)
  function bad(at: readonly PathSegment[], expected: string, found: unknown): never {
    fail(part, at, {code: 'value', expected, found: JSON.stringify(found)})
  }
  const expect = scenario.expect as {variants?: unknown; checks?: unknown} | undefined
  if (!expect) {
    throw new InputError({code: 'value', file, path: ['expect'],
      expected: 'a reference case: a scenario with an "expect" section of variants and checks (data/reference/)',
      found: 'a scenario without one (evaluate it with "sidecore evaluate")'})
  }

  if (!Array.isArray(expect.variants) || !Array.isArray(expect.checks)) {
    bad(['variants'], 'a list of variants and a list of checks', expect)
  }

  const variants: ReferenceVariant[] = []
  for (const [i, raw] of (expect.variants as Record<string, unknown>[]).entries()) {
    const name = raw.name
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_]*$/i.test(name)) {
      bad(['variants', i, 'name'], 'a name made of letters, digits and _', name)
    }

    const policySpec = {...(spec.policy as PolicySpec), ...(raw.policy as PolicySpec | undefined)}
    const platform = {...scenario.host.platform, ...(raw.platform as object | undefined)}
    const host = {...scenario.host, platform}
    const policy = normalizePolicy(policySpec, host)
    // `devices: N` keeps the first N devices of the first VM type; `offered` sets every
    // device's offered load (items/s) of that type.
    const first = scenario.workload.entries[0]
    let type = first.type
    if (raw.devices !== undefined) {
      if (typeof raw.devices !== 'number' || raw.devices < 1 || raw.devices > type.devices.length) {
        bad(['variants', i, 'devices'], `a number of devices from 1 to ${type.devices.length}`, raw.devices)
      }

      type = {...type, devices: type.devices.slice(0, raw.devices)}
    }

    if (raw.offered !== undefined) {
      if (typeof raw.offered !== 'number' || raw.offered <= 0) bad(['variants', i, 'offered'], 'items per second', raw.offered)
      const offered = raw.offered
      type = {...type, devices: type.devices.map(d => ({...d, offered}))}
    }

    const counts = raw.vms === undefined ? [undefined] : Array.isArray(raw.vms) ? raw.vms as number[] : [raw.vms as number]
    for (const count of counts) {
      const workload = {
        ...scenario.workload,
        entries: scenario.workload.entries.map((e, k) => (k === 0 ? {type, count: count ?? e.count} : e)),
      }
      variants.push({
        name: count === undefined || !Array.isArray(raw.vms) ? name : `${name}${count}`,
        host,
        vms: instantiateVms(workload),
        policy,
        calibration: scenario.calibration,
      })
    }
  }

  // Every name in every expression must be a metric of a variant (or mathjs's own), checked
  // before anything runs: a typo is an input error, not a failed check.
  const names = variants.map(v => v.name)
  const checks = (expect.checks as Record<string, unknown>[]).map((c, i): ReferenceCheck => {
    if (typeof c.name !== 'string') bad(['checks', i, 'name'], 'a name', c.name)
    if (c.predicted === undefined && c.holds === undefined) bad(['checks', i], 'predicted or holds', c)
    for (const key of ['predicted', 'holds'] as const) {
      const text = c[key]
      if (text === undefined) continue
      if (typeof text !== 'string') fail(part, ['checks', i, key], {code: 'value', expected: expects.expression, found: founds.value(text)})
      const problem = checkExpression(text, names)
      if (problem) fail(part, ['checks', i, key], expressionError(problem))
    }

    return {
      name: c.name as string,
      predicted: c.predicted as string | undefined,
      published: c.published as number | undefined,
      publishedText: c.published_text as string | undefined,
      tolerance: c.tolerance as number | undefined,
      holds: c.holds as string | undefined,
    }
  })
  return {scenario, variants, checks}
}

/** The reference case files bundled in data/reference/, in name order. */
export async function referenceFiles(): Promise<string[]> {
  const dir = path.join(packageRoot(), 'data', 'reference')
  return (await readdir(dir)).filter(f => /\.ya?ml$/.test(f)).sort().map(f => path.join(dir, f))
}
