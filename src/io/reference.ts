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

import type {ReferenceCheck} from '../model/reference.js'
import type {ReferenceVariant} from '../model/reference.js'
import {InputError} from './errors.js'
import {type Scenario, loadScenario, packageRoot, readSpec} from './load.js'
import {instantiateVms, normalizePolicy} from './normalize.js'
import type {PolicySpec} from './schemas.js'

export interface ReferenceCase {
  scenario: Scenario
  variants: ReferenceVariant[]
  checks: ReferenceCheck[]
}

function bad(file: string, at: string, expected: string, found: unknown): never {
  throw new InputError({code: 'value', file, path: ['expect', ...at.split('.')], expected, found: JSON.stringify(found)})
}

export async function loadReferenceCase(file: string): Promise<ReferenceCase> {
  const scenario = await loadScenario(file)
  const {spec} = await readSpec('scenario', file)
  const expect = scenario.expect as {variants?: unknown; checks?: unknown} | undefined
  if (!expect) {
    throw new InputError({code: 'value', file, path: ['expect'],
      expected: 'a reference case: a scenario with an "expect" section of variants and checks (data/reference/)',
      found: 'a scenario without one (evaluate it with "sidecore evaluate")'})
  }

  if (!Array.isArray(expect.variants) || !Array.isArray(expect.checks)) {
    bad(file, 'variants', 'a list of variants and a list of checks', expect)
  }

  const variants: ReferenceVariant[] = []
  for (const [i, raw] of (expect.variants as Record<string, unknown>[]).entries()) {
    const name = raw.name
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_]*$/i.test(name)) {
      bad(file, `variants.${i}.name`, 'a name made of letters, digits and _', name)
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
        bad(file, `variants.${i}.devices`, `a number of devices from 1 to ${type.devices.length}`, raw.devices)
      }

      type = {...type, devices: type.devices.slice(0, raw.devices)}
    }

    if (raw.offered !== undefined) {
      if (typeof raw.offered !== 'number' || raw.offered <= 0) bad(file, `variants.${i}.offered`, 'items per second', raw.offered)
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

  const checks = (expect.checks as Record<string, unknown>[]).map((c, i): ReferenceCheck => {
    if (typeof c.name !== 'string') bad(file, `checks.${i}.name`, 'a name', c.name)
    if (c.predicted === undefined && c.holds === undefined) bad(file, `checks.${i}`, 'predicted or holds', c)
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
