/**
 * The shape of a what-if comparison, shared by `sidecore compare` (which produces it)
 * and `sidecore report --compare` (which draws it). Deltas are variant minus baseline.
 */
import type {CpuRole} from '../model/types.js'

export interface CompareMetrics {
  hosts: number
  cpusByRole: Record<CpuRole, number>
  gbpsPerCpu: number
  iops: number
  /** Worst p99 latency over every VM, in microseconds. */
  p99LatencyUs: number
  sloViolations: number
}

export interface CompareRow {
  /** "baseline", or the variant's name (plugin what-if or overrides file). */
  name: string
  /** Where the variant comes from, e.g. "plugin nic-upgrade (factor=4)" or "overrides what-if.yaml". */
  source: string
  metrics: CompareMetrics
  /** metrics minus the baseline's (all zero for the baseline itself). */
  delta: CompareMetrics
}

/** A variant that could not be measured: its layout breaks a rule, or it cannot be planned. */
export interface InfeasibleVariant {
  name: string
  source: string
  /** Why, as the layout checker or planner says it. */
  reason: string
}

export interface Comparison {
  kind: 'comparison'
  version: 1
  baseline: CompareRow
  /** The variants measured, in the order given. */
  variants: CompareRow[]
  /** The variants that could not be measured, in the order given (absent when none). */
  infeasible?: InfeasibleVariant[]
}
