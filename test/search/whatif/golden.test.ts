/**
 * Golden files for compare.csv and sweep.csv on the bundled examples: the example
 * datacenter planned (small budget) against two plugin what-ifs, and the ELVIS scenario
 * swept over VMs per type. Regenerate with `npx vitest run test/search/whatif -u` and
 * review the diff.
 */
import path from 'node:path'
import {beforeAll, describe, expect, test} from 'vitest'

import {loadScenario} from '../../../src/io/load.js'
import {loadLpSolver} from '../../../src/io/lp.js'
import {loadPlanInput} from '../../../src/io/plan-input.js'
import type {Comparison} from '../../../src/report/compare-types.js'
import {compareCsv} from '../../../src/report/compare.js'
import {planSummary} from '../../../src/report/plan.js'
import {sweepCsv} from '../../../src/report/sweep.js'
import {planCluster} from '../../../src/search/plan.js'
import {
  type Sweep, compareVariants, planMetrics, planSubject, scenarioSubject, sweepScenario, whatIfVariant,
} from '../../../src/search/whatif/index.js'
import {bundledWhatIfs, root} from './helpers.js'

describe('compare.csv on the example datacenter', () => {
  let comparison: Comparison
  const summaries: ReturnType<typeof planSummary>[] = []
  beforeAll(async () => {
    const input = await loadPlanInput(path.join(root, 'data', 'clusters', 'example.yaml'), path.join(root, 'data', 'workloads', 'datacenter.yaml'))
    const solve = await loadLpSolver()
    const registry = await bundledWhatIfs()
    const variants = ['nic-upgrade:factor=4', 'polling'].map(s => whatIfVariant(s, registry))
    comparison = await compareVariants(planSubject(input.models, input.workload), 'plan of the example datacenter', variants, async s => {
      const plan = await planCluster({models: s.models, workload: s.workload, objective: 'throughput-per-cpu', accounting: 'host',
        seed: 1, budget: 4, solve, allow: s.allow})
      summaries.push(planSummary(plan))
      return planMetrics(summaries.at(-1)!)
    })
  }, 120_000)

  test('matches its golden file', async () => {
    await expect(compareCsv(comparison)).toMatchFileSnapshot('../../report/golden/compare.csv')
  })

  test('every figure is the plan summary\'s, and every delta the difference to the baseline\'s', () => {
    const rows = [comparison.baseline, ...comparison.variants]
    rows.forEach((row, i) => {
      const s = summaries[i]
      expect(row.metrics.hosts).toBe(s.hostsUsed)
      expect(row.metrics.cpusByRole).toEqual(s.cpusByRole)
      expect(row.metrics.gbpsPerCpu).toBe(s.gbpsPerCpu)
      expect(row.metrics.iops).toBe(s.iops)
      expect(row.metrics.p99LatencyUs).toBe(Math.max(...Object.values(s.p99ByVmType)) * 1e6)
      expect(row.metrics.sloViolations).toBe(s.sloViolations)
      expect(row.delta.gbpsPerCpu).toBe(s.gbpsPerCpu - summaries[0].gbpsPerCpu)
      expect(row.delta.hosts).toBe(s.hostsUsed - summaries[0].hostsUsed)
      expect(row.delta.cpusByRole.io).toBe(s.cpusByRole.io - summaries[0].cpusByRole.io)
    })
  })

  test('the CSV has one row per entity and its documented columns, units in their names', () => {
    const lines = compareCsv(comparison).trim().split('\n')
    expect(lines).toHaveLength(1 + 3)
    expect(lines[0]).toBe('name,source,hosts,cpus_vm,cpus_io,cpus_housekeeping,cpus_idle,gbps_per_cpu,iops,p99_latency_us,slo_violations,'
      + 'delta_hosts,delta_cpus_vm,delta_cpus_io,delta_cpus_housekeeping,delta_cpus_idle,delta_gbps_per_cpu,delta_iops,delta_p99_latency_us,delta_slo_violations,'
      + 'infeasible')
  })
})

describe('sweep.csv on the ELVIS scenario', () => {
  let sweep: Sweep
  beforeAll(async () => {
    const s = await loadScenario(path.join(root, 'data', 'scenarios', 'elvis.yaml'))
    sweep = sweepScenario(scenarioSubject({host: s.host, calibration: s.calibration, workload: s.workload, policy: s.policy}),
      'data/scenarios/elvis.yaml', 'vms', [1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  test('matches its golden file', async () => {
    await expect(sweepCsv(sweep)).toMatchFileSnapshot('../../report/golden/sweep.csv')
  })

  test('one row per point, with the header of documented columns', () => {
    const lines = sweepCsv(sweep).trim().split('\n')
    expect(lines).toHaveLength(1 + 9)
    expect(lines[0]).toBe('value,feasible,delivered_gbps,gbps_per_cpu,gbps_per_allocated_cpu,sellable_vcpus,cpus_io,p99_latency_us,slo_violations,limit,limit_devices,frontier,reason')
  })
})
