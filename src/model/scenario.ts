/**
 * The whole flow for one host, in one place:
 *
 *   Scenario (host, VMs, layout or policy, calibration)
 *     -> buildLayout(policy)      when the scenario gives a policy
 *     -> checkLayout()            every rule a layout must keep
 *     -> evaluate()               the performance model -> Evaluation
 */
import {LayoutError} from './errors.js'
import {evaluate, type EvaluateOptions} from './evaluate.js'
import {buildLayout, checkLayout} from './layout.js'
import type {ArchitecturePolicy, Calibration, Evaluation, Host, Layout, Vm} from './types.js'

export interface ScenarioInput {
  host: Host
  vms: Vm[]
  layout?: Layout
  policy?: ArchitecturePolicy
  calibration: Calibration
}

/** Lay out and evaluate; throws PolicyError when the policy cannot be laid out, LayoutError when the layout breaks a rule. */
export function evaluateScenario(input: ScenarioInput, options: EvaluateOptions = {}): {layout: Layout; evaluation: Evaluation} {
  let layout = input.layout
  if (!layout) {
    if (!input.policy) throw new LayoutError(['the scenario gives neither a layout nor a policy'])
    layout = buildLayout(input.host, input.vms, input.policy)
  }

  const problems = checkLayout(input.host, input.vms, layout)
  if (problems.length > 0) throw new LayoutError(problems)
  return {layout, evaluation: evaluate(input.host, input.vms, layout, input.calibration, options)}
}

export {LayoutError, PolicyError} from './errors.js'
