/**
 * Benchmark: planning synthetic fleets end to end (patterns, LP, per-host layouts, CSV and
 * plan.json text), in a fresh process per size so each peak memory is its own.
 *
 *     npm run bench:plan                        1,000 and 10,000 hosts (20 VMs per host)
 *     npm run bench:plan -- --sizes 1000,10000,100000 --threads 2
 *
 * Prints wall time, peak resident memory and the gap to the LP bound for each size. The
 * targets on a 2-core machine: 10,000 hosts in at most 30 s and 2 GiB; 100,000 hosts
 * completes; time about linear in fleet size; gap at most 2%. It asserts nothing.
 */
import {execFileSync} from 'node:child_process'
import {mkdtemp, readdir, rm, stat} from 'node:fs/promises'
import {availableParallelism, tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {loadCalibration} from '../src/io/load.js'
import {loadLpSolver} from '../src/io/lp.js'
import {planPool} from '../src/io/plan-pool.js'
import {writeFilesAtomic} from '../src/io/write.js'
import {normalizeHost, normalizeWorkload} from '../src/io/normalize.js'
import {planCsv, planJson, planSummary} from '../src/report/plan.js'
import {TABLE_NAMES} from '../src/report/tables.js'
import {generateFleet} from '../src/search/fleet.js'
import {type PlanModel, planCluster} from '../src/search/plan.js'

const args = process.argv.slice(2)
const value = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}

const one = value('one')
const threads = Number(value('threads') ?? availableParallelism())
const stages = new Map<string, [number, number]>()
if (one === undefined) {
  const sizes = (value('sizes') ?? '1000,10000').split(',').map(Number)
  console.log('hosts    VMs        wall s   peak MiB  hosts used  gap')
  for (const hosts of sizes) {
    const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--one', String(hosts), '--threads', String(threads)],
      {encoding: 'utf8', maxBuffer: 16 * 1024 * 1024})
    process.stdout.write(out)
  }
} else {
  const hosts = Number(one)
  const vms = hosts * 20
  const start = performance.now()
  const fleet = generateFleet({hosts, vms, seed: 1})
  stages.set('generating the fleet', [start, performance.now()])
  const calibration = (await loadCalibration('current')).calibration
  const specs = new Map(fleet.hostModels.map(m => [m.file, m.spec]))
  const models: PlanModel[] = []
  for (const entry of fleet.cluster.hosts) {
    const host = normalizeHost(specs.get(entry.host.replace(/^\.\//, ''))! as never)
    let model = models.find(m => m.host.model === host.model)
    if (!model) models.push(model = {host, calibration, entries: []})
    model.entries.push({count: entry.count, labels: entry.labels ?? {}})
  }

  const pool = planPool(threads)
  const plan = await planCluster({
    models, workload: normalizeWorkload(fleet.workload as never), objective: 'throughput-per-cpu', accounting: 'host',
    seed: 1, budget: 40, solve: await loadLpSolver(), runner: pool.runner,
    progress: (_done, _total, stage) => {
      const now = performance.now()
      stages.set(stage, [stages.get(stage)?.[0] ?? now, now])
    },
  })
  await pool.close()
  const planned = performance.now()
  // Write the files as `plan` does, into a scratch folder, then remove it.
  const out = await mkdtemp(path.join(tmpdir(), 'sidecore-bench-plan-'))
  const csv = planCsv(plan)
  await writeFilesAtomic(out, {
    'plan.json': planJson(plan, {cluster: 'bench', workload: 'bench'}),
    ...Object.fromEntries(TABLE_NAMES.map(t => [`${t}.csv`, csv[t]])),
  })
  let bytes = 0
  for (const f of await readdir(out)) bytes += (await stat(path.join(out, f))).size
  await rm(out, {recursive: true, force: true})
  stages.set('writing plan.json and CSV', [planned, performance.now()])
  const wall = (performance.now() - start) / 1000
  const summary = planSummary(plan)
  const peak = process.resourceUsage().maxRSS / 1024
  const written = bytes / 2 ** 20
  console.log(`${String(hosts).padEnd(8)} ${String(vms).padEnd(10)} ${wall.toFixed(1).padStart(6)}   ${peak.toFixed(0).padStart(8)}  `
    + `${String(summary.hostsUsed).padStart(10)}  ${(100 * summary.gap).toFixed(3)}%   (${written.toFixed(0)} MiB of plan.json and CSV; `
    + `${[...stages].map(([name, [a, b]]) => `${name} ${((b - a) / 1000).toFixed(1)} s`).join(', ')})`)
}
