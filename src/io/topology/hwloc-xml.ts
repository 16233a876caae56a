/**
 * hwloc XML (`lstopo --of xml`, hwloc 2.x; 1.x files read too) -> topology reading.
 *
 * The format (hwloc's doc "Importing and exporting topologies from/to XML
 * files", DTD hwloc2.dtd): nested <object type="..." os_index="..."> elements
 * (Machine, Package — "Socket" in 1.x —, Group, caches, Core, PU); in 2.x a
 * NUMANode is a memory child of the object whose CPUs it serves, in 1.x it is
 * a parent. Attributes used: os_index, local_memory (bytes), allowed_cpuset
 * (hex words "0x000000ff,0xffffffff", most significant first), <info
 * name="CPUModel">, I/O objects PCIDev (pci_busid, pci_type "CCSS [vendor:device]...",
 * pci_link_speed in GB/s) and OSDev (osdev_type 2 = network, 0 = block), and
 * <distances2 type="NUMANode" indexing="os"> with <indexes> and <u64values>.
 */
import {fail} from '../errors.js'
import {topoExpected, topoFound} from './messages.js'
import type {ReadCpu, ReadNic, ReadNode, ReadNvme, TopologyReading} from './reading.js'
import {type XmlEl, children, intAttr} from './xml.js'

/** hwloc bitmap "0x0000000f,0xffffffff" (or "0xf...f,,0x1" with an infinite prefix) -> set bits; null when malformed. */
export function parseHwlocBitmap(text: string): number[] | null {
  const words = text.trim().split(',')
  const out: number[] = []
  const rev = [...words].reverse()
  for (let i = 0; i < rev.length; i++) {
    const w = rev[i].replace(/^0x/i, '')
    if (w === '' || !/^[0-9a-f]{1,8}$/i.test(w)) return null
    const v = parseInt(w, 16)
    for (let b = 0; b < 32; b++) if ((v >>> b) & 1) out.push(i * 32 + b)
  }
  return out.sort((a, b) => a - b)
}

const MEMORY_TYPES = new Set(['NUMANode', 'MemCache'])

export function readHwlocXml(root: XmlEl, file: string): TopologyReading {
  const reading: TopologyReading = {format: 'hwloc-xml', source: file, cpus: [], offline: [], nodes: [], nics: [], nvme: [], notes: []}
  const machine = root.children.find((c) => c.name === 'object')
  if (machine === undefined) fail({code: 'value', file, line: root.line, expected: topoExpected.element('object type="Machine"'), found: topoFound.nothing})
  const allowed = machine.attrs.allowed_cpuset
  if (allowed !== undefined) {
    const set = parseHwlocBitmap(allowed)
    if (set === null) fail({code: 'value', file, line: machine.line, expected: topoExpected.attribute('object', 'allowed_cpuset', 'an hwloc bitmap like 0x000000ff'), found: topoFound.text(allowed)})
    reading.allowed = set
  }
  const allowedNodes = machine.attrs.allowed_nodeset
  if (allowedNodes !== undefined) {
    const set = parseHwlocBitmap(allowedNodes)
    if (set !== null) reading.allowedNodes = set
  }

  const nodes = new Map<number, ReadNode>()
  const info = (el: XmlEl, name: string) => children(el, 'info').find((i) => i.attrs.name === name)?.attrs.value

  /** Walk the tree: `pkg` the enclosing package's os_index, `core` the enclosing core's key, `numa` the NUMA nodes whose CPUs enclose this object. */
  const walk = (el: XmlEl, pkg: number | undefined, core: string | undefined, numa: number[], pciNode: {busid?: string; cls?: string; link?: number}) => {
    const type = el.attrs.type
    const objects = children(el, 'object')
    // hwloc 2.x: memory children belong to this object; hwloc 1.x: this object is the node.
    let here = numa
    const memKids = objects.filter((o) => MEMORY_TYPES.has(o.attrs.type ?? ''))
    const memIds = memKids.flatMap((m) => collectNodes(m))
    if (memIds.length > 0) here = memIds
    if (type === 'NUMANode') {
      const id = intAttr(el, 'os_index', file, true)
      const node = nodes.get(id) ?? {id, cpus: []}
      const mem = el.attrs.local_memory
      if (mem !== undefined && /^\d+$/.test(mem)) node.memoryBytes = Number(mem)
      nodes.set(id, node)
      if (objects.some((o) => !MEMORY_TYPES.has(o.attrs.type ?? ''))) here = [id]
    }
    let nextPkg = pkg
    let nextCore = core
    if (type === 'Package' || type === 'Socket') {
      nextPkg = intAttr(el, 'os_index', file)
      const model = info(el, 'CPUModel')
      if (model !== undefined && reading.cpuModel === undefined) reading.cpuModel = model.trim().replace(/\s+/g, ' ')
    }
    if (type === 'Core') nextCore = `core@${el.line}`
    if (type === 'PU') {
      const id = intAttr(el, 'os_index', file, true)
      const cpu: ReadCpu = {id}
      if (nextPkg !== undefined) cpu.package = nextPkg
      if (here.length === 1) cpu.node = here[0]
      const key = nextCore ?? `pu@${el.line}`
      cpu.coreId = coreIds.get(key) ?? coreIds.set(key, coreIds.size).get(key)
      reading.cpus.push(cpu)
    }
    let nextPci = pciNode
    if (type === 'PCIDev') {
      const cls = /^([0-9a-f]{4})/i.exec(el.attrs.pci_type ?? '')?.[1]?.toLowerCase()
      const link = Number(el.attrs.pci_link_speed)
      nextPci = {busid: el.attrs.pci_busid, cls, ...(link > 0 ? {link: link * 1e9} : {})}
      if (cls !== undefined && cls.startsWith('02')) {
        const nic: ReadNic = {interfaces: [], pciClass: `${cls}00`}
        if (el.attrs.pci_busid !== undefined) nic.pci = el.attrs.pci_busid.toLowerCase()
        if (here.length === 1) nic.node = here[0]
        if (link > 0) nic.pcieBytesPerS = link * 1e9
        reading.nics.push(nic)
      }
    }
    if (type === 'OSDev' && el.attrs.name !== undefined) {
      const osType = el.attrs.osdev_type
      const subtype = el.attrs.subtype
      if (osType === '2' || subtype === 'Network') {
        const nic = reading.nics.find((n) => n.pci !== undefined && n.pci === pciNode.busid?.toLowerCase())
        if (nic !== undefined) nic.interfaces.push({name: el.attrs.name})
        else reading.nics.push({interfaces: [{name: el.attrs.name}], ...(here.length === 1 ? {node: here[0]} : {})})
      } else if ((osType === '0' || subtype === 'NVM' || subtype === 'Disk') && el.attrs.name.startsWith('nvme')) {
        const d: ReadNvme = {name: el.attrs.name}
        if (pciNode.busid !== undefined) d.pci = pciNode.busid.toLowerCase()
        if (here.length === 1) d.node = here[0]
        if (pciNode.link !== undefined) d.pcieBytesPerS = pciNode.link
        const model = info(el, 'Model')
        if (model !== undefined) d.model = model
        reading.nvme.push(d)
      }
    }
    for (const o of objects) if (!MEMORY_TYPES.has(o.attrs.type ?? '')) walk(o, nextPkg, nextCore, here, nextPci)
    for (const m of memKids) walk(m, nextPkg, nextCore, here, nextPci)
  }
  const coreIds = new Map<string, number>()
  walk(machine, undefined, undefined, [], {})

  for (const c of reading.cpus) if (c.node !== undefined) nodes.get(c.node)?.cpus.push(c.id)
  reading.nodes = [...nodes.values()].sort((a, b) => a.id - b.id)
  for (const n of reading.nodes) n.cpus.sort((a, b) => a - b)
  for (const n of reading.nics) n.interfaces.sort((a, b) => a.name.localeCompare(b.name))
  reading.distances = distances(root, reading.nodes.map((n) => n.id), file)
  if (reading.distances === undefined) delete reading.distances
  const m = reading.cpuModel === undefined ? null : /@\s*([\d.]+)\s*GHz/i.exec(reading.cpuModel)
  if (m !== null) reading.frequency = {hz: Math.round(Number(m[1]) * 1e9), from: 'CPUModel'}
  if (reading.cpus.length === 0) fail({code: 'value', file, line: machine.line, expected: topoExpected.hostTopology, found: topoFound.noCpus})
  reading.cpus.sort((a, b) => a.id - b.id)
  // Core ids came from the tree; siblings are the PUs of one Core object.
  const byCore = new Map<number, number[]>()
  for (const c of reading.cpus) byCore.set(c.coreId as number, [...(byCore.get(c.coreId as number) ?? []), c.id])
  for (const c of reading.cpus) c.siblings = byCore.get(c.coreId as number)
  return reading
}

function collectNodes(el: XmlEl): number[] {
  if (el.attrs.type === 'NUMANode' && el.attrs.os_index !== undefined) return [Number(el.attrs.os_index)]
  return children(el, 'object').flatMap(collectNodes)
}

function distances(root: XmlEl, nodeIds: number[], file: string): number[][] | undefined {
  const d = children(root, 'distances2').find((x) => x.attrs.type === 'NUMANode')
  if (d === undefined) return undefined
  const n = intAttr(d, 'nbobjs', file, true)
  const idx = children(d, 'indexes').flatMap((e) => e.text.trim().split(/\s+/).filter((s) => s !== '').map(Number))
  const values = children(d, 'u64values').flatMap((e) => e.text.trim().split(/\s+/).filter((s) => s !== '').map(Number))
  if (idx.length !== n || values.length !== n * n || values.some((v) => !Number.isFinite(v))) {
    fail({code: 'value', file, line: d.line, expected: `${n} <indexes> and ${n * n} <u64values>`, found: `${idx.length} and ${values.length}`})
  }
  // indexing="os": indexes are node os_index values; "gp": global persistent ids, not node numbers.
  if (d.attrs.indexing !== 'os' || !nodeIds.every((id) => idx.includes(id))) return undefined
  return nodeIds.map((a) => nodeIds.map((b) => values[idx.indexOf(a) * n + idx.indexOf(b)]))
}
