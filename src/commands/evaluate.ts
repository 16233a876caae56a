import {Args, Flags} from '@oclif/core'

import {loadScenario} from '../io/load.js'
import {writeFilesAtomic} from '../io/write.js'
import {evaluateScenario} from '../model/scenario.js'
import type {Evaluation, Layout} from '../model/types.js'
import {toCsv} from '../report/csv.js'
import {TABLE_NAMES, evaluationTables} from '../report/tables.js'
import {renderEvaluation} from '../report/terminal.js'
import {SidecoreCommand} from '../base-command.js'

export default class Evaluate extends SidecoreCommand {
  static override description = 'Evaluate one scenario (a host, the VMs on it, a layout or a policy) under the performance model.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> evaluate data/scenarios/elvis.yaml',
    '<%= config.bin %> evaluate data/scenarios/vhost-shared.yaml --csv out/',
    '<%= config.bin %> evaluate data/scenarios/vbus.yaml --calibration current --json',
  ]

  static override args = {
    scenario: Args.string({description: 'scenario file (YAML or JSON)', required: true}),
  }

  static override flags = {
    csv: Flags.directory({description: 'write hosts.csv, cpus.csv, vms.csv, devices.csv and workers.csv into this directory'}),
    calibration: Flags.string({description: 'calibration profile name (data/calibration/NAME.yaml) or file, instead of the scenario\'s'}),
  }

  async run(): Promise<{scenario: string; layout: Layout; evaluation: Evaluation}> {
    const {args, flags} = await this.parse(Evaluate)
    let result
    let name
    let policyLine
    try {
      const scenario = await loadScenario(args.scenario, {calibration: flags.calibration})
      name = scenario.name
      policyLine = scenario.policyLine
      result = evaluateScenario(scenario)
    } catch (error) {
      this.failOnUserError(error, args.scenario, policyLine)
    }

    if (flags.csv) {
      const tables = evaluationTables(result.evaluation)
      await writeFilesAtomic(flags.csv, Object.fromEntries(TABLE_NAMES.map(t => [`${t}.csv`, toCsv(tables[t])])))
    }

    if (!this.jsonEnabled()) {
      this.log(renderEvaluation(result.evaluation, {color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR}))
      if (flags.csv) this.log(`\nwrote ${TABLE_NAMES.map(t => `${t}.csv`).join(', ')} to ${flags.csv}`)
    }

    return {scenario: name, layout: result.layout, evaluation: result.evaluation}
  }
}
