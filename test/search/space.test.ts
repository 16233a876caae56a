/**
 * Candidates and their layouts: a CPU's devices share workers by sharing group, and a
 * group of more devices than one worker takes is split evenly over several. Before, such a
 * candidate had no layout, so on a host with more devices per I/O CPU than a worker takes
 * the search never looked at shared workers at all.
 */
import {beforeAll, describe, expect, test} from 'vitest'

import {loadCalibration} from '../../src/io/load.js'
import {normalizeHost} from '../../src/io/normalize.js'
import {checkLayout} from '../../src/model/layout.js'
import type {ArchitecturePolicy, Calibration, Device, Vm, VmType} from '../../src/model/types.js'
import {Assessor, searchHost} from '../../src/search/host.js'
import {candidateOf, layoutOf, policyLayout} from '../../src/search/space.js'

let calibration: Calibration
beforeAll(async () => {
  calibration = (await loadCalibration('current')).calibration
})

const host = normalizeHost({
  name: 'one-node', sockets: 1, cores_per_node: 24, threads_per_core: 1, frequency: '2.6 GHz', memory_per_node: '256 GiB',
  nics: [{id: 'eth0', node: 0, line_rate: '25 Gbit/s'}],
  block_devices: [{id: 'nvme0', node: 0, max_iops: '800 kIOPS', max_bandwidth: '3 GB/s', latency: '80 us'}],
  platform: {posted_interrupts: true, pv_eoi: true, ioeventfd: true},
})

const net = (id: string): Device => ({
  id, kind: 'net', pattern: 'stream', direction: 'tx', sizeBytes: 1500, offered: 20_000, queueDepth: 1, backing: 'eth0',
})
const type = (name: string, tenant: string): VmType => ({
  name, vcpus: 1, memoryBytes: 2 ** 32, tenant, cgroup: {path: `/${tenant}`}, devices: [net('eth0')], slo: {minFraction: 0.9},
})
// 17 VMs of one cgroup and 2 of another, one NIC device each: 19 devices for one I/O CPU.
const vms: Vm[] = [
  ...Array.from({length: 17}, (_, i) => ({id: `a${i}`, type: type('web', 'a')})),
  ...Array.from({length: 2}, (_, i) => ({id: `b${i}`, type: type('db', 'b')})),
]

const policy = (set: Partial<ArchitecturePolicy> = {}): ArchitecturePolicy => ({
  net: 'vhost-shared', block: 'vhost-blk', notification: {kind: 'kick'}, interrupt: 'posted', ioCoresPerNode: 1,
  devicesPerWorker: 7, sharing: 'same-cgroup', floatOn: 'vm-cpus', ...set,
})

describe('layoutOf', () => {
  test('a sharing group of more devices than a worker takes is split evenly, in device order', () => {
    const own = policyLayout(host, vms, policy())!
    const candidate = candidateOf(vms, policy(), own)
    const layout = layoutOf(host, vms, candidate)
    expect(layout).toBeDefined()
    expect(checkLayout(host, vms, layout!)).toEqual([])
    const shared = layout!.workers.filter(w => w.architecture === 'vhost-shared')
    // 17 devices of cgroup a, 7 per worker: 6, 6 and 5, each a run of consecutive
    // devices; the 2 of cgroup b: one worker. All on the one I/O CPU.
    const order = vms.map(v => `${v.id}/eth0`)
    const runs = shared.map(w => w.devices.map(r => order.indexOf(r)))
    expect(runs.map(r => r.length).sort((a, b) => b - a)).toEqual([6, 6, 5, 2])
    for (const r of runs) expect(r).toEqual(Array.from({length: r.length}, (_, i) => r[0] + i))
    expect(runs.flat().sort((a, b) => a - b)).toEqual(order.map((_, i) => i))
    expect(new Set(shared.map(w => w.cpus[0])).size).toBe(1)
  })

  test('a polling worker still owns its CPU: a group it cannot hold alone has no layout', () => {
    // 17 devices of one cgroup, at most 16 per polling worker, on two I/O CPUs.
    const one = vms.slice(0, 17)
    const polling = policy({notification: {kind: 'poll'}, devicesPerWorker: 16, ioCoresPerNode: 2})
    const own = candidateOf(one, polling, policyLayout(host, one, polling)!)
    expect(layoutOf(host, one, own)).toBeDefined()
    // All 17 on the first I/O CPU: two polling workers would share it.
    const crowded = {...own, assignment: own.assignment.map(() => Math.min(...own.assignment))}
    expect(layoutOf(host, one, crowded)).toBeUndefined()
    // Kicked workers may share it: two workers, as even as can be.
    const kicked = policy({devicesPerWorker: 16, ioCoresPerNode: 2})
    const layout = layoutOf(host, one, {...crowded, policy: kicked})
    expect(layout!.workers.map(w => w.devices.length)).toEqual([9, 8])
  })

  test('the search lays out shared workers when an I/O CPU serves more devices than a worker takes', () => {
    const assessor = new Assessor(host, vms, calibration, 'throughput-per-cpu', 'host')
    const own = policyLayout(host, vms, policy())!
    expect(assessor.assess(candidateOf(vms, policy(), own))).toBeDefined()
    // Shared workers only: before, no candidate of this space had a layout, and the search found none.
    const found = searchHost(host, vms, calibration, {
      net: ['vhost-shared'], block: ['vhost-blk'], notifications: [{kind: 'kick'}], interrupts: ['posted'],
      maxIoCoresPerNode: 1, sharing: 'same-cgroup', devicesPerWorker: 7, floatOn: 'vm-cpus',
    }, {objective: 'throughput-per-cpu', accounting: 'host', seed: 1, maxEvaluations: 30})
    expect(found).toBeDefined()
    const shared = found!.best.layout.workers.filter(w => w.architecture === 'vhost-shared')
    expect(shared.flatMap(w => w.devices)).toHaveLength(vms.length)
    expect(Math.max(...shared.map(w => w.devices.length))).toBeLessThanOrEqual(7)
    expect(found!.best.evaluation.devices).toHaveLength(vms.length)
  })
})
