import {beforeAll, describe, expect, test} from 'vitest'

import {loadCalibration} from '../../src/io/load.js'
import {normalizeHost} from '../../src/io/normalize.js'
import {PolicyError} from '../../src/model/errors.js'
import {evaluate} from '../../src/model/evaluate.js'
import type {Calibration, Vm, VmType, Workload} from '../../src/model/types.js'
import {baselinePlans} from '../../src/search/baseline-plan.js'
import {firstFitByVcpus, hostBaselines} from '../../src/search/baselines/index.js'
import type {PlanModel} from '../../src/search/plan.js'

let calibration: Calibration
beforeAll(async () => {
  calibration = (await loadCalibration('current')).calibration
})

const host = normalizeHost({
  name: 'box', sockets: 2, cores_per_node: 8, threads_per_core: 2, frequency: '2.6 GHz', memory_per_node: '128 GiB',
  nics: [{id: 'eth0', node: 0, line_rate: '25 Gbit/s'}],
  block_devices: [{id: 'nvme0', node: 1, max_iops: '500 kIOPS', max_bandwidth: '3 GB/s', latency: '80 us'}],
  platform: {posted_interrupts: true, pv_eoi: true, ioeventfd: true},
})
const web: VmType = {name: 'web', vcpus: 4, memoryBytes: 2 ** 33, tenant: 'a', cgroup: {path: '/a'}, slo: {minFraction: 0.95, maxP99S: 1e-3},
  devices: [{id: 'eth0', kind: 'net', pattern: 'stream', direction: 'tx', sizeBytes: 1448, offered: 100_000, queueDepth: 1, protocol: 'tcp'}]}
const db: VmType = {name: 'db', vcpus: 8, memoryBytes: 2 ** 34, tenant: 'b', cgroup: {path: '/b'}, slo: {minFraction: 0.95},
  devices: [{id: 'vda', kind: 'block', pattern: 'rr', direction: 'read', sizeBytes: 8192, offered: 20_000, queueDepth: 16}]}

describe('baselinePlans: the same cluster and workload under today\'s systems', () => {
  test('one outcome per host baseline; first fit decides the hosts; totals are the sum of the hosts\' evaluations', () => {
    const models: PlanModel[] = [{host, calibration, entries: [{count: 6, labels: {}}]}]
    const workload: Workload = {name: 'w', entries: [{type: web, count: 10}, {type: db, count: 3}]}
    const outcomes = baselinePlans(models, workload)
    expect(outcomes.map(o => o.id)).toEqual(hostBaselines.map(b => b.id))

    // Recompute the `default` baseline by hand: first fit by vCPUs node by node (its layout
    // pins each VM within one node), then its layout per host.
    const vms: Vm[] = workload.entries.flatMap(e => Array.from({length: e.count}, (_, i) => ({id: `${e.type.name}-${i}`, type: e.type})))
    const nodeFree = () => host.nodes.map(n => host.cpus.filter(c => c.node === n.id && !host.housekeeping.includes(c.id)).length)
    const hostsOf = firstFitByVcpus(Array.from({length: 6}, () => host), vms, {nodeFree})
    let used = 0
    let unplaced = hostsOf.filter(h => h === undefined).length
    let delivered = 0
    let cpus = 0
    for (const h of new Set(hostsOf.filter(x => x !== undefined))) {
      // Names as baselinePlans gives them: type-i from 0 on each host.
      const mine = vms.filter((_, v) => hostsOf[v] === h)
      let layout
      try {
        layout = hostBaselines[0].layout(host, mine, calibration)
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error
        unplaced += mine.length
        continue
      }

      const ev = evaluate(host, mine, layout, calibration)
      used++
      delivered += ev.totals.deliveredBps
      cpus += ev.totals.cpusHost
    }

    const dflt = outcomes.find(o => o.id === 'default')!
    expect(used).toBeGreaterThan(0)
    expect(dflt.hostsUsed).toBe(used)
    expect(dflt.unplaced).toBe(unplaced)
    expect(dflt.totals.deliveredBps).toBeCloseTo(delivered, 0)
    expect(dflt.totals.bpsPerCpuHost).toBeCloseTo(delivered / cpus, 3)
    expect(dflt.sloMetBps).toBeLessThanOrEqual(dflt.totals.deliveredBps * (1 + 1e-12))
  })

  test('first fit counts CPUs as each system does: OVS PMD cores kept from guests, one more pCPU per VM under Nova isolate, node by node', () => {
    const models: PlanModel[] = [{host, calibration, entries: [{count: 4, labels: {}}]}]
    // Four 8-vCPU VMs fill one 32-CPU host as one pool; pinned within a node with a PMD core
    // (two hardware threads) or an emulator pCPU kept, one fits per node.
    const outcomes = baselinePlans(models, {name: 'w', entries: [{type: db, count: 4}]})
    const hostsUsed = Object.fromEntries(outcomes.map(o => [o.id, o.hostsUsed]))
    for (const o of outcomes) expect(o.unplaced, o.id).toBe(0)
    expect(hostsUsed).toEqual({
      'default': 1, 'ovs-roundrobin': 2, 'ovs-cycles': 2, 'ovs-group': 2, 'k8s-packed': 1, 'k8s-distributed': 1,
      'nova-isolate': 2, 'nova-share': 1,
    })
  })

  test('VMs first fit cannot place are counted for every baseline', () => {
    const models: PlanModel[] = [{host, calibration, entries: [{count: 1, labels: {}}]}]
    const outcomes = baselinePlans(models, {name: 'w', entries: [{type: db, count: 6}]})
    for (const o of outcomes) expect(o.unplaced).toBeGreaterThanOrEqual(2)
  })
})
