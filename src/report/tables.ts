/**
 * The report tables: an `Evaluation` laid out as rows and columns, ready for
 * CSV (`csv.ts`), HTML or any other sink.
 *
 * Rules the tables keep, so that downstream files are stable:
 * - every row comes from exactly one entity of the evaluation (the host, one
 *   CPU, one VM, one device, one worker), in the evaluation's order;
 * - every per-entity table starts with a `host` column, so tables of several
 *   hosts can be concatenated (`concatTables`);
 * - column keys carry their unit (`_gbps`, `_us`, `_pct`, `_per_s`);
 * - numbers stay numbers, converted to the column's unit and rounded to
 *   `SIGNIFICANT_DIGITS` significant digits, so output does not depend on the
 *   last bits of floating-point arithmetic; `Infinity` (unbounded offered
 *   load) stays `Infinity`;
 * - lists are joined with `LIST_SEPARATOR`, booleans are `true` / `false`.
 *
 * Each column is declared once, with its meaning: `columnDocs` and
 * `columnDocsMarkdown()` come from the same declarations as the values.
 */

import type {CpuResult, DeviceResult, Evaluation, VmResult, WorkerResult} from '../model/types.js'
import {formatNotification} from './format.js'

export type Cell = string | number

export interface Column {
  /** Machine name, with its unit: the CSV header. */
  key: string
  /** Human header. */
  header: string
  unit?: string
}

export interface Table {
  name: string
  columns: Column[]
  rows: Cell[][]
}

export const TABLE_NAMES = ['hosts', 'cpus', 'vms', 'devices', 'workers'] as const
export type TableName = (typeof TABLE_NAMES)[number]
export type Tables = Record<TableName, Table>

export interface ColumnDoc {
  key: string
  unit?: string
  meaning: string
}

/** Significant digits kept in every number of every table. */
export const SIGNIFICANT_DIGITS = 6
/** Separator of list cells (CPU ids, VM ids, device ids, SLO violations). */
export const LIST_SEPARATOR = ';'

/** `x` rounded to `digits` significant digits; non-finite values and zero pass through (`-0` becomes `0`). */
export function roundSig(x: number, digits = SIGNIFICANT_DIGITS): number {
  if (x === 0 || !Number.isFinite(x)) return x === 0 ? 0 : x
  return Number(x.toPrecision(digits))
}

// ---------------------------------------------------------------- column declarations

interface ColumnMeta extends Column {
  meaning: string
}

interface ColumnSpec<E> extends ColumnMeta {
  value: (entity: E, ev: Evaluation) => Cell
}

function text<E>(key: string, header: string, meaning: string, value: (e: E, ev: Evaluation) => string): ColumnSpec<E> {
  return {key, header, meaning, value}
}

function num<E>(key: string, header: string, unit: string, meaning: string, value: (e: E, ev: Evaluation) => number): ColumnSpec<E> {
  return {key, header, unit, meaning, value: (e, ev) => roundSig(value(e, ev))}
}

/** An integer identifier (CPU id, NUMA node): never rounded. */
function id<E>(key: string, header: string, meaning: string, value: (e: E, ev: Evaluation) => number): ColumnSpec<E> {
  return {key, header, meaning, value}
}

const list = (items: readonly (string | number)[]): string => items.join(LIST_SEPARATOR)
const bool = (b: boolean): string => (b ? 'true' : 'false')

const GIGA = 1e9
const MEGA = 1e6
const MICRO = 1e-6
const PERCENT = 100

const hostColumn = <E>(): ColumnSpec<E> =>
  text<E>('host', 'Host', 'Host the row belongs to (the evaluated layout\'s host).', (_e, ev) => ev.host)

const hostsColumns: ColumnSpec<Evaluation>[] = [
  text('host', 'Host', 'Host the evaluated layout is for.', (ev) => ev.host),
  text('calibration', 'Calibration', 'Calibration profile that supplied the micro-costs.', (ev) => ev.calibration),
  num('net_gbps', 'Net', 'Gbit/s', 'Delivered network throughput, all virtio-net devices.', (ev) => ev.totals.netBps / GIGA),
  num('block_mbytes_per_s', 'Block', 'MB/s', 'Delivered block throughput (10^6 bytes/s), all virtio-blk devices.', (ev) => ev.totals.blockBytesPerS / MEGA),
  num('iops', 'IOPS', 'IOPS', 'Block requests completed per second, all virtio-blk devices.', (ev) => ev.totals.iops),
  num('delivered_gbps', 'Delivered', 'Gbit/s', 'Delivered I/O: network bit/s plus block bytes/s times 8.', (ev) => ev.totals.deliveredBps / GIGA),
  num('cpus_host', 'CPUs (host)', 'CPUs', '`host` accounting: every logical CPU of the host.', (ev) => ev.totals.cpusHost),
  num('cpus_allocated', 'CPUs (allocated)', 'CPUs', '`allocated` accounting: CPUs pinned to vCPUs, CPUs given to I/O workers (a polling worker\'s CPU counts whole) and housekeeping CPUs.', (ev) => ev.totals.cpusAllocated),
  num('gbps_per_cpu_host', 'Gbit/s per CPU (host)', 'Gbit/s', 'Delivered I/O per CPU, `host` accounting.', (ev) => ev.totals.bpsPerCpuHost / GIGA),
  num('gbps_per_cpu_allocated', 'Gbit/s per CPU (allocated)', 'Gbit/s', 'Delivered I/O per CPU, `allocated` accounting.', (ev) => ev.totals.bpsPerCpuAllocated / GIGA),
  num('exits_per_s', 'Exits', '1/s', 'VM exits per second caused by I/O, all VMs.', (ev) => ev.totals.exitsPerS),
  num('interrupts_per_s', 'Interrupts', '1/s', 'Interrupts delivered to guests per second, all VMs.', (ev) => ev.totals.interruptsPerS),
  num('slo_violations', 'SLO violations', 'count', 'Number of SLO violations: one per device and criterion (offered-load fraction, p99 latency) not met.', (ev) => ev.totals.sloViolations),
]

const cpusColumns: ColumnSpec<CpuResult>[] = [
  hostColumn(),
  id('cpu', 'CPU', 'Logical CPU id, as the kernel numbers it.', (c) => c.id),
  id('node', 'Node', 'NUMA node of the CPU.', (c) => c.node),
  text('role', 'Role', 'Role in the layout: `vm`, `io`, `housekeeping` or `idle`.', (c) => c.role),
  num('utilisation_pct', 'Utilisation', '%', 'Share of the CPU\'s time in use (vCPUs, workers, spinning, polling).', (c) => c.utilisation * PERCENT),
  text('vms', 'VMs', `VMs with a vCPU on this CPU, separated by \`${LIST_SEPARATOR}\`.`, (c) => list(c.vms)),
  text('workers', 'Workers', `Workers that may run on this CPU, separated by \`${LIST_SEPARATOR}\`.`, (c) => list(c.workers)),
]

const vmsColumns: ColumnSpec<VmResult>[] = [
  hostColumn(),
  text('vm', 'VM', 'VM instance id.', (v) => v.id),
  text('type', 'Type', 'VM type name from the workload.', (v) => v.type),
  id('node', 'Node', 'NUMA node holding the VM\'s memory.', (v) => v.node),
  num('net_gbps', 'Net', 'Gbit/s', 'Delivered network throughput of the VM\'s virtio-net devices.', (v) => v.netBps / GIGA),
  num('block_mbytes_per_s', 'Block', 'MB/s', 'Delivered block throughput (10^6 bytes/s) of the VM\'s virtio-blk devices.', (v) => v.blockBytesPerS / MEGA),
  num('iops', 'IOPS', 'IOPS', 'Block requests completed per second.', (v) => v.iops),
  num('p99_latency_us', 'p99', 'us', 'Highest p99 latency among the VM\'s devices.', (v) => v.p99LatencyS / MICRO),
  num('vcpu_utilisation_pct', 'vCPU utilisation', '%', 'Mean utilisation of the VM\'s vCPUs.', (v) => v.vcpuUtilisation * PERCENT),
  text('slo_met', 'SLO met', '`true` when every device meets the VM\'s SLO, else `false`.', (v) => bool(v.sloMet)),
  text('violations', 'Violations', `SLO violations in words, separated by \`${LIST_SEPARATOR}\`; empty when met.`, (v) => list(v.violations)),
]

const devicesColumns: ColumnSpec<DeviceResult>[] = [
  hostColumn(),
  text('vm', 'VM', 'VM instance the device belongs to.', (d) => d.vm),
  text('device', 'Device', 'Device id, unique within its VM.', (d) => d.device),
  text('kind', 'Kind', '`net` (virtio-net queue pair) or `block` (virtio-blk queue).', (d) => d.kind),
  text('pattern', 'Pattern', '`stream` or request/response `rr`.', (d) => d.pattern),
  text('worker', 'Worker', 'Backend worker serving the device.', (d) => d.worker),
  num('offered_per_s', 'Offered', 'items/s', 'Offered load: packets/s (net), IOPS (block), transactions/s (rr); `Infinity` when unbounded.', (d) => d.offered),
  num('rate_per_s', 'Rate', 'items/s', 'Achieved rate, in the same items as `offered_per_s`.', (d) => d.rate),
  num('gbps', 'Throughput', 'Gbit/s', 'Achieved throughput in bits per second.', (d) => d.bitsPerS / GIGA),
  num('mbytes_per_s', 'Throughput', 'MB/s', 'Achieved throughput in 10^6 bytes per second.', (d) => d.bytesPerS / MEGA),
  text('limit', 'Limit', 'Kind of resource that limits the rate (`offered-load` when not limited), e.g. `worker-cpu`, `nic-line-rate`.', (d) => d.limit.kind),
  text('limit_resource', 'Limiting resource', 'The limiting entity: worker id, VM, cgroup path, NIC or block device id.', (d) => d.limit.resource),
  num('exits_per_s', 'Exits', '1/s', 'VM exits per second caused by this device (notifications and interrupt delivery).', (d) => d.exitsPerS),
  num('interrupts_per_s', 'Interrupts', '1/s', 'Interrupts delivered to the guest per second.', (d) => d.interruptsPerS),
  num('wakeups_per_s', 'Wake-ups', '1/s', 'Worker wake-ups per second caused by this device.', (d) => d.wakeupsPerS),
  num('kicks_per_s', 'Kicks', '1/s', 'Guest notifications (kicks) per second.', (d) => d.kicksPerS),
  num('mean_latency_us', 'Mean latency', 'us', 'Mean latency per item.', (d) => d.meanLatencyS / MICRO),
  num('p99_latency_us', 'p99 latency', 'us', 'Latency per item at the 99th percentile.', (d) => d.p99LatencyS / MICRO),
]

const workersColumns: ColumnSpec<WorkerResult>[] = [
  hostColumn(),
  text('worker', 'Worker', 'Worker id.', (w) => w.id),
  text('architecture', 'Architecture', 'I/O architecture, e.g. `vhost-shared`, `elvis`.', (w) => w.architecture),
  text('notification', 'Notification', 'Notification policy: `kick`, `spin(<budget>)`, `poll` or `timer(<period>, <ring>)`.', (w) => formatNotification(w.notification)),
  text('cpus', 'CPUs', `CPU the worker is pinned to, or the CPUs it floats over, separated by \`${LIST_SEPARATOR}\`.`, (w) => list(w.cpus)),
  text('floating', 'Floating', '`true` when the host scheduler moves the worker among CPUs shared with vCPUs.', (w) => bool(w.floating)),
  text('devices', 'Devices', `Devices served, as \`vm/device\`, separated by \`${LIST_SEPARATOR}\`.`, (w) => list(w.devices)),
  num('utilisation_pct', 'Utilisation', '%', 'Share of one CPU the worker occupies, spinning and polling included.', (w) => w.utilisation * PERCENT),
  num('busy_pct', 'Busy', '%', 'Share of one CPU spent on useful work.', (w) => w.busy * PERCENT),
  num('idle_spin_pct', 'Idle spin', '%', 'Share of the worker\'s CPU time spent spinning or polling empty queues.', (w) => w.idleSpinShare * PERCENT),
]

/** Every table's columns, without their values. */
const META: Record<TableName, readonly ColumnMeta[]> = {
  hosts: hostsColumns,
  cpus: cpusColumns,
  vms: vmsColumns,
  devices: devicesColumns,
  workers: workersColumns,
}

const columnsOf = (specs: readonly ColumnMeta[]): Column[] =>
  specs.map(({key, header, unit}) => (unit === undefined ? {key, header} : {key, header, unit}))

// ---------------------------------------------------------------- tables

function build<E>(name: TableName, specs: readonly ColumnSpec<E>[], entities: readonly E[], ev: Evaluation): Table {
  return {
    name,
    columns: columnsOf(specs),
    rows: entities.map((e) => specs.map((spec) => spec.value(e, ev))),
  }
}

/** The report tables of one host's evaluation: one row per host, CPU, VM, device and worker. */
export function evaluationTables(ev: Evaluation): Tables {
  return {
    hosts: build('hosts', hostsColumns, [ev], ev),
    cpus: build('cpus', cpusColumns, ev.cpus, ev),
    vms: build('vms', vmsColumns, ev.vms, ev),
    devices: build('devices', devicesColumns, ev.devices, ev),
    workers: build('workers', workersColumns, ev.workers, ev),
  }
}

/** The tables of several hosts, one after the other (a plan); with none, empty tables with their columns. */
export function concatTables(parts: readonly Tables[]): Tables {
  const out = {} as Tables
  for (const name of TABLE_NAMES) {
    out[name] = {
      name,
      columns: columnsOf(META[name]),
      rows: parts.flatMap((t) => t[name].rows),
    }
  }
  return out
}

// ---------------------------------------------------------------- documentation

/** Each table's columns: key, unit and meaning (for the README). */
export const columnDocs: Record<TableName, ColumnDoc[]> = {
  hosts: docsOf(META.hosts),
  cpus: docsOf(META.cpus),
  vms: docsOf(META.vms),
  devices: docsOf(META.devices),
  workers: docsOf(META.workers),
}

function docsOf(specs: readonly ColumnMeta[]): ColumnDoc[] {
  return specs.map(({key, unit, meaning}) => (unit === undefined ? {key, meaning} : {key, unit, meaning}))
}

/** `columnDocs` as Markdown: the conventions, then one `### <table>.csv` section with a column table each. */
export function columnDocsMarkdown(): string {
  const conventions = [
    'One row per entity: the host, each CPU, VM, device and worker. Every table',
    'starts with the `host` column. Units are in the column names. Numbers',
    `are plain numbers rounded to ${SIGNIFICANT_DIGITS} significant digits (\`Infinity\` for an`,
    `unbounded offered load); lists are separated by \`${LIST_SEPARATOR}\`; booleans are \`true\` /`,
    "`false`. Text cells that begin with `=`, `+`, `-`, `@`, tab or carriage return",
    "are prefixed with `'` so that spreadsheets do not evaluate them.",
  ].join('\n')
  const sections = TABLE_NAMES.map((name) => {
    const lines = [
      `### ${name}.csv`,
      '',
      '| column | unit | meaning |',
      '|---|---|---|',
      ...columnDocs[name].map((c) => `| \`${c.key}\` | ${c.unit ?? ''} | ${c.meaning.replaceAll('|', '\\|')} |`),
    ]
    return lines.join('\n')
  })
  return `${conventions}\n\n${sections.join('\n\n')}\n`
}
