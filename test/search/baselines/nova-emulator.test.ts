/**
 * Nova `hw:emulator_threads_policy`, per the table of the Nova documentation, "CPU
 * topologies" (doc/source/admin/cpu-topologies.rst), and the worked examples in the comments
 * of nova/virt/hardware.py for the pCPU an `isolate` instance gets.
 */
import {describe, expect, test} from 'vitest'

import {dedicatedPcpus, placeEmulatorThreads} from '../../../src/search/baselines/nova-emulator.js'

describe('the documentation\'s table', () => {
  const pins = [2, 3]
  const sharedSet = [0, 1]

  test('policy unset, cpu_shared_set set: pinned to all of the instance\'s pCPUs', () => {
    expect(placeEmulatorThreads('unset', {pins, sharedSet})).toEqual({cpus: [2, 3], reserved: []})
  })

  test('policy unset, cpu_shared_set unset: pinned to all of the instance\'s pCPUs', () => {
    expect(placeEmulatorThreads('unset', {pins})).toEqual({cpus: [2, 3], reserved: []})
  })

  test('share, cpu_shared_set set: pinned to cpu_shared_set', () => {
    expect(placeEmulatorThreads('share', {pins, sharedSet})).toEqual({cpus: [0, 1], reserved: []})
  })

  test('share, cpu_shared_set unset: pinned to all of the instance\'s pCPUs', () => {
    expect(placeEmulatorThreads('share', {pins, sharedSet: []})).toEqual({cpus: [2, 3], reserved: []})
    expect(placeEmulatorThreads('share', {pins})).toEqual({cpus: [2, 3], reserved: []})
  })

  test.each([true, false])('isolate (cpu_shared_set set: %s): a single pCPU distinct from the instance\'s pCPUs', withShared => {
    const placed = placeEmulatorThreads('isolate', {pins, freeSiblings: [[2, 3], [4, 5]], sharedSet: withShared ? sharedSet : undefined})
    expect(placed.cpus).toHaveLength(1)
    expect(pins).not.toContain(placed.cpus[0])
    expect(sharedSet).not.toContain(placed.cpus[0])
    expect(placed.reserved).toEqual(placed.cpus)
  })
})

describe('isolate takes one more pCPU from cpu_dedicated_set', () => {
  test('an isolate instance needs flavor.vcpus + 1 PCPUs; the others flavor.vcpus', () => {
    expect(dedicatedPcpus(4, 'isolate')).toBe(5)
    expect(dedicatedPcpus(4, 'share')).toBe(4)
    expect(dedicatedPcpus(4, 'unset')).toBe(4)
  })

  test('hardware.py: vcpus_pinning=[(0, 2), (1, 3)], usable_cores=[(2, 3), (4, 5)] -> cpuset_reserved=[4]', () => {
    expect(placeEmulatorThreads('isolate', {pins: [2, 3], freeSiblings: [[2, 3], [4, 5]]}).reserved).toEqual([4])
  })

  test('hardware.py: vcpus_pinning=[(0, 0), (1, 2)], usable_cores=[[0, 1], [2, 3], [4, 5]] -> cpuset_reserved=[1]', () => {
    // The sibling of vCPU 0's pCPU is free, and it comes first.
    expect(placeEmulatorThreads('isolate', {pins: [0, 2], freeSiblings: [[0, 1], [2, 3], [4, 5]]}).reserved).toEqual([1])
  })

  test('hardware.py, hw:cpu_thread_policy=isolate: the same pins leave usable_cores=[[4, 5]] -> [4]', () => {
    expect(placeEmulatorThreads('isolate', {pins: [0, 2], freeSiblings: [[0, 1], [2, 3], [4, 5]], threadIsolate: true}).reserved).toEqual([4])
  })

  test('no free pCPU left in the cell: the instance does not fit', () => {
    expect(() => placeEmulatorThreads('isolate', {pins: [0, 1], freeSiblings: [[0, 1]]})).toThrow(/isolate/)
  })
})
