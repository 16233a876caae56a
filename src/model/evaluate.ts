/**
 * The performance model: a steady-state evaluation of one host's layout.
 *
 * 1. Price every device's path through its worker's architecture (cycles per item on the
 *    worker and on the guest, and per notification and interrupt).
 * 2. From the current utilisations, work out how many notifications each item causes
 *    under the worker's policy (kick, spin, poll, timer) and how many interrupts reach
 *    the guest (NAPI suppression; vbus coalescing).
 * 3. Progressive filling: raise every device's rate together (max-min fair in bits/s)
 *    until each one hits a resource: a CPU pool (worker or vCPUs), a cgroup quota, a NIC's
 *    line or packet rate, a block device, or its own cap (offered load, timer and ring,
 *    round trip, queue depth).
 * 4. Repeat 2-3 until the utilisations settle (a fixed point with secant steps), then
 *    derive latency, exits, interrupts, wake-ups and per-CPU, per-VM and per-host figures.
 *
 * The equations are written out in docs/model.md (summary in the README).
 *
 * The search calls this millions of times on one host and one set of VMs, so the work is
 * split in two. `prepare(host, vms, calibration)` builds a `HostEvaluator` that lays out
 * everything the layout does not change (devices, NIC and disk constraints, priced paths)
 * in flat typed arrays, once. Its `evaluate(layout)` adds the layout's CPU pools, workers
 * and constraint rows into arrays it keeps between calls (grown, never shrunk) and runs
 * the fixed point (steps 2-4); the rows and the fixed point run in WebAssembly:
 * kernel/solve.ts, compiled from AssemblyScript by the build, reads and writes the same
 * arrays (./kernel.ts).
 * `evaluate(...)` does both for one layout.
 */
import {architecture} from './arch/index.js'
import type {ArchitectureModel, PathCosts} from './arch/types.js'
import {Kernel, type KernelArray, type KernelArrayClass, SIZE, SLOT} from './kernel.js'
import {framesPerItem, wireBitsPerItem} from './net.js'
import type {
  Assessment, Calibration, CpuResult, Device, DeviceResult, Evaluation, Host, HostTotals, InterruptMode, Layout, Limit, LimitKind, Slo,
  Vm, VmPlacement, VmResult, WorkerResult,
} from './types.js'

export interface EvaluateOptions {
  /** Extra architectures (from plugins) by id. */
  architectures?: ReadonlyMap<string, ArchitectureModel>
  maxIterations?: number
  /** Convergence: largest relative change of a rate, or absolute change of a share, between iterations. */
  tolerance?: number
}

/** Evaluates layouts of one set of VMs on one host: see `prepare`. */
export interface Evaluator {
  evaluate(layout: Layout): Evaluation
  /**
   * The same evaluation, but only the figures a search ranks layouts by: equal to the
   * `totals` and `iterations` of `evaluate(layout)`, and the largest of its devices' p99.
   */
  assess(layout: Layout): Assessment
}

const NOTE_KICK = 0
const NOTE_SPIN = 1
const NOTE_POLL = 2
const NOTE_TIMER = 3
const NOTE_CODES = {kick: NOTE_KICK, spin: NOTE_SPIN, poll: NOTE_POLL, timer: NOTE_TIMER} as const

/** The arrays a layout sizes that the evaluator writes and the kernel reads: the evaluator's properties, and the kernel's slots, of these names. */
const INPUT_NAMES = [
  'noteKind', 'spinBudget', 'timerPeriod', 'timerRing', 'workerCpuCap', 'floatingWorker', 'charged', 'workerDevices',
  'idleCore', 'floatStart', 'floatVm', 'floatWeight', 'groupStart', 'groupItem', 'vmCpuItem', 'workerCpuStart',
  'workerCpuItem', 'vmsOnCpuItem', 'workersOnCpuItem', 'byWorkerStart',
] as const satisfies readonly (keyof typeof SLOT)[]
const INPUT_SLOTS = INPUT_NAMES.map(name => SLOT[name])

type ScratchSize = 'worker' | 'history' | 'row' | 'member' | 'owner' | 'consumer' | 'slot'

/** The kernel's own arrays (the rows it builds and its working arrays): element type, and what sets their length. */
const SCRATCH_SLOTS: (readonly [number, KernelArrayClass, ScratchSize])[] = [
  ...[SLOT.U, SLOT.prevU, SLOT.spin, SLOT.lambda, SLOT.floatBusy, SLOT.workerCycles, SLOT.workerDemand, SLOT.workerItems,
    SLOT.workerService, SLOT.workerWait, SLOT.spinMiss, SLOT.workerWake, SLOT.workerWaitP99].map(k => [k, Float64Array, 'worker'] as const),
  [SLOT.workerSeen, Int32Array, 'worker'],
  ...[SLOT.historyU, SLOT.historyLambda, SLOT.historyFloat].map(k => [k, Float64Array, 'history'] as const),
  ...[SLOT.coef, SLOT.coefPerBit, SLOT.conGuest, SLOT.conWorker, SLOT.conFixed].map(k => [k, Float64Array, 'member'] as const),
  ...[SLOT.conMember, SLOT.byDevice, SLOT.byDeviceRow].map(k => [k, Int32Array, 'member'] as const),
  [SLOT.ownerItem, Int32Array, 'owner'],
  ...[SLOT.used, SLOT.slope, SLOT.hit, SLOT.rowCapacity].map(k => [k, Float64Array, 'row'] as const),
  ...[SLOT.dirty, SLOT.inert].map(k => [k, Uint8Array, 'row'] as const),
  ...[SLOT.activeIn, SLOT.binding, SLOT.live, SLOT.rowKind, SLOT.rowStart, SLOT.ownerStart, SLOT.ownerVms]
    .map(k => [k, Int32Array, 'row'] as const),
  ...[SLOT.poolOf, SLOT.poolHash].map(k => [k, Int32Array, 'consumer'] as const),
  ...[SLOT.slotPool, SLOT.slotStamp].map(k => [k, Int32Array, 'slot'] as const),
]

/** Limit kinds by code, for constraint rows (codes 0 and 1, pools of vCPUs and of workers, are the kernel's). */
const ROW_KINDS: LimitKind[] = [
  'vcpu', 'worker-cpu', 'cgroup-quota', 'nic-line-rate', 'nic-packet-rate', 'block-device-iops', 'block-device-bandwidth',
]
const ROW_QUOTA = 2
const ROW_NIC_LINE = 3
const ROW_NIC_PACKETS = 4
const ROW_BLOCK_IOPS = 5
const ROW_BLOCK_BYTES = 6

/** A device's own caps by code (see `price`): what limits it when no shared resource does. */
const NET_CAP_KINDS: LimitKind[] = ['offered-load', 'timer-ring', 'round-trip', 'vcpu']
const BLOCK_CAP_KINDS: LimitKind[] = ['offered-load', 'timer-ring', 'queue-depth', 'vcpu']

/** Stamps restart from zero before they could overflow an Int32Array. */
const STAMP_LIMIT = 1 << 30

/**
 * Events per item that may raise an interrupt in the guest: a received packet, a block
 * completion, the response of a transaction, or a TCP ACK (one per two segments, delayed
 * ACK, RFC 1122). Transmitted packets raise none: virtio-net frees them on the next
 * transmit with TX interrupts left disabled. A poll-mode driver in the guest takes none.
 */
function interruptSources(device: Device): number {
  if (device.guestDriver === 'pmd') return 0
  if (device.kind === 'block' || device.pattern === 'rr' || device.direction === 'rx') return 1
  return device.protocol === 'tcp' ? 0.5 : 0
}

/**
 * Room in the kernel's memory for an evaluator's arrays and the kernel's first working
 * arrays, an estimate from the sizes (on the bench's host, 257 KB for the 155 KB used
 * after its six layouts): a larger one costs memory, a smaller one copies (see Slab) and
 * a larger memory later.
 */
function arrayBytes(host: Host, vms: readonly Vm[]): number {
  let n = 0
  for (const vm of vms) n += vm.type.devices.length
  let maxId = 0
  for (const c of host.cpus) maxId = Math.max(maxId, c.id)
  const nodes = host.distances.length + 1
  return 1800 * n + 400 * vms.length + 96 * host.cpus.length + 4 * maxId + 8 * nodes * nodes + 16 * host.blockDevices.length + 4096
}

/** Typed arrays filled by index (TypedArray.from with a mapper is slow in V8). */
function f64<T>(slab: Slab, items: readonly T[], fn: (item: T, i: number) => number): Float64Array {
  const a = slab.f64(items.length)
  for (let i = 0; i < items.length; i++) a[i] = fn(items[i], i)
  return a
}

function i32<T>(slab: Slab, items: readonly T[], fn: (item: T, i: number) => number): Int32Array {
  const a = slab.i32(items.length)
  for (let i = 0; i < items.length; i++) a[i] = fn(items[i], i)
  return a
}

function u8<T>(slab: Slab, items: readonly T[], fn: (item: T, i: number) => number): Uint8Array {
  const a = slab.u8(items.length)
  for (let i = 0; i < items.length; i++) a[i] = fn(items[i], i)
  return a
}

/**
 * Typed arrays carved out of shared buffers. A separate typed array of more than a few
 * bytes is a buffer allocation of its own, which V8 makes about ten times slower than a
 * view; an evaluator needs about a hundred arrays, so `prepare` takes them from here. The
 * first buffer is the free part of the kernel's memory, from `at`: arrays made there need
 * no copy when the kernel adopts them. When it is full, further ones come from buffers of
 * the slab's own (the kernel copies those).
 */
class Slab {
  private readonly first: ArrayBuffer
  private buffer: ArrayBuffer
  private at: number
  private firstEnd = -1

  constructor(buffer: ArrayBuffer, at: number) {
    this.first = buffer
    this.buffer = buffer
    this.at = at
  }

  /** Where the arrays made in the first buffer end. */
  endOfFirst(): number {
    return this.firstEnd >= 0 ? this.firstEnd : this.at
  }

  f64(length: number): Float64Array<ArrayBuffer> {
    const offset = this.take(8 * length)
    return new Float64Array(this.buffer, offset, length)
  }

  i32(length: number): Int32Array<ArrayBuffer> {
    const offset = this.take(4 * length)
    return new Int32Array(this.buffer, offset, length)
  }

  u8(length: number): Uint8Array<ArrayBuffer> {
    const offset = this.take(length)
    return new Uint8Array(this.buffer, offset, length)
  }

  f64Of(values: readonly number[]): Float64Array<ArrayBuffer> {
    const a = this.f64(values.length)
    a.set(values)
    return a
  }

  i32Of(values: readonly number[]): Int32Array<ArrayBuffer> {
    const a = this.i32(values.length)
    a.set(values)
    return a
  }

  i8(length: number): Int8Array<ArrayBuffer> {
    const offset = this.take(length)
    return new Int8Array(this.buffer, offset, length)
  }

  /** Byte offset of `bytes` more in `buffer`, aligned for any element type; a new buffer when this one is full. */
  private take(bytes: number): number {
    if (this.at + bytes > this.buffer.byteLength) {
      if (this.buffer === this.first) this.firstEnd = this.at
      this.buffer = new ArrayBuffer(Math.max(bytes, 1 << 16))
      this.at = 0
    }

    const offset = this.at
    this.at += Math.ceil(bytes / 8) * 8
    return offset
  }
}

/** Scratch arrays kept between evaluations: the same array when it is long enough, else a longer one. */
function f64Room(a: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  return a.length >= size ? a : new Float64Array(Math.max(size, 2 * a.length))
}

function i32Room(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  return a.length >= size ? a : new Int32Array(Math.max(size, 2 * a.length))
}

function u8Room(a: Uint8Array<ArrayBuffer>, size: number): Uint8Array<ArrayBuffer> {
  return a.length >= size ? a : new Uint8Array(Math.max(size, 2 * a.length))
}

/** A longer copy of `a` (`size` entries, the rest zero), for lists that must keep what they hold. */
function i32Keep(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const longer = new Int32Array(size)
  longer.set(a)
  return longer
}

function f64Keep(a: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  const longer = new Float64Array(size)
  longer.set(a)
  return longer
}

/** The least rate that meets a device's SLO: its share of a finite offered load (-Infinity when the load is infinite). */
function rateFloor(offered: number, slo: Slo): number {
  return Number.isFinite(offered) ? slo.minFraction * offered * (1 - 1e-9) : Number.NEGATIVE_INFINITY
}

/** The largest p99 latency a device's SLO allows (Infinity when it sets none). */
function p99Bound(slo: Slo): number {
  return slo.maxP99S ?? Number.POSITIVE_INFINITY
}

/** Sort a[0..count) ascending: insertion sort for the short, mostly ordered lists met here. */
function sortPrefix(a: Int32Array, count: number): void {
  if (count > 64) {
    a.subarray(0, count).sort()
    return
  }

  for (let p = 1; p < count; p++) {
    const value = a[p]
    let q = p - 1
    while (q >= 0 && a[q] > value) {
      a[q + 1] = a[q]
      q--
    }

    a[q + 1] = value
  }
}

/**
 * Compressed lists: the items of list `l` are `item[start[l]..start[l+1])`. `invert` turns
 * owner -> targets lists into target -> owners lists (a counting sort, so each target's
 * owners stay in owner order); `counts` is scratch of at least `targets + 1` entries.
 */
function invert(
  start: Int32Array, item: Int32Array, owners: number, targets: number, outStart: Int32Array, outItem: Int32Array,
): void {
  outStart.fill(0, 0, targets + 1)
  for (let q = start[0]; q < start[owners]; q++) outStart[item[q] + 1]++
  for (let t = 0; t < targets; t++) outStart[t + 1] += outStart[t]
  for (let o = 0; o < owners; o++) {
    for (let q = start[o]; q < start[o + 1]; q++) {
      const t = item[q]
      // outStart[t] walks forward while filling and is put back below.
      outItem[outStart[t]++] = o
    }
  }

  for (let t = targets; t > 0; t--) outStart[t] = outStart[t - 1]
  outStart[0] = 0
}

/** Evaluate a layout of VMs on a host. The layout must have passed `checkLayout`. Pure and deterministic. */
export function evaluate(host: Host, vms: Vm[], layout: Layout, cal: Calibration, options: EvaluateOptions = {}): Evaluation {
  return prepare(host, vms, cal, options).evaluate(layout)
}

/**
 * Lay out what does not depend on the layout, once, for evaluating many layouts of the
 * same VMs on the same host (what the search does). `evaluate(layout)` then gives exactly
 * what the one-shot `evaluate(host, vms, layout, ...)` gives.
 */
export function prepare(host: Host, vms: Vm[], cal: Calibration, options: EvaluateOptions = {}): Evaluator {
  return new HostEvaluator(host, vms, cal, options)
}

/** One priced path, remembered for the device, architecture, interrupt mode, NUMA factor and floating. */
interface PricedPath {
  arch: ArchitectureModel
  interrupt: InterruptMode
  numaFactor: number
  floating: boolean
  costs: PathCosts
}

/**
 * The evaluator for one host and one set of VMs. Fields in the first block never change
 * after construction; the rest is per-layout state that each evaluation overwrites before
 * it reads it (arrays sized by workers, rows or memberships grow when a layout needs more).
 */
class HostEvaluator implements Evaluator {
  private readonly f: number
  private readonly maxIterations: number
  private readonly tolerance: number
  // ------------------------------------------------------------ hardware
  private readonly nCpu: number
  private readonly nCore: number
  private readonly cpuIndex: Int32Array
  private readonly cpuCore: Int32Array
  private readonly cpuNode: Int32Array
  private readonly nodeCount: number
  /**
   * The NUMA factor of a device's path (see `priceWorkers`) by the nodes of its worker w,
   * its VM's memory v and its NIC or block device d (-1: none), at (w * nodeCount + v) *
   * (nodeCount + 1) + d + 1.
   */
  private readonly numaTable: Float64Array
  private readonly blockMaxIops: Float64Array
  private readonly blockMaxBytes: Float64Array
  private readonly blockServiceS: Float64Array
  /** Per block device, for latency: its service time at the current load. */
  private readonly blockTime: Float64Array
  // ------------------------------------------------------------ devices and VMs
  private readonly n: number
  private readonly nv: number
  private readonly devices: Device[] = []
  private readonly refs: string[] = []
  private readonly refIndex = new Map<string, number>()
  private readonly vmIndex = new Map<string, number>()
  private readonly dVm: Int32Array
  private readonly dBlock: Int32Array
  private readonly dIoNode: Int32Array
  private readonly per: Float64Array
  private readonly bitsPerItem: Float64Array
  private readonly offered: Float64Array
  private readonly sources: Float64Array
  private readonly rxStream: Uint8Array
  private readonly batch: Float64Array
  /** Round trips and block requests: the rate is bounded by queue depth / latency. */
  private readonly closedLoop: Uint8Array
  /** The devices whose rate their latency bounds (round trips, block queues), in order. */
  private readonly closedDevices: Int32Array
  /** Whether a device is in a row that takes part in the current fill. */
  private readonly inLive: Uint8Array
  private readonly queueDepth: Float64Array
  private readonly fixedRtt: Float64Array
  private readonly sizeBytes: Float64Array
  /** 1 for a net device, 0 for a block device. */
  private readonly netDevice: Uint8Array
  /** Each device's SLO as the totals check it: the least rate that meets it (`rateFloor`) and the largest p99 (`p99Bound`). */
  private readonly sloRateFloor: Float64Array
  private readonly sloMaxP99: Float64Array
  /** Devices are numbered VM by VM: VM v's are byVmStart[v] to byVmStart[v + 1] - 1. */
  private readonly byVmStart: Int32Array
  /** cgroup `cpu.max` of each VM in CPUs, or -1 for none. */
  private readonly quotaCpus: Float64Array
  private readonly cgroupId: Int32Array
  private readonly cgroupOf: string[]
  private readonly polling: Uint8Array
  // ------------------------------------------------------------ NIC and block rows (layout-free)
  private readonly fixedCount: number
  private readonly fixedKind: Int32Array
  private readonly fixedResource: string[] = []
  private readonly fixedCapacity: Float64Array
  private readonly fixedStart: Int32Array
  private readonly fixedMember: Int32Array
  private readonly fixedCoef: Float64Array
  /** The same per bit of level (per bit of the member's items). */
  private readonly fixedCoefPerBit: Float64Array
  /**
   * Priced paths by device index. VMs of one type share their Device objects, and the
   * devices of one Device object share one list, so most devices price the same few paths.
   */
  private readonly knownPaths: PricedPath[][]
  /** The path each device had in the layout before: most layouts a search tries keep most of them. */
  private readonly lastPath: (PricedPath | undefined)[] = []

  // ------------------------------------------------------------ per layout: devices
  private readonly x: Float64Array
  /** 0 offered, 1 timer-ring, 2 round-trip/queue-depth, 3 vcpu (one queue). */
  private readonly capKind: Int8Array
  private readonly pk: Float64Array
  private readonly pirq: Float64Array
  /** Binding constraint row, or -1 for the device's own cap. */
  private readonly limitRow: Int32Array
  private readonly meanLatency: Float64Array
  private readonly p99Latency: Float64Array
  private readonly active: Uint8Array
  private readonly level: Float64Array
  private readonly order: Int32Array
  private readonly dWorker: Int32Array
  private readonly workerItem: Float64Array
  private readonly guestItem: Float64Array
  private readonly kickGuest: Float64Array
  private readonly kickWorker: Float64Array
  private readonly irqWorker: Float64Array
  private readonly irqGuest: Float64Array
  private readonly coalesce: Float64Array
  private readonly irqLatency: Float64Array
  private readonly onVcpu: Uint8Array
  private readonly kickExits: Float64Array
  private readonly irqExits: Float64Array
  private readonly crossCore: Float64Array
  private readonly byWorkerItem: Int32Array
  private readonly deviceStamp: Int32Array
  private readonly gCoef: Float64Array
  private readonly wCoef: Float64Array
  private readonly degree: Int32Array
  private readonly sortScratch: Int32Array
  // ------------------------------------------------------------ per layout: VMs
  private readonly placements: VmPlacement[] = []
  private readonly vmLoad: Float64Array
  /**
   * At the caps `price` sets: each VM's guest cycles, and its cycles a quota counts (guest,
   * plus worker cycles of workers in its cgroup); a fill reads pool and quota demand from them.
   */
  private readonly vmDemand: Float64Array
  private readonly quotaDemand: Float64Array
  private readonly vmIrqRate: Float64Array
  private readonly vmEventBusy: Float64Array
  private readonly eventCycles: Float64Array
  /** Whether each VM has a device whose interrupts are held off while its guest handles events (vbus). */
  private readonly vmCoalesces: Uint8Array
  private readonly vmCap: Float64Array
  private readonly vmOneCpu: Float64Array
  private readonly vmNode: Int32Array
  private readonly vmSeen: Int32Array
  private readonly vmCpuStart: Int32Array
  private vmCpuItem = new Int32Array(0)
  // ------------------------------------------------------------ per layout: CPUs
  private readonly blockLoad: Float64Array
  private readonly blockBytes: Float64Array
  private readonly occupied: Uint8Array
  private readonly coreBusy: Int32Array
  private readonly capOfIndex: Float64Array
  private readonly cpuStamp: Int32Array
  private readonly coreStamp: Int32Array
  private readonly cpuLoad: Float64Array
  /** CPUs that floating workers may run on. */
  private readonly floatingOn: Uint8Array
  private readonly pinnedCount: Int32Array
  private readonly groupOfCpu: Int32Array
  private readonly vmsOnCpuStart: Int32Array
  private vmsOnCpuItem = new Int32Array(0)
  private readonly workersOnCpuStart: Int32Array
  private workersOnCpuItem = new Int32Array(0)
  private stamp = 0
  // ------------------------------------------------------------ per layout: workers
  private nw = 0
  private workerArch: ArchitectureModel[] = []
  private workerCpuStart = new Int32Array(1)
  private workerCpuItem = new Int32Array(0)
  private workerNode = new Int32Array(0)
  /** Capacity the worker can use when running: one of its CPUs. */
  private workerCpuCap = new Float64Array(0)
  /** Its share of that CPU when several pinned workers time-share it. */
  private workerShare = new Float64Array(0)
  /** A pinned worker alone on a core with nothing else pinned to it: its core idles whenever the worker sleeps. */
  private idleCore = new Float64Array(0)
  private floatingWorker = new Uint8Array(0)
  private noteKind = new Int32Array(0)
  private spinBudget = new Float64Array(0)
  private timerPeriod = new Float64Array(0)
  private timerRing = new Float64Array(0)
  private workerDevices = new Int32Array(0)
  private charged = new Uint8Array(0)
  private byWorkerStart = new Int32Array(1)
  private floatStart = new Int32Array(1)
  private floatVm = new Int32Array(0)
  private floatWeight = new Float64Array(0)
  /** Pinned workers that time-share one CPU, as compressed lists (only CPUs with two or more). */
  private groupCount = 0
  private groupStart = new Int32Array(1)
  private groupItem = new Int32Array(0)
  // The fixed point's last two points of each quantity it relaxes: [s, t] per item.
  private readonly historyEvent: Float64Array
  // Cycles per item on the worker and in the guest before notifications and interrupts.
  private readonly workerBase: Float64Array
  private readonly guestBase: Float64Array
  /** The kernel's, from the last solve: per worker, its share of time spinning or polling empty queues, and its cycles. */
  private spin = new Float64Array(0)
  private workerCycles = new Float64Array(0)
  // ------------------------------------------------------------ per layout: constraint rows (built by the kernel)
  /** Room for the kernel's row memberships and row owners: grown when a layout needs more. */
  private memberRoom = 0
  private ownerRoom = 0
  /** Rows before this one are pools and quotas; from it on, the NIC and block rows. */
  private dynamicRows = 0
  /** The kernel's, from the last solve: each row's kind; for pool rows the VMs (v) and workers (nv + k) inside it, for quota rows the VM. */
  private rowKind = new Int32Array(0)
  private ownerStart = new Int32Array(1)
  private ownerItem = new Int32Array(0)
  private ownerVms = new Int32Array(0)
  /** Devices frozen in one pass of `fill`. */
  private readonly frozen: Int32Array
  /**
   * The kernel's own while it solves: one record per device with the figures the iteration
   * reads and computes (kernel/solve.ts, `gather`); what the results need it writes back
   * into the arrays above.
   */
  private readonly deviceRecords: Float64Array
  /** The rows and the fixed point, in WebAssembly, and the memory the arrays above live in. */
  private readonly kernel: Kernel
  /** What the kernel's slots were last laid out for (see `solve`): the worker count, the rooms and the input arrays. */
  private laidOut: {nw: number, memberRoom: number, ownerRoom: number, inputs: KernelArray[]} | undefined

  constructor(
    private readonly host: Host,
    private readonly vms: Vm[],
    private readonly cal: Calibration,
    private readonly options: EvaluateOptions,
  ) {
    this.kernel = new Kernel(arrayBytes(host, vms))
    const slab = new Slab(this.kernel.buffer, this.kernel.top)
    this.f = host.frequencyHz
    this.maxIterations = options.maxIterations ?? 300
    this.tolerance = options.tolerance ?? 1e-5

    // ---------------------------------------------------------- hardware
    const nCpu = host.cpus.length
    this.nCpu = nCpu
    let maxId = 0
    for (const c of host.cpus) maxId = Math.max(maxId, c.id)
    this.cpuIndex = slab.i32(maxId + 1).fill(-1)
    host.cpus.forEach((c, i) => {
      this.cpuIndex[c.id] = i
    })
    const coreIds = new Map<number, number>()
    this.cpuCore = i32(slab, host.cpus, c => {
      let k = coreIds.get(c.core)
      if (k === undefined) coreIds.set(c.core, k = coreIds.size)
      return k
    })
    this.nCore = coreIds.size
    this.cpuNode = i32(slab, host.cpus, c => c.node)
    let nodeCount = host.distances.length
    for (const c of host.cpus) nodeCount = Math.max(nodeCount, c.node + 1)
    for (const x of [...host.nics, ...host.blockDevices]) nodeCount = Math.max(nodeCount, x.node + 1)
    this.nodeCount = nodeCount
    this.numaTable = slab.f64(nodeCount * nodeCount * (nodeCount + 1))
    for (let w = 0; w < nodeCount; w++) {
      for (let v = 0; v < nodeCount; v++) {
        for (let d = -1; d < nodeCount; d++) this.numaTable[(w * nodeCount + v) * (nodeCount + 1) + d + 1] = this.numaFactor(w, v, d)
      }
    }
    this.blockMaxIops = f64(slab, host.blockDevices, b => b.maxIops)
    this.blockMaxBytes = f64(slab, host.blockDevices, b => b.maxBandwidthBytes)
    this.blockServiceS = f64(slab, host.blockDevices, b => b.serviceLatencyS)
    this.blockTime = slab.f64(host.blockDevices.length)

    // ---------------------------------------------------------- devices
    const nv = vms.length
    this.nv = nv
    const deviceVm: number[] = []
    for (let v = 0; v < nv; v++) {
      this.vmIndex.set(vms[v].id, v)
      for (const device of vms[v].type.devices) {
        const ref = `${vms[v].id}/${device.id}`
        this.refIndex.set(ref, this.devices.length)
        this.devices.push(device)
        this.refs.push(ref)
        deviceVm.push(v)
      }
    }

    const devices = this.devices
    const n = devices.length
    this.n = n
    this.dVm = slab.i32Of(deviceVm)
    const dNic = i32(slab, devices, d => (d.kind === 'net' ? Math.max(0, d.backing ? host.nics.findIndex(x => x.id === d.backing) : 0) : -1))
    this.dBlock = i32(slab, devices, d =>
      (d.kind === 'block' ? Math.max(0, d.backing ? host.blockDevices.findIndex(b => b.id === d.backing) : 0) : -1))
    this.dIoNode = i32(slab, devices, (d, i) => (dNic[i] >= 0 ? host.nics[dNic[i]]?.node : host.blockDevices[this.dBlock[i]]?.node) ?? -1)
    this.per = f64(slab, devices, d => (d.kind === 'net' && d.pattern === 'rr' ? 2 : 1))
    this.bitsPerItem = f64(slab, devices, (d, i) => 8 * d.sizeBytes * this.per[i])
    this.offered = f64(slab, devices, d => d.offered)
    this.sources = f64(slab, devices, d => interruptSources(d))
    this.rxStream = u8(slab, devices, d => (d.kind === 'net' && d.direction === 'rx' && d.pattern === 'stream' ? 1 : 0))
    this.batch = f64(slab, devices, d => (d.direction === 'rx' ? 1 : cal.guestBatch))
    this.closedLoop = u8(slab, devices, d => (d.pattern === 'rr' || d.kind === 'block' ? 1 : 0))
    this.closedDevices = slab.i32Of(devices.flatMap((_, i) => (this.closedLoop[i] ? [i] : [])))
    this.inLive = slab.u8(devices.length)
    this.queueDepth = f64(slab, devices, d => d.queueDepth)
    this.fixedRtt = f64(slab, devices, d => (d.pattern === 'rr' ? d.peerRttS ?? 0 : 0))
    this.sizeBytes = f64(slab, devices, d => d.sizeBytes)
    this.netDevice = u8(slab, devices, d => (d.kind === 'net' ? 1 : 0))
    const shared = new Map<Device, PricedPath[]>()
    this.knownPaths = devices.map(d => {
      let list = shared.get(d)
      if (!list) shared.set(d, list = [])
      return list
    })
    this.sloRateFloor = f64(slab, devices, (d, i) => rateFloor(d.offered, vms[this.dVm[i]].type.slo))
    this.sloMaxP99 = f64(slab, devices, (_, i) => p99Bound(vms[this.dVm[i]].type.slo))
    this.byVmStart = slab.i32(nv + 1)
    for (let i = 0; i < n; i++) this.byVmStart[this.dVm[i] + 1]++
    for (let v = 0; v < nv; v++) this.byVmStart[v + 1] += this.byVmStart[v]
    this.quotaCpus = f64(slab, vms, vm => vm.type.cgroup.quotaCpus ?? -1)
    this.cgroupOf = vms.map(vm => vm.type.cgroup.path)
    const cgroupIds = new Map<string, number>()
    this.cgroupId = i32(slab, this.cgroupOf, path => {
      let id = cgroupIds.get(path)
      if (id === undefined) cgroupIds.set(path, id = cgroupIds.size)
      return id
    })
    this.polling = u8(slab, vms, vm => (vm.type.devices.some(d => d.guestDriver === 'pmd') ? 1 : 0))

    // NIC (per direction: line rate, then packet rate) and block device rows.
    const kind: number[] = []
    const capacity: number[] = []
    const start: number[] = [0]
    const member: number[] = []
    const fixed: number[] = []
    const addFixed = (k: number, resource: string, cap: number, members: number[], coefOf: (i: number) => number) => {
      kind.push(k)
      this.fixedResource.push(resource)
      capacity.push(cap)
      for (const i of members) {
        member.push(i)
        fixed.push(coefOf(i))
      }

      start.push(member.length)
    }

    // Each resource gives two rows over the same devices (line and packet rate, IOPS and
    // bandwidth). When one row's cost per unit of its capacity is below the other's for
    // every device, by a margin, it never fills first and is left out. On the usual NICs the
    // packet rate is such a row for frames above 64 B, and on a disk whichever limit the
    // sizes do not reach.
    const addPair = (
      first: [number, number, (i: number) => number], second: [number, number, (i: number) => number], resource: string, list: number[],
    ) => {
      const a = list.map(i => first[2](i) / first[1])
      const b = list.map(i => second[2](i) / second[1])
      // A clear margin either way: in a tie the two levels differ by rounding, the lower one
      // sets the rate, and the first row takes the devices.
      const secondNeverFirst = b.every((x, q) => x < a[q] * (1 - 1e-9))
      const firstNeverFirst = !secondNeverFirst && a.every((x, q) => x < b[q] * (1 - 1e-9))
      if (!firstNeverFirst) addFixed(first[0], resource, first[1], list, first[2])
      if (!secondNeverFirst) addFixed(second[0], resource, second[1], list, second[2])
    }

    host.nics.forEach((nic, k) => {
      for (const dir of ['tx', 'rx'] as const) {
        const list: number[] = []
        for (let i = 0; i < n; i++) if (dNic[i] === k && (devices[i].pattern === 'rr' || devices[i].direction === dir)) list.push(i)
        if (list.length === 0) continue
        addPair([ROW_NIC_LINE, nic.lineRateBps, i => wireBitsPerItem(devices[i].sizeBytes)],
          [ROW_NIC_PACKETS, nic.maxPps, i => framesPerItem(devices[i].sizeBytes)], nic.id, list)
      }
    })
    host.blockDevices.forEach((b, k) => {
      const list: number[] = []
      for (let i = 0; i < n; i++) if (this.dBlock[i] === k) list.push(i)
      if (list.length === 0) return
      addPair([ROW_BLOCK_IOPS, b.maxIops, () => 1], [ROW_BLOCK_BYTES, b.maxBandwidthBytes, i => devices[i].sizeBytes], b.id, list)
    })
    this.fixedCount = kind.length
    this.fixedKind = slab.i32Of(kind)
    this.fixedCapacity = slab.f64Of(capacity)
    this.fixedStart = slab.i32Of(start)
    this.fixedMember = slab.i32Of(member)
    this.fixedCoef = slab.f64Of(fixed)
    this.fixedCoefPerBit = f64(slab, member, (i, k) => fixed[k] / this.bitsPerItem[i])

    // ---------------------------------------------------------- per-layout state, sized once
    this.x = slab.f64(n)
    this.capKind = slab.i8(n)
    this.pk = slab.f64(n)
    this.pirq = slab.f64(n)
    this.limitRow = slab.i32(n)
    this.meanLatency = slab.f64(n)
    this.p99Latency = slab.f64(n)
    this.active = slab.u8(n)
    this.level = slab.f64(n)
    this.order = slab.i32(n)
    this.workerBase = slab.f64(n)
    this.guestBase = slab.f64(n)
    this.historyEvent = slab.f64(2 * nv)
    this.dWorker = slab.i32(n)
    this.workerItem = slab.f64(n)
    this.guestItem = slab.f64(n)
    this.kickGuest = slab.f64(n)
    this.kickWorker = slab.f64(n)
    this.irqWorker = slab.f64(n)
    this.irqGuest = slab.f64(n)
    this.coalesce = slab.f64(n)
    this.irqLatency = slab.f64(n)
    this.onVcpu = slab.u8(n)
    this.kickExits = slab.f64(n)
    this.irqExits = slab.f64(n)
    this.crossCore = slab.f64(n)
    this.byWorkerItem = slab.i32(n)
    this.frozen = slab.i32(n)
    this.deviceRecords = slab.f64(n * this.kernel.deviceRecordBytes / 8)
    this.deviceStamp = slab.i32(n)
    this.gCoef = slab.f64(n)
    this.wCoef = slab.f64(n)
    this.degree = slab.i32(n + 1)
    this.sortScratch = slab.i32(Math.max(n, nv))
    this.vmLoad = slab.f64(nv)
    this.vmDemand = slab.f64(nv)
    this.quotaDemand = slab.f64(nv)
    this.vmIrqRate = slab.f64(nv)
    this.vmEventBusy = slab.f64(nv)
    this.eventCycles = slab.f64(nv)
    this.vmCoalesces = slab.u8(nv)
    this.vmCap = slab.f64(nv)
    this.vmOneCpu = slab.f64(nv)
    this.vmNode = slab.i32(nv)
    this.vmSeen = slab.i32(nv)
    this.vmCpuStart = slab.i32(nv + 1)
    this.blockLoad = slab.f64(host.blockDevices.length)
    this.blockBytes = slab.f64(host.blockDevices.length)
    this.occupied = slab.u8(nCpu)
    this.coreBusy = slab.i32(this.nCore)
    this.capOfIndex = slab.f64(nCpu)
    this.cpuStamp = slab.i32(nCpu)
    this.coreStamp = slab.i32(this.nCore)
    this.cpuLoad = slab.f64(nCpu)
    this.floatingOn = slab.u8(nCpu)
    this.pinnedCount = slab.i32(nCpu)
    this.groupOfCpu = slab.i32(nCpu)
    this.vmsOnCpuStart = slab.i32(nCpu + 1)
    this.workersOnCpuStart = slab.i32(nCpu + 1)

    // Arrays sized by the layout, from the slab at a size most layouts fit; a layout that
    // needs more grows them. The same for the kernel's row memberships and owners.
    const workers = Math.max(n, 1)
    this.growable(slab, workers)
    this.memberRoom = 4 * n + this.fixedMember.length
    this.ownerRoom = 2 * nv + 3 * workers
    this.kernel.adopt(this, slab.endOfFirst())
    const size = this.kernel.sizes
    size[SIZE.n] = n
    size[SIZE.nv] = nv
    size[SIZE.nb] = this.blockTime.length
    size[SIZE.fixedLength] = this.fixedMember.length
    size[SIZE.fixedCount] = this.fixedCount
    size[SIZE.closedCount] = this.closedDevices.length
    size[SIZE.maxIterations] = Math.min(Math.floor(this.maxIterations), 0x7F_FF_FF_FF)
    this.kernel.setConstants({
      tolerance: this.tolerance, irqBatch: cal.irqBatch, timerSlackS: cal.timerSlackS, contextSwitchCycles: cal.contextSwitchCycles,
      guestIrqCycles: cal.guestIrqCycles, pollPassCycles: cal.pollPassCycles, wakeupLatencyS: cal.wakeupLatencyS,
      schedDelayS: cal.schedDelayS, idleExitLatencyS: cal.idleExitLatencyS, frequency: this.f,
    })
  }

  /** First sizes of the arrays a layout sizes, for `workers` workers. */
  private growable(slab: Slab, workers: number): void {
    const pins = this.vms.reduce((sum, vm) => sum + vm.type.vcpus, 0)
    this.vmCpuItem = slab.i32(pins)
    this.vmsOnCpuItem = slab.i32(pins)
    this.workerCpuStart = slab.i32(workers + 1)
    this.workerCpuItem = slab.i32(workers)
    this.workersOnCpuItem = slab.i32(workers)
    this.workerNode = slab.i32(workers)
    this.workerCpuCap = slab.f64(workers)
    this.workerShare = slab.f64(workers)
    this.idleCore = slab.f64(workers)
    this.floatingWorker = slab.u8(workers)
    this.noteKind = slab.i32(workers)
    this.spinBudget = slab.f64(workers)
    this.timerPeriod = slab.f64(workers)
    this.timerRing = slab.f64(workers)
    this.workerDevices = slab.i32(workers)
    this.charged = slab.u8(workers)
    this.byWorkerStart = slab.i32(workers + 1)
    this.floatStart = slab.i32(workers + 1)
    this.groupStart = slab.i32(workers + 1)
    this.groupItem = slab.i32(workers)
  }

  evaluate(layout: Layout): Evaluation {
    const iterations = this.run(layout)
    return this.results(layout, iterations)
  }

  assess(layout: Layout): Assessment {
    const iterations = this.run(layout)
    const {n, p99Latency} = this
    let maxP99S = 0
    for (let i = 0; i < n; i++) maxP99S = Math.max(maxP99S, p99Latency[i])
    return {totals: this.totals(layout), maxP99S, iterations}
  }

  /** Lay the layout out and run the fixed point: the iterations used. */
  private run(layout: Layout): number {
    if (this.stamp > STAMP_LIMIT) this.resetStamps()
    this.placeVms(layout)
    this.placeWorkers(layout)
    this.priceWorkers(layout)
    return this.solve()
  }

  private resetStamps(): void {
    this.stamp = 0
    this.cpuStamp.fill(0)
    this.coreStamp.fill(0)
    this.deviceStamp.fill(0)
    this.vmSeen.fill(0)
    this.kernel.zero(SLOT.workerSeen)
    this.kernel.zero(SLOT.slotStamp)
  }

  /** Remoteness of node b from node a: (distance - 10) / 11, at least 0. */
  private remote(a: number, b: number): number {
    const distance = this.host.distances[a]?.[b] ?? (a === b ? 10 : 21)
    return Math.max(0, (distance - 10) / 11)
  }

  /** The cost factor of a path whose worker, VM memory and NIC or block device (-1: none) are on these nodes. */
  private numaFactor(workerNode: number, vmNode: number, ioNode: number): number {
    return 1 + (this.cal.numaRemoteFactor - 1) * (this.remote(workerNode, vmNode) + (ioNode < 0 ? 0 : this.remote(workerNode, ioNode))) / 2
  }

  // ------------------------------------------------------------ the layout's VMs and CPUs

  /** Each VM's distinct CPUs (as indices, in pin order), SMT capacity of every CPU, and consumers by CPU. */
  private placeVms(layout: Layout): void {
    const {nv, nCpu, cpuIndex, cpuCore, cpuStamp, placements, vmCpuStart, vmNode, occupied, coreBusy, capOfIndex} = this
    placements.length = 0
    const {vms} = this
    const listed = layout.vms
    for (let q = 0; q < listed.length; q++) {
      const p = listed[q]
      // Layouts list the VMs in the order given, mostly: then no lookup by name is needed.
      const v = q < nv && vms[q].id === p.vm ? q : this.vmIndex.get(p.vm)
      if (v !== undefined) placements[v] = p
    }

    let pins = 0
    for (let v = 0; v < nv; v++) pins += placements[v].vcpuPins.length
    const vmCpuItem = this.vmCpuItem = i32Room(this.vmCpuItem, pins)
    let at = 0
    for (let v = 0; v < nv; v++) {
      const stamp = ++this.stamp
      vmCpuStart[v] = at
      for (const id of placements[v].vcpuPins) {
        const c = cpuIndex[id]
        if (cpuStamp[c] !== stamp) {
          cpuStamp[c] = stamp
          vmCpuItem[at++] = c
        }
      }

      vmNode[v] = placements[v].node
    }

    vmCpuStart[nv] = at

    const workers = layout.workers
    const nw = workers.length
    this.nw = nw
    let workerPins = 0
    for (let k = 0; k < nw; k++) workerPins += workers[k].cpus.length
    const workerCpuStart = this.workerCpuStart = i32Room(this.workerCpuStart, nw + 1)
    const workerCpuItem = this.workerCpuItem = i32Room(this.workerCpuItem, workerPins)
    at = 0
    for (let k = 0; k < nw; k++) {
      workerCpuStart[k] = at
      for (const id of workers[k].cpus) workerCpuItem[at++] = cpuIndex[id]
    }

    workerCpuStart[nw] = at

    // A hardware thread delivers a whole core only while its siblings have nothing to run.
    occupied.fill(0)
    coreBusy.fill(0)
    for (let q = 0; q < vmCpuStart[nv]; q++) occupied[vmCpuItem[q]] = 1
    for (let k = 0; k < nw; k++) if (!workers[k].floating) occupied[workerCpuItem[workerCpuStart[k]]] = 1
    for (let c = 0; c < nCpu; c++) coreBusy[cpuCore[c]] += occupied[c]
    const f = this.f
    const smtShare = this.cal.smtShare
    for (let c = 0; c < nCpu; c++) capOfIndex[c] = f * (coreBusy[cpuCore[c]] - occupied[c] > 0 ? smtShare : 1)

    const {vmCap, vmOneCpu} = this
    for (let v = 0; v < nv; v++) {
      let sum = 0
      let least = Number.POSITIVE_INFINITY
      for (let q = vmCpuStart[v]; q < vmCpuStart[v + 1]; q++) {
        const capacity = capOfIndex[vmCpuItem[q]]
        sum += capacity
        if (capacity < least) least = capacity
      }

      vmCap[v] = sum
      vmOneCpu[v] = least
    }

    // Consumers by CPU, in VM and worker order, so that each pool only looks at the ones that touch it.
    this.vmsOnCpuItem = i32Room(this.vmsOnCpuItem, vmCpuStart[nv])
    invert(vmCpuStart, vmCpuItem, nv, nCpu, this.vmsOnCpuStart, this.vmsOnCpuItem)
    this.workersOnCpuItem = i32Room(this.workersOnCpuItem, workerCpuStart[nw])
    invert(workerCpuStart, workerCpuItem, nw, nCpu, this.workersOnCpuStart, this.workersOnCpuItem)
  }

  // ------------------------------------------------------------ workers

  /** Per-worker figures: capacity, sharing, notification policy, devices, cgroup charging. */
  private placeWorkers(layout: Layout): void {
    const workers = layout.workers
    const {nw, n, cpuNode, cpuCore, capOfIndex, occupied, coreBusy, pinnedCount, groupOfCpu} = this
    const workerCpuStart = this.workerCpuStart
    const workerCpuItem = this.workerCpuItem
    this.workerArch.length = nw
    for (let k = 0; k < nw; k++) this.workerArch[k] = architecture(workers[k].architecture, this.options.architectures)
    const workerNode = this.workerNode = i32Room(this.workerNode, nw)
    const workerCpuCap = this.workerCpuCap = f64Room(this.workerCpuCap, nw)
    const workerShare = this.workerShare = f64Room(this.workerShare, nw)
    const idleCore = this.idleCore = f64Room(this.idleCore, nw)
    const floatingWorker = this.floatingWorker = u8Room(this.floatingWorker, nw)
    const noteKind = this.noteKind = i32Room(this.noteKind, nw)
    const spinBudget = this.spinBudget = f64Room(this.spinBudget, nw)
    const timerPeriod = this.timerPeriod = f64Room(this.timerPeriod, nw)
    const timerRing = this.timerRing = f64Room(this.timerRing, nw)
    const workerDevices = this.workerDevices = i32Room(this.workerDevices, nw)

    pinnedCount.fill(0)
    for (let k = 0; k < nw; k++) if (!workers[k].floating) pinnedCount[workerCpuItem[workerCpuStart[k]]]++
    for (let k = 0; k < nw; k++) {
      const w = workers[k]
      const first = workerCpuItem[workerCpuStart[k]]
      workerNode[k] = cpuNode[first]
      floatingWorker[k] = w.floating ? 1 : 0
      if (w.floating) {
        let least = Number.POSITIVE_INFINITY
        for (let q = workerCpuStart[k]; q < workerCpuStart[k + 1]; q++) least = Math.min(least, capOfIndex[workerCpuItem[q]])
        workerCpuCap[k] = least
        workerShare[k] = 1
        idleCore[k] = 0
      } else {
        workerCpuCap[k] = capOfIndex[first]
        workerShare[k] = 1 / pinnedCount[first]
        idleCore[k] = pinnedCount[first] === 1 && coreBusy[cpuCore[first]] === occupied[first] ? 1 : 0
      }

      const note = w.notification
      noteKind[k] = NOTE_CODES[note.kind]
      spinBudget[k] = note.kind === 'spin' ? note.budgetS : 0
      timerPeriod[k] = note.kind === 'timer' ? note.periodS : 0
      timerRing[k] = note.kind === 'timer' ? note.ring : 0
      workerDevices[k] = w.devices.length
    }

    // Pinned workers that time-share a CPU, grouped by CPU in order of their first worker.
    let groups = 0
    groupOfCpu.fill(-1)
    for (let k = 0; k < nw; k++) {
      if (workers[k].floating) continue
      const c = workerCpuItem[workerCpuStart[k]]
      if (pinnedCount[c] >= 2 && groupOfCpu[c] < 0) groupOfCpu[c] = groups++
    }

    const groupStart = this.groupStart = i32Room(this.groupStart, groups + 1)
    const groupItem = this.groupItem = i32Room(this.groupItem, nw)
    groupStart.fill(0, 0, groups + 1)
    for (let k = 0; k < nw; k++) {
      if (!workers[k].floating && groupOfCpu[workerCpuItem[workerCpuStart[k]]] >= 0) groupStart[groupOfCpu[workerCpuItem[workerCpuStart[k]]] + 1]++
    }

    for (let g = 0; g < groups; g++) groupStart[g + 1] += groupStart[g]
    for (let k = 0, placed = 0; k < nw && placed < groupStart[groups]; k++) {
      if (workers[k].floating) continue
      const g = groupOfCpu[workerCpuItem[workerCpuStart[k]]]
      if (g < 0) continue
      groupItem[groupStart[g]++] = k
      placed++
    }

    for (let g = groups; g > 0; g--) groupStart[g] = groupStart[g - 1]
    groupStart[0] = 0
    this.groupCount = groups

    // Devices by worker.
    const {dWorker, refIndex, byWorkerItem} = this
    for (let k = 0; k < nw; k++) for (const ref of workers[k].devices) dWorker[refIndex.get(ref)!] = k
    const byWorkerStart = this.byWorkerStart = i32Room(this.byWorkerStart, nw + 1)
    byWorkerStart.fill(0, 0, nw + 1)
    for (let i = 0; i < n; i++) byWorkerStart[dWorker[i] + 1]++
    for (let k = 0; k < nw; k++) byWorkerStart[k + 1] += byWorkerStart[k]
    for (let i = 0; i < n; i++) byWorkerItem[byWorkerStart[dWorker[i]]++] = i
    for (let k = nw; k > 0; k--) byWorkerStart[k] = byWorkerStart[k - 1]
    byWorkerStart[0] = 0

    // Workers that run in their owners' cgroup: all their devices belong to VMs of one
    // cgroup (per-device workers, shared workers under same-cgroup sharing). One that
    // mixes cgroups is charged to none of them: the cgroup problem of shared workers (seed 001).
    const charged = this.charged = u8Room(this.charged, nw)
    const {dVm, cgroupId} = this
    for (let k = 0; k < nw; k++) {
      let path = -1
      let one = 1
      for (let q = byWorkerStart[k]; q < byWorkerStart[k + 1]; q++) {
        const p = cgroupId[dVm[byWorkerItem[q]]]
        if (path < 0) {
          path = p
        } else if (p !== path) {
          one = 0
          break
        }
      }

      charged[k] = path < 0 ? 0 : one
    }

    this.floatingLoad()
  }

  /** Floating workers: the vCPU load on their CPUs, as weights of each VM's load. */
  private floatingLoad(): void {
    const {nw, cpuStamp, capOfIndex, vmCap, vmSeen, sortScratch, vmCpuStart, vmCpuItem, vmsOnCpuStart, vmsOnCpuItem} = this
    const {workerCpuStart, workerCpuItem, floatingWorker} = this
    const floatStart = this.floatStart = i32Room(this.floatStart, nw + 1)
    let room = 0
    for (let k = 0; k < nw; k++) if (floatingWorker[k]) room += this.nv
    let floatVm = this.floatVm = i32Room(this.floatVm, Math.min(room, 4096))
    let floatWeight = this.floatWeight = f64Room(this.floatWeight, Math.min(room, 4096))
    let at = 0
    floatStart[0] = 0
    for (let k = 0; k < nw; k++) {
      if (floatingWorker[k]) {
        const stamp = ++this.stamp
        let total = 0
        for (let q = workerCpuStart[k]; q < workerCpuStart[k + 1]; q++) {
          const c = workerCpuItem[q]
          cpuStamp[c] = stamp
          total += capOfIndex[c]
        }

        // The VMs on those CPUs, each once, in VM order.
        let touched = 0
        for (let q = workerCpuStart[k]; q < workerCpuStart[k + 1]; q++) {
          const c = workerCpuItem[q]
          for (let r = vmsOnCpuStart[c]; r < vmsOnCpuStart[c + 1]; r++) {
            const v = vmsOnCpuItem[r]
            if (vmSeen[v] === stamp) continue
            vmSeen[v] = stamp
            sortScratch[touched++] = v
          }
        }

        sortPrefix(sortScratch, touched)
        if (at + touched > floatVm.length) {
          floatVm = this.floatVm = i32Keep(floatVm, 2 * (at + touched))
          floatWeight = this.floatWeight = f64Keep(floatWeight, 2 * (at + touched))
        }

        for (let t = 0; t < touched; t++) {
          const v = sortScratch[t]
          let inside = 0
          for (let q = vmCpuStart[v]; q < vmCpuStart[v + 1]; q++) {
            const c = vmCpuItem[q]
            if (cpuStamp[c] === stamp) inside += capOfIndex[c]
          }

          if (inside > 0) {
            floatVm[at] = v
            floatWeight[at] = inside / vmCap[v] / total
            at++
          }
        }
      }

      floatStart[k + 1] = at
    }
  }

  /** Each device's path through its worker's architecture, and the cache cost of a worker on another core. */
  private priceWorkers(layout: Layout): void {
    const {n, nv, dWorker, dVm, dIoNode, workerNode, vmNode, workerArch, floatingWorker, cal, numaTable, nodeCount} = this
    const {workerItem, guestItem, kickGuest, kickWorker, irqWorker, irqGuest, coalesce, irqLatency, onVcpu, lastPath} = this
    const {kickExits, irqExits} = this
    const interrupt = layout.interrupt
    for (let i = 0; i < n; i++) {
      const k = dWorker[i]
      const wn = workerNode[k]
      const ioNode = dIoNode[i]
      const vn = vmNode[dVm[i]]
      // Worker and device nodes are the host's; a VM's node is the layout's.
      const numaFactor = vn >= 0 && vn < nodeCount ? numaTable[(wn * nodeCount + vn) * (nodeCount + 1) + ioNode + 1]
        : this.numaFactor(wn, vn, ioNode)
      const floating = floatingWorker[k] === 1
      const last = lastPath[i]
      // The same path as in the layout before: the arrays below already hold its costs.
      if (last !== undefined && last.arch === workerArch[k] && last.interrupt === interrupt && last.numaFactor === numaFactor
        && last.floating === floating) continue
      const c = this.pathCosts(i, workerArch[k], interrupt, numaFactor, floating)
      workerItem[i] = c.workerItem
      guestItem[i] = c.guestItem
      kickGuest[i] = c.kickGuest
      kickWorker[i] = c.kickWorker
      irqWorker[i] = c.irqWorker
      irqGuest[i] = c.irqGuest
      coalesce[i] = c.coalesceWindowS
      irqLatency[i] = c.irqLatencyS
      kickExits[i] = c.kickExits
      irqExits[i] = c.irqExits
      onVcpu[i] = c.onVcpu ? 1 : 0
    }

    // Cache locality: a floating worker is woken next to the vCPU that kicked it (the
    // scheduler's wake-affine placement), so it shares that core's caches; a pinned worker
    // on another core pulls ring and buffer lines across on every item, and so does the guest.
    const {vmCpuStart, vmCpuItem, cpuCore, coreStamp, byVmStart, crossCore, workerCpuStart, workerCpuItem} = this
    const crossCycles = cal.crossCoreCycles
    for (let v = 0; v < nv; v++) {
      const stamp = ++this.stamp
      for (let q = vmCpuStart[v]; q < vmCpuStart[v + 1]; q++) coreStamp[cpuCore[vmCpuItem[q]]] = stamp
      for (let i = byVmStart[v]; i < byVmStart[v + 1]; i++) {
        const k = dWorker[i]
        crossCore[i] = floatingWorker[k] || coreStamp[cpuCore[workerCpuItem[workerCpuStart[k]]]] === stamp ? 0 : crossCycles
      }
    }

    // The cycles per item that do not depend on notifications or interrupts.
    const {per, workerBase, guestBase} = this
    for (let i = 0; i < this.n; i++) {
      workerBase[i] = per[i] * (workerItem[i] + crossCore[i])
      guestBase[i] = per[i] * (guestItem[i] + crossCore[i])
    }
  }

  /** Device i's path, priced once per architecture, interrupt mode, NUMA factor and floating; remembered as its last. */
  private pathCosts(i: number, arch: ArchitectureModel, interrupt: InterruptMode, numaFactor: number, floating: boolean): PathCosts {
    const device = this.devices[i]
    const known = this.knownPaths[i]
    let path: PricedPath | undefined
    for (const p of known) {
      if (p.arch === arch && p.interrupt === interrupt && p.numaFactor === numaFactor && p.floating === floating) {
        path = p
        break
      }
    }

    if (!path) {
      path = {arch, interrupt, numaFactor, floating, costs: arch.costs({device, calibration: this.cal, host: this.host, interrupt, numaFactor, floating})}
      known.push(path)
    }

    this.lastPath[i] = path
    return path.costs
  }

  // ------------------------------------------------------------ constraints

  /** The kind and resource of constraint row j, as users read it. */
  private rowName(j: number, layout: Layout): Limit {
    const kind = ROW_KINDS[this.rowKind[j]]
    if (j >= this.dynamicRows) return {kind, resource: this.fixedResource[j - this.dynamicRows]}
    const from = this.ownerStart[j]
    const to = this.ownerStart[j + 1]
    const vmsIn = this.ownerVms[j]
    if (this.rowKind[j] === ROW_QUOTA) return {kind, resource: this.cgroupOf[this.ownerItem[from]]}
    const names: string[] = []
    if (vmsIn === 0 && to > from) {
      for (let o = from; o < to; o++) names.push(layout.workers[this.ownerItem[o] - this.nv].id)
    } else {
      for (let o = from; o < from + vmsIn; o++) names.push(this.vms[this.ownerItem[o]].id)
    }

    return {kind, resource: names.join('+')}
  }

  // ------------------------------------------------------------ the fixed point

  /** The arrays the layout sizes that the kernel reads (INPUT_NAMES), as they are now. */
  private kernelInputs(): KernelArray[] {
    return INPUT_NAMES.map(name => this[name] as KernelArray)
  }

  /**
   * The constraint rows and the fixed point, in the kernel (kernel/solve.ts): `rows` finds
   * the CPU pools and builds the pool, quota, NIC and block rows; `solve` then iterates:
   * each iteration prices notifications, interrupts and caps, fills, and observes the
   * utilisations at the new rates, and latency follows; every quantity steps by a secant
   * step scaled by a trust that shrinks when the iterates stop improving. The arrays the
   * layout grew since `prepare` reach the kernel as copies; the kernel's own arrays stay in
   * its memory, and those the results read (rows, spin, worker cycles) are read there.
   */
  private solve(): number {
    const {kernel, nv, nw} = this
    const rows = 2 * nv + nw + this.fixedCount + 1
    let slots = 64
    while (slots < 2 * (nv + nw)) slots *= 2
    for (;;) {
      const {memberRoom, ownerRoom} = this
      // The slots stay as the last solve laid them out while the sizes and the arrays do.
      const last = this.laidOut
      let same = last !== undefined && last.nw === nw && last.memberRoom === memberRoom && last.ownerRoom === ownerRoom
      for (let q = 0; same && q < INPUT_NAMES.length; q++) same = this[INPUT_NAMES[q]] === last!.inputs[q]
      let inputs = same ? last!.inputs : this.kernelInputs()
      if (!same) {
        for (let q = 0; q < INPUT_SLOTS.length; q++) kernel.want(INPUT_SLOTS[q], inputs[q])
        for (const [slot, kind, size] of SCRATCH_SLOTS) {
          kernel.wantScratch(slot, kind, size === 'worker' ? nw : size === 'history' ? 2 * nw : size === 'row' ? rows
            : size === 'member' ? memberRoom : size === 'owner' ? ownerRoom : size === 'consumer' ? nv + nw : slots)
        }

        // When the memory grows, every adopted array is made anew: read them from `this` again.
        if (kernel.reserve()) inputs = this.kernelInputs()
        for (const [slot] of SCRATCH_SLOTS) kernel.scratch(slot)
        this.laidOut = {nw, memberRoom, ownerRoom, inputs}
      }

      for (let q = 0; q < INPUT_SLOTS.length; q++) kernel.input(INPUT_SLOTS[q], inputs[q])
      // The sizes that do not depend on the layout are in the table since `prepare`.
      const size = kernel.sizes
      size[SIZE.nw] = nw
      size[SIZE.groupCount] = this.groupCount
      size[SIZE.slotCount] = slots
      size[SIZE.memberRoom] = memberRoom
      size[SIZE.ownerRoom] = ownerRoom
      size[SIZE.stamp] = this.stamp
      if (kernel.rows() === 0) break
      // More memberships or owners than there was room for: twice the room, and again.
      this.stamp = size[SIZE.stamp]
      this.memberRoom = 2 * memberRoom
      this.ownerRoom = 2 * ownerRoom
    }

    const size = kernel.sizes
    this.stamp = size[SIZE.stamp]
    this.dynamicRows = size[SIZE.dynamicRows]
    this.rowKind = kernel.scratch(SLOT.rowKind)
    this.ownerStart = kernel.scratch(SLOT.ownerStart)
    this.ownerItem = kernel.scratch(SLOT.ownerItem)
    this.ownerVms = kernel.scratch(SLOT.ownerVms)
    this.spin = kernel.scratch(SLOT.spin)
    this.workerCycles = kernel.scratch(SLOT.workerCycles)
    return kernel.solve()
  }

  // ------------------------------------------------------------ results

  private results(layout: Layout, iterations: number): Evaluation {
    const {n, nv, nw, nCpu, host, vms, devices, kickExits, irqExits, onVcpu, x, pk, pirq, dVm, dWorker, bitsPerItem, limitRow, capKind, refs} = this
    const {meanLatency, p99Latency, workerCycles, workerCpuCap, noteKind, workerShare, spin, cpuLoad, polling, vmCap, vmLoad} = this
    const {vmCpuStart, vmCpuItem, capOfIndex, workerCpuStart, workerCpuItem, vmsOnCpuStart, vmsOnCpuItem} = this
    const {workersOnCpuStart, workersOnCpuItem, byVmStart, vmNode, sloRateFloor, sloMaxP99} = this
    const workers = layout.workers
    const names: (Limit | undefined)[] = []
    const limitOf = (i: number): Limit => {
      const j = limitRow[i]
      if (j >= 0) {
        const name = names[j] ??= this.rowName(j, layout)
        return {kind: name.kind, resource: name.resource}
      }

      const kind = (devices[i].kind === 'block' ? BLOCK_CAP_KINDS : NET_CAP_KINDS)[capKind[i]]
      return {kind, resource: kind === 'vcpu' ? vms[dVm[i]].id : refs[i]}
    }

    const deviceResults: DeviceResult[] = []
    for (let i = 0; i < n; i++) {
      const rate = x[i]
      const d = devices[i]
      const bytes = d.kind === 'block' ? rate * d.sizeBytes : rate * bitsPerItem[i] / 8
      const exits = rate * (pk[i] * kickExits[i] + pirq[i] * irqExits[i])
      const interrupts = rate * pirq[i]
      deviceResults.push({
        vm: vms[dVm[i]].id,
        device: d.id,
        kind: d.kind,
        pattern: d.pattern,
        worker: workers[dWorker[i]].id,
        offered: d.offered,
        rate,
        bitsPerS: bytes * 8,
        bytesPerS: bytes,
        limit: limitOf(i),
        exitsPerS: exits,
        interruptsPerS: interrupts,
        wakeupsPerS: onVcpu[i] ? 0 : rate * pk[i],
        kicksPerS: rate * pk[i] * (kickExits[i] > 0 ? 1 : 0),
        meanLatencyS: meanLatency[i],
        p99LatencyS: p99Latency[i],
      })
    }

    const workerResults: WorkerResult[] = []
    for (let k = 0; k < nw; k++) {
      const w = workers[k]
      // Fractions of one of the worker's CPUs: the time it runs (busy), plus spinning.
      const busy = Math.min(1, workerCycles[k] / workerCpuCap[k])
      const utilisation = noteKind[k] === NOTE_POLL ? Math.max(workerShare[k], busy) : Math.min(1, busy + spin[k])
      workerResults.push({
        id: w.id,
        architecture: w.architecture,
        notification: w.notification,
        cpus: w.cpus,
        floating: w.floating,
        devices: w.devices,
        utilisation,
        busy,
        idleSpinShare: utilisation > 0 ? Math.max(0, (utilisation - busy) / utilisation) : 0,
      })
    }

    // A guest poll-mode driver spins on its vCPUs whatever the load.
    cpuLoad.fill(0)
    for (let v = 0; v < nv; v++) {
      const load = polling[v] ? vmCap[v] : vmLoad[v]
      for (let q = vmCpuStart[v]; q < vmCpuStart[v + 1]; q++) {
        const c = vmCpuItem[q]
        cpuLoad[c] += load * capOfIndex[c] / vmCap[v]
      }
    }

    for (let k = 0; k < nw; k++) {
      const cycles = noteKind[k] === NOTE_POLL ? workerShare[k] * workerCpuCap[k] : workerCycles[k] + spin[k] * workerCpuCap[k]
      let total = 0
      for (let q = workerCpuStart[k]; q < workerCpuStart[k + 1]; q++) total += capOfIndex[workerCpuItem[q]]
      for (let q = workerCpuStart[k]; q < workerCpuStart[k + 1]; q++) {
        const c = workerCpuItem[q]
        cpuLoad[c] += cycles * capOfIndex[c] / total
      }
    }

    const cpuResults: CpuResult[] = []
    for (let c = 0; c < nCpu; c++) {
      const cpu = host.cpus[c]
      const role = layout.roles[cpu.id] ?? 'idle'
      const onVms: string[] = []
      for (let r = vmsOnCpuStart[c]; r < vmsOnCpuStart[c + 1]; r++) onVms.push(vms[vmsOnCpuItem[r]].id)
      const onWorkers: string[] = []
      for (let r = workersOnCpuStart[c]; r < workersOnCpuStart[c + 1]; r++) onWorkers.push(workers[workersOnCpuItem[r]].id)
      cpuResults.push({
        id: cpu.id,
        node: cpu.node,
        role,
        utilisation: Math.min(1, cpuLoad[c] / capOfIndex[c]),
        vms: onVms,
        workers: onWorkers,
      })
    }

    const vmResults: VmResult[] = []
    for (let v = 0; v < nv; v++) {
      const vm = vms[v]
      const slo = vm.type.slo
      const violations: string[] = []
      let vmNet = 0
      let vmBlockBytes = 0
      let vmIops = 0
      let p99 = 0
      for (let i = byVmStart[v]; i < byVmStart[v + 1]; i++) {
        const d = deviceResults[i]
        if (d.kind === 'net') {
          vmNet += d.bitsPerS
        } else {
          vmBlockBytes += d.bytesPerS
          vmIops += d.rate
        }

        p99 = Math.max(p99, d.p99LatencyS)
        // A rate below the SLO's floor, a p99 above its bound: as the totals count them.
        if (d.rate < sloRateFloor[i]) {
          violations.push(`${d.device}: ${(100 * d.rate / d.offered).toFixed(1)}% of offered load, below ${(100 * slo.minFraction).toFixed(1)}%`)
        }

        if (d.p99LatencyS > sloMaxP99[i]) {
          violations.push(`${d.device}: p99 ${(d.p99LatencyS * 1e6).toFixed(1)} us above ${(slo.maxP99S! * 1e6).toFixed(1)} us`)
        }
      }

      vmResults.push({
        id: vm.id,
        type: vm.type.name,
        node: vmNode[v],
        netBps: vmNet,
        blockBytesPerS: vmBlockBytes,
        iops: vmIops,
        p99LatencyS: p99,
        vcpuUtilisation: polling[v] ? 1 : Math.min(1, vmLoad[v] / vmCap[v]),
        sloMet: violations.length === 0,
        violations,
      })
    }

    return {
      host: host.model,
      calibration: this.cal.name,
      devices: deviceResults,
      workers: workerResults,
      cpus: cpuResults,
      vms: vmResults,
      totals: this.totals(layout),
      iterations,
    }
  }

  /**
   * The host's totals, from the arrays: the same sums, in the same order, as the device and
   * VM results give (so `assess` and `evaluate` agree to the last bit).
   */
  private totals(layout: Layout): HostTotals {
    const {n, nv, nw, nCpu, host, kickExits, irqExits, x, pk, pirq, bitsPerItem, p99Latency, byVmStart} = this
    const {workerCpuStart, workerCpuItem, floatingWorker, floatingOn, netDevice, sizeBytes, sloRateFloor, sloMaxP99} = this
    let exitsPerS = 0
    let interruptsPerS = 0
    for (let i = 0; i < n; i++) {
      exitsPerS += x[i] * (pk[i] * kickExits[i] + pirq[i] * irqExits[i])
      interruptsPerS += x[i] * pirq[i]
    }

    let netBps = 0
    let blockBytesPerS = 0
    let iops = 0
    let sloViolations = 0
    for (let v = 0; v < nv; v++) {
      let vmNet = 0
      let vmBlockBytes = 0
      let vmIops = 0
      for (let i = byVmStart[v]; i < byVmStart[v + 1]; i++) {
        const rate = x[i]
        if (netDevice[i]) {
          vmNet += rate * bitsPerItem[i] / 8 * 8
        } else {
          vmBlockBytes += rate * sizeBytes[i]
          vmIops += rate
        }

        // As the VM results count them (`results`), from floors and bounds worked out once.
        if (rate < sloRateFloor[i]) sloViolations++
        if (p99Latency[i] > sloMaxP99[i]) sloViolations++
      }

      netBps += vmNet
      blockBytesPerS += vmBlockBytes
      iops += vmIops
    }

    // Idle CPUs that floating workers may run on are not free either.
    floatingOn.fill(0)
    for (let k = 0; k < nw; k++) {
      if (floatingWorker[k]) for (let q = workerCpuStart[k]; q < workerCpuStart[k + 1]; q++) floatingOn[workerCpuItem[q]] = 1
    }

    let cpusAllocated = 0
    for (let c = 0; c < nCpu; c++) {
      if ((layout.roles[host.cpus[c].id] ?? 'idle') !== 'idle' || floatingOn[c]) cpusAllocated++
    }

    const deliveredBps = netBps + 8 * blockBytesPerS
    const cpusHost = nCpu
    return {
      netBps,
      blockBytesPerS,
      iops,
      deliveredBps,
      cpusHost,
      cpusAllocated,
      bpsPerCpuHost: deliveredBps / cpusHost,
      bpsPerCpuAllocated: cpusAllocated > 0 ? deliveredBps / cpusAllocated : 0,
      exitsPerS,
      interruptsPerS,
      sloViolations,
    }
  }
}
