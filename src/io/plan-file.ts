/**
 * Reading a plan.json back (`sidecore report`): the file `sidecore plan --out DIR` writes,
 * given as the file or as its folder. The document is checked against a JSON Schema
 * (TypeBox, compiled by ajv) and its cross-references (a host's mix, its VMs) are
 * checked too, so a damaged or hand-edited plan fails with one message naming the file,
 * the field, its line, what was expected and what was found, instead of a crash later.
 *
 * The result is the search's own `Plan` (its `mixes` hold each distinct layout and its
 * full evaluation), so every report is built by the same code as `sidecore plan`'s.
 */
import {readFile, stat} from 'node:fs/promises'
import path from 'node:path'

import {type Static, type TSchema, Type} from '@sinclair/typebox'
import {Ajv, type ErrorObject, type ValidateFunction} from 'ajv'
import {parseDocument} from 'yaml'

import {expected, found} from '../messages.js'
import type {Evaluation} from '../model/types.js'
import type {Comparison} from '../report/compare-types.js'
import {PLAN_KIND, PLAN_VERSION} from '../report/plan.js'
import type {Plan} from '../search/plan.js'
import {InputError, type PathSegment} from './errors.js'
import {parseDocumentText} from './load.js'

const Num = Type.Number()
/** JSON has no Infinity: JSON.stringify writes an unbounded offered load as null. */
const NumOrNull = Type.Union([Type.Number(), Type.Null()])
const Str = Type.String()
const Strs = Type.Array(Type.String())
const Int = Type.Integer({minimum: 0})
const Role = Type.Union(['vm', 'io', 'housekeeping', 'idle'].map(r => Type.Literal(r)))
const NotificationSchema = Type.Object({kind: Type.Union(['kick', 'spin', 'poll', 'timer'].map(k => Type.Literal(k)))})
const Totals = Type.Object({
  netBps: Num, blockBytesPerS: Num, iops: Num, deliveredBps: Num, cpusHost: Num, cpusAllocated: Num,
  bpsPerCpuHost: NumOrNull, bpsPerCpuAllocated: NumOrNull, exitsPerS: Num, interruptsPerS: Num, sloViolations: Num,
})

const EvaluationSchema = Type.Object({
  host: Str,
  calibration: Str,
  devices: Type.Array(Type.Object({
    vm: Str, device: Str, kind: Type.Union([Type.Literal('net'), Type.Literal('block')]),
    pattern: Type.Union([Type.Literal('stream'), Type.Literal('rr')]), worker: Str,
    offered: NumOrNull, rate: Num, bitsPerS: Num, bytesPerS: Num,
    limit: Type.Object({kind: Str, resource: Str}),
    exitsPerS: Num, interruptsPerS: Num, wakeupsPerS: Num, kicksPerS: Num, meanLatencyS: NumOrNull, p99LatencyS: NumOrNull,
  })),
  workers: Type.Array(Type.Object({
    id: Str, architecture: Str, notification: NotificationSchema, cpus: Type.Array(Int), floating: Type.Boolean(), devices: Strs,
    utilisation: Num, busy: Num, idleSpinShare: Num,
  })),
  cpus: Type.Array(Type.Object({id: Int, node: Int, role: Role, utilisation: Num, vms: Strs, workers: Strs})),
  vms: Type.Array(Type.Object({
    id: Str, type: Str, node: Int, netBps: Num, blockBytesPerS: Num, iops: Num, p99LatencyS: NumOrNull,
    vcpuUtilisation: Num, sloMet: Type.Boolean(), violations: Strs,
  })),
  totals: Totals,
})

const LayoutSchema = Type.Object({
  host: Str,
  roles: Type.Record(Type.String({pattern: '^[0-9]+$'}), Role),
  vms: Type.Array(Type.Object({vm: Str, node: Int, vcpuPins: Type.Array(Int)})),
  workers: Type.Array(Type.Object({
    id: Str, architecture: Str, cpus: Type.Array(Int), floating: Type.Boolean(), notification: NotificationSchema, devices: Strs,
  })),
  interrupt: Type.Union(['exit', 'pv-eoi', 'posted'].map(i => Type.Literal(i))),
  sharing: Str,
  vcpuOvercommit: Num,
})

const PlanFileSchema = Type.Object({
  kind: Type.Literal(PLAN_KIND),
  version: Type.Literal(PLAN_VERSION),
  cluster: Str,
  workload: Str,
  objective: Type.Union(['throughput-per-cpu', 'hosts', 'latency'].map(o => Type.Literal(o))),
  accounting: Type.Union([Type.Literal('host'), Type.Literal('allocated')]),
  seed: Num,
  bound: Num,
  placementObjective: Num,
  gap: NumOrNull,
  mixes: Type.Array(Type.Object({model: Str, counts: Type.Array(Int), layout: LayoutSchema, evaluation: EvaluationSchema})),
  hosts: Type.Array(Type.Object({
    id: Str, model: Str, labels: Type.Record(Type.String(), Type.String()), mix: Int,
    vms: Type.Array(Type.Object({vm: Str})),
  })),
  vms: Type.Array(Type.Object({id: Str, type: Str, host: Type.Optional(Str), reason: Type.Optional(Str)})),
})

type PlanFile = Static<typeof PlanFileSchema>

let validator: ValidateFunction | undefined

/** A plan read back from plan.json, with the names of the cluster and workload it was made for. */
export interface LoadedPlan {
  /** The plan.json actually read (the folder's plan.json when a folder was given). */
  file: string
  cluster: string
  workload: string
  plan: Plan
}

/** The plan.json a PLAN argument names: the file itself, or `plan.json` in the folder. */
export async function planFilePath(planArg: string): Promise<string> {
  try {
    if ((await stat(planArg)).isDirectory()) return path.join(planArg, 'plan.json')
  } catch {
    // Not there: reading it reports the missing file.
  }

  return planArg
}

/** Read, check and rebuild a plan from plan.json (or the folder holding it). */
export async function loadPlanFile(planArg: string): Promise<LoadedPlan> {
  const {file, text} = await readPlanText(planArg)
  return planFromText(text, file)
}

/** The text of the plan.json a PLAN argument names, and which file that is. */
export async function readPlanText(planArg: string): Promise<{file: string; text: string}> {
  const file = await planFilePath(planArg)
  try {
    return {file, text: await readFile(file, 'utf8')}
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (error as Error).message
    throw new InputError({code: 'file', expected: 'a plan.json written by "sidecore plan --out DIR", or that folder', found: `"${file}" (${why})`, file})
  }
}

/** Check and rebuild a plan from the text of `file`. */
export function planFromText(text: string, file: string): LoadedPlan {
  const data = parseJson(text, file)

  const locate = (fields: {expected: string; found: string; path: PathSegment[]; code?: 'schema' | 'reference'}) => {
    const doc = parseDocumentText(text, file.toLowerCase().endsWith('.json') ? file : `${file}.json`)
    return new InputError({code: fields.code ?? 'schema', ...fields, file, line: doc.lineOf(fields.path)})
  }

  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const doc = data as Record<string, unknown>
    if (doc.kind !== PLAN_KIND) {
      throw locate({expected: `a plan (kind: ${PLAN_KIND}) as "sidecore plan" writes it`, found: found.value(doc.kind), path: ['kind']})
    }
    if (doc.version === PLAN_VERSION && !('mixes' in doc)) {
      throw locate({expected: 'the key "mixes" (plans written before reports existed lack it: run "sidecore plan" again)', found: found.missingKey, path: ['mixes']})
    }
  }

  validator ??= new Ajv({allErrors: false, strict: false}).compile(PlanFileSchema)
  if (!validator(data)) throw locate(describe(validator.errors?.[0], data))
  return {file, ...rebuild(data as PlanFile, locate)}
}

/**
 * JSON.parse, with a syntax error reported at its line. Node's message gives the position
 * for most errors but not all (`Unexpected token ','`); YAML's parser, for which JSON is
 * YAML, locates the rest.
 */
function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const message = (error as Error).message
    const at = /position (\d+)/.exec(message)
    let offset = at ? Number(at[1]) : undefined
    if (offset === undefined) {
      const doc = parseDocument(text, {prettyErrors: false})
      offset = doc.errors[0]?.pos[0]
    }
    const what = message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '').split('\n')[0]
    throw new InputError({
      code: 'syntax', expected: expected.json, found: found.syntax(what), file,
      line: offset === undefined ? undefined : text.slice(0, offset).split('\n').length,
    })
  }
}

function pointer(instancePath: string, data: unknown): PathSegment[] {
  const out: PathSegment[] = []
  let cur = data
  for (const raw of instancePath.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    const seg = Array.isArray(cur) ? Number(key) : key
    out.push(seg)
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined
  }

  return out
}

function describe(e: ErrorObject | undefined, data: unknown): {expected: string; found: string; path: PathSegment[]} {
  if (!e) return {expected: expected.validDocument, found: 'an invalid document', path: []}
  const at = pointer(e.instancePath, data)
  const value = at.reduce<unknown>((cur, seg) => (cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined), data)
  switch (e.keyword) {
    case 'required':
      return {expected: expected.requiredKey(String(e.params.missingProperty)), found: found.missingKey, path: at}
    case 'type': {
      const noun = (expected as Record<string, unknown>)[String(e.params.type)]
      return {expected: typeof noun === 'string' ? noun : String(e.params.type), found: found.value(value), path: at}
    }
    case 'const':
      return {expected: expected.const(e.params.allowedValue), found: found.value(value), path: at}
    case 'anyOf': {
      const schemas = ((e.schema ?? []) as TSchema[]).map(s => ('const' in s ? String(s.const) : s.type === 'null' ? 'null' : String(s.type)))
      return {expected: expected.enum(schemas), found: found.value(value), path: at}
    }
    case 'minimum':
      return {expected: expected.atLeast(expected.integer, Number(e.params.limit)), found: found.value(value), path: at}
    default:
      return {expected: e.message ?? e.keyword, found: found.value(value), path: at}
  }
}

/** The schema-checked document as the search's Plan, its references checked. */
function rebuild(doc: PlanFile, locate: (f: {expected: string; found: string; path: PathSegment[]; code?: 'reference'}) => InputError):
Omit<LoadedPlan, 'file'> {
  doc.hosts.forEach((h, i) => {
    const mix = doc.mixes[h.mix]
    if (!mix) {
      throw locate({code: 'reference', expected: `the index of one of the ${doc.mixes.length} mixes (0 to ${doc.mixes.length - 1})`, found: String(h.mix), path: ['hosts', i, 'mix']})
    }
    if (mix.model !== h.model) {
      throw locate({code: 'reference', expected: `a mix of host model "${h.model}"`, found: `mix ${h.mix} of model "${mix.model}"`, path: ['hosts', i, 'mix']})
    }
    if (mix.layout.vms.length !== h.vms.length) {
      throw locate({code: 'reference', expected: `${mix.layout.vms.length} VMs, as mix ${h.mix} holds`, found: `${h.vms.length}`, path: ['hosts', i, 'vms']})
    }
  })
  const mixes = doc.mixes.map(m => ({
    model: m.model,
    counts: m.counts,
    layout: m.layout as unknown as Plan['mixes'][number]['layout'],
    evaluation: unboundedBack(m.evaluation as unknown as Evaluation),
  }))
  const plan: Plan = {
    objective: doc.objective as Plan['objective'],
    accounting: doc.accounting as Plan['accounting'],
    seed: doc.seed,
    mixes,
    hosts: doc.hosts.map(h => ({id: h.id, model: h.model, labels: h.labels, mix: h.mix, vms: h.vms.map(v => v.vm)})),
    vms: doc.vms,
    bound: doc.bound,
    placementObjective: doc.placementObjective,
    gap: doc.gap ?? Number.NaN,
    searches: 0,
    evaluations: 0,
  }
  return {cluster: doc.cluster, workload: doc.workload, plan}
}

/** null numbers (JSON's rendering of Infinity) back to Infinity. */
function unboundedBack(ev: Evaluation): Evaluation {
  const inf = (x: number | null) => (x === null ? Number.POSITIVE_INFINITY : x)
  return {
    ...ev,
    devices: ev.devices.map(d => ({
      ...d, offered: inf(d.offered), meanLatencyS: inf(d.meanLatencyS), p99LatencyS: inf(d.p99LatencyS),
    })),
    vms: ev.vms.map(v => ({...v, p99LatencyS: inf(v.p99LatencyS)})),
    totals: {...ev.totals, bpsPerCpuHost: inf(ev.totals.bpsPerCpuHost), bpsPerCpuAllocated: inf(ev.totals.bpsPerCpuAllocated)},
  }
}

// ---------------------------------------------------------------- compare.json

const Metrics = Type.Object({
  hosts: Num,
  cpusByRole: Type.Object({vm: Num, io: Num, housekeeping: Num, idle: Num}),
  gbpsPerCpu: Num,
  iops: Num,
  p99LatencyUs: Num,
  sloViolations: Num,
})
const CompareRowSchema = Type.Object({name: Str, source: Str, metrics: Metrics, delta: Metrics})
const ComparisonSchema = Type.Object({
  kind: Type.Literal('comparison'),
  version: Type.Literal(1),
  baseline: CompareRowSchema,
  variants: Type.Array(CompareRowSchema),
  infeasible: Type.Optional(Type.Array(Type.Object({name: Str, source: Str, reason: Str}))),
})

let compareValidator: ValidateFunction | undefined

/** Read and check a compare.json (`sidecore compare --out DIR`), given as the file or its folder. */
export async function loadComparisonFile(arg: string): Promise<Comparison> {
  let file = arg
  try {
    if ((await stat(arg)).isDirectory()) file = path.join(arg, 'compare.json')
  } catch {
    // Reading it reports the missing file.
  }

  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : (error as Error).message
    throw new InputError({code: 'file', expected: 'a compare.json written by "sidecore compare --out DIR", or that folder', found: `"${file}" (${why})`, file})
  }

  const jsonName = file.toLowerCase().endsWith('.json') ? file : `${file}.json`
  const data = parseJson(text, file)

  compareValidator ??= new Ajv({allErrors: false, strict: false}).compile(ComparisonSchema)
  if (!compareValidator(data)) {
    const fields = describe(compareValidator.errors?.[0], data)
    throw new InputError({code: 'schema', ...fields, file, line: parseDocumentText(text, jsonName).lineOf(fields.path)})
  }

  return data as Comparison
}
