/**
 * The model's inner loops (see ../evaluate.ts and docs/model.md sections 7 and 8), in
 * AssemblyScript, compiled to WebAssembly by `npm run build` (scripts/build-kernel.ts).
 *
 * `HostEvaluator` lays a layout out in typed arrays that live in this module's memory and
 * calls `rows`, which finds the CPU pools and builds the constraint rows, then `solve`,
 * which runs the fixed point: notifications, interrupts and caps (`price`), the
 * progressive filling (`fill`), the utilisations seen at the new rates (`observe`) and
 * latency, until the iterates settle. The same loops took 2 to 3 times as long in
 * JavaScript: V8 checks the bounds of each typed array it reads, and `price` alone reads
 * about forty per device. While `solve` runs, each device's figures sit together in one
 * record (see "device records" below), which WebAssembly reads at fixed offsets.
 *
 * The arrays are named by slots in a table of byte offsets (`bind`); the sizes and the
 * calibration's constants follow the offsets. scripts/build-kernel.ts reads the slots'
 * order from `bind` into the generated module, and ../kernel.ts fills the table by those
 * names: the evaluator's arrays go by their property names. Sizes and constants are
 * placed by SIZE and CONSTANTS in ../kernel.ts, which must follow `bind`.
 */

// ---------------------------------------------------------------- memory access

@inline function F(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)) }
@inline function setF(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v) }
@inline function I(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)) }
@inline function setI(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v) }
@inline function B(p: usize, i: i32): i32 { return <i32>load<u8>(p + <usize>i) }
@inline function setB(p: usize, i: i32, v: i32): void { store<u8>(p + <usize>i, <u8>v) }
@inline function fillF(p: usize, count: i32, v: f64): void { for (let i = 0; i < count; i++) setF(p, i, v) }

/**
 * The larger and the smaller of two numbers, as a compare and a select. WebAssembly's
 * `f64.max` and `f64.min` (what `Math.max` and `Math.min` compile to) also order -0 below
 * +0 and pass NaN on, which V8 does with branches on every call; the model's figures are
 * never NaN where these are used, and a zero's sign changes nothing it computes.
 */
@inline function larger(a: f64, b: f64): f64 { return a > b ? a : b }
@inline function smaller(a: f64, b: f64): f64 { return a < b ? a : b }

/** Queue depth assumed when a worker is saturated: a full virtqueue. */
const RING_ITEMS: f64 = 256
// Codes of notification policies and row kinds, as ../evaluate.ts writes them.
const NOTE_KICK = 0
const NOTE_SPIN = 1
const NOTE_POLL = 2
const NOTE_TIMER = 3
const ROW_VCPU = 0
const ROW_WORKER = 1
const ROW_QUOTA = 2

// ---------------------------------------------------------------- the table

// Devices (n): in
let dWorker: usize = 0, dVm: usize = 0, dBlock: usize = 0, sources: usize = 0, batch: usize = 0, onVcpu: usize = 0
let coalesce: usize = 0, workerBase: usize = 0, guestBase: usize = 0, kickWorker: usize = 0, irqWorker: usize = 0
let kickGuest: usize = 0, irqGuest: usize = 0, offered: usize = 0, closedLoop: usize = 0, queueDepth: usize = 0
let per: usize = 0, guestItem: usize = 0, sizeBytes: usize = 0, rxStream: usize = 0, bitsPerItem: usize = 0
let degree: usize = 0, irqLatency: usize = 0, fixedRtt: usize = 0, closedDevices: usize = 0
// Devices (n): out and scratch
let x: usize = 0, pk: usize = 0, pirq: usize = 0, meanLatency: usize = 0, p99Latency: usize = 0, capKind: usize = 0
let limitRow: usize = 0, level: usize = 0, order: usize = 0, active: usize = 0, frozen: usize = 0, inLive: usize = 0
let deviceRecords: usize = 0
// VMs (nv)
let vmOneCpu: usize = 0, vmEventBusy: usize = 0, vmIrqRate: usize = 0, vmDemand: usize = 0, quotaDemand: usize = 0
let vmLoad: usize = 0, eventCycles: usize = 0, historyEvent: usize = 0, vmCoalesces: usize = 0
// Block devices (nb)
let blockLoad: usize = 0, blockBytes: usize = 0, blockMaxIops: usize = 0, blockMaxBytes: usize = 0, blockServiceS: usize = 0
let blockTime: usize = 0
// Workers (nw)
let noteKind: usize = 0, spinBudget: usize = 0, timerPeriod: usize = 0, timerRing: usize = 0, workerCpuCap: usize = 0
let floatingWorker: usize = 0, charged: usize = 0, workerDevices: usize = 0, idleCore: usize = 0, floatStart: usize = 0
let floatVm: usize = 0, floatWeight: usize = 0, groupStart: usize = 0, groupItem: usize = 0
let U: usize = 0, prevU: usize = 0, spin: usize = 0, lambda: usize = 0, floatBusy: usize = 0, workerCycles: usize = 0
let workerDemand: usize = 0, workerItems: usize = 0, workerService: usize = 0, workerWait: usize = 0, spinMiss: usize = 0
let workerWake: usize = 0, workerWaitP99: usize = 0, historyU: usize = 0, historyLambda: usize = 0, historyFloat: usize = 0
// Constraint rows (nc) and memberships
let rowStart: usize = 0, rowCapacity: usize = 0, rowKind: usize = 0, ownerStart: usize = 0, ownerItem: usize = 0
let conMember: usize = 0, conGuest: usize = 0, conWorker: usize = 0, conFixed: usize = 0, byDevice: usize = 0
let byDeviceRow: usize = 0, coef: usize = 0, coefPerBit: usize = 0, fixedCoef: usize = 0, fixedCoefPerBit: usize = 0
let used: usize = 0, slope: usize = 0, hit: usize = 0, dirty: usize = 0, inert: usize = 0, activeIn: usize = 0
let binding: usize = 0, live: usize = 0, ownerVms: usize = 0
// Building the rows: CPUs, consumers (VMs and workers) by CPU and CPUs by consumer, marks, pools
let cpuStamp: usize = 0, capOfIndex: usize = 0, vmCpuStart: usize = 0, vmCpuItem: usize = 0, workerCpuStart: usize = 0
let workerCpuItem: usize = 0, vmsOnCpuStart: usize = 0, vmsOnCpuItem: usize = 0, workersOnCpuStart: usize = 0
let workersOnCpuItem: usize = 0, vmSeen: usize = 0, workerSeen: usize = 0, deviceStamp: usize = 0, gCoef: usize = 0
let wCoef: usize = 0, sortScratch: usize = 0, byVmStart: usize = 0, byWorkerStart: usize = 0, byWorkerItem: usize = 0
let quotaCpus: usize = 0, fixedKind: usize = 0, fixedCapacity: usize = 0, fixedStart: usize = 0, fixedMember: usize = 0
let poolOf: usize = 0, poolHash: usize = 0, slotPool: usize = 0, slotStamp: usize = 0
// Sizes
let n = 0, nv = 0, nw = 0, nc = 0, nb = 0, dynamicRows = 0, fixedFrom = 0, fixedLength = 0, groupCount = 0
let closedCount = 0, maxIterations = 0, fixedCount = 0, slotCount = 0, memberRoom = 0, ownerRoom = 0, stamp = 0
// Constants
let tolerance: f64 = 0, irqBatch: f64 = 0, timerSlackS: f64 = 0, contextSwitchCycles: f64 = 0, guestIrqCycles: f64 = 0
let pollPassCycles: f64 = 0, wakeupLatencyS: f64 = 0, schedDelayS: f64 = 0, idleExitLatencyS: f64 = 0, frequency: f64 = 0

let residual: f64 = 0
/** Devices whose cap `price` found above 0: those `fill` has to freeze. */
let openDevices = 0

/** Number of array slots; sizes (i32) and constants (f64) follow them in the table. */
export const SLOTS = 150
/** Room for sizes in the table (i32): n, nv, nw, nc, nb, dynamicRows, fixedFrom, fixedLength, groupCount, closedCount, maxIterations, fixedCount, slotCount, memberRoom, ownerRoom, stamp, and spare ones. */
export const SIZES = 24

@inline function slot(t: usize, k: i32): usize { return <usize>load<u32>(t + (<usize>k << 2)) }

/** Reads the table at `t`: the arrays' offsets, then the sizes, then the constants. */
function bind(t: usize): void {
  let k = 0
  dWorker = slot(t, k++); dVm = slot(t, k++); dBlock = slot(t, k++); sources = slot(t, k++); batch = slot(t, k++)
  onVcpu = slot(t, k++); coalesce = slot(t, k++); workerBase = slot(t, k++); guestBase = slot(t, k++)
  kickWorker = slot(t, k++); irqWorker = slot(t, k++); kickGuest = slot(t, k++); irqGuest = slot(t, k++)
  offered = slot(t, k++); closedLoop = slot(t, k++); queueDepth = slot(t, k++); per = slot(t, k++)
  guestItem = slot(t, k++); sizeBytes = slot(t, k++); rxStream = slot(t, k++); bitsPerItem = slot(t, k++)
  degree = slot(t, k++); irqLatency = slot(t, k++); fixedRtt = slot(t, k++); closedDevices = slot(t, k++)
  x = slot(t, k++); pk = slot(t, k++); pirq = slot(t, k++); meanLatency = slot(t, k++); p99Latency = slot(t, k++)
  capKind = slot(t, k++); limitRow = slot(t, k++); level = slot(t, k++); order = slot(t, k++); active = slot(t, k++)
  frozen = slot(t, k++); inLive = slot(t, k++); deviceRecords = slot(t, k++)
  vmOneCpu = slot(t, k++); vmEventBusy = slot(t, k++); vmIrqRate = slot(t, k++); vmDemand = slot(t, k++)
  quotaDemand = slot(t, k++); vmLoad = slot(t, k++); eventCycles = slot(t, k++); historyEvent = slot(t, k++)
  vmCoalesces = slot(t, k++)
  blockLoad = slot(t, k++); blockBytes = slot(t, k++); blockMaxIops = slot(t, k++); blockMaxBytes = slot(t, k++)
  blockServiceS = slot(t, k++); blockTime = slot(t, k++)
  noteKind = slot(t, k++); spinBudget = slot(t, k++); timerPeriod = slot(t, k++); timerRing = slot(t, k++)
  workerCpuCap = slot(t, k++); floatingWorker = slot(t, k++); charged = slot(t, k++); workerDevices = slot(t, k++)
  idleCore = slot(t, k++); floatStart = slot(t, k++); floatVm = slot(t, k++); floatWeight = slot(t, k++)
  groupStart = slot(t, k++); groupItem = slot(t, k++)
  U = slot(t, k++); prevU = slot(t, k++); spin = slot(t, k++); lambda = slot(t, k++); floatBusy = slot(t, k++)
  workerCycles = slot(t, k++); workerDemand = slot(t, k++); workerItems = slot(t, k++); workerService = slot(t, k++)
  workerWait = slot(t, k++); spinMiss = slot(t, k++); workerWake = slot(t, k++); workerWaitP99 = slot(t, k++); historyU = slot(t, k++)
  historyLambda = slot(t, k++); historyFloat = slot(t, k++)
  rowStart = slot(t, k++); rowCapacity = slot(t, k++); rowKind = slot(t, k++); ownerStart = slot(t, k++)
  ownerItem = slot(t, k++); conMember = slot(t, k++); conGuest = slot(t, k++); conWorker = slot(t, k++)
  conFixed = slot(t, k++); byDevice = slot(t, k++); byDeviceRow = slot(t, k++); coef = slot(t, k++)
  coefPerBit = slot(t, k++); fixedCoef = slot(t, k++); fixedCoefPerBit = slot(t, k++); used = slot(t, k++)
  slope = slot(t, k++); hit = slot(t, k++); dirty = slot(t, k++); inert = slot(t, k++); activeIn = slot(t, k++)
  binding = slot(t, k++); live = slot(t, k++); ownerVms = slot(t, k++)
  cpuStamp = slot(t, k++); capOfIndex = slot(t, k++); vmCpuStart = slot(t, k++); vmCpuItem = slot(t, k++)
  workerCpuStart = slot(t, k++); workerCpuItem = slot(t, k++); vmsOnCpuStart = slot(t, k++); vmsOnCpuItem = slot(t, k++)
  workersOnCpuStart = slot(t, k++); workersOnCpuItem = slot(t, k++); vmSeen = slot(t, k++); workerSeen = slot(t, k++)
  deviceStamp = slot(t, k++); gCoef = slot(t, k++); wCoef = slot(t, k++); sortScratch = slot(t, k++)
  byVmStart = slot(t, k++); byWorkerStart = slot(t, k++); byWorkerItem = slot(t, k++); quotaCpus = slot(t, k++)
  fixedKind = slot(t, k++); fixedCapacity = slot(t, k++); fixedStart = slot(t, k++); fixedMember = slot(t, k++)
  poolOf = slot(t, k++); poolHash = slot(t, k++); slotPool = slot(t, k++); slotStamp = slot(t, k++)
  assert(k <= SLOTS)
  const s = t + (<usize>SLOTS << 2)
  n = I(s, 0); nv = I(s, 1); nw = I(s, 2); nc = I(s, 3); nb = I(s, 4); dynamicRows = I(s, 5); fixedFrom = I(s, 6)
  fixedLength = I(s, 7); groupCount = I(s, 8); closedCount = I(s, 9); maxIterations = I(s, 10); fixedCount = I(s, 11)
  slotCount = I(s, 12); memberRoom = I(s, 13); ownerRoom = I(s, 14); stamp = I(s, 15)
  const c = s + (<usize>SIZES << 2)
  tolerance = F(c, 0); irqBatch = F(c, 1); timerSlackS = F(c, 2); contextSwitchCycles = F(c, 3); guestIrqCycles = F(c, 4)
  pollPassCycles = F(c, 5); wakeupLatencyS = F(c, 6); schedDelayS = F(c, 7); idleExitLatencyS = F(c, 8); frequency = F(c, 9)
}

/** Writes back to the table what `rows` found: the rows, where the dynamic ones end, and the last mark used. */
function unbind(t: usize): void {
  const s = t + (<usize>SLOTS << 2)
  setI(s, 3, nc)
  setI(s, 5, dynamicRows)
  setI(s, 6, fixedFrom)
  setI(s, 15, stamp)
}

// ---------------------------------------------------------------- device records

// While `solve` runs, each device's figures sit together in one record, by these byte
// offsets, rather than in one array per figure: a figure is then read in one instruction
// at a fixed offset from the record, where an array costs its base (a global) and an index
// computation too, and `price` and `observe` read some twenty figures per device.
// `gather` fills the records from the evaluator's arrays; `scatter` writes back what it reads.
// What the layout gave (copied in by `gather`):
const D_SOURCES = 0, D_BATCH = 8, D_COALESCE = 16, D_WORKER_BASE = 24, D_GUEST_BASE = 32, D_KICK_WORKER = 40
const D_IRQ_WORKER = 48, D_KICK_GUEST = 56, D_IRQ_GUEST = 64, D_OFFERED = 72, D_QUEUE_DEPTH = 80, D_PER = 88
const D_GUEST_ITEM = 96, D_SIZE_BYTES = 104, D_BITS_PER_ITEM = 112, D_IRQ_LATENCY = 120, D_FIXED_RTT = 128
// What the iteration computes: rate, NAPI share, kicks and interrupts per item, cycles per
// item on the worker and the guest, mean latency, latency cap, own cap, the last points of
// the latency cap and the NAPI share (for `relax`), and the outputs of the iteration before.
const D_X = 136, D_RHO_NAPI = 144, D_PK = 152, D_PIRQ = 160, D_CW = 168, D_CG = 176, D_MEAN_LATENCY = 184
const D_LATENCY_CAP = 192, D_CAP_X = 200, D_LATENCY_CAP_S = 208, D_LATENCY_CAP_T = 216, D_NAPI_S = 224, D_NAPI_T = 232
const D_PREV_X = 240, D_PREV_PK = 248, D_PREV_PIRQ = 256
// Worker, VM and block device (i32), and flags (u8): work on the vCPU, closed loop, received stream.
const D_WORKER = 264, D_VM = 268, D_BLOCK = 272, D_ON_VCPU = 276, D_CLOSED = 277, D_RX_STREAM = 278
// Whether the device's VM holds off interrupts (see `price`): then its event and interrupt load are observed.
const D_VM_COALESCES = 279
/** Bytes per record (a multiple of 8). */
const RECORD: usize = 280

@inline function record(i: i32): usize { return deviceRecords + <usize>i * RECORD }

/** Bytes per device record: the evaluator makes room for n of them in the `deviceRecords` slot. */
export function deviceRecordBytes(): i32 {
  return <i32>RECORD
}

/** The records at the start of a solve: the layout's figures, and the iteration's from zero. */
function gather(): void {
  for (let v = 0; v < nv; v++) setB(vmCoalesces, v, 0)
  for (let i = 0; i < n; i++) if (F(coalesce, i) > 0) setB(vmCoalesces, I(dVm, i), 1)
  for (let i = 0; i < n; i++) {
    const r = record(i)
    store<f64>(r, F(sources, i), D_SOURCES)
    store<f64>(r, F(batch, i), D_BATCH)
    store<f64>(r, F(coalesce, i), D_COALESCE)
    store<f64>(r, F(workerBase, i), D_WORKER_BASE)
    store<f64>(r, F(guestBase, i), D_GUEST_BASE)
    store<f64>(r, F(kickWorker, i), D_KICK_WORKER)
    store<f64>(r, F(irqWorker, i), D_IRQ_WORKER)
    store<f64>(r, F(kickGuest, i), D_KICK_GUEST)
    store<f64>(r, F(irqGuest, i), D_IRQ_GUEST)
    store<f64>(r, F(offered, i), D_OFFERED)
    store<f64>(r, F(queueDepth, i), D_QUEUE_DEPTH)
    store<f64>(r, F(per, i), D_PER)
    store<f64>(r, F(guestItem, i), D_GUEST_ITEM)
    store<f64>(r, F(sizeBytes, i), D_SIZE_BYTES)
    store<f64>(r, F(bitsPerItem, i), D_BITS_PER_ITEM)
    store<f64>(r, F(irqLatency, i), D_IRQ_LATENCY)
    store<f64>(r, F(fixedRtt, i), D_FIXED_RTT)
    store<f64>(r, 0, D_X)
    store<f64>(r, 0, D_RHO_NAPI)
    store<f64>(r, 0, D_PK)
    store<f64>(r, 0, D_PIRQ)
    store<f64>(r, 0, D_CW)
    store<f64>(r, 0, D_CG)
    store<f64>(r, 0, D_MEAN_LATENCY)
    store<f64>(r, Infinity, D_LATENCY_CAP)
    store<f64>(r, 0, D_CAP_X)
    store<f64>(r, NaN, D_LATENCY_CAP_S)
    store<f64>(r, NaN, D_LATENCY_CAP_T)
    store<f64>(r, NaN, D_NAPI_S)
    store<f64>(r, NaN, D_NAPI_T)
    store<f64>(r, 0, D_PREV_X)
    store<f64>(r, 0, D_PREV_PK)
    store<f64>(r, 0, D_PREV_PIRQ)
    store<i32>(r, I(dWorker, i), D_WORKER)
    store<i32>(r, I(dVm, i), D_VM)
    store<i32>(r, I(dBlock, i), D_BLOCK)
    store<u8>(r, <u8>B(onVcpu, i), D_ON_VCPU)
    store<u8>(r, <u8>B(closedLoop, i), D_CLOSED)
    store<u8>(r, <u8>B(rxStream, i), D_RX_STREAM)
    store<u8>(r, <u8>B(vmCoalesces, I(dVm, i)), D_VM_COALESCES)
  }
}

/** The figures the evaluator reads, from the records into its arrays. */
function scatter(): void {
  for (let i = 0; i < n; i++) {
    const r = record(i)
    setF(x, i, load<f64>(r, D_X))
    setF(pk, i, load<f64>(r, D_PK))
    setF(pirq, i, load<f64>(r, D_PIRQ))
    setF(meanLatency, i, load<f64>(r, D_MEAN_LATENCY))
  }
}

// ---------------------------------------------------------------- CPU pools and constraint rows

/** The first item of consumer u's CPU list (VMs, then workers as nv + k), its end and its list. */
@inline function consumerFrom(u: i32): i32 { return u < nv ? I(vmCpuStart, u) : I(workerCpuStart, u - nv) }
@inline function consumerTo(u: i32): i32 { return u < nv ? I(vmCpuStart, u + 1) : I(workerCpuStart, u - nv + 1) }
@inline function consumerItems(u: i32): usize { return u < nv ? vmCpuItem : workerCpuItem }

/** Do consumers a and b use the same set of CPUs? */
function sameSet(a: i32, b: i32): bool {
  const ia = consumerItems(a)
  const ib = consumerItems(b)
  const mark = ++stamp
  let size = 0
  for (let q = consumerFrom(a), to = consumerTo(a); q < to; q++) {
    const c = I(ia, q)
    if (I(cpuStamp, c) != mark) size++
    setI(cpuStamp, c, mark)
  }

  let other = 0
  for (let q = consumerFrom(b), to = consumerTo(b); q < to; q++) {
    const c = I(ib, q)
    const s = I(cpuStamp, c)
    if (s != mark && s != -mark) return false
    if (s == mark) other++
    setI(cpuStamp, c, -mark)
  }

  return other == size
}

/**
 * CPU pools: every distinct CPU set used by a VM or a worker, found by a hash of its CPUs
 * and checked CPU by CPU. A pool keeps the last consumer with that set; pools are numbered
 * in the order their sets first occur. How many there are.
 */
function buildPools(): i32 {
  const consumers = nv + nw
  const mask = slotCount - 1
  const taken = ++stamp
  let pools = 0
  for (let u = 0; u < consumers; u++) {
    const item = consumerItems(u)
    let hash = 0
    const mark = ++stamp
    for (let q = consumerFrom(u), to = consumerTo(u); q < to; q++) {
      const c = I(item, q)
      if (I(cpuStamp, c) == mark) continue
      setI(cpuStamp, c, mark)
      hash = (hash + (c + 1) * <i32>0x9E3779B1) ^ <i32>(<i64>c * 0x85EBCA6B)
    }

    // Sets are distinct across pools, so at most one pool matches.
    let slot = hash & mask
    let found = -1
    while (I(slotStamp, slot) == taken) {
      const p = I(slotPool, slot)
      if (I(poolHash, p) == hash && sameSet(I(poolOf, p), u)) {
        found = p
        break
      }

      slot = (slot + 1) & mask
    }

    if (found >= 0) {
      setI(poolOf, found, u)
      continue
    }

    setI(poolOf, pools, u)
    setI(poolHash, pools, hash)
    setI(slotStamp, slot, taken)
    setI(slotPool, slot, pools)
    pools++
  }

  return pools
}

/**
 * The consumers (VMs or workers) on a pool's CPUs, `pool[from..to)`, whose own CPUs all
 * carry the pool's stamp, each looked at once: written to `ownerItem` from `at` on, as their
 * index plus `offset`, in the order met. How many there are.
 */
function consumersInside(
  pool: usize, from: i32, to: i32, onCpuStart: usize, onCpuItem: usize, cpuStart: usize, cpuItem: usize, seen: usize,
  mark: i32, at: i32, offset: i32,
): i32 {
  let count = 0
  for (let q = from; q < to; q++) {
    const c = I(pool, q)
    for (let r = I(onCpuStart, c); r < I(onCpuStart, c + 1); r++) {
      const u = I(onCpuItem, r)
      if (I(seen, u) == mark) continue
      setI(seen, u, mark)
      let inside = true
      for (let s = I(cpuStart, u); s < I(cpuStart, u + 1); s++) {
        if (I(cpuStamp, I(cpuItem, s)) != mark) {
          inside = false
          break
        }
      }

      if (inside) setI(ownerItem, at + count++, u + offset)
    }
  }

  return count
}

/** Sorts the first `count` entries of `a` (device or VM indices) in ascending order. */
function sortPrefix(a: usize, count: i32): void {
  // Shell sort (Ciura's gaps); insertion sort for the short lists most pools have.
  let gap = count < 24 ? 1 : count < 60 ? 10 : count < 140 ? 23 : count < 320 ? 57 : count < 720 ? 132 : 301
  while (true) {
    for (let p = gap; p < count; p++) {
      const value = I(a, p)
      let q = p - gap
      while (q >= 0 && I(a, q) > value) {
        setI(a, q + gap, I(a, q))
        q -= gap
      }

      setI(a, q + gap, value)
    }

    if (gap == 1) break
    gap = gap == 301 ? 132 : gap == 132 ? 57 : gap == 57 ? 23 : gap == 23 ? 10 : gap == 10 ? 4 : 1
  }
}

/**
 * Constraint rows: one per CPU pool (its members are the consumers whose CPUs all lie
 * inside it, a Hall-type condition on the sets that occur), one per cgroup quota, then
 * the NIC and block rows; and each device's memberships, for the filling's updates.
 * 0 when done; 1 when the rows need more room than `memberRoom` memberships or
 * `ownerRoom` owners (nothing is usable then: the caller makes room and calls again).
 * Either way the last mark used goes back to the table.
 */
export function rows(t: usize): i32 {
  bind(t)
  const status = buildRows()
  unbind(t)
  return status
}

function buildRows(): i32 {
  const pools = buildPools()
  let rowCount = 0
  let members = 0
  let owners = 0
  setI(rowStart, 0, 0)
  setI(ownerStart, 0, 0)
  for (let p = 0; p < pools; p++) {
    const u = I(poolOf, p)
    const item = consumerItems(u)
    const from = consumerFrom(u)
    const to = consumerTo(u)
    const mark = ++stamp
    for (let q = from; q < to; q++) setI(cpuStamp, I(item, q), mark)
    if (owners + nv + nw > ownerRoom) return 1
    let capacity: f64 = 0
    for (let q = from; q < to; q++) capacity += F(capOfIndex, I(item, q))
    const vmsIn = consumersInside(item, from, to, vmsOnCpuStart, vmsOnCpuItem, vmCpuStart, vmCpuItem, vmSeen, mark, owners, 0)
    const workersIn = consumersInside(
      item, from, to, workersOnCpuStart, workersOnCpuItem, workerCpuStart, workerCpuItem, workerSeen, mark, owners + vmsIn, nv,
    )

    // The devices of those VMs (guest work) and workers (worker work), in device order.
    const deviceMark = ++stamp
    let touched = 0
    for (let o = owners; o < owners + vmsIn; o++) {
      const v = I(ownerItem, o)
      for (let i = I(byVmStart, v); i < I(byVmStart, v + 1); i++) {
        if (I(deviceStamp, i) != deviceMark) {
          setI(deviceStamp, i, deviceMark)
          setF(wCoef, i, 0)
          setI(sortScratch, touched++, i)
        }

        setF(gCoef, i, 1)
      }
    }

    for (let o = owners + vmsIn; o < owners + vmsIn + workersIn; o++) {
      const k = I(ownerItem, o) - nv
      for (let q = I(byWorkerStart, k); q < I(byWorkerStart, k + 1); q++) {
        const i = I(byWorkerItem, q)
        if (I(deviceStamp, i) != deviceMark) {
          setI(deviceStamp, i, deviceMark)
          setF(gCoef, i, 0)
          setI(sortScratch, touched++, i)
        }

        setF(wCoef, i, 1)
      }
    }

    sortPrefix(sortScratch, touched)
    if (members + touched > memberRoom) return 1
    for (let q = 0; q < touched; q++) {
      const i = I(sortScratch, q)
      setI(conMember, members, i)
      setF(conGuest, members, F(gCoef, i))
      setF(conWorker, members, F(wCoef, i))
      setF(conFixed, members, 0)
      members++
    }

    setI(rowKind, rowCount, vmsIn > 0 ? ROW_VCPU : ROW_WORKER)
    setF(rowCapacity, rowCount, capacity)
    setI(ownerVms, rowCount, vmsIn)
    owners += vmsIn + workersIn
    rowCount++
    setI(rowStart, rowCount, members)
    setI(ownerStart, rowCount, owners)
  }

  for (let v = 0; v < nv; v++) {
    const quota = F(quotaCpus, v)
    if (quota < 0) continue
    if (members + I(byVmStart, v + 1) - I(byVmStart, v) > memberRoom || owners + 1 > ownerRoom) return 1
    for (let i = I(byVmStart, v); i < I(byVmStart, v + 1); i++) {
      setI(conMember, members, i)
      setF(conGuest, members, 1)
      setF(conWorker, members, <f64>B(charged, I(dWorker, i)))
      setF(conFixed, members, 0)
      members++
    }

    setI(rowKind, rowCount, ROW_QUOTA)
    setF(rowCapacity, rowCount, quota * frequency)
    setI(ownerVms, rowCount, 1)
    setI(ownerItem, owners++, v)
    rowCount++
    setI(rowStart, rowCount, members)
    setI(ownerStart, rowCount, owners)
  }

  dynamicRows = rowCount
  fixedFrom = members
  if (members + fixedLength > memberRoom) return 1
  for (let k = 0; k < fixedLength; k++) {
    setI(conMember, members + k, I(fixedMember, k))
    setF(conGuest, members + k, 0)
    setF(conWorker, members + k, 0)
    setF(conFixed, members + k, F(fixedCoef, k))
  }

  for (let j = 0; j < fixedCount; j++) {
    setI(rowKind, rowCount, I(fixedKind, j))
    setF(rowCapacity, rowCount, F(fixedCapacity, j))
    setI(rowStart, rowCount + 1, members + I(fixedStart, j + 1))
    rowCount++
  }

  members += fixedLength
  nc = rowCount

  // Device -> its memberships, for incremental updates while filling.
  for (let i = 0; i <= n; i++) setI(degree, i, 0)
  for (let k = 0; k < members; k++) setI(degree, I(conMember, k) + 1, I(degree, I(conMember, k) + 1) + 1)
  for (let i = 0; i < n; i++) setI(degree, i + 1, I(degree, i + 1) + I(degree, i))
  for (let j = 0; j < rowCount; j++) {
    for (let k = I(rowStart, j); k < I(rowStart, j + 1); k++) {
      const i = I(conMember, k)
      const at = I(degree, i)
      setI(byDevice, at, k)
      setI(byDeviceRow, at, j)
      setI(degree, i, at + 1)
    }
  }

  for (let i = n; i > 0; i--) setI(degree, i, I(degree, i - 1))
  setI(degree, 0, 0)
  return 0
}

// ---------------------------------------------------------------- steps

/**
 * The next value of a quantity the fixed point iterates on: `s` is its value this iteration,
 * `t` the value the iteration computed from it, and `sPrev`, `tPrev` the same one iteration
 * before (NaN in the first). When `t` moved against `s` (slope `dt/ds < 0`: a busier worker
 * is kicked less, so it is less busy), the step `1 / (1 - slope)` lands where the line
 * through the two points meets `t = s`; otherwise the step is whole. Without two distinct
 * points (the first iteration, or `s` that has not moved) the step is 0.8. `trust` scales
 * every step; the loop shrinks it when iterations stop improving.
 */
@inline function relax(s: f64, t: f64, sPrev: f64, tPrev: f64, trust: f64): f64 {
  let step: f64 = 0.8
  const ds = s - sPrev
  if (Math.abs(ds) > 1e-12 * Math.abs(s)) {
    const slope = (t - tPrev) / ds
    step = slope < 0 ? 1 / (1 - slope) : 1
  }

  return s + trust * step * (t - s)
}

/**
 * Steps `values[q]` towards `target` by `relax`, kept within [low, high], and remembers the
 * point in `history`; the distance from the old value to the target (the residual).
 */
@inline function stepTowards(values: usize, history: usize, q: i32, target: f64, trust: f64, low: f64, high: f64): f64 {
  const last = F(values, q)
  setF(values, q, smaller(high, larger(low, relax(last, target, F(history, 2 * q), F(history, 2 * q + 1), trust))))
  setF(history, 2 * q, last)
  setF(history, 2 * q + 1, target)
  return Math.abs(target - last)
}

/**
 * How far the iterates still are from the fixed point, from the last three steps (`now`,
 * `before` it and `older`). While the steps shrink fast, by a factor q under 1/2 (the
 * larger of the last two ratios, so that one sudden drop does not count as a trend), the
 * iteration behaves as a contraction by q, and the rest of the way is estimated as
 * `now * q / (1 - q)` (the a-posteriori bound of Banach's fixed-point theorem for a
 * contraction by q); otherwise, or without two earlier steps, the estimate is `now`.
 */
function distanceLeft(now: f64, before: f64, older: f64): f64 {
  if (!(before > 0 && before < Infinity)) return now
  const q = larger(now / before, before / older)
  return q < 0.5 ? now * q / (1 - q) : now
}

/**
 * Notifications and interrupts per item, the cycles per item on the worker and the guest,
 * and each device's own cap. The caps that depend on latency (round trips, queue depth)
 * step by `relax`; this starts the iteration's residual. At the caps, each VM's guest
 * cycles, the cycles its quota counts (guest, plus worker cycles of workers charged to its
 * cgroup) and each worker's cycles, which `fill` reads pool and quota demand from; and
 * where `fill` starts each device (in the same pass over the devices).
 */
function price(trust: f64): void {
  let res: f64 = 0
  let open = 0
  // A spinning worker misses an item (and needs a kick) when it is idle and no item came
  // within its spin budget (Poisson arrivals): one figure per worker.
  for (let w = 0; w < nw; w++) {
    if (I(noteKind, w) == NOTE_SPIN) setF(spinMiss, w, (1 - F(U, w)) * Math.exp(-F(lambda, w) * F(spinBudget, w)))
  }

  fillF(vmDemand, nv, 0)
  fillF(quotaDemand, nv, 0)
  fillF(workerDemand, nw, 0)
  for (let i = 0; i < n; i++) {
    const r = record(i)
    const w = load<i32>(r, D_WORKER)
    const v = load<i32>(r, D_VM)
    const note = I(noteKind, w)
    const vcpuOnly = load<u8>(r, D_ON_VCPU)
    const perBatch = load<f64>(r, D_BATCH)
    const interruptSources = load<f64>(r, D_SOURCES)
    let p: f64
    let raw = interruptSources * larger(0, 1 - load<f64>(r, D_RHO_NAPI)) / irqBatch
    if (note == NOTE_KICK) {
      p = (1 - F(U, w)) / perBatch
    } else if (note == NOTE_SPIN) {
      p = F(spinMiss, w) / perBatch
    } else if (note == NOTE_POLL) {
      p = 0
    } else {
      // One notification opens a timer period; the flush then completes the batch.
      const perPeriod = larger(1, load<f64>(r, D_X) * (F(timerPeriod, w) + timerSlackS))
      p = 1 / perPeriod
      raw = smaller(raw, 1 / perPeriod)
    }

    if (vcpuOnly) p = 1 / perBatch
    // One queue per VM (vbus): held off while the guest drains any of the VM's events,
    // and merged with signals that arrive while an injection is under way.
    const window = load<f64>(r, D_COALESCE)
    const irq = window > 0
      ? interruptSources * larger(0, 1 - F(vmEventBusy, v)) / irqBatch / (1 + F(vmIrqRate, v) * window)
      : raw
    // A wake-up that preempts a vCPU costs two context switches (out and back in).
    const preempt = B(floatingWorker, w) ? F(floatBusy, w) * 2 * contextSwitchCycles : 0
    const worker = load<f64>(r, D_WORKER_BASE) + p * (load<f64>(r, D_KICK_WORKER) + preempt) + irq * load<f64>(r, D_IRQ_WORKER)
    const guest = load<f64>(r, D_GUEST_BASE) + p * load<f64>(r, D_KICK_GUEST) + irq * load<f64>(r, D_IRQ_GUEST)
    store<f64>(r, p, D_PK)
    store<f64>(r, irq, D_PIRQ)
    const costW = vcpuOnly ? 0 : worker
    const costG = vcpuOnly ? guest + worker : guest
    store<f64>(r, costW, D_CW)
    store<f64>(r, costG, D_CG)

    // The device's own cap.
    const oneCpu = F(vmOneCpu, v)
    let c = load<f64>(r, D_OFFERED)
    let kind = 0
    if (note == NOTE_TIMER) {
      // The ring fills while the timer runs (or while the guest produces, if slower);
      // the guest cannot reuse descriptors until the flush has completed them.
      const ring = F(timerRing, w)
      const fillS = larger(F(timerPeriod, w) + timerSlackS, ring * costG / oneCpu)
      const timerCap = ring / (fillS + ring * costW / F(workerCpuCap, w))
      if (timerCap < c) {
        c = timerCap
        kind = 1
      }
    }

    // A single device's guest work runs on one vCPU at a time (one queue).
    const vcpu = costG > 0 ? oneCpu / costG : Infinity
    if (load<u8>(r, D_CLOSED)) {
      const mean = load<f64>(r, D_MEAN_LATENCY)
      if (mean > 0) {
        const bound = load<f64>(r, D_QUEUE_DEPTH) / mean
        const last = load<f64>(r, D_LATENCY_CAP)
        // A cap above the device's other caps, before and after, decides nothing yet:
        // how far it still has to go does not hold the loop up.
        const other = smaller(c, vcpu)
        let cap = bound
        if (isFinite(last)) {
          cap = relax(last, bound, load<f64>(r, D_LATENCY_CAP_S), load<f64>(r, D_LATENCY_CAP_T), trust)
          if (smaller(last, bound) < other) res = larger(res, Math.abs(bound - last) / bound)
          store<f64>(r, last, D_LATENCY_CAP_S)
          store<f64>(r, bound, D_LATENCY_CAP_T)
        } else if (bound < other) {
          res = 1
        }

        store<f64>(r, cap, D_LATENCY_CAP)
        if (cap < c) {
          c = cap
          kind = 2
        }
      }
    }

    if (vcpu < c) {
      c = vcpu
      kind = 3
    }

    store<f64>(r, c, D_CAP_X)
    store<i8>(capKind + <usize>i, <i8>kind)
    // Where `fill` starts the device: not frozen, at rate 0, at its cap's level.
    store<f64>(r, 0, D_X)
    setI(limitRow, i, -1)
    setB(inLive, i, 0)
    setB(active, i, c > 0 ? 1 : 0)
    if (c > 0) open++
    setF(level, i, c * load<f64>(r, D_BITS_PER_ITEM))
    const guestCycles = costG * c
    const workerCyc = costW * c
    setF(vmDemand, v, F(vmDemand, v) + guestCycles)
    setF(workerDemand, w, F(workerDemand, w) + workerCyc)
    setF(quotaDemand, v, F(quotaDemand, v) + (guestCycles + <f64>B(charged, w) * workerCyc))
  }

  residual = res
  openDevices = open
}

/** Whether `order` is still by index, as `solve` starts it. */
let orderByIndex = false

/** Sorts `order` by level, stably (ties keep their order): a bottom-up merge sort through `frozen`. */
function sortByLevel(): void {
  let from = order
  let to = frozen
  for (let width = 1; width < n; width *= 2) {
    for (let low = 0; low < n; low += 2 * width) {
      const middle = min(low + width, n)
      const high = min(low + 2 * width, n)
      let a = low
      let b = middle
      for (let k = low; k < high; k++) {
        // The left run's item first unless the right one's level is strictly lower.
        if (a < middle && (b >= high || !(F(level, I(from, b)) < F(level, I(from, a))))) {
          setI(to, k, I(from, a++))
        } else {
          setI(to, k, I(from, b++))
        }
      }
    }

    const swap = from
    from = to
    to = swap
  }

  if (from != order) memory.copy(order, from, <usize>n << 2)
}

/**
 * Water-filling on the level t (bits/s per device), with slopes, usage and the level at
 * which each constraint fills kept up to date as devices freeze. Devices whose own cap
 * comes first freeze in order of their cap level, many per pass. A pass decides which
 * devices freeze from the rows' state at its start, so the rows take the frozen devices
 * in one sweep at its end.
 */
function fill(): void {
  // `price` started every device at rate 0, active if its cap is above 0, at its cap's level.
  let remaining = openDevices
  // A row that holds every member at its own cap with room to spare can never fill first:
  // it is left out of this fill (the level it fills at only rises as members freeze below
  // it, and stays above theirs with that margin). The rest are live. A pool row's demand is
  // the sum over the VMs and workers inside it, and a quota row's over its VM, as `price`
  // added them up; a NIC or block row's is summed over its members (caps are never
  // negative: a device without room adds 0).
  let liveCount = 0
  for (let j = 0; j < nc; j++) {
    const dynamic = j < dynamicRows
    let demand: f64 = 0
    if (!dynamic) {
      for (let k = I(rowStart, j); k < I(rowStart, j + 1); k++) demand += F(coef, k) * load<f64>(record(I(conMember, k)), D_CAP_X)
    } else if (I(rowKind, j) == ROW_QUOTA) {
      demand = F(quotaDemand, I(ownerItem, I(ownerStart, j)))
    } else {
      for (let o = I(ownerStart, j); o < I(ownerStart, j + 1); o++) {
        const u = I(ownerItem, o)
        demand += u < nv ? F(vmDemand, u) : F(workerDemand, u - nv)
      }
    }

    if (demand <= F(rowCapacity, j) * (1 - 1e-9)) {
      setB(inert, j, 1)
      continue
    }

    // The row takes part: its slope, cost per bit of level over its active members. The
    // coefficients of pool and quota rows follow the cycles per item; NIC and block rows keep theirs.
    let s: f64 = 0
    let count = 0
    for (let k = I(rowStart, j); k < I(rowStart, j + 1); k++) {
      const i = I(conMember, k)
      setB(inLive, i, 1)
      if (dynamic) {
        const r = record(i)
        const c = F(conGuest, k) * load<f64>(r, D_CG) + F(conWorker, k) * load<f64>(r, D_CW) + F(conFixed, k)
        setF(coef, k, c)
        setF(coefPerBit, k, c / load<f64>(r, D_BITS_PER_ITEM))
      }

      if (B(active, i)) {
        s += F(coefPerBit, k)
        count++
      }
    }

    setF(used, j, 0)
    setF(slope, j, s)
    setI(activeIn, j, count)
    setB(inert, j, 0)
    setB(dirty, j, 1)
    setI(live, liveCount++, j)
  }

  // With no live row, every device with a finite cap runs at it (those without one stay at
  // zero), which is what the passes below would come to.
  if (liveCount == 0) {
    for (let i = 0; i < n; i++) {
      const r = record(i)
      if (B(active, i) && load<f64>(r, D_CAP_X) < Infinity) store<f64>(r, load<f64>(r, D_CAP_X), D_X)
    }
    return
  }

  // Devices by cap level. Devices whose levels tie stay in the order they had in the last
  // fill that sorted, or by index in a solve's first sort, a merge sort (stable, so the
  // same order). After it the order barely changes between iterations: insertion sort.
  if (orderByIndex) {
    sortByLevel()
    orderByIndex = false
  }

  for (let a = 1; a < n; a++) {
    const i = I(order, a)
    const t = F(level, i)
    let b = a - 1
    while (b >= 0 && F(level, I(order, b)) > t) {
      setI(order, b + 1, I(order, b))
      b--
    }

    setI(order, b + 1, i)
  }

  let next = 0 // position in `order` of the lowest cap still active
  while (remaining > 0) {
    while (next < n && !B(active, I(order, next))) next++
    const capLevel = next < n ? F(level, I(order, next)) : Infinity
    let fullLevel: f64 = Infinity
    for (let r = 0; r < liveCount; r++) {
      const j = I(live, r)
      if (B(dirty, j)) {
        // The level at which the row fills, at its current usage and slope.
        const count = I(activeIn, j)
        const s = F(slope, j)
        setF(hit, j, count > 0 && s > 0 ? larger(0, (F(rowCapacity, j) - F(used, j)) / s) : Infinity)
        setB(dirty, j, 0)
      }

      const h = F(hit, j)
      if (h < fullLevel) fullLevel = h
    }

    const best = smaller(capLevel, fullLevel)
    // Nothing bounds the rest (no cost, no cap): they stay at zero rather than infinite.
    if (!isFinite(best)) break

    // Devices that freeze in this pass, in order: rate in x, binding row (or -1) in limitRow.
    let count = 0
    const eps = best * 1e-12
    if (fullLevel <= best + eps) {
      // Constraints that bind at this level, checked before any freezing moves them.
      let bound = 0
      for (let r = 0; r < liveCount; r++) if (F(hit, I(live, r)) <= best + eps) setI(binding, bound++, I(live, r))
      for (let b = 0; b < bound; b++) {
        const j = I(binding, b)
        for (let k = I(rowStart, j); k < I(rowStart, j + 1); k++) {
          const i = I(conMember, k)
          if (B(active, i)) {
            setB(active, i, 0)
            const r = record(i)
            store<f64>(r, best / load<f64>(r, D_BITS_PER_ITEM), D_X)
            setI(limitRow, i, j)
            setI(frozen, count++, i)
          }
        }
      }

      while (next < n) {
        const i = I(order, next)
        if (B(active, i) && F(level, i) > best + eps) break
        if (B(active, i)) {
          setB(active, i, 0)
          const r = record(i)
          store<f64>(r, load<f64>(r, D_CAP_X), D_X)
          setI(frozen, count++, i)
        }

        next++
      }
    } else {
      // Every device whose cap comes before the first constraint fills freezes at its
      // cap: freezing below a constraint's level only moves that level up.
      while (next < n) {
        const i = I(order, next)
        if (B(active, i)) {
          const t = F(level, i)
          if (t > best + eps && t * (1 + 1e-12) >= fullLevel) break
          setB(active, i, 0)
          const r = record(i)
          store<f64>(r, load<f64>(r, D_CAP_X), D_X)
          setI(frozen, count++, i)
        }

        next++
      }
    }

    // The live rows the frozen devices are in: less slope, more usage, a new level to fill at.
    remaining -= count
    for (let f = 0; f < count; f++) {
      const i = I(frozen, f)
      if (!B(inLive, i)) continue
      const rate = load<f64>(record(i), D_X)
      for (let q = I(degree, i); q < I(degree, i + 1); q++) {
        const j = I(byDeviceRow, q)
        if (B(inert, j)) continue
        const k = I(byDevice, q)
        setF(slope, j, F(slope, j) - F(coefPerBit, k))
        setF(used, j, F(used, j) + F(coef, k) * rate)
        setI(activeIn, j, I(activeIn, j) - 1)
        setB(dirty, j, 1)
      }
    }
  }
}

/**
 * Utilisations and NAPI shares seen at the new rates, which the old ones step towards by
 * `relax` (adding to the residual); the largest change since the iteration before
 * (relative for rates, absolute for probabilities and shares), which decides convergence.
 */
function observe(trust: f64): f64 {
  let change: f64 = 0
  let res = residual
  fillF(workerCycles, nw, 0)
  fillF(workerItems, nw, 0)
  fillF(vmLoad, nv, 0)
  fillF(vmIrqRate, nv, 0)
  fillF(blockLoad, nb, 0)
  fillF(blockBytes, nb, 0)
  fillF(eventCycles, nv, 0)
  for (let i = 0; i < n; i++) {
    const r = record(i)
    const w = load<i32>(r, D_WORKER)
    const v = load<i32>(r, D_VM)
    const rate = load<f64>(r, D_X)
    const items = rate * load<f64>(r, D_PER)
    const itemCycles = load<f64>(r, D_GUEST_ITEM)
    setF(workerCycles, w, F(workerCycles, w) + rate * load<f64>(r, D_CW))
    setF(workerItems, w, F(workerItems, w) + items)
    setF(vmLoad, v, F(vmLoad, v) + rate * load<f64>(r, D_CG))
    if (load<u8>(r, D_VM_COALESCES)) {
      setF(vmIrqRate, v, F(vmIrqRate, v) + rate * load<f64>(r, D_SOURCES))
      setF(eventCycles, v, F(eventCycles, v) + items * itemCycles)
    }
    const b = load<i32>(r, D_BLOCK)
    if (b >= 0) {
      setF(blockLoad, b, F(blockLoad, b) + rate)
      setF(blockBytes, b, F(blockBytes, b) + rate * load<f64>(r, D_SIZE_BYTES))
    }

    // NAPI keeps a device's interrupts off while the guest polls it: for received
    // packets, the time the guest spends processing them; for completions of
    // transmitted packets and block requests, the time their handler runs.
    const busy = load<u8>(r, D_RX_STREAM) ? rate * itemCycles / F(vmOneCpu, v) : items * guestIrqCycles / F(vmOneCpu, v)
    const napi = smaller(1, busy)
    const lastNapi = load<f64>(r, D_RHO_NAPI)
    const stepped = relax(lastNapi, napi, load<f64>(r, D_NAPI_S), load<f64>(r, D_NAPI_T), trust)
    store<f64>(r, smaller(1, larger(0, stepped)), D_RHO_NAPI)
    store<f64>(r, lastNapi, D_NAPI_S)
    store<f64>(r, napi, D_NAPI_T)
    res = larger(res, Math.abs(napi - lastNapi))
    const kicks = load<f64>(r, D_PK)
    const interrupts = load<f64>(r, D_PIRQ)
    change = larger(
      larger(change, Math.abs(rate - load<f64>(r, D_PREV_X)) / larger(1, rate)),
      larger(Math.abs(kicks - load<f64>(r, D_PREV_PK)), Math.abs(interrupts - load<f64>(r, D_PREV_PIRQ))),
    )
    store<f64>(r, rate, D_PREV_X)
    store<f64>(r, kicks, D_PREV_PK)
    store<f64>(r, interrupts, D_PREV_PIRQ)
  }

  for (let w = 0; w < nw; w++) {
    // Time the worker runs, as a fraction of its CPU: a worker that shares its CPU with
    // others is idle (and re-arms notifications) whenever its own queues are empty.
    const items = F(workerItems, w)
    const busyResidual = stepTowards(U, historyU, w, smaller(1, F(workerCycles, w) / F(workerCpuCap, w)), trust, 0, 1)
    const itemsResidual = stepTowards(lambda, historyLambda, w, items, trust, 0, Infinity) / larger(1, items)
    res = larger(res, larger(busyResidual, itemsResidual))
    setF(spin, w, I(noteKind, w) == NOTE_SPIN ? (1 - F(U, w)) * (1 - Math.exp(-F(lambda, w) * F(spinBudget, w))) : 0)
    let load: f64 = 0
    for (let q = I(floatStart, w); q < I(floatStart, w + 1); q++) load += F(vmLoad, I(floatVm, q)) * F(floatWeight, q)
    res = larger(res, stepTowards(floatBusy, historyFloat, w, smaller(1, load), trust, 0, 1))
    change = larger(change, Math.abs(F(U, w) - F(prevU, w)))
    setF(prevU, w, F(U, w))
  }

  // Spinning only fills idle time: workers pinned to one CPU spin at most in its idle share.
  for (let g = 0; g < groupCount; g++) {
    let busy: f64 = 0
    let spinning: f64 = 0
    for (let q = I(groupStart, g); q < I(groupStart, g + 1); q++) {
      busy += F(U, I(groupItem, q))
      spinning += F(spin, I(groupItem, q))
    }

    const idle = larger(0, 1 - busy)
    if (spinning > idle) {
      for (let q = I(groupStart, g); q < I(groupStart, g + 1); q++) {
        const k = I(groupItem, q)
        setF(spin, k, F(spin, k) * (idle / spinning))
      }
    }
  }

  // Only the VMs that hold off interrupts read how busy their guest is with events.
  for (let v = 0; v < nv; v++) {
    if (!B(vmCoalesces, v)) continue
    res = larger(res, stepTowards(vmEventBusy, historyEvent, v, smaller(1, F(eventCycles, v) / F(vmOneCpu, v)), trust, 0, 1))
  }

  residual = res
  return change
}

/** Mean queueing wait behind a worker busy `u` of the time, items served in `service` s on average (M/M/1), at most a full ring. */
@inline function meanWait(u: f64, service: f64): f64 {
  return smaller(u * service / (1 - u), RING_ITEMS * service)
}

/** The same wait's 99th percentile (0 for a worker idle 99% of the time or more). */
@inline function p99Wait(u: f64, service: f64): f64 {
  return u > 0.01 ? smaller(service / (1 - u) * Math.log(100 * u), RING_ITEMS * service) : 0
}

/**
 * Mean and p99 latency at the current rates: while iterating, only the mean of the devices
 * whose rate it bounds (round trips, block queues); at the end, everything.
 */
function latency(final: bool): void {
  // What depends on the worker alone: the queueing wait behind its mean item (when it has
  // items; at the end, its p99 too) and the time to wake it; and on the disk alone: its
  // service time under load.
  for (let w = 0; w < nw; w++) {
    if (F(workerItems, w) > 0) {
      const meanService = F(workerCycles, w) / F(workerItems, w) / F(workerCpuCap, w)
      const u = smaller(F(U, w), 0.999_999)
      setF(workerService, w, meanService)
      setF(workerWait, w, meanWait(u, meanService))
      if (final) setF(workerWaitP99, w, p99Wait(u, meanService))
    }

    // A pinned worker's core sleeps when the worker does (it has nothing else to run)
    // and must leave its C-state; a floating one wakes next to the vCPU that kicked it.
    setF(workerWake, w, wakeupLatencyS
      + (B(floatingWorker, w) ? F(floatBusy, w) * schedDelayS : F(idleCore, w) * idleExitLatencyS))
  }

  for (let b = 0; b < nb; b++) {
    const rho = smaller(0.99, larger(F(blockLoad, b) / F(blockMaxIops, b), F(blockBytes, b) / F(blockMaxBytes, b)))
    setF(blockTime, b, F(blockServiceS, b) / (1 - rho))
  }

  const count = final ? n : closedCount
  for (let q = 0; q < count; q++) {
    const i = final ? q : I(closedDevices, q)
    const r = record(i)
    const w = load<i32>(r, D_WORKER)
    const kind = I(noteKind, w)
    const capW = F(workerCpuCap, w)
    const workerCost = load<f64>(r, D_CW)
    const meanService = F(workerItems, w) > 0 ? F(workerService, w) : workerCost / load<f64>(r, D_PER) / capW
    const u = smaller(F(U, w), 0.999_999)
    const wait = F(workerItems, w) > 0 ? F(workerWait, w) : meanWait(u, meanService)
    const service = workerCost / capW
    const guest = load<f64>(r, D_CG) / F(vmOneCpu, load<i32>(r, D_VM))
    // Notification: a wake-up when the worker sleeps, the timer, or half a polling pass.
    let notify: f64 = 0
    let notifyP99: f64 = 0
    if (kind == NOTE_POLL) {
      const pass = <f64>I(workerDevices, w) * pollPassCycles / capW
      notify = pass / 2
      notifyP99 = pass
    } else if (kind == NOTE_TIMER) {
      notify = F(timerPeriod, w) / 2 + timerSlackS
      notifyP99 = F(timerPeriod, w) * 0.99 + timerSlackS
    } else if (!load<u8>(r, D_ON_VCPU)) {
      // Work done on the vCPU itself needs no wake-up.
      const wakeProb = smaller(1, load<f64>(r, D_PK) * load<f64>(r, D_BATCH))
      const wake = F(workerWake, w)
      notify = wakeProb * wake
      notifyP99 = wakeProb > 0.01 ? wake : 0
    }

    const irq = load<f64>(r, D_PIRQ) > 0 ? load<f64>(r, D_IRQ_LATENCY) : 0
    const blk = load<i32>(r, D_BLOCK)
    const deviceTime = blk >= 0 ? F(blockTime, blk) : 0
    const fixed = guest + irq + deviceTime + load<f64>(r, D_FIXED_RTT)
    store<f64>(r, fixed + notify + wait + service, D_MEAN_LATENCY)
    if (final) {
      const waitP99 = F(workerItems, w) > 0 ? F(workerWaitP99, w) : p99Wait(u, meanService)
      setF(p99Latency, i, fixed + notifyP99 + waitP99 + service)
    }
  }
}

/**
 * Runs the fixed point on the arrays the table at `t` names, from a clean start; the
 * iterations used (at most the limit).
 */
export function solve(t: usize): i32 {
  bind(t)
  // NIC and block rows cost the same per item whatever the rates.
  memory.copy(coef + (<usize>fixedFrom << 3), fixedCoef, <usize>fixedLength << 3)
  memory.copy(coefPerBit + (<usize>fixedFrom << 3), fixedCoefPerBit, <usize>fixedLength << 3)
  fillF(historyU, 2 * nw, NaN)
  fillF(historyLambda, 2 * nw, NaN)
  fillF(historyFloat, 2 * nw, NaN)
  fillF(historyEvent, 2 * nv, NaN)
  fillF(U, nw, 0)
  fillF(prevU, nw, 0)
  fillF(spin, nw, 0)
  fillF(lambda, nw, 0)
  fillF(floatBusy, nw, 0)
  fillF(vmEventBusy, nv, 0)
  fillF(vmIrqRate, nv, 0)
  gather()
  for (let i = 0; i < n; i++) setI(order, i, i)
  orderByIndex = true

  // Every quantity steps by `relax`, scaled by the trust, which shrinks whenever the
  // iterates stop improving: that turns what oscillation is left into convergence. The loop
  // stops when the outputs have settled and the quantities are where the iteration maps
  // them (the residual), or as near as the shrunken trust lets them come: when what is
  // left of either, as `distanceLeft` estimates it, is below the tolerance.
  let iterations = 0
  let trust: f64 = 1
  let change0: f64 = Infinity, change1: f64 = Infinity
  let residual0: f64 = Infinity, residual1: f64 = Infinity
  for (iterations = 1; iterations <= maxIterations; iterations++) {
    price(trust)
    fill()
    const change = observe(trust)
    // The residual's trend is read before the trust scales it: a smaller trust is not convergence.
    const res = residual
    if (iterations > 3 && distanceLeft(change, change0, change1) < tolerance
      && distanceLeft(res, residual0, residual1) * trust < tolerance) break
    // The latency the next iteration's caps need (after the last, all of it, below).
    latency(false)
    if (iterations > 3 && change > 0.9 * change0) trust = larger(0.02, trust * 0.7)
    change1 = change0
    change0 = change
    residual1 = residual0
    residual0 = res
  }

  latency(true)
  scatter()
  return iterations < maxIterations ? iterations : maxIterations
}

/** Where the module's own static data ends: the tables and arrays start after it. */
export function heapBase(): usize {
  return __heap_base
}
