/**
 * lscpu output -> topology reading (util-linux lscpu(1)).
 *
 * `lscpu -p[=LIST]`: comment lines, the last of which names the columns
 * ("# CPU,Core,Socket,Node,,L1d,L1i,L2,L3" by default), then one line per CPU;
 * the man page: "Each different item in every column has an unique ID
 * starting usually from zero", so Core is unique across the machine. Columns
 * used: CPU, CORE, SOCKET, NODE, DIE, ONLINE (Y/N), MAXMHZ.
 *
 * `lscpu --json`: {"lscpu": [{"field": "Model name:", "data": "..."}, ...]}
 * (util-linux 2.38 and later nest entries under "children"); the summary
 * gives "On-line CPU(s) list", "Off-line CPU(s) list", "Thread(s) per core",
 * "Core(s) per socket", "Socket(s)", "NUMA nodeN CPU(s)", "CPU max MHz".
 * It names no SMT siblings, so CPUs are taken to be numbered like Linux
 * (said in a note). `lscpu --json --extended` ({"cpus": [{cpu, node, socket,
 * core, online, maxmhz}, ...]}) is read like -p.
 */
import {fail} from '../errors.js'
import {topoExpected, topoFound, topoWarn} from './messages.js'
import {type ReadCpu, type TopologyReading, parseCpuList} from './reading.js'

function byId(cpus: ReadCpu[]): TopologyReading['nodes'] {
  const nodes = new Map<number, number[]>()
  for (const c of cpus) if (c.node !== undefined) nodes.set(c.node, [...(nodes.get(c.node) ?? []), c.id])
  return [...nodes.entries()].sort((a, b) => a[0] - b[0]).map(([id, list]) => ({id, cpus: list.sort((a, b) => a - b)}))
}

/** Rows of per-CPU fields (from -p or --json --extended) -> reading. */
function fromRows(
  rows: Array<{line?: number; path?: Array<string | number>; get: (col: string) => string | undefined}>,
  format: 'lscpu-parse' | 'lscpu-json',
  file: string,
): TopologyReading {
  const reading: TopologyReading = {format, source: file, cpus: [], offline: [], nodes: [], nics: [], nvme: [], notes: []}
  const num = (r: (typeof rows)[number], col: string): number | undefined => {
    const v = r.get(col)
    if (v === undefined || v === '' || v === '-') return undefined
    if (!/^\d+(\.\d+)?$/.test(v)) fail({code: 'value', file, line: r.line, path: [...(r.path ?? []), col], expected: topoExpected.integer, found: topoFound.text(v)})
    return Number(v)
  }
  let maxMhz: number | undefined
  const seen = new Set<number>()
  for (const r of rows) {
    const id = num(r, 'cpu')
    if (id === undefined) fail({code: 'value', file, line: r.line, path: [...(r.path ?? []), 'cpu'], expected: topoExpected.integer, found: topoFound.nothing})
    if (seen.has(id)) fail({code: 'value', file, line: r.line, path: [...(r.path ?? []), 'cpu'], expected: topoExpected.uniqueCpu, found: topoFound.cpuTwice(id)})
    seen.add(id)
    const online = r.get('online')
    if (online !== undefined && /^(n|no|false)$/i.test(online)) {
      reading.offline.push(id)
      continue
    }
    const cpu: ReadCpu = {id}
    const core = num(r, 'core')
    if (core !== undefined) cpu.coreId = core
    const socket = num(r, 'socket')
    if (socket !== undefined) cpu.package = socket
    const die = num(r, 'die')
    if (die !== undefined) cpu.die = die
    const node = num(r, 'node')
    if (node !== undefined) cpu.node = node
    reading.cpus.push(cpu)
    const mhz = num(r, 'maxmhz')
    if (mhz !== undefined && mhz > 0) maxMhz = Math.max(maxMhz ?? 0, mhz)
  }
  // Core ids are unique across the machine in lscpu's output: siblings share one.
  const cores = new Map<number, number[]>()
  for (const c of reading.cpus) if (c.coreId !== undefined) cores.set(c.coreId, [...(cores.get(c.coreId) ?? []), c.id])
  for (const c of reading.cpus) if (c.coreId !== undefined) c.siblings = cores.get(c.coreId)
  reading.nodes = byId(reading.cpus)
  if (maxMhz !== undefined) reading.frequency = {hz: Math.round(maxMhz * 1e6), from: 'lscpu MAXMHZ'}
  return reading
}

export function readLscpuParse(text: string, file: string): TopologyReading {
  const lines = text.split('\n')
  let header: string[] | undefined
  const rows: Array<{line?: number; get: (col: string) => string | undefined}> = []
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line === '') return
    if (line.startsWith('#')) {
      const cols = line.slice(1).trim().split(',')
      if (cols.some((c) => c.trim().toLowerCase() === 'cpu')) header = cols.map((c) => c.trim().toLowerCase())
      return
    }
    if (header === undefined) fail({code: 'syntax', file, line: i + 1, expected: topoExpected.lscpuParseHeader, found: topoFound.text(line)})
    const cols = header
    const fields = line.split(',')
    if (fields.length !== cols.length) fail({code: 'syntax', file, line: i + 1, expected: topoExpected.lscpuParseRow(cols.length), found: topoFound.text(line)})
    rows.push({line: i + 1, get: (col) => {
      const k = cols.indexOf(col)
      return k < 0 ? undefined : fields[k].trim()
    }})
  })
  if (rows.length === 0) fail({code: 'value', file, expected: topoExpected.hostTopology, found: topoFound.noCpus})
  return fromRows(rows, 'lscpu-parse', file)
}

interface LscpuEntry {
  field?: unknown
  data?: unknown
  children?: unknown
}

export function readLscpuJson(doc: unknown, file: string): TopologyReading {
  if (doc !== null && typeof doc === 'object' && Array.isArray((doc as {cpus?: unknown}).cpus)) {
    const list = (doc as {cpus: unknown[]}).cpus
    const rows = list.map((entry, i) => {
      if (entry === null || typeof entry !== 'object') fail({code: 'value', file, path: ['cpus', i], expected: 'an object {cpu, core, socket, node, ...}', found: topoFound.text(JSON.stringify(entry))})
      const e = entry as Record<string, unknown>
      return {
        path: ['cpus', i],
        get: (col: string) => {
          const v = e[col]
          if (v === undefined || v === null) return undefined
          if (typeof v === 'boolean') return v ? 'Y' : 'N'
          return String(v)
        },
      }
    })
    if (rows.length === 0) fail({code: 'value', file, path: ['cpus'], expected: topoExpected.hostTopology, found: topoFound.noCpus})
    return fromRows(rows, 'lscpu-json', file)
  }
  const top = (doc as {lscpu?: unknown} | null)?.lscpu
  if (!Array.isArray(top)) fail({code: 'value', file, expected: topoExpected.lscpuJson, found: topoFound.text(JSON.stringify(doc) ?? 'nothing')})
  const fields = new Map<string, string>()
  const flatten = (list: unknown[], path: Array<string | number>) =>
    list.forEach((e, i) => {
      const entry = e as LscpuEntry
      if (entry === null || typeof entry !== 'object' || typeof entry.field !== 'string') {
        fail({code: 'value', file, path: [...path, i], expected: 'an entry {"field": "...", "data": "..."}', found: topoFound.text(JSON.stringify(e))})
      }
      const key = entry.field.replace(/:$/, '').trim()
      if (entry.data !== undefined && entry.data !== null && !fields.has(key)) fields.set(key, String(entry.data))
      if (Array.isArray(entry.children)) flatten(entry.children, [...path, i, 'children'])
    })
  flatten(top, ['lscpu'])
  const reading: TopologyReading = {format: 'lscpu-json', source: file, cpus: [], offline: [], nodes: [], nics: [], nvme: [], notes: []}
  const int = (key: string): number | undefined => {
    const v = fields.get(key)
    if (v === undefined) return undefined
    if (!/^\d+$/.test(v.trim())) fail({code: 'value', file, path: ['lscpu', key], expected: topoExpected.integer, found: topoFound.text(v)})
    return Number(v)
  }
  const list = (key: string): number[] | undefined => {
    const v = fields.get(key)
    if (v === undefined) return undefined
    const l = parseCpuList(v)
    if (l === null) fail({code: 'value', file, path: ['lscpu', key], expected: topoExpected.cpuList, found: topoFound.text(v)})
    return l
  }
  const online = list('On-line CPU(s) list')
  const count = int('CPU(s)')
  const threads = int('Thread(s) per core') ?? 1
  const coresPerSocket = int('Core(s) per socket') ?? int('Core(s) per cluster')
  const sockets = int('Socket(s)') ?? 1
  if (online === undefined && count === undefined) {
    fail({code: 'value', file, path: ['lscpu'], expected: 'the fields "On-line CPU(s) list" or "CPU(s)"', found: topoFound.nothing})
  }
  const ids = online ?? Array.from({length: count as number}, (_, i) => i)
  reading.offline = list('Off-line CPU(s) list') ?? []
  const totalCores = coresPerSocket !== undefined ? coresPerSocket * sockets : Math.ceil(ids.length / threads)
  const nodeOf = new Map<number, number>()
  for (const k of fields.keys()) {
    const m = /^NUMA node(\d+) CPU\(s\)$/.exec(k)
    if (m !== null) for (const c of list(k) ?? []) nodeOf.set(c, Number(m[1]))
  }
  // Linux numbering: CPU id = thread * totalCores + core (said in a note: lscpu --json names no siblings).
  for (const id of ids) {
    const core = id % totalCores
    const cpu: ReadCpu = {
      id,
      coreId: core,
      package: Math.floor(core / Math.max(1, Math.ceil(totalCores / sockets))),
      siblings: ids.filter((o) => o % totalCores === core),
    }
    const node = nodeOf.get(id)
    if (node !== undefined) cpu.node = node
    reading.cpus.push(cpu)
  }
  if (threads > 1) reading.notes.push(topoWarn.numbering)
  reading.nodes = byId(reading.cpus)
  const model = fields.get('Model name')
  if (model !== undefined && model.trim() !== '' && model.trim() !== '-') reading.cpuModel = model.trim()
  const mhz = Number(fields.get('CPU max MHz') ?? fields.get('CPU MHz'))
  const at = model === undefined ? null : /@\s*([\d.]+)\s*GHz/i.exec(model)
  if (at !== null) reading.frequency = {hz: Math.round(Number(at[1]) * 1e9), from: 'model name'}
  else if (mhz > 0) reading.frequency = {hz: Math.round(mhz * 1e6), from: fields.has('CPU max MHz') ? 'lscpu CPU max MHz' : 'lscpu CPU MHz (current frequency)'}
  return reading
}
