/**
 * A topology reading: what a machine (or a file describing one) states about
 * its processors, NUMA nodes, memory and I/O devices, in the machine's own
 * numbering, before it becomes a host model (`to-host.ts`).
 *
 * Every source (sysfs, `virsh capabilities`, hwloc XML, lscpu) produces this
 * one shape; a field a source does not state is absent, never guessed here.
 * Pure: no file system.
 */

export type ReadingFormat = 'sysfs' | 'libvirt-capabilities' | 'hwloc-xml' | 'lscpu-json' | 'lscpu-parse'

/** One online logical CPU (a PU in hwloc's words). */
export interface ReadCpu {
  /** Logical CPU number as the kernel numbers it. */
  id: number
  /** Physical package (socket) id as the source states it; absent when unknown. */
  package?: number
  /** Die id within the package, when stated. */
  die?: number
  /** Core id as the source states it (unique only within its package, or die). */
  coreId?: number
  /** NUMA node (OS number); absent when the source names none. */
  node?: number
  /** Logical CPU ids sharing this CPU's core (SMT siblings, itself included), when stated. */
  siblings?: number[]
}

export interface ReadNode {
  /** OS NUMA node number. */
  id: number
  /** Local memory in bytes, when stated. */
  memoryBytes?: number
  /** Online CPUs of the node. */
  cpus: number[]
}

/** A PCI network controller (class 0x02) and the interfaces the kernel gives it. */
export interface ReadNic {
  /** PCI address, `0000:60:00.0`; absent for sources that name only an interface. */
  pci?: string
  /** Network interfaces on the controller, sorted by name, with the link speed in bits/s when the link is up and the driver states it (`speed`). */
  interfaces: Array<{name: string; speedBps?: number}>
  /** PCI class code as six hex digits, `020000` (Ethernet), `020700` (InfiniBand). */
  pciClass?: string
  /** NUMA node (OS number) the device sits on; absent when the platform does not say (`numa_node` -1). */
  node?: number
  /** CPUs local to the device (`local_cpulist`), when stated. */
  localCpus?: number[]
  /** PCIe link bandwidth in bytes/s (one direction), from the current link speed and width. */
  pcieBytesPerS?: number
}

/** An NVMe controller. */
export interface ReadNvme {
  /** Controller name, `nvme0`. */
  name: string
  pci?: string
  model?: string
  node?: number
  localCpus?: number[]
  pcieBytesPerS?: number
}

export interface ReadCgroup {
  version: 1 | 2
  /** Mount point of the cpuset hierarchy, relative to the probed root. */
  mount: string
  /** This process's cgroup within that hierarchy. */
  path: string
}

export interface TopologyReading {
  format: ReadingFormat
  /** The file or root directory read, as the user gave it. */
  source: string
  hostname?: string
  cpuModel?: string
  /** Core frequency in Hz and where it came from (`cpufreq base_frequency`, `model name`, ...). */
  frequency?: {hz: number; from: string}
  /** Online CPUs with their topology, sorted by id. */
  cpus: ReadCpu[]
  /** CPUs the kernel knows as present but offline (no topology is stated for them). */
  offline: number[]
  /** CPUs this process may run on (cgroup cpuset, effective); absent = all online CPUs. */
  allowed?: number[]
  /** NUMA nodes this process may allocate from (cgroup cpuset mems); absent = all. */
  allowedNodes?: number[]
  cgroup?: ReadCgroup
  /** NUMA nodes, sorted by id; empty when the source states none. */
  nodes: ReadNode[]
  /** SLIT distances between `nodes`, in the same order. */
  distances?: number[][]
  /** Total memory when no per-node figure is stated (bytes). */
  totalMemoryBytes?: number
  nics: ReadNic[]
  nvme: ReadNvme[]
  /** What the reader could not read and worked around. */
  notes: string[]
}

/** Parse a Linux CPU list, `0-3,8-11` (sysfs `*_list`, cpuset files); null when malformed. */
export function parseCpuList(text: string): number[] | null {
  const t = text.trim()
  if (t === '') return []
  const out = new Set<number>()
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim())
    if (m === null) return null
    const lo = Number(m[1])
    const hi = m[2] === undefined ? lo : Number(m[2])
    if (hi < lo) return null
    for (let c = lo; c <= hi; c++) out.add(c)
  }
  return [...out].sort((a, b) => a - b)
}

/** Parse a Linux CPU mask, `00000000,00ff00ff` (32-bit hex words, most significant first); null when malformed. */
export function parseCpuMask(text: string): number[] | null {
  const words = text.trim().split(',')
  if (words.some((w) => !/^[0-9a-fA-F]{1,8}$/.test(w))) return null
  const out: number[] = []
  words.reverse().forEach((w, i) => {
    const v = parseInt(w, 16)
    for (let b = 0; b < 32; b++) if ((v >>> b) & 1) out.push(i * 32 + b)
  })
  return out.sort((a, b) => a - b)
}

/**
 * PCIe bandwidth per lane and direction in bytes/s, by transfer rate in GT/s:
 * 2.5 and 5 GT/s use 8b/10b encoding, 8 to 32 GT/s 128b/130b, 64 GT/s FLIT
 * mode (1b/1b) (PCI Express Base Specification revisions 1.0 to 6.0; the same
 * figures are tabulated in the Wikipedia article "PCI Express", "History and
 * revisions").
 */
export function pcieLaneBytesPerS(gtPerS: number): number {
  const efficiency = gtPerS <= 5 ? 8 / 10 : gtPerS <= 32 ? 128 / 130 : 1
  return (gtPerS * 1e9 * efficiency) / 8
}
