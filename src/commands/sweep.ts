import path from 'node:path'

import {Args, Flags} from '@oclif/core'

import {SidecoreCommand} from '../base-command.js'
import {InputError} from '../io/errors.js'
import {loadScenario, packageRoot} from '../io/load.js'
import {PluginError, architectureMap, loadPlugins} from '../io/plugins.js'
import {writeFilesAtomic} from '../io/write.js'
import {LayoutError, PolicyError} from '../model/errors.js'
import {renderSweep, sweepCsv} from '../report/sweep.js'
import {
  MAX_SWEEP_POINTS, SWEEP_PARAMETERS, type Sweep, WhatIfError, scenarioSubject, sweepPointCount, sweepScenario, sweepValues,
} from '../search/whatif/index.js'

export default class SweepCommand extends SidecoreCommand {
  static override description = 'Vary one parameter of a scenario over a range and tabulate the objective (Gbit/s per CPU), sellable vCPUs, latency and the limiting resource at each point, marking the frontier.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> sweep --vary vms --from 1 --to 8',
    '<%= config.bin %> sweep data/scenarios/vhost-shared.yaml --vary io-cores --from 1 --to 4 --out sweep/',
    '<%= config.bin %> sweep data/scenarios/vhost-per-device-floating.yaml --vary load --values 0.5,1,2,4 --json',
    '<%= config.bin %> sweep data/scenarios/vhost-per-device-floating.yaml --vary spin --from 0 --to 50 --step 10',
  ]

  static override args = {
    scenario: Args.string({description: 'scenario file (default: data/scenarios/elvis.yaml)'}),
  }

  static override flags = {
    vary: Flags.string({required: true, options: Object.keys(SWEEP_PARAMETERS),
      description: `the parameter: ${Object.entries(SWEEP_PARAMETERS).map(([k, p]) => `${k} (${p.description}, ${p.unit})`).join('; ')}`}),
    from: Flags.string({description: 'first value'}),
    to: Flags.string({description: 'last value'}),
    step: Flags.string({default: '1', description: 'step between values'}),
    values: Flags.string({description: 'the values, comma-separated, instead of --from/--to/--step', exclusive: ['from', 'to']}),
    out: Flags.directory({description: 'write sweep.csv and sweep.json into this directory'}),
  }

  async run(): Promise<Sweep> {
    const {args, flags} = await this.parse(SweepCommand)
    const file = args.scenario ?? path.join(packageRoot(), 'data', 'scenarios', 'elvis.yaml')
    const values = this.values(flags)
    let sweep: Sweep
    let policyLine: number | undefined
    try {
      const extra = architectureMap(await loadPlugins(this.config))
      const s = await loadScenario(file)
      policyLine = s.policyLine
      const subject = scenarioSubject({host: s.host, calibration: s.calibration, workload: s.workload, policy: s.policy, layout: s.layout})
      sweep = sweepScenario(subject, args.scenario ?? 'data/scenarios/elvis.yaml', flags.vary, values, extra)
    } catch (error) {
      if (error instanceof WhatIfError || error instanceof PluginError) this.fail(error.message)
      if (error instanceof InputError || error instanceof LayoutError || error instanceof PolicyError) this.failOnUserError(error, file, policyLine)
      throw error
    }

    if (flags.out) await writeFilesAtomic(flags.out, {'sweep.csv': sweepCsv(sweep), 'sweep.json': `${JSON.stringify(sweep, null, 2)}\n`})
    if (!this.jsonEnabled()) {
      this.log(renderSweep(sweep))
      if (flags.out) this.log(`\nwrote sweep.csv and sweep.json to ${flags.out}`)
    }

    return sweep
  }

  private values(flags: {from?: string; to?: string; step: string; values?: string}): number[] {
    const num = (flag: string, text: string) => {
      const v = Number(text)
      if (text.trim() === '' || !Number.isFinite(v)) this.fail(`--${flag}: expected a number, found "${text}"`)
      return v
    }

    if (flags.values !== undefined) return flags.values.split(',').map(t => num('values', t.trim()))
    if (flags.from === undefined || flags.to === undefined) this.fail('expected --from and --to, or --values, found neither')
    const from = num('from', flags.from)
    const to = num('to', flags.to)
    const step = num('step', flags.step)
    const count = sweepPointCount(from, to, step)
    if (count === 0) this.fail(`expected --from <= --to and --step > 0, found from ${from}, to ${to}, step ${step}`)
    if (count > MAX_SWEEP_POINTS) {
      this.fail(`expected at most ${MAX_SWEEP_POINTS} points, found ${count} (from ${from} to ${to} by ${step}); narrow the range or take a larger --step`)
    }

    return sweepValues(from, to, step)
  }
}
