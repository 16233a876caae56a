/**
 * Every example file under data/ loads, validates against the published JSON
 * Schema of its kind, and names that schema in its editor modeline.
 *
 * Scenarios naming a calibration profile that data/calibration/ does not have
 * (yet) are loaded with our own test profile instead; everything else about
 * them is still checked.
 */
import {readFileSync} from 'node:fs'
import {readFile, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {Ajv} from 'ajv'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {parse} from 'yaml'

import {loadOverrides} from '../../src/io/overrides.js'
import {
  calibrationDir,
  listCalibrations,
  loadCalibration,
  loadCluster,
  loadHost,
  loadScenario,
  loadWorkload,
  packageRoot,
  readSpec,
} from '../../src/io/load.js'
import {FILE_KINDS, type FileKind} from '../../src/io/schemas.js'
import {cleanup, tempDir, testCalibrationYaml} from './helpers.js'

const root = packageRoot()
const dataDir = path.join(root, 'data')

async function walk(d: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(d, {withFileTypes: true})) {
    const p = path.join(d, e.name)
    if (e.isDirectory()) out.push(...(await walk(p)))
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(p)
  }
  return out.sort()
}

// data/whatif holds overrides files for `compare --overrides`: a format of its own, with no
// `kind`, checked by loading them below.
const whatifDir = path.join(dataDir, 'whatif')
const allFiles = await walk(dataDir)
const files = allFiles.filter(f => !f.startsWith(whatifDir + path.sep))
const overridesFiles = allFiles.filter(f => f.startsWith(whatifDir + path.sep))
const rel = (f: string) => path.relative(root, f)
/** The `kind:` line, read without parsing (a broken file fails its own test, not the collection). */
const kindOf = (text: string): FileKind => (/^kind:\s*"?([a-z]+)"?\s*(#.*)?$/m.exec(text)?.[1] ?? 'unknown') as FileKind
const byKind = async (kind: FileKind) => {
  const out: string[] = []
  for (const f of files) if (kindOf(await readFile(f, 'utf8')) === kind) out.push(f)
  return out
}

let scratch: string
let testProfile: string
beforeAll(async () => {
  scratch = await tempDir()
  testProfile = path.join(scratch, 'test-profile.yaml')
  await writeFile(testProfile, testCalibrationYaml())
})
afterAll(async () => {
  await cleanup(scratch)
})

test('the examples this package promises are there', () => {
  const names = files.map(rel)
  for (const f of [
    'data/hosts/sandy-bridge-8c.yaml',
    'data/hosts/epyc-2s-64c.yaml',
    'data/hosts/epyc-1s-16c-storage.yaml',
    'data/workloads/web-tier.yaml',
    'data/workloads/network-appliances.yaml',
    'data/workloads/storage.yaml',
    'data/clusters/example.yaml',
  ]) {
    expect(names).toContain(f)
  }
})

describe('hosts', async () => {
  test.each((await byKind('host')).map(rel))('%s', async (f) => {
    const host = await loadHost(path.join(root, f))
    expect(host.cpus.length).toBeGreaterThan(0)
    expect(path.basename(f, '.yaml')).toBe(host.model)
  })

  test('the named hardware', async () => {
    const sandy = await loadHost(path.join(dataDir, 'hosts', 'sandy-bridge-8c.yaml'))
    expect([sandy.sockets, sandy.cpus.length, sandy.threadsPerCore, sandy.frequencyHz]).toEqual([1, 8, 1, 2.1e9])
    expect(sandy.nics.map((n) => n.lineRateBps)).toEqual([10e9])
    expect(sandy.platform).toEqual({postedInterrupts: false, pvEoi: true, ioeventfd: true})
    const epyc = await loadHost(path.join(dataDir, 'hosts', 'epyc-2s-64c.yaml'))
    expect([epyc.sockets, epyc.nodes.length, epyc.cpus.length, epyc.threadsPerCore]).toEqual([2, 2, 128, 2])
    expect(epyc.nics.map((n) => [n.node, n.lineRateBps])).toEqual([
      [0, 100e9],
      [1, 100e9],
    ])
    expect(new Set(epyc.blockDevices.map((b) => b.node))).toEqual(new Set([0, 1]))
    expect(epyc.platform.postedInterrupts).toBe(true)
  })
})

describe('workloads', async () => {
  test.each((await byKind('workload')).map(rel))('%s', async (f) => {
    const w = await loadWorkload(path.join(root, f))
    for (const e of w.entries) {
      expect(e.type.tenant).not.toBe('default')
      expect(e.type.devices.length).toBeGreaterThan(0)
    }
  })

  test('network appliances: 1-vCPU VMs with two virtio-net devices at high packet rates of small packets', async () => {
    const w = await loadWorkload(path.join(dataDir, 'workloads', 'network-appliances.yaml'))
    for (const e of w.entries) {
      expect(e.type.vcpus).toBe(1)
      expect(e.type.devices.map((d) => d.kind)).toEqual(['net', 'net'])
      for (const d of e.type.devices) {
        expect(d.sizeBytes).toBeLessThanOrEqual(256)
        expect(d.offered).toBeGreaterThanOrEqual(500e3)
      }
    }
  })
})

describe('clusters', async () => {
  test.each((await byKind('cluster')).map(rel))('%s', async (f) => {
    const c = await loadCluster(path.join(root, f))
    expect(c.entries.length).toBeGreaterThan(0)
    for (const e of c.entries) expect(e.labels.rack).toBeDefined()
  })
})

describe('calibration profiles', async () => {
  const profiles = await byKind('calibration')
  test.skipIf(profiles.length === 0).each(profiles.map(rel))('%s', async (f) => {
    const p = await loadCalibration(path.join(root, f))
    expect(p.calibration.name).toBe(path.basename(f, '.yaml'))
  })
})

describe('scenarios', async () => {
  const available = new Set(await listCalibrations())
  test.each((await byKind('scenario')).map(rel))('%s', async (f) => {
    const file = path.join(root, f)
    const {spec} = await readSpec('scenario', file)
    let name = typeof spec.calibration === 'string' ? spec.calibration : undefined
    if (spec.calibration === undefined && typeof spec.host === 'string') {
      name = (await readSpec('host', path.join(path.dirname(file), spec.host))).spec.calibration
    }
    const missing = name !== undefined && !name.includes('/') && !available.has(name)
    const s = await loadScenario(file, missing ? {calibration: testProfile} : {})
    expect(s.vms.length).toBeGreaterThan(0)
    expect(s.layout !== undefined || s.policy !== undefined).toBe(true)
    if (missing) expect(['current', 'era-2013']).toContain(name)
  })

  test('one scenario per architecture, at least one with a layout file', async () => {
    const archs = new Set<string>()
    let layouts = 0
    for (const f of await readdir(path.join(dataDir, 'scenarios'))) {
      if (!f.endsWith('.yaml')) continue
      const {spec} = await readSpec('scenario', path.join(dataDir, 'scenarios', f))
      if (typeof spec.layout === 'string') {
        layouts++
        const {spec: l} = await readSpec('layout', path.join(dataDir, 'scenarios', spec.layout))
        for (const w of l.workers) archs.add(w.architecture)
      }
      if (spec.policy?.net !== undefined) archs.add(spec.policy.net)
      if (spec.policy?.block !== undefined) archs.add(spec.policy.block)
    }
    expect([...archs].sort()).toEqual(['blk-dataplane', 'elvis', 'qemu-userspace', 'vbus', 'vhost-blk', 'vhost-per-cpu', 'vhost-per-device', 'vhost-shared'])
    expect(layouts).toBeGreaterThanOrEqual(1)
  })
})

describe('published schemas', () => {
  const ajv = new Ajv({strict: true, allowUnionTypes: true})
  const validators = Object.fromEntries(
    FILE_KINDS.map((k) => [k, ajv.compile(JSON.parse(readFileSync(schemaPath(k), 'utf8')) as object)]),
  )

  test.each(files.map(rel))('%s validates against its schema and names it in a modeline', async (f) => {
    const text = await readFile(path.join(root, f), 'utf8')
    const kind = kindOf(text)
    expect(FILE_KINDS).toContain(kind)
    const v = validators[kind]
    expect(v(parse(text)), JSON.stringify(v.errors)).toBe(true)
    if (f.endsWith('.json')) return
    const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)
    expect(modeline, 'a "# yaml-language-server: $schema=..." line').not.toBeNull()
    const target = path.resolve(path.dirname(path.join(root, f)), modeline?.[1] ?? '')
    expect(target).toBe(schemaPath(kind))
  })

  test.each(overridesFiles.map(rel))('%s loads as an overrides file and changes something', async (f) => {
    const o = await loadOverrides(path.join(root, f))
    expect(o.name).toBe(path.basename(f).replace(/\.ya?ml$/, ''))
    expect(o.overrides.length).toBeGreaterThan(0)
  })

  test('profiles are found next to the package', () => {
    expect(calibrationDir()).toBe(path.join(root, 'data', 'calibration'))
  })
})

function schemaPath(kind: FileKind): string {
  return path.join(root, 'schemas', `${kind}.schema.json`)
}
