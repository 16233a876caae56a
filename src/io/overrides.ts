/**
 * Reading an overrides file (YAML or JSON) into a variant. The format is in
 * docs/compare.md; the fields are `OVERRIDE_FIELDS` and the calibration keys. Every
 * problem is one InputError naming the file, the field path, the line, what was expected
 * and what was found, both when the file is read and when a value is evaluated.
 */
import path from 'node:path'

import type {Calibration} from '../model/types.js'
import {
  type Override, OVERRIDE_FIELDS, OverrideError, type OverrideSection, applyOverrides, compileExpression, ExpressionError,
  type Variant,
} from '../search/whatif/index.js'
import {InputError, type PathSegment} from './errors.js'
import {type SourceDocument, readDocument} from './load.js'
import {CALIBRATION_FIELDS} from './schemas.js'

const SECTIONS: readonly OverrideSection[] = ['hosts', 'workload', 'calibration', 'policy']
const CALIBRATION_KEYS = new Map(Object.entries(CALIBRATION_FIELDS).map(([field, f]) => [f.key, field as keyof Calibration]))

function allowedKeys(section: OverrideSection): string[] {
  return section === 'calibration' ? [...CALIBRATION_KEYS.keys()] : Object.keys(OVERRIDE_FIELDS[section])
}

export interface OverridesFile {
  name: string
  file: string
  overrides: Override[]
  /** Field path of each override, for errors. */
  paths: PathSegment[][]
  lineOf: SourceDocument['lineOf']
}

export async function loadOverrides(file: string): Promise<OverridesFile> {
  const doc = await readDocument(file)
  const fail = (at: PathSegment[], expected: string, found: string, key = false): never => {
    throw new InputError({code: key ? 'unknown-key' : 'value', expected, found, path: at, file, line: doc.lineOf(at, key)})
  }

  const data = doc.data
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail([], 'a mapping with name, hosts, workload, calibration or policy', describe(data))
  const top = data as Record<string, unknown>
  for (const key of Object.keys(top)) {
    if (key !== 'name' && key !== 'description' && !(SECTIONS as readonly string[]).includes(key)) {
      fail([key], `one of name, description, ${SECTIONS.join(', ')}`, `"${key}"`, true)
    }
  }

  if (top.name !== undefined && (typeof top.name !== 'string' || top.name.trim() === '')) fail(['name'], 'a non-empty name', describe(top.name))
  const name = (top.name as string | undefined) ?? path.basename(file).replace(/\.(ya?ml|json)$/i, '')
  const overrides: Override[] = []
  const paths: PathSegment[][] = []
  for (const section of SECTIONS) {
    const body = top[section]
    if (body === undefined) continue
    if (typeof body !== 'object' || body === null || Array.isArray(body)) fail([section], `a mapping of ${section} fields to values`, describe(body))
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const at = [section, key]
      const keys = allowedKeys(section)
      if (!keys.includes(key)) fail(at, `one of ${keys.join(', ')}`, `"${key}"`, true)
      const kind = section === 'calibration' ? 'non-negative' : OVERRIDE_FIELDS[section][key]
      let parsed: Override['value']
      if (kind === 'boolean') {
        if (typeof value !== 'boolean') fail(at, 'true or false', describe(value))
        parsed = value as boolean
      } else if (typeof value === 'number' || typeof value === 'string') {
        try {
          parsed = compileExpression(String(value))
        } catch (error) {
          if (error instanceof ExpressionError) fail(at, error.message.replace(/, found .*$/, ''), foundPart(error.message, value))
          throw error
        }
      } else {
        fail(at, 'a number or a mathjs expression of old, e.g. "old * 4"', describe(value))
      }

      overrides.push({section, key, value: parsed!, ...(section === 'calibration' ? {field: CALIBRATION_KEYS.get(key)} : {})})
      paths.push(at)
    }
  }

  if (overrides.length === 0) fail([], 'at least one override under hosts, workload, calibration or policy', 'none')
  return {name, file, overrides, paths, lineOf: doc.lineOf}
}

/** The overrides file as a compare variant; a value that turns out wrong is an InputError at its line. */
export function overridesVariant(o: OverridesFile): Variant {
  return {
    name: o.name,
    source: `overrides ${o.file}`,
    apply(subject) {
      try {
        return applyOverrides(subject, o.overrides, () => performance.now())
      } catch (error) {
        if (!(error instanceof OverrideError)) throw error
        const at = o.paths[error.index]
        throw new InputError({code: 'value', expected: error.message.replace(/, found .*$/, ''), found: foundPart(error.message, ''),
          path: at, file: o.file, line: o.lineOf(at)})
      }
    },
  }
}

/** Read an overrides file and make it a variant. */
export async function overridesFileVariant(file: string): Promise<Variant> {
  return overridesVariant(await loadOverrides(file))
}

function foundPart(message: string, value: unknown): string {
  const m = /, found (.*)$/.exec(message)
  return m ? m[1] : describe(value)
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return JSON.stringify(value)
}
