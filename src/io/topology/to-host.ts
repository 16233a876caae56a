/**
 * A topology reading -> a host model spec (the explicit `cpus:` form).
 *
 * Pure. The host model numbers things its own way, and this is where the
 * machine's numbering is mapped onto it:
 *   - NUMA nodes: the nodes that have CPUs, renumbered 0..n-1 in OS order
 *     (CPU-less nodes, such as accelerator memory, are left out and said so);
 *   - cores: CPUs whose SMT siblings share their package, die and core id form
 *     one core (as hwloc does; AMD compute units, whose threads have different
 *     core ids, stay separate cores), numbered 0.. by their first CPU;
 *   - sockets: a socket groups the packages and nodes that share CPUs, so a
 *     node spanning several packages (old UMA and glued NUMA machines) and a
 *     package spanning several nodes (AMD multi-die parts) both fit; the
 *     physical package id is kept per CPU as `package`.
 * A figure the model needs but the reading does not state gets a documented
 * default, a comment in the file and a warning.
 */
import {formatCpuset} from '../cpuset.js'
import {fail} from '../errors.js'
import {MAX_LOGICAL_CPUS} from '../normalize.js'
import type {HostSpec} from '../schemas.js'
import {topoExpected, topoFound, topoWarn} from './messages.js'
import type {ReadCpu, TopologyReading} from './reading.js'

/** NIC line rate when the link speed is not stated: 10 Gbit/s, the common server port of the era the calibration profiles describe. */
export const DEFAULT_NIC_LINE_RATE_BPS = 10e9
/** Core frequency when none is stated. */
export const DEFAULT_FREQUENCY_HZ = 2e9
/** Memory per node when none is stated. */
export const DEFAULT_MEMORY_PER_NODE_BYTES = 16 * 2 ** 30
/**
 * NVMe figures sysfs does not state: a data-centre PCIe 3.0 x4 drive's order of
 * magnitude (the host schema's own examples): 500k random-read IOPS, 3.2 GB/s,
 * 80 us at low load.
 */
export const DEFAULT_NVME = {maxIops: 500e3, maxBandwidthBytes: 3.2e9, latencyS: 80e-6}

export interface HostConversion {
  spec: HostSpec
  /** Comment lines for the head of the file: where the model came from and every default used. */
  header: string[]
  /** Comments on single fields, by field path. */
  fieldComments: Array<{path: Array<string | number>; comment: string}>
  /** Defaults and omissions the user should know about (printed on stderr). */
  warnings: string[]
}

export interface ConvertOptions {
  name?: string
}

const FORMAT_NAMES: Record<TopologyReading['format'], string> = {
  sysfs: 'sysfs',
  'libvirt-capabilities': 'virsh capabilities XML',
  'hwloc-xml': 'hwloc XML',
  'lscpu-json': 'lscpu --json',
  'lscpu-parse': 'lscpu -p',
}

/** A size as exactly as it was read, in the largest binary unit that divides it. */
export function formatSize(bytes: number): string {
  for (const [unit, f] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f} ${unit}`
  }
  return `${bytes} B`
}

function formatFrequency(hz: number): string {
  return hz % 1e9 === 0 ? `${hz / 1e9} GHz` : `${Number((hz / 1e6).toFixed(3))} MHz`
}

function formatBitRate(bps: number): string {
  return bps % 1e9 === 0 ? `${bps / 1e9} Gbit/s` : `${bps / 1e6} Mbit/s`
}

function formatByteRate(bytesPerS: number): string {
  return `${Number((bytesPerS / 1e9).toPrecision(6))} GB/s`
}

class UnionFind {
  private parent = new Map<string, string>()
  find(x: string): string {
    if (!this.parent.has(x)) this.parent.set(x, x)
    let r = x
    while (this.parent.get(r) !== r) r = this.parent.get(r) as string
    this.parent.set(x, r)
    return r
  }
  union(a: string, b: string): void {
    this.parent.set(this.find(a), this.find(b))
  }
}

/** Host model name from free text: characters a file name and an id can carry. */
export function hostName(text: string): string {
  const n = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '')
  return n === '' ? 'imported-host' : n
}

export function readingToHost(reading: TopologyReading, options: ConvertOptions = {}): HostConversion {
  const warnings: string[] = []
  const header: string[] = []
  const fieldComments: HostConversion['fieldComments'] = []
  const warn = (w: string) => {
    warnings.push(w)
    header.push(`WARNING: ${w}`)
  }
  const cpus = [...reading.cpus].sort((a, b) => a.id - b.id)
  if (cpus.length === 0) fail({code: 'value', file: reading.source, expected: topoExpected.hostTopology, found: topoFound.noCpus})
  if (cpus.length > MAX_LOGICAL_CPUS) {
    fail({
      code: 'value', file: reading.source, found: `${cpus.length} CPUs`,
      expected: `a machine of at most ${MAX_LOGICAL_CPUS} logical CPUs (the largest NR_CPUS of Linux on x86-64)`,
    })
  }
  const seen = new Set<number>()
  for (const c of cpus) {
    if (seen.has(c.id)) fail({code: 'value', file: reading.source, expected: topoExpected.uniqueCpu, found: topoFound.cpuTwice(c.id)})
    seen.add(c.id)
  }

  // ---- nodes
  if (cpus.every((c) => c.node === undefined)) {
    if (reading.nodes.length === 0) warn(topoWarn.noNode)
    for (const c of cpus) c.node = 0
  }
  const nodeOf = (c: ReadCpu) => c.node ?? 0
  const osNodes = [...new Set(cpus.map(nodeOf))].sort((a, b) => a - b)
  const modelNode = new Map(osNodes.map((n, i) => [n, i]))
  const dropped = reading.nodes.map((n) => n.id).filter((id) => !modelNode.has(id))
  if (dropped.length > 0) warn(topoWarn.cpuOnlyNodes(dropped))
  if (osNodes.some((n, i) => n !== i)) header.push(topoWarn.renumbered(osNodes.map((n, i) => `${n}->${i}`).join(', ')))

  // ---- cores
  const byId = new Map(cpus.map((c) => [c.id, c]))
  const sameCore = (a: ReadCpu, b: ReadCpu) =>
    a.package === b.package && a.die === b.die && a.coreId === b.coreId && nodeOf(a) === nodeOf(b)
  const stated = cpus.some((c) => c.siblings !== undefined || c.coreId !== undefined)
  if (!stated) header.push(topoWarn.noSiblings)
  const coreKey = (c: ReadCpu): string => {
    if (c.siblings !== undefined) {
      const members = c.siblings.map((s) => byId.get(s)).filter((s): s is ReadCpu => s !== undefined && sameCore(s, c))
      return `s${Math.min(c.id, ...members.map((m) => m.id))}`
    }
    if (c.coreId !== undefined) return `p${c.package ?? '-'}/d${c.die ?? '-'}/n${nodeOf(c)}/c${c.coreId}`
    return `s${c.id}`
  }
  const coreMembers = new Map<string, number[]>()
  for (const c of cpus) coreMembers.set(coreKey(c), [...(coreMembers.get(coreKey(c)) ?? []), c.id])
  const coreIndex = new Map([...coreMembers.keys()].map((k, i) => [k, i])) // insertion order = by first CPU

  // ---- sockets
  const uf = new UnionFind()
  const hasPackage = cpus.some((c) => c.package !== undefined)
  if (!hasPackage && osNodes.length > 1) header.push(topoWarn.noPackage)
  for (const c of cpus) {
    uf.find(`n${nodeOf(c)}`)
    if (c.package !== undefined) uf.union(`p${c.package}`, `n${nodeOf(c)}`)
  }
  const socketIndex = new Map<string, number>()
  for (const c of cpus) {
    const r = uf.find(`n${nodeOf(c)}`)
    if (!socketIndex.has(r)) socketIndex.set(r, socketIndex.size)
  }

  const cpuEntries = cpus.map((c) => {
    const key = coreKey(c)
    const members = coreMembers.get(key) as number[]
    const entry: NonNullable<HostSpec['cpus']>[number] = {
      id: c.id,
      node: modelNode.get(nodeOf(c)) as number,
      core: coreIndex.get(key) as number,
      thread: members.indexOf(c.id),
      socket: socketIndex.get(uf.find(`n${nodeOf(c)}`)) as number,
    }
    if (c.package !== undefined) entry.package = c.package
    return entry
  })

  // ---- memory
  const memory = osNodes.map((n) => reading.nodes.find((x) => x.id === n)?.memoryBytes)
  let memoryPerNode: string[]
  if (memory.every((m): m is number => m !== undefined)) {
    memoryPerNode = memory.map(formatSize)
  } else if (reading.totalMemoryBytes !== undefined) {
    if (osNodes.length > 1) warn(topoWarn.memoryOneNode)
    const each = Math.floor(reading.totalMemoryBytes / osNodes.length / 1024) * 1024
    memoryPerNode = osNodes.map(() => formatSize(each))
  } else {
    warn(topoWarn.memory(DEFAULT_MEMORY_PER_NODE_BYTES))
    memoryPerNode = osNodes.map((_, i) => formatSize(memory[i] ?? DEFAULT_MEMORY_PER_NODE_BYTES))
    fieldComments.push({path: ['memory_per_node'], comment: ' default: not stated by the source'})
  }

  // ---- distances, restricted to the modelled nodes, in model order
  let distances: number[][] | undefined
  const allIds = reading.nodes.map((n) => n.id)
  const full = reading.distances
  if (full !== undefined && full.length === allIds.length && osNodes.every((n) => allIds.includes(n))) {
    const idx = osNodes.map((n) => allIds.indexOf(n))
    const d = idx.map((i) => idx.map((j) => full[i][j]))
    if (d.flat().every((v) => v >= 10)) distances = d
  }
  const nearestModelNode = (os: number): number => {
    const i = allIds.indexOf(os)
    if (full === undefined || i < 0) return 0
    let best = 0
    osNodes.forEach((n, m) => {
      if (full[i][allIds.indexOf(n)] < full[i][allIds.indexOf(osNodes[best])]) best = m
    })
    return best
  }
  /** Model node of a device: its stated node, else the node of its local CPUs, else node 0. */
  const deviceNode = (os: number | undefined, localCpus: number[] | undefined): {node: number; why?: string} => {
    if (os !== undefined) {
      const m = modelNode.get(os)
      if (m !== undefined) return {node: m}
      return {node: nearestModelNode(os), why: `its NUMA node ${os} has no CPU`}
    }
    const local = new Set((localCpus ?? []).map((c) => byId.get(c)).filter((c): c is ReadCpu => c !== undefined).map(nodeOf))
    if (local.size === 1) return {node: modelNode.get([...local][0]) as number}
    return {node: 0, why: 'the platform states no NUMA node for it'}
  }

  // ---- NICs: one per network interface of a PCI network controller
  const nics: NonNullable<HostSpec['nics']> = []
  for (const nic of reading.nics) {
    if (nic.interfaces.length === 0) {
      header.push(`network controller ${nic.pci ?? '?'} (PCI class ${nic.pciClass ?? '?'}) has no network interface; not modelled`)
      continue
    }
    const where = deviceNode(nic.node, nic.localCpus)
    for (const i of nic.interfaces) {
      if (where.why !== undefined && osNodes.length > 1) warn(topoWarn.nicNode(i.name, where.node, where.why))
      const lineRate = i.speedBps ?? DEFAULT_NIC_LINE_RATE_BPS
      if (i.speedBps === undefined) {
        warn(topoWarn.nicSpeed(i.name, DEFAULT_NIC_LINE_RATE_BPS, reading.format === 'sysfs'
          ? 'the link speed is not stated (link down, or a driver that does not report it)'
          : `${FORMAT_NAMES[reading.format]} states no link speed`))
        fieldComments.push({path: ['nics', nics.length, 'line_rate'], comment: ' default: link speed not stated'})
      }
      nics.push({id: i.name, ...(nic.pci === undefined ? {} : {description: `PCI ${nic.pci}`}), node: where.node, line_rate: formatBitRate(lineRate)})
    }
  }

  // ---- NVMe controllers
  const blockDevices: NonNullable<HostSpec['block_devices']> = []
  for (const d of reading.nvme) {
    const where = deviceNode(d.node, d.localCpus)
    if (where.why !== undefined && osNodes.length > 1) warn(topoWarn.nvmeNode(d.name, where.node, where.why))
    warn(topoWarn.nvmeFigures(d.name))
    const i = blockDevices.length
    fieldComments.push({path: ['block_devices', i, 'max_iops'], comment: ' default: not stated by the source'})
    fieldComments.push({path: ['block_devices', i, 'latency'], comment: ' default: not stated by the source'})
    fieldComments.push({
      path: ['block_devices', i, 'max_bandwidth'],
      comment: d.pcieBytesPerS === undefined ? ' default: not stated by the source' : ' PCIe link bandwidth (an upper bound)',
    })
    const description = [d.model, d.pci === undefined ? undefined : `PCI ${d.pci}`].filter((x) => x !== undefined).join(', ')
    blockDevices.push({
      id: d.name,
      ...(description === '' ? {} : {description}),
      node: where.node,
      max_iops: `${DEFAULT_NVME.maxIops / 1e3} kIOPS`,
      max_bandwidth: formatByteRate(d.pcieBytesPerS ?? DEFAULT_NVME.maxBandwidthBytes),
      latency: `${DEFAULT_NVME.latencyS * 1e6} us`,
    })
  }

  // ---- CPUs never to be used
  const allowed = reading.allowed === undefined ? undefined : reading.allowed.filter((c) => byId.has(c))
  const restricted = allowed !== undefined && allowed.length < cpus.length
  const unavailable = [...new Set([...(restricted ? cpus.map((c) => c.id).filter((c) => !allowed.includes(c)) : []), ...reading.offline])]
  if (unavailable.length > 0) warn(topoWarn.unavailable(unavailable))

  // ---- frequency
  let frequencyHz = reading.frequency?.hz
  if (frequencyHz === undefined) {
    frequencyHz = DEFAULT_FREQUENCY_HZ
    warn(topoWarn.frequency(DEFAULT_FREQUENCY_HZ))
    fieldComments.push({path: ['frequency'], comment: ' default: not stated by the source'})
  } else {
    fieldComments.push({path: ['frequency'], comment: ` from ${reading.frequency?.from}`})
  }

  const rawName = options.name ?? reading.hostname ?? 'imported-host'
  const name = hostName(rawName)
  if (name !== rawName) warn(topoWarn.renamed(name, rawName))
  header.unshift(
    `Host model read from ${FORMAT_NAMES[reading.format]} (${reading.source}) by sidecore.`,
    `${cpus.length} online CPUs, ${new Set(cpuEntries.map((c) => c.core)).size} cores, ${osNodes.length} NUMA node(s), ${socketIndex.size} socket(s).`,
    ...reading.notes,
  )
  if (reading.cgroup !== undefined) {
    header.push(`cgroup v${reading.cgroup.version} cpuset ${reading.cgroup.path}: CPUs ${allowed === undefined ? 'all' : formatCpuset(allowed)}` +
      (reading.allowedNodes === undefined ? '' : `, memory nodes ${formatCpuset(reading.allowedNodes)}`))
  }

  const spec: HostSpec = {
    kind: 'host',
    version: 1,
    name,
    description: `${reading.cpuModel ?? 'Host'}, read from ${FORMAT_NAMES[reading.format]}.`,
    ...(reading.cpuModel === undefined ? {} : {cpu_model: reading.cpuModel}),
    sockets: socketIndex.size,
    cpus: cpuEntries,
    ...(restricted ? {allowed_cpus: formatCpuset(allowed)} : {}),
    ...(reading.offline.length > 0 ? {offline_cpus: formatCpuset(reading.offline)} : {}),
    frequency: formatFrequency(frequencyHz),
    memory_per_node: memoryPerNode,
    ...(distances === undefined ? {} : {distances}),
    ...(nics.length > 0 ? {nics} : {}),
    ...(blockDevices.length > 0 ? {block_devices: blockDevices} : {}),
  }
  return {spec, header, fieldComments, warnings}
}
