import path from 'node:path'
import fc from 'fast-check'
import {beforeAll, describe, expect, test} from 'vitest'

import type {Subject} from '../../../src/hooks/index.js'
import {loadScenario} from '../../../src/io/load.js'
import {
  SWEEP_PARAMETERS, WhatIfError, evaluateSubject, scenarioSubject, sweepScenario, sweepValues,
} from '../../../src/search/whatif/index.js'
import {root} from './helpers.js'

describe('sweep', () => {
  let shared: Subject
  let fixed: Subject
  let elvis: Subject
  beforeAll(async () => {
    const s = await loadScenario(path.join(root, 'data', 'scenarios', 'vhost-shared.yaml'))
    shared = scenarioSubject({host: s.host, calibration: s.calibration, workload: s.workload, policy: s.policy})
    const e = await loadScenario(path.join(root, 'data', 'scenarios', 'elvis.yaml'))
    elvis = scenarioSubject({host: e.host, calibration: e.calibration, workload: e.workload, policy: e.policy})
    const f = await loadScenario(path.join(root, 'data', 'scenarios', 'vhost-per-device-pinned.yaml'))
    fixed = scenarioSubject({host: f.host, calibration: f.calibration, workload: f.workload, layout: f.layout})
  })

  test.each([
    [0, 4, 1, [0, 1, 2, 3, 4]],
    [0.5, 2, 0.5, [0.5, 1, 1.5, 2]],
    [0, 0.3, 0.1, [0, 0.1, 0.2, 0.3]],
    [3, 1, 1, []],
    [0, 1, 0, []],
  ])('values from %d to %d by %d', (from, to, step, expected) => {
    expect(sweepValues(from, to, step)).toEqual(expected)
  })

  test('each point is the evaluation of the scenario with the parameter set', () => {
    const sweep = sweepScenario(shared, 'vhost-shared', 'io-cores', [1, 2, 3])
    sweep.points.forEach(p => {
      const {layout, evaluation: ev} = evaluateSubject(SWEEP_PARAMETERS['io-cores'].apply(shared, p.value))
      expect(p.feasible).toBe(true)
      expect(p.gbpsPerCpu).toBe(ev.totals.bpsPerCpuHost / 1e9)
      expect(p.deliveredGbps).toBe(ev.totals.deliveredBps / 1e9)
      expect(p.sloViolations).toBe(ev.totals.sloViolations)
      expect(p.ioCpus).toBe(ev.cpus.filter(c => c.role === 'io').length)
      expect(p.sellableVcpus).toBe(layout.vms.reduce((s, v) => s + v.vcpuPins.length, 0))
      expect(p.limitDevices).toBe(ev.devices.filter(d => d.limit.kind === p.limit).length)
    })
    // More I/O cores: more CPUs with the io role.
    expect(sweep.points.map(p => p.ioCpus)).toEqual([4, 8, 12])
  })

  test('a point whose layout cannot be built is infeasible with the reason, not an error', () => {
    const sweep = sweepScenario(shared, 'vhost-shared', 'io-cores', [0, 1])
    expect(sweep.points[0].feasible).toBe(false)
    expect(sweep.points[0].reason).toMatch(/needs I\/O cores/)
    expect(sweep.points[1].feasible).toBe(true)
  })

  test('spin works on a fixed layout; parameters that rebuild the layout need a policy', () => {
    const sweep = sweepScenario(fixed, 'pinned', 'spin', [0, 20])
    expect(sweep.points.every(p => p.feasible)).toBe(true)
    expect(() => sweepScenario(fixed, 'pinned', 'io-cores', [1])).toThrow(WhatIfError)
    expect(() => sweepScenario(fixed, 'pinned', 'io-cores', [1])).toThrow(/expected a scenario with a policy/)
    expect(() => sweepScenario(shared, 'x', 'vms', [1.5])).toThrow(/expected whole numbers >= 0, found 1.5/)
    expect(() => sweepScenario(shared, 'x', 'colour', [1])).toThrow(/expected a parameter among io-cores, vms, load, spin, devices-per-worker/)
  })

  test('load: a scenario whose every device offers unbounded load is refused (each point would be the same)', () => {
    expect(() => sweepScenario(elvis, 'elvis', 'load', [0.5, 1, 2])).toThrow(WhatIfError)
    expect(() => sweepScenario(elvis, 'elvis', 'load', [0.5, 1, 2])).toThrow(/found every device offering "unbounded" load/)
    // With finite loads the points differ.
    const sweep = sweepScenario(shared, 'vhost-shared', 'load', [0.5, 1])
    expect(sweep.points[0].deliveredGbps).toBeLessThan(sweep.points[1].deliveredGbps)
  })

  test('the frontier: no point meeting every SLO beats a frontier point on both axes (property)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({min: 1, max: 9}), {minLength: 1, maxLength: 6}), counts => {
      const sweep = sweepScenario(elvis, 'x', 'vms', counts)
      const ok = sweep.points.filter(p => p.feasible && p.sloViolations === 0)
      for (const p of sweep.points) {
        const dominated = ok.some(o => o.gbpsPerCpu >= p.gbpsPerCpu && o.sellableVcpus >= p.sellableVcpus
          && (o.gbpsPerCpu > p.gbpsPerCpu || o.sellableVcpus > p.sellableVcpus))
        expect(p.frontier).toBe(ok.includes(p) && !dominated)
      }
    }), {numRuns: 15})
    expect(sweepScenario(elvis, 'x', 'vms', [2, 7]).points.map(p => p.frontier)).toEqual([false, true])
  })
})
