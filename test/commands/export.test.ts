import {execFile} from 'node:child_process'
import {appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {loadHost, loadLayout, loadWorkload} from '../../src/io/load.js'
import {instantiateVms} from '../../src/io/normalize.js'
import {root, sidecore} from './cli.js'

const fixtures = path.resolve(root, '..', 'shared', 'fixtures', 'libvirt')
const schema = path.join(fixtures, 'schemas', 'domain.rng')

function xmllint(file: string): Promise<{code: number; stderr: string}> {
  return new Promise((resolve) => {
    execFile('/usr/bin/xmllint', ['--noout', '--relaxng', schema, file], (error, _stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr})
    })
  })
}

const exists = (p: string) => stat(p).then(() => true, () => false)

/** Sort a layout's VMs and workers so that two layouts compare by content. */
function canonical(layout: unknown): unknown {
  const l = JSON.parse(JSON.stringify(layout)) as {vms: {vm: string}[]; workers: {id: string; devices: string[]}[]}
  l.vms.sort((a, b) => a.vm.localeCompare(b.vm))
  l.workers.sort((a, b) => a.id.localeCompare(b.id))
  for (const w of l.workers) w.devices.sort()
  return l
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-export-cli-'))
  // A host read from libvirt's capabilities test file with `host import`. Capabilities describe
  // no NICs or disks, so the test adds one of each (and a housekeeping CPU) as a user would.
  const imported = await sidecore(['host', 'import', path.join(fixtures, 'capabilities', 'caps-qemu-kvm.xml'), '--name', 'kvm1', '--out', path.join(dir, 'kvm1.yaml')])
  expect(imported.code, imported.stderr).toBe(0)
  await appendFile(path.join(dir, 'kvm1.yaml'), [
    'nics:',
    '  - {id: nic0, node: 0, line_rate: 25 Gbit/s}',
    'block_devices:',
    '  - {id: nvme0, node: 0, max_iops: 800000 IOPS, max_bandwidth: 3.2 GB/s, latency: 80 us}',
    'housekeeping: 0',
    '',
  ].join('\n'))
  await writeFile(path.join(dir, 'cluster.yaml'), 'kind: cluster\nversion: 1\nname: one\nhosts:\n  - {host: kvm1.yaml, count: 1}\n')
  await writeFile(path.join(dir, 'workload.yaml'), [
    'kind: workload',
    'version: 1',
    'name: small',
    'vm_types:',
    '  - name: fw',
    '    count: 2',
    '    vcpus: 1',
    '    memory: 2 GiB',
    '    devices:',
    '      - {id: wan, kind: net, size: 64 B, offered: 1.2 Mpps}',
    '      - {id: lan, kind: net, size: 64 B, offered: 1.2 Mpps}',
    '  - name: db',
    '    vcpus: 2',
    '    memory: 4 GiB',
    '    devices:',
    '      - {id: disk0, kind: block, offered: 40000 IOPS}',
    '      - {id: net0, kind: net, offered: 1 Gbit/s}',
    '',
  ].join('\n'))
  const plan = await sidecore(['plan', path.join(dir, 'cluster.yaml'), path.join(dir, 'workload.yaml'), '--out', path.join(dir, 'plan'),
    '--threads', '1', '--budget', '5', '--net', 'vhost-per-device,vhost-shared', '--block', 'vhost-blk,blk-dataplane', '--json'])
  expect(plan.code, plan.stderr).toBe(0)
})

afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('round trip: import a host, plan it, export it, import the export', () => {
  test('export --format all writes every format, and the libvirt domains validate with xmllint', async () => {
    const r = await sidecore(['export', path.join(dir, 'plan', 'plan.json'), '--host', 'kvm1-0', '--workload', path.join(dir, 'workload.yaml'), '--out', path.join(dir, 'ex'), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {host: string; files: {path: string; text: string}[]}
    expect(out.host).toBe('kvm1-0')
    const names = out.files.map((f) => f.path)
    expect(names).toEqual(expect.arrayContaining([
      'kernel-cmdline.txt', 'tuned/cpu-partitioning-variables.conf', 'ovs/ovs-vsctl.sh', 'nova/nova.conf', 'kubelet/kubelet-config.yaml',
      'cgroup/machine.slice/cpuset.cpus', 'libvirt/db-0.xml', 'libvirt/fw-0.xml', 'libvirt/fw-1.xml',
    ]))
    for (const f of out.files) expect(await readFile(path.join(dir, 'ex', f.path), 'utf8')).toBe(f.text)
    for (const f of await readdir(path.join(dir, 'ex', 'libvirt'))) {
      const v = await xmllint(path.join(dir, 'ex', 'libvirt', f))
      expect(v.code, v.stderr).toBe(0)
    }
  })

  test('vm import of the exported domains gives the plan\'s layout back', async () => {
    const files = (await readdir(path.join(dir, 'ex', 'libvirt'))).map((f) => path.join(dir, 'ex', 'libvirt', f))
    const r = await sidecore(['vm', 'import', ...files, '--host', path.join(dir, 'kvm1.yaml'), '--out', path.join(dir, 'back'), '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({layout: true, files: ['workload.yaml', 'layout.yaml'], notes: []})

    const host = await loadHost(path.join(dir, 'kvm1.yaml'))
    const workload = await loadWorkload(path.join(dir, 'back', 'workload.yaml'))
    const layout = await loadLayout(path.join(dir, 'back', 'layout.yaml'), host, instantiateVms(workload))
    const plan = JSON.parse(await readFile(path.join(dir, 'plan', 'plan.json'), 'utf8')) as {hosts: {mix: number}[]; mixes: {layout: unknown}[]}
    const planned = plan.mixes[plan.hosts[0].mix].layout
    expect(canonical(layout)).toEqual(canonical(planned))
    // The VM types come back too.
    expect(workload.entries.map((e) => [e.type.name, e.count, e.type.vcpus, e.type.memoryBytes, e.type.devices.map((d) => `${d.id}:${d.kind}`)])).toEqual([
      ['db', 1, 2, 4 * 1024 ** 3, ['disk0:block', 'net0:net']],
      ['fw', 2, 1, 2 * 1024 ** 3, ['wan:net', 'lan:net']],
    ])
  })

  test('the exported settings lint clean', async () => {
    const r = await sidecore(['lint', path.join(dir, 'ex'), '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout) as {files: {kind: string}[]; skipped: string[]; problems: unknown[]}
    expect(result.problems).toEqual([])
    // Every file export wrote is one lint reads (cpuset.mems aside: lint checks CPUs).
    expect(result.skipped.every((f) => f.endsWith('cpuset.mems'))).toBe(true)
    expect(new Set(result.files.map((f) => f.kind))).toEqual(new Set(['cgroup', 'kernel-cmdline', 'kubelet', 'libvirt', 'nova', 'ovs', 'tuned']))
  })
})

describe('export', () => {
  test('one format without --out prints it; the plan folder does as well as its plan.json', async () => {
    const r = await sidecore(['export', path.join(dir, 'plan', 'plan.json'), '--format', 'kernel-cmdline'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^# Sidecore layout of host kvm1-0 \(model kvm1\)\.\nisolcpus=managed_irq,domain,\S+ nohz_full=\S+ rcu_nocbs=\S+ irqaffinity=0\n$/)
    const folder = await sidecore(['export', path.join(dir, 'plan'), '--format', 'kernel-cmdline'])
    expect(folder.code, folder.stderr).toBe(0)
    expect(folder.stdout).toBe(r.stdout)
  })

  test('the same plan exports the same files', async () => {
    const args = ['export', path.join(dir, 'plan', 'plan.json'), '--workload', path.join(dir, 'workload.yaml'), '--json']
    const [a, b] = [await sidecore(args), await sidecore(args)]
    expect(a.stdout).toBe(b.stdout)
  })

  test.each([
    [['--format', 'libvirt', '--workload', 'W'], /^Error: expected --out DIR: format libvirt writes 3 files, found no --out\n$/],
    [['--host', 'kvm9-0', '--format', 'nova'], /^Error: .*plan\.json: hosts: expected a host of the plan \("kvm1-0"\), found "kvm9-0"\n$/],
    [['--format', 'libvirt', '--out', 'x'], /^Error: expected --workload FILE: the workload the plan was made from \("small"\); the libvirt format needs its memory and devices, found no bundled workload named "small"\n$/],
  ])('bad use %#: one line, exit 2, nothing written', async (flags, message) => {
    const out = path.join(dir, 'never')
    const args = flags.map((f) => (f === 'x' ? out : f === 'W' ? path.join(dir, 'workload.yaml') : f))
    const r = await sidecore(['export', path.join(dir, 'plan', 'plan.json'), ...args])
    expect(r.stderr).toMatch(message)
    expect(r.code).toBe(2)
    expect(await exists(out)).toBe(false)
  })

  test('a plan.json that report refuses, export refuses too: file and line, exit 2, no output folder', async () => {
    const text = await readFile(path.join(dir, 'plan', 'plan.json'), 'utf8')
    const plan = JSON.parse(text) as {hosts: {mix: number}[]}
    plan.hosts[0].mix = 99
    const bad = path.join(dir, 'bad-mix.json')
    await writeFile(bad, JSON.stringify(plan, null, 2))
    const report = await sidecore(['report', bad])
    const r = await sidecore(['export', bad, '--host', 'kvm1-0', '--format', 'nova', '--out', path.join(dir, 'never3')])
    expect(report.code).toBe(2)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/bad-mix\.json:\d+: hosts\[0\]\.mix: expected the index of one of the \d+ mixes/)
    expect(r.stderr).toBe(report.stderr)
    expect(await exists(path.join(dir, 'never3'))).toBe(false)
  })

  test('a broken plan.json: file and line, exit 2, no output folder', async () => {
    const bad = path.join(dir, 'bad-plan.json')
    await writeFile(bad, '{"hosts": [\n{"id": "a"\n')
    const r = await sidecore(['export', bad, '--out', path.join(dir, 'never2'), '--json'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout).error.message).toMatch(/bad-plan\.json:3: expected valid JSON, found a syntax error/)
    expect(await exists(path.join(dir, 'never2'))).toBe(false)
  })

  test('--help shows examples', async () => {
    const r = await sidecore(['export', '--help'])
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toContain('--format all --out host-config/')
  })
})
