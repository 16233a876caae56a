import {beforeAll, describe, expect, test} from 'vitest'

import {loadCalibration} from '../../src/io/load.js'
import {loadLpSolver} from '../../src/io/lp.js'
import {normalizeHost} from '../../src/io/normalize.js'
import type {Calibration, Host, Vm, VmType} from '../../src/model/types.js'
import {type LpSolve, type Pattern, generatePatterns, placeCluster, runPatternTask} from '../../src/search/cluster.js'
import {searchHost} from '../../src/search/host.js'
import type {SearchSpace} from '../../src/search/space.js'

let solve: LpSolve
let calibration: Calibration
beforeAll(async () => {
  solve = await loadLpSolver()
  calibration = (await loadCalibration('era-2013')).calibration
})

const value = {feasible: true, deliveredBps: 1e9, cpusHost: 8, cpusAllocated: 4}
const pattern = (counts: number[]): Pattern => ({model: 0, counts, value})

describe('placeCluster (LP over patterns, solved by HiGHS)', () => {
  test('an integral LP optimum is the plan, with no gap', () => {
    const plan = placeCluster([pattern([2, 0]), pattern([0, 3]), pattern([1, 1])], [10], [4, 3], 'hosts', solve)
    expect(plan.bound).toBeCloseTo(3, 9)
    expect(plan.objective).toBe(3)
    expect(plan.gap).toBe(0)
    expect(plan.unplaced).toEqual([0, 0])
  })

  test('a fractional optimum is the bound; rounding and repair give the plan and its gap', () => {
    const plan = placeCluster([pattern([2, 0]), pattern([0, 3]), pattern([1, 1])], [10], [3, 3], 'hosts', solve)
    expect(plan.bound).toBeCloseTo(2.5, 9)
    expect(plan.objective).toBe(3)
    expect(plan.gap).toBeCloseTo(1 / 6, 9)
    const placed = plan.hosts.reduce((s, h) => s.map((x, t) => x + h.counts[t]), [0, 0])
    expect(placed).toEqual([3, 3])
  })

  test('VMs beyond what the hosts can take are listed as unplaced, none dropped', () => {
    const plan = placeCluster([pattern([2, 0]), pattern([0, 3])], [2], [5, 3], 'hosts', solve)
    const placed = plan.hosts.reduce((s, h) => s.map((x, t) => x + h.counts[t]), [0, 0])
    expect(plan.hosts).toHaveLength(2)
    expect(placed.map((p, t) => p + plan.unplaced[t])).toEqual([5, 3])
    expect(plan.unplaced.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
  })
})

describe('runPatternTask', () => {
  const feasible = {feasible: true, deliveredBps: 1e9, cpusHost: 64, cpusAllocated: 8}
  test('the demand mix is tried whole: when all of it fits one host, the pattern is all of it', () => {
    const tried: number[][] = []
    const pattern = runPatternTask({model: 0, type: 'mix'}, 2, [4, 2], (_m, counts) => {
      tried.push(counts)
      return feasible
    }, () => 100)
    expect(pattern?.counts).toEqual([4, 2])
    expect(tried).toContainEqual([4, 2])
  })

  test('the demand mix stops below the first scale that does not fit', () => {
    const pattern = runPatternTask({model: 0, type: 'mix'}, 2, [4, 2], (_m, counts) =>
      (counts[0] + counts[1] <= 3 ? feasible : {...feasible, feasible: false}), () => 100)
    expect(pattern?.counts).toEqual([2, 1])
  })
})

describe('patterns valued by the per-host search', () => {
  const space: SearchSpace = {
    net: ['vhost-per-device', 'vhost-shared'], block: ['vhost-blk'], notifications: [{kind: 'kick'}],
    interrupts: ['pv-eoi'], maxIoCoresPerNode: 1, sharing: 'same-cgroup', devicesPerWorker: 7, floatOn: 'vm-cpus',
  }
  const hostSpec = (name: string, sockets: number, cores: number) => normalizeHost({
    name, sockets, cores_per_node: cores, threads_per_core: 1, frequency: '2.4 GHz', memory_per_node: '64 GiB',
    nics: [{id: 'eth0', node: 0, line_rate: '10 Gbit/s'}],
    block_devices: [{id: 'ssd0', node: 0, max_iops: '100 kIOPS', max_bandwidth: '1 GB/s', latency: '80 us'}],
    platform: {posted_interrupts: false, pv_eoi: true, ioeventfd: true},
  })
  const types: VmType[] = [
    {name: 'web', vcpus: 1, memoryBytes: 2 ** 31, tenant: 'a', cgroup: {path: '/a'}, slo: {minFraction: 0.95},
      devices: [{id: 'eth0', kind: 'net', pattern: 'stream', direction: 'tx', sizeBytes: 1518, offered: 40_000, queueDepth: 1}]},
    {name: 'db', vcpus: 2, memoryBytes: 2 ** 32, tenant: 'b', cgroup: {path: '/b'}, slo: {minFraction: 0.95},
      devices: [{id: 'vda', kind: 'block', pattern: 'stream', direction: 'read', sizeBytes: 4096, offered: 5000, queueDepth: 8}]},
  ]

  test('every VM is placed once or listed; hosts stay within supply; the bound is below the plan', () => {
    const models: Host[] = [hostSpec('small', 1, 4), hostSpec('large', 2, 4)]
    const supply = [4, 3]
    const demand = [9, 4]
    const assess = (m: number, counts: number[]) => {
      const vms: Vm[] = counts.flatMap((n, t) => Array.from({length: n}, (_, i) => ({id: `${types[t].name}-${i}`, type: types[t]})))
      const found = searchHost(models[m], vms, calibration, space, {objective: 'hosts', accounting: 'allocated', seed: 1, maxEvaluations: 30})
      if (!found) return {feasible: false, deliveredBps: 0, cpusHost: models[m].cpus.length, cpusAllocated: 0}
      const t = found.best.evaluation.totals
      return {feasible: found.best.score.feasible, deliveredBps: t.deliveredBps, cpusHost: t.cpusHost, cpusAllocated: t.cpusAllocated}
    }

    const limit = (m: number, t: number) => Math.floor(models[m].cpus.length / types[t].vcpus)
    const patterns = generatePatterns(models.length, types.length, demand, assess, limit)
    expect(patterns.length).toBeGreaterThan(0)
    for (const p of patterns) expect(p.value.feasible).toBe(true)

    const plan = placeCluster(patterns, supply, demand, 'cpus', solve)
    const placed = plan.hosts.reduce((s, h) => s.map((x, t) => x + h.counts[t]), [0, 0])
    expect(placed.map((p, t) => p + plan.unplaced[t])).toEqual(demand)
    for (const [m, s] of supply.entries()) expect(plan.hosts.filter(h => h.model === m).length).toBeLessThanOrEqual(s)
    for (const h of plan.hosts) {
      h.counts.forEach((c, t) => expect(c).toBeLessThanOrEqual(patterns[h.pattern].counts[t]))
    }

    expect(plan.bound).toBeLessThanOrEqual(plan.objective + 1e-9)
    expect(plan.gap).toBeGreaterThanOrEqual(0)
    expect(plan.gap).toBeLessThan(1)
    // Same inputs, same plan.
    expect(placeCluster(patterns, supply, demand, 'cpus', solve)).toStrictEqual(plan)
  })
})
