import {mkdir, mkdtemp, readFile, readdir, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, test} from 'vitest'

import {loadCluster, loadHost, loadWorkload} from '../../src/io/load.js'
import {root, sidecore} from './cli.js'

const temps: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-generate-'))
  temps.push(dir)
  return dir
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, {recursive: true, force: true})))
})

/** Every file under `dir` (relative paths, sorted) with its text. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const entry of await readdir(dir, {recursive: true, withFileTypes: true})) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    out[path.relative(dir, file)] = await readFile(file, 'utf8')
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)))
}

describe('sidecore generate', () => {
  test('writes a cluster, a workload and host models that load as they are, with the counts asked for', async () => {
    const out = path.join(await tempDir(), 'fleet')
    const run = await sidecore(['generate', '--hosts', '250', '--vms', '5000', '--seed', '3', '--out', out])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^Wrote .*cluster\.yaml \(250 hosts: .*\), .*workload\.yaml \(5,000 VMs of 9 types for 5 tenants: .*\) and 4 host models in .*hosts\. The VMs ask for [\d,]+ vCPUs, \d+% of the fleet's [\d,]+ CPUs\.\n$/)
    expect(Object.keys(await tree(out))).toEqual([
      'cluster.yaml',
      'hosts/compute-2s-48c.yaml',
      'hosts/compute-2s-64c.yaml',
      'hosts/edge-1s-8c.yaml',
      'hosts/storage-1s-16c.yaml',
      'workload.yaml',
    ])

    const cluster = await loadCluster(path.join(out, 'cluster.yaml'))
    expect(cluster.entries.reduce((n, e) => n + e.count, 0)).toBe(250)
    expect(new Set(cluster.entries.map((e) => e.host.model))).toEqual(new Set(['compute-2s-64c', 'compute-2s-48c', 'storage-1s-16c', 'edge-1s-8c']))
    const workload = await loadWorkload(path.join(out, 'workload.yaml'))
    expect(workload.entries.reduce((n, e) => n + e.count, 0)).toBe(5000)
    expect(new Set(workload.entries.map((e) => e.type.tenant)).size).toBe(5)
    for (const e of workload.entries) for (const d of e.type.devices) expect(Number.isFinite(d.offered) && d.offered > 0).toBe(true)
  })

  test('a fleet of one host and one VM: counted in the singular, and said to be too few VMs', async () => {
    const out = path.join(await tempDir(), 'fleet')
    const run = await sidecore(['generate', '--hosts', '1', '--vms', '1', '--out', out])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/\(1 host: 1 [\w-]+\), .*\(1 VM of 1 type for 1 tenant: /)
    expect(run.stdout).toMatch(/: too few VMs for 1 host\.\n$/)
    const cluster = await loadCluster(path.join(out, 'cluster.yaml'))
    expect(cluster.entries.reduce((n, e) => n + e.count, 0)).toBe(1)
    const workload = await loadWorkload(path.join(out, 'workload.yaml'))
    expect(workload.entries.reduce((n, e) => n + e.count, 0)).toBe(1)
  })

  test('--json gives files, hosts per model, VMs per type, vCPUs and CPUs', async () => {
    const out = path.join(await tempDir(), 'fleet')
    const run = await sidecore(['generate', '--hosts', '7', '--vms', '100', '--out', out, '--json'])
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout)
    expect(json.files.map((f: string) => path.relative(out, f)).sort()).toEqual(Object.keys(await tree(out)))
    expect(Object.values(json.hosts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(7)
    expect(Object.values(json.vms as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(100)
    expect(json.cpus).toBeGreaterThan(0)
    expect(json.vcpuShare).toBeCloseTo(json.vcpus / json.cpus, 10)
    expect(json.vcpuShare).toBeGreaterThanOrEqual(0.4)
    expect(json.vcpuShare).toBeLessThanOrEqual(0.7)
  })

  test('the same seed writes the same bytes; another seed does not', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(async () => path.join(await tempDir(), 'fleet')))
    for (const [dir, seed] of [[a, '5'], [b, '5'], [c, '6']]) {
      expect((await sidecore(['generate', '--hosts', '1000', '--vms', '20000', '--seed', seed, '--out', dir])).code).toBe(0)
    }
    const [ta, tb, tc] = await Promise.all([a, b, c].map(tree))
    expect(tb).toEqual(ta)
    expect(tc['workload.yaml']).not.toBe(ta['workload.yaml'])
    expect(tc['cluster.yaml']).not.toBe(ta['cluster.yaml'])
  })

  test('outside the package the files carry no schema modeline (no machine paths)', async () => {
    const out = path.join(await tempDir(), 'fleet')
    expect((await sidecore(['generate', '--hosts', '1', '--vms', '1', '--out', out])).code).toBe(0)
    for (const text of Object.values(await tree(out))) {
      expect(text).not.toContain('yaml-language-server')
      expect(text).not.toContain(root)
      expect(text).toMatch(/^# Generated by `sidecore generate --hosts 1 --vms 1 --seed 1`\.\n/)
    }
  })

  test('inside the package the modeline points to the bundled schema by a relative path', async () => {
    const scratch = path.join(root, '.scratch')
    await mkdir(scratch, {recursive: true})
    const out = await mkdtemp(path.join(scratch, 'generate-'))
    temps.push(out)
    // Run from elsewhere: the modeline follows the files, not the working folder.
    expect((await sidecore(['generate', '--hosts', '3', '--vms', '20', '--out', out], os.tmpdir())).code).toBe(0)
    const files = await tree(out)
    for (const [file, text] of Object.entries(files)) {
      const kind = file.startsWith('hosts/') ? 'host' : file.replace('.yaml', '')
      const m = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text)
      expect(m?.[1]).toMatch(new RegExp(`^(\\.\\./)+schemas/${kind}\\.schema\\.json$`))
      expect(path.resolve(path.dirname(path.join(out, file)), m![1])).toBe(path.join(root, 'schemas', `${kind}.schema.json`))
    }
    expect((await loadHost(path.join(out, 'hosts', 'compute-2s-64c.yaml'))).model).toBe('compute-2s-64c')
  })

  test.each([
    [['--hosts', '0', '--vms', '10'], '--hosts: expected a whole number of at least 1, found 0'],
    [['--hosts', 'abc', '--vms', '10'], '--hosts: expected a whole number of at least 1, found "abc"'],
    [['--hosts', '2.5', '--vms', '10'], '--hosts: expected a whole number of at least 1, found "2.5"'],
    [['--hosts', '10', '--vms', '-3'], '--vms: expected a whole number of at least 1, found -3'],
    [['--hosts', '10', '--vms', '10', '--seed', 'x'], '--seed: expected a whole number, found "x"'],
    [['--vms', '10'], 'Missing required flag hosts'],
  ])('%j: a clear message, exit 2, nothing written', async (args, message) => {
    const dir = await tempDir()
    const out = path.join(dir, 'fleet')
    const run = await sidecore(['generate', ...args, '--out', out])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(message)
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(run.stdout).toBe('')
    expect(await readdir(dir)).toEqual([])
  })
})
