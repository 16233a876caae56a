/**
 * normalize(): specs as written in files -> the model's own types.
 *
 * Pure functions, no file system: units are resolved (`units.ts`), defaults
 * applied (each stated in the schema's descriptions), and references checked
 * (CPU ids, NUMA nodes, NICs, block devices, VMs, devices). Every problem is an
 * `InputError` whose path is relative to the spec given; the loader adds the
 * file, the line, and the path prefix of inline documents.
 */
import type {
  ArchitecturePolicy,
  BlockDevice,
  Calibration,
  CalibrationProfile,
  Cluster,
  ClusterEntry,
  Cpu,
  CpuRole,
  Device,
  Host,
  Layout,
  Nic,
  Notification,
  NumaNode,
  Platform,
  VmPlacement,
  VmType,
  Vm,
  Worker,
  Workload,
} from '../model/types.js'
import {bestInterrupt} from '../model/layout.js'
import {expected, found, hint} from '../messages.js'
import {formatCpuset, parseCpuset} from './cpuset.js'
import {type PathSegment, fail} from './errors.js'
import {
  CALIBRATION_FIELDS,
  type CalibrationBody,
  type ClusterSpec,
  DEFAULT_DEVICES_PER_WORKER,
  DEFAULT_SPIN_BUDGET_S,
  DEFAULT_TIMER_PERIOD_S,
  DEFAULT_TIMER_RING,
  type DeviceBody,
  type HostBody,
  type LayoutBody,
  type NotificationSpec,
  type PolicySpec,
  type VmTypeBody,
  type WorkloadBody,
} from './schemas.js'
import {closest} from './suggest.js'
import {type Dimension, parseCpuQuota, parseQuantity, parseRate} from './units.js'

type Path = readonly PathSegment[]

/** A host model with the calibration profile its file names, if any. */
export interface HostModel extends Host {
  /** Calibration profile name from the host file; scenarios use it when they name none. */
  calibration?: string
}

/** A cluster entry with the host file it came from. */
export interface LoadedClusterEntry extends ClusterEntry {
  host: HostModel
  /** The host file as referenced from the cluster file, resolved against it. */
  file: string
}

export interface LoadedCluster extends Cluster {
  description: string
  entries: LoadedClusterEntry[]
}

/** Default NIC packet rate: line rate at 64 B frames plus 20 B of preamble and gap. */
export function lineRatePps64(lineRateBps: number): number {
  return lineRateBps / (8 * (64 + 20))
}

/** Default interrupt delivery for a platform: the best it has. */

function positive(value: unknown, dimension: Dimension, path: Path, what: string): number {
  const v = parseQuantity(value, dimension, path)
  if (v <= 0) fail({code: 'value', expected: expected.positive(what), found: found.value(value), path})
  return v
}

function unique<T>(items: readonly T[], key: (t: T) => string, path: (i: number) => Path, what: string): void {
  const seen = new Set<string>()
  items.forEach((item, i) => {
    const k = key(item)
    if (seen.has(k)) fail({code: 'value', expected: expected.uniqueId(what), found: found.duplicate(k), path: path(i)})
    seen.add(k)
  })
}

// ------------------------------------------------------------------ host

/** Host spec -> Host: builds the CPU topology, applies defaults, checks node and CPU references. */
export function normalizeHost(spec: HostBody): HostModel {
  const compact = spec.nodes_per_socket !== undefined || spec.cores_per_node !== undefined || spec.threads_per_core !== undefined
  if (compact && spec.cpus !== undefined) fail({code: 'value', expected: expected.topology, found: found.both, path: ['cpus']})
  if (spec.cpus === undefined && spec.cores_per_node === undefined) {
    fail({code: 'value', expected: expected.topology, found: found.neither, path: []})
  }
  const {cpus, sockets, nodeSockets} = spec.cpus === undefined ? compactTopology(spec) : explicitTopology(spec)
  const nodeCount = nodeSockets.length

  const memory = memoryPerNode(spec.memory_per_node, nodeCount)
  const nodes: NumaNode[] = nodeSockets.map((socket, id) => ({
    id,
    socket,
    memoryBytes: memory[id],
    cpus: cpus.filter((c) => c.node === id).map((c) => c.id),
  }))
  const threadsPerCore = Math.max(...countBy(cpus, (c) => c.core).values())

  const distances = spec.distances ?? nodes.map((a) => nodes.map((b) => (a.id === b.id ? 10 : 21)))
  if (distances.length !== nodeCount || distances.some((row) => row.length !== nodeCount)) {
    fail({code: 'value', expected: expected.distanceMatrix(nodeCount), found: found.value(distances), path: ['distances']})
  }

  const checkNode = (node: number, path: Path) => {
    if (node >= nodeCount) fail({code: 'reference', expected: expected.hostNode(spec.name, nodeCount), found: found.value(node), path})
  }
  const nicSpecs = spec.nics ?? []
  unique(nicSpecs, (n) => n.id, (i) => ['nics', i, 'id'], 'NIC id')
  const nics: Nic[] = nicSpecs.map((n, i) => {
    checkNode(n.node, ['nics', i, 'node'])
    const lineRateBps = positive(n.line_rate, 'bitRate', ['nics', i, 'line_rate'], 'a line rate')
    const maxPps = n.max_pps === undefined ? lineRatePps64(lineRateBps) : positive(n.max_pps, 'itemRate', ['nics', i, 'max_pps'], 'a packet rate')
    return {id: n.id, node: n.node, lineRateBps, maxPps}
  })
  const blockSpecs = spec.block_devices ?? []
  unique(blockSpecs, (b) => b.id, (i) => ['block_devices', i, 'id'], 'block device id')
  const blockDevices: BlockDevice[] = blockSpecs.map((b, i) => {
    checkNode(b.node, ['block_devices', i, 'node'])
    return {
      id: b.id,
      node: b.node,
      maxIops: positive(b.max_iops, 'itemRate', ['block_devices', i, 'max_iops'], 'an IOPS figure'),
      maxBandwidthBytes: positive(b.max_bandwidth, 'byteRate', ['block_devices', i, 'max_bandwidth'], 'a bandwidth'),
      serviceLatencyS: parseQuantity(b.latency, 'time', ['block_devices', i, 'latency']),
    }
  })

  const platform: Platform = {
    postedInterrupts: spec.platform?.posted_interrupts ?? false,
    pvEoi: spec.platform?.pv_eoi ?? true,
    ioeventfd: spec.platform?.ioeventfd ?? true,
  }
  const ids = new Set(cpus.map((c) => c.id))
  const reserved = parseCpuset(spec.housekeeping ?? '', ['housekeeping'])
  for (const c of reserved) {
    if (!ids.has(c)) fail({code: 'reference', expected: expected.hostCpu(spec.name), found: found.cpu(c), path: ['housekeeping']})
  }
  // CPUs outside `allowed_cpus` or offline are never given to VMs or workers: they join the housekeeping set.
  const offline = new Set(parseCpuset(spec.offline_cpus ?? '', ['offline_cpus']))
  const allowed = spec.allowed_cpus === undefined ? undefined : new Set(parseCpuset(spec.allowed_cpus, ['allowed_cpus']))
  for (const c of allowed ?? []) {
    if (!ids.has(c)) fail({code: 'reference', expected: expected.hostCpu(spec.name), found: found.cpu(c), path: ['allowed_cpus']})
  }
  const unavailable = cpus.map((c) => c.id).filter((id) => offline.has(id) || (allowed !== undefined && !allowed.has(id)))
  const housekeeping = [...reserved, ...unavailable.filter((id) => !reserved.includes(id))]

  const host: HostModel = {
    model: spec.name,
    sockets,
    nodes,
    cpus,
    threadsPerCore,
    frequencyHz: positive(spec.frequency, 'frequency', ['frequency'], 'a frequency'),
    distances,
    nics,
    blockDevices,
    platform,
    housekeeping,
  }
  if (spec.calibration !== undefined) host.calibration = spec.calibration
  return host
}

interface Topology {
  cpus: Cpu[]
  sockets: number
  /** Socket of each node, by node id. */
  nodeSockets: number[]
}

/**
 * Most logical CPUs a host may have: the largest `CONFIG_NR_CPUS` the Linux kernel allows
 * on x86-64 (MAXSMP, arch/x86/Kconfig). Larger figures are typing mistakes, and would have
 * the search lay out hosts of a size no kernel runs.
 */
export const MAX_LOGICAL_CPUS = 8192

/** Linux numbering: the first thread of every core, node by node, then every second thread, ... */
function compactTopology(spec: HostBody): Topology {
  const sockets = spec.sockets ?? 1
  const nodesPerSocket = spec.nodes_per_socket ?? 1
  const coresPerNode = spec.cores_per_node as number
  const threads = spec.threads_per_core ?? 1
  const nodeCount = sockets * nodesPerSocket
  const totalCores = nodeCount * coresPerNode
  const logical = totalCores * threads
  if (logical > MAX_LOGICAL_CPUS) {
    // Blame the largest of the four: the likely typing mistake.
    const given = {sockets, nodes_per_socket: nodesPerSocket, cores_per_node: coresPerNode, threads_per_core: threads}
    const field = Object.entries(given).reduce((a, b) => (b[1] > a[1] ? b : a))[0]
    fail({
      code: 'value', path: [field],
      expected: expected.atMost('logical CPUs (sockets x nodes_per_socket x cores_per_node x threads_per_core)', MAX_LOGICAL_CPUS),
      found: `${sockets} x ${nodesPerSocket} x ${coresPerNode} x ${threads} = ${logical}`,
    })
  }

  const cpus: Cpu[] = []
  for (let thread = 0; thread < threads; thread++) {
    for (let node = 0; node < nodeCount; node++) {
      for (let c = 0; c < coresPerNode; c++) {
        const core = node * coresPerNode + c
        cpus.push({id: thread * totalCores + core, node, socket: Math.floor(node / nodesPerSocket), core, thread})
      }
    }
  }
  return {cpus, sockets, nodeSockets: Array.from({length: nodeCount}, (_, n) => Math.floor(n / nodesPerSocket))}
}

function explicitTopology(spec: HostBody): Topology {
  const list = spec.cpus ?? []
  unique(list, (c) => String(c.id), (i) => ['cpus', i, 'id'], 'CPU id')
  const nodeIds = [...new Set(list.map((c) => c.node))].sort((a, b) => a - b)
  const nodeCount = nodeIds.length
  const gap = list.findIndex((c) => c.node >= nodeCount)
  if (gap >= 0) fail({code: 'value', expected: expected.nodeIds(nodeCount), found: found.value(list[gap].node), path: ['cpus', gap, 'node']})
  const maxSocket = Math.max(0, ...list.map((c) => c.socket ?? 0))
  const sockets = spec.sockets ?? maxSocket + 1
  const evenSocket = (node: number) => Math.floor((node * sockets) / nodeCount)
  const nodeSockets = Array.from({length: nodeCount}, (_, n) => list.find((c) => c.node === n && c.socket !== undefined)?.socket ?? evenSocket(n))
  const coreNode = new Map<number, number>()
  const coreThreads = new Set<string>()
  list.forEach((c, i) => {
    if (c.socket !== undefined && c.socket >= sockets) {
      fail({code: 'value', expected: expected.atMost(expected.integer, sockets - 1), found: found.value(c.socket), path: ['cpus', i, 'socket']})
    }
    if (c.socket !== undefined && c.socket !== nodeSockets[c.node]) {
      fail({code: 'value', expected: expected.sameSocket(nodeSockets[c.node], c.node), found: found.value(c.socket), path: ['cpus', i, 'socket']})
    }
    const node = coreNode.get(c.core)
    if (node !== undefined && node !== c.node) fail({code: 'value', expected: expected.sameNodeCore, found: found.coreOnNodes(c.core, node, c.node), path: ['cpus', i, 'node']})
    coreNode.set(c.core, c.node)
    const key = `${c.core}/${c.thread}`
    if (coreThreads.has(key)) fail({code: 'value', expected: expected.uniqueId('thread index within a core'), found: found.threadTwice(c.core, c.thread), path: ['cpus', i, 'thread']})
    coreThreads.add(key)
  })
  const cpus = list
    .map((c) => ({id: c.id, node: c.node, socket: nodeSockets[c.node], core: c.core, thread: c.thread}))
    .sort((a, b) => a.id - b.id)
  return {cpus, sockets, nodeSockets}
}

function memoryPerNode(spec: HostBody['memory_per_node'], nodeCount: number): number[] {
  if (Array.isArray(spec)) {
    if (spec.length !== nodeCount) fail({code: 'value', expected: expected.memoryList(nodeCount), found: found.value(spec), path: ['memory_per_node']})
    return spec.map((m, i) => parseQuantity(m, 'size', ['memory_per_node', i]))
  }
  const each = parseQuantity(spec, 'size', ['memory_per_node'])
  return Array.from({length: nodeCount}, () => each)
}

function countBy<T>(items: readonly T[], key: (t: T) => number): Map<number, number> {
  const m = new Map<number, number>()
  for (const t of items) m.set(key(t), (m.get(key(t)) ?? 0) + 1)
  return m
}

// ------------------------------------------------------------------ workload

/** Workload spec -> Workload: units, defaults, offered load in items/s. */
export function normalizeWorkload(spec: WorkloadBody): Workload {
  unique(spec.vm_types, (t) => t.name, (i) => ['vm_types', i, 'name'], 'VM type name')
  return {
    name: spec.name,
    entries: spec.vm_types.map((t, i) => ({type: normalizeVmType(t, ['vm_types', i]), count: t.count ?? 1})),
  }
}

function normalizeVmType(t: VmTypeBody, path: Path): VmType {
  const tenant = t.tenant ?? 'default'
  const devices = t.devices ?? []
  unique(devices, (d) => d.id, (i) => [...path, 'devices', i, 'id'], 'device id within the VM type')
  const cgroup: VmType['cgroup'] = {path: t.cgroup?.path ?? `/machine.slice/${tenant}-${t.name}`}
  if (t.cgroup?.cpuset !== undefined) cgroup.cpuset = parseCpuset(t.cgroup.cpuset, [...path, 'cgroup', 'cpuset'])
  if (t.cgroup?.cpu_max !== undefined) {
    const quota = parseCpuQuota(t.cgroup.cpu_max, [...path, 'cgroup', 'cpu_max'])
    if (quota !== undefined) cgroup.quotaCpus = quota
  }
  const slo: VmType['slo'] = {minFraction: t.slo?.min_fraction === undefined ? 0 : parseQuantity(t.slo.min_fraction, 'fraction', [...path, 'slo', 'min_fraction'])}
  if (t.slo?.max_p99 !== undefined) slo.maxP99S = positive(t.slo.max_p99, 'time', [...path, 'slo', 'max_p99'], 'a latency')
  return {
    name: t.name,
    vcpus: t.vcpus,
    memoryBytes: positive(t.memory, 'size', [...path, 'memory'], 'a memory size'),
    tenant,
    cgroup,
    devices: devices.map((d, i) => normalizeDevice(d, [...path, 'devices', i])),
    slo,
  }
}

const DEFAULT_SIZE = {net: 1500, block: 4096}

function normalizeDevice(d: DeviceBody, path: Path): Device {
  const pattern = d.pattern ?? 'stream'
  const direction = d.direction ?? (d.kind === 'net' ? 'tx' : 'read')
  const allowed = d.kind === 'net' ? ['tx', 'rx'] : ['read', 'write']
  if (!allowed.includes(direction)) {
    fail({code: 'value', expected: expected.direction(d.kind), found: found.value(direction), path: [...path, 'direction']})
  }
  const sizeBytes = d.size === undefined ? DEFAULT_SIZE[d.kind] : positive(d.size, 'size', [...path, 'size'], 'a size')
  const rate = parseRate(d.offered ?? 'unbounded', [...path, 'offered'])
  const offered = rate.kind === 'items' ? rate.perS : rate.bitsPerS / (8 * sizeBytes)
  const queueDepth = d.queue_depth ?? (pattern === 'rr' ? 1 : d.kind === 'block' ? 32 : 1)
  const device: Device = {id: d.id, kind: d.kind, pattern, direction, sizeBytes, offered, queueDepth}
  if (d.backing !== undefined) device.backing = d.backing
  if (d.backend !== undefined) {
    if (d.kind !== 'net') fail({code: 'value', expected: expected.netOnly('backend'), found: found.value(d.backend), path: [...path, 'backend']})
    device.backend = d.backend
  }
  if (d.protocol !== undefined) {
    if (d.kind !== 'net') fail({code: 'value', expected: expected.netOnly('protocol'), found: found.value(d.protocol), path: [...path, 'protocol']})
    device.protocol = d.protocol
  }
  if (d.guest_driver !== undefined) {
    if (d.kind !== 'net') fail({code: 'value', expected: expected.netOnly('guest_driver'), found: found.value(d.guest_driver), path: [...path, 'guest_driver']})
    device.guestDriver = d.guest_driver
  }
  if (d.app_cycles !== undefined) device.appCycles = d.app_cycles
  if (d.peer_rtt !== undefined) device.peerRttS = parseQuantity(d.peer_rtt, 'time', [...path, 'peer_rtt'])
  return device
}

/** The VM instances of a workload, named `TYPE-INDEX` from 0, type by type. */
export function instantiateVms(workload: Workload): Vm[] {
  const vms: Vm[] = []
  for (const e of workload.entries) for (let i = 0; i < e.count; i++) vms.push({id: `${e.type.name}-${i}`, type: e.type})
  return vms
}

/**
 * Check that a workload's vCPUs can all be pinned on one host, at most `overcommit` to a CPU:
 * before its VMs are built one by one, so that a count far too large for the host is one
 * clear message rather than millions of VMs in memory. The path is `at`, by default the count
 * of the VM type with the most vCPUs.
 */
export function checkWorkloadFits(workload: Workload, host: Host, overcommit: number, at?: readonly PathSegment[]): void {
  const room = host.cpus.length * overcommit
  let total = 0
  let largest = 0
  workload.entries.forEach((e, i) => {
    total += e.count * e.type.vcpus
    if (e.count * e.type.vcpus > workload.entries[largest].count * workload.entries[largest].type.vcpus) largest = i
  })
  if (total > room) {
    const e = workload.entries[largest]
    fail({code: 'value', path: at ?? ['vm_types', largest, 'count'], expected: expected.vcpusOnHost(room, host.model, host.cpus.length, overcommit),
      found: found.vcpus(total, e.count, e.type.name, e.type.vcpus, workload.entries.length)})
  }
}

/**
 * Check that a workload can run on a host: every device's backing NIC or block
 * device exists (or the host has one of its kind when none is named), and
 * every cgroup cpuset names CPUs the host has. Paths are in the workload.
 */
export function checkWorkloadOnHost(workload: Workload, host: Host): void {
  const cpuIds = new Set(host.cpus.map((c) => c.id))
  const nicIds = host.nics.map((n) => n.id)
  const blockIds = host.blockDevices.map((b) => b.id)
  workload.entries.forEach((e, i) => {
    const base: Path = ['vm_types', i]
    for (const c of e.type.cgroup.cpuset ?? []) {
      if (!cpuIds.has(c)) fail({code: 'reference', expected: expected.hostCpu(host.model), found: found.cpu(c), path: [...base, 'cgroup', 'cpuset']})
    }
    e.type.devices.forEach((d, j) => {
      const ids = d.kind === 'net' ? nicIds : blockIds
      const exp = d.kind === 'net' ? expected.hostNic(host.model, ids) : expected.hostBlockDevice(host.model, ids)
      if (d.backing === undefined) {
        if (ids.length === 0) fail({code: 'reference', expected: exp, found: found.deviceOfKind(d.kind, d.id), path: [...base, 'devices', j, 'kind']})
      } else if (!ids.includes(d.backing)) {
        const c = closest(d.backing, ids)
        fail({code: 'reference', expected: exp, found: found.value(d.backing), path: [...base, 'devices', j, 'backing'], hint: c && hint.didYouMean(c)})
      }
    })
  })
}

// ------------------------------------------------------------------ notification and policy

const SPIN = /^spin\s*(?:\(\s*(.*?)\s*\))?$/
const TIMER = /^timer\s*(?:\(\s*([^,]*?)\s*(?:,\s*(.*?)\s*)?\))?$/

/** `kick`, `poll`, `spin(20 us)`, `timer(150 us, 256)`, or the mapping form. */
export function normalizeNotification(spec: NotificationSpec, path: Path = []): Notification {
  if (typeof spec === 'string') {
    const s = spec.trim()
    if (s === 'kick' || s === 'poll') return {kind: s}
    const spin = SPIN.exec(s)
    if (spin !== null) return {kind: 'spin', budgetS: spin[1] === undefined || spin[1] === '' ? DEFAULT_SPIN_BUDGET_S : positive(spin[1], 'time', path, 'a spin budget')}
    const timer = TIMER.exec(s)
    if (timer !== null) {
      const periodS = timer[1] === undefined || timer[1] === '' ? DEFAULT_TIMER_PERIOD_S : positive(timer[1], 'time', path, 'a timer period')
      return {kind: 'timer', periodS, ring: timer[2] === undefined ? DEFAULT_TIMER_RING : ringSize(timer[2], path)}
    }
    const c = closest(s.replace(/\(.*$/, ''), ['kick', 'poll', 'spin', 'timer'])
    return fail({code: 'value', expected: expected.notification, found: found.value(spec), path, hint: c && hint.didYouMean(c)})
  }
  const extra = (key: 'budget' | 'period' | 'ring', allowed: string[]) => {
    if (spec[key] !== undefined) fail({code: 'unknown-key', expected: expected.knownKey(allowed), found: found.unknownKey(key), path: [...path, key]})
  }
  switch (spec.kind) {
    case 'kick':
    case 'poll':
      extra('budget', ['kind'])
      extra('period', ['kind'])
      extra('ring', ['kind'])
      return {kind: spec.kind}
    case 'spin':
      extra('period', ['kind', 'budget'])
      extra('ring', ['kind', 'budget'])
      return {kind: 'spin', budgetS: spec.budget === undefined ? DEFAULT_SPIN_BUDGET_S : positive(spec.budget, 'time', [...path, 'budget'], 'a spin budget')}
    case 'timer':
      extra('budget', ['kind', 'period', 'ring'])
      return {
        kind: 'timer',
        periodS: spec.period === undefined ? DEFAULT_TIMER_PERIOD_S : positive(spec.period, 'time', [...path, 'period'], 'a timer period'),
        ring: spec.ring ?? DEFAULT_TIMER_RING,
      }
  }
}

function ringSize(text: string, path: Path): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) fail({code: 'value', expected: expected.atLeast('a ring size', 1), found: found.value(text), path})
  return n
}

const USES_IO_CORES = new Set(['vhost-shared', 'elvis'])

/** Policy spec -> ArchitecturePolicy, with defaults that depend on the host (interrupt mode). */
export function normalizePolicy(spec: PolicySpec, host: Host): ArchitecturePolicy {
  const net = spec.net ?? 'vhost-per-device'
  const block = spec.block ?? 'qemu-userspace'
  const coresPerNode = Math.min(...host.nodes.map((n) => new Set(host.cpus.filter((c) => c.node === n.id).map((c) => c.core)).size))
  const io = spec.io_cores_per_node ?? (USES_IO_CORES.has(net) || USES_IO_CORES.has(block) ? 1 : 0)
  if (io > coresPerNode) {
    fail({code: 'value', expected: expected.atMost(`I/O cores per node on host ${host.model}`, coresPerNode), found: found.value(io), path: ['io_cores_per_node']})
  }
  // An interrupt mode the host's platform lacks (as checkLayout words the rule).
  const lacks = spec.interrupt === 'posted' ? !host.platform.postedInterrupts : spec.interrupt === 'pv-eoi' ? !host.platform.pvEoi : false
  if (lacks) {
    const modes = ['exit', ...(host.platform.pvEoi ? ['pv-eoi'] : []), ...(host.platform.postedInterrupts ? ['posted'] : [])]
    fail({code: 'value', expected: expected.interruptOnHost(host.model, modes), found: found.value(spec.interrupt), path: ['interrupt'],
      hint: hint.platformFeature(spec.interrupt === 'posted' ? 'posted_interrupts' : 'pv_eoi')})
  }

  return {
    net,
    block,
    notification: spec.notification === undefined ? {kind: 'kick'} : normalizeNotification(spec.notification, ['notification']),
    interrupt: spec.interrupt ?? bestInterrupt(host.platform),
    ioCoresPerNode: io,
    devicesPerWorker: spec.devices_per_worker ?? DEFAULT_DEVICES_PER_WORKER,
    sharing: spec.sharing ?? 'same-cgroup',
    floatOn: spec.float_on ?? 'vm-cpus',
  }
}

// ------------------------------------------------------------------ layout

/**
 * Layout spec -> Layout for `host` and its `vms`: CPU roles, VM placements and
 * workers, with every reference checked (host name, CPU ids, nodes, VMs,
 * devices, cgroup cpusets, pinned workers on I/O CPUs, one worker per device).
 */
export function normalizeLayout(spec: LayoutBody, host: Host, vms: readonly Vm[]): Layout {
  if (spec.host !== host.model) fail({code: 'reference', expected: expected.layoutHost(host.model), found: found.layoutHost(spec.host), path: ['host']})
  const cpuIds = new Set(host.cpus.map((c) => c.id))
  const hostCpu = (c: number, path: Path) => {
    if (!cpuIds.has(c)) fail({code: 'reference', expected: expected.hostCpu(host.model), found: found.cpu(c), path})
  }

  // Roles.
  const roles: Record<number, CpuRole> = {}
  const housekeeping = new Set(host.housekeeping)
  // In the order the file lists them, so a CPU in two roles is reported at the second.
  for (const role of Object.keys(spec.roles ?? {}) as CpuRole[]) {
    const given = spec.roles?.[role]
    if (given === undefined) continue
    const path: Path = ['roles', role]
    for (const c of parseCpuset(given, path)) {
      hostCpu(c, path)
      const before = roles[c]
      if (before !== undefined) fail({code: 'value', expected: expected.singleRole, found: found.cpuRoles(c, [before, role]), path})
      if (housekeeping.has(c) && role !== 'housekeeping') fail({code: 'value', expected: expected.housekeepingRole, found: found.cpuWithRole(c, role), path})
      roles[c] = role
    }
  }
  for (const c of host.cpus) roles[c.id] ??= housekeeping.has(c.id) ? 'housekeeping' : 'idle'

  // VM placements.
  const byId = new Map(vms.map((v) => [v.id, v]))
  const vmIds = vms.map((v) => v.id)
  const overcommit = spec.vcpu_overcommit ?? 1
  const pinCount = new Map<number, number>()
  const placed = new Set<string>()
  const placements: VmPlacement[] = spec.vms.map((p, i) => {
    const vm = byId.get(p.vm)
    if (vm === undefined) {
      const c = closest(p.vm, vmIds)
      return fail({code: 'reference', expected: expected.vm(vmIds), found: found.value(p.vm), path: ['vms', i, 'vm'], hint: c && hint.didYouMean(c)})
    }
    if (placed.has(p.vm)) fail({code: 'value', expected: expected.placedOnce, found: found.duplicate(p.vm), path: ['vms', i, 'vm']})
    placed.add(p.vm)
    if (p.node >= host.nodes.length) fail({code: 'reference', expected: expected.hostNode(host.model, host.nodes.length), found: found.value(p.node), path: ['vms', i, 'node']})
    const path: Path = ['vms', i, 'vcpu_pins']
    const pins = parseCpuset(p.vcpu_pins, path)
    if (pins.length !== vm.type.vcpus) fail({code: 'value', expected: expected.vcpuPins(vm.type.vcpus), found: found.cpus(pins.length), path})
    const cpuset = vm.type.cgroup.cpuset
    for (const c of pins) {
      hostCpu(c, path)
      if (cpuset !== undefined && !cpuset.includes(c)) {
        fail({code: 'reference', expected: expected.inCpuset(vm.type.cgroup.path, formatCpuset(cpuset)), found: found.cpuNotInCpuset(c), path})
      }
      if (roles[c] !== 'vm') fail({code: 'value', expected: expected.roleFor('vm'), found: found.cpuWithRole(c, roles[c]), path})
      const n = (pinCount.get(c) ?? 0) + 1
      if (n > overcommit) fail({code: 'value', expected: expected.overcommit(overcommit), found: found.sharedCpu(c, n), path})
      pinCount.set(c, n)
    }
    return {vm: p.vm, node: p.node, vcpuPins: pins}
  })
  // Workers.
  const served = new Set<string>()
  const workers: Worker[] = spec.workers.map((w, i) => {
    const base: Path = ['workers', i]
    const cpus = parseCpuset(w.cpus, [...base, 'cpus'])
    for (const c of cpus) hostCpu(c, [...base, 'cpus'])
    const floating = w.floating ?? false
    if (!floating) {
      if (cpus.length !== 1) fail({code: 'value', expected: expected.pinnedWorker, found: found.cpus(cpus.length), path: [...base, 'cpus']})
      if (roles[cpus[0]] !== 'io') fail({code: 'value', expected: expected.roleFor('io'), found: found.cpuWithRole(cpus[0], roles[cpus[0]]), path: [...base, 'cpus']})
    }
    w.devices.forEach((ref, j) => {
      const path: Path = [...base, 'devices', j]
      const slash = ref.indexOf('/')
      if (slash <= 0) fail({code: 'value', expected: expected.deviceRef, found: found.value(ref), path})
      const vmId = ref.slice(0, slash)
      const devId = ref.slice(slash + 1)
      const vm = byId.get(vmId)
      if (vm === undefined) {
        const c = closest(vmId, vmIds)
        fail({code: 'reference', expected: expected.vm(vmIds), found: found.value(ref), path, hint: c && hint.didYouMean(`${c}/${devId}`)})
      }
      const devIds = vm.type.devices.map((d) => d.id)
      if (!devIds.includes(devId)) {
        const c = closest(devId, devIds)
        fail({code: 'reference', expected: expected.device(vmId, devIds), found: found.value(ref), path, hint: c && hint.didYouMean(`${vmId}/${c}`)})
      }
      if (served.has(ref)) fail({code: 'value', expected: expected.servedOnce, found: found.duplicate(ref), path})
      served.add(ref)
    })
    return {
      id: w.id ?? `worker-${i}`,
      architecture: w.architecture,
      cpus,
      floating,
      notification: w.notification === undefined ? {kind: 'kick'} : normalizeNotification(w.notification, [...base, 'notification']),
      devices: [...w.devices],
    }
  })
  unique(workers, (w) => w.id, (i) => ['workers', i, 'id'], 'worker id')
  // Completeness last, so that a mistake inside an entry is reported before what it leaves missing.
  const unplaced = vmIds.find((id) => !placed.has(id))
  if (unplaced !== undefined) fail({code: 'value', expected: expected.placedOnce, found: found.unplaced(unplaced), path: ['vms']})
  for (const vm of vms) {
    for (const d of vm.type.devices) {
      const ref = `${vm.id}/${d.id}`
      if (!served.has(ref)) fail({code: 'value', expected: expected.servedOnce, found: found.unserved(ref), path: ['workers']})
    }
  }

  return {
    host: host.model,
    roles,
    vms: placements,
    workers,
    interrupt: spec.interrupt ?? bestInterrupt(host.platform),
    sharing: spec.sharing ?? 'same-cgroup',
    vcpuOvercommit: overcommit,
  }
}

// ------------------------------------------------------------------ calibration and cluster

/** Calibration spec -> CalibrationProfile (values and their sources). */
export function normalizeCalibration(spec: CalibrationBody): CalibrationProfile {
  const entries = spec as unknown as Record<string, {value: number | string; source: string}>
  const calibration = {name: spec.name} as Calibration
  const sources = {} as CalibrationProfile['sources']
  for (const [field, f] of Object.entries(CALIBRATION_FIELDS) as Array<[keyof typeof CALIBRATION_FIELDS, (typeof CALIBRATION_FIELDS)[keyof typeof CALIBRATION_FIELDS]]>) {
    const entry = entries[f.key]
    const value = f.unit === 'time' ? parseQuantity(entry.value, 'time', [f.key, 'value']) : (entry.value as number)
    calibration[field] = value
    sources[field] = entry.source
  }
  return {calibration, era: spec.era, description: spec.description, sources}
}

/** Cluster spec and its host models (by entry index, already loaded) -> Cluster. */
export function normalizeCluster(spec: ClusterSpec, hosts: readonly HostModel[], files: readonly string[]): LoadedCluster {
  return {
    name: spec.name,
    description: spec.description ?? '',
    entries: spec.hosts.map((h, i) => ({host: hosts[i], count: h.count, labels: {...(h.labels ?? {})}, file: files[i]})),
  }
}
