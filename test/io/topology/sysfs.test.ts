import {execFileSync} from 'node:child_process'
import {readFileSync, readdirSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {loadHost} from '../../../src/io/load.js'
import {probeHost, readingToHost, renderHostYaml, type TopologyReading} from '../../../src/io/topology/index.js'
import {parseCpuList, parseCpuMask} from '../../../src/io/topology/reading.js'
import {parseConsole} from './hwloc-console.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const fixtures = path.resolve(root, '..', 'shared', 'fixtures', 'hwloc-sysfs')
const cases = readdirSync(fixtures)
  .filter((f) => f.endsWith('.tar.bz2'))
  .map((f) => f.replace(/\.tar\.bz2$/, ''))
  .sort()

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'sidecore-sysfs-'))
})
afterAll(async () => {
  await rm(tmp, {recursive: true, force: true})
})

/** Unpack one fixture into its own folder; its single top folder is the root. */
let unpacked = 0
function unpack(name: string): string {
  const dir = path.join(tmp, `${name}-${unpacked++}`)
  execFileSync('mkdir', ['-p', dir])
  execFileSync('tar', ['xjf', path.join(fixtures, `${name}.tar.bz2`), '-C', dir])
  const top = readdirSync(dir)
  expect(top).toHaveLength(1)
  return path.join(dir, top[0])
}

const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b)

describe('sysfs fixtures agree with hwloc', () => {
  test('there are fixtures to read', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6)
  })

  describe.each(cases)('%s', (name) => {
    let reading: TopologyReading
    const expected = parseConsole(readFileSync(path.join(fixtures, `${name}.console`), 'utf8'))

    beforeAll(async () => {
      reading = await probeHost(unpack(name))
    })

    const allowed = () => sorted(reading.allowed ?? reading.cpus.map((c) => c.id))
    const allowedNodes = () => sorted(reading.allowedNodes ?? reading.nodes.map((n) => n.id))

    test('PUs: the allowed online CPUs', () => {
      expect(allowed()).toEqual(expected.pus)
    })

    test('packages and their PUs', () => {
      const mine = new Set(reading.cpus.filter((c) => allowed().includes(c.id)).map((c) => c.package))
      // hwloc also keeps a package whose CPUs are all disallowed when one of its NUMA nodes is allowed.
      for (const n of allowedNodes()) {
        const pkgs = new Set(reading.cpus.filter((c) => c.node === n).map((c) => c.package))
        if (pkgs.size === 1) mine.add([...pkgs][0])
      }
      expect(sorted(mine as Set<number>)).toEqual(sorted(expected.packages.map((p) => p.os)))
      for (const p of expected.packages) {
        expect(reading.cpus.filter((c) => c.package === p.os && allowed().includes(c.id)).map((c) => c.id)).toEqual(p.pus)
      }
    })

    test('NUMA nodes, their memory and their CPUs', () => {
      expect(allowedNodes()).toEqual(sorted(expected.nodes.map((n) => n.os)))
      for (const n of expected.nodes) {
        const mine = reading.nodes.find((x) => x.id === n.os)
        expect(mine).toBeDefined()
        // lstopo rounds to whole units of the unit it prints.
        expect(Math.abs((mine?.memoryBytes ?? 0) - n.localBytes)).toBeLessThan(n.unitBytes)
        expect(mine?.cpus.filter((c) => allowed().includes(c))).toEqual(n.parentPus)
      }
    })

    test('NUMA distances', () => {
      if (expected.distances === undefined) return
      const ids = reading.nodes.map((n) => n.id)
      for (const [a, row] of expected.distances) {
        for (const [b, d] of row) expect(reading.distances?.[ids.indexOf(a)][ids.indexOf(b)]).toBe(d)
      }
    })

    test('cores and SMT siblings, as the host model numbers them', () => {
      const {spec} = readingToHost(reading)
      const cores = new Map<number, number[]>()
      for (const c of spec.cpus ?? []) if (allowed().includes(c.id)) cores.set(c.core, [...(cores.get(c.core) ?? []), c.id])
      const norm = (groups: number[][]) => groups.map((g) => sorted(g).join(',')).sort()
      expect(norm([...cores.values()])).toEqual(norm(expected.cores))
      // Thread 0 is the first sibling of its core.
      for (const c of spec.cpus ?? []) expect(c.thread).toBe(sorted((spec.cpus ?? []).filter((x) => x.core === c.core).map((x) => x.id)).indexOf(c.id))
    })

    test('network controllers sit on the node hwloc puts them on', () => {
      expect(sorted(reading.nics.map((n) => n.pci as string).map((p) => parseInt(p.replace(/\W/g, ''), 16)))).toEqual(
        sorted(expected.networks.map((n) => parseInt(n.busid.replace(/\W/g, ''), 16))),
      )
      for (const n of expected.networks) expect(reading.nics.find((x) => x.pci === n.busid)?.node).toBe(n.node)
    })

    test('the host file loads, and CPUs outside the cpuset are never given out', async () => {
      const conv = readingToHost(reading, {name: name})
      const file = path.join(tmp, `${name}.yaml`)
      await writeFile(file, renderHostYaml(conv))
      const host = await loadHost(file)
      expect(host.cpus.map((c) => c.id)).toEqual(reading.cpus.map((c) => c.id))
      const outside = reading.cpus.map((c) => c.id).filter((c) => !allowed().includes(c))
      expect(sorted(host.housekeeping)).toEqual(outside)
      expect(host.frequencyHz).toBeGreaterThan(0)
      expect(host.nodes.every((n) => n.memoryBytes > 0)).toBe(true)
    })
  })
})

describe('the cgroup fixture', () => {
  test('reads the v1 cpuset (noprefix) after a cgroup2 mount without the cpuset controller', async () => {
    const r = await probeHost(unpack('16amd64-4n4c-cgroup-distance-merge'))
    expect(r.cgroup).toEqual({version: 1, mount: '/dev/cpuset', path: '/prout'})
    expect(r.allowed).toEqual([0, 1, 2, 3])
    expect(r.allowedNodes).toEqual([2, 3])
    const conv = readingToHost(r)
    expect(conv.spec.allowed_cpus).toBe('0-3')
    expect(conv.warnings.join('\n')).toContain('CPUs 4-15 are offline or outside this cgroup')
  })

  test('the 32-thread machine: offline CPUs beyond present ones are not invented, a NIC without speed is a warning and a comment', async () => {
    const r = await probeHost(unpack('32intel64-2p8co2t+8ve'))
    expect(r.offline).toEqual([])
    expect(r.frequency).toEqual({hz: 1.8e9, from: 'model name'})
    const eth = r.nics.filter((n) => n.interfaces.length > 0)
    expect(eth.map((n) => n.interfaces.map((i) => i.name))).toEqual([['enp96s0f0'], ['enp96s0f1']])
    expect(eth[0].interfaces[0].speedBps).toBe(1e9)
    expect(eth[0].pcieBytesPerS).toBeCloseTo(250e6, 0)
    const conv = readingToHost(r)
    expect(conv.spec.nics?.map((n) => [n.id, n.node, n.line_rate])).toEqual([
      ['enp96s0f0', 0, '1 Gbit/s'],
      ['enp96s0f1', 0, '10 Gbit/s'],
    ])
    expect(conv.warnings.some((w) => w.startsWith('NIC enp96s0f1: the link speed is not stated'))).toBe(true)
    const text = renderHostYaml(conv)
    expect(text).toMatch(/line_rate: 10 Gbit\/s # default: link speed not stated/)
    expect(text).toContain('# WARNING: NIC enp96s0f1')
  })
})

describe('trees changed from a fixture', () => {
  test('cgroup v2: the cpuset controller of the unified hierarchy, effective CPUs and memory nodes', async () => {
    const tree = unpack('16amd64-8n2c')
    await mkdir(path.join(tree, 'sys/fs/cgroup/machine.slice/vm1.scope'), {recursive: true})
    await mkdir(path.join(tree, 'proc/self'), {recursive: true})
    await writeFile(path.join(tree, 'proc/mounts'), 'sysfs /sys sysfs rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n')
    await writeFile(path.join(tree, 'proc/self/cgroup'), '0::/machine.slice/vm1.scope\n')
    await writeFile(path.join(tree, 'sys/fs/cgroup/cgroup.controllers'), 'cpuset cpu io memory pids\n')
    await writeFile(path.join(tree, 'sys/fs/cgroup/machine.slice/vm1.scope/cpuset.cpus.effective'), '2-5\n')
    await writeFile(path.join(tree, 'sys/fs/cgroup/machine.slice/vm1.scope/cpuset.mems.effective'), '1-2\n')
    const r = await probeHost(tree)
    expect(r.cgroup).toEqual({version: 2, mount: '/sys/fs/cgroup', path: '/machine.slice/vm1.scope'})
    expect(r.allowed).toEqual([2, 3, 4, 5])
    expect(r.allowedNodes).toEqual([1, 2])
    const file = path.join(tmp, 'v2.yaml')
    await writeFile(file, renderHostYaml(readingToHost(r, {name: 'v2'})))
    expect(sorted((await loadHost(file)).housekeeping)).toEqual([0, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
  })

  test('an offline CPU: listed as offline, left out of the CPUs, never given out', async () => {
    const tree = unpack('16amd64-8n2c')
    await writeFile(path.join(tree, 'sys/devices/system/cpu/online'), '0-4,6-15\n')
    await writeFile(path.join(tree, 'sys/devices/system/cpu/cpu5/online'), '0\n')
    const r = await probeHost(tree)
    expect(r.offline).toEqual([5])
    expect(r.cpus.map((c) => c.id)).not.toContain(5)
    expect(r.nodes.find((n) => n.id === 2)?.cpus).toEqual([4])
    const conv = readingToHost(r, {name: 'off'})
    expect(conv.spec.offline_cpus).toBe('5')
    expect(conv.warnings.join()).toContain('CPUs 5 are offline')
    const file = path.join(tmp, 'off.yaml')
    await writeFile(file, renderHostYaml(conv))
    expect((await loadHost(file)).cpus).toHaveLength(15)
  })

  test('malformed sysfs text: the file, what was expected, what was found', async () => {
    const tree = unpack('16amd64-8n2c')
    await writeFile(path.join(tree, 'sys/devices/system/cpu/cpu3/topology/core_id'), 'three\n')
    await expect(probeHost(tree, 'saved')).rejects.toThrow('saved/sys/devices/system/cpu/cpu3/topology/core_id:1: expected an integer (-1 for "not stated"), found "three"')
  })
})

describe('this machine', () => {
  test('probing / agrees with node:os and /sys', async () => {
    const r = await probeHost('/')
    const online = parseCpuList(await readFile('/sys/devices/system/cpu/online', 'utf8')) as number[]
    expect(r.cpus.map((c) => c.id)).toEqual(online)
    expect(r.cpus).toHaveLength(os.cpus().length)
    const allowed = r.allowed ?? online
    expect(allowed.length).toBeGreaterThanOrEqual(Math.min(os.availableParallelism(), online.length))
    const nodes = readdirSync('/sys/devices/system/node').filter((e) => /^node\d+$/.test(e))
    expect(r.nodes).toHaveLength(Math.max(1, nodes.length))
    const mem = r.nodes.reduce((s, n) => s + (n.memoryBytes ?? 0), 0)
    // Node MemTotal sums to at most the kernel's MemTotal (os.totalmem()); equal on bare metal, less where a
    // sandbox shows a different /proc/meminfo than /sys (as some container runtimes do).
    expect(mem).toBeGreaterThan(0)
    expect(mem).toBeLessThanOrEqual(os.totalmem() * 1.01)
    const conv = readingToHost(r, {name: 'this-machine'})
    const file = path.join(tmp, 'this-machine.yaml')
    await writeFile(file, renderHostYaml(conv))
    const host = await loadHost(file)
    expect(host.cpus).toHaveLength(online.length)
  })
})

describe('CPU lists and masks', () => {
  test.each([
    ['0-3,8-11', [0, 1, 2, 3, 8, 9, 10, 11]],
    ['5', [5]],
    ['', []],
    ['3-1', null],
    ['a', null],
  ])('list %j', (text, want) => {
    expect(parseCpuList(text)).toEqual(want)
  })
  test.each([
    ['00000000,00ff00ff', [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]],
    ['1,00000001', [0, 32]],
    ['0000,00000000,00000000,00010001', [0, 16]],
    ['zz', null],
  ])('mask %j', (text, want) => {
    expect(parseCpuMask(text)).toEqual(want)
  })
})
