/**
 * The HTML report: one self-contained page (inline CSS, inline SVG charts, no script,
 * font, image or stylesheet to fetch; a Content-Security-Policy that forbids loading
 * anything) with the plan's summary and one section per host model.
 *
 * Every number is shown formatted and carried exact in a `data-value` attribute, and
 * each chart's data sit next to it as JSON (`<script type="application/json">`, which a
 * browser never runs), so tests and tools can read the figures back. Text from input files
 * (model, VM type and variant names) is escaped. Pure: data in, string out.
 */
import type {Comparison, CompareRow} from '../compare-types.js'
import {describeLimitKind, formatBitRate, formatIops, formatLatency, formatPercent, sig3} from '../format.js'
import type {PlanSummary} from '../plan.js'
import {type Chart, compareChart, cpuMapChart, ioChart, latencyChart, renderSvg} from './charts.js'
import type {ModelSection} from './series.js'

export interface HtmlReportInput {
  cluster: string
  workload: string
  summary: PlanSummary
  sections: ModelSection[]
  comparison?: Comparison
}

const ESCAPES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;'}

/** Text safe inside HTML elements and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c])
}

/** JSON safe inside a <script> element: no `</script>`, no `<!--`. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

/** A table cell holding a number: the formatted text, the exact value in `data-value`. */
function num(field: string, value: number, text: string): string {
  return `<td class="num" data-field="${field}" data-value="${String(value)}">${escapeHtml(text)}</td>`
}

function txt(field: string, text: string): string {
  return `<td data-field="${field}">${escapeHtml(text)}</td>`
}

const gbit = (gbps: number) => `${sig3(gbps)} Gbit/s`

const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6472; --rule: #d7dbe0; --band: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 12px; border-top: 2px solid var(--rule); }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lede, p.note, figcaption { color: var(--muted); }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { background: var(--band); font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
.bad { color: #b3261e; font-weight: 600; }
.good { color: #1e7b34; }
figure.chart { margin: 16px 0 24px; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
`

function summaryBlock(s: PlanSummary): string {
  const rows: [string, string, number, string][] = [
    ['hostsUsed', 'Hosts used', s.hostsUsed, `${s.hostsUsed} (${Object.entries(s.hostsByModel).map(([m, n]) => `${n} x ${m}`).join(', ')})`],
    ['cpus', 'Host CPUs', s.cpus, `${s.cpus}: ${Object.entries(s.cpusByRole).map(([r, n]) => `${n} ${r}`).join(', ')}`],
    ['deliveredGbps', 'Delivered I/O', s.deliveredGbps, `${formatBitRate(s.deliveredGbps * 1e9)} (net ${formatBitRate(s.netGbps * 1e9)})`],
    ['iops', 'Block IOPS', s.iops, formatIops(s.iops)],
    ['gbpsPerCpu', 'Gbit/s per host CPU', s.gbpsPerCpu, gbit(s.gbpsPerCpu)],
    ['gbpsPerAllocatedCpu', 'Gbit/s per allocated CPU', s.gbpsPerAllocatedCpu, gbit(s.gbpsPerAllocatedCpu)],
    ['vmsPlaced', 'VMs placed', s.vmsPlaced, `${s.vmsPlaced} of ${s.vms}`],
    ['sloViolations', 'SLO violations', s.sloViolations, s.sloViolations === 0 ? 'none: every SLO met' : String(s.sloViolations)],
    ['bound', `Lower bound on ${s.objective === 'hosts' ? 'hosts' : 'host CPUs'}`, s.bound, sig3(s.bound)],
    ['placementObjective', 'Plan', s.placementObjective, String(s.placementObjective)],
    ['gap', 'Gap to the bound', s.gap, formatPercent(s.gap)],
  ]
  const body = rows.map(([field, label, value, text]) => `<tr><th scope="row">${escapeHtml(label)}</th>${num(field, value, text)}</tr>`).join('\n')
  const p99 = Object.entries(s.p99ByVmType)
    .map(([type, v]) => `<tr data-vm-type="${escapeHtml(type)}">${txt('vmType', type)}${num('p99Us', v * 1e6, formatLatency(v))}</tr>`).join('\n')
  const unplaced = s.unplaced.length === 0 ? '' : `<h3>Unplaced VMs</h3>
<table class="unplaced"><thead><tr><th>VM</th><th>Type</th><th>Reason</th></tr></thead><tbody>
${s.unplaced.map(u => `<tr>${txt('id', u.id)}${txt('type', u.type)}${txt('reason', u.reason)}</tr>`).join('\n')}
</tbody></table>`
  return `<section id="summary">
<h2>Summary</h2>
<table class="summary"><tbody>
${body}
</tbody></table>
<h3>Highest p99 latency by VM type</h3>
<table class="p99"><thead><tr><th>VM type</th><th>p99</th></tr></thead><tbody>
${p99}
</tbody></table>
${unplaced}
</section>`
}

function figure(chart: Chart, svg: string, caption: string, model?: string): string {
  const modelAttr = model === undefined ? '' : ` data-model="${escapeHtml(model)}"`
  return `<figure class="chart" id="${chart.id}" data-chart="${chart.kind}"${modelAttr}>
${svg}
<figcaption>${escapeHtml(caption)}</figcaption>
<script type="application/json" class="chart-data">${scriptJson(chart.data)}</script>
</figure>`
}

async function modelBlock(section: ModelSection, index: number): Promise<string> {
  const mixRows = section.mixes.map(m => `<tr data-mix="${m.index}">${txt('name', m.name)}${num('hosts', m.hosts, String(m.hosts))}`
    + `${txt('vms', Object.entries(m.vms).map(([t, n]) => `${n} ${t}`).join(', '))}${num('ioCpus', m.ioCpus, String(m.ioCpus))}`
    + `${num('deliveredGbps', m.deliveredGbps, gbit(m.deliveredGbps))}${num('gbpsPerCpu', m.gbpsPerCpu, gbit(m.gbpsPerCpu))}`
    + `${num('worstP99Us', m.worstP99Us, formatLatency(m.worstP99Us / 1e6))}`
    + `<td class="num${m.sloViolations > 0 ? ' bad' : ''}" data-field="sloViolations" data-value="${m.sloViolations}">${m.sloViolations}</td>`
    + `${txt('limits', m.limits.map(l => `${describeLimitKind(l.kind)}: ${l.devices} device${l.devices === 1 ? '' : 's'}`).join('; '))}</tr>`).join('\n')
  const charts: [Chart, string][] = [
    [cpuMapChart(`cpu-map-${index}`, section.model, section.cpuMap),
      'vm: CPUs pinned to vCPUs; io: dedicated I/O cores; housekeeping: reserved for the host; idle: given to nothing.'],
    [ioChart(`io-sweep-${index}`, section.model, section.io),
      'Lines: the model\'s evaluation of each layout\'s VMs with more or fewer I/O cores; diamonds: the layouts in the plan.'],
  ]
  if (section.latency.length > 0) {
    charts.push([latencyChart(`latency-${index}`, section.model, section.latency),
      'The dashed line is the planned load (the plan\'s own evaluation); devices offered unbounded load stay unbounded.'])
  }

  const figures: string[] = []
  for (const [chart, caption] of charts) figures.push(figure(chart, await renderSvg(chart), caption, section.model))
  const note = section.note === undefined ? '' : `<p class="note">No model curves: ${escapeHtml(section.note)}.</p>`
  return `<section class="model" id="model-${index}" data-model="${escapeHtml(section.model)}">
<h2>Host model ${escapeHtml(section.model)}</h2>
<p class="lede">${section.hosts} host${section.hosts === 1 ? '' : 's'} of ${section.cpusPerHost} CPUs on ${section.nodes} NUMA node${section.nodes === 1 ? '' : 's'}, in ${section.mixes.length} distinct layout${section.mixes.length === 1 ? '' : 's'}.</p>
<table class="mixes"><thead><tr><th>Layout</th><th>Hosts</th><th>VMs per host</th><th>I/O CPUs</th><th>Delivered per host</th><th>Gbit/s per CPU</th><th>Worst p99</th><th>SLO violations</th><th>Devices limited by</th></tr></thead><tbody>
${mixRows}
</tbody></table>
${note}
${figures.join('\n')}
</section>`
}

function compareRowCells(r: CompareRow): string {
  const m = r.metrics
  const d = r.delta
  const signed = (x: number, text: string) => (x > 0 ? `+${text}` : text)
  return `${txt('name', r.name)}${txt('source', r.source)}${num('hosts', m.hosts, String(m.hosts))}`
    + `${num('gbpsPerCpu', m.gbpsPerCpu, gbit(m.gbpsPerCpu))}${num('iops', m.iops, formatIops(m.iops))}`
    + `${num('p99LatencyUs', m.p99LatencyUs, formatLatency(m.p99LatencyUs / 1e6))}${num('sloViolations', m.sloViolations, String(m.sloViolations))}`
    + `${num('delta.hosts', d.hosts, signed(d.hosts, String(d.hosts)))}${num('delta.gbpsPerCpu', d.gbpsPerCpu, signed(d.gbpsPerCpu, gbit(d.gbpsPerCpu)))}`
    + `${num('delta.p99LatencyUs', d.p99LatencyUs, signed(d.p99LatencyUs, `${sig3(d.p99LatencyUs)} us`))}`
}

/** The variants that could not be measured, with why. */
function infeasibleList(c: Comparison): string {
  if (!c.infeasible || c.infeasible.length === 0) return ''
  const items = c.infeasible.map(v => `<li data-variant="${escapeHtml(v.name)}"><strong>${escapeHtml(v.name)}</strong> (${escapeHtml(v.source)}): ${escapeHtml(v.reason)}</li>`)
  return `<p>Could not be measured:</p>\n<ul class="infeasible">\n${items.join('\n')}\n</ul>\n`
}

async function compareBlock(c: Comparison): Promise<string> {
  const rows = [c.baseline, ...c.variants].map(r => `<tr data-variant="${escapeHtml(r.name)}">${compareRowCells(r)}</tr>`).join('\n')
  const chart = compareChart('compare', c)
  return `<section id="comparison">
<h2>What-if comparison</h2>
<table class="compare"><thead><tr><th>Variant</th><th>Source</th><th>Hosts</th><th>Gbit/s per CPU</th><th>IOPS</th><th>Worst p99</th><th>SLO violations</th><th>&Delta; hosts</th><th>&Delta; Gbit/s per CPU</th><th>&Delta; p99</th></tr></thead><tbody>
${rows}
</tbody></table>
${infeasibleList(c)}${figure(chart, await renderSvg(chart), 'Deltas are the variant minus the baseline.')}
</section>`
}

/** The whole report page. */
export async function htmlReport(input: HtmlReportInput): Promise<string> {
  const title = `Sidecore plan: ${input.cluster} / ${input.workload}`
  const models: string[] = []
  for (const [i, s] of input.sections.entries()) models.push(await modelBlock(s, i))
  const nav = input.sections.map((s, i) => `<li><a href="#model-${i}">${escapeHtml(s.model)}</a></li>`)
  if (input.comparison) nav.push('<li><a href="#comparison">What-if comparison</a></li>')
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p class="lede">Cluster <b>${escapeHtml(input.cluster)}</b>, workload <b>${escapeHtml(input.workload)}</b>; objective ${escapeHtml(input.summary.objective)}. Every figure comes from plan.json or from the performance model.</p>
<nav><ul><li><a href="#summary">Summary</a></li>${nav.join('')}</ul></nav>
${summaryBlock(input.summary)}
${models.join('\n')}
${input.comparison ? await compareBlock(input.comparison) : ''}
<footer>Written by sidecore report. Self-contained: the page loads nothing.</footer>
</main>
</body>
</html>
`
}
