import {describe, expect, test} from 'vitest'

import type {Evaluation} from '../../src/model/types.js'
import {
  type Cell,
  columnDocs,
  columnDocsMarkdown,
  concatTables,
  evaluationTables,
  roundSig,
  TABLE_NAMES,
  type Table,
} from '../../src/report/tables.js'
import {sampleEvaluation} from './fixture.js'

/** The cells of one row by column key. */
function record(table: Table, row: readonly Cell[]): Record<string, Cell> {
  return Object.fromEntries(table.columns.map((c, i) => [c.key, row[i]]))
}

/** `actual` equals `expected` to the tables' 6 significant digits. */
function expectSig6(actual: Cell, expected: number): void {
  expect(typeof actual).toBe('number')
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected)
    return
  }
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(5e-6 * Math.abs(expected))
}

const ev: Evaluation = sampleEvaluation()
const tables = evaluationTables(ev)

describe('evaluationTables', () => {
  test('has the five tables, each named after its key', () => {
    expect(Object.keys(tables).sort()).toEqual([...TABLE_NAMES].sort())
    for (const name of TABLE_NAMES) expect(tables[name].name).toBe(name)
  })

  test.each([
    ['hosts', 1],
    ['cpus', ev.cpus.length],
    ['vms', ev.vms.length],
    ['devices', ev.devices.length],
    ['workers', ev.workers.length],
  ] as const)('%s has one row per entity (%i)', (name, count) => {
    expect(tables[name].rows).toHaveLength(count)
    for (const row of tables[name].rows) expect(row).toHaveLength(tables[name].columns.length)
  })

  test.each([
    ['hosts', ['host', 'calibration', 'net_gbps', 'block_mbytes_per_s', 'iops', 'delivered_gbps', 'cpus_host', 'cpus_allocated', 'gbps_per_cpu_host', 'gbps_per_cpu_allocated', 'exits_per_s', 'interrupts_per_s', 'slo_violations']],
    ['cpus', ['host', 'cpu', 'node', 'role', 'utilisation_pct', 'vms', 'workers']],
    ['vms', ['host', 'vm', 'type', 'node', 'net_gbps', 'block_mbytes_per_s', 'iops', 'p99_latency_us', 'vcpu_utilisation_pct', 'slo_met', 'violations']],
    ['devices', ['host', 'vm', 'device', 'kind', 'pattern', 'worker', 'offered_per_s', 'rate_per_s', 'gbps', 'mbytes_per_s', 'limit', 'limit_resource', 'exits_per_s', 'interrupts_per_s', 'wakeups_per_s', 'kicks_per_s', 'mean_latency_us', 'p99_latency_us']],
    ['workers', ['host', 'worker', 'architecture', 'notification', 'cpus', 'floating', 'devices', 'utilisation_pct', 'busy_pct', 'idle_spin_pct']],
  ] as const)('%s has its documented columns in order', (name, keys) => {
    expect(tables[name].columns.map((c) => c.key)).toEqual(keys)
  })

  test('every measured column names its unit in its key', () => {
    const token: Record<string, RegExp> = {
      'Gbit/s': /gbps/,
      'MB/s': /mbytes_per_s$/,
      IOPS: /^iops$/,
      'items/s': /_per_s$/,
      '1/s': /_per_s$/,
      '%': /_pct$/,
      us: /_us$/,
      CPUs: /^cpus_/,
      count: /^slo_violations$/,
    }
    for (const name of TABLE_NAMES) {
      for (const column of tables[name].columns) {
        if (column.unit === undefined) continue
        expect(token[column.unit], `unit ${column.unit}`).toBeDefined()
        expect(column.key, `${name}.${column.key}`).toMatch(token[column.unit])
      }
    }
  })

  test('the hosts row equals the totals after unit conversion', () => {
    const h = record(tables.hosts, tables.hosts.rows[0])
    const t = ev.totals
    expect(h.host).toBe(ev.host)
    expect(h.calibration).toBe(ev.calibration)
    expectSig6(h.net_gbps, t.netBps / 1e9)
    expectSig6(h.block_mbytes_per_s, t.blockBytesPerS / 1e6)
    expectSig6(h.iops, t.iops)
    expectSig6(h.delivered_gbps, t.deliveredBps / 1e9)
    expectSig6(h.cpus_host, t.cpusHost)
    expectSig6(h.cpus_allocated, t.cpusAllocated)
    expectSig6(h.gbps_per_cpu_host, t.bpsPerCpuHost / 1e9)
    expectSig6(h.gbps_per_cpu_allocated, t.bpsPerCpuAllocated / 1e9)
    expectSig6(h.exits_per_s, t.exitsPerS)
    expectSig6(h.interrupts_per_s, t.interruptsPerS)
    expectSig6(h.slo_violations, t.sloViolations)
  })

  test('each device row is its device after unit conversion', () => {
    tables.devices.rows.forEach((row, i) => {
      const r = record(tables.devices, row)
      const d = ev.devices[i]
      expect([r.host, r.vm, r.device, r.kind, r.pattern, r.worker]).toEqual([ev.host, d.vm, d.device, d.kind, d.pattern, d.worker])
      expect([r.limit, r.limit_resource]).toEqual([d.limit.kind, d.limit.resource])
      expectSig6(r.offered_per_s, d.offered)
      expectSig6(r.rate_per_s, d.rate)
      expectSig6(r.gbps, d.bitsPerS / 1e9)
      expectSig6(r.mbytes_per_s, d.bytesPerS / 1e6)
      expectSig6(r.exits_per_s, d.exitsPerS)
      expectSig6(r.interrupts_per_s, d.interruptsPerS)
      expectSig6(r.wakeups_per_s, d.wakeupsPerS)
      expectSig6(r.kicks_per_s, d.kicksPerS)
      expectSig6(r.mean_latency_us, d.meanLatencyS / 1e-6)
      expectSig6(r.p99_latency_us, d.p99LatencyS / 1e-6)
    })
  })

  test('each worker row is its worker after unit conversion', () => {
    tables.workers.rows.forEach((row, i) => {
      const r = record(tables.workers, row)
      const w = ev.workers[i]
      expect([r.host, r.worker, r.architecture]).toEqual([ev.host, w.id, w.architecture])
      expect(r.cpus).toBe(w.cpus.join(';'))
      expect(r.devices).toBe(w.devices.join(';'))
      expect(r.floating).toBe(String(w.floating))
      expectSig6(r.utilisation_pct, w.utilisation * 100)
      expectSig6(r.busy_pct, w.busy * 100)
      expectSig6(r.idle_spin_pct, w.idleSpinShare * 100)
    })
    expect(record(tables.workers, tables.workers.rows[0]).notification).toBe('spin(20 us)')
    expect(record(tables.workers, tables.workers.rows[1]).notification).toBe('kick')
  })

  test('each CPU row is its CPU after unit conversion', () => {
    tables.cpus.rows.forEach((row, i) => {
      const r = record(tables.cpus, row)
      const c = ev.cpus[i]
      expect([r.host, r.cpu, r.node, r.role]).toEqual([ev.host, c.id, c.node, c.role])
      expect([r.vms, r.workers]).toEqual([c.vms.join(';'), c.workers.join(';')])
      expectSig6(r.utilisation_pct, c.utilisation * 100)
    })
  })

  test('each VM row is its VM after unit conversion', () => {
    tables.vms.rows.forEach((row, i) => {
      const r = record(tables.vms, row)
      const v = ev.vms[i]
      expect([r.host, r.vm, r.type, r.node]).toEqual([ev.host, v.id, v.type, v.node])
      expect(r.slo_met).toBe(String(v.sloMet))
      expect(r.violations).toBe(v.violations.join(';'))
      expectSig6(r.net_gbps, v.netBps / 1e9)
      expectSig6(r.block_mbytes_per_s, v.blockBytesPerS / 1e6)
      expectSig6(r.iops, v.iops)
      expectSig6(r.p99_latency_us, v.p99LatencyS / 1e-6)
      expectSig6(r.vcpu_utilisation_pct, v.vcpuUtilisation * 100)
    })
  })

  test('rows map one-to-one onto entities', () => {
    const keys = (name: 'cpus' | 'vms' | 'devices' | 'workers', cols: string[]) =>
      tables[name].rows.map((row) => cols.map((c) => record(tables[name], row)[c]).join('/'))
    expect(keys('cpus', ['cpu'])).toEqual(ev.cpus.map((c) => String(c.id)))
    expect(keys('vms', ['vm'])).toEqual(ev.vms.map((v) => v.id))
    expect(keys('devices', ['vm', 'device'])).toEqual(ev.devices.map((d) => `${d.vm}/${d.device}`))
    expect(keys('workers', ['worker'])).toEqual(ev.workers.map((w) => w.id))
  })

  test('numbers are plain numbers rounded to 6 significant digits', () => {
    const d = record(tables.devices, tables.devices.rows[0])
    expect(d.rate_per_s).toBe(812_346)
    expect(d.gbps).toBe(9.41235)
    expect(d.mean_latency_us).toBe(12.3457)
    expect(d.offered_per_s).toBe(Infinity)
    const w = record(tables.workers, tables.workers.rows[1])
    expect(w.utilisation_pct).toBe(33.3333)
    for (const name of TABLE_NAMES) {
      for (const row of tables[name].rows) {
        for (const cell of row) {
          if (typeof cell === 'number' && Number.isFinite(cell)) expect(roundSig(cell)).toBe(cell)
        }
      }
    }
  })

  test('does not change the evaluation', () => {
    const before = JSON.stringify(sampleEvaluation())
    evaluationTables(ev)
    expect(JSON.stringify(ev)).toBe(before)
  })

  test('an evaluation with no VMs has empty entity tables and one host row', () => {
    const empty: Evaluation = {...sampleEvaluation(), devices: [], workers: [], vms: [], cpus: []}
    const t = evaluationTables(empty)
    expect(t.hosts.rows).toHaveLength(1)
    for (const name of ['cpus', 'vms', 'devices', 'workers'] as const) expect(t[name].rows).toEqual([])
  })
})

describe('roundSig', () => {
  test.each([
    [1 / 3, 0.333333],
    [123456789, 123457000],
    [-0.000123456789, -0.000123457],
    [0, 0],
    [-0, 0],
    [Infinity, Infinity],
  ])('roundSig(%s) = %s', (x, expected) => {
    expect(Object.is(roundSig(x), expected)).toBe(true)
  })

  test('NaN stays NaN', () => {
    expect(roundSig(NaN)).toBeNaN()
  })
})

describe('concatTables', () => {
  test('stacks the rows of several hosts under the same columns', () => {
    const other = evaluationTables({...sampleEvaluation(), host: 'dl380-0002'})
    const all = concatTables([tables, other])
    for (const name of TABLE_NAMES) {
      expect(all[name].columns).toEqual(tables[name].columns)
      expect(all[name].rows).toEqual([...tables[name].rows, ...other[name].rows])
    }
  })

  test('of nothing gives empty tables that still have their columns', () => {
    const none = concatTables([])
    for (const name of TABLE_NAMES) {
      expect(none[name].rows).toEqual([])
      expect(none[name].columns).toEqual(tables[name].columns)
    }
  })
})

describe('columnDocs', () => {
  test.each(TABLE_NAMES)('documents every column of %s, in order, with a meaning and the same unit', (name) => {
    const docs = columnDocs[name]
    expect(docs.map((d) => d.key)).toEqual(tables[name].columns.map((c) => c.key))
    docs.forEach((doc, i) => {
      expect(doc.meaning).toMatch(/^[A-Z`].{5,}\.$/)
      expect(doc.unit).toBe(tables[name].columns[i].unit)
    })
  })

  test('renders as Markdown with a section per table', () => {
    const md = columnDocsMarkdown()
    for (const name of TABLE_NAMES) {
      expect(md).toContain(`### ${name}.csv`)
      for (const doc of columnDocs[name]) expect(md).toContain(`| \`${doc.key}\` |`)
    }
    expect(md).toContain('| `gbps` | Gbit/s | Achieved throughput in bits per second. |')
    expect(md.endsWith('\n')).toBe(true)
  })

  test('the Markdown matches its golden file (the text to paste in the README)', async () => {
    await expect(columnDocsMarkdown()).toMatchFileSnapshot('golden/columns.md')
  })
})
