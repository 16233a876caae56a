/**
 * Plan -> summary (for the terminal and `--json`) and tables (for CSV). Every figure is
 * summed from the plan's own host evaluations, so the summary and plan.json agree.
 */
import type {CpuRole, LimitKind} from '../model/types.js'
import type {BaselineOutcome} from '../search/baseline-plan.js'
import {type Plan, renameRef, renames} from '../search/plan.js'
import {describeLimitKind, formatBitRate, formatCpuList, formatIops, formatLatency, formatNotification, formatPercent} from './format.js'
import {toCsv} from './csv.js'
import {TABLE_NAMES, type TableName, type Tables, concatTables, evaluationTables} from './tables.js'
import {type RenderOptions, palette, renderTable} from './terminal.js'

export interface PlanSummary {
  objective: string
  hostsUsed: number
  hostsByModel: Record<string, number>
  cpusByRole: Record<CpuRole, number>
  cpus: number
  deliveredGbps: number
  netGbps: number
  iops: number
  gbpsPerCpu: number
  gbpsPerAllocatedCpu: number
  p99ByVmType: Record<string, number>
  /** Per host model: its hosts, their layouts, and what limits their devices. */
  models: ModelSummary[]
  vms: number
  vmsPlaced: number
  unplaced: {id: string; type: string; reason: string}[]
  sloViolations: number
  bound: number
  placementObjective: number
  gap: number
  /** The same input under today's systems, and the plan's improvement over each. */
  baselines: {
    id: string
    name: string
    hostsUsed: number
    unplaced: number
    gbpsPerCpu: number
    /** Gbit/s of the VMs that meet their SLO, per host CPU. */
    sloMetGbpsPerCpu: number
    sloViolations: number
    /** plan / baseline of Gbit/s within SLO per host CPU (the objective). */
    improvement: number
  }[]
}

export interface ModelSummary {
  model: string
  hosts: number
  /** Distinct layouts (VM mixes) among the model's hosts. */
  layouts: number
  /** Fewest and most I/O CPUs on one host. */
  ioCpus: [number, number]
  /** Delivered Gbit/s per host CPU over the model's hosts. */
  gbpsPerCpu: number
  /** Highest p99 latency of any VM on the model's hosts, seconds. */
  worstP99S: number
  /** Devices on the model's hosts by what limits them, most first; devices whose offered load is met are left out. */
  limits: {kind: LimitKind; description: string; devices: number}[]
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.POSITIVE_INFINITY)

export function planSummary(plan: Plan, baselines: BaselineOutcome[] = []): PlanSummary {
  const hostsByModel: Record<string, number> = {}
  const cpusByRole: Record<CpuRole, number> = {vm: 0, io: 0, housekeeping: 0, idle: 0}
  let delivered = 0
  let net = 0
  let iops = 0
  let cpus = 0
  let allocated = 0
  let violations = 0
  const p99: Record<string, number> = {}
  let sloMet = 0
  for (const h of plan.hosts) {
    const ev = plan.mixes[h.mix].evaluation
    const t = ev.totals
    hostsByModel[h.model] = (hostsByModel[h.model] ?? 0) + 1
    for (const c of ev.cpus) cpusByRole[c.role]++
    delivered += t.deliveredBps
    net += t.netBps
    iops += t.iops
    cpus += t.cpusHost
    allocated += t.cpusAllocated
    violations += t.sloViolations
    for (const v of ev.vms) {
      p99[v.type] = Math.max(p99[v.type] ?? 0, v.p99LatencyS)
      if (v.sloMet) sloMet += v.netBps + 8 * v.blockBytesPerS
    }
  }

  return {
    objective: plan.objective,
    hostsUsed: plan.hosts.length,
    models: modelSummaries(plan),
    hostsByModel,
    cpusByRole,
    cpus,
    deliveredGbps: delivered / 1e9,
    netGbps: net / 1e9,
    iops,
    gbpsPerCpu: cpus > 0 ? delivered / 1e9 / cpus : 0,
    gbpsPerAllocatedCpu: allocated > 0 ? delivered / 1e9 / allocated : 0,
    p99ByVmType: p99,
    vms: plan.vms.length,
    vmsPlaced: plan.vms.filter(v => v.host).length,
    unplaced: plan.vms.filter(v => !v.host).map(v => ({id: v.id, type: v.type, reason: v.reason ?? ''})),
    sloViolations: violations,
    bound: plan.bound,
    placementObjective: plan.placementObjective,
    gap: plan.gap,
    baselines: baselines.map(b => ({
      id: b.id,
      name: b.name,
      hostsUsed: b.hostsUsed,
      unplaced: b.unplaced,
      gbpsPerCpu: b.totals.bpsPerCpuHost / 1e9,
      sloMetGbpsPerCpu: b.totals.cpusHost > 0 ? b.sloMetBps / 1e9 / b.totals.cpusHost : 0,
      sloViolations: b.totals.sloViolations,
      improvement: ratio(cpus > 0 ? sloMet / cpus : 0, b.totals.cpusHost > 0 ? b.sloMetBps / b.totals.cpusHost : 0),
    })),
  }
}

function modelSummaries(plan: Plan): ModelSummary[] {
  const order = [...new Set(plan.hosts.map(h => h.model))]
  return order.map(model => {
    const hosts = plan.hosts.filter(h => h.model === model)
    const io = hosts.map(h => Object.values(plan.mixes[h.mix].layout.roles).filter(r => r === 'io').length)
    const limits = new Map<LimitKind, number>()
    let delivered = 0
    let cpus = 0
    let worst = 0
    for (const h of hosts) {
      const ev = plan.mixes[h.mix].evaluation
      delivered += ev.totals.deliveredBps
      cpus += ev.totals.cpusHost
      for (const v of ev.vms) worst = Math.max(worst, v.p99LatencyS)
      for (const d of ev.devices) if (d.limit.kind !== 'offered-load') limits.set(d.limit.kind, (limits.get(d.limit.kind) ?? 0) + 1)
    }

    return {
      model,
      hosts: hosts.length,
      layouts: new Set(hosts.map(h => h.mix)).size,
      ioCpus: [Math.min(...io), Math.max(...io)],
      gbpsPerCpu: cpus > 0 ? delivered / 1e9 / cpus : 0,
      worstP99S: worst,
      limits: [...limits].map(([kind, devices]) => ({kind, description: describeLimitKind(kind), devices}))
        .sort((a, b) => b.devices - a.devices || a.kind.localeCompare(b.kind)),
    }
  })
}

/** `3` or `2-4`. */
const range = ([lo, hi]: [number, number]) => (lo === hi ? String(lo) : `${lo}-${hi}`)

/**
 * The plan summary for the terminal: headline figures, one row per host model (with
 * what limits its devices, in words), p99 by VM type, the baselines and unplaced VMs.
 * Colour (SLO met in green, violations and unplaced VMs in red, titles in bold) only with
 * `color: true`.
 */
export function renderPlanSummary(s: PlanSummary, options: RenderOptions = {color: false}): string {
  const p = palette(options.color)
  const label = (text: string) => p.bold(text.padEnd(13))
  const lines = [
    `${label('Hosts')}${s.hostsUsed} used: ${Object.entries(s.hostsByModel).map(([m, n]) => `${n} x ${m}`).join(', ')}`,
    `${label('CPUs')}${s.cpus}: ${Object.entries(s.cpusByRole).map(([r, n]) => `${n} ${r}`).join(', ')}`,
    `${label('Delivered')}${formatBitRate(s.deliveredGbps * 1e9)} (net ${formatBitRate(s.netGbps * 1e9)}), ${formatIops(s.iops)}`,
    `${label('Per CPU')}${s.gbpsPerCpu.toPrecision(3)} Gbit/s per host CPU, ${s.gbpsPerAllocatedCpu.toPrecision(3)} Gbit/s per allocated CPU`,
    `${label('VMs')}${s.vmsPlaced} of ${s.vms} placed${s.unplaced.length > 0 ? p.red(`; ${s.unplaced.length} unplaced`) : ''}`,
    `${label('SLO')}${sloLine(s, p)}`,
    `${label('Bound')}${s.bound.toPrecision(6)} (plan ${s.placementObjective}, gap ${formatPercent(s.gap)}) on ${s.objective === 'hosts' ? 'hosts' : 'host CPUs'}`,
  ]
  if (s.models.length > 0) {
    lines.push('', p.bold('Host models'), renderTable(
      ['Host model', 'Hosts', 'Layouts', 'I/O CPUs', 'Gbit/s per CPU', 'Worst p99', 'Devices limited by'],
      s.models.map(m => [m.model, m.hosts, m.layouts, range(m.ioCpus), m.gbpsPerCpu.toPrecision(3), formatLatency(m.worstP99S),
        m.limits.length === 0 ? 'nothing: every offered load met' : m.limits.slice(0, 3).map(l => `${l.description} (${l.devices})`).join(', ')]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'left']))
  }

  // Types with no VM placed have no p99: they are listed all the same.
  const p99Rows = Object.entries(s.p99ByVmType).map(([t, v]) => [t, formatLatency(v)])
  for (const type of new Set(s.unplaced.map(u => u.type))) if (!(type in s.p99ByVmType)) p99Rows.push([type, p.red('none placed')])
  lines.push('', renderTable(['VM type', 'p99'], p99Rows))
  if (s.baselines.length > 0) {
    lines.push('', 'Baselines: the same VMs placed first fit by vCPUs, each host laid out as that system would.',
      'Gbit/s within SLO counts only VMs that meet their SLO; the plan improves on it by the last column.',
      renderTable(['Baseline', 'Hosts', 'Unplaced VMs', 'SLO violations', 'Gbit/s per CPU', 'within SLO', 'Plan'],
        s.baselines.map(b => [b.name, b.hostsUsed, b.unplaced, b.sloViolations, b.gbpsPerCpu.toPrecision(3),
          b.sloMetGbpsPerCpu.toPrecision(3), Number.isFinite(b.improvement) ? `${b.improvement.toFixed(2)}x` : 'n/a'])))
  }

  if (s.unplaced.length > 0) {
    lines.push('', renderTable(['Unplaced VM', 'Type', 'Reason'], s.unplaced.map(u => [p.red(u.id), u.type, u.reason])))
  }

  return lines.join('\n')
}

/** Whether the placed VMs meet their SLOs; VMs left unplaced are never "met everywhere". */
function sloLine(s: PlanSummary, p: ReturnType<typeof palette>): string {
  if (s.vmsPlaced === 0) return p.red('no VM placed')
  if (s.sloViolations > 0) return p.red(`${s.sloViolations} violations`)
  if (s.unplaced.length === 0) return p.green('met everywhere')
  return `${p.green(`met by the ${s.vmsPlaced} placed VM${s.vmsPlaced === 1 ? '' : 's'}`)}${p.red(`; ${s.unplaced.length} not placed`)}`
}

/** Columns whose text names VMs (alone, in lists joined by `;` or `+`, or in `vm/device` references). */
const VM_COLUMNS = new Set(['vm', 'vms', 'devices', 'limit_resource'])

/**
 * The CSV files of a plan as text chunks, host by host, so a large fleet never holds every
 * row at once. Each mix's tables are built once; a host's rows are its mix's rows with
 * the host's name and its VMs' names.
 */
export function planCsv(plan: Plan): Record<TableName, Iterable<string>> {
  const empty = concatTables([])
  const cache = new Map<number, Tables>()
  const mixTables = (mix: number) => {
    let tables = cache.get(mix)
    if (!tables) cache.set(mix, tables = evaluationTables(plan.mixes[mix].evaluation))
    return tables
  }

  const out = {} as Record<TableName, Iterable<string>>
  for (const name of TABLE_NAMES) {
    out[name] = {
      * [Symbol.iterator]() {
        yield toCsv({...empty[name], rows: []})
        for (const h of plan.hosts) {
          const table = mixTables(h.mix)[name]
          const rename = renames(plan, h)
          const hostColumn = table.columns.findIndex(c => c.key === 'host')
          const vmColumns = table.columns.flatMap((c, i) => (VM_COLUMNS.has(c.key) ? [i] : []))
          const rows = table.rows.map(row => row.map((cell, i) => {
            if (i === hostColumn) return h.id
            if (typeof cell === 'string' && vmColumns.includes(i)) return cell.replaceAll(/[^;+/]+/g, t => rename.get(t) ?? t)
            return cell
          }))
          yield toCsv({...table, rows}, false)
        }
      },
    }
  }

  return out
}

/** plan.json as text chunks, host by host: the document of `planDocument`, never held whole. */
export function planJson(plan: Plan, names: {cluster: string; workload: string}): Iterable<string> {
  return {
    * [Symbol.iterator]() {
      const {hosts: _hosts, vms: _vms, mixes: _mixes, ...head} = planDocument({...plan, hosts: [], vms: [], mixes: []}, names) as Record<string, unknown>
      yield `${JSON.stringify(head).slice(0, -1)},\n"mixes": [\n`
      for (const [i, m] of plan.mixes.entries()) yield `${i > 0 ? ',\n' : ''}${JSON.stringify(m)}`
      yield '\n],\n"hosts": [\n'
      for (const [i, h] of plan.hosts.entries()) yield `${i > 0 ? ',\n' : ''}${JSON.stringify(hostDocument(plan, h))}`
      yield '\n],\n"vms": [\n'
      for (const [i, v] of plan.vms.entries()) yield `${i > 0 ? ',\n' : ''}${JSON.stringify(v)}`
      yield '\n]}\n'
    },
  }
}

/** The `kind` and `version` plan.json declares, so `sidecore report` knows what it reads. */
export const PLAN_KIND = 'plan'
export const PLAN_VERSION = 1

/**
 * plan.json: every host's layout (CPU lists per role), every VM's host, and the bound and
 * gap; `mixes` holds each distinct VM mix once, with its full layout and evaluation (an
 * unbounded offered load is `null`, as JSON has no Infinity), and each host names its mix,
 * so `sidecore report` can rebuild every table from plan.json alone.
 */
export function planDocument(plan: Plan, names: {cluster: string; workload: string}): object {
  return {
    kind: PLAN_KIND,
    version: PLAN_VERSION,
    cluster: names.cluster,
    workload: names.workload,
    objective: plan.objective,
    accounting: plan.accounting,
    seed: plan.seed,
    bound: plan.bound,
    placementObjective: plan.placementObjective,
    gap: plan.gap,
    mixes: plan.mixes,
    hosts: plan.hosts.map(h => hostDocument(plan, h)),
    vms: plan.vms,
  }
}

/** The parts of a host's plan.json entry that only depend on its mix (with the mix's VM names). */
interface MixDocument {
  cpus: Record<string, string>
  vms: {vm: string; node: number; cpus: string}[]
  workers: {id: string; architecture: string; cpus: string; floating: boolean; notification: string; devices: string[]}[]
}

const mixDocuments = new WeakMap<Plan, Map<number, MixDocument>>()

function mixDocument(plan: Plan, mix: number): MixDocument {
  let byMix = mixDocuments.get(plan)
  if (!byMix) mixDocuments.set(plan, byMix = new Map())
  let doc = byMix.get(mix)
  if (!doc) {
    const layout = plan.mixes[mix].layout
    const roles: Record<string, number[]> = {}
    for (const [cpu, role] of Object.entries(layout.roles)) (roles[role] ??= []).push(Number(cpu))
    doc = {
      cpus: Object.fromEntries(Object.entries(roles).map(([role, list]) => [role, formatCpuList(list)])),
      vms: layout.vms.map(p => ({vm: p.vm, node: p.node, cpus: formatCpuList(p.vcpuPins)})),
      workers: layout.workers.map(w => ({
        id: w.id, architecture: w.architecture, cpus: formatCpuList(w.cpus), floating: w.floating,
        notification: formatNotification(w.notification), devices: w.devices,
      })),
    }
    byMix.set(mix, doc)
  }

  return doc
}

function hostDocument(plan: Plan, h: Plan['hosts'][number]): object {
  const doc = mixDocument(plan, h.mix)
  const rename = renames(plan, h)
  const layout = plan.mixes[h.mix].layout
  return {
    id: h.id,
    model: h.model,
    labels: h.labels,
    mix: h.mix,
    cpus: doc.cpus,
    vms: doc.vms.map(v => ({...v, vm: rename.get(v.vm) ?? v.vm})),
    workers: doc.workers.map(w => ({...w, devices: w.devices.map(r => renameRef(r, rename))})),
    interrupt: layout.interrupt,
    sharing: layout.sharing,
    totals: plan.mixes[h.mix].evaluation.totals,
  }
}
