import {mkdtemp, readFile, readdir, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {parse} from 'csv-parse/sync'
import {beforeAll, describe, expect, test} from 'vitest'

import type {Comparison} from '../../src/report/compare-types.js'
import {type Run, root, sidecore} from './cli.js'

const scenario = path.join('data', 'scenarios', 'vhost-shared.yaml')

describe('sidecore compare on a scenario', () => {
  let dir: string
  let run: Run
  let comparison: Comparison
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-compare-'))
    await writeFile(path.join(dir, 'faster.yaml'), 'name: faster\nhosts:\n  frequency: old * 1.5\nworkload:\n  offered: old / 2\n')
    run = await sidecore(['compare', '--scenario', scenario, '--whatif', 'polling:io-cores=8', '--whatif', 'tenant-isolation',
      '--overrides', path.join(dir, 'faster.yaml'), '--out', path.join(dir, 'out'), '--json'])
    comparison = JSON.parse(run.stdout)
  }, 120_000)

  test('--json prints the comparison, and --out writes the same as compare.json with compare.csv', async () => {
    expect(run.code, run.stderr).toBe(0)
    expect((await readdir(path.join(dir, 'out'))).sort()).toEqual(['compare.csv', 'compare.json'])
    expect(JSON.parse(await readFile(path.join(dir, 'out', 'compare.json'), 'utf8'))).toEqual(comparison)
    expect(comparison.kind).toBe('comparison')
    expect(comparison.version).toBe(1)
    expect(comparison.variants.map(v => v.name)).toEqual(['polling:io-cores=8', 'tenant-isolation', 'faster'])
    expect(comparison.variants[2].source).toBe(`overrides ${path.join(dir, 'faster.yaml')}`)
    const csv = (await readFile(path.join(dir, 'out', 'compare.csv'), 'utf8')).trim().split('\n')
    expect(csv).toHaveLength(1 + 1 + 3)
    const header = csv[0].split(',')
    const gbps = header.indexOf('gbps_per_cpu')
    csv.slice(1).forEach((line, i) => {
      const row = i === 0 ? comparison.baseline : comparison.variants[i - 1]
      expect(Number(line.split(',').at(gbps - header.length))).toBe(Number(row.metrics.gbpsPerCpu.toPrecision(6)))
    })
  })

  test('the baseline\'s figures are those of `sidecore evaluate` on the same scenario', async () => {
    const ev = JSON.parse((await sidecore(['evaluate', scenario, '--json'])).stdout).evaluation
    expect(comparison.baseline.metrics.gbpsPerCpu).toBe(ev.totals.bpsPerCpuHost / 1e9)
    expect(comparison.baseline.metrics.iops).toBe(ev.totals.iops)
    expect(comparison.baseline.metrics.sloViolations).toBe(ev.totals.sloViolations)
    expect(comparison.baseline.metrics.p99LatencyUs).toBe(Math.max(...ev.vms.map((v: {p99LatencyS: number}) => v.p99LatencyS)) * 1e6)
    for (const v of comparison.variants) expect(v.delta.gbpsPerCpu).toBe(v.metrics.gbpsPerCpu - comparison.baseline.metrics.gbpsPerCpu)
  }, 60_000)

  test.each([
    ['an unknown what-if', ['--whatif', 'faster-disks'], /^Error: --whatif: expected one of nic-upgrade, polling, posted-interrupts, sriov, tenant-isolation, found "faster-disks"$/m],
    ['a bad parameter', ['--whatif', 'nic-upgrade:factor=-1'], /expected factor to be a number in \[0.01, 1000\], found "-1"/],
    ['a locked-down function in an overrides file', ['--overrides', 'EVIL'], /evil\.yaml:3: hosts\.line_rate: expected one of the functions .* found evaluate\(\)/],
  ])('%s is one clear error, with no stack and nothing written', async (_what, flags, message) => {
    const evil = path.join(dir, 'evil.yaml')
    await writeFile(evil, 'name: evil\nhosts:\n  line_rate: evaluate("old * 4")\n')
    const out = path.join(dir, `bad-${flags[0]}-${flags[1].length}`)
    const r = await sidecore(['compare', '--scenario', scenario, ...flags.map(f => (f === 'EVIL' ? evil : f)), '--out', out])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(await readdir(dir)).not.toContain(path.basename(out))
  }, 60_000)
})

describe('a variant that cannot be measured', () => {
  test('is listed with the reason, and the other variants are still compared', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-compare-infeasible-'))
    const out = path.join(dir, 'with-infeasible')
    const r = await sidecore(['compare', '--scenario', scenario, '--whatif', 'polling', '--whatif', 'posted-interrupts', '--out', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Could not be measured:\n {2}polling \(plugin @sidecore\/plugin-polling\): polling workers need one I\/O CPU each: /m)
    const comparison = JSON.parse(await readFile(path.join(out, 'compare.json'), 'utf8')) as Comparison
    expect(comparison.variants.map(v => v.name)).toEqual(['posted-interrupts'])
    expect(comparison.infeasible).toHaveLength(1)
    expect(comparison.infeasible?.[0]).toMatchObject({name: 'polling', source: 'plugin @sidecore/plugin-polling'})
    expect(comparison.infeasible?.[0].reason).toMatch(/^polling workers need one I\/O CPU each: .* give the node more I\/O cores$/)
    // In compare.csv: the row with empty figures and the reason in the last column.
    const rows = parse(await readFile(path.join(out, 'compare.csv'), 'utf8'), {columns: true}) as Record<string, string>[]
    expect(rows.map(row => row.name)).toEqual(['baseline', 'posted-interrupts', 'polling'])
    expect(rows[2].hosts).toBe('')
    expect(rows[2].delta_gbps_per_cpu).toBe('')
    expect(rows[2].infeasible).toBe(comparison.infeasible?.[0].reason)
    expect(rows[1].infeasible).toBe('')
    // A variant named "baseline" is still a variant.
    const named = path.join(dir, 'baseline.yaml')
    await writeFile(named, 'name: baseline\npolicy:\n  io_cores_per_node: old * 0\n')
    const same = await sidecore(['compare', '--scenario', scenario, '--overrides', named])
    expect(same.code, same.stderr).toBe(0)
    expect(same.stdout).toMatch(/^Could not be measured:\n {2}baseline \(overrides /m)
    // The HTML report lists it under the table.
    const html = path.join(dir, 'with-infeasible.html')
    const plan = await sidecore(['plan', '--budget', '1', '--threads', '1', '--out', path.join(dir, 'plan-for-html')])
    expect(plan.code, plan.stderr).toBe(0)
    const report = await sidecore(['report', path.join(dir, 'plan-for-html'), '--html', html, '--compare', out])
    expect(report.code, report.stderr).toBe(0)
    expect(await readFile(html, 'utf8')).toContain('<li data-variant="polling"><strong>polling</strong> (plugin @sidecore/plugin-polling): polling workers need one I/O CPU each')
  }, 300_000)
})

describe('a scenario whose own policy cannot be laid out', () => {
  test('is an error at the line of its policy: exit 2, nothing written', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-compare-policy-'))
    const data = path.join(root, 'data')
    const text = (await readFile(path.join(root, scenario), 'utf8'))
      .replace(/^host: \.\.\//m, `host: ${data}/`).replace(/^workload: \.\.\//m, `workload: ${data}/`)
      .replace('notification: kick', 'notification: poll').replace('io_cores_per_node: 1', 'io_cores_per_node: 0')
    const file = path.join(dir, 'poll.yaml')
    await writeFile(file, text)
    const line = text.split('\n').findIndex(l => l.startsWith('policy:')) + 1
    const r = await sidecore(['compare', '--scenario', file, '--whatif', 'posted-interrupts', '--out', path.join(dir, 'out')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${file}:${line}: policy: cannot be laid out on this host: polling workers need dedicated I/O cores`)
    expect(await readdir(dir)).toEqual(['poll.yaml'])
  }, 120_000)
})

describe('sidecore compare on the example datacenter', () => {
  test('with no files it plans the bundled example; the baseline is the plan `sidecore plan` makes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-compare-plan-'))
    const [c, p, sriov] = await Promise.all([
      sidecore(['compare', '--whatif', 'nic-upgrade:factor=4', '--budget', '2', '--threads', '1', '--json']),
      sidecore(['plan', '--budget', '2', '--threads', '1', '--json', '--out', dir]),
      sidecore(['compare', '--whatif', 'sriov', '--budget', '1', '--threads', '1']),
    ])
    expect(c.code, c.stderr).toBe(0)
    const comparison = JSON.parse(c.stdout) as Comparison
    const plan = JSON.parse(p.stdout)
    expect(comparison.baseline.source).toBe('plan of the example datacenter')
    expect(comparison.baseline.metrics).toEqual({
      hosts: plan.hostsUsed, cpusByRole: plan.cpusByRole, gbpsPerCpu: plan.gbpsPerCpu, iops: plan.iops,
      p99LatencyUs: Math.max(...Object.values(plan.p99ByVmType as Record<string, number>)) * 1e6, sloViolations: plan.sloViolations,
    })
    expect(comparison.variants[0].source).toBe('plugin @sidecore/plugin-nic-upgrade (factor=4)')
    // A plugin's architecture is for scenarios: the comparison says so instead of ignoring it.
    expect(sriov.code, sriov.stderr).toBe(0)
    expect(sriov.stdout).toMatch(/^ {2}sriov \(plugin @sidecore\/plugin-sriov\): architecture sriov can be evaluated on a scenario \(--scenario FILE\), not planned/m)
  }, 300_000)
})
