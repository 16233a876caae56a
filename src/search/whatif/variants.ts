/**
 * Variants of a subject: what-ifs from plugins, named on the command line as
 * `NAME`, `NAME:KEY=VALUE,KEY=VALUE`, or several applied in turn joined by `+`.
 */
import type {Subject, WhatIf} from '../../hooks/index.js'
import {whatifMessages} from './messages.js'

export class WhatIfError extends Error {
  override readonly name = 'WhatIfError'
}

/** One variant: a name, where it comes from, and the transform. */
export interface Variant {
  name: string
  source: string
  apply(subject: Subject): Subject
}

/** The what-ifs a variant may name, with the plugin offering each. */
export type WhatIfRegistry = ReadonlyMap<string, {whatif: WhatIf; plugin: string}>

const SPEC = /^([a-z][a-z0-9-]*)(?::(.*))?$/

/** Parse `--whatif` text against the registry. Throws WhatIfError naming what is wrong. */
export function whatIfVariant(spec: string, registry: WhatIfRegistry): Variant {
  const parts = spec.split('+').map(s => s.trim())
  const steps = parts.map(part => {
    const m = SPEC.exec(part)
    if (!m) throw new WhatIfError(whatifMessages.badWhatIfSpec(spec))
    const entry = registry.get(m[1])
    if (!entry) throw new WhatIfError(whatifMessages.unknownWhatIf(m[1], [...registry.keys()].sort()))
    const {whatif, plugin} = entry
    const values: Record<string, number> = Object.fromEntries(Object.entries(whatif.parameters).map(([k, p]) => [k, p.default]))
    const given: string[] = []
    for (const kv of (m[2] ?? '').split(',').filter(s => s.trim() !== '')) {
      const eq = kv.indexOf('=')
      if (eq < 0) throw new WhatIfError(whatifMessages.badWhatIfSpec(spec))
      const key = kv.slice(0, eq).trim()
      const text = kv.slice(eq + 1).trim()
      const param = whatif.parameters[key]
      if (!param) throw new WhatIfError(whatifMessages.unknownParameter(whatif.name, key, Object.keys(whatif.parameters)))
      const value = Number(text)
      const range = param.min !== undefined || param.max !== undefined
        ? ` in [${param.min ?? '-inf'}, ${param.max ?? 'inf'}]` : ''
      if (text === '' || !Number.isFinite(value) || (param.min !== undefined && value < param.min) || (param.max !== undefined && value > param.max)) {
        throw new WhatIfError(whatifMessages.badParameter(whatif.name, key, text, range))
      }

      values[key] = value
      given.push(`${key}=${value}`)
    }

    const label = given.length > 0 ? `${whatif.name}:${given.join(',')}` : whatif.name
    const source = `plugin ${plugin}${given.length > 0 ? ` (${given.join(', ')})` : ''}`
    return {label, source, apply: (s: Subject) => runWhatIf(whatif, plugin, s, values)}
  })
  return {
    name: steps.map(s => s.label).join('+'),
    source: steps.map(s => s.source).join(' + '),
    apply: s => steps.reduce((acc, step) => step.apply(acc), s),
  }
}

/** Run a plugin's transform; its failure or a malformed answer is an error naming the plugin. */
export function runWhatIf(whatif: WhatIf, plugin: string, subject: Subject, values: Record<string, number>): Subject {
  let out: unknown
  try {
    out = whatif.apply(structuredClone(subject), {...values})
  } catch (error) {
    throw new WhatIfError(whatifMessages.pluginFailed(plugin, whatif.name, error instanceof Error ? error.message : String(error)))
  }

  const problem = subjectProblem(out, subject)
  if (problem) throw new WhatIfError(whatifMessages.pluginMalformedSubject(plugin, whatif.name, problem))
  return out as Subject
}

/** What is wrong with a transform's answer, or undefined when it is a well-formed subject of the input's kind. */
export function subjectProblem(out: unknown, input: Subject): string | undefined {
  if (typeof out !== 'object' || out === null) return `an object, found ${out === null ? 'null' : typeof out}`
  const s = out as Partial<Subject>
  if (s.kind !== input.kind) return `kind "${input.kind}", found ${JSON.stringify(s.kind)}`
  if (!Array.isArray(s.models) || s.models.length !== input.models.length) return `models: a list of ${input.models.length} host models`
  for (const [i, m] of s.models.entries()) {
    if (typeof m !== 'object' || m === null || typeof m.host !== 'object' || m.host === null || !Array.isArray(m.host.cpus)
      || !Array.isArray(m.host.nics) || typeof m.calibration !== 'object' || !Array.isArray(m.entries)) {
      return `models[${i}]: {host, calibration, entries}`
    }

    for (const [j, nic] of m.host.nics.entries()) {
      if (!(nic.lineRateBps > 0) || !(nic.maxPps > 0)) return `models[${i}].host.nics[${j}]: positive lineRateBps and maxPps`
    }
  }

  if (typeof s.workload !== 'object' || s.workload === null || !Array.isArray(s.workload.entries)) return 'workload: {name, entries}'
  for (const [i, e] of s.workload.entries.entries()) {
    if (!Number.isInteger(e?.count) || e.count < 0 || typeof e.type?.name !== 'string' || !Array.isArray(e.type.devices)) {
      return `workload.entries[${i}]: {type, count} with a whole count`
    }

    for (const [j, d] of e.type.devices.entries()) {
      if (typeof d.offered !== 'number' || Number.isNaN(d.offered) || d.offered < 0) return `workload.entries[${i}].type.devices[${j}].offered: a number >= 0`
    }
  }

  if (typeof s.allow !== 'object' || s.allow === null) return 'allow: an object'
  return undefined
}
