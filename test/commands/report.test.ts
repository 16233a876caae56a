import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, readdir, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {type Browser, chromium} from 'playwright-core'
import {parse} from 'csv-parse/sync'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {parseCpuset} from '../../src/io/cpuset.js'
import {loadPlanInput} from '../../src/io/plan-input.js'
import {evaluate} from '../../src/model/evaluate.js'
import {buildLayout} from '../../src/model/layout.js'
import type {Comparison} from '../../src/report/compare-types.js'
import {layoutPolicy} from '../../src/report/html/series.js'
import {type Run, root, sidecore} from './cli.js'

/**
 * A small cluster and workload whose names are hostile: spreadsheet formulas (CSV
 * injection) and HTML (script injection). The host model is the bundled Sandy Bridge
 * box renamed; the second model is the bundled storage host.
 */
const EVIL_MODEL = '=HYPERLINK("http://evil.example/x","sb")'
const EVIL_TYPES = ['@SUM(1+1)', '+cmd', '-2+3', '\tpad', '<img src=x onerror=alert(1)>']

async function hostileInputs(dir: string): Promise<{cluster: string; workload: string}> {
  const host = (await readFile(path.join(root, 'data', 'hosts', 'sandy-bridge-8c.yaml'), 'utf8'))
    .replace(/^name: .*$/m, `name: ${JSON.stringify(EVIL_MODEL)}`)
  await writeFile(path.join(dir, 'evil-host.yaml'), host)
  const storage = path.join(root, 'data', 'hosts', 'epyc-1s-16c-storage.yaml')
  await writeFile(path.join(dir, 'cluster.yaml'), `kind: cluster
version: 1
name: "=evil-cluster"
hosts:
  - {host: evil-host.yaml, count: 3, labels: {rack: "=rack"}}
  - {host: ${JSON.stringify(storage)}, count: 2, labels: {rack: r9}}
`)
  const types = EVIL_TYPES.map((name, i) => `  - name: ${JSON.stringify(name)}
    count: 2
    vcpus: ${i === 4 ? 4 : 2}
    memory: 2 GiB
    tenant: t${i}
    cgroup: {path: "/machine.slice/t${i}"}
    devices:
      - {id: "=net0", kind: net, pattern: stream, direction: tx, size: 1448 B, offered: ${i + 1} Gbit/s}
${i === 4 ? '      - {id: disk0, kind: block, pattern: rr, direction: read, size: 4 KiB, offered: 3000 IOPS, queue_depth: 4}\n' : ''}    slo: {min_fraction: 90%, max_p99: 5 ms}
`).join('')
  await writeFile(path.join(dir, 'workload.yaml'), `kind: workload\nversion: 1\nname: "@evil-workload"\nvm_types:\n${types}`)
  return {cluster: path.join(dir, 'cluster.yaml'), workload: path.join(dir, 'workload.yaml')}
}

const comparison: Comparison = {
  kind: 'comparison',
  version: 1,
  baseline: {
    name: 'baseline', source: 'the plan',
    metrics: {hosts: 4, cpusByRole: {vm: 30, io: 0, housekeeping: 1, idle: 17}, gbpsPerCpu: 0.41, iops: 12000, p99LatencyUs: 310, sloViolations: 0},
    delta: {hosts: 0, cpusByRole: {vm: 0, io: 0, housekeeping: 0, idle: 0}, gbpsPerCpu: 0, iops: 0, p99LatencyUs: 0, sloViolations: 0},
  },
  variants: [{
    name: '<b>nic-upgrade</b>', source: 'plugin nic-upgrade (factor=4)',
    metrics: {hosts: 3, cpusByRole: {vm: 30, io: 2, housekeeping: 1, idle: 3}, gbpsPerCpu: 0.55, iops: 12000, p99LatencyUs: 250, sloViolations: 1},
    delta: {hosts: -1, cpusByRole: {vm: 0, io: 2, housekeeping: 0, idle: -14}, gbpsPerCpu: 0.14, iops: 0, p99LatencyUs: -60, sloViolations: 1},
  }],
}

interface PlanJson {
  cluster: string
  workload: string
  mixes: {model: string; layout: {roles: Record<string, string>; workers: {cpus: number[]}[]}
    evaluation: {totals: {bpsPerCpuHost: number; deliveredBps: number; cpusHost: number; iops: number; netBps: number}
      vms: {id: string; type: string; p99LatencyS: number}[]; cpus: {id: number; role: string}[]}}[]
  hosts: {id: string; model: string; mix: number; cpus: Record<string, string>; totals: Record<string, number>}[]
  vms: {id: string; type: string; host?: string}[]
}

/** RFC 4180 CSV to rows of cells (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string, options: {relax_quotes?: boolean} = {}): string[][] {
  return parse(text, options) as string[][]
}

const noStack = (r: Run) => expect(r.stderr).not.toMatch(/^\s+at /m)

describe('sidecore report', {timeout: 120_000}, () => {
  let dir: string
  let inputs: {cluster: string; workload: string}
  let planDir: string
  let plan: PlanJson
  let made: Run
  let html: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-report-'))
    inputs = await hostileInputs(dir)
    planDir = path.join(dir, 'plan')
    const planned = await sidecore(['plan', inputs.cluster, inputs.workload, '--out', planDir, '--threads', '1', '--budget', '12'])
    expect(planned.stderr).toBe('')
    expect(planned.code).toBe(0)
    plan = JSON.parse(await readFile(path.join(planDir, 'plan.json'), 'utf8'))
    await writeFile(path.join(dir, 'compare.json'), JSON.stringify(comparison))
    made = await sidecore(['report', planDir, '--html', path.join(dir, 'out', 'report.html'), '--csv', path.join(dir, 'csv'),
      '--compare', path.join(dir, 'compare.json'), '--cluster', inputs.cluster, '--workload', inputs.workload])
    html = await readFile(path.join(dir, 'out', 'report.html'), 'utf8')
  }, 300_000)

  test('writes the HTML report and the five CSV tables, and prints the summary', () => {
    expect(made.stderr).toBe('')
    expect(made.code).toBe(0)
    expect(made.stdout).toMatch(/^Hosts +\d+ used: /m)
    expect(made.stdout).toMatch(/^Host model +Hosts +Layouts +I\/O CPUs +Gbit\/s per CPU +Worst p99 +Devices limited by$/m)
    expect(made.stdout).toContain('wrote ')
    expect(made.stdout).not.toContain('\u001b[')
  })

  test('the CSV tables rebuilt from plan.json equal the ones plan wrote, byte for byte', async () => {
    for (const t of ['hosts', 'cpus', 'vms', 'devices', 'workers']) {
      expect(await readFile(path.join(dir, 'csv', `${t}.csv`), 'utf8'), t).toBe(await readFile(path.join(planDir, `${t}.csv`), 'utf8'))
    }
  })

  test('every text cell from the input files that starts like a formula is neutralised, in every CSV', async () => {
    let hostile = 0
    for (const t of ['hosts', 'cpus', 'vms', 'devices', 'workers']) {
      const rows: string[][] = parseCsv(await readFile(path.join(dir, 'csv', `${t}.csv`), 'utf8'), {relax_quotes: false})
      for (const row of rows.slice(1)) {
        for (const cell of row) {
          expect(cell, `${t}.csv cell ${JSON.stringify(cell)}`).not.toMatch(/^[=+\-@\t\r]/)
          if (cell.startsWith('\'')) hostile++
        }
      }
    }
    expect(hostile).toBeGreaterThan(20)
    const vms: string[][] = parseCsv(await readFile(path.join(dir, 'csv', 'vms.csv'), 'utf8'))
    const typeColumn = vms[0].indexOf('type')
    expect(new Set(vms.slice(1).map(r => r[typeColumn]))).toContain('\'@SUM(1+1)')
    expect(new Set(vms.slice(1).map(r => r[typeColumn]))).toContain('\'\tpad')
    const hosts: string[][] = parseCsv(await readFile(path.join(dir, 'csv', 'hosts.csv'), 'utf8'))
    expect(hosts[1][0]).toBe(`'${EVIL_MODEL}-0`)
  })

  test('one row per entity, plain numbers, and every number is plan.json\'s', async () => {
    const doc = plan as PlanJson & {mixes: {evaluation: {devices: {bitsPerS: number; p99LatencyS: number}[]; workers: unknown[]}}[]}
    const table = async (name: string) => {
      const [header, ...rows] = parseCsv(await readFile(path.join(dir, 'csv', `${name}.csv`), 'utf8'))
      return rows.map(r => Object.fromEntries(header.map((h, i) => [h, r[i]])))
    }
    const round = (x: number) => Number(x.toPrecision(6))
    const hosts = await table('hosts')
    expect(hosts.map(h => h.host.replace(/^'/, ''))).toEqual(doc.hosts.map(h => h.id))
    for (const [i, h] of doc.hosts.entries()) {
      for (const [column, value] of [['net_gbps', h.totals.netBps / 1e9], ['delivered_gbps', h.totals.deliveredBps / 1e9],
        ['cpus_host', h.totals.cpusHost], ['gbps_per_cpu_host', h.totals.bpsPerCpuHost / 1e9], ['slo_violations', h.totals.sloViolations]] as const) {
        expect(hosts[i][column], `${h.id} ${column}`).toMatch(/^-?\d+(\.\d+)?(e[-+]\d+)?$/)
        expect(Number(hosts[i][column]), `${h.id} ${column}`).toBe(round(value))
      }
    }

    const cpus = await table('cpus')
    expect(cpus).toHaveLength(doc.hosts.reduce((n, h) => n + doc.mixes[h.mix].evaluation.cpus.length, 0))
    expect(await table('vms')).toHaveLength(doc.vms.filter(v => v.host).length)
    expect(await table('workers')).toHaveLength(doc.hosts.reduce((n, h) => n + doc.mixes[h.mix].evaluation.workers.length, 0))
    const devices = await table('devices')
    const expected = doc.hosts.flatMap(h => doc.mixes[h.mix].evaluation.devices.map(d => ({host: h.id, d})))
    expect(devices).toHaveLength(expected.length)
    for (const [i, {d}] of expected.entries()) {
      expect(Number(devices[i].gbps)).toBe(round(d.bitsPerS / 1e9))
      expect(Number(devices[i].p99_latency_us)).toBe(round(d.p99LatencyS / 1e-6))
    }
  })

  test('the page escapes names from the input files', () => {
    expect(html).not.toContain('<img src=x')
    expect(html).not.toContain('<b>nic-upgrade</b>')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  test('the page needs nothing from the network: no external script, style, font or image', () => {
    expect(html).not.toMatch(/<script(?![^>]*type="application\/json")/)
    expect(html).not.toMatch(/<link\b|@import|url\(|src="http|href="http/i)
    expect(html).toContain('Content-Security-Policy')
  })

  test('the summary figures in the page are plan.json\'s', () => {
    const value = (field: string) => Number(new RegExp(`<table class="summary">[\\s\\S]*?data-field="${field}" data-value="([^"]+)"`).exec(html)?.[1])
    const hosts = plan.hosts.map(h => plan.mixes[h.mix].evaluation.totals)
    const delivered = hosts.reduce((s, t) => s + t.deliveredBps, 0)
    const cpus = hosts.reduce((s, t) => s + t.cpusHost, 0)
    expect(value('hostsUsed')).toBe(plan.hosts.length)
    expect(value('cpus')).toBe(cpus)
    expect(value('deliveredGbps')).toBeCloseTo(delivered / 1e9, 9)
    expect(value('gbpsPerCpu')).toBeCloseTo(delivered / 1e9 / cpus, 9)
    expect(value('iops')).toBeCloseTo(hosts.reduce((s, t) => s + t.iops, 0), 6)
    expect(value('vmsPlaced')).toBe(plan.vms.filter(v => v.host).length)
  })

  test('each layout row of each host model section holds the figures of its mix in plan.json', () => {
    const rows = [...html.matchAll(/<tr data-mix="(\d+)">([\s\S]*?)<\/tr>/g)]
    expect(rows.length).toBe(new Set(plan.hosts.map(h => h.mix)).size)
    for (const [, mix, cells] of rows) {
      const m = plan.mixes[Number(mix)]
      const field = (f: string) => Number(new RegExp(`data-field="${f}" data-value="([^"]+)"`).exec(cells)?.[1])
      expect(field('hosts')).toBe(plan.hosts.filter(h => h.mix === Number(mix)).length)
      expect(field('gbpsPerCpu')).toBe(m.evaluation.totals.bpsPerCpuHost / 1e9)
      expect(field('deliveredGbps')).toBe(m.evaluation.totals.deliveredBps / 1e9)
      expect(field('worstP99Us')).toBe(Math.max(...m.evaluation.vms.map(v => v.p99LatencyS)) * 1e6)
      expect(field('ioCpus')).toBe(Object.values(m.layout.roles).filter(r => r === 'io').length)
    }
  })

  const chartData = (kind: string) => [...html.matchAll(new RegExp(`data-chart="${kind}"[^>]*>[\\s\\S]*?<script type="application/json" class="chart-data">([^<]*)</script>`, 'g'))]
    .map(m => JSON.parse(m[1]) as Record<string, unknown>[])

  test('the CPU maps show every host\'s CPU roles as plan.json lists them', () => {
    const maps = chartData('cpu-map').flat() as {mix: string; cpu: number; role: string}[]
    for (const h of plan.hosts) {
      const mine = maps.filter(c => c.mix === `mix ${h.mix}`)
      const byRole: Record<string, number[]> = {}
      for (const c of mine) (byRole[c.role] ??= []).push(c.cpu)
      for (const [role, list] of Object.entries(h.cpus)) expect(byRole[role]?.sort((a, b) => a - b), `${h.id} ${role}`).toEqual(parseCpuset(list))
    }
  })

  test('the I/O core curves are the model\'s evaluations, and the plan\'s points are plan.json\'s', async () => {
    const points = chartData('io-sweep').flat() as {mix: string; source: string; ioCoresPerNode?: number; ioCpus: number; gbpsPerCpu: number}[]
    for (const p of points.filter(x => x.source === 'plan')) {
      expect(p.gbpsPerCpu).toBe(plan.mixes[Number(p.mix.slice(4))].evaluation.totals.bpsPerCpuHost / 1e9)
    }
    // Recompute one model point independently.
    const {models, workload} = await loadPlanInput(inputs.cluster, inputs.workload)
    const point = points.find(p => p.source === 'model' && p.ioCoresPerNode === 1)
    expect(point).toBeDefined()
    const mix = plan.mixes[Number(point!.mix.slice(4))] as unknown as import('../../src/search/plan.js').PlannedMix
    const model = models.find(m => m.host.model === mix.model)!
    const types = new Map(workload.entries.map(e => [e.type.name, e.type]))
    const vms = mix.layout.vms.map(p => ({id: p.vm, type: types.get(mix.evaluation.vms.find(v => v.id === p.vm)!.type)!}))
    const layout = buildLayout(model.host, vms, layoutPolicy(mix.layout, mix.evaluation, 1))
    const ev = evaluate(model.host, vms, layout, model.calibration)
    expect(point!.gbpsPerCpu).toBeCloseTo(ev.totals.bpsPerCpuHost / 1e9, 12)
  })

  test('the latency curves at the planned load are plan.json\'s p99 by VM type and model', () => {
    const sections = [...html.matchAll(/<section class="model" id="model-\d+" data-model="([^"]*)">([\s\S]*?)<\/section>/g)]
    expect(sections.length).toBe(new Set(plan.hosts.map(h => h.model)).size)
    for (const [, , body] of sections) {
      const data = JSON.parse(/data-chart="latency"[\s\S]*?class="chart-data">([^<]*)</.exec(body)![1]) as {loadPct: number; vmType: string; p99Us: number}[]
      const model = JSON.parse(/data-chart="io-sweep"[\s\S]*?class="chart-data">([^<]*)</.exec(body)![1])[0].mix as string
      const modelName = plan.mixes[Number(model.slice(4))].model
      const mixes = [...new Set(plan.hosts.filter(h => h.model === modelName).map(h => h.mix))]
      for (const d of data.filter(x => x.loadPct === 100)) {
        const worst = Math.max(...mixes.flatMap(m => plan.mixes[m].evaluation.vms.filter(v => v.type === d.vmType).map(v => v.p99LatencyS)))
        expect(d.p99Us).toBe(worst * 1e6)
      }
      expect(new Set(data.map(x => x.loadPct)).size).toBeGreaterThan(4)
    }
  })

  test('the comparison table and bars hold the compare.json figures', () => {
    const data = chartData('compare')[0] as {variant?: string; metric?: string; value?: number; role?: string; cpus?: number}[]
    for (const row of [comparison.baseline, ...comparison.variants]) {
      for (const key of ['gbpsPerCpu', 'hosts', 'p99LatencyUs', 'sloViolations'] as const) {
        expect(data.find(d => d.variant === row.name && d.metric === key)?.value).toBe(row.metrics[key])
      }
      for (const role of ['vm', 'io', 'housekeeping', 'idle'] as const) {
        expect(data.find(d => d.variant === row.name && d.role === role)?.cpus).toBe(row.metrics.cpusByRole[role])
      }
    }
    expect(html).toContain('data-field="delta.gbpsPerCpu" data-value="0.14"')
  })

  describe('in a real browser', () => {
    let browser: Browser
    beforeAll(async () => {
      browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']})
    }, 60_000)
    afterAll(async () => browser?.close())

    test('the page loads nothing, logs no error, and every chart is an SVG with marks', async () => {
      const page = await browser.newPage({viewport: {width: 1280, height: 900}})
      const file = path.join(dir, 'out', 'report.html')
      const url = `file://${file}`
      const requests: string[] = []
      const errors: string[] = []
      await page.route('**/*', route => {
        requests.push(route.request().url())
        return route.request().url() === url ? route.continue() : route.abort()
      })
      page.on('console', m => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text())
      })
      page.on('pageerror', e => errors.push(String(e)))
      page.on('requestfailed', r => errors.push(`request failed: ${r.url()}`))
      await page.goto(url, {waitUntil: 'load'})
      expect(requests).toEqual([url])
      expect(errors).toEqual([])
      const charts = await page.locator('figure.chart').evaluateAll(figures => figures.map(f => ({
        kind: f.getAttribute('data-chart'),
        svgs: f.querySelectorAll(':scope > svg').length,
        marks: f.querySelectorAll('svg .mark-rect path, svg .mark-symbol path, svg .mark-line path, svg .mark-rule line').length,
        width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      })))
      const models = new Set(plan.hosts.map(h => h.model)).size
      expect(charts.filter(c => c.kind === 'cpu-map')).toHaveLength(models)
      expect(charts.filter(c => c.kind === 'io-sweep')).toHaveLength(models)
      expect(charts.filter(c => c.kind === 'latency')).toHaveLength(models)
      expect(charts.filter(c => c.kind === 'compare')).toHaveLength(1)
      for (const c of charts) {
        expect(c.svgs, c.kind ?? '').toBe(1)
        expect(c.marks, c.kind ?? '').toBeGreaterThan(0)
        expect(c.width, c.kind ?? '').toBeGreaterThan(100)
      }
      expect(await page.title()).toContain('@evil-workload')
      const shots = await mkdtemp(path.join(os.tmpdir(), 'sidecore-report-shot-'))
      await page.screenshot({path: path.join(shots, 'report.png'), fullPage: true})
      expect((await readFile(path.join(shots, 'report.png'))).subarray(1, 4).toString()).toBe('PNG')
      await page.close()
    }, 60_000)
  })

  describe('bad input: one message, no stack, nothing written', {timeout: 120_000}, () => {
    test.each([
      ['a missing plan', (d: string) => [path.join(d, 'nowhere')], /nowhere.*plan\.json|no such file/],
    ])('%s', async (_name, args, message) => {
      const r = await sidecore(['report', ...args(dir)])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(message)
      noStack(r)
    })

    test('a host pointing at a mix that does not exist names the file, field and line', async () => {
      const text = await readFile(path.join(planDir, 'plan.json'), 'utf8')
      const bad = path.join(dir, 'bad-mix.json')
      const broken = text.replace(/"mix":\d+/, '"mix":99')
      await writeFile(bad, broken)
      const line = broken.slice(0, broken.indexOf('"mix":99')).split('\n').length
      const r = await sidecore(['report', bad])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(`${bad}:${line}: hosts[0].mix: expected the index of one of the`)
      expect(r.stderr).toContain('found 99')
      noStack(r)
    })

    test('a wrong type names the field and what was found', async () => {
      const doc = JSON.parse(await readFile(path.join(planDir, 'plan.json'), 'utf8'))
      doc.mixes[0].evaluation.totals.deliveredBps = 'lots'
      const bad = path.join(dir, 'bad-type.json')
      await writeFile(bad, JSON.stringify(doc, null, 1))
      const r = await sidecore(['report', bad])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(new RegExp(`${bad.replaceAll('.', '\\.')}:\\d+: mixes\\[0\\]\\.evaluation\\.totals\\.deliveredBps: expected a number, found "lots"`))
      noStack(r)
    })

    test('invalid JSON names the line', async () => {
      const bad = path.join(dir, 'broken.json')
      await writeFile(bad, '{"kind": "plan",\n"version": 1,\n"hosts": [,]}\n')
      const r = await sidecore(['report', bad])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(new RegExp(`${bad.replaceAll('.', '\\.')}:3: expected valid JSON`))
      noStack(r)
    })

    test('a plan.json from before reports existed asks for a new plan', async () => {
      const doc = JSON.parse(await readFile(path.join(planDir, 'plan.json'), 'utf8'))
      delete doc.mixes
      const bad = path.join(dir, 'old.json')
      await writeFile(bad, JSON.stringify(doc))
      const r = await sidecore(['report', bad])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain('expected the key "mixes"')
      expect(r.stderr).toContain('run "sidecore plan" again')
      noStack(r)
    })

    test('another kind of file is refused', async () => {
      const r = await sidecore(['report', path.join(dir, 'compare.json')])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(/compare\.json:1: kind: expected a plan \(kind: plan\).*found "comparison"/)
      noStack(r)
    })

    test('--compare without --html, and a bad compare.json', async () => {
      const a = await sidecore(['report', planDir, '--compare', path.join(dir, 'compare.json')])
      expect(a.code).not.toBe(0)
      expect(a.stderr).toContain('--compare: the comparison is drawn in the HTML report; add --html FILE')
      const bad = path.join(dir, 'bad-compare.json')
      await writeFile(bad, JSON.stringify({...comparison, variants: [{...comparison.variants[0], metrics: {...comparison.variants[0].metrics, hosts: 'x'}}]}))
      const out = path.join(dir, 'never.html')
      const b = await sidecore(['report', planDir, '--html', out, '--compare', bad])
      expect(b.code).not.toBe(0)
      expect(b.stderr).toContain(`${bad}:1: variants[0].metrics.hosts: expected a number, found "x"`)
      noStack(b)
      await expect(readdir(dir)).resolves.not.toContain('never.html')
    })

    test('a cluster file other than the plan\'s is refused by name', async () => {
      const r = await sidecore(['report', planDir, '--html', path.join(dir, 'x.html'), '--cluster', path.join(root, 'data', 'clusters', 'example.yaml'),
        '--workload', inputs.workload])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain('--cluster')
      expect(r.stderr).toContain('expected the cluster the plan was made from ("=evil-cluster"), found "example-dc"')
      noStack(r)
    })

    test('a failed write leaves the previous tables as they were', async () => {
      const out = path.join(dir, 'keep')
      await mkdir(path.join(out, 'workers.csv'), {recursive: true})
      await writeFile(path.join(out, 'hosts.csv'), 'old hosts\n')
      await writeFile(path.join(out, 'vms.csv'), 'old vms\n')
      const r = await sidecore(['report', planDir, '--csv', out])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(/^Error: cannot write /m)
      noStack(r)
      expect(await readFile(path.join(out, 'hosts.csv'), 'utf8')).toBe('old hosts\n')
      expect(await readFile(path.join(out, 'vms.csv'), 'utf8')).toBe('old vms\n')
      expect((await readdir(out)).sort()).toEqual(['hosts.csv', 'vms.csv', 'workers.csv'])
    })
  })

  // util-linux `script` runs the CLI on a pseudo-terminal, as a user at a shell would.
  test.skipIf(!existsSync('/usr/bin/script'))('colour on a terminal, none when NO_COLOR is set', async () => {
    const onTerminal = (env: NodeJS.ProcessEnv) => new Promise<string>((resolve, reject) => {
      execFile('/usr/bin/script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(root, 'bin', 'run.js'))} report ${JSON.stringify(planDir)}`, '/dev/null'],
        {env, cwd: root}, (error, stdout) => (error ? reject(error) : resolve(stdout)))
    })
    const {NO_COLOR: _unset, ...env} = process.env
    const coloured = await onTerminal(env)
    expect(coloured).toContain('\u001b[1mHosts')
    expect(coloured).toContain('\u001b[32mmet everywhere\u001b[39m')
    expect(await onTerminal({...env, NO_COLOR: '1'})).not.toContain('\u001b[')
  })

  test('--json gives the summary and the files written', async () => {
    const r = await sidecore(['report', path.join(planDir, 'plan.json'), '--json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.plan).toBe(path.join(planDir, 'plan.json'))
    expect(out.summary.hostsUsed).toBe(plan.hosts.length)
    expect(out.summary.models.map((m: {model: string}) => m.model)).toContain(EVIL_MODEL)
    expect(out.written).toEqual([])
  })
})
