/**
 * The report's charts as Vega-Lite specifications, and their rendering to SVG text in
 * Node: vega-lite compiles a spec to a Vega spec, a headless vega View (renderer 'none',
 * no DOM, no canvas) runs its dataflow and `toSVG()` writes the scene graph as SVG. The
 * data are inline values, so nothing is loaded. Pure computation: no file system.
 */
import {View, parse} from 'vega'
import {type TopLevelSpec, compile} from 'vega-lite'

import type {Comparison} from '../compare-types.js'
import type {CpuCell, IoPoint, LoadPoint} from './series.js'

/** One chart: what it shows, its data (embedded next to the SVG, for reading back) and its spec. */
export interface Chart {
  id: string
  kind: 'cpu-map' | 'io-sweep' | 'latency' | 'compare'
  data: object[]
  spec: TopLevelSpec
}

const ROLES = ['vm', 'io', 'housekeeping', 'idle']
// Tableau 10 blue and orange, a brown and a light grey: distinct in print and for the common colour deficiencies.
const ROLE_COLOURS = ['#4c78a8', '#f58518', '#9d755d', '#d9d9d9']

const CONFIG = {
  font: 'sans-serif',
  axis: {labelFontSize: 11, titleFontSize: 12, titlePadding: 8},
  legend: {labelFontSize: 11, titleFontSize: 12, labelLimit: 260},
  title: {fontSize: 14, anchor: 'start' as const, offset: 10},
  view: {stroke: null},
}

/** Each CPU of each of the model's layouts, coloured by role, a row per layout and NUMA node. */
export function cpuMapChart(id: string, model: string, cells: readonly CpuCell[]): Chart {
  const data = cells.map(c => ({...c, row: `${c.mix}, node ${c.node}`}))
  const slots = Math.max(1, ...cells.map(c => c.slot + 1))
  const tick = slots > 32 ? 8 : slots > 16 ? 4 : 1
  return {
    id, kind: 'cpu-map', data,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {text: `${model}: CPU roles by NUMA node`, subtitle: 'one row per layout (mix) and NUMA node; one cell per logical CPU'},
      config: CONFIG,
      data: {values: data},
      width: {step: slots > 64 ? 6 : 10},
      height: {step: 16},
      mark: {type: 'rect', stroke: 'white', strokeWidth: 1},
      encoding: {
        x: {field: 'slot', type: 'ordinal', title: 'CPU position in the node (ascending CPU id)',
          axis: {labelExpr: `datum.value % ${tick} === 0 ? datum.label : ''`, labelAngle: 0, ticks: false}},
        y: {field: 'row', type: 'ordinal', title: null, sort: null},
        color: {field: 'role', type: 'nominal', title: 'CPU role', scale: {domain: ROLES, range: ROLE_COLOURS}},
      },
    },
  }
}

/** Gbit/s per host CPU against the number of I/O CPUs, from the model, with the plan's own layouts marked. */
export function ioChart(id: string, model: string, points: readonly IoPoint[]): Chart {
  const data = points.map(p => ({
    ...p,
    point: p.source === 'plan' ? 'the plan\'s layout' : p.sloMet ? 'model: every SLO met' : 'model: SLO missed',
  }))
  return {
    id, kind: 'io-sweep', data,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {text: `${model}: Gbit/s per CPU against I/O cores`,
        subtitle: 'each layout\'s VMs under its policy with 0 and more dedicated I/O cores per NUMA node'},
      config: CONFIG,
      data: {values: data},
      width: 420,
      height: 240,
      layer: [
        {
          transform: [{filter: 'datum.source === \'model\''}],
          mark: {type: 'line', strokeWidth: 2},
          encoding: {
            x: {field: 'ioCpus', type: 'quantitative', title: 'I/O CPUs on the host', axis: {tickMinStep: 1, format: 'd'}},
            y: {field: 'gbpsPerCpu', type: 'quantitative', title: 'delivered Gbit/s per host CPU'},
            color: {field: 'mix', type: 'nominal', title: 'layout'},
          },
        },
        {
          mark: {type: 'point', filled: true, size: 70, opacity: 1},
          encoding: {
            x: {field: 'ioCpus', type: 'quantitative'},
            y: {field: 'gbpsPerCpu', type: 'quantitative'},
            color: {field: 'mix', type: 'nominal', title: 'layout'},
            shape: {field: 'point', type: 'nominal', title: 'point',
              scale: {domain: ['model: every SLO met', 'model: SLO missed', 'the plan\'s layout'], range: ['circle', 'cross', 'diamond']}},
          },
        },
        {
          // The plan's own layouts outlined on top, so a model point at the same place does not hide them.
          transform: [{filter: 'datum.source === \'plan\''}],
          mark: {type: 'point', shape: 'diamond', size: 170, filled: false, stroke: '#111', strokeWidth: 1.5},
          encoding: {x: {field: 'ioCpus', type: 'quantitative'}, y: {field: 'gbpsPerCpu', type: 'quantitative'}},
        },
      ],
    },
  }
}

/** p99 latency against offered load, per VM type, log scale. */
export function latencyChart(id: string, model: string, points: readonly LoadPoint[]): Chart {
  const data = points.map(p => ({...p}))
  return {
    id, kind: 'latency', data,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {text: `${model}: p99 latency against load`,
        subtitle: 'the planned layouts with every bounded offered load scaled; highest p99 of each VM type'},
      config: CONFIG,
      data: {values: data},
      width: 420,
      height: 240,
      layer: [
        {
          mark: {type: 'line', point: true, strokeWidth: 2},
          encoding: {
            x: {field: 'loadPct', type: 'quantitative', title: 'offered load (% of the planned load)'},
            y: {field: 'p99Us', type: 'quantitative', title: 'p99 latency (us)', scale: {type: 'log'}},
            color: {field: 'vmType', type: 'nominal', title: 'VM type'},
          },
        },
        {data: {values: [{loadPct: 100}]}, mark: {type: 'rule', strokeDash: [4, 4], color: '#888'}, encoding: {x: {field: 'loadPct', type: 'quantitative'}}},
      ],
    },
  }
}

const COMPARE_METRICS = [
  {key: 'gbpsPerCpu', title: 'Gbit/s per host CPU'},
  {key: 'hosts', title: 'hosts used'},
  {key: 'p99LatencyUs', title: 'worst p99 latency (us)'},
  {key: 'sloViolations', title: 'SLO violations'},
] as const

/** One bar per variant (baseline first) for each headline metric, and the CPUs by role. */
export function compareChart(id: string, comparison: Comparison): Chart {
  const rows = [comparison.baseline, ...comparison.variants]
  const names = rows.map(r => r.name)
  const data = rows.flatMap(r => COMPARE_METRICS.map(m => ({variant: r.name, metric: m.key, value: r.metrics[m.key]})))
  const roles = rows.flatMap(r => ROLES.map(role => ({variant: r.name, role, cpus: r.metrics.cpusByRole[role as keyof typeof r.metrics.cpusByRole]})))
  // The variant is on the x axis already: colour only tells the baseline from the variants, without a legend.
  const colour = {field: 'variant', type: 'nominal' as const, sort: names, legend: null}
  return {
    id, kind: 'compare', data: [...data, ...roles],
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {text: 'What-if comparison', subtitle: 'the baseline plan and each variant'},
      config: CONFIG,
      hconcat: [
        ...COMPARE_METRICS.map(m => ({
          data: {values: data.filter(d => d.metric === m.key)},
          width: 120,
          height: 200,
          mark: {type: 'bar' as const},
          encoding: {
            x: {field: 'variant', type: 'nominal' as const, title: null, sort: names, axis: {labelAngle: -30}},
            y: {field: 'value', type: 'quantitative' as const, title: m.title},
            color: colour,
          },
        })),
        {
          data: {values: roles},
          width: 120,
          height: 200,
          mark: {type: 'bar' as const},
          encoding: {
            x: {field: 'variant', type: 'nominal' as const, title: null, sort: names, axis: {labelAngle: -30}},
            y: {field: 'cpus', type: 'quantitative' as const, title: 'host CPUs by role', stack: 'zero' as const},
            color: {field: 'role', type: 'nominal' as const, title: 'CPU role', scale: {domain: ROLES, range: ROLE_COLOURS}},
            order: {field: 'role', sort: 'ascending' as const},
          },
        },
      ],
      resolve: {scale: {color: 'independent'}},
    },
  }
}

/** The chart as SVG text, rendered headless by vega. */
export async function renderSvg(chart: Chart): Promise<string> {
  const view = new View(parse(compile(chart.spec).spec), {renderer: 'none'})
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}
