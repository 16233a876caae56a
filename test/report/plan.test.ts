import {describe, expect, test} from 'vitest'

import type {Layout} from '../../src/model/types.js'
import {escapeHtml, htmlReport, modelSections} from '../../src/report/html/index.js'
import {planSummary, renderPlanSummary} from '../../src/report/plan.js'
import {stripAnsi} from '../../src/report/terminal.js'
import type {Plan} from '../../src/search/plan.js'
import {sampleEvaluation} from './fixture.js'

const ESC = '\u001b'

/** A plan of two hosts sharing the fixture's layout (one VM misses its SLO). */
function samplePlan(): Plan {
  const evaluation = sampleEvaluation()
  const layout: Layout = {
    host: evaluation.host,
    roles: Object.fromEntries(evaluation.cpus.map(c => [c.id, c.role])),
    vms: [{vm: 'web-0', node: 0, vcpuPins: [1, 2]}, {vm: 'db-0', node: 1, vcpuPins: [5, 6, 7]}],
    workers: evaluation.workers.map(w => ({id: w.id, architecture: w.architecture, cpus: w.cpus, floating: w.floating, notification: w.notification, devices: w.devices})),
    interrupt: 'posted',
    sharing: 'same-cgroup',
    vcpuOvercommit: 1,
  }
  return {
    objective: 'throughput-per-cpu', accounting: 'host', seed: 1,
    mixes: [{model: 'dl380 <gen9>', counts: [1, 1], layout, evaluation}],
    hosts: [
      {id: 'dl380-0', model: 'dl380 <gen9>', labels: {}, mix: 0, vms: ['web-0', 'db-0']},
      {id: 'dl380-1', model: 'dl380 <gen9>', labels: {}, mix: 0, vms: ['web-1', 'db-1']},
    ],
    vms: [
      {id: 'web-0', type: 'web', host: 'dl380-0'}, {id: 'db-0', type: 'db', host: 'dl380-0'},
      {id: 'web-1', type: 'web', host: 'dl380-1'}, {id: 'db-1', type: 'db', host: 'dl380-1'},
      {id: 'db-2', type: 'db', reason: 'the cluster has no host left that can take it'},
    ],
    bound: 15.5, placementObjective: 16, gap: 0.03125, searches: 0, evaluations: 0,
  }
}

describe('plan summary', () => {
  const summary = planSummary(samplePlan())

  test('one row per host model: hosts, layouts, I/O CPUs and what limits its devices, in words', () => {
    expect(summary.models).toEqual([{
      model: 'dl380 <gen9>', hosts: 2, layouts: 1, ioCpus: [1, 1],
      gbpsPerCpu: sampleEvaluation().totals.deliveredBps * 2 / 1e9 / 16,
      worstP99S: 4.56789e-3,
      limits: [
        {kind: 'block-device-iops', description: 'block device IOPS', devices: 2},
        {kind: 'worker-cpu', description: 'I/O worker CPU', devices: 2},
      ],
    }])
    const text = renderPlanSummary(summary)
    expect(text).toMatch(/^dl380 <gen9> +2 +1 +1 +1\.34 +4\.57 ms +block device IOPS \(2\), I\/O worker CPU \(2\)$/m)
    expect(text).not.toContain('worker-cpu')
  })

  test('no colour unless asked; asked, met SLOs are green and violations and unplaced VMs red', () => {
    const plain = renderPlanSummary(summary)
    expect(plain).not.toContain(ESC)
    const coloured = renderPlanSummary(summary, {color: true})
    expect(coloured).toContain(`${ESC}[31m2 violations${ESC}[39m`)
    expect(coloured).toContain(`${ESC}[31m; 1 unplaced${ESC}[39m`)
    expect(coloured).toContain(`${ESC}[1mHost models${ESC}[22m`)
    expect(stripAnsi(coloured)).toBe(plain)
    const met = planSummary({...samplePlan(), mixes: samplePlan().mixes.map(m => ({...m, evaluation: {...m.evaluation, totals: {...m.evaluation.totals, sloViolations: 0}}}))})
    expect(renderPlanSummary({...met, unplaced: []}, {color: true})).toContain(`${ESC}[32mmet everywhere${ESC}[39m`)
  })

  test('a plan that leaves VMs unplaced never says "met everywhere", and lists their types under p99', () => {
    const met = planSummary({...samplePlan(), mixes: samplePlan().mixes.map(m => ({...m, evaluation: {...m.evaluation, totals: {...m.evaluation.totals, sloViolations: 0}}}))})
    expect(met.unplaced.length).toBeGreaterThan(0)
    const text = renderPlanSummary(met)
    expect(text).toMatch(new RegExp(`^SLO +met by the ${met.vmsPlaced} placed VMs?; ${met.unplaced.length} not placed$`, 'm'))
    expect(text).not.toContain('met everywhere')
    const missing = {...met, p99ByVmType: {}}
    for (const u of met.unplaced) expect(renderPlanSummary(missing)).toMatch(new RegExp(`^${u.type} +none placed$`, 'm'))
  })

  test('a plan that places no VM says so instead of "met everywhere"', () => {
    const empty = {...summary, vmsPlaced: 0, sloViolations: 0}
    expect(renderPlanSummary(empty)).toMatch(/^SLO +no VM placed$/m)
    expect(renderPlanSummary(empty)).not.toContain('met everywhere')
  })

  test('aligned: every row of the host model table as wide as its header rule at most', () => {
    const lines = renderPlanSummary(summary).split('\n')
    const at = lines.findIndex(l => l.startsWith('Host model '))
    const rule = lines[at + 1]
    expect(rule).toMatch(/^-+( +-+)+$/)
    for (const l of lines) expect(l).toBe(l.trimEnd())
  })
})

describe('HTML page (pure)', () => {
  test('without the model inputs the page says why the model curves are missing, and still draws the CPU map', async () => {
    const plan = samplePlan()
    const sections = modelSections(plan)
    expect(sections).toHaveLength(1)
    expect(sections[0].note).toContain('cluster and workload')
    expect(sections[0].io).toEqual([{mix: 'mix 0', source: 'plan', ioCpus: 1, gbpsPerCpu: sampleEvaluation().totals.bpsPerCpuHost / 1e9, sloMet: false}])
    const html = await htmlReport({cluster: 'c', workload: 'w', summary: planSummary(plan), sections})
    expect(html).toContain('No model curves: the model curves need the cluster and workload')
    expect(html).toContain('Host model dl380 &lt;gen9&gt;')
    expect(html).not.toContain('dl380 <gen9>')
    expect(html.match(/<figure class="chart"/g)).toHaveLength(2)
    expect(html).toMatch(/data-chart="cpu-map"[\s\S]*?<svg[\s\S]*?class="mark-rect/)
    expect(html).toContain('Unplaced VMs')
  })

  test('the same input gives the same page, byte for byte', async () => {
    const plan = samplePlan()
    const one = await htmlReport({cluster: 'c', workload: 'w', summary: planSummary(plan), sections: modelSections(plan)})
    const two = await htmlReport({cluster: 'c', workload: 'w', summary: planSummary(plan), sections: modelSections(plan)})
    expect(one).toBe(two)
  })

  test.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['a "quoted" & \'single\'', 'a &quot;quoted&quot; &amp; &#39;single&#39;'],
  ])('escapes %s', (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped)
  })
})

describe('docs/reports.md', () => {
  test('documents every CSV column exactly as the tables declare them', async () => {
    const {readFile} = await import('node:fs/promises')
    const {columnDocsMarkdown} = await import('../../src/report/tables.js')
    const doc = await readFile(new URL('../../docs/reports.md', import.meta.url), 'utf8')
    expect(doc).toContain(columnDocsMarkdown().trimEnd().replaceAll('\n### ', '\n#### '))
  })
})
