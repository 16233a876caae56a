/**
 * Validation of a parsed document against its JSON Schema (ajv), reduced to the
 * single most useful `InputError`.
 *
 * ajv reports every failure, and for a union (`anyOf`) the failures of every
 * branch. We keep, for each union, the branch that got furthest into the data
 * (the deepest failing path; a branch whose very type is wrong counts least),
 * drop "missing key" errors on objects that also have an unknown key (usually
 * the same typo), and report the first remaining error in file order.
 */
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

import {Ajv, type Options, type ValidateFunction} from 'ajv'
import type {ErrorObject} from 'ajv'

import {expected, found, hint, oneOf} from '../messages.js'
import {InputError, type PathSegment} from './errors.js'
import {FILE_KINDS, type FileKind, SCHEMAS, type SpecByKind, X_PUBLISHED} from './schemas.js'
import {closest} from './suggest.js'

const X = 'x-expected'

/**
 * The validator every format gets: all errors, with their schema nodes (for `x-expected`).
 * It leaves the published files' own checks (`x-published`) to editors.
 */
export function newAjv(options: Options = {}): Ajv {
  return new Ajv({allErrors: true, verbose: true, allowUnionTypes: true, strict: true, ...options}).addVocabulary([X, X_PUBLISHED])
}

/** A fingerprint of the schemas, which precompiled validators carry to show what they were built from. */
export function schemasHash(): string {
  return createHash('sha256').update(JSON.stringify(SCHEMAS)).digest('hex')
}

/**
 * The file `npm run build` writes next to this module: ajv's standalone code of every
 * format's validator (scripts/write-validators.ts). Compiling the schemas at run time costs
 * a command 0.2 to 0.5 s; loading them compiled costs about 30 ms. Used only when built from
 * these very schemas; without it (running from the sources) they are compiled on first use.
 */
export const PRECOMPILED_FILE = 'validators.cjs'

let precompiled: Partial<Record<FileKind, ValidateFunction>> | undefined
function precompiledValidators(): Partial<Record<FileKind, ValidateFunction>> {
  if (precompiled === undefined) {
    precompiled = {}
    const file = fileURLToPath(new URL(PRECOMPILED_FILE, import.meta.url))
    if (existsSync(file)) {
      const module = createRequire(import.meta.url)(file) as Partial<Record<FileKind, ValidateFunction>> & {schemasHash?: string}
      if (module.schemasHash === schemasHash()) precompiled = module
    }
  }

  return precompiled
}

let ajv: Ajv | undefined
const compiled = new Map<FileKind, ValidateFunction>()

function validator(kind: FileKind): ValidateFunction {
  let v = compiled.get(kind) ?? precompiledValidators()[kind]
  if (v === undefined) {
    ajv ??= newAjv()
    v = ajv.compile(SCHEMAS[kind])
  }
  compiled.set(kind, v)
  return v
}

/** Orders errors for reporting (e.g. by line in the file); lower first. */
export type ErrorOrder = (error: InputError) => number

/**
 * Check `data` against the schema of `kind`; returns it typed as the spec, or
 * throws the most useful `InputError` (without file or line: the caller, who
 * knows the file, locates it). `order` ranks candidate errors, usually by line.
 */
export function validateSpec<K extends FileKind>(kind: K, data: unknown, order?: ErrorOrder): SpecByKind[K] {
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const doc = data as Record<string, unknown>
    if ('kind' in doc && doc.kind !== kind) {
      const hintText = typeof doc.kind === 'string' && (FILE_KINDS as readonly string[]).includes(doc.kind) ? undefined : suggestion(doc.kind, FILE_KINDS)
      throw new InputError({code: 'schema', expected: expected.fileKind(kind), found: found.value(doc.kind), path: ['kind'], hint: hintText})
    }
    if ('version' in doc && doc.version !== 1) {
      throw new InputError({code: 'schema', expected: expected.version, found: found.value(doc.version), path: ['version']})
    }
  }
  const v = validator(kind)
  if (v(data)) return data as SpecByKind[K]
  throw pickError(v.errors ?? [], data, order)
}

function suggestion(value: unknown, candidates: readonly string[]): string | undefined {
  if (typeof value !== 'string') return undefined
  const c = closest(value, candidates)
  return c === undefined || c === value ? undefined : hint.didYouMean(c)
}

// ------------------------------------------------------------------ picking the error

interface Candidate {
  error: InputError
  /** Object path and missing key, for `required` errors. */
  missing?: {object: string; key: string}
  /** Object path and the keys it allows, for unknown keys. */
  unknownIn?: string
  known?: string[]
  index: number
}

function pointerSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return []
  const out: PathSegment[] = []
  let cur: unknown = data
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(cur)) {
      out.push(Number(key))
      cur = cur[Number(key)]
    } else {
      out.push(key)
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined
    }
  }
  return out
}

function depth(e: ErrorObject): number {
  const d = e.instancePath === '' ? 0 : e.instancePath.split('/').length - 1
  return e.keyword === 'additionalProperties' ? d + 1 : d
}

const TYPE_NOUN: Record<string, string> = {
  string: expected.string,
  number: expected.number,
  integer: expected.integer,
  boolean: expected.boolean,
  object: expected.object,
  array: expected.array,
  null: expected.null,
}

function typeNoun(t: unknown): string {
  const types = Array.isArray(t) ? t : [t]
  const nouns = [...new Set(types.map((x) => TYPE_NOUN[String(x)] ?? String(x)))]
  return nouns.length <= 1 ? nouns.join('') : `${nouns.slice(0, -1).join(', ')} or ${nouns[nouns.length - 1]}`
}

function schemaOf(e: ErrorObject): Record<string, unknown> {
  return (e.parentSchema ?? {}) as Record<string, unknown>
}

/** Resolve unions: keep the branch that got furthest; returns errors left and synthesized ones. */
function resolveUnions(errors: ErrorObject[]): {kept: ErrorObject[]; typeErrors: ErrorObject[]} {
  const removed = new Set<ErrorObject>()
  const typeErrors: ErrorObject[] = []
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length)
  for (const u of unions) {
    if (removed.has(u)) continue
    removed.add(u)
    const prefix = `${u.schemaPath}/`
    const branches = new Map<string, ErrorObject[]>()
    for (const e of errors) {
      if (removed.has(e) || !e.schemaPath.startsWith(prefix)) continue
      const b = e.schemaPath.slice(prefix.length).split('/')[0]
      branches.set(b, [...(branches.get(b) ?? []), e])
    }
    let best: string | undefined
    let bestScore = -Infinity
    let bestCount = Infinity
    const types: unknown[] = []
    for (const [b, errs] of branches) {
      const wrongType = errs.find((e) => e.keyword === 'type' && e.instancePath === u.instancePath && e.schemaPath === `${prefix}${b}/type`)
      if (wrongType !== undefined) types.push(wrongType.params.type)
      const score = wrongType === undefined ? Math.max(...errs.map(depth)) : -1
      if (score > bestScore || (score === bestScore && errs.length < bestCount)) {
        best = b
        bestScore = score
        bestCount = errs.length
      }
    }
    for (const [b, errs] of branches) if (b !== best || bestScore < 0) for (const e of errs) removed.add(e)
    if (bestScore < 0 || branches.size === 0) {
      // No branch matched even the type: one error for the union as a whole.
      typeErrors.push({...u, keyword: 'type', params: {type: types.flat()}})
    }
  }
  return {kept: errors.filter((e) => !removed.has(e)), typeErrors}
}

function toCandidate(e: ErrorObject, data: unknown, index: number): Candidate {
  const segments = pointerSegments(e.instancePath, data)
  const schema = schemaOf(e)
  const value = e.data
  const make = (fields: {expected: string; found: string; hint?: string; code?: 'schema' | 'unknown-key'; path?: PathSegment[]}) =>
    new InputError({code: fields.code ?? 'schema', expected: fields.expected, found: fields.found, hint: fields.hint, path: fields.path ?? segments})
  switch (e.keyword) {
    case 'type': {
      const exp = typeof schema[X] === 'string' ? (schema[X] as string) : typeNoun(e.params.type)
      return {error: make({expected: exp, found: found.value(value)}), index}
    }
    case 'required': {
      const key = String(e.params.missingProperty)
      return {error: make({expected: expected.requiredKey(key), found: found.missingKey}), missing: {object: e.instancePath, key}, index}
    }
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty)
      const known = Object.keys((schema.properties ?? {}) as Record<string, unknown>).filter((k) => k !== '$schema')
      return {
        error: make({
          code: 'unknown-key',
          expected: expected.knownKey(known.length > 14 ? [...known.slice(0, 12), `... (${known.length} in all)`] : known),
          found: found.unknownKey(key),
          path: [...segments, key],
        }),
        unknownIn: e.instancePath,
        known,
        index,
      }
    }
    case 'const':
      return {error: make({expected: expected.const(e.params.allowedValue), found: found.value(value)}), index}
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String)
      return {error: make({expected: expected.enum(allowed), found: found.value(value), hint: suggestion(value, allowed)}), index}
    }
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum': {
      const noun = schema.type === 'integer' ? expected.integer : expected.number
      const limit = Number(e.params.limit)
      const exp =
        e.keyword === 'maximum'
          ? expected.atMost(noun, limit)
          : e.keyword === 'exclusiveMinimum' && limit === 0
            ? expected.positive(noun)
            : expected.atLeast(noun, limit)
      return {error: make({expected: exp, found: found.value(value)}), index}
    }
    case 'minItems':
      return {error: make({expected: expected.minItems(Number(e.params.limit)), found: found.value(value)}), index}
    case 'maxItems':
      return {error: make({expected: expected.maxItems(Number(e.params.limit)), found: found.value(value)}), index}
    case 'minLength':
      return {error: make({expected: expected.nonEmpty, found: found.value(value)}), index}
    default:
      return {error: make({expected: e.message ?? e.keyword, found: found.value(value)}), index}
  }
}

function pickError(errors: ErrorObject[], data: unknown, order?: ErrorOrder): InputError {
  const {kept, typeErrors} = resolveUnions(errors)
  const candidates = [...kept, ...typeErrors].map((e, i) => toCandidate(e, data, i))
  // A missing key next to an unknown one is usually the same typo: report the unknown key, suggesting the missing one.
  const unknownObjects = new Set(candidates.filter((c) => c.unknownIn !== undefined).map((c) => c.unknownIn))
  const missingByObject = new Map<string, string[]>()
  for (const c of candidates) if (c.missing !== undefined) missingByObject.set(c.missing.object, [...(missingByObject.get(c.missing.object) ?? []), c.missing.key])
  const pool = candidates
    .filter((c) => c.missing === undefined || !unknownObjects.has(c.missing.object))
    .map((c) => {
      if (c.unknownIn === undefined) return c
      const missing = missingByObject.get(c.unknownIn) ?? []
      const key = String(c.error.segments[c.error.segments.length - 1])
      // `{notification: timer(150 us, 256)}` splits at the comma: the rest, `256)`, becomes a key.
      if (/^[^(]*\)\s*$/.test(key)) return {...c, error: new InputError({...c.error.fields(), hint: hint.quoteInFlow})}
      const close = closest(key, missing)
      if (close !== undefined) return {...c, error: new InputError({...c.error.fields(), hint: hint.didYouMean(close)})}
      const any = closest(key, c.known ?? [])
      return any === undefined ? c : {...c, error: new InputError({...c.error.fields(), hint: hint.didYouMean(any)})}
    })
  if (pool.length === 0) {
    return new InputError({code: 'schema', expected: expected.validDocument, found: oneOf(errors.map((e) => e.message ?? e.keyword))})
  }
  const rank = (c: Candidate) => (order === undefined ? 0 : order(c.error))
  pool.sort((a, b) => rank(a) - rank(b) || a.index - b.index)
  return pool[0].error
}
