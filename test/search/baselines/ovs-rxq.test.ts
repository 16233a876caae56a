/**
 * OVS `pmd-rxq-assign` against the worked examples of the Open vSwitch documentation, "PMD
 * Threads" (Documentation/topics/dpdk/pmd.rst, "Automatic Port/Rx Queue assignment to PMD
 * threads"), then NUMA locality and the edge cases the page does not show.
 */
import {describe, expect, test} from 'vitest'

import {type Pmd, type Rxq, type RxqAssignMode, assignRxqs} from '../../../src/search/baselines/ovs-rxq.js'

/** Queues per PMD core, in assignment order, as the documentation draws them. */
function byCore(result: Map<string, number>, pmds: Pmd[]): Record<number, string[]> {
  const out: Record<number, string[]> = {}
  for (const p of pmds) out[p.core] = []
  for (const [q, core] of result) out[core].push(q)
  return out
}

// "five Rx queues and three cores - 3, 7, and 8 - available"
const cores: Pmd[] = [{core: 3, numa: 0}, {core: 7, numa: 0}, {core: 8, numa: 0}]
const queues = (usage: Record<string, number>): Rxq[] =>
  Object.entries(usage).map(([id, percent]) => ({id, numa: 0, cycles: percent}))

describe('the documentation\'s worked examples', () => {
  test('cycles: Q0 30%, Q1 80%, Q3 60%, Q4 70%, Q5 10%', () => {
    const rxqs = queues({Q0: 30, Q1: 80, Q3: 60, Q4: 70, Q5: 10})
    // Core 3: Q1 (80%) |
    // Core 7: Q4 (70%) | Q5 (10%)
    // Core 8: Q3 (60%) | Q0 (30%)
    expect(byCore(assignRxqs('cycles', rxqs, cores), cores)).toEqual({3: ['Q1'], 7: ['Q4', 'Q5'], 8: ['Q3', 'Q0']})
  })

  test('group: Q0 10%, Q1 80%, Q3 50%, Q4 70%, Q5 10%', () => {
    const rxqs = queues({Q0: 10, Q1: 80, Q3: 50, Q4: 70, Q5: 10})
    // Core 3: Q1 (80%) |
    // Core 7: Q4 (70%) |
    // Core 8: Q3 (50%) | Q0 (10%) | Q5 (10%)
    expect(byCore(assignRxqs('group', rxqs, cores), cores)).toEqual({3: ['Q1'], 7: ['Q4'], 8: ['Q3', 'Q0', 'Q5']})
  })

  test('roundrobin: P0Q0, P0Q1, P1Q0, P1Q1, P1Q2', () => {
    const rxqs = ['P0Q0', 'P0Q1', 'P1Q0', 'P1Q1', 'P1Q2'].map(id => ({id, numa: 0, cycles: 0}))
    // Core 3: P0Q0 | P1Q1
    // Core 7: P0Q1 | P1Q2
    // Core 8: P1Q0 |
    expect(byCore(assignRxqs('roundrobin', rxqs, cores), cores)).toEqual({3: ['P0Q0', 'P1Q1'], 7: ['P0Q1', 'P1Q2'], 8: ['P1Q0']})
  })

  test('roundrobin ignores the measured cycles', () => {
    const rxqs = queues({Q0: 30, Q1: 80, Q3: 60, Q4: 70, Q5: 10})
    expect(byCore(assignRxqs('roundrobin', rxqs, cores), cores)).toEqual({3: ['Q0', 'Q4'], 7: ['Q1', 'Q5'], 8: ['Q3']})
  })

  test('cycles and group differ on the group example: cycles keeps the queue counts even', () => {
    const rxqs = queues({Q0: 10, Q1: 80, Q3: 50, Q4: 70, Q5: 10})
    // Sorted Q1 80, Q4 70, Q3 50, Q0 10, Q5 10 walked 3, 7, 8, 8, 7.
    expect(byCore(assignRxqs('cycles', rxqs, cores), cores)).toEqual({3: ['Q1'], 7: ['Q4', 'Q5'], 8: ['Q3', 'Q0']})
  })
})

describe('the up/down walk of cycles', () => {
  test('eight queues on three cores go 3,7,8,8,7,3,3,7', () => {
    const rxqs = Array.from({length: 8}, (_, i) => ({id: `q${i}`, numa: 0, cycles: 100 - i}))
    const result = assignRxqs('cycles', rxqs, cores)
    expect(rxqs.map(q => result.get(q.id))).toEqual([3, 7, 8, 8, 7, 3, 3, 7])
  })

  test('PMDs are walked by core id whatever order they are given in', () => {
    const shuffled = [cores[2], cores[0], cores[1]]
    const rxqs = queues({Q0: 30, Q1: 80, Q3: 60, Q4: 70, Q5: 10})
    expect(assignRxqs('cycles', rxqs, shuffled)).toEqual(assignRxqs('cycles', rxqs, cores))
  })

  test('equal cycles keep port/queue order', () => {
    const rxqs = ['a', 'b', 'c'].map(id => ({id, numa: 0, cycles: 5}))
    const result = assignRxqs('cycles', rxqs, cores)
    expect(['a', 'b', 'c'].map(id => result.get(id))).toEqual([3, 7, 8])
  })
})

describe('NUMA locality', () => {
  const twoNodes: Pmd[] = [{core: 2, numa: 0}, {core: 4, numa: 0}, {core: 10, numa: 1}, {core: 12, numa: 1}]

  test.each<RxqAssignMode>(['roundrobin', 'cycles', 'group'])('%s keeps every queue on a PMD of its own node', mode => {
    const rxqs = Array.from({length: 6}, (_, i) => ({id: `q${i}`, numa: i % 2, cycles: 10 * (i + 1)}))
    const result = assignRxqs(mode, rxqs, twoNodes)
    for (const q of rxqs) expect(twoNodes.find(p => p.core === result.get(q.id))!.numa).toBe(q.numa)
  })

  test('group prefers a busy local PMD to an idle remote one', () => {
    const rxqs = [{id: 'heavy', numa: 0, cycles: 90}, {id: 'light', numa: 0, cycles: 10}]
    const result = assignRxqs('group', rxqs, [{core: 2, numa: 0}, {core: 10, numa: 1}])
    expect(result.get('heavy')).toBe(2)
    expect(result.get('light')).toBe(2)
  })

  test('with no local PMD, the nodes that have PMDs are taken in turn', () => {
    // Queues on node 1; PMDs only on nodes 0 and 2: node 0, node 2, node 0, ... and each
    // node's own round-robin picks the PMD.
    const pmds: Pmd[] = [{core: 1, numa: 0}, {core: 3, numa: 0}, {core: 20, numa: 2}]
    const rxqs = ['a', 'b', 'c', 'd'].map(id => ({id, numa: 1, cycles: 0}))
    const result = assignRxqs('roundrobin', rxqs, pmds)
    expect(['a', 'b', 'c', 'd'].map(id => result.get(id))).toEqual([1, 20, 3, 20])
  })

  test('remote queues share the round-robin position with local ones', () => {
    const pmds: Pmd[] = [{core: 1, numa: 0}, {core: 3, numa: 0}]
    const rxqs = [{id: 'local', numa: 0, cycles: 0}, {id: 'remote', numa: 1, cycles: 0}]
    const result = assignRxqs('roundrobin', rxqs, pmds)
    expect([result.get('local'), result.get('remote')]).toEqual([1, 3])
  })

  test('with no local PMD, group takes the least loaded PMD of the node whose turn it is', () => {
    const pmds: Pmd[] = [{core: 1, numa: 0}, {core: 3, numa: 0}]
    const rxqs = [{id: 'x', numa: 0, cycles: 50}, {id: 'y', numa: 1, cycles: 40}, {id: 'z', numa: 1, cycles: 5}]
    const result = assignRxqs('group', rxqs, pmds)
    expect([result.get('x'), result.get('y'), result.get('z')]).toEqual([1, 3, 3])
  })
})

describe('edge cases', () => {
  test.each<RxqAssignMode>(['roundrobin', 'cycles', 'group'])('%s: more PMDs than queues leaves PMDs idle, one queue each', mode => {
    const pmds: Pmd[] = [0, 1, 2, 3, 4].map(core => ({core, numa: 0}))
    const rxqs = [{id: 'a', numa: 0, cycles: 3}, {id: 'b', numa: 0, cycles: 2}]
    const result = assignRxqs(mode, rxqs, pmds)
    expect(new Set(result.values()).size).toBe(2)
    expect([result.get('a'), result.get('b')]).toEqual([0, 1])
  })

  test('no PMD at all: no queue is polled', () => {
    expect(assignRxqs('cycles', [{id: 'a', numa: 0, cycles: 1}], []).size).toBe(0)
  })

  test('no queues: nothing assigned', () => {
    expect(assignRxqs('group', [], cores).size).toBe(0)
  })

  test('group counts queues when the queue has no measured cycles', () => {
    // Core 3 carries more cycles but fewer queues: a queue without cycles goes there.
    const rxqs = [{id: 'big', numa: 0, cycles: 100}, {id: 's1', numa: 0, cycles: 1}, {id: 's2', numa: 0, cycles: 1},
      {id: 'none', numa: 0, cycles: 0}]
    const two: Pmd[] = [{core: 3, numa: 0}, {core: 7, numa: 0}]
    const result = assignRxqs('group', rxqs, two)
    expect(byCore(result, two)).toEqual({3: ['big', 'none'], 7: ['s1', 's2']})
  })

  test('a single PMD takes every queue in every mode', () => {
    const one: Pmd[] = [{core: 5, numa: 0}]
    const rxqs = queues({a: 1, b: 2, c: 3})
    for (const mode of ['roundrobin', 'cycles', 'group'] as const) {
      expect([...assignRxqs(mode, rxqs, one).values()]).toEqual([5, 5, 5])
    }
  })
})
