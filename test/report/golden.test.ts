/**
 * Golden files of the bundled example, through the real CLI: `sidecore plan` on the
 * defaults with a fixed seed (its summary and all five CSV tables), `sidecore report` of
 * that plan, and `sidecore evaluate` of a bundled scenario (its summary and tables).
 * Update with `npx vitest run test/report/golden.test.ts -u` after a deliberate change,
 * and read the diff.
 */
import {mkdtemp, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {beforeAll, describe, expect, test} from 'vitest'

import {type Run, root, sidecore} from '../commands/cli.js'

const TABLES = ['hosts', 'cpus', 'vms', 'devices', 'workers'] as const

describe('golden files of the bundled example', () => {
  let dir: string
  let plan: Run
  let report: Run
  let evaluation: Run
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-golden-'))
    ;[plan, evaluation] = await Promise.all([
      sidecore(['plan', '--seed', '1', '--threads', '2', '--out', path.join(dir, 'plan')]),
      sidecore(['evaluate', path.join('data', 'scenarios', 'elvis.yaml'), '--csv', path.join(dir, 'elvis')]),
    ])
    report = await sidecore(['report', path.join(dir, 'plan')])
  }, 300_000)

  const out = (run: Run) => run.stdout.replaceAll(dir, '<out>')

  test('plan: the summary tables', async () => {
    expect(plan.stderr).toBe('')
    expect(plan.code).toBe(0)
    await expect(out(plan)).toMatchFileSnapshot('golden/plan/summary.txt')
  })

  test.each(TABLES)('plan: %s.csv', async table => {
    await expect(await readFile(path.join(dir, 'plan', `${table}.csv`), 'utf8')).toMatchFileSnapshot(`golden/plan/${table}.csv`)
  })

  test('report: the summary of the plan read back from plan.json', async () => {
    expect(report.code).toBe(0)
    await expect(out(report)).toMatchFileSnapshot('golden/plan/report.txt')
  })

  test('evaluate: the summary of a bundled scenario', async () => {
    expect(evaluation.stderr).toBe('')
    expect(evaluation.code).toBe(0)
    await expect(out(evaluation)).toMatchFileSnapshot('golden/scenario-elvis/evaluation.txt')
  })

  test.each(TABLES)('evaluate: %s.csv', async table => {
    await expect(await readFile(path.join(dir, 'elvis', `${table}.csv`), 'utf8')).toMatchFileSnapshot(`golden/scenario-elvis/${table}.csv`)
  })

  test('the golden tables are those of the bundled inputs', () => {
    expect(root).toBe(path.resolve(import.meta.dirname, '..', '..'))
  })
})
