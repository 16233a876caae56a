/**
 * A comparison as a table (compare.csv, one row for the baseline and one per variant)
 * and as terminal text. Figures come from the Comparison unchanged; the CSV rounds them
 * to the tables' significant digits like every other report.
 */
import type {CpuRole} from '../model/types.js'
import type {CompareMetrics, CompareRow, Comparison, InfeasibleVariant} from './compare-types.js'
import {toCsv} from './csv.js'
import {type Cell, type Column, type Table, roundSig} from './tables.js'
import {renderTable} from './terminal.js'

const ROLES: readonly CpuRole[] = ['vm', 'io', 'housekeeping', 'idle']

const METRIC_COLUMNS: (Column & {meaning: string; value: (m: CompareMetrics) => number})[] = [
  {key: 'hosts', header: 'Hosts', unit: 'count', meaning: 'Hosts used (1 for a scenario).', value: m => m.hosts},
  ...ROLES.map(r => ({key: `cpus_${r}`, header: `CPUs ${r}`, unit: 'CPUs', meaning: `Logical CPUs with the ${r} role, over every host used.`,
    value: (m: CompareMetrics) => m.cpusByRole[r]})),
  {key: 'gbps_per_cpu', header: 'Gbit/s per CPU', unit: 'Gbit/s', meaning: 'Delivered Gbit/s (net plus block bytes x 8) per logical CPU of the hosts used.',
    value: m => m.gbpsPerCpu},
  {key: 'iops', header: 'IOPS', unit: 'IOPS', meaning: 'Block requests per second, every host.', value: m => m.iops},
  {key: 'p99_latency_us', header: 'p99', unit: 'us', meaning: 'Worst p99 latency of any VM, microseconds.', value: m => m.p99LatencyUs},
  {key: 'slo_violations', header: 'SLO violations', unit: 'count', meaning: 'SLO violations, every VM.', value: m => m.sloViolations},
]

/** compare.csv's columns with their meaning, for docs/compare.md. */
export const COMPARE_COLUMNS: {key: string; unit?: string; meaning: string}[] = [
  {key: 'name', meaning: '"baseline", or the variant: the what-if with its parameters, or the overrides file\'s name.'},
  {key: 'source', meaning: 'Where the row comes from: the baseline\'s files, "plugin NAME (k=v)" or "overrides FILE".'},
  ...METRIC_COLUMNS.map(c => ({key: c.key, unit: c.unit, meaning: c.meaning})),
  ...METRIC_COLUMNS.map(c => ({key: `delta_${c.key}`, unit: c.unit, meaning: `${c.key} minus the baseline's.`})),
  {key: 'infeasible', meaning: 'Why the variant could not be measured (its layout breaks a rule, or it cannot be planned); its figures are then empty. Empty for the rows measured.'},
]

export function compareTable(c: Comparison): Table {
  const columns: Column[] = [
    {key: 'name', header: 'Variant'},
    {key: 'source', header: 'Source'},
    ...METRIC_COLUMNS.map(({key, header, unit}) => ({key, header, unit})),
    ...METRIC_COLUMNS.map(({key, header, unit}) => ({key: `delta_${key}`, header: `Δ ${header}`, unit})),
    {key: 'infeasible', header: 'Infeasible'},
  ]
  const row = (r: CompareRow): Cell[] => [
    r.name, r.source, ...METRIC_COLUMNS.map(m => roundSig(m.value(r.metrics))), ...METRIC_COLUMNS.map(m => roundSig(m.value(r.delta))), '',
  ]
  const infeasible = (v: InfeasibleVariant): Cell[] => [v.name, v.source, ...METRIC_COLUMNS.map(() => ''), ...METRIC_COLUMNS.map(() => ''), v.reason]
  return {name: 'compare', columns, rows: [row(c.baseline), ...c.variants.map(row), ...(c.infeasible ?? []).map(infeasible)]}
}

export function compareCsv(c: Comparison): string {
  return toCsv(compareTable(c))
}

const signed = (x: number, digits = 3) => (x === 0 ? '0' : `${x > 0 ? '+' : ''}${Number(x.toPrecision(digits))}`)

/** Side by side on a terminal: each figure with its change from the baseline. */
export function renderComparison(c: Comparison): string {
  const cell = (v: number, d: number, isBase: boolean) => `${Number(v.toPrecision(4))}${isBase ? '' : ` (${signed(d)})`}`
  const rows = [c.baseline, ...c.variants].map((r, i) => [
    r.name,
    cell(r.metrics.hosts, r.delta.hosts, i === 0),
    ROLES.map(role => r.metrics.cpusByRole[role]).join('/') + (i === 0 ? '' : ` (${ROLES.map(role => signed(r.delta.cpusByRole[role])).join('/')})`),
    cell(r.metrics.gbpsPerCpu, r.delta.gbpsPerCpu, i === 0),
    cell(r.metrics.iops, r.delta.iops, i === 0),
    cell(r.metrics.p99LatencyUs, r.delta.p99LatencyUs, i === 0),
    cell(r.metrics.sloViolations, r.delta.sloViolations, i === 0),
  ])
  return [
    `Baseline: ${c.baseline.source}`,
    renderTable(['Variant', 'Hosts', 'CPUs vm/io/hk/idle', 'Gbit/s per CPU', 'IOPS', 'p99 us', 'SLO violations'], rows),
    ...c.variants.map(v => `  ${v.name}: ${v.source}`),
    ...(c.infeasible && c.infeasible.length > 0
      ? ['Could not be measured:', ...c.infeasible.map(v => `  ${v.name} (${v.source}): ${v.reason}`)]
      : []),
  ].join('\n')
}
