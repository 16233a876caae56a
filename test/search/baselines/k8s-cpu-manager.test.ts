/**
 * Kubernetes CPU Manager, static policy. First what the documentation states (Kubernetes
 * "Control CPU Management Policies on the Node", KEP-2902, the CPU Manager design proposal),
 * then the allocator's own specification: the table-driven cases of
 * pkg/kubelet/cm/cpumanager/cpu_assignment_test.go on the topologies of policy_test.go
 * (single socket HT; dual socket HT; dual Xeon Gold 6230, 2 sockets x 2 NUMA nodes x 10 cores
 * x 2 threads), with their inputs and expected CPU sets.
 */
import {describe, expect, test} from 'vitest'

import {
  CpuAllocationError, allocateCpus, takeByTopologyDistributed, takeByTopologyPacked,
} from '../../../src/search/baselines/k8s-cpu-manager.js'
import type {Host} from '../../../src/model/types.js'

/** A host from kubelet-style CPU details: CPU id -> [core, socket, NUMA node]. */
function machine(name: string, details: Record<number, [number, number, number]>, housekeeping: number[] = []): Host {
  const ids = Object.keys(details).map(Number).sort((a, b) => a - b)
  const seen = new Map<number, number>()
  const cpus = ids.map(id => {
    const [core, socket, node] = details[id]
    const thread = seen.get(core) ?? 0
    seen.set(core, thread + 1)
    return {id, core, socket, node, thread}
  })
  const nodeIds = [...new Set(cpus.map(c => c.node))].sort((a, b) => a - b)
  return {
    model: name,
    sockets: new Set(cpus.map(c => c.socket)).size,
    nodes: nodeIds.map(id => ({id, socket: cpus.find(c => c.node === id)!.socket, memoryBytes: 2 ** 36,
      cpus: cpus.filter(c => c.node === id).map(c => c.id)})),
    cpus,
    threadsPerCore: Math.max(...seen.values()),
    frequencyHz: 2.1e9,
    distances: nodeIds.map(a => nodeIds.map(b => (a === b ? 10 : 21))),
    nics: [],
    blockDevices: [],
    platform: {postedInterrupts: false, pvEoi: true, ioeventfd: true},
    housekeeping,
  }
}

/** "0-9,40-49" -> the CPU ids. */
function set(text: string): number[] {
  if (text === '') return []
  return text.split(',').flatMap(part => {
    const [a, b] = part.split('-').map(Number)
    return Array.from({length: (b ?? a) - a + 1}, (_, i) => a + i)
  }).sort((x, y) => x - y)
}

const range = (n: number) => Array.from({length: n}, (_, i) => i)

// topoSingleSocketHT: 8 CPUs, 4 cores, CPU i and i+4 are siblings.
const singleSocketHT = machine('single-socket-ht', Object.fromEntries(range(8).map(i => [i, [i % 4, 0, 0]])))
// topoDualSocketHT: 12 CPUs, 6 cores; even CPUs on socket/node 0, odd on 1; i and i+6 siblings.
const dualSocketHT = machine('dual-socket-ht', Object.fromEntries(range(12).map(i => [i, [i % 6, i % 2, i % 2]])))
// topoDualSocketMultiNumaPerSocketHT (dual Xeon Gold 6230): node n holds 10n..10n+9 and their siblings +40.
const gold6230 = machine('dual-xeon-gold-6230', Object.fromEntries(range(80).map(i => {
  const core = i % 40
  return [i, [core, Math.floor(core / 20), Math.floor(core / 10)]]
})))

interface Case {
  description: string
  topo: Host
  available: string
  request: number
  expect: string
}

// commonTakeByTopologyTestCases: both allocators must give these.
const common: Case[] = [
  {description: 'take zero cpus from single socket with HT', topo: singleSocketHT, available: '0-7', request: 0, expect: ''},
  {description: 'take one cpu from single socket with HT', topo: singleSocketHT, available: '0-7', request: 1, expect: '0'},
  {description: 'take one cpu from single socket with HT, some cpus are taken', topo: singleSocketHT, available: '1,3,5,6,7', request: 1, expect: '6'},
  {description: 'take two cpus from single socket with HT', topo: singleSocketHT, available: '0-7', request: 2, expect: '0,4'},
  {description: 'take all cpus from single socket with HT', topo: singleSocketHT, available: '0-7', request: 8, expect: '0-7'},
  {description: 'take two cpus from single socket with HT, only one core totally free', topo: singleSocketHT, available: '0,1,2,3,6', request: 2, expect: '2,6'},
  {description: 'take a socket of cpus from dual socket with HT', topo: dualSocketHT, available: '0-11', request: 6, expect: '0,2,4,6,8,10'},
  {description: 'take a socket of cpus from dual socket with multi-numa-per-socket with HT', topo: gold6230, available: '0-79', request: 40, expect: '0-19,40-59'},
  {description: 'take a NUMA node of cpus from dual socket with multi-numa-per-socket with HT', topo: gold6230, available: '0-79', request: 20, expect: '0-9,40-49'},
  {description: 'take a NUMA node of cpus ..., with 1 NUMA node already taken', topo: gold6230, available: '10-39,50-79', request: 20, expect: '10-19,50-59'},
  {description: 'take a socket and a NUMA node of cpus from dual socket with multi-numa-per-socket with HT', topo: gold6230, available: '0-79', request: 60, expect: '0-29,40-69'},
  {description: 'take a socket and a NUMA node of cpus ..., a core taken', topo: gold6230, available: '1-39,41-79', request: 60, expect: '10-39,50-79'},
]

describe('what the documentation states', () => {
  test('design proposal: cpu 2.0 gets two sibling threads on the same physical core (HT)', () => {
    const cpus = allocateCpus(dualSocketHT, set('0-11'), 2, {distributeAcrossNuma: false})
    const cores = new Set(cpus.map(c => dualSocketHT.cpus[c].core))
    expect(cpus).toEqual([0, 6])
    expect(cores.size).toBe(1)
  })

  test('design proposal: cpu 2.0 gets two physical cores on the same socket (no HT)', () => {
    const noHt = machine('dual-socket-no-ht', Object.fromEntries(range(8).map(i => [i, [i, Math.floor(i / 4), Math.floor(i / 4)]])))
    const cpus = allocateCpus(noHt, set('0-7'), 2, {distributeAcrossNuma: false})
    expect(new Set(cpus.map(c => noHt.cpus[c].socket)).size).toBe(1)
    expect(cpus).toEqual([0, 1])
  })

  test('packing fills one NUMA node and spills the rest to the next', () => {
    // 21 CPUs on the Gold 6230 (20 per node): the whole of node 0, then one thread of node 1.
    const cpus = allocateCpus(gold6230, set('0-79'), 21, {distributeAcrossNuma: false})
    const perNode = countBy(cpus.map(c => gold6230.cpus[c].node))
    expect(perNode).toEqual({0: 20, 1: 1})
  })

  test('KEP-2902: a request of 1 + CPUs per NUMA node is spread evenly across 2 NUMA nodes', () => {
    const cpus = allocateCpus(gold6230, set('0-79'), 21, {distributeAcrossNuma: true})
    const perNode = Object.values(countBy(cpus.map(c => gold6230.cpus[c].node))).sort()
    expect(perNode).toEqual([10, 11])
  })

  test('distribute-cpus-across-numa only acts when one NUMA node is not enough', () => {
    expect(allocateCpus(gold6230, set('0-79'), 8, {distributeAcrossNuma: true}))
      .toEqual(allocateCpus(gold6230, set('0-79'), 8, {distributeAcrossNuma: false}))
  })

  test('full-pcpus-only: a request that is not a multiple of the threads per core is refused (SMTAlignmentError)', () => {
    expect(() => allocateCpus(dualSocketHT, set('0-11'), 3, {distributeAcrossNuma: false, fullPcpusOnly: true}))
      .toThrow(CpuAllocationError)
    expect(() => allocateCpus(dualSocketHT, set('0-11'), 3, {distributeAcrossNuma: false, fullPcpusOnly: true}))
      .toThrow(/SMT Alignment Error/)
  })

  test('full-pcpus-only: siblings of reserved CPUs do not count as whole physical CPUs', () => {
    // CPU 0 reserved: its sibling 4 is free but its core is not whole; 6 physical CPUs remain.
    const reserved = machine('single-socket-ht-reserved', Object.fromEntries(range(8).map(i => [i, [i % 4, 0, 0]])), [0])
    expect(() => allocateCpus(reserved, set('1-7'), 8, {distributeAcrossNuma: false, fullPcpusOnly: true})).toThrow(/physical/)
    expect(allocateCpus(reserved, set('1-7'), 6, {distributeAcrossNuma: false, fullPcpusOnly: true})).toEqual([1, 2, 3, 5, 6, 7])
  })

  test('full-pcpus-only: every core handed out is whole', () => {
    const cpus = allocateCpus(gold6230, set('1-79'), 12, {distributeAcrossNuma: false, fullPcpusOnly: true})
    const cores = countBy(cpus.map(c => gold6230.cpus[c].core))
    expect(Object.values(cores).every(n => n === 2)).toBe(true)
  })

  test('both options: distributed across NUMA nodes in chunks of whole cores', () => {
    const cpus = allocateCpus(gold6230, set('0-79'), 26, {distributeAcrossNuma: true, fullPcpusOnly: true})
    expect(cpus).toEqual(set('0-6,10-15,40-46,50-55'))
  })

  test('not enough CPUs', () => {
    expect(() => allocateCpus(singleSocketHT, set('0,2,4,6'), 5, {distributeAcrossNuma: false}))
      .toThrow('not enough cpus available to satisfy request: requested=5, available=4')
  })
})

function countBy(values: number[]): Record<number, number> {
  const out: Record<number, number> = {}
  for (const v of values) out[v] = (out[v] ?? 0) + 1
  return out
}

describe('TestTakeByTopologyNUMAPacked', () => {
  const cases: Case[] = [
    ...common,
    {description: 'take one cpu from dual socket with HT - core from Socket 0', topo: dualSocketHT, available: '1,2,3,4,5,7,8,9,10,11', request: 1, expect: '2'},
    {description: 'allocate 4 full cores with 3 coming from the first NUMA node (filling it up) and 1 coming from the second NUMA node',
      topo: dualSocketHT, available: '0-11', request: 8, expect: '0,6,2,8,4,10,1,7'},
    {description: 'allocate 32 full cores with 30 coming from the first 3 NUMA nodes (filling them up) and 2 coming from the fourth NUMA node',
      topo: gold6230, available: '0-79', request: 64, expect: '0-29,40-69,30,31,70,71'},
  ]
  test.each(cases)('$description', c => {
    expect(takeByTopologyPacked(c.topo, set(c.available), c.request)).toEqual(set(c.expect))
  })

  test('take more cpus than are available from single socket with HT', () => {
    expect(() => takeByTopologyPacked(singleSocketHT, set('0,2,4,6'), 5)).toThrow(CpuAllocationError)
  })
})

describe('TestTakeByTopologyNUMADistributed', () => {
  const cases: (Case & {group: number})[] = [
    ...common.map(c => ({...c, group: 1})),
    {description: 'allocate 4 full cores with 2 distributed across each NUMA node', topo: dualSocketHT, available: '0-11', request: 8, group: 1,
      expect: '0,6,2,8,1,7,3,9'},
    {description: 'allocate 32 full cores with 8 distributed across each NUMA node', topo: gold6230, available: '0-79', request: 64, group: 1,
      expect: '0-7,10-17,20-27,30-37,40-47,50-57,60-67,70-77'},
    {description: 'allocate 24 full cores with 8 distributed across the first 3 NUMA nodes', topo: gold6230, available: '0-79', request: 48, group: 1,
      expect: '0-7,10-17,20-27,40-47,50-57,60-67'},
    {description: 'allocate 24 full cores with 8 distributed across the first 3 NUMA nodes (taking all but 2 from the first NUMA node)',
      topo: gold6230, available: '1-29,32-39,41-69,72-79', request: 48, group: 1, expect: '1-8,10-17,20-27,41-48,50-57,60-67'},
    {description: 'allocate 24 full cores with 8 distributed across the last 3 NUMA nodes (even though all 8 could be allocated from the first NUMA node)',
      topo: gold6230, available: '2-29,31-39,42-69,71-79', request: 48, group: 1, expect: '10-17,20-27,31-38,50-57,60-67,71-78'},
    {description: 'allocate 8 full cores with 2 distributed across each NUMA node', topo: gold6230,
      available: '0-2,10-12,20-22,30-32,40-41,50-51,60-61,70-71', request: 16, group: 1, expect: '0-1,10-11,20-21,30-31,40-41,50-51,60-61,70-71'},
    {description: 'take one cpu from dual socket with HT - core from Socket 0', topo: dualSocketHT, available: '1,2,3,4,5,7,8,9,10,11', request: 1, group: 1,
      expect: '1'},
    {description: 'take one cpu from dual socket with HT - core from Socket 0 - cpuGroupSize 2', topo: dualSocketHT, available: '1,2,3,4,5,7,8,9,10,11',
      request: 1, group: 2, expect: '2'},
    {description: 'allocate 13 full cores distributed across the first 2 NUMA nodes', topo: gold6230, available: '0-79', request: 26, group: 1,
      expect: '0-6,10-16,40-45,50-55'},
    {description: 'allocate 13 full cores distributed across the first 2 NUMA nodes (cpuGroupSize 2)', topo: gold6230, available: '0-79', request: 26,
      group: 2, expect: '0-6,10-15,40-46,50-55'},
    {description: 'allocate 31 full cores with 15 CPUs distributed across each NUMA node and 1 CPU spilling over to each of NUMA 0, 1',
      topo: gold6230, available: '0-79', request: 62, group: 1, expect: '0-7,10-17,20-27,30-37,40-47,50-57,60-66,70-76'},
    {description: 'allocate 31 full cores with 14 CPUs distributed across each NUMA node and 2 CPUs spilling over to each of NUMA 0, 1, 2 (cpuGroupSize 2)',
      topo: gold6230, available: '0-79', request: 62, group: 2, expect: '0-7,10-17,20-27,30-36,40-47,50-57,60-67,70-76'},
    {description: 'allocate 31 full cores with 15 CPUs distributed across each NUMA node and 1 CPU spilling over to each of NUMA 2, 3 (to keep balance)',
      topo: gold6230, available: '0-8,10-18,20-39,40-48,50-58,60-79', request: 62, group: 1, expect: '0-7,10-17,20-27,30-37,40-46,50-56,60-67,70-77'},
    {description: 'allocate 31 full cores with 14 CPUs distributed across each NUMA node and 2 CPUs spilling over to each of NUMA 0, 2, 3 (to keep balance with cpuGroupSize 2)',
      topo: gold6230, available: '0-8,10-18,20-39,40-48,50-58,60-79', request: 62, group: 2, expect: '0-7,10-16,20-27,30-37,40-47,50-56,60-67,70-77'},
    {description: 'ensure bestRemainder chosen with NUMA nodes that have enough CPUs to satisfy the request', topo: gold6230,
      available: '0-3,10-13,20-23,30-36,40-43,50-53,60-63,70-76', request: 34, group: 1, expect: '0-3,10-13,20-23,30-34,40-43,50-53,60-63,70-74'},
  ]
  test.each(cases)('$description', c => {
    expect(takeByTopologyDistributed(c.topo, set(c.available), c.request, c.group)).toEqual(set(c.expect))
  })
})
