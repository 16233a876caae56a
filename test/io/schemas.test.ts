/** The published schema files: generated from src/io/schemas.ts and up to date, valid, and checking what an editor should flag. */
import {readFile, readdir} from 'node:fs/promises'
import path from 'node:path'

import {Ajv, type ErrorObject} from 'ajv'
import fc from 'fast-check'
import {describe, expect, test} from 'vitest'
import {parse} from 'yaml'

import {packageRoot} from '../../src/io/load.js'
import {FILE_KINDS, type FileKind, NUMBER_FIRST, schemaDocuments, schemaFiles} from '../../src/io/schemas.js'
import {type Dimension, parseCpuQuota, parseQuantity, parseRate} from '../../src/io/units.js'

const dir = path.join(packageRoot(), 'schemas')

describe('schemas/', () => {
  test.each(Object.entries(schemaFiles()))('%s is up to date (run `npm run schemas` when this fails)', async (name, text) => {
    const current = await readFile(path.join(dir, name), 'utf8').catch(() => '(missing)')
    expect(current).toBe(text)
  })

  test('every published schema is valid draft-07 JSON Schema, free of private annotations', () => {
    const ajv = new Ajv({strict: true, allowUnionTypes: true})
    for (const [kind, doc] of Object.entries(schemaDocuments())) {
      expect(() => ajv.compile(doc), kind).not.toThrow()
      expect(JSON.stringify(doc)).not.toMatch(/"x-/)
      expect(doc.$schema).toBe('http://json-schema.org/draft-07/schema#')
    }
  })

  test('every kind has a discriminator and version 1', () => {
    for (const kind of FILE_KINDS) {
      const doc = schemaDocuments()[kind] as {properties: Record<string, {const?: unknown}>; required: string[]}
      expect(doc.properties.kind.const).toBe(kind)
      expect(doc.properties.version.const).toBe(1)
      expect(doc.required).toEqual(expect.arrayContaining(['kind', 'version']))
    }
  })

  test('defaults are documented in descriptions so editors show them', () => {
    const text = JSON.stringify(schemaDocuments())
    for (const phrase of ['Default 7.', 'Default 1500 B (net) or 4 KiB (block)', 'line rate at 64 B frames', 'Default 1 for rr, 32 for block', '10 on the diagonal, 21 elsewhere']) {
      expect(text).toContain(phrase)
    }
  })

  // What an editor checks with the published files (see `x-published` in src/io/schemas.ts).
  const published = (() => {
    const ajv = new Ajv({strict: true, allowUnionTypes: true, allErrors: true})
    const docs = schemaDocuments()
    return Object.fromEntries(FILE_KINDS.map(kind => [kind, ajv.compile(docs[kind])])) as Record<FileKind, ReturnType<Ajv['compile']>>
  })()
  const problems = (kind: FileKind, doc: unknown): string[] => {
    const check = published[kind]
    return check(doc) ? [] : (check.errors as ErrorObject[]).map(e => `${e.instancePath} ${e.keyword}${e.keyword === 'additionalProperties' ? ` ${String(e.params.additionalProperty)}` : ''}`)
  }

  test('every bundled data file passes its published schema', async () => {
    const files: string[] = []
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, {withFileTypes: true})) {
        const file = path.join(dir, entry.name)
        if (entry.isDirectory()) await walk(file)
        else if (entry.name.endsWith('.yaml')) files.push(file)
      }
    }
    await walk(path.join(packageRoot(), 'data'))
    let checked = 0
    for (const file of files) {
      const doc = parse(await readFile(file, 'utf8')) as {kind?: FileKind}
      if (doc.kind === undefined) continue
      expect(problems(doc.kind, doc), file).toEqual([])
      checked++
    }
    expect(checked).toBeGreaterThanOrEqual(25)
  })

  test('the published schemas flag quantities that are none, as an editor shows them', () => {
    const host = (nic: Record<string, unknown>, memory: unknown = '64 GiB') => ({
      kind: 'host', version: 1, name: 'h', sockets: 1, cores_per_node: 4, frequency: '2 GHz', memory_per_node: memory,
      nics: [{id: 'nic0', node: 0, line_rate: '10 Gbit/s', ...nic}],
    })
    expect(problems('host', host({}))).toEqual([])
    expect(problems('host', host({line_rate: 'fast'}))).toContain('/nics/0/line_rate pattern')
    expect(problems('host', host({line_rate: 'ten Gbit/s'}))).toContain('/nics/0/line_rate pattern')
    expect(problems('host', host({line_rate: -5}))).toContain('/nics/0/line_rate minimum')
    expect(problems('host', host({}, ['64 GiB', 'lots']))).toContain('/memory_per_node/1 pattern')

    const workload = (device: Record<string, unknown>, cgroup: Record<string, unknown> = {}) => ({
      kind: 'workload', version: 1, name: 'w',
      vm_types: [{name: 't', count: 1, vcpus: 2, memory: '4 GiB', cgroup, slo: {min_fraction: '95%'}, devices: [{id: 'eth0', kind: 'net', offered: '1 Gbit/s', ...device}]}],
    })
    expect(problems('workload', workload({}))).toEqual([])
    for (const offered of ['unbounded', ' MAX ', '1.2 Mpps', 40_000]) expect(problems('workload', workload({offered}))).toEqual([])
    expect(problems('workload', workload({offered: 'lots'}))).toContain('/vm_types/0/devices/0/offered pattern')
    expect(problems('workload', workload({size: '4 KiB', peer_rtt: 'soon'}))).toContain('/vm_types/0/devices/0/peer_rtt pattern')
    for (const cpu_max of ['200%', '2 cpus', '200000 100000', 'max', 'max 100000', 1.5]) {
      expect(problems('workload', workload({}, {cpu_max}))).toEqual([])
    }

    expect(problems('workload', workload({}, {cpu_max: 'none'}))).toContain('/vm_types/0/cgroup/cpu_max pattern')
    expect(problems('workload', workload({}, {cpu_max: 0}))).toContain('/vm_types/0/cgroup/cpu_max exclusiveMinimum')
  })

  test('every quantity the loader accepts passes the published checks', () => {
    const host = schemaDocuments().host as {properties: {frequency: {pattern: string}}}
    expect(host.properties.frequency.pattern).toBe(NUMBER_FIRST)
    const quantityPattern = new RegExp(NUMBER_FIRST)
    const units = ['', 'b/s', 'Gbit/s', 'Gbps', 'kB/s', 'GiB/s', 'Mpps', 'Kpps', 'IOPS', 'kIOPS', 'GHz', 's', 'ms', 'us', 'µs', 'ns', 'min',
      'B', 'KiB', 'GiB', 'b', '%', 'percent', 'cpus', 'packets/s', 'req/s']
    const quantityText = fc.oneof(
      fc.string(),
      fc.tuple(fc.constantFrom('', ' ', '+', '-', '.'), fc.double({min: 0, max: 1e9, noNaN: true}), fc.constantFrom('', ' ', '  '), fc.constantFrom(...units))
        .map(([lead, n, space, unit]) => `${lead}${n}${space}${unit}`),
    )
    const dimensions: Dimension[] = ['bitRate', 'byteRate', 'itemRate', 'frequency', 'time', 'size', 'fraction']
    const accepts = (parse: () => unknown) => {
      try {
        parse()
        return true
      } catch {
        return false
      }
    }
    fc.assert(fc.property(quantityText, input => {
      for (const d of dimensions) if (accepts(() => parseQuantity(input, d))) expect(quantityPattern.test(input), `${d} ${input}`).toBe(true)
      if (accepts(() => parseRate(input)) && !/^\s*(unbounded|max)\s*$/i.test(input)) expect(quantityPattern.test(input), input).toBe(true)
      if (accepts(() => parseCpuQuota(input)) && !/^\s*max(\s+\d+)?\s*$/.test(input)) expect(quantityPattern.test(input), input).toBe(true)
    }), {numRuns: 3000, seed: 11})
  })
})
