import {availableParallelism} from 'node:os'
import path from 'node:path'

import {Args, Flags} from '@oclif/core'

import {SidecoreCommand} from '../base-command.js'
import {InputError} from '../io/errors.js'
import {loadScenario, packageRoot} from '../io/load.js'
import {loadLpSolver} from '../io/lp.js'
import {overridesFileVariant} from '../io/overrides.js'
import {loadPlanInput} from '../io/plan-input.js'
import {planPool} from '../io/plan-pool.js'
import {PluginError, architectureMap, loadPlugins} from '../io/plugins.js'
import {progressBar} from '../io/progress.js'
import {writeFilesAtomic} from '../io/write.js'
import {LayoutError, PolicyError} from '../model/errors.js'
import {compareCsv, renderComparison} from '../report/compare.js'
import type {Comparison} from '../report/compare-types.js'
import {planSummary} from '../report/plan.js'
import {planCluster} from '../search/plan.js'
import {
  InfeasibleVariantError, type Variant, WhatIfError, compareVariants, evaluateSubject, evaluationMetrics, planMetrics, planSubject, scenarioSubject,
  whatIfVariant, whatifMessages,
} from '../search/whatif/index.js'

export default class Compare extends SidecoreCommand {
  static override description = 'What-if: a baseline plan or scenario and its variants (plugin what-ifs, overrides files) side by side, with deltas to the baseline.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> compare --whatif nic-upgrade:factor=4 --budget 8',
    '<%= config.bin %> compare --scenario data/scenarios/vhost-shared.yaml --whatif polling:io-cores=8 --whatif posted-interrupts --whatif tenant-isolation',
    '<%= config.bin %> compare --scenario data/scenarios/vhost-shared.yaml --whatif sriov --overrides data/whatif/nic-x4-half-load.yaml --out compare/',
    '<%= config.bin %> compare data/clusters/example.yaml data/workloads/datacenter.yaml --whatif nic-upgrade+posted-interrupts --json',
  ]

  static override args = {
    cluster: Args.string({description: 'cluster file of the baseline plan (default: the example datacenter, data/clusters/example.yaml)'}),
    workload: Args.string({description: 'workload file of the baseline plan (default: data/workloads/datacenter.yaml)'}),
  }

  static override flags = {
    scenario: Flags.file({description: 'a scenario file as the baseline (one host, evaluated) instead of a plan'}),
    whatif: Flags.string({multiple: true,
      description: 'a plugin what-if as a variant: NAME or NAME:KEY=VALUE,... (several applied in turn: A+B); repeat for more variants'}),
    overrides: Flags.file({multiple: true, description: 'an overrides file as a variant (values may be mathjs expressions of old); repeat for more'}),
    budget: Flags.integer({default: 40, min: 1, description: 'plans: layouts the per-host search evaluates per VM mix before it stops improving (each policy\'s own layout is always evaluated)'}),
    seed: Flags.integer({default: 1, description: 'plans: seed of the search'}),
    threads: Flags.integer({default: Math.max(1, availableParallelism()), min: 1, description: 'plans: worker threads for the per-host searches'}),
    out: Flags.directory({description: 'write compare.json and compare.csv into this directory'}),
  }

  async run(): Promise<Comparison> {
    const {args, flags} = await this.parse(Compare)
    if (flags.scenario && args.cluster) this.fail(`expected a scenario (--scenario) or a plan's cluster and workload files, found both: ${flags.scenario} and ${args.cluster}`)
    let comparison: Comparison | undefined
    let policyLine: number | undefined
    const pool = planPool(flags.threads)
    const bar = progressBar(!this.jsonEnabled())
    try {
      const registry = await loadPlugins(this.config)
      const extra = architectureMap(registry)
      const variants: Variant[] = (flags.whatif ?? []).map(spec => whatIfVariant(spec, registry.whatifs))
      for (const file of flags.overrides ?? []) variants.push(await overridesFileVariant(file))
      if (flags.scenario) {
        const s = await loadScenario(flags.scenario)
        policyLine = s.policyLine
        const subject = scenarioSubject({host: s.host, calibration: s.calibration, workload: s.workload, policy: s.policy, layout: s.layout})
        comparison = await compareVariants(subject, `scenario ${flags.scenario}`, variants,
          async v => {
            try {
              return evaluationMetrics(evaluateSubject(v, extra).evaluation)
            } catch (error) {
              // The baseline is this very subject; a variant is always a transformed copy (whatever its name).
              if (v !== subject && error instanceof LayoutError) throw new InfeasibleVariantError(error.problems.join('; '))
              if (v !== subject && error instanceof PolicyError) throw new InfeasibleVariantError(error.message)
              throw error
            }
          })
      } else {
        const root = packageRoot()
        const clusterFile = args.cluster ?? path.join(root, 'data', 'clusters', 'example.yaml')
        const workloadFile = args.workload ?? path.join(root, 'data', 'workloads', 'datacenter.yaml')
        const input = await loadPlanInput(clusterFile, workloadFile)
        const solve = await loadLpSolver()
        const source = args.cluster ? `plan ${args.cluster} ${args.workload ?? 'data/workloads/datacenter.yaml'}` : 'plan of the example datacenter'
        comparison = await compareVariants(planSubject(input.models, input.workload), source, variants, async v => {
          for (const id of [...(v.allow.net ?? []), ...(v.allow.block ?? [])]) {
            const found = registry.architectures.get(id)
            if (found) throw new InfeasibleVariantError(whatifMessages.planArchitecture(id))
          }

          const plan = await planCluster({
            models: v.models, workload: v.workload, objective: 'throughput-per-cpu', accounting: 'host', seed: flags.seed,
            budget: flags.budget, solve, runner: pool.runner, allow: v.allow,
          })
          return planMetrics(planSummary(plan))
        }, (done, total) => bar?.update(done, total, 'planning variants'))
      }
    } catch (error) {
      if (error instanceof WhatIfError || error instanceof PluginError || error instanceof InfeasibleVariantError) this.fail(error.message)
      if (error instanceof InputError || error instanceof LayoutError || error instanceof PolicyError) this.failOnUserError(error, flags.scenario, policyLine)
      throw error
    } finally {
      bar?.stop()
      await pool.close()
    }

    if (flags.out) {
      await writeFilesAtomic(flags.out, {'compare.json': `${JSON.stringify(comparison, null, 2)}\n`, 'compare.csv': compareCsv(comparison)})
    }

    if (!this.jsonEnabled()) {
      this.log(renderComparison(comparison))
      if (flags.out) this.log(`\nwrote compare.json and compare.csv to ${flags.out}`)
    }

    return comparison
  }
}
