/**
 * `virsh capabilities` XML -> topology reading.
 *
 * The host part of libvirt's capabilities format (docs/formatcaps.rst,
 * schema capability.rng): host/cpu (arch, model, counter name="tsc"
 * frequency in Hz, topology sockets/dies/cores/threads) and
 * host/topology/cells/cell[id] with memory[unit], distances/sibling[id,value]
 * and cpus/cpu[id, socket_id, die_id, core_id, siblings].
 */
import {fail} from '../errors.js'
import {topoExpected, topoFound, topoWarn} from './messages.js'
import {type ReadCpu, type ReadNode, type TopologyReading, parseCpuList} from './reading.js'
import {type XmlEl, child, children, intAttr} from './xml.js'

const UNIT_BYTES: Record<string, number> = {
  b: 1, bytes: 1, k: 1024, kib: 1024, kb: 1000, m: 2 ** 20, mib: 2 ** 20, mb: 1e6, g: 2 ** 30, gib: 2 ** 30, gb: 1e9, t: 2 ** 40, tib: 2 ** 40, tb: 1e12,
}

function memoryBytes(el: XmlEl, file: string): number {
  const unit = (el.attrs.unit ?? 'KiB').toLowerCase()
  const value = el.text.trim()
  if (!/^\d+$/.test(value)) fail({code: 'value', file, line: el.line, expected: topoExpected.element('memory') + ' holding ' + topoExpected.integer, found: topoFound.text(value)})
  const f = UNIT_BYTES[unit]
  if (f === undefined) fail({code: 'value', file, line: el.line, expected: topoExpected.attribute('memory', 'unit', 'KiB, MiB, GiB, ...'), found: topoFound.text(unit)})
  return Number(value) * f
}

export function readLibvirtCapabilities(root: XmlEl, file: string): TopologyReading {
  const host = child(root, 'host')
  if (host === undefined) fail({code: 'value', file, line: root.line, expected: topoExpected.element('host'), found: topoFound.nothing})
  const reading: TopologyReading = {format: 'libvirt-capabilities', source: file, cpus: [], offline: [], nodes: [], nics: [], nvme: [], notes: []}
  const cpu = child(host, 'cpu')
  const model = child(cpu, 'model')?.text.trim()
  if (model) reading.cpuModel = model
  const tsc = children(cpu, 'counter').find((c) => c.attrs.name === 'tsc')
  if (tsc !== undefined) {
    const hz = intAttr(tsc, 'frequency', file)
    if (hz !== undefined && hz > 0) reading.frequency = {hz, from: 'TSC frequency (virsh capabilities)'}
  }

  const cells = children(child(child(host, 'topology'), 'cells'), 'cell')
  if (cells.length > 0) {
    const ids: number[] = []
    const rows: Array<{el: XmlEl; values: Map<number, number>}> = []
    for (const cell of cells) {
      const id = intAttr(cell, 'id', file, true)
      ids.push(id)
      const node: ReadNode = {id, cpus: []}
      const mem = child(cell, 'memory')
      if (mem !== undefined) node.memoryBytes = memoryBytes(mem, file)
      for (const c of children(child(cell, 'cpus'), 'cpu')) {
        const entry: ReadCpu = {id: intAttr(c, 'id', file, true), node: id}
        const pkg = intAttr(c, 'socket_id', file)
        if (pkg !== undefined) entry.package = pkg
        const die = intAttr(c, 'die_id', file)
        if (die !== undefined) entry.die = die
        const core = intAttr(c, 'core_id', file)
        if (core !== undefined) entry.coreId = core
        if (c.attrs.siblings !== undefined) {
          const s = parseCpuList(c.attrs.siblings)
          if (s === null) fail({code: 'value', file, line: c.line, expected: topoExpected.attribute('cpu', 'siblings', topoExpected.cpuList), found: topoFound.text(c.attrs.siblings)})
          entry.siblings = s
        }
        node.cpus.push(entry.id)
        reading.cpus.push(entry)
      }
      reading.nodes.push(node)
      const sib = children(child(cell, 'distances'), 'sibling')
      if (sib.length > 0) rows.push({el: cell, values: new Map(sib.map((s) => [intAttr(s, 'id', file, true), intAttr(s, 'value', file, true)]))})
    }
    const order = reading.nodes.map((n) => n.id)
    const sorted = [...reading.nodes].sort((a, b) => a.id - b.id)
    reading.nodes = sorted
    if (rows.length === cells.length && rows.every((r) => sorted.every((n) => r.values.has(n.id)))) {
      reading.distances = sorted.map((a) => {
        const row = rows[order.indexOf(a.id)]
        return sorted.map((b) => row.values.get(b.id) as number)
      })
    }
  } else {
    // No NUMA cells (older or minimal drivers): the CPU topology summary is all there is.
    const topo = child(cpu, 'topology')
    if (topo === undefined) {
      fail({code: 'value', file, line: host.line, expected: `${topoExpected.element('topology')} (host/topology/cells or host/cpu/topology)`, found: topoFound.nothing})
    }
    const sockets = intAttr(topo, 'sockets', file, true)
    const dies = intAttr(topo, 'dies', file) ?? 1
    const cores = intAttr(topo, 'cores', file, true)
    const threads = intAttr(topo, 'threads', file, true)
    if (sockets * dies * cores * threads === 0) {
      fail({code: 'value', file, line: topo.line, expected: topoExpected.attribute('topology', 'sockets, dies, cores and threads', 'positive'), found: topoFound.text('0')})
    }
    reading.cpus = linuxNumbering(sockets, dies * cores, threads)
    reading.nodes = [{id: 0, cpus: reading.cpus.map((c) => c.id)}]
    reading.notes.push(topoWarn.numbering)
  }
  if (reading.cpus.length === 0) fail({code: 'value', file, line: host.line, expected: topoExpected.hostTopology, found: topoFound.noCpus})
  reading.cpus.sort((a, b) => a.id - b.id)
  return reading
}

/** CPUs numbered like Linux: the first thread of every core (socket by socket), then the second ones, ... */
export function linuxNumbering(sockets: number, coresPerSocket: number, threads: number): ReadCpu[] {
  const totalCores = sockets * coresPerSocket
  const out: ReadCpu[] = []
  for (let t = 0; t < threads; t++) {
    for (let core = 0; core < totalCores; core++) {
      const siblings = Array.from({length: threads}, (_, k) => k * totalCores + core)
      out.push({id: t * totalCores + core, package: Math.floor(core / coresPerSocket), coreId: core % coresPerSocket, node: 0, siblings})
    }
  }
  return out.sort((a, b) => a.id - b.id)
}
