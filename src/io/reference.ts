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
import type {Platform} from '../model/types.js'
import {type ExpressionProblem, METRIC_NAMES, type ReferenceCheck, type ReferenceVariant, checkExpression} from '../model/reference.js'
import {InputError, type InputErrorFields, type PathSegment} from './errors.js'
import {type Part, type Scenario, loadScenario, packageRoot, readSpec} from './load.js'
import {checkWorkloadFits, instantiateVms, normalizePolicy} from './normalize.js'
import type {ExpectSpec, PlatformBody, PolicySpec} from './schemas.js'
import {closest, editDistance} from './suggest.js'

export interface ReferenceCase {
  scenario: Scenario
  variants: ReferenceVariant[]
  checks: ReferenceCheck[]
  /** The input error for check `index` whose `predicted` or `holds` could not be worked out. */
  invalid: (index: number, key: 'predicted' | 'holds', message: string) => InputError
  /** Where a variant (by the name the checks use) is written: `expect.variants[i]` and its line. */
  variantAt: (name: string) => {path: string; line?: number}
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

/** A variant's platform changes, as the host model holds them. */
function platformOf(spec: PlatformBody): Partial<Platform> {
  return {
    ...(spec.posted_interrupts === undefined ? {} : {postedInterrupts: spec.posted_interrupts}),
    ...(spec.pv_eoi === undefined ? {} : {pvEoi: spec.pv_eoi}),
    ...(spec.ioeventfd === undefined ? {} : {ioeventfd: spec.ioeventfd}),
  }
}

export async function loadReferenceCase(file: string): Promise<ReferenceCase> {
  const scenario = await loadScenario(file)
  const {spec, part} = await readSpec('scenario', file)
  function bad(at: readonly PathSegment[], expected: string, found: unknown): never {
    fail(part, at, {code: 'value', expected, found: JSON.stringify(found)})
  }
  // The schema has checked the section's shape (scenario.schema.json, `expect`).
  const expect = scenario.expect as ExpectSpec | undefined
  if (!expect) {
    throw new InputError({code: 'value', file, path: ['expect'],
      expected: 'a reference case: a scenario with an "expect" section of variants and checks (data/reference/)',
      found: 'a scenario without one (evaluate it with "sidecore evaluate")'})
  }

  const variants: ReferenceVariant[] = []
  const variantAt = new Map<string, number>()
  for (const [i, raw] of expect.variants.entries()) {
    const name = raw.name
    const policySpec = {...(spec.policy as PolicySpec), ...raw.policy}
    const platform = {...scenario.host.platform, ...(raw.platform === undefined ? {} : platformOf(raw.platform))}
    const host = {...scenario.host, platform}
    const policy = part.child(['expect', 'variants', i, 'policy']).run(() => normalizePolicy(policySpec, host))
    // `devices: N` keeps the first N devices of the first VM type; `offered` sets every
    // device's offered load (items/s) of that type.
    const first = scenario.workload.entries[0]
    let type = first.type
    if (raw.devices !== undefined) {
      if (raw.devices > type.devices.length) {
        bad(['variants', i, 'devices'], `a number of devices from 1 to ${type.devices.length}`, raw.devices)
      }

      type = {...type, devices: type.devices.slice(0, raw.devices)}
    }

    if (raw.offered !== undefined) {
      const offered = raw.offered
      type = {...type, devices: type.devices.map(d => ({...d, offered}))}
    }

    const counts = raw.vms === undefined ? [undefined] : Array.isArray(raw.vms) ? raw.vms : [raw.vms]
    for (const count of counts) {
      const variantName = count === undefined || !Array.isArray(raw.vms) ? name : `${name}${count}`
      // Two variants of one name would make every check over it ambiguous.
      const earlier = variantAt.get(variantName)
      if (earlier !== undefined) {
        fail(part, ['variants', i, 'name'], {code: 'value', expected: expects.uniqueVariant,
          found: founds.duplicateVariant(variantName, earlier)})
      }

      variantAt.set(variantName, i)
      const workload = {
        ...scenario.workload,
        entries: scenario.workload.entries.map((e, k) => (k === 0 ? {type, count: count ?? e.count} : e)),
      }
      // Checked before the VMs are built, as for the scenario's own workload.
      part.run(() => checkWorkloadFits(workload, host, 1, ['expect', 'variants', i, 'vms']))
      variants.push({
        name: variantName,
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
  const checkAt = new Map<string, number>()
  const checks = expect.checks.map((c, i): ReferenceCheck => {
    const earlier = checkAt.get(c.name)
    if (earlier !== undefined) fail(part, ['checks', i, 'name'], {code: 'value', expected: expects.uniqueCheck, found: founds.duplicateCheck(c.name, earlier)})
    checkAt.set(c.name, i)
    // What decides the check: a condition, or a prediction within a tolerance of a published figure.
    if (c.holds === undefined) {
      if (c.predicted === undefined) bad(['checks', i], 'predicted (with published and tolerance) or holds', c)
      for (const key of ['published', 'tolerance'] as const) {
        if (c[key] === undefined) fail(part, ['checks', i, key], {code: 'schema', expected: expects.checkPart(key), found: founds.missingKey})
      }
    } else if (c.tolerance !== undefined) {
      fail(part, ['checks', i, 'tolerance'], {code: 'value', expected: expects.toleranceOrHolds, found: founds.both})
    }

    if (c.published !== undefined && c.predicted === undefined) {
      fail(part, ['checks', i, 'published'], {code: 'value', expected: expects.publishedNeedsPredicted, found: founds.noPredicted})
    }

    for (const key of ['predicted', 'holds'] as const) {
      const text = c[key]
      if (text === undefined) continue
      const problem = checkExpression(text, names)
      if (problem) fail(part, ['checks', i, key], expressionError(problem))
    }

    return {name: c.name, predicted: c.predicted, published: c.published, publishedText: c.published_text, tolerance: c.tolerance, holds: c.holds}
  })

  /** A check whose expression could not be worked out (see `runChecks`), as an input error at its line. */
  const invalid = (index: number, key: 'predicted' | 'holds', message: string): InputError =>
    part.locate(new InputError({code: 'value', path: ['expect', 'checks', index, key],
      expected: key === 'holds' ? expects.condition : expects.numberExpression, found: founds.evaluationError(message)})) as InputError
  const variantAtName = (name: string) => {
    const i = variantAt.get(name) ?? 0
    return {path: `expect.variants[${i}]`, line: part.doc.lineOf(['expect', 'variants', i], false)}
  }
  return {scenario, variants, checks, invalid, variantAt: variantAtName}
}

/** The reference case files bundled in data/reference/, in name order. */
export async function referenceFiles(): Promise<string[]> {
  const dir = path.join(packageRoot(), 'data', 'reference')
  return (await readdir(dir)).filter(f => /\.ya?ml$/.test(f)).sort().map(f => path.join(dir, f))
}
