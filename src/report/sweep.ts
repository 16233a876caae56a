/** A sweep as a table (sweep.csv, one row per point) and as terminal text. */
import type {Sweep, SweepPoint} from '../search/whatif/sweep.js'
import {toCsv} from './csv.js'
import {type Cell, type Column, type Table, roundSig} from './tables.js'
import {renderTable} from './terminal.js'

const COLUMNS: (Column & {meaning: string; value: (p: SweepPoint) => Cell})[] = [
  {key: 'value', header: 'Value', meaning: 'The swept parameter\'s value, in the unit the sweep names (sweep.json `unit`).', value: p => roundSig(p.value)},
  {key: 'feasible', header: 'Feasible', meaning: 'true when the layout could be built and passed every check.', value: p => String(p.feasible)},
  {key: 'delivered_gbps', header: 'Delivered', unit: 'Gbit/s', meaning: 'Net bit/s plus block bytes/s x 8, in Gbit/s.', value: p => roundSig(p.deliveredGbps)},
  {key: 'gbps_per_cpu', header: 'Gbit/s per CPU', unit: 'Gbit/s', meaning: 'The objective: delivered Gbit/s per logical CPU of the host.', value: p => roundSig(p.gbpsPerCpu)},
  {key: 'gbps_per_allocated_cpu', header: 'per allocated CPU', unit: 'Gbit/s', meaning: 'Delivered Gbit/s per allocated CPU (vCPU, I/O and housekeeping CPUs).',
    value: p => roundSig(p.gbpsPerAllocatedCpu)},
  {key: 'sellable_vcpus', header: 'Sellable vCPUs', unit: 'CPUs', meaning: 'vCPUs of the VMs on the host: what can be sold.', value: p => p.sellableVcpus},
  {key: 'cpus_io', header: 'I/O CPUs', unit: 'CPUs', meaning: 'CPUs with the io role.', value: p => p.ioCpus},
  {key: 'p99_latency_us', header: 'p99', unit: 'us', meaning: 'Worst p99 latency of any VM, microseconds.', value: p => roundSig(p.p99LatencyUs)},
  {key: 'slo_violations', header: 'SLO violations', unit: 'count', meaning: 'SLO violations over every VM.', value: p => p.sloViolations},
  {key: 'limit', header: 'Limit', meaning: 'The resource kind that limits the most devices (docs/model.md lists the kinds).', value: p => p.limit},
  {key: 'limit_devices', header: 'Devices at limit', unit: 'count', meaning: 'Devices limited by that kind.', value: p => p.limitDevices},
  {key: 'frontier', header: 'Frontier', meaning: 'true when no point meeting every SLO has at least this Gbit/s per CPU and sellable vCPUs and more of one.',
    value: p => String(p.frontier)},
  {key: 'reason', header: 'Reason', meaning: 'Why the point is infeasible (empty when feasible).', value: p => p.reason ?? ''},
]

export const SWEEP_COLUMNS = COLUMNS.map(({key, unit, meaning}) => ({key, unit, meaning}))

export function sweepTable(s: Sweep): Table {
  return {name: 'sweep', columns: COLUMNS.map(({key, header, unit}) => ({key, header, unit})), rows: s.points.map(p => COLUMNS.map(c => c.value(p)))}
}

export function sweepCsv(s: Sweep): string {
  return toCsv(sweepTable(s))
}

export function renderSweep(s: Sweep): string {
  return [
    `Sweep of ${s.parameter} (${s.unit}) on ${s.scenario}; * marks the frontier of Gbit/s per CPU against sellable vCPUs`,
    // The frontier mark before the limit, which may be a long reason; numbers right-aligned
    // whatever an infeasible row holds. A point without devices has no latency and no limit.
    renderTable([s.parameter, 'Gbit/s per CPU', 'Sellable vCPUs', 'I/O CPUs', 'p99 us', 'SLO violations', 'Frontier', 'Limit'],
      s.points.map(p => p.feasible
        ? [p.value, p.gbpsPerCpu.toPrecision(4), p.sellableVcpus, p.ioCpus, p.limit === '' ? '-' : p.p99LatencyUs.toPrecision(4), p.sloViolations,
          p.frontier ? '*' : '', p.limit === '' ? '-' : `${p.limit} (${p.limitDevices})`]
        : [p.value, '-', '-', '-', '-', '-', '', `infeasible: ${p.reason ?? ''}`]),
      ['right', 'right', 'right', 'right', 'right', 'right', 'left', 'left']),
  ].join('\n')
}
