/**
 * The contracts between the core and its plugins. A plugin is an oclif plugin whose
 * package.json names a hook module for one of the hook events below:
 *
 *     "oclif": {"hooks": {"sidecore:whatif": "./hooks/whatif.js",
 *                         "sidecore:architecture": "./hooks/architecture.js"}}
 *
 * Each hook receives `{core}` (the public entry, `sidecore`'s src/index.ts, so a plugin
 * needs nothing deeper) and returns a list: what-ifs, or I/O architectures. The core
 * checks every answer (src/io/plugins.ts): a hook that throws or returns something
 * malformed is an error naming the plugin; two plugins offering one name is an error.
 *
 * Everything here is plain data and pure functions: a what-if maps a Subject to a new
 * Subject and must not mutate its input.
 */
import type {ArchitectureModel} from '../model/arch/types.js'
import type {ArchitecturePolicy, Layout, Workload} from '../model/types.js'
import type {Allowed, PlanModel} from '../search/plan.js'

/** The hook events the core fires. */
export const HOOK_WHATIF = 'sidecore:whatif'
export const HOOK_ARCHITECTURE = 'sidecore:architecture'

/**
 * What a what-if changes: a plan's input (host models with their counts and calibration,
 * the workload, the designs the search may choose) or a scenario (one host model with
 * count 1, its VMs as a workload, and the scenario's policy or fixed layout).
 */
export interface Subject {
  kind: 'plan' | 'scenario'
  /** Host models, each with its calibration and cluster entries. */
  models: PlanModel[]
  workload: Workload
  /** Plan: designs the per-host search may choose among (absent parts: the default space). */
  allow: Allowed
  /** Scenario: the policy the layout is built from. */
  policy?: ArchitecturePolicy
  /** Scenario: a fixed layout (VMs named `TYPE-INDEX` from 0). */
  layout?: Layout
}

/** One numeric parameter of a what-if (`--whatif NAME:KEY=VALUE`). */
export interface WhatIfParameter {
  description: string
  default: number
  min?: number
  max?: number
}

/** A named scenario transform contributed by a plugin. */
export interface WhatIf {
  /** Lower-case words joined by `-`, unique across every plugin. */
  name: string
  summary: string
  parameters: Record<string, WhatIfParameter>
  /** The changed subject; the input is left as it was. */
  apply(subject: Subject, parameters: Record<string, number>): Subject
}

/** Options every Sidecore hook receives: the core's public entry. */
export interface HookOptions {
  core: typeof import('../index.js')
}

/** `sidecore:whatif` returns the what-ifs a plugin offers. */
export type WhatIfHook = (options: HookOptions) => WhatIf[] | Promise<WhatIf[]>

/** `sidecore:architecture` returns I/O architectures the core does not have. */
export type ArchitectureHook = (options: HookOptions) => ArchitectureModel[] | Promise<ArchitectureModel[]>

/** What-ifs and architectures from every plugin, each with the plugin that offered it. */
export interface PluginRegistry {
  whatifs: Map<string, {whatif: WhatIf; plugin: string}>
  architectures: Map<string, {architecture: ArchitectureModel; plugin: string}>
}
