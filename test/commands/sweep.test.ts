import {mkdtemp, readFile, readdir} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, test} from 'vitest'

import type {Sweep} from '../../src/search/whatif/sweep.js'
import {type Run, sidecore} from './cli.js'

describe('sidecore sweep', () => {
  let dir: string
  let run: Run
  let sweep: Sweep
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-sweep-'))
    run = await sidecore(['sweep', 'data/scenarios/vhost-shared.yaml', '--vary', 'io-cores', '--from', '0', '--to', '3', '--out', path.join(dir, 'out'), '--json'])
    sweep = JSON.parse(run.stdout)
  }, 120_000)

  test('--out writes sweep.csv and sweep.json, the same as --json prints, one row per point', async () => {
    expect(run.code, run.stderr).toBe(0)
    expect((await readdir(path.join(dir, 'out'))).sort()).toEqual(['sweep.csv', 'sweep.json'])
    expect(JSON.parse(await readFile(path.join(dir, 'out', 'sweep.json'), 'utf8'))).toEqual(sweep)
    expect(sweep.points.map(p => p.value)).toEqual([0, 1, 2, 3])
    const csv = (await readFile(path.join(dir, 'out', 'sweep.csv'), 'utf8')).trim().split('\n')
    expect(csv).toHaveLength(1 + 4)
    expect(csv[1]).toMatch(/^0,false,/)
    expect(csv[2]).toMatch(/^1,true,/)
  })

  test('a point\'s figures are `sidecore evaluate`\'s on the scenario at that value', async () => {
    // io-cores = 1 is the scenario as written.
    const ev = JSON.parse((await sidecore(['evaluate', 'data/scenarios/vhost-shared.yaml', '--json'])).stdout).evaluation
    const p = sweep.points[1]
    expect(p.gbpsPerCpu).toBe(ev.totals.bpsPerCpuHost / 1e9)
    expect(p.sloViolations).toBe(ev.totals.sloViolations)
    expect(p.ioCpus).toBe(ev.cpus.filter((c: {role: string}) => c.role === 'io').length)
  }, 60_000)

  test('with no scenario it sweeps the ELVIS example and prints a table with the frontier marked', async () => {
    const r = await sidecore(['sweep', '--vary', 'vms', '--values', '2,7,8'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Sweep of vms \(VMs per type\) on data\/scenarios\/elvis.yaml/)
    expect(r.stdout).toMatch(/^ *7 .* \* +nic-line-rate \(7\)$/m)
    expect(r.stdout).toMatch(/^ *8 .*infeasible: VM netperf-7 needs 1 free CPU/m)
    // Every row puts its columns at the same places, the infeasible one too.
    const rows = r.stdout.split('\n').filter(l => /^ *\d+ /.test(l))
    expect(rows).toHaveLength(3)
    expect(new Set(rows.map(l => l.indexOf('nic-line-rate') >= 0 ? l.indexOf('nic-line-rate') : l.indexOf('infeasible'))).size).toBe(1)
    expect(rows[2]).toMatch(/^ *8 +- +- +- +- +- +infeasible/)
  }, 60_000)

  test.each([
    [['--vary', 'io-cores', '--from', '1', '--to', 'x'], /^Error: --to: expected a number, found "x"$/m],
    [['--vary', 'io-cores', '--from', '3', '--to', '1'], /expected --from <= --to and --step > 0, found from 3, to 1, step 1/],
    [['data/scenarios/vhost-per-device-pinned.yaml', '--vary', 'io-cores', '--values', '1,2'], /sweep io-cores: expected a scenario with a policy/],
    [['no-such.yaml', '--vary', 'load', '--values', '1'], /no-such.yaml/],
    [['--vary', 'vms', '--from', '1', '--to', '100000'], /expected at most 1000 points, found 100000 \(from 1 to 100000 by 1\)/],
  ])('%j is one clear error', async (args, message) => {
    const r = await sidecore(['sweep', ...args])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  }, 60_000)
})
