import path from 'node:path'

import {Args, Flags} from '@oclif/core'

import {SidecoreCommand} from '../base-command.js'
import {packageRoot} from '../io/load.js'
import {loadComparisonFile, loadPlanFile} from '../io/plan-file.js'
import {loadPlanInput} from '../io/plan-input.js'
import {writeFileAtomic, writeFilesAtomic} from '../io/write.js'
import type {VmType} from '../model/types.js'
import type {Comparison} from '../report/compare-types.js'
import type {ModelInputs} from '../report/html/index.js'
import {type PlanSummary, planCsv, planSummary, renderPlanSummary} from '../report/plan.js'
import {TABLE_NAMES} from '../report/tables.js'

export interface ReportResult {
  plan: string
  summary: PlanSummary
  written: string[]
}

export default class Report extends SidecoreCommand {
  static override description = 'Report on a plan: its summary on the terminal, an HTML page with charts, or its CSV tables again.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> report plan/',
    '<%= config.bin %> report plan/plan.json --html report.html',
    '<%= config.bin %> report plan/ --html report.html --compare what-if/compare.json',
    '<%= config.bin %> report plan/plan.json --csv tables/',
    '<%= config.bin %> report my-plan/ --html my.html --cluster my-cluster.yaml --workload my-workload.yaml',
  ]

  static override args = {
    plan: Args.string({description: 'plan.json, or the folder "sidecore plan --out" wrote', default: 'plan'}),
  }

  static override flags = {
    html: Flags.file({description: 'write a self-contained HTML report with charts to this file'}),
    csv: Flags.directory({description: 'write hosts.csv, cpus.csv, vms.csv, devices.csv and workers.csv from the plan into this folder'}),
    compare: Flags.file({description: 'add the comparison of a compare.json ("sidecore compare --out") to the HTML report'}),
    cluster: Flags.file({description: 'the cluster file the plan was made from, for the model\'s curves (default: data/clusters/example.yaml)'}),
    workload: Flags.file({description: 'the workload file the plan was made from (default: data/workloads/datacenter.yaml)'}),
  }

  async run(): Promise<ReportResult> {
    const {args, flags} = await this.parse(Report)
    if (flags.compare && !flags.html) this.fail('--compare: the comparison is drawn in the HTML report; add --html FILE')
    let loaded
    let comparison: Comparison | undefined
    try {
      loaded = await loadPlanFile(args.plan)
      if (flags.compare) comparison = await loadComparisonFile(flags.compare)
    } catch (error) {
      this.failOnUserError(error)
    }

    const {plan} = loaded
    const summary = planSummary(plan)
    const written: string[] = []

    if (flags.csv) {
      const csv = planCsv(plan)
      await writeFilesAtomic(flags.csv, Object.fromEntries(TABLE_NAMES.map(t => [`${t}.csv`, csv[t]])))
      written.push(...TABLE_NAMES.map(t => path.join(flags.csv!, `${t}.csv`)))
    }

    if (flags.html) {
      const inputs = await this.modelInputs(loaded.cluster, loaded.workload, flags.cluster, flags.workload)
      // vega and vega-lite load only when a page is drawn.
      const {htmlReport, modelSections} = await import('../report/html/index.js')
      const sections = modelSections(plan, inputs)
      const html = await htmlReport({cluster: loaded.cluster, workload: loaded.workload, summary, sections, comparison})
      await writeFileAtomic(flags.html, html)
      written.push(flags.html)
    }

    if (!this.jsonEnabled()) {
      this.log(renderPlanSummary(summary, {color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR}))
      if (written.length > 0) this.log(`\nwrote ${written.join(', ')}`)
    }

    return {plan: loaded.file, summary, written}
  }

  /**
   * The host models and VM types the plan was made from, for the model's curves. Given
   * files must be the plan's (by name); the bundled defaults are used only when they are.
   */
  private async modelInputs(cluster: string, workload: string, clusterFlag?: string, workloadFlag?: string):
  Promise<{models: Map<string, ModelInputs>; types: VmType[]} | undefined> {
    const root = packageRoot()
    const clusterFile = clusterFlag ?? path.join(root, 'data', 'clusters', 'example.yaml')
    const workloadFile = workloadFlag ?? path.join(root, 'data', 'workloads', 'datacenter.yaml')
    let input
    try {
      input = await loadPlanInput(clusterFile, workloadFile)
    } catch (error) {
      this.failOnUserError(error)
    }

    const mismatch = [
      input.cluster.name === cluster ? undefined : {flag: '--cluster', file: clusterFile, name: input.cluster.name, want: cluster, given: clusterFlag},
      input.workload.name === workload ? undefined : {flag: '--workload', file: workloadFile, name: input.workload.name, want: workload, given: workloadFlag},
    ].filter(m => m !== undefined)
    for (const m of mismatch) {
      if (m.given !== undefined) this.fail(`${m.flag} ${m.file}: expected the ${m.flag.slice(2)} the plan was made from ("${m.want}"), found "${m.name}"`)
    }

    if (mismatch.length > 0) {
      this.warn(`the plan is for ${mismatch.map(m => `${m.flag.slice(2)} "${m.want}"`).join(' and ')}; pass ${mismatch.map(m => `${m.flag} FILE`).join(' and ')} to draw the model's curves`)
      return undefined
    }

    return {
      models: new Map(input.models.map(m => [m.host.model, {host: m.host, calibration: m.calibration}])),
      types: input.workload.entries.map(e => e.type),
    }
  }
}
