/**
 * How layouts are ranked. Every layout that meets all SLOs beats every layout that does
 * not; among the feasible, the objective decides; among the infeasible, fewer violations.
 * Ties go to the layout that uses fewer CPUs.
 */
import type {Assessment} from '../model/types.js'

export type Objective = 'throughput-per-cpu' | 'hosts' | 'latency'
/** `host`: every logical CPU of the host counts; `allocated`: vCPU, I/O and housekeeping CPUs. */
export type Accounting = 'host' | 'allocated'

export interface Score {
  feasible: boolean
  violations: number
  /** Higher is better. */
  value: number
  cpus: number
}

export function score(assessment: Assessment, objective: Objective, accounting: Accounting): Score {
  const t = assessment.totals
  const cpus = accounting === 'host' ? t.cpusHost : t.cpusAllocated
  let value: number
  switch (objective) {
    case 'throughput-per-cpu': {
      value = cpus > 0 ? t.deliveredBps / cpus : 0
      break
    }

    case 'hosts': {
      // Per host, fewest hosts means meeting every SLO on the fewest CPUs.
      value = -t.cpusAllocated
      break
    }

    case 'latency': {
      value = -assessment.maxP99S
      break
    }
  }

  return {feasible: t.sloViolations === 0, violations: t.sloViolations, value, cpus: t.cpusAllocated}
}

/** Relative tolerance under which two objective values count as equal. */
const EQUAL = 1e-9

/** Whether `a` is strictly better than `b`. */
export function better(a: Score, b: Score): boolean {
  if (a.feasible !== b.feasible) return a.feasible
  if (!a.feasible && a.violations !== b.violations) return a.violations < b.violations
  const scale = Math.max(Math.abs(a.value), Math.abs(b.value), 1e-300)
  if (Math.abs(a.value - b.value) > EQUAL * scale) return a.value > b.value
  return a.cpus < b.cpus
}
