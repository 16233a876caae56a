import path from 'node:path'
import {beforeAll, describe, expect, test} from 'vitest'

import type {Subject} from '../../../src/hooks/index.js'
import {type Scenario, loadScenario} from '../../../src/io/load.js'
import {evaluateScenario} from '../../../src/model/scenario.js'
import {
  InfeasibleVariantError, WhatIfError, compareVariants, evaluateSubject, evaluationMetrics, metricsDelta, scenarioSubject, whatIfVariant,
  type WhatIfRegistry,
} from '../../../src/search/whatif/index.js'
import {bundledWhatIfs, root, sriovArchitectures} from './helpers.js'

const subjectOf = (s: Scenario): Subject =>
  scenarioSubject({host: s.host, calibration: s.calibration, workload: s.workload, policy: s.policy, layout: s.layout})

describe('compare on a scenario', () => {
  let registry: WhatIfRegistry
  let scenario: Scenario
  beforeAll(async () => {
    registry = await bundledWhatIfs()
    scenario = await loadScenario(path.join(root, 'data', 'scenarios', 'vhost-shared.yaml'))
  })

  test('the baseline\'s figures are the evaluation\'s, as `sidecore evaluate` computes it', async () => {
    const extra = await sriovArchitectures()
    const c = await compareVariants(subjectOf(scenario), 'scenario', [], async s => evaluationMetrics(evaluateSubject(s, extra).evaluation))
    const ev = evaluateScenario(scenario).evaluation
    expect(c.baseline.metrics.gbpsPerCpu).toBe(ev.totals.bpsPerCpuHost / 1e9)
    expect(c.baseline.metrics.iops).toBe(ev.totals.iops)
    expect(c.baseline.metrics.sloViolations).toBe(ev.totals.sloViolations)
    expect(c.baseline.metrics.p99LatencyUs).toBe(Math.max(...ev.vms.map(v => v.p99LatencyS)) * 1e6)
    expect(c.baseline.metrics.cpusByRole.io).toBe(ev.cpus.filter(x => x.role === 'io').length)
    expect(c.baseline.metrics.hosts).toBe(1)
    expect(Object.values(c.baseline.delta.cpusByRole)).toEqual([0, 0, 0, 0])
  })

  test('each variant is the evaluation of the transformed scenario, and its delta the difference', async () => {
    const extra = await sriovArchitectures()
    const specs = ['polling:io-cores=8', 'sriov', 'nic-upgrade:factor=0.01', 'tenant-isolation']
    const variants = specs.map(s => whatIfVariant(s, registry))
    const c = await compareVariants(subjectOf(scenario), 'scenario', variants, async s => evaluationMetrics(evaluateSubject(s, extra).evaluation))
    expect(c.variants.map(v => v.name)).toEqual(specs)
    variants.forEach((v, i) => {
      const metrics = evaluationMetrics(evaluateSubject(v.apply(subjectOf(scenario)), extra).evaluation)
      expect(c.variants[i].metrics).toEqual(metrics)
      expect(c.variants[i].delta).toEqual(metricsDelta(metrics, c.baseline.metrics))
    })
    // Polling on eight I/O cores per node moves CPUs to the io role; slower NICs cut throughput.
    expect(c.variants[0].delta.cpusByRole.io).toBeGreaterThan(0)
    expect(c.variants[2].delta.gbpsPerCpu).toBeLessThan(0)
    expect(c.variants[0].source).toBe('plugin @sidecore/plugin-polling (io-cores=8)')
  })

  test('a variant that cannot be measured is listed with its reason, in order; any other failure stops the comparison', async () => {
    const variants = ['posted-interrupts', 'polling', 'tenant-isolation', 'nic-upgrade'].map(s => whatIfVariant(s, registry))
    const measure = async (s: Subject, name: string) => {
      if (name === 'polling' || name === 'nic-upgrade') throw new InfeasibleVariantError(`${name} does not fit`)
      return evaluationMetrics(evaluateSubject(s).evaluation)
    }

    const c = await compareVariants(subjectOf(scenario), 'scenario', variants, measure)
    expect(c.variants.map(v => v.name)).toEqual(['posted-interrupts', 'tenant-isolation'])
    expect(c.infeasible).toEqual([
      {name: 'polling', source: 'plugin @sidecore/plugin-polling', reason: 'polling does not fit'},
      {name: 'nic-upgrade', source: 'plugin @sidecore/plugin-nic-upgrade', reason: 'nic-upgrade does not fit'},
    ])
    // None infeasible: no `infeasible` key at all, so compare.json stays as it was.
    const none = await compareVariants(subjectOf(scenario), 'scenario', variants.slice(0, 1), measure)
    expect(Object.keys(none)).not.toContain('infeasible')
    // The baseline must be measurable, and other errors are not rows.
    await expect(compareVariants(subjectOf(scenario), 'scenario', [], async () => {
      throw new InfeasibleVariantError('no baseline')
    })).rejects.toThrow('no baseline')
    await expect(compareVariants(subjectOf(scenario), 'scenario', variants, async (s, name) => {
      if (name === 'polling') throw new Error('a bug')
      return evaluationMetrics(evaluateSubject(s).evaluation)
    })).rejects.toThrow('a bug')
  })

  test('what-ifs run in turn when joined by +, and leave the baseline untouched', () => {
    const base = subjectOf(scenario)
    const before = JSON.stringify(base)
    const both = whatIfVariant('nic-upgrade:factor=2+posted-interrupts', registry).apply(base)
    expect(JSON.stringify(base)).toBe(before)
    expect(both.models[0].host.nics[0].lineRateBps).toBe(2 * base.models[0].host.nics[0].lineRateBps)
    expect(both.models[0].host.platform.postedInterrupts).toBe(true)
    expect(both.policy?.interrupt).toBe('posted')
  })

  test.each([
    ['no-such-thing', /expected one of nic-upgrade, polling, posted-interrupts, sriov, tenant-isolation, found "no-such-thing"/],
    ['nic-upgrade:speed=2', /--whatif nic-upgrade: expected a parameter among factor, found "speed"/],
    ['nic-upgrade:factor=fast', /expected factor to be a number in \[0.01, 1000\], found "fast"/],
    ['nic-upgrade:factor=0', /found "0"/],
    ['Bad Name', /expected NAME or NAME:KEY=VALUE/],
    ['nic-upgrade:factor', /expected NAME or NAME:KEY=VALUE/],
  ])('--whatif %s is refused: %s', (spec, message) => {
    expect(() => whatIfVariant(spec, registry)).toThrow(WhatIfError)
    expect(() => whatIfVariant(spec, registry)).toThrow(message)
  })

  test('a what-if that throws, or answers with a malformed subject, is an error naming its plugin', () => {
    const bad = new Map([
      ['boom', {plugin: 'plugin-boom', whatif: {name: 'boom', summary: '', parameters: {}, apply: () => {
        throw new Error('no NIC here')
      }}}],
      ['junk', {plugin: 'plugin-junk', whatif: {name: 'junk', summary: '', parameters: {}, apply: () => ({kind: 'plan'}) as unknown as Subject}}],
      ['nan', {plugin: 'plugin-nan', whatif: {name: 'nan', summary: '', parameters: {}, apply: (s: Subject) => ({...s,
        models: s.models.map(m => ({...m, host: {...m.host, nics: m.host.nics.map(n => ({...n, lineRateBps: Number.NaN}))}}))})}}],
    ])
    const base = subjectOf(scenario)
    expect(() => whatIfVariant('boom', bad).apply(base)).toThrow('plugin plugin-boom: what-if boom failed: no NIC here')
    expect(() => whatIfVariant('junk', bad).apply(base)).toThrow(/plugin plugin-junk: what-if junk returned a malformed subject: expected kind "scenario"/)
    expect(() => whatIfVariant('nan', bad).apply(base)).toThrow(/plugin plugin-nan: .* expected models\[0\]\.host\.nics\[0\]: positive lineRateBps/)
  })
})
