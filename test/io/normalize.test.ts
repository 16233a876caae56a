/** normalize(): pure, no files. Specs in, model types out. */
import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {formatCpuset, parseCpuset} from '../../src/io/cpuset.js'
import {parseDocumentText} from '../../src/io/load.js'
import {
  instantiateVms,
  lineRatePps64,
  normalizeCalibration,
  normalizeHost,
  normalizeNotification,
  normalizeWorkload,
} from '../../src/io/normalize.js'
import {CALIBRATION_FIELDS, type HostBody, type NotificationSpec} from '../../src/io/schemas.js'
import {validateSpec} from '../../src/io/validate.js'
import type {Notification} from '../../src/model/types.js'
import {SMALL_HOST, SMALL_WORKLOAD, testCalibrationYaml} from './helpers.js'

const yaml = <K extends 'host' | 'workload' | 'calibration'>(kind: K, text: string) => validateSpec(kind, parseDocumentText(text, 'x.yaml').data)

describe('host topology', () => {
  test('compact form numbers CPUs like Linux: first threads node by node, then the siblings', () => {
    const host = normalizeHost(yaml('host', SMALL_HOST))
    expect(host.cpus.map((c) => [c.id, c.node, c.core, c.thread])).toEqual([
      [0, 0, 0, 0],
      [1, 0, 1, 0],
      [2, 1, 2, 0],
      [3, 1, 3, 0],
      [4, 0, 0, 1],
      [5, 0, 1, 1],
      [6, 1, 2, 1],
      [7, 1, 3, 1],
    ])
    expect(host.nodes.map((n) => n.cpus)).toEqual([
      [0, 1, 4, 5],
      [2, 3, 6, 7],
    ])
    expect(host.threadsPerCore).toBe(2)
    expect(host.distances).toEqual([
      [10, 21],
      [21, 10],
    ])
    expect(host.frequencyHz).toBe(2e9)
    expect(host.nodes[0].memoryBytes).toBe(8 * 2 ** 30)
    expect(host.housekeeping).toEqual([0])
    expect(host.platform).toEqual({postedInterrupts: false, pvEoi: true, ioeventfd: true})
    expect(host.nics[0].maxPps).toBeCloseTo(14.88e6, -4)
    expect(host.blockDevices[0]).toEqual({id: 'disk0', node: 1, maxIops: 100e3, maxBandwidthBytes: 1e9, serviceLatencyS: 100e-6})
  })

  test('explicit form keeps the ids given, sorted, and derives sockets and threads per core', () => {
    const spec: HostBody = {
      name: 'x',
      sockets: 2,
      frequency: '3 GHz',
      memory_per_node: ['16 GiB', '32 GiB'],
      cpus: [
        {id: 3, node: 1, core: 1, thread: 0},
        {id: 0, node: 0, core: 0, thread: 0},
        {id: 1, node: 0, core: 0, thread: 1},
        {id: 2, node: 1, core: 1, thread: 1},
      ],
    }
    const host = normalizeHost(spec)
    expect(host.cpus.map((c) => [c.id, c.socket])).toEqual([
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
    ])
    expect(host.nodes.map((n) => [n.socket, n.memoryBytes, n.cpus])).toEqual([
      [0, 16 * 2 ** 30, [0, 1]],
      [1, 32 * 2 ** 30, [2, 3]],
    ])
    expect(host.threadsPerCore).toBe(2)
  })

  test('a NIC packet rate defaults to line rate at 64 B frames', () => {
    expect(lineRatePps64(10e9)).toBeCloseTo(14_880_952.38, 1)
    expect(lineRatePps64(100e9)).toBeCloseTo(148_809_523.8, 0)
  })

  test('property: every compact topology numbers each CPU once, siblings on one core and node', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 4}), fc.integer({min: 1, max: 4}), fc.integer({min: 1, max: 16}), fc.integer({min: 1, max: 4}), (sockets, nps, cpn, tpc) => {
        const host = normalizeHost({name: 'p', sockets, nodes_per_socket: nps, cores_per_node: cpn, threads_per_core: tpc, frequency: 1e9, memory_per_node: 1})
        const total = sockets * nps * cpn * tpc
        expect(host.cpus.length).toBe(total)
        expect(new Set(host.cpus.map((c) => c.id)).size).toBe(total)
        expect(Math.max(...host.cpus.map((c) => c.id))).toBe(total - 1)
        const cores = sockets * nps * cpn
        for (const c of host.cpus) {
          expect(c.id % cores).toBe(c.core)
          expect(Math.floor(c.id / cores)).toBe(c.thread)
          expect(c.socket).toBe(Math.floor(c.node / nps))
        }
        expect(host.nodes.every((n) => n.cpus.length === cpn * tpc)).toBe(true)
      }),
    )
  })
})

describe('workload', () => {
  test('defaults: tenant, cgroup path, pattern, direction, size, offered, queue depth, SLO', () => {
    const w = normalizeWorkload({
      name: 'w',
      vm_types: [
        {
          name: 'a',
          vcpus: 1,
          memory: '1 GiB',
          devices: [
            {id: 'n', kind: 'net'},
            {id: 'b', kind: 'block'},
            {id: 'r', kind: 'net', pattern: 'rr'},
            {id: 'br', kind: 'block', pattern: 'rr'},
          ],
        },
      ],
    })
    const t = w.entries[0].type
    expect(w.entries[0].count).toBe(1)
    expect(t.tenant).toBe('default')
    expect(t.cgroup).toEqual({path: '/machine.slice/default-a'})
    expect(t.slo).toEqual({minFraction: 0})
    expect(t.devices).toEqual([
      {id: 'n', kind: 'net', pattern: 'stream', direction: 'tx', sizeBytes: 1500, offered: Infinity, queueDepth: 1},
      {id: 'b', kind: 'block', pattern: 'stream', direction: 'read', sizeBytes: 4096, offered: Infinity, queueDepth: 32},
      {id: 'r', kind: 'net', pattern: 'rr', direction: 'tx', sizeBytes: 1500, offered: Infinity, queueDepth: 1},
      {id: 'br', kind: 'block', pattern: 'rr', direction: 'read', sizeBytes: 4096, offered: Infinity, queueDepth: 1},
    ])
  })

  test('offered load in bits or bytes per second becomes items per second through the size', () => {
    const w = normalizeWorkload({
      name: 'w',
      vm_types: [
        {
          name: 'a',
          vcpus: 1,
          memory: '1 GiB',
          devices: [
            {id: 'n', kind: 'net', size: '1500 B', offered: '1 Gbit/s'},
            {id: 'b', kind: 'block', size: '128 KiB', offered: '2 GB/s'},
            {id: 'p', kind: 'net', size: '64 B', offered: '1.2 Mpps'},
          ],
        },
      ],
    })
    const [n, b, p] = w.entries[0].type.devices
    expect(n.offered).toBeCloseTo(1e9 / (8 * 1500), 6)
    expect(b.offered).toBeCloseTo(2e9 / 131072, 6)
    expect(p.offered).toBe(1.2e6)
  })

  test('cgroup quota, cpuset and SLO', () => {
    const t = normalizeWorkload(yaml('workload', SMALL_WORKLOAD)).entries[0].type
    expect(t.cgroup.cpuset).toEqual([1, 2, 3, 5, 6, 7])
    const q = normalizeWorkload({
      name: 'w',
      vm_types: [{name: 'a', vcpus: 1, memory: 1, cgroup: {cpu_max: '150000 100000'}, slo: {min_fraction: '95%', max_p99: '2 ms'}}],
    }).entries[0].type
    expect(q.cgroup.quotaCpus).toBe(1.5)
    expect(q.slo).toEqual({minFraction: 0.95, maxP99S: 0.002})
  })

  test('VM instances are named TYPE-INDEX from 0, type by type', () => {
    const vms = instantiateVms(normalizeWorkload(yaml('workload', SMALL_WORKLOAD)))
    expect(vms.map((v) => [v.id, v.type.name])).toEqual([
      ['web-0', 'web'],
      ['web-1', 'web'],
      ['db-0', 'db'],
    ])
  })
})

describe('notification policies', () => {
  test.each<[NotificationSpec, Notification]>([
    ['kick', {kind: 'kick'}],
    ['poll', {kind: 'poll'}],
    ['spin(20 us)', {kind: 'spin', budgetS: 20e-6}],
    ['spin( 10us )', {kind: 'spin', budgetS: 10e-6}],
    ['spin', {kind: 'spin', budgetS: 20e-6}],
    ['timer(150 us, 256)', {kind: 'timer', periodS: 150e-6, ring: 256}],
    ['timer(1 ms, 128)', {kind: 'timer', periodS: 1e-3, ring: 128}],
    ['timer(1 ms)', {kind: 'timer', periodS: 1e-3, ring: 256}],
    ['timer', {kind: 'timer', periodS: 150e-6, ring: 256}],
    [{kind: 'spin', budget: '15 us'}, {kind: 'spin', budgetS: 15e-6}],
    [{kind: 'timer', period: '1 ms', ring: 64}, {kind: 'timer', periodS: 1e-3, ring: 64}],
    [{kind: 'timer'}, {kind: 'timer', periodS: 150e-6, ring: 256}],
    [{kind: 'poll'}, {kind: 'poll'}],
  ])('%j', (spec, want) => {
    expect(normalizeNotification(spec)).toEqual(want)
  })

  test.each<[NotificationSpec, string]>([
    ['sleep', 'expected a notification policy like "kick", "poll", "spin(20 us)" or "timer(150 us, 256)", found "sleep"'],
    ['timer(150 us, lots)', 'expected a ring size of at least 1, found "lots"'],
    ['spin(0 us)', 'expected a spin budget greater than 0, found "0 us"'],
    [{kind: 'kick', budget: '1 us'}, 'budget: expected one of the keys kind, found unknown key "budget"'],
    [{kind: 'spin', ring: 3}, 'ring: expected one of the keys kind, budget, found unknown key "ring"'],
  ])('refuses %j', (spec, message) => {
    expect(() => normalizeNotification(spec)).toThrow(message)
  })
})

describe('calibration', () => {
  test('every micro-cost with its source; times in seconds', () => {
    const profile = normalizeCalibration(yaml('calibration', testCalibrationYaml('mine')))
    expect(profile.calibration.name).toBe('mine')
    expect(profile.era).toBe('test')
    for (const [field, f] of Object.entries(CALIBRATION_FIELDS)) {
      const value = profile.calibration[field as keyof typeof CALIBRATION_FIELDS]
      expect(value).toBe(f.unit === 'time' ? 5e-6 : f.unit === 'ratio' ? 1.5 : f.unit === 'count' ? 4 : 1000)
      expect(profile.sources[field as keyof typeof CALIBRATION_FIELDS]).toBe('io test')
    }
    expect(Object.keys(profile.calibration).length).toBe(Object.keys(CALIBRATION_FIELDS).length + 1)
  })
})

describe('cpusets', () => {
  test('property: formatting then parsing a set gives it back sorted', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({min: 0, max: 300}), {maxLength: 60}), (cpus) => {
        expect(parseCpuset(formatCpuset(cpus))).toEqual([...cpus].sort((a, b) => a - b))
      }),
    )
  })
})
