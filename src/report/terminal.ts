/**
 * An `Evaluation` as text for the terminal: a headline block, aligned tables
 * of devices, workers and VMs, and a CPU map by NUMA node.
 *
 * Colour is ANSI SGR and appears only when asked for (`color: true`): SLO
 * failures in red, resource limits in yellow, met SLOs in green, titles in
 * bold. Without colour the text holds no escape codes at all. Lines carry no
 * trailing spaces, and the result has no final newline (the caller prints it).
 */

import type {CpuRole, DeviceResult, Evaluation, VmResult, WorkerResult} from '../model/types.js'
import {
  describeLimit,
  formatBitRate,
  formatByteRate,
  formatCpuList,
  formatCpus,
  formatEventRate,
  formatIops,
  formatItemRate,
  formatLatency,
  formatNotification,
  formatPercent,
  NOT_AVAILABLE,
  sig3,
  UNBOUNDED,
} from './format.js'

export interface RenderOptions {
  /** Use ANSI colours (only when writing to a terminal that wants them). */
  color: boolean
}

export type Align = 'left' | 'right'

// ---------------------------------------------------------------- colour

const ESC = '\u001b'
const ANSI_PATTERN = new RegExp(`${ESC}\\[[0-9;]*m`, 'g')

/** `text` without ANSI SGR escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '')
}

/** Columns `text` occupies on a terminal: code points, escape sequences excluded. */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length
}

export interface Palette {
  bold: (s: string) => string
  red: (s: string) => string
  yellow: (s: string) => string
  green: (s: string) => string
}

/** ANSI SGR wrappers that do nothing unless `color`. */
export function palette(color: boolean): Palette {
  const sgr = (on: number, off: number) => (s: string) => (color && s !== '' ? `${ESC}[${on}m${s}${ESC}[${off}m` : s)
  return {bold: sgr(1, 22), red: sgr(31, 39), yellow: sgr(33, 39), green: sgr(32, 39)}
}

// ---------------------------------------------------------------- aligned tables

const GAP = '  '
const NUMERIC_TEXT = /^[-+]?\.?\d/

function looksNumeric(cell: string | number): boolean {
  if (typeof cell === 'number') return true
  const text = stripAnsi(cell)
  return NUMERIC_TEXT.test(text) || text === UNBOUNDED || text === NOT_AVAILABLE
}

/**
 * An aligned text table: a header row, a rule of dashes, then the rows,
 * columns separated by two spaces. Widths count visible characters, so cells
 * may carry ANSI colour. `align` gives each column's alignment; a column
 * without one is right-aligned when every non-empty cell is a number or reads
 * as one (`9.41 Gbit/s`), left-aligned otherwise. Headers follow their
 * column's alignment. Lines have no trailing spaces.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  align: readonly (Align | undefined)[] = [],
): string {
  const width = headers.length
  rows.forEach((row, i) => {
    if (row.length !== width) throw new Error(`renderTable: row ${i} has ${row.length} cells, expected ${width}`)
  })
  const body = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? String(cell) : cell)))
  const aligns: Align[] = headers.map((_h, c) => {
    const given = align[c]
    if (given !== undefined) return given
    const cells = rows.map((row) => row[c]).filter((cell) => cell !== '')
    return cells.length > 0 && cells.every(looksNumeric) ? 'right' : 'left'
  })
  const widths = headers.map((h, c) => Math.max(visibleWidth(h), ...body.map((row) => visibleWidth(row[c]))))
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => {
        const pad = ' '.repeat(widths[c] - visibleWidth(cell))
        return aligns[c] === 'right' ? pad + cell : cell + pad
      })
      .join(GAP)
      .trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')
}

// ---------------------------------------------------------------- the evaluation

/** One character per CPU role in the CPU map. */
export const ROLE_CHAR: Record<CpuRole, string> = {vm: 'V', io: 'I', housekeeping: 'H', idle: '.'}

const gbps = (bitsPerS: number) => `${sig3(bitsPerS / 1e9)} Gbit/s`

function headline(ev: Evaluation, p: Palette): string[] {
  const t = ev.totals
  const vms = ev.vms.length
  const failing = ev.vms.filter(v => !v.sloMet).length
  const violations = ev.vms.reduce((n, v) => n + v.violations.length, 0)
  const slo =
    failing === 0
      ? p.green(`met by all ${vms} VM${vms === 1 ? '' : 's'}`)
      : p.red(`${failing} of ${vms} VM${vms === 1 ? '' : 's'} miss their SLO (${violations} violation${violations === 1 ? '' : 's'})`)
  const pairs: [string, string][] = [
    ['Host', ev.host],
    ['Calibration', ev.calibration],
    ['Delivered', `${formatBitRate(t.deliveredBps)} (net ${formatBitRate(t.netBps)}, block ${formatByteRate(t.blockBytesPerS)})${
      // A transaction's request and response both count, so the total may pass one direction's line rate.
      ev.devices.some(d => d.kind === 'net' && d.pattern === 'rr') ? '; request/response counts both directions' : ''}`],
    ['IOPS', formatIops(t.iops)],
    ['CPUs', `${formatCpus(t.cpusHost)} host, ${formatCpus(t.cpusAllocated)} allocated`],
    ['Per CPU', `${gbps(t.bpsPerCpuHost)} host, ${gbps(t.bpsPerCpuAllocated)} allocated`],
    ['Exits', `${formatEventRate(t.exitsPerS)}, interrupts ${formatEventRate(t.interruptsPerS)}`],
    ['SLO', slo],
  ]
  const labelWidth = Math.max(...pairs.map(([label]) => label.length))
  return pairs.map(([label, value]) => `${p.bold(label.padEnd(labelWidth))}  ${value}`.trimEnd())
}

function devicesTable(devices: readonly DeviceResult[], workers: readonly WorkerResult[], p: Palette): string {
  const architecture = new Map(workers.map(w => [w.id, w.architecture]))
  const headers = ['VM', 'Device', 'Kind', 'Pattern', 'Worker', 'Offered', 'Achieved', 'Throughput', 'Mean', 'p99', 'Limited by']
  const rows = devices.map((d) => [
    d.vm,
    d.device,
    d.kind,
    d.pattern,
    d.worker,
    formatItemRate(d.offered, d.kind, d.pattern),
    formatItemRate(d.rate, d.kind, d.pattern),
    d.kind === 'net' ? formatBitRate(d.bitsPerS) : formatByteRate(d.bytesPerS),
    formatLatency(d.meanLatencyS),
    formatLatency(d.p99LatencyS),
    d.limit.kind === 'offered-load' ? describeLimit(d.limit) : p.yellow(describeLimit(d.limit, architecture.get(d.limit.resource))),
  ])
  return renderTable(headers, rows, ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'])
}

function workersTable(workers: readonly WorkerResult[]): string {
  // Work and spinning are both shares of one CPU, so that they add up to the utilisation.
  const headers = ['Worker', 'Architecture', 'Notification', 'CPUs', 'Floating', 'Utilisation', 'Work', 'Spinning', 'Devices']
  const rows = workers.map((w) => [
    w.id,
    w.architecture,
    formatNotification(w.notification),
    formatCpuList(w.cpus),
    w.floating ? 'yes' : 'no',
    formatPercent(w.utilisation),
    formatPercent(w.busy),
    formatPercent(w.utilisation * w.idleSpinShare),
    w.devices.join(', '),
  ])
  return renderTable(headers, rows, ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'right', 'left'])
}

function vmsTable(vms: readonly VmResult[], p: Palette): string {
  const headers = ['VM', 'Type', 'Node', 'Net', 'Block', 'IOPS', 'p99', 'vCPU util', 'SLO']
  const rows = vms.map((v) => [
    v.id,
    v.type,
    String(v.node),
    formatBitRate(v.netBps),
    formatByteRate(v.blockBytesPerS),
    formatIops(v.iops),
    formatLatency(v.p99LatencyS),
    formatPercent(v.vcpuUtilisation),
    v.sloMet ? p.green('met') : p.red(v.violations.length === 0 ? 'FAILED' : `FAILED: ${v.violations.join('; ')}`),
  ])
  return renderTable(headers, rows, ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'])
}

function cpuMap(ev: Evaluation): string[] {
  const nodes = [...new Set(ev.cpus.map((c) => c.node))].sort((a, b) => a - b)
  const labels = nodes.map((n) => `node ${n}`)
  const labelWidth = Math.max(0, ...labels.map((l) => l.length))
  return nodes.map((node, i) => {
    const cpus = ev.cpus.filter((c) => c.node === node).sort((a, b) => a.id - b.id)
    return `${labels[i].padEnd(labelWidth)}  ${cpus.map((c) => ROLE_CHAR[c.role]).join('')}`
  })
}

function section(title: string, p: Palette, body: string, empty: boolean): string {
  return empty ? `${p.bold(title)}: none` : `${p.bold(title)}\n${body}`
}

/** A readable summary of one host's evaluation. */
export function renderEvaluation(ev: Evaluation, options: RenderOptions): string {
  const p = palette(options.color)
  const blocks = [
    headline(ev, p).join('\n'),
    section('Devices', p, devicesTable(ev.devices, ev.workers, p), ev.devices.length === 0),
    section('Workers', p, workersTable(ev.workers), ev.workers.length === 0),
    section('VMs', p, vmsTable(ev.vms, p), ev.vms.length === 0),
    section('CPU map (V vm, I io, H housekeeping, . idle)', p, cpuMap(ev).join('\n'), ev.cpus.length === 0),
  ]
  return blocks.join('\n\n')
}
