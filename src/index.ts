/**
 * Sidecore's public entry (`import ... from 'sidecore'`, package.json "exports"): the
 * types and helpers plugins build on, and nothing deeper. Hooks also receive this module
 * as `core` in their options, so a plugin linked from anywhere needs no import at all.
 */
export type {
  ArchitectureHook, HookOptions, PluginRegistry, Subject, WhatIf, WhatIfHook, WhatIfParameter,
} from './hooks/index.js'
export {HOOK_ARCHITECTURE, HOOK_WHATIF} from './hooks/index.js'
export type {ArchitectureModel, BuildContext, CostContext, PathCosts} from './model/arch/types.js'
export {architectures as builtInArchitectures} from './model/arch/index.js'
export {deviceRef, guestBlockItem, guestNetItem, interruptCosts, lightKick, vmCpus} from './model/arch/common.js'
export type * from './model/types.js'
export type {Allowed, PlanModel} from './search/plan.js'
export {
  mapAllowed, mapDevices, mapHosts, mapLayout, mapNics, mapPolicy, mapVmTypes, notificationText, subjectVms,
} from './search/whatif/subject.js'
export type {CompareMetrics, CompareRow, Comparison, InfeasibleVariant} from './report/compare-types.js'
