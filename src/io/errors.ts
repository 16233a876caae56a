import {formatInputError} from '../messages.js'

/** One step of a field path: an object key or a list index. */
export type PathSegment = string | number

/** Stable codes, one per family of input problem. */
export type InputErrorCode =
  | 'syntax' // the file is not valid YAML / JSON
  | 'file' // a file that does not exist or cannot be read
  | 'schema' // the document does not match its JSON Schema
  | 'unknown-key' // a key the format does not have
  | 'quantity' // a value with the wrong unit or no unit we know
  | 'value' // a value that is well-typed but not allowed
  | 'reference' // a name that points at nothing (device, CPU, NIC, VM, host)

export interface InputErrorFields {
  code: InputErrorCode
  expected: string
  found: string
  path?: readonly PathSegment[]
  file?: string
  line?: number
  hint?: string
}

/**
 * An error in the user's input: something they can fix. It names the file (as
 * the user gave it), the field path, the line where the format has lines, what
 * was expected and what was found. Commands print `message` and exit non-zero
 * without a stack trace.
 */
export class InputError extends Error {
  override readonly name = 'InputError'
  readonly code: InputErrorCode
  readonly expected: string
  readonly found: string
  readonly segments: readonly PathSegment[]
  readonly file?: string
  readonly line?: number
  readonly hint?: string

  constructor(fields: InputErrorFields) {
    const segments = fields.path ?? []
    super(formatInputError({...fields, path: formatPath(segments)}))
    this.code = fields.code
    this.expected = fields.expected
    this.found = fields.found
    this.segments = segments
    this.file = fields.file
    this.line = fields.line
    this.hint = fields.hint
  }

  /** The field path as shown to users, like `vm_types[2].devices[0].offered`. */
  get path(): string {
    return formatPath(this.segments)
  }

  fields(): InputErrorFields {
    return {
      code: this.code,
      expected: this.expected,
      found: this.found,
      path: this.segments,
      file: this.file,
      line: this.line,
      hint: this.hint,
    }
  }

  /** The same error under a parent path (an inline document inside another). */
  under(prefix: readonly PathSegment[]): InputError {
    if (prefix.length === 0) return this
    return new InputError({...this.fields(), path: [...prefix, ...this.segments]})
  }

  /** The same error located in a file (and at a line). */
  located(file: string, line: number | undefined): InputError {
    return new InputError({...this.fields(), file, line})
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/
const FLAG = /^--[a-z][a-z0-9-]*$/

/** `['vm_types', 2, 'devices', 0, 'offered']` -> `vm_types[2].devices[0].offered`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = ''
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`
    // A command-line flag, as the first step: `--calibration`.
    else if (out === '' && FLAG.test(s)) out += s
    else out += `[${JSON.stringify(s)}]`
  }
  return out
}

/** Throw an input error (a typed `never` helper for terse checks). */
export function fail(fields: InputErrorFields): never {
  throw new InputError(fields)
}
