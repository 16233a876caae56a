/**
 * The precompiled validators (ajv's standalone code, written by scripts/write-validators.ts
 * during `npm run build`) judge every document exactly as the validators compiled at run
 * time do, and the build leaves them where the commands load them.
 */
import {execFileSync} from 'node:child_process'
import {mkdir, mkdtemp, readFile, rm} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'

import type {ValidateFunction} from 'ajv'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {parse} from 'yaml'

import {FILE_KINDS, type FileKind, SCHEMAS} from '../../src/io/schemas.js'
import {PRECOMPILED_FILE, newAjv, schemasHash} from '../../src/io/validate.js'

const root = path.join(import.meta.dirname, '..', '..')
const require = createRequire(import.meta.url)

type Precompiled = Partial<Record<FileKind, ValidateFunction>> & {schemasHash?: string}

let dir: string
let precompiled: Precompiled
beforeAll(async () => {
  // Inside the project, where the generated code finds ajv's runtime helpers.
  const cache = path.join(root, 'node_modules', '.cache')
  await mkdir(cache, {recursive: true})
  dir = await mkdtemp(path.join(cache, 'sidecore-validators-'))
  const file = path.join(dir, PRECOMPILED_FILE)
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'write-validators.ts'), file], {cwd: root})
  precompiled = require(file) as Precompiled
})
afterAll(() => rm(dir, {recursive: true, force: true}))

/** What a validator says of a document: valid or not, and each error as the error picker reads it. */
function verdict(validate: ValidateFunction, data: unknown) {
  const valid = validate(data)
  return {valid, errors: (validate.errors ?? []).map(e => ({
    // The schema node as JSON: TypeBox's own symbol keys are not part of it.
    keyword: e.keyword, instancePath: e.instancePath, schemaPath: e.schemaPath, params: e.params,
    parentSchema: JSON.parse(JSON.stringify(e.parentSchema)) as unknown,
  }))}
}

// Documents of every kind, good and broken in the usual ways.
const documents: [FileKind, string, string][] = [
  ['host', 'data/hosts/epyc-2s-64c.yaml', ''],
  ['host', 'data/hosts/epyc-2s-64c.yaml', 'frequency: 2.6 GHz\nfrequency_typo: 1\n'],
  ['host', 'data/hosts/sandy-bridge-8c.yaml', 'sockets: two\n'],
  ['workload', 'data/workloads/datacenter.yaml', ''],
  ['workload', 'data/workloads/network-appliances.yaml', 'vm_types: [{name: x, vcpus: 0}]\n'],
  ['cluster', 'data/clusters/example.yaml', ''],
  ['cluster', 'data/clusters/example.yaml', 'hosts: [{count: 3}]\n'],
  ['calibration', 'data/calibration/current.yaml', ''],
  ['calibration', 'data/calibration/era-2013.yaml', 'exit_kernel_cycles: 5\n'],
  ['scenario', 'data/scenarios/elvis.yaml', ''],
  ['scenario', 'data/scenarios/elvis.yaml', 'policy: {net: elvs, notification: pol}\n'],
]

describe('precompiled validators', () => {
  test('carry the fingerprint of the schemas they were built from', () => {
    expect(precompiled.schemasHash).toBe(schemasHash())
    for (const kind of FILE_KINDS) expect(typeof precompiled[kind]).toBe('function')
  })

  test.each(documents)('%s %s with %j: the same verdict and errors as compiling at run time', async (kind, file, patch) => {
    const data = {...parse(await readFile(path.join(root, file), 'utf8')), ...(patch ? parse(patch) : {})}
    const compiled = newAjv().compile(SCHEMAS[kind])
    const a = verdict(precompiled[kind]!, data)
    expect(a).toEqual(verdict(compiled, data))
    expect(a.valid).toBe(patch === '')
  })

  test('the build writes them next to the validating module, from the current schemas', () => {
    const built = require(path.join(root, 'dist', 'io', PRECOMPILED_FILE)) as Precompiled
    expect(built.schemasHash).toBe(schemasHash())
  })
})
