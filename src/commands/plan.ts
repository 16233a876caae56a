import {availableParallelism} from 'node:os'
import path from 'node:path'

import {Args, Flags} from '@oclif/core'

import {SidecoreCommand} from '../base-command.js'
import {packageRoot} from '../io/load.js'
import {InputError} from '../io/errors.js'
import {loadLpSolver} from '../io/lp.js'
import {normalizeNotification} from '../io/normalize.js'
import {BLOCK_ARCHITECTURES, NET_ARCHITECTURES} from '../io/schemas.js'
import {loadPlanInput} from '../io/plan-input.js'
import {planPool} from '../io/plan-pool.js'
import {progressBar} from '../io/progress.js'
import {writeFilesAtomic} from '../io/write.js'
import type {ArchitectureId} from '../model/types.js'
import {type PlanSummary, planCsv, planJson, planSummary, renderPlanSummary} from '../report/plan.js'
import {TABLE_NAMES} from '../report/tables.js'
import {baselinePlans} from '../search/baseline-plan.js'
import {type Allowed, planCluster} from '../search/plan.js'

export default class Plan extends SidecoreCommand {
  static override description = 'Plan a cluster: place every VM of a workload on a host and lay out each host for the most throughput per CPU within every SLO.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan data/clusters/example.yaml data/workloads/datacenter.yaml --out plan/',
    '<%= config.bin %> plan --objective hosts --seed 7 --json',
  ]

  static override args = {
    cluster: Args.string({description: 'cluster file (default: the example datacenter, data/clusters/example.yaml)'}),
    workload: Args.string({description: 'workload file (default: data/workloads/datacenter.yaml)'}),
  }

  static override flags = {
    objective: Flags.string({options: ['throughput-per-cpu', 'hosts', 'latency'], default: 'throughput-per-cpu',
      description: 'what the search maximises, within every SLO'}),
    seed: Flags.integer({default: 1, description: 'seed of the search\'s random restarts'}),
    budget: Flags.integer({default: 40, min: 1, description: 'layouts the per-host search evaluates per VM mix before it stops improving (each policy\'s own layout is always evaluated)'}),
    out: Flags.directory({default: 'plan', description: 'directory for plan.json and the CSV tables'}),
    net: Flags.string({description: 'net architectures the search may choose, comma-separated (default: vhost-per-device,vhost-shared,elvis)'}),
    block: Flags.string({description: 'block architectures the search may choose, comma-separated (default: vhost-blk)'}),
    notifications: Flags.string({description: 'notification policies the search may choose, comma-separated, e.g. "kick,spin(20 us),poll" (default: kick,poll)'}),
    'time-limit': Flags.integer({min: 1, description: 'seconds after which the searches stop improving and the best plan so far is kept (the plan may then vary between runs)'}),
    threads: Flags.integer({default: Math.max(1, availableParallelism()), min: 1,
      description: 'worker threads for the per-host searches (the plan is the same for any number)'}),
  }

  async run(): Promise<PlanSummary> {
    const {args, flags} = await this.parse(Plan)
    const root = packageRoot()
    const clusterFile = args.cluster ?? path.join(root, 'data', 'clusters', 'example.yaml')
    const workloadFile = args.workload ?? path.join(root, 'data', 'workloads', 'datacenter.yaml')
    let input
    try {
      input = await loadPlanInput(clusterFile, workloadFile)
    } catch (error) {
      this.failOnUserError(error)
    }

    const {cluster, workload, models} = input
    const solve = await loadLpSolver()
    const allow: Allowed = {}
    if (flags.net) allow.net = this.architectures('--net', flags.net, NET_ARCHITECTURES)
    if (flags.block) allow.block = this.architectures('--block', flags.block, BLOCK_ARCHITECTURES)
    if (flags.notifications) {
      allow.notifications = splitList(flags.notifications).map(n => {
        try {
          return normalizeNotification(n)
        } catch (error) {
          if (error instanceof InputError) this.fail(`--notifications: ${error.message}`)
          throw error
        }
      })
    }

    const bar = progressBar(!this.jsonEnabled())
    const pool = planPool(flags.threads)
    let plan
    try {
      plan = await planCluster({
        models, workload, objective: flags.objective as 'throughput-per-cpu' | 'hosts' | 'latency', accounting: 'host',
        seed: flags.seed, budget: flags.budget, solve, progress: bar?.update, runner: pool.runner, allow,
        ...(flags['time-limit'] === undefined ? {} : {deadline: Date.now() + flags['time-limit'] * 1000}),
      })
    } finally {
      bar?.stop()
      await pool.close()
    }

    const csv = planCsv(plan)
    await writeFilesAtomic(flags.out, {
      'plan.json': planJson(plan, {cluster: cluster.name, workload: workload.name}),
      ...Object.fromEntries(TABLE_NAMES.map(t => [`${t}.csv`, csv[t]])),
    })
    const summary = planSummary(plan, baselinePlans(models, workload))
    if (!this.jsonEnabled()) {
      this.log(renderPlanSummary(summary, {color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR}))
      this.log(`\nwrote plan.json and ${TABLE_NAMES.map(t => `${t}.csv`).join(', ')} to ${flags.out}`)
    }

    return summary
  }

  private architectures(flag: string, text: string, known: readonly ArchitectureId[]): ArchitectureId[] {
    return splitList(text).map(a => {
      if (!(known as readonly string[]).includes(a)) this.fail(`${flag}: expected one of ${known.join(', ')}, found "${a}"`)
      return a as ArchitectureId
    })
  }
}

/** `a,b(1, 2),c` -> [a, b(1, 2), c]: commas inside parentheses stay. */
function splitList(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let item = ''
  for (const ch of text) {
    if (ch === ',' && depth === 0) {
      out.push(item.trim())
      item = ''
      continue
    }

    if (ch === '(') depth++
    if (ch === ')') depth--
    item += ch
  }

  if (item.trim()) out.push(item.trim())
  return out
}

