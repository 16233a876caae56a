/**
 * Read a Linux machine's topology from sysfs and procfs: a live system (`/`)
 * or a tree saved from another machine (hwloc's `hwloc-gather-topology`
 * tarballs hold `sys/` and `proc/`).
 *
 * Sources, all documented in the kernel's Documentation/ABI:
 *   sys/devices/system/cpu/{online,present,offline}, cpuN/online,
 *   cpuN/topology/{physical_package_id,die_id,core_id,thread_siblings[_list]}
 *     (ABI/stable/sysfs-devices-system-cpu, admin-guide/cputopology.rst);
 *   sys/devices/system/node/nodeN/{cpulist|cpumap,meminfo,distance}
 *     (ABI/stable/sysfs-devices-node);
 *   sys/bus/pci/devices/D/{class,numa_node,local_cpulist,current_link_speed,current_link_width}
 *     (ABI/testing/sysfs-bus-pci); sys/class/net/IF/speed (ABI/testing/sysfs-class-net,
 *     Mbit/s); sys/class/nvme/nvmeN/{device,model};
 *   proc/mounts, proc/self/cgroup (or proc/self/cpuset) and the cpuset files of
 *     cgroup v1 (cpuset.cpus / cpuset.effective_cpus, or without the prefix when
 *     mounted `noprefix` or as the old `cpuset` file system) and v2
 *     (cpuset.cpus.effective, cpuset.mems.effective).
 * The cgroup lookup follows hwloc's (topology-linux.c): a cgroup2 mount is used
 * only when its cgroup.controllers lists cpuset, else the v1 cpuset hierarchy.
 */
import {readFile, readdir, readlink, stat} from 'node:fs/promises'
import path from 'node:path'

import {fail} from '../errors.js'
import {topoExpected, topoFound} from './messages.js'
import {
  type ReadCgroup,
  type ReadCpu,
  type ReadNic,
  type ReadNode,
  type ReadNvme,
  type TopologyReading,
  parseCpuList,
  parseCpuMask,
  pcieLaneBytesPerS,
} from './reading.js'

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i

/** Files of one root, named relative to it in messages. */
class Tree {
  constructor(
    readonly root: string,
    /** The root as the user gave it, for messages. */
    readonly shown: string,
  ) {}

  abs(rel: string): string {
    return path.join(this.root, rel)
  }

  /** How a file is named in messages: the user's root joined with the relative path. */
  name(rel: string): string {
    return this.shown === '/' ? `/${rel}` : path.join(this.shown, rel)
  }

  /** File text, or undefined when it does not exist or cannot be read (sysfs refuses some reads, e.g. `speed` on a link that is down). */
  async text(rel: string): Promise<string | undefined> {
    try {
      return await readFile(this.abs(rel), 'utf8')
    } catch {
      return undefined
    }
  }

  async list(rel: string): Promise<string[]> {
    try {
      return (await readdir(this.abs(rel))).sort()
    } catch {
      return []
    }
  }

  async isDir(rel: string): Promise<boolean> {
    try {
      return (await stat(this.abs(rel))).isDirectory()
    } catch {
      return false
    }
  }

  /** Where a symbolic link points, relative to the root (links saved from other machines are relative or absolute within their root). */
  async link(rel: string): Promise<string | undefined> {
    try {
      const target = await readlink(this.abs(rel))
      return path.isAbsolute(target) ? path.normalize(target).slice(1) : path.normalize(path.join(path.dirname(rel), target))
    } catch {
      return undefined
    }
  }

  async int(rel: string, allowMinusOne = false): Promise<number | undefined> {
    const t = await this.text(rel)
    if (t === undefined) return undefined
    const v = t.trim()
    if (!(allowMinusOne ? /^-?\d+$/ : /^\d+$/).test(v)) {
      fail({code: 'value', file: this.name(rel), line: 1, expected: allowMinusOne ? topoExpected.integerOrMinusOne : topoExpected.integerFile, found: topoFound.text(v)})
    }
    return Number(v)
  }

  async cpuList(rel: string): Promise<number[] | undefined> {
    const t = await this.text(rel)
    if (t === undefined) return undefined
    const v = parseCpuList(t)
    if (v === null) fail({code: 'value', file: this.name(rel), line: 1, expected: topoExpected.cpuList, found: topoFound.text(t.trim())})
    return v
  }

  async cpuMask(rel: string): Promise<number[] | undefined> {
    const t = await this.text(rel)
    if (t === undefined) return undefined
    const v = parseCpuMask(t)
    if (v === null) fail({code: 'value', file: this.name(rel), line: 1, expected: topoExpected.cpuMask, found: topoFound.text(t.trim())})
    return v
  }

  /** A `_list` file, else the mask file of the same name. */
  async cpus(relWithoutList: string): Promise<number[] | undefined> {
    return (await this.cpuList(`${relWithoutList}_list`)) ?? this.cpuMask(relWithoutList)
  }
}

/**
 * Read the topology under `root` ("/" for this machine). A folder that holds
 * no `sys/` but exactly one sub-folder that does (an unpacked hwloc tarball)
 * is read through that sub-folder.
 */
export async function probeHost(root = '/', shown = root): Promise<TopologyReading> {
  let tree = new Tree(path.resolve(root), shown)
  if (!(await tree.isDir('sys/devices/system/cpu'))) {
    const subs = []
    for (const e of await tree.list('.')) if (await tree.isDir(path.join(e, 'sys/devices/system/cpu'))) subs.push(e)
    if (subs.length !== 1) fail({code: 'file', file: tree.name('sys/devices/system/cpu'), expected: topoExpected.sysfsRoot, found: topoFound.missing})
    tree = new Tree(tree.abs(subs[0]), path.join(shown, subs[0]))
  }

  const notes: string[] = []
  const cpuinfo = parseCpuinfo((await tree.text('proc/cpuinfo')) ?? '')
  const {online, offline} = await onlineCpus(tree)
  if (online.length === 0) fail({code: 'value', file: tree.name('sys/devices/system/cpu'), expected: topoExpected.onlineCpu, found: topoFound.noCpus})

  const cpus: ReadCpu[] = []
  for (const id of online) {
    const dir = `sys/devices/system/cpu/cpu${id}/topology`
    const cpu: ReadCpu = {id}
    const pkg = await tree.int(`${dir}/physical_package_id`, true)
    if (pkg !== undefined && pkg >= 0) cpu.package = pkg
    const die = await tree.int(`${dir}/die_id`, true)
    if (die !== undefined && die >= 0) cpu.die = die
    const core = await tree.int(`${dir}/core_id`, true)
    if (core !== undefined && core >= 0) cpu.coreId = core
    const siblings = (await tree.cpus(`${dir}/core_cpus`)) ?? (await tree.cpus(`${dir}/thread_siblings`))
    if (siblings !== undefined) cpu.siblings = siblings.filter((c) => online.includes(c))
    cpus.push(cpu)
  }

  const {nodes, distances} = await readNodes(tree, online, notes)
  for (const n of nodes) for (const c of n.cpus) {
    const cpu = cpus.find((x) => x.id === c)
    if (cpu !== undefined) cpu.node = n.id
  }
  if (nodes.length === 0) {
    const total = meminfoTotal((await tree.text('proc/meminfo')) ?? '')
    nodes.push({id: 0, cpus: [...online], ...(total === undefined ? {} : {memoryBytes: total})})
    for (const c of cpus) c.node = 0
  }

  const reading: TopologyReading = {format: 'sysfs', source: shown, cpus, offline, nodes, nics: [], nvme: [], notes}
  if (distances !== undefined) reading.distances = distances
  const hostname = (await tree.text('proc/sys/kernel/hostname'))?.trim()
  if (hostname) reading.hostname = hostname
  if (cpuinfo.model !== undefined) reading.cpuModel = cpuinfo.model
  const frequency = await readFrequency(tree, online[0], cpuinfo)
  if (frequency !== undefined) reading.frequency = frequency

  const cg = await readCgroup(tree, notes)
  if (cg !== undefined) {
    reading.cgroup = cg.cgroup
    if (cg.cpus !== undefined) reading.allowed = cg.cpus.filter((c) => online.includes(c))
    if (cg.mems !== undefined) reading.allowedNodes = cg.mems.filter((n) => nodes.some((x) => x.id === n))
  }

  reading.nics = await readNics(tree)
  reading.nvme = await readNvme(tree)
  return reading
}

async function onlineCpus(tree: Tree): Promise<{online: number[]; offline: number[]}> {
  const base = 'sys/devices/system/cpu'
  const dirs = (await tree.list(base))
    .map((e) => /^cpu(\d+)$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
  const listed = await tree.cpuList(`${base}/online`)
  const present = new Set([...dirs, ...((await tree.cpuList(`${base}/present`)) ?? [])])
  const online: number[] = []
  for (const id of dirs) {
    // cpuN/online exists only for CPUs that can be hot-unplugged; the global list covers the rest.
    const own = await tree.int(`${base}/cpu${id}/online`)
    const isOnline = own !== undefined ? own === 1 : listed === undefined || listed.includes(id)
    if (isOnline) online.push(id)
  }
  const offline = [...present].filter((c) => !online.includes(c)).sort((a, b) => a - b)
  return {online, offline}
}

async function readNodes(tree: Tree, online: readonly number[], notes: string[]): Promise<{nodes: ReadNode[]; distances?: number[][]}> {
  const base = 'sys/devices/system/node'
  const ids = (await tree.list(base))
    .map((e) => /^node(\d+)$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
  const nodes: ReadNode[] = []
  const rows: number[][] = []
  for (const id of ids) {
    const dir = `${base}/node${id}`
    const cpus = ((await tree.cpuList(`${dir}/cpulist`)) ?? (await tree.cpuMask(`${dir}/cpumap`)) ?? []).filter((c) => online.includes(c))
    const node: ReadNode = {id, cpus}
    const meminfo = await tree.text(`${dir}/meminfo`)
    if (meminfo !== undefined) {
      const m = /^Node\s+\d+\s+MemTotal:\s+(\d+)\s*kB/m.exec(meminfo)
      if (m === null) fail({code: 'value', file: tree.name(`${dir}/meminfo`), line: 1, expected: topoExpected.meminfo, found: topoFound.text(meminfo.split('\n')[0])})
      node.memoryBytes = Number(m[1]) * 1024
    }
    nodes.push(node)
    const d = await tree.text(`${dir}/distance`)
    if (d !== undefined) {
      const row = d.trim().split(/\s+/)
      if (row.some((v) => !/^\d+$/.test(v))) {
        fail({code: 'value', file: tree.name(`${dir}/distance`), line: 1, expected: topoExpected.distanceRow(ids.length), found: topoFound.text(d.trim())})
      }
      rows.push(row.map(Number))
    }
  }
  // Each row lists the distance to every node, in node order.
  if (rows.length === nodes.length && rows.length > 0 && rows.every((r) => r.length === nodes.length)) return {nodes, distances: rows}
  if (rows.length > 0) notes.push('node distance rows do not match the nodes; distances left to the default')
  return {nodes}
}

function meminfoTotal(text: string): number | undefined {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(text)
  return m === null ? undefined : Number(m[1]) * 1024
}

interface Cpuinfo {
  model?: string
  mhz?: number
}

function parseCpuinfo(text: string): Cpuinfo {
  const out: Cpuinfo = {}
  for (const line of text.split('\n')) {
    const m = /^([^:]+?)\s*:\s*(.*)$/.exec(line)
    if (m === null) continue
    const [, key, value] = m
    if (out.model === undefined && (key === 'model name' || key === 'cpu model' || key === 'cpu') && value.trim() !== '') out.model = value.trim().replace(/\s+/g, ' ')
    if (out.mhz === undefined && key === 'cpu MHz' && Number(value) > 0) out.mhz = Number(value)
  }
  return out
}

/** Nominal frequency first (intel_pstate's base_frequency, the "@ 2.60GHz" of the model name), then the highest, then the current one. */
async function readFrequency(tree: Tree, cpu: number, info: Cpuinfo): Promise<{hz: number; from: string} | undefined> {
  const dir = `sys/devices/system/cpu/cpu${cpu}/cpufreq`
  const base = await tree.int(`${dir}/base_frequency`)
  if (base !== undefined && base > 0) return {hz: base * 1000, from: 'cpufreq base_frequency'}
  const m = info.model === undefined ? null : /@\s*([\d.]+)\s*GHz/i.exec(info.model)
  if (m !== null && Number(m[1]) > 0) return {hz: Math.round(Number(m[1]) * 1e9), from: 'model name'}
  const max = await tree.int(`${dir}/cpuinfo_max_freq`)
  if (max !== undefined && max > 0) return {hz: max * 1000, from: 'cpufreq cpuinfo_max_freq'}
  if (info.mhz !== undefined) return {hz: Math.round(info.mhz * 1e6), from: 'cpuinfo cpu MHz (current frequency)'}
  return undefined
}

interface Mount {
  dir: string
  type: string
  options: string[]
}

function parseMounts(text: string): Mount[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 4)
    .map((f) => ({dir: unescape(f[1]), type: f[2], options: f[3].split(',')}))
}

async function readCgroup(tree: Tree, notes: string[]): Promise<{cgroup: ReadCgroup; cpus?: number[]; mems?: number[]} | undefined> {
  const mounts = parseMounts((await tree.text('proc/mounts')) ?? '')
  const self = (await tree.text('proc/self/cgroup')) ?? ''
  const legacyPath = (await tree.text('proc/self/cpuset'))?.trim()
  const lines = self.split('\n').map((l) => /^(\d+):([^:]*):(.*)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null)
  const rel = (dir: string) => dir.replace(/^\/+/, '')

  let found: {cgroup: ReadCgroup; files: [string, string, string, string]} | undefined
  for (const m of mounts) {
    if (m.type !== 'cgroup2') continue
    const controllers = (await tree.text(path.join(rel(m.dir), 'cgroup.controllers'))) ?? ''
    if (!controllers.split(/\s+/).includes('cpuset')) continue
    const p = lines.find((l) => l[1] === '0' && l[2] === '')?.[3] ?? legacyPath ?? '/'
    found = {cgroup: {version: 2, mount: m.dir, path: p}, files: ['cpuset.cpus.effective', 'cpuset.cpus', 'cpuset.mems.effective', 'cpuset.mems']}
    break
  }
  if (found === undefined) {
    const m = mounts.find((x) => x.type === 'cpuset' || (x.type === 'cgroup' && x.options.includes('cpuset')))
    if (m === undefined) return undefined
    const prefix = m.type === 'cpuset' || m.options.includes('noprefix') ? '' : 'cpuset.'
    const p = lines.find((l) => l[2].split(',').includes('cpuset'))?.[3] ?? legacyPath ?? '/'
    found = {
      cgroup: {version: 1, mount: m.dir, path: p},
      files: [`${prefix}effective_cpus`, `${prefix}cpus`, `${prefix}effective_mems`, `${prefix}mems`],
    }
  }
  const dir = path.join(rel(found.cgroup.mount), rel(found.cgroup.path))
  const [effCpus, cpusFile, effMems, memsFile] = found.files
  const pick = async (a: string, b: string) => ((await tree.text(path.join(dir, a))) !== undefined ? path.join(dir, a) : path.join(dir, b))
  const cpusPath = await pick(effCpus, cpusFile)
  const memsPath = await pick(effMems, memsFile)
  const cpus = await tree.cpuList(cpusPath)
  const mems = await tree.cpuList(memsPath)
  if (cpus === undefined) notes.push(`cgroup cpuset ${found.cgroup.path} not readable at ${tree.name(dir)}; every online CPU taken as allowed`)
  return {cgroup: found.cgroup, ...(cpus === undefined ? {} : {cpus}), ...(mems === undefined ? {} : {mems})}
}

/** PCI address of the device a sysfs path sits under (its last PCI path component), if any. */
function pciOf(devicePath: string): string | undefined {
  const parts = devicePath.split('/').filter((p) => PCI_ADDRESS.test(p))
  return parts.at(-1)?.toLowerCase()
}

async function pciLocality(tree: Tree, dir: string): Promise<{node?: number; localCpus?: number[]; pcieBytesPerS?: number}> {
  const out: {node?: number; localCpus?: number[]; pcieBytesPerS?: number} = {}
  const node = await tree.int(`${dir}/numa_node`, true)
  if (node !== undefined && node >= 0) out.node = node
  const local = (await tree.cpuList(`${dir}/local_cpulist`)) ?? (await tree.cpuMask(`${dir}/local_cpus`))
  if (local !== undefined) out.localCpus = local
  const speed = (await tree.text(`${dir}/current_link_speed`))?.trim()
  const width = await tree.text(`${dir}/current_link_width`)
  const gt = speed === undefined ? null : /^([\d.]+)\s*GT\/s/.exec(speed)
  if (gt !== null && width !== undefined && /^\d+$/.test(width.trim()) && Number(width) > 0 && Number(gt[1]) > 0) {
    out.pcieBytesPerS = pcieLaneBytesPerS(Number(gt[1])) * Number(width)
  }
  return out
}

async function readNics(tree: Tree): Promise<ReadNic[]> {
  const interfaces = new Map<string, Array<{name: string; speedBps?: number}>>()
  for (const name of await tree.list('sys/class/net')) {
    const target = (await tree.link(`sys/class/net/${name}`)) ?? (await tree.link(`sys/class/net/${name}/device`))
    const pci = target === undefined ? undefined : pciOf(target)
    if (pci === undefined) continue
    const mbps = await tree.int(`sys/class/net/${name}/speed`, true).catch(() => undefined)
    const entry = {name, ...(mbps !== undefined && mbps > 0 ? {speedBps: mbps * 1e6} : {})}
    interfaces.set(pci, [...(interfaces.get(pci) ?? []), entry])
  }
  const nics: ReadNic[] = []
  for (const addr of await tree.list('sys/bus/pci/devices')) {
    const dir = `sys/bus/pci/devices/${addr}`
    const cls = (await tree.text(`${dir}/class`))?.trim().toLowerCase().replace(/^0x/, '')
    if (cls === undefined || !/^02[0-9a-f]{4}$/.test(cls)) continue
    const ifs = interfaces.get(addr.toLowerCase()) ?? []
    const nic: ReadNic = {pci: addr.toLowerCase(), interfaces: ifs.sort((a, b) => a.name.localeCompare(b.name)), pciClass: cls, ...(await pciLocality(tree, dir))}
    nics.push(nic)
  }
  return nics
}

async function readNvme(tree: Tree): Promise<ReadNvme[]> {
  const out: ReadNvme[] = []
  for (const name of await tree.list('sys/class/nvme')) {
    if (!/^nvme\d+$/.test(name)) continue
    const target = await tree.link(`sys/class/nvme/${name}`)
    const device = await tree.link(`sys/class/nvme/${name}/device`)
    const pci = (device === undefined ? undefined : pciOf(device)) ?? (target === undefined ? undefined : pciOf(target))
    const entry: ReadNvme = {name}
    if (pci !== undefined) entry.pci = pci
    if (device !== undefined) Object.assign(entry, await pciLocality(tree, device))
    const model = (await tree.text(`sys/class/nvme/${name}/model`))?.trim()
    if (model) entry.model = model
    out.push(entry)
  }
  return out
}
