/**
 * A what-if comparison: the baseline subject and each variant measured the same way
 * (planned, or evaluated as a scenario), side by side with deltas to the baseline.
 * Every figure is taken from the plan's summary or the evaluation it came from.
 */
import type {Subject} from '../../hooks/index.js'
import type {CpuRole, Evaluation} from '../../model/types.js'
import type {CompareMetrics, CompareRow, Comparison, InfeasibleVariant} from '../../report/compare-types.js'
import type {PlanSummary} from '../../report/plan.js'
import type {Variant} from './variants.js'

const ROLES: readonly CpuRole[] = ['vm', 'io', 'housekeeping', 'idle']

/** A plan's figures, as `sidecore plan` reports them. */
export function planMetrics(summary: PlanSummary): CompareMetrics {
  return {
    hosts: summary.hostsUsed,
    cpusByRole: {...summary.cpusByRole},
    gbpsPerCpu: summary.gbpsPerCpu,
    iops: summary.iops,
    p99LatencyUs: Math.max(0, ...Object.values(summary.p99ByVmType)) * 1e6,
    sloViolations: summary.sloViolations,
  }
}

/** One host's figures, as `sidecore evaluate` reports them (host accounting). */
export function evaluationMetrics(ev: Evaluation): CompareMetrics {
  const cpusByRole: Record<CpuRole, number> = {vm: 0, io: 0, housekeeping: 0, idle: 0}
  for (const c of ev.cpus) cpusByRole[c.role]++
  return {
    hosts: 1,
    cpusByRole,
    gbpsPerCpu: ev.totals.bpsPerCpuHost / 1e9,
    iops: ev.totals.iops,
    p99LatencyUs: Math.max(0, ...ev.vms.map(v => v.p99LatencyS)) * 1e6,
    sloViolations: ev.totals.sloViolations,
  }
}

/** `a - b`, field by field. */
export function metricsDelta(a: CompareMetrics, b: CompareMetrics): CompareMetrics {
  return {
    hosts: a.hosts - b.hosts,
    cpusByRole: Object.fromEntries(ROLES.map(r => [r, a.cpusByRole[r] - b.cpusByRole[r]])) as Record<CpuRole, number>,
    gbpsPerCpu: a.gbpsPerCpu - b.gbpsPerCpu,
    iops: a.iops - b.iops,
    p99LatencyUs: a.p99LatencyUs - b.p99LatencyUs,
    sloViolations: a.sloViolations - b.sloViolations,
  }
}

/** A variant that cannot be measured (its layout breaks a rule, or it cannot be planned): a row of its own, not an error. */
export class InfeasibleVariantError extends Error {
  override readonly name = 'InfeasibleVariantError'
}

/**
 * Measure the baseline and every variant (one after the other, in order) and put them side
 * by side. A variant whose measure throws InfeasibleVariantError is listed with the reason;
 * the baseline must be measurable.
 */
export async function compareVariants(baseline: Subject, baselineSource: string, variants: readonly Variant[],
  measure: (subject: Subject, name: string) => Promise<CompareMetrics>, progress?: (done: number, total: number) => void): Promise<Comparison> {
  const subjects = variants.map(v => v.apply(baseline))
  const base = await measure(baseline, 'baseline')
  progress?.(1, variants.length + 1)
  const rows: CompareRow[] = []
  const infeasible: InfeasibleVariant[] = []
  for (const [i, v] of variants.entries()) {
    try {
      const metrics = await measure(subjects[i], v.name)
      rows.push({name: v.name, source: v.source, metrics, delta: metricsDelta(metrics, base)})
    } catch (error) {
      if (!(error instanceof InfeasibleVariantError)) throw error
      infeasible.push({name: v.name, source: v.source, reason: error.message})
    }

    progress?.(i + 2, variants.length + 1)
  }

  return {
    kind: 'comparison',
    version: 1,
    baseline: {name: 'baseline', source: baselineSource, metrics: base, delta: metricsDelta(base, base)},
    variants: rows,
    ...(infeasible.length > 0 ? {infeasible} : {}),
  }
}
