import {beforeAll, describe, expect, test} from 'vitest'

import {loadCalibration} from '../../src/io/load.js'
import {loadLpSolver} from '../../src/io/lp.js'
import {normalizeHost} from '../../src/io/normalize.js'
import {evaluate} from '../../src/model/evaluate.js'
import type {Calibration, Vm, VmType, Workload} from '../../src/model/types.js'
import type {LpSolve} from '../../src/search/cluster.js'
import {
  type Plan, type PlanInput, type PlanModel, hostEvaluation, hostLayout, planCluster, planWorker, sequentialRunner,
} from '../../src/search/plan.js'
import {toCsv} from '../../src/report/csv.js'
import {planCsv, planDocument, planJson} from '../../src/report/plan.js'
import {TABLE_NAMES, concatTables, evaluationTables} from '../../src/report/tables.js'

let solve: LpSolve
let calibration: Calibration
beforeAll(async () => {
  solve = await loadLpSolver()
  calibration = (await loadCalibration('era-2013')).calibration
})

const host = (name: string, sockets: number, cores: number) => normalizeHost({
  name, sockets, cores_per_node: cores, threads_per_core: 2, frequency: '2.4 GHz', memory_per_node: '64 GiB',
  nics: [{id: 'eth0', node: 0, line_rate: '25 Gbit/s'}],
  block_devices: [{id: 'ssd0', node: 0, max_iops: '400 kIOPS', max_bandwidth: '3 GB/s', latency: '80 us'}],
  platform: {posted_interrupts: true, pv_eoi: true, ioeventfd: true},
})
const types: VmType[] = [
  {name: 'web', vcpus: 2, memoryBytes: 2 ** 32, tenant: 'a', cgroup: {path: '/a'}, slo: {minFraction: 0.95, maxP99S: 2e-3},
    devices: [{id: 'eth0', kind: 'net', pattern: 'stream', direction: 'tx', sizeBytes: 1448, offered: 50_000, queueDepth: 1, protocol: 'tcp'}]},
  {name: 'db', vcpus: 4, memoryBytes: 2 ** 34, tenant: 'b', cgroup: {path: '/b'}, slo: {minFraction: 0.95},
    devices: [{id: 'vda', kind: 'block', pattern: 'rr', direction: 'read', sizeBytes: 8192, offered: 20_000, queueDepth: 16}]},
]

function small(counts: [number, number]): {models: PlanModel[]; workload: Workload} {
  return {
    models: [
      {host: host('big', 2, 8), calibration, entries: [{count: 3, labels: {rack: 'r1'}}, {count: 2, labels: {rack: 'r2'}}]},
      {host: host('edge', 1, 4), calibration, entries: [{count: 4, labels: {rack: 'e1'}}]},
    ],
    workload: {name: 'w', entries: [{type: types[0], count: counts[0]}, {type: types[1], count: counts[1]}]},
  }
}

function plan(counts: [number, number], runner?: PlanInput['runner']): Promise<Plan> {
  return planCluster({...small(counts), objective: 'throughput-per-cpu', accounting: 'host', seed: 3, budget: 25, solve, runner})
}

describe('planCluster', () => {
  test('every VM once: on one host or unplaced with a reason', async () => {
    const p = await plan([20, 6])
    expect(p.vms).toHaveLength(26)
    expect(new Set(p.vms.map(v => v.id)).size).toBe(26)
    const onHosts = p.hosts.flatMap(h => h.vms)
    expect(new Set(onHosts).size).toBe(onHosts.length)
    expect(onHosts.sort()).toEqual(p.vms.filter(v => v.host).map(v => v.id).sort())
    for (const v of p.vms) expect(Boolean(v.host) !== Boolean(v.reason)).toBe(true)
  })

  test('the renamed evaluation of a host is what the model gives for that host and its own VMs', async () => {
    const p = await plan([20, 6])
    const {models, workload} = small([20, 6])
    const typeOf = new Map(workload.entries.map(e => [e.type.name, e.type]))
    for (const h of p.hosts.slice(0, 4)) {
      const model = models.find(m => m.host.model === h.model)!
      const vms: Vm[] = h.vms.map(id => ({id, type: typeOf.get(p.vms.find(v => v.id === id)!.type)!}))
      const direct = evaluate(model.host, vms, hostLayout(p, h), calibration)
      expect(hostEvaluation(p, h)).toStrictEqual({...direct, host: h.id})
    }
  })

  test('demand beyond the cluster leaves VMs unplaced, with the capacity reason', async () => {
    const p = await plan([400, 0])
    expect(p.vms.filter(v => !v.host).length).toBeGreaterThan(0)
    expect(p.vms.filter(v => !v.host).every(v => v.reason === 'the cluster has no host left that can take it')).toBe(true)
  })

  test('a VM type with more vCPUs than any NUMA node has says so, not that it misses its SLO', async () => {
    const {models, workload} = small([2, 0])
    const huge: VmType = {...types[0], name: 'huge', vcpus: 40}
    const p = await planCluster({models, workload: {name: 'w', entries: [...workload.entries, {type: huge, count: 1}]},
      objective: 'throughput-per-cpu', accounting: 'host', seed: 3, budget: 25, solve})
    // big: 2 sockets of 8 cores, SMT 2: 16 CPUs a node.
    const vm = p.vms.find(v => v.type === 'huge')!
    expect(vm.host).toBeUndefined()
    expect(vm.reason).toBe('no host model has 40 free CPUs on one NUMA node for its vCPUs (the most any has is 16)')
    expect(p.vms.filter(v => v.type === 'web').every(v => v.host !== undefined)).toBe(true)
  })

  test('VM types go only to host models that have their devices; a type no model can take says which device', async () => {
    const diskless = normalizeHost({
      name: 'diskless', sockets: 1, cores_per_node: 8, threads_per_core: 2, frequency: '2.4 GHz', memory_per_node: '64 GiB',
      nics: [{id: 'eth0', node: 0, line_rate: '25 Gbit/s'}], platform: {posted_interrupts: true, pv_eoi: true, ioeventfd: true},
    })
    const {workload} = small([6, 3])
    const mixed: PlanModel[] = [
      {host: diskless, calibration, entries: [{count: 4, labels: {}}]},
      {host: host('edge', 1, 4), calibration, entries: [{count: 4, labels: {}}]},
    ]
    const input = {workload, objective: 'throughput-per-cpu' as const, accounting: 'host' as const, seed: 3, budget: 25, solve}
    const p = await planCluster({...input, models: mixed})
    const modelOf = new Map(p.hosts.map(h => [h.id, h.model]))
    const dbs = p.vms.filter(v => v.type === 'db')
    expect(dbs.every(v => v.host !== undefined && modelOf.get(v.host) === 'edge')).toBe(true)

    const none = await planCluster({...input, models: [mixed[0]]})
    const unplaced = none.vms.filter(v => v.type === 'db')
    expect(unplaced).toHaveLength(3)
    for (const v of unplaced) {
      expect(v.host).toBeUndefined()
      expect(v.reason).toBe('no host model has the devices it needs: db/vda needs a block device, which host diskless lacks')
    }

    expect(none.vms.filter(v => v.type === 'web').every(v => v.host !== undefined)).toBe(true)
  })

  test('plan.json and the CSV files written host by host equal the whole documents', async () => {
    const p = await plan([20, 6])
    const names = {cluster: 'c', workload: 'w'}
    expect(JSON.parse([...planJson(p, names)].join(''))).toStrictEqual(JSON.parse(JSON.stringify(planDocument(p, names))))
    // The whole tables, from each host's renamed evaluation, against the host-by-host files.
    const whole = concatTables(p.hosts.map(h => evaluationTables(hostEvaluation(p, h))))
    const parts = planCsv(p)
    for (const name of TABLE_NAMES) expect([...parts[name]].join('')).toBe(toCsv(whole[name]))
  })

  test('past the deadline the searches stop improving, and the plan still places every VM', async () => {
    const full = await plan([20, 6])
    let ticks = 0
    const clock = () => ticks++
    const limited = await planCluster({...small([20, 6]), objective: 'throughput-per-cpu', accounting: 'host', seed: 3,
      budget: 25, solve, deadline: 50, runner: ctx => sequentialRunner(ctx, clock)})
    expect(limited.evaluations).toBeLessThan(full.evaluations)
    expect(limited.vms).toHaveLength(26)
    expect(new Set(limited.vms.map(v => v.id)).size).toBe(26)
    for (const v of limited.vms) expect(Boolean(v.host) !== Boolean(v.reason)).toBe(true)
  })

  test('no VM is left unplaced while a placed host could take it within every SLO', async () => {
    const p = await plan([90, 10])
    const {models, workload} = small([90, 10])
    const types = workload.entries.map(e => e.type)
    const unplaced = new Set(p.vms.filter(v => !v.host).map(v => v.type))
    expect(unplaced.size).toBeGreaterThan(0)
    const work = planWorker({models, types, demand: [90, 10], objective: 'throughput-per-cpu', accounting: 'host', seed: 3, budget: 25})
    for (const mix of p.mixes) {
      const m = models.findIndex(x => x.host.model === mix.model)
      types.forEach((type, t) => {
        if (!unplaced.has(type.name)) return
        const grown = mix.counts.map((n, u) => (u === t ? n + 1 : n))
        if (grown.reduce((sum, n, u) => sum + n * types[u].vcpus, 0) > models[m].host.cpus.length) return
        const r = work({kind: 'search', model: m, counts: grown})
        expect(r.kind === 'search' && r.evaluation !== undefined && r.evaluation.totals.sloViolations === 0,
          `${mix.model} ${grown.join(',')} could take another ${type.name}`).toBe(false)
      })
    }
  })

  test('same input and seed, same plan', async () => {
    expect(await plan([12, 4])).toStrictEqual(await plan([12, 4]))
  })
})
