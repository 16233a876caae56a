/**
 * Every host baseline on real host models (data/hosts) and VM sets (data/workloads): the
 * layout passes checkLayout and evaluates; and each baseline has the shape its system gives.
 */
import {fileURLToPath} from 'node:url'

import {beforeAll, describe, expect, test} from 'vitest'

import {loadCalibration, loadHost, loadWorkload} from '../../../src/io/load.js'
import {instantiateVms} from '../../../src/io/normalize.js'
import {PolicyError} from '../../../src/model/errors.js'
import {evaluate} from '../../../src/model/evaluate.js'
import {buildLayout, checkLayout, missingOnHost} from '../../../src/model/layout.js'
import type {Calibration, Host, Layout, Vm} from '../../../src/model/types.js'
import {
  allocateCpus, assignRxqs, clusterBaselines, defaultPolicy, evaluateBaselines, hostBaselines, improvement,
} from '../../../src/search/baselines/index.js'

const data = (file: string) => fileURLToPath(new URL(`../../../data/${file}`, import.meta.url))
const HOSTS = ['lab-4c-explicit', 'sandy-bridge-8c', 'epyc-1s-16c-storage', 'epyc-2s-64c']
const WORKLOADS = ['web-tier', 'network-appliances', 'storage', 'netperf-stream', 'datacenter']
const MAX_VMS = 8

let calibration: Calibration
const hosts = new Map<string, Host>()
const workloads = new Map<string, Vm[]>()

beforeAll(async () => {
  calibration = (await loadCalibration('current')).calibration
  for (const name of HOSTS) hosts.set(name, await loadHost(data(`hosts/${name}.yaml`)))
  for (const name of WORKLOADS) {
    // VM types taken in turn, so that a short list still mixes them.
    const byType = new Map<string, Vm[]>()
    for (const vm of instantiateVms(await loadWorkload(data(`workloads/${name}.yaml`)))) {
      byType.set(vm.type.name, [...(byType.get(vm.type.name) ?? []), vm])
    }

    const lists = [...byType.values()]
    const mixed: Vm[] = []
    for (let i = 0; lists.some(l => i < l.length); i++) for (const l of lists) if (i < l.length) mixed.push(l[i])
    workloads.set(name, mixed)
  }
})

function layoutOrUndefined(fn: () => Layout): Layout | undefined {
  try {
    return fn()
  } catch (error) {
    if (error instanceof PolicyError) return undefined
    throw error
  }
}

/**
 * The VMs of a workload that every baseline can lay out on the host, up to MAX_VMS, added
 * one at a time; types the host lacks a device for are left out, as the planner leaves them.
 */
function fitting(host: Host, candidates: Vm[]): Vm[] {
  const kept: Vm[] = []
  for (const vm of candidates) {
    if (kept.length === MAX_VMS) break
    if (missingOnHost(host, vm.type) !== undefined) continue
    const trial = [...kept, vm]
    if (hostBaselines.every(b => layoutOrUndefined(() => b.layout(host, trial, calibration)))) kept.push(vm)
  }

  return kept
}

const combos = HOSTS.flatMap(h => WORKLOADS.map(w => [h, w] as const))

describe.each(combos)('%s with %s', (hostName, workloadName) => {
  test('every host baseline lays the VMs out soundly and evaluates', () => {
    const host = hosts.get(hostName)!
    const candidates = workloads.get(workloadName)!
    const vms = fitting(host, candidates)
    // Only a workload whose every type needs a device the host lacks leaves nothing to lay out.
    if (vms.length === 0) {
      expect(candidates.every(vm => missingOnHost(host, vm.type) !== undefined)).toBe(true)
      return
    }

    for (const b of hostBaselines) {
      const layout = b.layout(host, vms, calibration)
      expect(checkLayout(host, vms, layout), b.id).toEqual([])
      const evaluation = evaluate(host, vms, layout, calibration)
      expect(evaluation.devices).toHaveLength(vms.reduce((s, v) => s + v.type.devices.length, 0))
      expect(Number.isFinite(evaluation.totals.deliveredBps), b.id).toBe(true)
      expect(evaluation.totals.deliveredBps, b.id).toBeGreaterThanOrEqual(0)
    }
  })
})

describe('each baseline has its system\'s shape', () => {
  let host: Host
  let vms: Vm[]
  beforeAll(() => {
    host = hosts.get('epyc-2s-64c')!
    vms = fitting(host, workloads.get('web-tier')!)
  })
  const layoutOf = (id: string) => hostBaselines.find(b => b.id === id)!.layout(host, vms, calibration)

  test('the ids', () => {
    expect(hostBaselines.map(b => b.id)).toEqual(['default', 'ovs-roundrobin', 'ovs-cycles', 'ovs-group', 'k8s-packed', 'k8s-distributed',
      'nova-isolate', 'nova-share'])
    expect(clusterBaselines.map(b => b.id)).toEqual(['first-fit-vcpus'])
    for (const b of [...hostBaselines, ...clusterBaselines]) expect(b.source.length).toBeGreaterThan(0)
  })

  test('default is buildLayout with one vhost worker per device floating on the VM\'s CPUs', () => {
    const layout = layoutOf('default')
    expect(layout).toEqual(buildLayout(host, vms, defaultPolicy(host)))
    const pins = new Map(layout.vms.map(p => [p.vm, new Set(p.vcpuPins)]))
    for (const w of layout.workers) {
      expect(w.floating).toBe(true)
      expect(w.devices).toHaveLength(1)
      expect(new Set(w.cpus)).toEqual(pins.get(w.devices[0].split('/')[0]))
    }
  })

  test.each(['roundrobin', 'cycles', 'group'] as const)('ovs-%s: net devices on polling PMDs of one I/O core per node, as assignRxqs says', mode => {
    const layout = layoutOf(`ovs-${mode}`)
    const io = host.cpus.filter(c => layout.roles[c.id] === 'io')
    // One whole core per node: both hardware threads of the highest-numbered free core.
    for (const node of host.nodes) {
      const onNode = io.filter(c => c.node === node.id)
      expect(new Set(onNode.map(c => c.core)).size).toBe(1)
      expect(onNode).toHaveLength(host.threadsPerCore)
    }

    const pmds = io.map(c => ({core: c.id, numa: c.node}))
    const node = new Map(layout.vms.map(p => [p.vm, p.node]))
    const rxqs = vms.flatMap(vm => vm.type.devices.filter(d => d.kind === 'net').map(d => ({
      id: `${vm.id}/${d.id}`, numa: node.get(vm.id)!,
      // Offered packets/s (the NIC's packet rate when unbounded) x the per-packet cost.
      cycles: (Number.isFinite(d.offered) ? d.offered : host.nics[0].maxPps) * calibration.netPacketCycles,
    })))
    const expected = assignRxqs(mode, rxqs, pmds)
    const polling = layout.workers.filter(w => w.notification.kind === 'poll')
    for (const w of polling) {
      expect(w.architecture).toBe('elvis')
      for (const ref of w.devices) expect(expected.get(ref)).toBe(w.cpus[0])
    }

    expect(polling.flatMap(w => w.devices).sort()).toEqual(rxqs.map(q => q.id).sort())
    for (const w of layout.workers.filter(x => x.notification.kind !== 'poll')) expect(w.architecture).toBe('vhost-blk')
  })

  test.each([false, true])('k8s (distribute %s): VMs pinned in order by allocateCpus, I/O floating on their CPUs', distributeAcrossNuma => {
    const layout = layoutOf(distributeAcrossNuma ? 'k8s-distributed' : 'k8s-packed')
    const taken = new Set(host.housekeeping)
    for (const [i, vm] of vms.entries()) {
      const allowed = vm.type.cgroup.cpuset ? new Set(vm.type.cgroup.cpuset) : undefined
      const available = host.cpus.map(c => c.id).filter(c => !taken.has(c) && (!allowed || allowed.has(c)))
      const pins = allocateCpus(host, available, vm.type.vcpus, {distributeAcrossNuma})
      expect(layout.vms[i].vcpuPins).toEqual(pins)
      for (const c of pins) taken.add(c)
    }

    for (const w of layout.workers) expect(w.floating).toBe(true)
  })

  test('nova-isolate: each VM\'s vhost workers pinned together on one extra pCPU of its node', () => {
    const layout = layoutOf('nova-isolate')
    const nodeOf = new Map(host.cpus.map(c => [c.id, c.node]))
    const emulatorCpus = new Set<number>()
    for (const p of layout.vms) {
      const workers = layout.workers.filter(w => w.devices.some(r => r.startsWith(`${p.vm}/`)))
      const cpus = new Set(workers.flatMap(w => w.cpus))
      expect(cpus.size).toBe(1)
      const [cpu] = cpus
      expect(p.vcpuPins).not.toContain(cpu)
      expect(layout.roles[cpu]).toBe('io')
      expect(nodeOf.get(cpu)).toBe(p.node)
      expect(emulatorCpus.has(cpu)).toBe(false)
      emulatorCpus.add(cpu)
      for (const w of workers) expect(w.floating).toBe(false)
    }
  })

  test('nova-share: vhost workers float on the CPUs no VM is pinned to', () => {
    const layout = layoutOf('nova-share')
    const pinned = new Set(layout.vms.flatMap(p => p.vcpuPins))
    for (const w of layout.workers) {
      expect(w.floating).toBe(true)
      for (const c of w.cpus) expect(pinned.has(c)).toBe(false)
    }
  })
})

describe('evaluateBaselines and improvement', () => {
  test('every baseline evaluated on the same input; one that cannot place the VMs says why', () => {
    const host = hosts.get('sandy-bridge-8c')!
    const vms = workloads.get('netperf-stream')!
    const results = evaluateBaselines(host, vms, calibration)
    expect(results.map(r => r.id)).toEqual(hostBaselines.map(b => b.id))
    // 7 one-vCPU VMs on 8 cores: OVS takes a core for its PMD, isolate needs 14 pCPUs.
    expect(results.find(r => r.id === 'default')!.evaluation).toBeDefined()
    expect(results.find(r => r.id === 'nova-isolate')!.error).toMatch(/needs 2 free CPUs/)
    for (const r of results) expect(r.evaluation !== undefined || r.error !== undefined).toBe(true)
  })

  test('improvement: ratios of a plan\'s totals to a baseline\'s', () => {
    const host = hosts.get('epyc-1s-16c-storage')!
    const vms = fitting(host, workloads.get('storage')!)
    const [base, other] = evaluateBaselines(host, vms, calibration)
    const same = improvement(base.evaluation!.totals, base.evaluation!.totals)
    expect(same).toEqual({bpsPerCpuHost: 1, bpsPerCpuAllocated: 1, deliveredBps: 1, sloViolationsAvoided: 0})
    const vs = improvement(other.evaluation!.totals, base.evaluation!.totals)
    expect(vs.deliveredBps).toBeCloseTo(other.evaluation!.totals.deliveredBps / base.evaluation!.totals.deliveredBps)
  })

  test('first-fit-vcpus places VMs host by host', () => {
    const list = [hosts.get('lab-4c-explicit')!, hosts.get('sandy-bridge-8c')!]
    const vms = workloads.get('netperf-stream')!
    // lab: 6 CPUs after housekeeping -> 6 VMs; the 7th goes to the Sandy Bridge host.
    expect(clusterBaselines[0].place(list, vms)).toEqual([0, 0, 0, 0, 0, 0, 1])
  })
})
