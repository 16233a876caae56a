/**
 * Loading input files: read (YAML with line numbers, or JSON), validate against
 * the JSON Schema, normalise to the model's types, resolve file references.
 *
 *     file --read--> document (data + line map)
 *          --validateSpec()--> spec (typed, schema-checked)
 *          --normalize*()--> Host / Workload / Layout / ...   (pure, normalize.ts)
 *
 * Every problem surfaces as one `InputError` naming the file as given, the
 * field path and the line. Referenced files are resolved relative to the file
 * that names them; calibration profile names resolve to
 * `data/calibration/NAME.yaml` in the package.
 */
import {existsSync, readFileSync, statSync} from 'node:fs'
import {readFile, readdir} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {type Document, LineCounter, isMap, isPair, isScalar, isSeq, parseDocument} from 'yaml'

import {LayoutError} from '../model/errors.js'
import {checkLayout} from '../model/layout.js'
import type {ArchitecturePolicy, Calibration, CalibrationProfile, Host, Layout, Vm, Workload} from '../model/types.js'
import {expected, found, hint} from '../messages.js'
import {InputError, type PathSegment} from './errors.js'
import {
  type HostModel,
  type LoadedCluster,
  checkWorkloadFits,
  checkWorkloadOnHost,
  instantiateVms,
  normalizeCalibration,
  normalizeCluster,
  normalizeHost,
  normalizeLayout,
  normalizePolicy,
  normalizeWorkload,
} from './normalize.js'
import type {CalibrationBody, FileKind, HostBody, LayoutBody, SpecByKind, WorkloadBody} from './schemas.js'
import {closest} from './suggest.js'
import {validateSpec} from './validate.js'

/** A scenario, loaded and normalised: everything `evaluate()` needs. */
export interface Scenario {
  name: string
  description: string
  source: string
  /** The scenario's `expect` block as written (snake_case keys), for `sidecore validate`. */
  expect?: Record<string, unknown>
  host: HostModel
  workload: Workload
  /** Every VM of the workload, named `TYPE-INDEX` from 0; all run on `host`. */
  vms: Vm[]
  /** Present when the scenario gives a layout. */
  layout?: Layout
  /** Present when the scenario gives a policy instead. */
  policy?: ArchitecturePolicy
  /** The line of the scenario file where `policy` is written (for errors in laying it out). */
  policyLine?: number
  calibration: Calibration
  /** The calibration with its era, description and per-value sources. */
  calibrationProfile: CalibrationProfile
  /** The scenario file, as given. */
  file: string
}

// ------------------------------------------------------------------ documents

/** A parsed file: its data and a way to find the line of any field. */
export interface SourceDocument {
  /** The file as the user (or the referencing file) gave it. */
  file: string
  data: unknown
  /** Line (1-based) of the node at `segments`, or of the key itself when `key`; the nearest existing parent otherwise. */
  lineOf(segments: readonly PathSegment[], key?: boolean): number | undefined
}

function fileError(file: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'ENOTDIR') return new InputError({code: 'file', expected: expected.existingFile, found: found.noFile(file), file})
  const why = code === 'EISDIR' ? 'a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message)
  return new InputError({code: 'file', expected: expected.readableFile, found: found.unreadable(file, why), file})
}

/** Read and parse a YAML or JSON file (by extension: `.json` is JSON, anything else YAML). */
export async function readDocument(file: string): Promise<SourceDocument> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw fileError(file, err)
  }
  return parseDocumentText(text, file)
}

/** Parse text as the file `file` (which only names it in errors and picks JSON or YAML). */
export function parseDocumentText(text: string, file: string): SourceDocument {
  const lines = new LineCounter()
  const lineAt = (offset: number) => lines.linePos(offset).line
  if (file.toLowerCase().endsWith('.json')) {
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (err) {
      const pos = /position (\d+)/.exec((err as Error).message)
      const line = pos === null ? undefined : text.slice(0, Number(pos[1])).split('\n').length
      const what = (err as Error).message.replace(/ in JSON at position \d+.*$/, '')
      throw new InputError({code: 'syntax', expected: expected.json, found: found.syntax(what), file, line})
    }
    // JSON is YAML: parse it again only to learn where each node sits.
    const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false})
    return {file, data, lineOf: doc.errors.length === 0 ? (s, key) => nodeLine(doc, lineAt, s, key) : () => undefined}
  }
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const tip = e.code === 'BLOCK_AS_IMPLICIT_KEY' ? hint.quoteColon : undefined
    throw new InputError({code: 'syntax', expected: expected.yaml, found: found.syntax(e.message.split('\n')[0]), file, line: lineAt(e.pos[0]), hint: tip})
  }
  return {file, data: doc.toJS({maxAliasCount: 1000}), lineOf: (s, key) => nodeLine(doc, lineAt, s, key)}
}

function rangeLine(node: unknown, lineAt: (offset: number) => number): number | undefined {
  const range = (node as {range?: [number, number, number]} | null)?.range
  return range === undefined ? undefined : lineAt(range[0])
}

function nodeLine(doc: Document, lineAt: (o: number) => number, segments: readonly PathSegment[], key = false): number | undefined {
  let node: unknown = doc.contents
  let line = rangeLine(node, lineAt) ?? 1
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(seg))
      if (pair === undefined) return line
      const keyLine = rangeLine(pair.key, lineAt) ?? line
      if (key && i === segments.length - 1) return keyLine
      node = pair.value
      // A scalar is found on its own line; a collection by its key (`workers:`), where it starts.
      const valueLine = isScalar(node) && node.value !== null ? rangeLine(node, lineAt) : undefined
      line = valueLine ?? keyLine
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg]
      line = rangeLine(node, lineAt) ?? line
    } else {
      return line
    }
  }
  return line
}

/** Where errors of one part (a file, or an inline document in a file) are reported. */
export class Part {
  constructor(
    readonly doc: SourceDocument,
    readonly prefix: readonly PathSegment[] = [],
  ) {}

  /** Add file, line and prefix to an input error that has no file yet. */
  locate(err: unknown): unknown {
    if (!(err instanceof InputError) || err.file !== undefined) return err
    const e = err.under(this.prefix)
    return e.located(this.doc.file, this.doc.lineOf(e.segments, e.code === 'unknown-key'))
  }

  run<T>(fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      throw this.locate(err)
    }
  }

  async runAsync<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw this.locate(err)
    }
  }

  child(segments: readonly PathSegment[]): Part {
    return new Part(this.doc, [...this.prefix, ...segments])
  }
}

/** Read a file and validate it as `kind`. */
export async function readSpec<K extends FileKind>(kind: K, file: string): Promise<{spec: SpecByKind[K]; part: Part}> {
  const doc = await readDocument(file)
  const part = new Part(doc)
  const spec = part.run(() => validateSpec(kind, doc.data, (e) => doc.lineOf(e.segments, e.code === 'unknown-key') ?? Infinity))
  return {spec, part}
}

/** Resolve a file reference made inside `from`. */
function resolveRef(from: string, ref: string): string {
  return path.isAbsolute(ref) ? ref : path.join(path.dirname(from), ref)
}

/**
 * A layout problem (as `checkLayout` words it) prefixed with the file and line of the
 * field it starts with, such as `workers[2] (w2): ...` or `vms[0]: ...`; as it is when it
 * names no field.
 */
function locateProblem(part: Part, problem: string): string {
  const m = /^([a-z_]+)(?:\[(\d+)\])?[ :]/.exec(problem)
  if (!m || !['roles', 'vms', 'workers', 'interrupt', 'sharing'].includes(m[1])) return problem
  const segments: PathSegment[] = [...part.prefix, m[1], ...(m[2] === undefined ? [] : [Number(m[2])])]
  const line = part.doc.lineOf(segments, m[2] === undefined)
  return `${part.doc.file}${line === undefined ? '' : `:${line}`}: ${problem}`
}

/** Load a referenced file; a missing file is reported at the referencing field. */
async function readRef<K extends FileKind>(kind: K, from: Part, at: readonly PathSegment[], ref: string) {
  const file = resolveRef(from.doc.file, ref)
  if (!existsSync(file)) throw from.locate(new InputError({code: 'file', expected: expected.existingFile, found: found.noFile(ref), path: at}))
  if (statSync(file).isDirectory()) {
    throw from.locate(new InputError({code: 'file', expected: expected.readableFile, found: found.unreadable(ref, 'a directory'), path: at}))
  }

  return readSpec(kind, file)
}

// ------------------------------------------------------------------ calibration profiles

let packageRootCache: string | undefined

/** The package root: the nearest folder above this module with Sidecore's package.json. */
export function packageRoot(): string {
  if (packageRootCache !== undefined) return packageRootCache
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = path.join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as {name?: string}).name === 'sidecore') return (packageRootCache = dir)
      } catch {
        // not ours; keep looking
      }
    }
    const up = path.dirname(dir)
    if (up === dir) throw new Error('Sidecore package root not found above ' + fileURLToPath(import.meta.url))
    dir = up
  }
}

/** Folder of the bundled calibration profiles, `data/calibration`. */
export function calibrationDir(): string {
  return path.join(packageRoot(), 'data', 'calibration')
}

/** Names of the bundled calibration profiles. */
export async function listCalibrations(): Promise<string[]> {
  try {
    return (await readdir(calibrationDir()))
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .map((f) => f.replace(/\.(ya?ml|json)$/, ''))
      .sort()
  } catch {
    return []
  }
}

/** A calibration reference is a path when it has a folder or a file extension, a profile name otherwise. */
function isPathRef(ref: string): boolean {
  return ref.includes('/') || ref.includes(path.sep) || /\.(ya?ml|json)$/i.test(ref)
}

/** Shown path of a bundled file: relative to the working folder when inside it. */
function shownPath(abs: string): string {
  const rel = path.relative(process.cwd(), abs)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs
}

async function profileFile(name: string): Promise<string | undefined> {
  for (const ext of ['yaml', 'yml', 'json']) {
    const f = path.join(calibrationDir(), `${name}.${ext}`)
    if (existsSync(f)) return shownPath(f)
  }
  return undefined
}

/** The profile a host model or scenario gets when it names none: today's servers. */
export const DEFAULT_CALIBRATION = 'current'

/**
 * Load a calibration profile by name (`data/calibration/NAME.yaml`) or by path
 * (anything with a `/` or a `.yaml`, `.yml`, `.json` extension).
 */
export async function loadCalibration(nameOrPath: string): Promise<CalibrationProfile> {
  if (isPathRef(nameOrPath)) {
    const {spec, part} = await readSpec('calibration', nameOrPath)
    return part.run(() => normalizeCalibration(spec))
  }
  const file = await profileFile(nameOrPath)
  if (file === undefined) throw await noProfile(nameOrPath, [])
  return loadCalibration(file)
}

async function noProfile(name: string, at: readonly PathSegment[]): Promise<InputError> {
  const names = await listCalibrations()
  const c = closest(name, names)
  return new InputError({
    code: 'reference',
    expected: expected.calibrationRef(names),
    found: found.noProfile(name),
    path: at,
    hint: c === undefined ? hint.calibrationDir(shownPath(calibrationDir())) : hint.didYouMean(c),
  })
}

/** A calibration reference made at `at` inside `from`. */
async function calibrationRef(from: Part, at: readonly PathSegment[], ref: string): Promise<CalibrationProfile> {
  if (isPathRef(ref)) {
    const {spec, part} = await readRef('calibration', from, at, ref)
    return part.run(() => normalizeCalibration(spec))
  }
  const file = await profileFile(ref)
  if (file === undefined) throw from.locate(await noProfile(ref, at))
  const {spec, part} = await readSpec('calibration', file)
  return part.run(() => normalizeCalibration(spec))
}

// ------------------------------------------------------------------ public loaders

/** Load a host model file. */
export async function loadHost(file: string): Promise<HostModel> {
  const {spec, part} = await readSpec('host', file)
  return part.run(() => normalizeHost(spec))
}

/** Load a workload file. */
export async function loadWorkload(file: string): Promise<Workload> {
  const {spec, part} = await readSpec('workload', file)
  return part.run(() => normalizeWorkload(spec))
}

/** Load a cluster file and the host model files it names (each read once). */
export async function loadCluster(file: string): Promise<LoadedCluster> {
  const {spec, part} = await readSpec('cluster', file)
  const cache = new Map<string, Promise<HostModel>>()
  const files = spec.hosts.map((h) => resolveRef(file, h.host))
  const hosts = await Promise.all(
    spec.hosts.map((h, i) => {
      const key = path.resolve(files[i])
      let p = cache.get(key)
      if (p === undefined) {
        p = readRef('host', part, ['hosts', i, 'host'], h.host).then(({spec: hs, part: hp}) => hp.run(() => normalizeHost(hs)))
        cache.set(key, p)
      }
      return p
    }),
  )
  return part.run(() => normalizeCluster(spec, hosts, files))
}

/** Load a layout file for `host` and its `vms`, checking every reference. */
export async function loadLayout(file: string, host: Host, vms: readonly Vm[]): Promise<Layout> {
  const {spec, part} = await readSpec('layout', file)
  return part.run(() => normalizeLayout(spec, host, vms))
}

export interface LoadScenarioOptions {
  /** Calibration profile name or path to use instead of the scenario's (e.g. a `--calibration` flag). */
  calibration?: string
}

/**
 * Load a scenario: its host, workload (all VMs on that host), layout or
 * policy, and calibration (the override, else the scenario's, else the host
 * model's).
 */
export async function loadScenario(file: string, options: LoadScenarioOptions = {}): Promise<Scenario> {
  const {spec, part} = await readSpec('scenario', file)

  // Host.
  let host: HostModel
  let hostPart: Part
  if (typeof spec.host === 'string') {
    const {spec: hs, part: hp} = await readRef('host', part, ['host'], spec.host)
    hostPart = hp
    host = hp.run(() => normalizeHost(hs))
  } else {
    const inline = spec.host as HostBody
    hostPart = part.child(['host'])
    host = hostPart.run(() => normalizeHost(inline))
  }

  // Workload, checked against the host where it is written.
  let workload: Workload
  let workloadPart: Part
  if (typeof spec.workload === 'string') {
    const {spec: ws, part: wp} = await readRef('workload', part, ['workload'], spec.workload)
    workloadPart = wp
    workload = wp.run(() => normalizeWorkload(ws))
  } else {
    const inline = spec.workload as WorkloadBody
    workloadPart = part.child(['workload'])
    workload = workloadPart.run(() => normalizeWorkload(inline))
  }
  workloadPart.run(() => checkWorkloadOnHost(workload, host))

  // Layout or policy.
  if (spec.layout !== undefined && spec.policy !== undefined) {
    throw part.locate(new InputError({code: 'value', expected: expected.layoutOrPolicy, found: found.both, path: ['policy']}))
  }
  if (spec.layout === undefined && spec.policy === undefined) {
    throw part.locate(new InputError({code: 'value', expected: expected.layoutOrPolicy, found: found.neither, path: []}))
  }
  let layoutSpec: LayoutBody | undefined
  let layoutPart: Part | undefined
  if (typeof spec.layout === 'string') {
    const {spec: ls, part: lp} = await readRef('layout', part, ['layout'], spec.layout)
    layoutSpec = ls
    layoutPart = lp
  } else if (spec.layout !== undefined) {
    layoutSpec = spec.layout as LayoutBody
    layoutPart = part.child(['layout'])
  }

  // A layout pins every vCPU, as many to one CPU as it allows; a policy, one to each.
  workloadPart.run(() => checkWorkloadFits(workload, host, layoutSpec?.vcpu_overcommit ?? 1))
  const vms = instantiateVms(workload)
  let layout: Layout | undefined
  let policy: ArchitecturePolicy | undefined
  if (layoutSpec !== undefined && layoutPart !== undefined) {
    const ls = layoutSpec
    const lp = layoutPart
    layout = lp.run(() => normalizeLayout(ls, host, vms))
    // The rules a layout must keep, checked as the file is read: each problem at its line.
    const problems = checkLayout(host, vms, layout)
    if (problems.length > 0) throw new LayoutError(problems.map(p => locateProblem(lp, p)))
  } else if (spec.policy !== undefined) {
    const p = spec.policy
    policy = part.child(['policy']).run(() => normalizePolicy(p, host))
  }

  // Calibration: the scenario's, else the host model's, else `current` (as `plan` does).
  let profile: CalibrationProfile
  if (options.calibration !== undefined) {
    // A profile name that does not exist is the flag's mistake: say so.
    profile = await loadCalibration(options.calibration).catch((error: unknown) => {
      throw error instanceof InputError && error.file === undefined ? error.under(['--calibration']) : error
    })
  } else if (typeof spec.calibration === 'string') {
    profile = await calibrationRef(part, ['calibration'], spec.calibration)
  } else if (spec.calibration !== undefined) {
    const inline = spec.calibration as CalibrationBody
    profile = part.child(['calibration']).run(() => normalizeCalibration(inline))
  } else if (host.calibration !== undefined) {
    profile = await calibrationRef(hostPart, ['calibration'], host.calibration)
  } else {
    profile = await loadCalibration(DEFAULT_CALIBRATION)
  }

  const scenario: Scenario = {
    name: spec.name,
    description: spec.description ?? '',
    source: spec.source ?? '',
    host,
    workload,
    vms,
    calibration: profile.calibration,
    calibrationProfile: profile,
    file,
  }
  if (spec.expect !== undefined) scenario.expect = spec.expect as Record<string, unknown>
  if (layout !== undefined) scenario.layout = layout
  if (policy !== undefined) {
    scenario.policy = policy
    scenario.policyLine = part.doc.lineOf(['policy'], true)
  }
  return scenario
}
