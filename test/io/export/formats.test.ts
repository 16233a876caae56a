import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {type ExportFormat, cpuMask, cpuSets, exportFiles} from '../../../src/io/export/formats.js'
import {type PlanHost, type VmTypes, parsePlanHost} from '../../../src/io/export/plan.js'
import {parseDomain} from '../../../src/io/libvirt/domain.js'
import {importDomains} from '../../../src/io/libvirt/import.js'
import {emptyFacts, parseHostConfig} from '../../../src/io/hostconfig/parse.js'
import {lintHost} from '../../../src/io/hostconfig/lint.js'
import {InputError} from '../../../src/io/errors.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const schema = path.resolve(root, '..', 'shared', 'fixtures', 'libvirt', 'schemas', 'domain.rng')

/**
 * A host with every kind of worker: web VMs whose vhost-net threads float on
 * their own CPUs, a database whose disk has a dataplane iothread pinned to an
 * I/O core and whose NIC uses QEMU's userspace backend, and two appliances
 * whose NICs share one polling worker on another I/O core.
 */
const host: PlanHost = {
  id: 'lab-0',
  model: 'lab',
  roles: {housekeeping: [0, 8], vm: [1, 2, 3, 4, 5, 9, 10], io: [6, 7], idle: [11, 12, 13, 14, 15]},
  vms: [
    {vm: 'web-0', type: 'web', node: 0, pins: [1, 2]},
    {vm: 'web-1', type: 'web', node: 0, pins: [4, 3]},
    {vm: 'db-0', type: 'db', node: 0, pins: [5, 9]},
    {vm: 'vnf-0', type: 'vnf', node: 0, pins: [10]},
  ],
  workers: [
    {id: 'v0', architecture: 'vhost-per-device', cpus: [1, 2], floating: true, notification: 'kick', devices: ['web-0/net0']},
    {id: 'v1', architecture: 'vhost-per-device', cpus: [3, 4], floating: true, notification: 'kick', devices: ['web-1/net0']},
    {id: 'q0', architecture: 'qemu-userspace', cpus: [5, 9], floating: true, notification: 'kick', devices: ['db-0/net0']},
    {id: 'd0', architecture: 'blk-dataplane', cpus: [6], floating: false, notification: 'spin(20 us)', devices: ['db-0/disk0']},
    {id: 's0', architecture: 'vhost-shared', cpus: [7], floating: false, notification: 'poll', devices: ['vnf-0/wan', 'vnf-0/lan', 'db-0/net1']},
  ],
  interrupt: 'posted',
  sharing: 'any',
  vcpuOvercommit: 1,
}

const types: VmTypes = new Map([
  ['web', {name: 'web', memoryBytes: 4 * 1024 ** 3, tenant: 'shop', devices: [{id: 'net0', kind: 'net' as const}]}],
  ['db', {name: 'db', memoryBytes: 16 * 1024 ** 3, tenant: 'shop', devices: [{id: 'disk0', kind: 'block' as const}, {id: 'net0', kind: 'net' as const}, {id: 'net1', kind: 'net' as const}]}],
  ['vnf', {name: 'vnf', memoryBytes: 2 * 1024 ** 3, tenant: 'telco', devices: [{id: 'wan', kind: 'net' as const}, {id: 'lan', kind: 'net' as const}]}],
])

function xmllint(file: string): Promise<{code: number; stderr: string}> {
  return new Promise((resolve) => {
    execFile('/usr/bin/xmllint', ['--noout', '--relaxng', schema, file], (error, _stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr})
    })
  })
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-export-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('libvirt domains', () => {
  const files = exportFiles(host, 'libvirt', types)

  test('one domain per VM', () => {
    expect(Object.keys(files).sort()).toEqual(['libvirt/db-0.xml', 'libvirt/vnf-0.xml', 'libvirt/web-0.xml', 'libvirt/web-1.xml'])
  })

  test.each(['web-0', 'web-1', 'db-0', 'vnf-0'])('%s validates against libvirt\'s RelaxNG schema (xmllint)', async (vm) => {
    const file = path.join(dir, `${vm}.xml`)
    await writeFile(file, files[`libvirt/${vm}.xml`])
    const r = await xmllint(file)
    expect(r.stderr).toContain('validates')
    expect(r.code).toBe(0)
  })

  test('xmllint is not a rubber stamp: a domain without <name> fails it', async () => {
    const file = path.join(dir, 'broken.xml')
    await writeFile(file, files['libvirt/web-0.xml'].replace(/\s*<name>web-0<\/name>/, ''))
    expect((await xmllint(file)).code).not.toBe(0)
  })

  test('the database: pins in vCPU order, iothread on its I/O core, QEMU userspace NIC, memory on its node', () => {
    const d = parseDomain(files['libvirt/db-0.xml'], 'db-0.xml')
    expect(d.vcpuPins).toEqual([[5], [9]])
    expect(d.memoryBytes).toBe(16 * 1024 ** 3)
    expect(d.memoryNodes).toEqual([0])
    expect(d.iothreadIds).toEqual([1])
    expect(d.iothreadPins.get(1)).toEqual([6])
    expect(d.disks).toEqual([expect.objectContaining({ids: ['disk0'], iothreads: [1]})])
    expect(d.nets.map((n) => [n.ids[0], n.backend])).toEqual([['net0', 'qemu'], ['net1', 'vhost']])
    expect(d.emulatorPin).toEqual([5, 9])
    expect(d.warnings).toEqual([])
  })

  test('web-1 keeps its vCPU order (4 then 3)', () => {
    expect(parseDomain(files['libvirt/web-1.xml'], 'web-1.xml').vcpuPins).toEqual([[4], [3]])
  })

  test('import of the export is the same layout', () => {
    const domains = Object.entries(files).map(([name, text]) => parseDomain(text, name))
    const r = importDomains(domains, {name: 'back'})
    expect(r.notes).toEqual([])
    const layout = r.layout
    expect(layout?.host).toBe('lab')
    expect(layout?.roles).toEqual({vm: '1-5,9-10', io: '6-7'})
    expect(layout?.interrupt).toBe('posted')
    expect(layout?.sharing).toBe('any')
    const vms = [...(layout?.vms ?? [])].sort((a, b) => a.vm.localeCompare(b.vm))
    expect(vms).toEqual([
      {vm: 'db-0', node: 0, vcpu_pins: '5,9'},
      {vm: 'vnf-0', node: 0, vcpu_pins: '10'},
      {vm: 'web-0', node: 0, vcpu_pins: '1-2'},
      {vm: 'web-1', node: 0, vcpu_pins: '4,3'},
    ])
    const workers = [...(layout?.workers ?? [])].sort((a, b) => String(a.id).localeCompare(String(b.id)))
    const want = [...host.workers].sort((a, b) => a.id.localeCompare(b.id))
    expect(workers.map((w) => w.id)).toEqual(want.map((w) => w.id))
    workers.forEach((w, i) => {
      expect(w.architecture).toBe(want[i].architecture)
      expect(w.floating).toBe(want[i].floating)
      expect(w.notification).toBe(want[i].notification)
      expect([...w.devices].sort()).toEqual([...want[i].devices].sort())
    })
    expect(r.workload.vm_types.map((t) => [t.name, t.count, t.vcpus, t.memory])).toEqual([
      ['db', 1, 2, '16 GiB'],
      ['vnf', 1, 1, '2 GiB'],
      ['web', 2, 2, '4 GiB'],
    ])
  })

  test('without Sidecore metadata the pinning still comes back from <cputune> and <numatune>', () => {
    const plain = Object.entries(files).map(([name, text]) => parseDomain(text.replace(/\s*<metadata>[\s\S]*<\/metadata>/, ''), name))
    const r = importDomains(plain, {name: 'plain'})
    const vms = Object.fromEntries((r.layout?.vms ?? []).map((v) => [v.vm, v.vcpu_pins]))
    expect(vms).toEqual({'db-0': '5,9', 'vnf-0': '10', 'web-0': '1-2', 'web-1': '4,3'})
    // The dataplane iothread pinned alone to CPU 6 is an I/O core; vhost-net threads float on the emulator CPUs.
    const d0 = r.layout?.workers.find((w) => w.devices.includes('db-0/disk0'))
    expect(d0).toMatchObject({architecture: 'blk-dataplane', cpus: '6', floating: false})
    expect(r.layout?.workers.find((w) => w.devices.includes('web-0/net0'))).toMatchObject({architecture: 'vhost-per-device', cpus: '1-2', floating: true})
  })
})

describe('host settings', () => {
  const text = (format: ExportFormat) => Object.values(exportFiles(host, format, types)).join('')

  test('kernel command line: the VM and I/O CPUs isolated, interrupts on housekeeping', () => {
    expect(text('kernel-cmdline')).toContain('isolcpus=managed_irq,domain,1-7,9-10 nohz_full=1-7,9-10 rcu_nocbs=1-7,9-10 irqaffinity=0,8\n')
  })

  test('tuned cpu-partitioning', () => {
    expect(text('tuned')).toMatch(/\nisolated_cores=1-7,9-10\nno_balance_cores=6-7\n$/)
  })

  test('Nova and kubelet', () => {
    expect(text('nova')).toContain('[compute]\ncpu_dedicated_set = 1-5,9-10\ncpu_shared_set = 0,8\n')
    expect(text('kubelet')).toContain('cpuManagerPolicy: static\nreservedSystemCPUs: "0,6-8"\n')
  })

  test('OVS: PMD mask of the I/O cores (bits 6 and 7 = 0xc0), net devices of pinned workers pinned to their core', () => {
    const ovs = text('ovs')
    expect(ovs).toContain('other_config:pmd-cpu-mask=0xc0\n')
    expect(ovs).toContain('ovs-vsctl set Interface vhu-vnf-0-wan other_config:pmd-rxq-affinity="0:7"\n')
    expect(ovs).toContain('ovs-vsctl set Interface vhu-db-0-net1 other_config:pmd-rxq-affinity="0:7"\n')
    // the dataplane disk is no OVS port; floating net workers are left to OVS
    expect(ovs).not.toContain('disk0')
    expect(ovs).toContain('# web-0/net0 is served by floating worker v0: no rxq pinning.')
  })

  test('cgroups: VM scopes with their vCPUs and floating workers, memory on the node; I/O slice and worker scopes', () => {
    const files = exportFiles(host, 'cgroup', types)
    expect(files['cgroup/machine.slice/machine-web-1.scope/cpuset.cpus']).toBe('3-4\n')
    expect(files['cgroup/machine.slice/machine-web-1.scope/cpuset.mems']).toBe('0\n')
    expect(files['cgroup/machine.slice/cpuset.cpus']).toBe('1-5,9-10\n')
    expect(files['cgroup/sidecore-io.slice/cpuset.cpus']).toBe('6-7\n')
    expect(files['cgroup/sidecore-io.slice/d0.scope/cpuset.cpus']).toBe('6\n')
    expect(files['cgroup/system.slice/cpuset.cpus']).toBe('0,8\n')
  })

  test('every format of the export lints clean', () => {
    const facts = emptyFacts()
    for (const format of ['kernel-cmdline', 'tuned', 'ovs', 'nova', 'kubelet', 'libvirt'] as const) {
      for (const [name, t] of Object.entries(exportFiles(host, format, types))) parseHostConfig(format, name, t, facts)
    }
    for (const [name, t] of Object.entries(exportFiles(host, 'cgroup', types))) {
      if (name.endsWith('cpuset.cpus')) parseHostConfig('cgroup', name, t, facts, path.dirname(name.slice('cgroup/'.length)))
    }
    expect(lintHost(facts)).toEqual([])
  })

  test('a host with no CPU left for housekeeping isolates nothing, and says why', () => {
    const busy: PlanHost = {...host, roles: {vm: [0, 1], io: [], housekeeping: [], idle: []}, vms: [{vm: 'web-0', type: 'web', node: 0, pins: [0, 1]}], workers: []}
    expect(cpuSets(busy).isolated).toEqual([])
    expect(Object.values(exportFiles(busy, 'kernel-cmdline'))[0]).toContain('no CPU is left for the kernel\'s housekeeping')
    expect(Object.values(exportFiles(busy, 'ovs'))[0]).not.toContain('pmd-cpu-mask')
  })
})

describe('round trips of CPU lists through the exported text', () => {
  const cpuList = fc.uniqueArray(fc.integer({min: 0, max: 255}), {minLength: 1, maxLength: 40}).map((a) => a.sort((x, y) => x - y))

  test('pmd-cpu-mask: the hex mask reads back as the same CPUs', () => {
    fc.assert(fc.property(cpuList, (io) => {
      const facts = emptyFacts()
      parseHostConfig('ovs', 'ovs.sh', `ovs-vsctl set Open_vSwitch . other_config:pmd-cpu-mask=${cpuMask(io)}\n`, facts)
      expect(facts.pmdMask?.cpus).toEqual(io)
    }))
  })

  test('isolcpus reads back as the VM and I/O CPUs', () => {
    fc.assert(fc.property(cpuList, (cpus) => {
      const h: PlanHost = {...host, roles: {vm: cpus, io: [], housekeeping: [256], idle: []}, vms: [], workers: []}
      const facts = emptyFacts()
      parseHostConfig('kernel-cmdline', 'cmdline', Object.values(exportFiles(h, 'kernel-cmdline'))[0], facts)
      expect(facts.isolcpus?.cpus).toEqual(cpus)
      expect(facts.irqaffinity?.cpus).toEqual([256])
    }))
  })
})

describe('plan.json', () => {
  const plan = JSON.stringify({workload: 'w', hosts: [{id: 'a-0', model: 'a', cpus: {vm: '1-2', housekeeping: '0'}, vms: [{vm: 'x-0', node: 0, cpus: '2,1'}], workers: []}], vms: [{id: 'x-0', type: 'x', host: 'a-0'}]})

  test('the only host is picked without --host; pins keep their order', () => {
    const p = parsePlanHost(plan, 'plan.json', undefined)
    expect(p.host.vms).toEqual([{vm: 'x-0', type: 'x', node: 0, pins: [2, 1]}])
    expect(p.host.roles).toEqual({vm: [1, 2], io: [], housekeeping: [0], idle: []})
  })

  test.each([
    ['{"hosts": [', undefined, /^plan\.json:1: expected valid JSON, found a syntax error/],
    [plan, 'b-0', /^plan\.json: hosts: expected a host of the plan \("a-0"\), found "b-0"$/],
    [plan.replace('"2,1"', '"two"'), 'a-0', /^plan\.json:1: hosts\[0\]\.vms\[0\]\.cpus: expected a CPU list like "0-3,8", found "two"$/],
    [plan.replace('"workers":[]', '"workers":[{"id":"w","architecture":"warp","cpus":"1","devices":[]}]'), 'a-0', /hosts\[0\]\.workers\[0\]\.architecture: expected one of "qemu-userspace"/],
  ])('bad plan %#', (text, id, message) => {
    let error: unknown
    try {
      parsePlanHost(text, 'plan.json', id)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toMatch(message)
  })
})
