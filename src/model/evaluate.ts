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
 * 4. Repeat 2-3 until the utilisations settle (damped fixed point), then derive latency,
 *    exits, interrupts, wake-ups and per-CPU, per-VM and per-host figures.
 *
 * The equations are written out in docs/model.md (summary in the README).
 *
 * The search calls this millions of times on one host and one set of VMs, so the work is
 * split in two. `prepare(host, vms, calibration)` lays out everything the layout does not
 * change (devices, NIC and disk constraints, priced paths) in flat typed arrays, once;
 * `Evaluator.evaluate(layout)` adds the layout's CPU pools and workers and runs the fixed
 * point, which allocates nothing per iteration. `evaluate(...)` does both for one layout.
 */
import {architecture} from './arch/index.js'
import type {ArchitectureModel, PathCosts} from './arch/types.js'
import {framesPerItem, wireBitsPerItem} from './net.js'
import type {
  Calibration, CpuResult, Device, DeviceResult, Evaluation, Host, InterruptMode, Layout, Limit, LimitKind, Vm, VmResult,
  WorkerResult,
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
}

/** Queue depth assumed when a worker is saturated: a full virtqueue. */
const RING_ITEMS = 256

const NOTE_KICK = 0
const NOTE_SPIN = 1
const NOTE_POLL = 2
const NOTE_TIMER = 3
const NOTE_CODES = {kick: NOTE_KICK, spin: NOTE_SPIN, poll: NOTE_POLL, timer: NOTE_TIMER} as const

/** Limit kinds by code, for constraint rows. */
const ROW_KINDS: LimitKind[] = [
  'vcpu', 'worker-cpu', 'cgroup-quota', 'nic-line-rate', 'nic-packet-rate', 'block-device-iops', 'block-device-bandwidth',
]
const ROW_VCPU = 0
const ROW_WORKER = 1
const ROW_QUOTA = 2
const ROW_NIC_LINE = 3
const ROW_NIC_PACKETS = 4
const ROW_BLOCK_IOPS = 5
const ROW_BLOCK_BYTES = 6

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

/** Typed arrays filled by index (TypedArray.from with a mapper is slow in V8). */
function f64<T>(items: readonly T[], fn: (item: T, i: number) => number): Float64Array {
  const a = new Float64Array(items.length)
  for (let i = 0; i < items.length; i++) a[i] = fn(items[i], i)
  return a
}

function i32<T>(items: readonly T[], fn: (item: T, i: number) => number): Int32Array {
  const a = new Int32Array(items.length)
  for (let i = 0; i < items.length; i++) a[i] = fn(items[i], i)
  return a
}

function u8<T>(items: readonly T[], fn: (item: T, i: number) => number): Uint8Array {
  const a = new Uint8Array(items.length)
  for (let i = 0; i < items.length; i++) a[i] = fn(items[i], i)
  return a
}

/** Compressed lists: the items of list `l` are `item[start[l]..start[l+1])`. */
interface Lists {
  start: Int32Array
  item: Int32Array
}

function lists(count: number, pairs: (add: (list: number, item: number) => void) => void): Lists {
  const start = new Int32Array(count + 1)
  pairs((l) => {
    start[l + 1]++
  })
  for (let l = 0; l < count; l++) start[l + 1] += start[l]
  const item = new Int32Array(start[count])
  const at = start.slice(0, count)
  pairs((l, x) => {
    item[at[l]++] = x
  })
  return {start, item}
}

/**
 * Constraint rows that do not depend on the layout (NIC line and packet rates, block
 * devices), in compressed form, with a fixed coefficient per member.
 */
interface StaticRows {
  kind: number[]
  resource: string[]
  capacity: number[]
  start: number[]
  member: number[]
  fixed: number[]
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
  const f = host.frequencyHz
  const maxIterations = options.maxIterations ?? 300
  const tolerance = options.tolerance ?? 1e-5

  // ------------------------------------------------------------ hardware
  const nCpu = host.cpus.length
  let maxId = 0
  for (const c of host.cpus) maxId = Math.max(maxId, c.id)
  const cpuIndex = new Int32Array(maxId + 1).fill(-1)
  host.cpus.forEach((c, i) => {
    cpuIndex[c.id] = i
  })
  const indexOf = (id: number) => cpuIndex[id]
  const coreIds = new Map<number, number>()
  const cpuCore = i32(host.cpus, c => {
    let k = coreIds.get(c.core)
    if (k === undefined) coreIds.set(c.core, k = coreIds.size)
    return k
  })
  const nCore = coreIds.size
  const cpuNode = i32(host.cpus, c => c.node)
  const distance = (a: number, b: number) => host.distances[a]?.[b] ?? (a === b ? 10 : 21)
  const remote = (a: number, b: number) => Math.max(0, (distance(a, b) - 10) / 11)

  // ------------------------------------------------------------ devices
  const nv = vms.length
  const devices: Device[] = []
  const refs: string[] = []
  const deviceVm: number[] = []
  const refIndex = new Map<string, number>()
  for (let v = 0; v < nv; v++) {
    for (const device of vms[v].type.devices) {
      const ref = `${vms[v].id}/${device.id}`
      refIndex.set(ref, devices.length)
      devices.push(device)
      refs.push(ref)
      deviceVm.push(v)
    }
  }

  const n = devices.length
  const dVm = Int32Array.from(deviceVm)
  const dNic = i32(devices, d => (d.kind === 'net' ? Math.max(0, d.backing ? host.nics.findIndex(x => x.id === d.backing) : 0) : -1))
  const dBlock = i32(devices, d =>
    (d.kind === 'block' ? Math.max(0, d.backing ? host.blockDevices.findIndex(b => b.id === d.backing) : 0) : -1))
  const dIoNode = i32(devices, (d, i) => (dNic[i] >= 0 ? host.nics[dNic[i]]?.node : host.blockDevices[dBlock[i]]?.node) ?? -1)
  const per = f64(devices, d => (d.kind === 'net' && d.pattern === 'rr' ? 2 : 1))
  const bitsPerItem = f64(devices, (d, i) => 8 * d.sizeBytes * per[i])
  const offered = f64(devices, d => d.offered)
  const sources = f64(devices, d => interruptSources(d))
  const rxStream = u8(devices, d => (d.kind === 'net' && d.direction === 'rx' && d.pattern === 'stream' ? 1 : 0))
  const batch = f64(devices, d => (d.direction === 'rx' ? 1 : cal.guestBatch))
  /** Round trips and block requests: the rate is bounded by queue depth / latency. */
  const closedLoop = u8(devices, d => (d.pattern === 'rr' || d.kind === 'block' ? 1 : 0))
  const queueDepth = f64(devices, d => d.queueDepth)
  const fixedRtt = f64(devices, d => (d.pattern === 'rr' ? d.peerRttS ?? 0 : 0))
  const sizeBytes = f64(devices, d => d.sizeBytes)
  const byVm = lists(nv, add => {
    for (let i = 0; i < n; i++) add(dVm[i], i)
  })
  const quotaCpus = vms.map(vm => vm.type.cgroup.quotaCpus)
  const cgroupOf = vms.map(vm => vm.type.cgroup.path)
  const polling = vms.map(vm => vm.type.devices.some(d => d.guestDriver === 'pmd'))

  // NIC (per direction: line rate, then packet rate) and block device rows.
  const fixedRows: StaticRows = {kind: [], resource: [], capacity: [], start: [0], member: [], fixed: []}
  const addFixed = (kind: number, resource: string, capacity: number, members: number[], coef: (i: number) => number) => {
    fixedRows.kind.push(kind)
    fixedRows.resource.push(resource)
    fixedRows.capacity.push(capacity)
    for (const i of members) {
      fixedRows.member.push(i)
      fixedRows.fixed.push(coef(i))
    }

    fixedRows.start.push(fixedRows.member.length)
  }

  host.nics.forEach((nic, k) => {
    for (const dir of ['tx', 'rx'] as const) {
      const list: number[] = []
      for (let i = 0; i < n; i++) if (dNic[i] === k && (devices[i].pattern === 'rr' || devices[i].direction === dir)) list.push(i)
      if (list.length === 0) continue
      addFixed(ROW_NIC_LINE, nic.id, nic.lineRateBps, list, i => wireBitsPerItem(devices[i].sizeBytes))
      addFixed(ROW_NIC_PACKETS, nic.id, nic.maxPps, list, i => framesPerItem(devices[i].sizeBytes))
    }
  })
  host.blockDevices.forEach((b, k) => {
    const list: number[] = []
    for (let i = 0; i < n; i++) if (dBlock[i] === k) list.push(i)
    if (list.length === 0) return
    addFixed(ROW_BLOCK_IOPS, b.id, b.maxIops, list, () => 1)
    addFixed(ROW_BLOCK_BYTES, b.id, b.maxBandwidthBytes, list, i => devices[i].sizeBytes)
  })

  // Priced paths, kept across layouts: VMs of one type share their Device objects, so
  // most devices price the same few paths (by architecture, interrupt mode, NUMA factor and
  // whether the worker floats).
  const pathMemo = new Map<Device, Map<ArchitectureModel, Map<string, PathCosts>>>()
  const pathCosts = (device: Device, arch: ArchitectureModel, interrupt: InterruptMode, numaFactor: number, floating: boolean) => {
    let byArch = pathMemo.get(device)
    if (!byArch) pathMemo.set(device, byArch = new Map())
    let byKey = byArch.get(arch)
    if (!byKey) byArch.set(arch, byKey = new Map())
    const key = `${interrupt}${floating ? '+' : '-'}${numaFactor}`
    let costs = byKey.get(key)
    if (!costs) byKey.set(key, costs = arch.costs({device, calibration: cal, host, interrupt, numaFactor, floating}))
    return costs
  }

  // ------------------------------------------------------------ per-evaluation state
  // Sized once; every evaluation overwrites what it reads.
  const x = new Float64Array(n)
  const capX = new Float64Array(n) // the device's own cap this iteration
  const capKind = new Int8Array(n) // 0 offered, 1 timer-ring, 2 round-trip/queue-depth, 3 vcpu (one queue)
  const latencyCap = new Float64Array(n)
  const pk = new Float64Array(n)
  const pirq = new Float64Array(n)
  const cw = new Float64Array(n)
  const cg = new Float64Array(n)
  const limitRow = new Int32Array(n) // binding constraint, or -1 for the device's own cap
  const meanLatency = new Float64Array(n)
  const p99Latency = new Float64Array(n)
  const rhoNapi = new Float64Array(n)
  const active = new Uint8Array(n)
  const level = new Float64Array(n)
  const order = new Int32Array(n)
  const prevX = new Float64Array(n)
  const prevPk = new Float64Array(n)
  const prevPirq = new Float64Array(n)
  const dWorker = new Int32Array(n)
  const workerItem = new Float64Array(n)
  const guestItem = new Float64Array(n)
  const kickGuest = new Float64Array(n)
  const kickWorker = new Float64Array(n)
  const irqWorker = new Float64Array(n)
  const irqGuest = new Float64Array(n)
  const coalesce = new Float64Array(n)
  const irqLatency = new Float64Array(n)
  const onVcpu = new Uint8Array(n)
  const crossCore = new Float64Array(n)
  const vmLoad = new Float64Array(nv)
  const vmIrqRate = new Float64Array(nv)
  const vmEventBusy = new Float64Array(nv)
  const eventCycles = new Float64Array(nv)
  const vmCap = new Float64Array(nv)
  const vmOneCpu = new Float64Array(nv)
  const vmNode = new Int32Array(nv)
  const blockLoad = new Float64Array(host.blockDevices.length)
  const blockBytes = new Float64Array(host.blockDevices.length)
  const occupied = new Uint8Array(nCpu)
  const coreBusy = new Int32Array(nCore)
  const capOfIndex = new Float64Array(nCpu)
  const cpuStamp = new Int32Array(nCpu)
  const coreStamp = new Int32Array(nCore)
  const deviceStamp = new Int32Array(n)
  const gCoef = new Float64Array(n)
  const wCoef = new Float64Array(n)
  const cpuLoad = new Float64Array(nCpu)
  let stamp = 0

  return {
    evaluate(layout: Layout): Evaluation {
      // ---------------------------------------------------------- the layout's CPUs
      const roleOf = (id: number) => layout.roles[id] ?? 'idle'
      const placementOf = new Map<string, Layout['vms'][number]>()
      for (const p of layout.vms) placementOf.set(p.vm, p)
      const placements = vms.map(vm => placementOf.get(vm.id)!)

      // Each VM's distinct CPUs (as indices), in pin order.
      const vmCpuList = lists(nv, add => {
        for (let v = 0; v < nv; v++) {
          stamp++
          for (const id of placements[v].vcpuPins) {
            const c = indexOf(id)
            if (cpuStamp[c] !== stamp) {
              cpuStamp[c] = stamp
              add(v, c)
            }
          }
        }
      })
      for (let v = 0; v < nv; v++) vmNode[v] = placements[v].node
      const workers = layout.workers
      const nw = workers.length
      const workerCpuList = lists(nw, add => {
        for (let k = 0; k < nw; k++) for (const id of workers[k].cpus) add(k, indexOf(id))
      })

      // A hardware thread delivers a whole core only while its siblings have nothing to run.
      occupied.fill(0)
      coreBusy.fill(0)
      for (let q = 0; q < vmCpuList.item.length; q++) occupied[vmCpuList.item[q]] = 1
      for (let k = 0; k < nw; k++) if (!workers[k].floating) occupied[workerCpuList.item[workerCpuList.start[k]]] = 1
      for (let c = 0; c < nCpu; c++) coreBusy[cpuCore[c]] += occupied[c]
      for (let c = 0; c < nCpu; c++) capOfIndex[c] = f * (coreBusy[cpuCore[c]] - occupied[c] > 0 ? cal.smtShare : 1)

      for (let v = 0; v < nv; v++) {
        let sum = 0
        let least = Number.POSITIVE_INFINITY
        for (let q = vmCpuList.start[v]; q < vmCpuList.start[v + 1]; q++) {
          const capacity = capOfIndex[vmCpuList.item[q]]
          sum += capacity
          if (capacity < least) least = capacity
        }

        vmCap[v] = sum
        vmOneCpu[v] = least
      }

      // Consumers by CPU, in VM and worker order, so that each pool only looks at the ones that touch it.
      const vmsOnCpu = lists(nCpu, add => {
        for (let v = 0; v < nv; v++) for (let q = vmCpuList.start[v]; q < vmCpuList.start[v + 1]; q++) add(vmCpuList.item[q], v)
      })
      const workersOnCpu = lists(nCpu, add => {
        for (let k = 0; k < nw; k++) for (let q = workerCpuList.start[k]; q < workerCpuList.start[k + 1]; q++) add(workerCpuList.item[q], k)
      })

      // ---------------------------------------------------------- workers
      const firstCpu = (k: number) => workerCpuList.item[workerCpuList.start[k]]
      const workerArch = workers.map(w => architecture(w.architecture, options.architectures))
      const workerNode = i32(workers, (_, k) => cpuNode[firstCpu(k)])
      // Pinned workers by their CPU.
      const pinnedCount = new Int32Array(nCpu)
      for (let k = 0; k < nw; k++) if (!workers[k].floating) pinnedCount[firstCpu(k)]++
      const pinnedGroups: number[][] = []
      {
        const group = new Map<number, number[]>()
        for (let k = 0; k < nw; k++) {
          if (workers[k].floating || pinnedCount[firstCpu(k)] < 2) continue
          let list = group.get(firstCpu(k))
          if (!list) {
            group.set(firstCpu(k), list = [])
            pinnedGroups.push(list)
          }

          list.push(k)
        }
      }

      // Capacity the worker can use when running: one of its CPUs.
      const workerCpuCap = f64(workers, (w, k) => {
        if (!w.floating) return capOfIndex[firstCpu(k)]
        let least = Number.POSITIVE_INFINITY
        for (let q = workerCpuList.start[k]; q < workerCpuList.start[k + 1]; q++) least = Math.min(least, capOfIndex[workerCpuList.item[q]])
        return least
      })
      // Its share of that CPU when several pinned workers time-share it.
      const workerShare = f64(workers, (w, k) => (w.floating ? 1 : 1 / pinnedCount[firstCpu(k)]))
      // A pinned worker alone on a core with nothing else pinned to it: its core goes idle
      // whenever the worker sleeps.
      const idleCore = f64(workers, (w, k) => {
        if (w.floating) return 0
        const c = firstCpu(k)
        return pinnedCount[c] === 1 && coreBusy[cpuCore[c]] === occupied[c] ? 1 : 0
      })
      const floatingWorker = u8(workers, w => (w.floating ? 1 : 0))
      const noteKind = i32(workers, w => NOTE_CODES[w.notification.kind])
      const spinBudget = f64(workers, w => (w.notification.kind === 'spin' ? w.notification.budgetS : 0))
      const timerPeriod = f64(workers, w => (w.notification.kind === 'timer' ? w.notification.periodS : 0))
      const timerRing = f64(workers, w => (w.notification.kind === 'timer' ? w.notification.ring : 0))
      const workerDevices = i32(workers, w => w.devices.length)

      for (let k = 0; k < nw; k++) for (const ref of workers[k].devices) dWorker[refIndex.get(ref)!] = k
      const byWorker = lists(nw, add => {
        for (let i = 0; i < n; i++) add(dWorker[i], i)
      })

      const costs: PathCosts[] = []
      for (let i = 0; i < n; i++) {
        const k = dWorker[i]
        const wn = workerNode[k]
        const ioNode = dIoNode[i]
        const numaFactor = 1 + (cal.numaRemoteFactor - 1) * (remote(wn, vmNode[dVm[i]]) + (ioNode < 0 ? 0 : remote(wn, ioNode))) / 2
        const c = pathCosts(devices[i], workerArch[k], layout.interrupt, numaFactor, workers[k].floating)
        costs.push(c)
        workerItem[i] = c.workerItem
        guestItem[i] = c.guestItem
        kickGuest[i] = c.kickGuest
        kickWorker[i] = c.kickWorker
        irqWorker[i] = c.irqWorker
        irqGuest[i] = c.irqGuest
        coalesce[i] = c.coalesceWindowS
        irqLatency[i] = c.irqLatencyS
        onVcpu[i] = c.onVcpu ? 1 : 0
      }

      // Cache locality: a floating worker is woken next to the vCPU that kicked it (the
      // scheduler's wake-affine placement), so it shares that core's caches; a pinned worker
      // on another core pulls ring and buffer lines across on every item, and so does the guest.
      for (let v = 0; v < nv; v++) {
        stamp++
        for (let q = vmCpuList.start[v]; q < vmCpuList.start[v + 1]; q++) coreStamp[cpuCore[vmCpuList.item[q]]] = stamp
        for (let q = byVm.start[v]; q < byVm.start[v + 1]; q++) {
          const i = byVm.item[q]
          const k = dWorker[i]
          crossCore[i] = floatingWorker[k] || coreStamp[cpuCore[firstCpu(k)]] === stamp ? 0 : cal.crossCoreCycles
        }
      }

      // Floating workers: the vCPU load on their CPUs, as weights of each VM's load.
      const floatStart = new Int32Array(nw + 1)
      const floatVm: number[] = []
      const floatWeight: number[] = []
      for (let k = 0; k < nw; k++) {
        if (floatingWorker[k]) {
          stamp++
          let total = 0
          for (let q = workerCpuList.start[k]; q < workerCpuList.start[k + 1]; q++) {
            const c = workerCpuList.item[q]
            cpuStamp[c] = stamp
            total += capOfIndex[c]
          }

          const touched: number[] = []
          for (let q = workerCpuList.start[k]; q < workerCpuList.start[k + 1]; q++) {
            const c = workerCpuList.item[q]
            for (let r = vmsOnCpu.start[c]; r < vmsOnCpu.start[c + 1]; r++) touched.push(vmsOnCpu.item[r])
          }

          touched.sort((a, b) => a - b)
          for (let t = 0; t < touched.length; t++) {
            const v = touched[t]
            if (t > 0 && touched[t - 1] === v) continue
            let inside = 0
            for (let q = vmCpuList.start[v]; q < vmCpuList.start[v + 1]; q++) {
              const c = vmCpuList.item[q]
              if (cpuStamp[c] === stamp) inside += capOfIndex[c]
            }

            if (inside > 0) {
              floatVm.push(v)
              floatWeight.push(inside / vmCap[v] / total)
            }
          }
        }

        floatStart[k + 1] = floatVm.length
      }

      // Workers that run in their owners' cgroup: all their devices belong to VMs of one
      // cgroup (per-device workers, shared workers under same-cgroup sharing). One that
      // mixes cgroups is charged to none of them: the cgroup problem of shared workers (seed 001).
      const charged = u8(workers, (_, k) => {
        let path: string | undefined
        for (let q = byWorker.start[k]; q < byWorker.start[k + 1]; q++) {
          const p = cgroupOf[dVm[byWorker.item[q]]]
          if (path === undefined) path = p
          else if (p !== path) return 0
        }

        return path === undefined ? 0 : 1
      })

      // ---------------------------------------------------------- constraints
      // CPU pools: every distinct CPU set used by a VM or a worker; a pool's members are the
      // consumers whose CPUs all lie inside it (a Hall-type condition on the sets that occur).
      // Consumers 0..nv-1 are VMs, nv.. are workers.
      const consumerCpus = (u: number): [Int32Array, number, number] => (u < nv
        ? [vmCpuList.item, vmCpuList.start[u], vmCpuList.start[u + 1]]
        : [workerCpuList.item, workerCpuList.start[u - nv], workerCpuList.start[u - nv + 1]])
      // Distinct sets found by an order-free hash of their CPUs, checked CPU by CPU.
      const poolByHash = new Map<number, number[]>()
      const poolOf: number[] = [] // the consumer whose CPU list a pool uses (the last with that set)
      const sameSet = (a: number, b: number) => {
        const [ia, fa, ta] = consumerCpus(a)
        const [ib, fb, tb] = consumerCpus(b)
        stamp++
        let size = 0
        for (let q = fa; q < ta; q++) {
          if (cpuStamp[ia[q]] !== stamp) size++
          cpuStamp[ia[q]] = stamp
        }

        let other = 0
        for (let q = fb; q < tb; q++) {
          if (cpuStamp[ib[q]] !== stamp && cpuStamp[ib[q]] !== -stamp) return false
          if (cpuStamp[ib[q]] === stamp) other++
          cpuStamp[ib[q]] = -stamp
        }

        return other === size
      }

      for (let u = 0; u < nv + nw; u++) {
        const [item, from, to] = consumerCpus(u)
        let hash = 0
        stamp++
        for (let q = from; q < to; q++) {
          const c = item[q]
          if (cpuStamp[c] === stamp) continue
          cpuStamp[c] = stamp
          hash = (hash + Math.imul(c + 1, 0x9E37_79B1) ^ (c * 0x85EB_CA6B)) | 0
        }

        const candidates = poolByHash.get(hash)
        const known = candidates?.find(p => sameSet(poolOf[p], u))
        if (known === undefined) {
          if (candidates) candidates.push(poolOf.length)
          else poolByHash.set(hash, [poolOf.length])
          poolOf.push(u)
        } else {
          poolOf[known] = u
        }
      }

      const vmSeen = new Int32Array(nv)
      const workerSeen = new Int32Array(nw)
      const rowKind: number[] = []
      const rowCapacity: number[] = []
      const rowStart: number[] = [0]
      const member: number[] = []
      const guestIn: number[] = []
      const workerIn: number[] = []
      const fixedIn: number[] = []
      /** For pool rows: the VMs or workers that name it; for quota rows, the VM. */
      const rowOwners: {vms: number[]; workers: number[]}[] = []
      for (const u of poolOf) {
        const [item, from, to] = consumerCpus(u)
        stamp++
        for (let q = from; q < to; q++) cpuStamp[item[q]] = stamp
        const poolStamp = stamp
        const vmsIn: number[] = []
        const workersIn: number[] = []
        const inside = (list: Int32Array, a: number, b: number) => {
          for (let q = a; q < b; q++) if (cpuStamp[list[q]] !== poolStamp) return false
          return true
        }

        // Each consumer is looked at once per pool.
        const seen = poolStamp
        let capacity = 0
        for (let q = from; q < to; q++) {
          const c = item[q]
          capacity += capOfIndex[c]
          for (let r = vmsOnCpu.start[c]; r < vmsOnCpu.start[c + 1]; r++) {
            const v = vmsOnCpu.item[r]
            if (vmSeen[v] === seen) continue
            vmSeen[v] = seen
            if (inside(vmCpuList.item, vmCpuList.start[v], vmCpuList.start[v + 1])) vmsIn.push(v)
          }

          for (let r = workersOnCpu.start[c]; r < workersOnCpu.start[c + 1]; r++) {
            const k = workersOnCpu.item[r]
            if (workerSeen[k] === seen) continue
            workerSeen[k] = seen
            if (inside(workerCpuList.item, workerCpuList.start[k], workerCpuList.start[k + 1])) workersIn.push(k)
          }
        }

        stamp++
        const touched: number[] = []
        const touch = (i: number) => {
          if (deviceStamp[i] !== stamp) {
            deviceStamp[i] = stamp
            gCoef[i] = 0
            wCoef[i] = 0
            touched.push(i)
          }
        }

        for (const v of vmsIn) {
          for (let q = byVm.start[v]; q < byVm.start[v + 1]; q++) {
            touch(byVm.item[q])
            gCoef[byVm.item[q]] = 1
          }
        }

        for (const k of workersIn) {
          for (let q = byWorker.start[k]; q < byWorker.start[k + 1]; q++) {
            touch(byWorker.item[q])
            wCoef[byWorker.item[q]] = 1
          }
        }

        touched.sort((a, b) => a - b)
        for (const i of touched) {
          member.push(i)
          guestIn.push(gCoef[i])
          workerIn.push(wCoef[i])
          fixedIn.push(0)
        }

        rowKind.push(vmsIn.length > 0 ? ROW_VCPU : ROW_WORKER)
        rowCapacity.push(capacity)
        rowStart.push(member.length)
        rowOwners.push({vms: vmsIn, workers: workersIn})
      }

      for (let v = 0; v < nv; v++) {
        const quota = quotaCpus[v]
        if (quota === undefined) continue
        for (let q = byVm.start[v]; q < byVm.start[v + 1]; q++) {
          const i = byVm.item[q]
          member.push(i)
          guestIn.push(1)
          workerIn.push(charged[dWorker[i]])
          fixedIn.push(0)
        }

        rowKind.push(ROW_QUOTA)
        rowCapacity.push(quota * f)
        rowStart.push(member.length)
        rowOwners.push({vms: [v], workers: []})
      }

      const dynamicRows = rowKind.length
      for (let j = 0; j < fixedRows.kind.length; j++) {
        for (let q = fixedRows.start[j]; q < fixedRows.start[j + 1]; q++) {
          member.push(fixedRows.member[q])
          guestIn.push(0)
          workerIn.push(0)
          fixedIn.push(fixedRows.fixed[q])
        }

        rowKind.push(fixedRows.kind[j])
        rowCapacity.push(fixedRows.capacity[j])
        rowStart.push(member.length)
      }

      const nc = rowKind.length
      const nnz = member.length
      const conStart = Int32Array.from(rowStart)
      const conMember = Int32Array.from(member)
      const conGuest = Float64Array.from(guestIn)
      const conWorker = Float64Array.from(workerIn)
      const conFixed = Float64Array.from(fixedIn)
      const conCapacity = Float64Array.from(rowCapacity)
      const rowName = (j: number): {kind: LimitKind; resource: string} => {
        const kind = ROW_KINDS[rowKind[j]]
        if (j >= dynamicRows) return {kind, resource: fixedRows.resource[j - dynamicRows]}
        const owners = rowOwners[j]
        if (rowKind[j] === ROW_QUOTA) return {kind, resource: cgroupOf[owners.vms[0]]}
        const resource = owners.workers.length > 0 && owners.vms.length === 0
          ? owners.workers.map(k => workers[k].id).join('+')
          : owners.vms.map(v => vms[v].id).join('+')
        return {kind, resource}
      }

      // Device -> its memberships, for incremental updates while filling.
      const degree = new Int32Array(n + 1)
      for (let k = 0; k < nnz; k++) degree[conMember[k] + 1]++
      for (let i = 0; i < n; i++) degree[i + 1] += degree[i]
      const byDevice = new Int32Array(nnz)
      const byDeviceRow = new Int32Array(nnz)
      {
        const fillAt = degree.slice(0, n)
        for (let j = 0; j < nc; j++) {
          for (let k = conStart[j]; k < conStart[j + 1]; k++) {
            const i = conMember[k]
            byDevice[fillAt[i]] = k
            byDeviceRow[fillAt[i]] = j
            fillAt[i]++
          }
        }
      }

      // ---------------------------------------------------------- state
      const coef = new Float64Array(nnz)
      const coefPerBit = new Float64Array(nnz)
      const used = new Float64Array(nc)
      const slope = new Float64Array(nc)
      const hit = new Float64Array(nc)
      const activeIn = new Int32Array(nc)
      const U = new Float64Array(nw)
      const prevU = new Float64Array(nw)
      const spin = new Float64Array(nw)
      const lambda = new Float64Array(nw)
      const floatBusy = new Float64Array(nw)
      const workerCycles = new Float64Array(nw)
      const workerItems = new Float64Array(nw)
      x.fill(0)
      latencyCap.fill(Number.POSITIVE_INFINITY)
      meanLatency.fill(0)
      p99Latency.fill(0)
      rhoNapi.fill(0)
      prevX.fill(0)
      prevPk.fill(0)
      prevPirq.fill(0)
      vmEventBusy.fill(0)
      vmIrqRate.fill(0)
      for (let i = 0; i < n; i++) order[i] = i

      const price = () => {
        for (let i = 0; i < n; i++) {
          const w = dWorker[i]
          const idle = 1 - U[w]
          let p: number
          let raw = sources[i] * Math.max(0, 1 - rhoNapi[i]) / cal.irqBatch
          switch (noteKind[w]) {
            case NOTE_KICK: {
              p = idle / batch[i]
              break
            }

            case NOTE_SPIN: {
              p = idle * Math.exp(-lambda[w] * spinBudget[w]) / batch[i]
              break
            }

            case NOTE_POLL: {
              p = 0
              break
            }

            default: {
              // One notification opens a timer period; the flush then completes the batch.
              const perPeriod = Math.max(1, x[i] * (timerPeriod[w] + cal.timerSlackS))
              p = 1 / perPeriod
              raw = Math.min(raw, 1 / perPeriod)
            }
          }

          if (onVcpu[i]) p = 1 / batch[i]
          // One queue per VM (vbus): held off while the guest drains any of the VM's events,
          // and merged with signals that arrive while an injection is under way.
          const irq = coalesce[i] > 0
            ? sources[i] * Math.max(0, 1 - vmEventBusy[dVm[i]]) / cal.irqBatch / (1 + vmIrqRate[dVm[i]] * coalesce[i])
            : raw
          // A wake-up that preempts a vCPU costs two context switches (out and back in).
          const preempt = floatingWorker[w] ? floatBusy[w] * 2 * cal.contextSwitchCycles : 0
          const worker = per[i] * (workerItem[i] + crossCore[i]) + p * (kickWorker[i] + preempt) + irq * irqWorker[i]
          const guest = per[i] * (guestItem[i] + crossCore[i]) + p * kickGuest[i] + irq * irqGuest[i]
          pk[i] = p
          pirq[i] = irq
          cw[i] = onVcpu[i] ? 0 : worker
          cg[i] = onVcpu[i] ? guest + worker : guest
        }
      }

      // Caps that depend on latency (round trips, queue depth) and on the timer.
      const caps = (damping: number) => {
        for (let i = 0; i < n; i++) {
          const w = dWorker[i]
          let c = offered[i]
          let kind = 0
          if (noteKind[w] === NOTE_TIMER) {
            // The ring fills while the timer runs (or while the guest produces, if slower);
            // the guest cannot reuse descriptors until the flush has completed them.
            const ring = timerRing[w]
            const fillS = Math.max(timerPeriod[w] + cal.timerSlackS, ring * cg[i] / vmOneCpu[dVm[i]])
            const timerCap = ring / (fillS + ring * cw[i] / workerCpuCap[w])
            if (timerCap < c) {
              c = timerCap
              kind = 1
            }
          }

          if (closedLoop[i] && meanLatency[i] > 0) {
            const bound = queueDepth[i] / meanLatency[i]
            latencyCap[i] = Number.isFinite(latencyCap[i]) ? latencyCap[i] + damping * (bound - latencyCap[i]) : bound
            if (latencyCap[i] < c) {
              c = latencyCap[i]
              kind = 2
            }
          }

          // A single device's guest work runs on one vCPU at a time (one queue).
          const vcpu = cg[i] > 0 ? vmOneCpu[dVm[i]] / cg[i] : Number.POSITIVE_INFINITY
          if (vcpu < c) {
            c = vcpu
            kind = 3
          }

          capX[i] = c
          capKind[i] = kind
        }
      }

      // Water-filling on the level t (bits/s per device), with slopes, usage and the level
      // at which each constraint fills kept up to date as devices freeze. Devices whose own
      // cap comes first freeze in order of their cap level, many per pass.
      const fill = () => {
        for (let k = 0; k < nnz; k++) {
          const i = conMember[k]
          const c = conGuest[k] * cg[i] + conWorker[k] * cw[i] + conFixed[k]
          coef[k] = c
          coefPerBit[k] = c / bitsPerItem[i]
        }

        let remaining = 0
        for (let i = 0; i < n; i++) {
          x[i] = 0
          limitRow[i] = -1
          level[i] = capX[i] * bitsPerItem[i]
          if (capX[i] > 0) {
            active[i] = 1
            remaining++
          } else {
            active[i] = 0
          }
        }

        // The order by cap level barely changes between iterations: insertion sort.
        for (let a = 1; a < n; a++) {
          const i = order[a]
          const t = level[i]
          let b = a - 1
          while (b >= 0 && level[order[b]] > t) {
            order[b + 1] = order[b]
            b--
          }

          order[b + 1] = i
        }

        for (let j = 0; j < nc; j++) {
          let s = 0
          let count = 0
          for (let k = conStart[j]; k < conStart[j + 1]; k++) {
            if (active[conMember[k]]) {
              s += coefPerBit[k]
              count++
            }
          }

          used[j] = 0
          slope[j] = s
          activeIn[j] = count
          hit[j] = count > 0 && s > 0 ? Math.max(0, conCapacity[j] / s) : Number.POSITIVE_INFINITY
        }

        const freeze = (i: number, rate: number, row: number) => {
          active[i] = 0
          remaining--
          x[i] = rate
          limitRow[i] = row
          for (let q = degree[i]; q < degree[i + 1]; q++) {
            const k = byDevice[q]
            const j = byDeviceRow[q]
            const s = slope[j] - coefPerBit[k]
            const u = used[j] + coef[k] * rate
            const count = activeIn[j] - 1
            slope[j] = s
            used[j] = u
            activeIn[j] = count
            hit[j] = count > 0 && s > 0 ? Math.max(0, (conCapacity[j] - u) / s) : Number.POSITIVE_INFINITY
          }
        }

        let next = 0 // position in `order` of the lowest cap still active
        while (remaining > 0) {
          while (next < n && !active[order[next]]) next++
          const capLevel = next < n ? level[order[next]] : Number.POSITIVE_INFINITY
          let fullLevel = Number.POSITIVE_INFINITY
          for (let j = 0; j < nc; j++) if (hit[j] < fullLevel) fullLevel = hit[j]
          const best = Math.min(capLevel, fullLevel)
          // Nothing bounds the rest (no cost, no cap): they stay at zero rather than infinite.
          if (!Number.isFinite(best)) break

          const eps = best * 1e-12
          if (fullLevel <= best + eps) {
            // Constraints that bind at this level, checked before any freezing moves them.
            const binding: number[] = []
            for (let j = 0; j < nc; j++) if (hit[j] <= best + eps) binding.push(j)
            for (const j of binding) {
              for (let k = conStart[j]; k < conStart[j + 1]; k++) {
                const i = conMember[k]
                if (active[i]) freeze(i, best / bitsPerItem[i], j)
              }
            }

            while (next < n) {
              const i = order[next]
              if (active[i] && level[i] > best + eps) break
              if (active[i]) freeze(i, capX[i], -1)
              next++
            }
          } else {
            // Every device whose cap comes before the first constraint fills freezes at its
            // cap: freezing below a constraint's level only moves that level up.
            while (next < n) {
              const i = order[next]
              if (active[i]) {
                const t = level[i]
                if (t > best + eps && t * (1 + 1e-12) >= fullLevel) break
                freeze(i, capX[i], -1)
              }

              next++
            }
          }
        }
      }

      const observe = (damping: number) => {
        const mix = (old: number, value: number) => old + damping * (value - old)
        workerCycles.fill(0)
        workerItems.fill(0)
        vmLoad.fill(0)
        vmIrqRate.fill(0)
        blockLoad.fill(0)
        blockBytes.fill(0)
        eventCycles.fill(0)
        for (let i = 0; i < n; i++) {
          const w = dWorker[i]
          const v = dVm[i]
          workerCycles[w] += x[i] * cw[i]
          workerItems[w] += x[i] * per[i]
          vmLoad[v] += x[i] * cg[i]
          vmIrqRate[v] += x[i] * sources[i]
          eventCycles[v] += x[i] * per[i] * guestItem[i]
          if (dBlock[i] >= 0) {
            blockLoad[dBlock[i]] += x[i]
            blockBytes[dBlock[i]] += x[i] * sizeBytes[i]
          }
        }

        for (let w = 0; w < nw; w++) {
          // Time the worker runs, as a fraction of its CPU: a worker that shares its CPU with
          // others is idle (and re-arms notifications) whenever its own queues are empty.
          U[w] = mix(U[w], Math.min(1, workerCycles[w] / workerCpuCap[w]))
          lambda[w] = mix(lambda[w], workerItems[w])
          spin[w] = noteKind[w] === NOTE_SPIN ? (1 - U[w]) * (1 - Math.exp(-lambda[w] * spinBudget[w])) : 0
          let load = 0
          for (let q = floatStart[w]; q < floatStart[w + 1]; q++) load += vmLoad[floatVm[q]] * floatWeight[q]
          floatBusy[w] = mix(floatBusy[w], Math.min(1, load))
        }

        // Spinning only fills idle time: workers pinned to one CPU spin at most in its idle share.
        for (const list of pinnedGroups) {
          let busy = 0
          let spinning = 0
          for (const w of list) {
            busy += U[w]
            spinning += spin[w]
          }

          const idle = Math.max(0, 1 - busy)
          if (spinning > idle) for (const w of list) spin[w] *= idle / spinning
        }

        for (let v = 0; v < nv; v++) vmEventBusy[v] = mix(vmEventBusy[v], Math.min(1, eventCycles[v] / vmOneCpu[v]))
        for (let i = 0; i < n; i++) {
          // NAPI keeps a device's interrupts off while the guest polls it: for received
          // packets, the time the guest spends processing them; for completions of
          // transmitted packets and block requests, the time their handler runs.
          const busy = rxStream[i] ? x[i] * guestItem[i] / vmOneCpu[dVm[i]] : x[i] * per[i] * cal.guestIrqCycles / vmOneCpu[dVm[i]]
          rhoNapi[i] = mix(rhoNapi[i], Math.min(1, busy))
        }
      }

      const latency = () => {
        for (let i = 0; i < n; i++) {
          const w = dWorker[i]
          const kind = noteKind[w]
          const capW = workerCpuCap[w]
          const meanService = workerItems[w] > 0 ? workerCycles[w] / workerItems[w] / capW : cw[i] / per[i] / capW
          const u = Math.min(U[w], 0.999_999)
          const wait = Math.min(u * meanService / (1 - u), RING_ITEMS * meanService)
          const waitP99 = u > 0.01 ? Math.min(meanService / (1 - u) * Math.log(100 * u), RING_ITEMS * meanService) : 0
          const service = cw[i] / capW
          const guest = cg[i] / vmOneCpu[dVm[i]]
          // Notification: a wake-up when the worker sleeps, the timer, or half a polling pass.
          let notify = 0
          let notifyP99 = 0
          if (kind === NOTE_POLL) {
            const pass = workerDevices[w] * cal.pollPassCycles / capW
            notify = pass / 2
            notifyP99 = pass
          } else if (kind === NOTE_TIMER) {
            notify = timerPeriod[w] / 2 + cal.timerSlackS
            notifyP99 = timerPeriod[w] * 0.99 + cal.timerSlackS
          } else if (!onVcpu[i]) {
            // Work done on the vCPU itself needs no wake-up.
            const wakeProb = Math.min(1, pk[i] * batch[i])
            // A pinned worker's core sleeps when the worker does (it has nothing else to run)
            // and must leave its C-state; a floating one wakes next to the vCPU that kicked it.
            const wake = cal.wakeupLatencyS
              + (floatingWorker[w] ? floatBusy[w] * cal.schedDelayS : idleCore[w] * cal.idleExitLatencyS)
            notify = wakeProb * wake
            notifyP99 = wakeProb > 0.01 ? wake : 0
          }

          const irq = pirq[i] > 0 ? irqLatency[i] : 0
          let deviceTime = 0
          const b = dBlock[i]
          if (b >= 0) {
            const bd = host.blockDevices[b]
            const rho = Math.min(0.99, Math.max(blockLoad[b] / bd.maxIops, blockBytes[b] / bd.maxBandwidthBytes))
            deviceTime = bd.serviceLatencyS / (1 - rho)
          }

          const fixed = guest + irq + deviceTime + fixedRtt[i]
          meanLatency[i] = fixed + notify + wait + service
          p99Latency[i] = fixed + notifyP99 + waitP99 + service
        }
      }

      // Damped fixed point. The step shrinks whenever the iterates stop improving, which
      // turns the oscillations a kick-mode worker can set up into convergence.
      let iterations = 0
      let damping = 0.8
      let lastChange = Number.POSITIVE_INFINITY
      for (iterations = 1; iterations <= maxIterations; iterations++) {
        price()
        caps(damping)
        fill()
        observe(damping)
        latency()
        let change = 0
        for (let i = 0; i < n; i++) {
          change = Math.max(change, Math.abs(x[i] - prevX[i]) / Math.max(1, x[i]),
            Math.abs(pk[i] - prevPk[i]), Math.abs(pirq[i] - prevPirq[i]))
          prevX[i] = x[i]
          prevPk[i] = pk[i]
          prevPirq[i] = pirq[i]
        }

        for (let w = 0; w < nw; w++) {
          change = Math.max(change, Math.abs(U[w] - prevU[w]))
          prevU[w] = U[w]
        }

        if (iterations > 3 && change < tolerance) break
        if (iterations > 3 && change > 0.9 * lastChange) damping = Math.max(0.02, damping * 0.7)
        lastChange = change
      }

      iterations = Math.min(iterations, maxIterations)

      // ---------------------------------------------------------- results
      const limitOf = (i: number): Limit => {
        const j = limitRow[i]
        if (j >= 0) return rowName(j)
        const kinds: LimitKind[] = ['offered-load', 'timer-ring', devices[i].kind === 'block' ? 'queue-depth' : 'round-trip', 'vcpu']
        const kind = kinds[capKind[i]]
        return {kind, resource: kind === 'vcpu' ? vms[dVm[i]].id : refs[i]}
      }

      const deviceResults: DeviceResult[] = []
      let exitsPerS = 0
      let interruptsPerS = 0
      for (let i = 0; i < n; i++) {
        const rate = x[i]
        const c = costs[i]
        const d = devices[i]
        const bytes = d.kind === 'block' ? rate * d.sizeBytes : rate * bitsPerItem[i] / 8
        const exits = rate * (pk[i] * c.kickExits + pirq[i] * c.irqExits)
        const interrupts = rate * pirq[i]
        exitsPerS += exits
        interruptsPerS += interrupts
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
          wakeupsPerS: c.onVcpu ? 0 : rate * pk[i],
          kicksPerS: rate * pk[i] * (c.kickExits > 0 ? 1 : 0),
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
        for (let q = vmCpuList.start[v]; q < vmCpuList.start[v + 1]; q++) {
          const c = vmCpuList.item[q]
          cpuLoad[c] += load * capOfIndex[c] / vmCap[v]
        }
      }

      for (let k = 0; k < nw; k++) {
        const cycles = noteKind[k] === NOTE_POLL ? workerShare[k] * workerCpuCap[k] : workerCycles[k] + spin[k] * workerCpuCap[k]
        let total = 0
        for (let q = workerCpuList.start[k]; q < workerCpuList.start[k + 1]; q++) total += capOfIndex[workerCpuList.item[q]]
        for (let q = workerCpuList.start[k]; q < workerCpuList.start[k + 1]; q++) {
          const c = workerCpuList.item[q]
          cpuLoad[c] += cycles * capOfIndex[c] / total
        }
      }

      const floatingOn = new Uint8Array(nCpu)
      for (let k = 0; k < nw; k++) {
        if (floatingWorker[k]) for (let q = workerCpuList.start[k]; q < workerCpuList.start[k + 1]; q++) floatingOn[workerCpuList.item[q]] = 1
      }

      let cpusAllocated = 0
      const cpuResults: CpuResult[] = []
      for (let c = 0; c < nCpu; c++) {
        const cpu = host.cpus[c]
        const role = roleOf(cpu.id)
        if (role !== 'idle' || floatingOn[c]) cpusAllocated++
        const onVms: string[] = []
        for (let r = vmsOnCpu.start[c]; r < vmsOnCpu.start[c + 1]; r++) onVms.push(vms[vmsOnCpu.item[r]].id)
        const onWorkers: string[] = []
        for (let r = workersOnCpu.start[c]; r < workersOnCpu.start[c + 1]; r++) onWorkers.push(workers[workersOnCpu.item[r]].id)
        cpuResults.push({
          id: cpu.id,
          node: cpu.node,
          role,
          utilisation: Math.min(1, cpuLoad[c] / capOfIndex[c]),
          vms: onVms,
          workers: onWorkers,
        })
      }

      let netBps = 0
      let blockBytesPerS = 0
      let iops = 0
      let sloViolations = 0
      const vmResults: VmResult[] = []
      for (let v = 0; v < nv; v++) {
        const vm = vms[v]
        const slo = vm.type.slo
        const violations: string[] = []
        let vmNet = 0
        let vmBlockBytes = 0
        let vmIops = 0
        let p99 = 0
        for (let q = byVm.start[v]; q < byVm.start[v + 1]; q++) {
          const d = deviceResults[byVm.item[q]]
          if (d.kind === 'net') {
            vmNet += d.bitsPerS
          } else {
            vmBlockBytes += d.bytesPerS
            vmIops += d.rate
          }

          p99 = Math.max(p99, d.p99LatencyS)
          if (Number.isFinite(d.offered) && d.rate < slo.minFraction * d.offered * (1 - 1e-9)) {
            violations.push(`${d.device}: ${(100 * d.rate / d.offered).toFixed(1)}% of offered load, below ${(100 * slo.minFraction).toFixed(1)}%`)
          }

          if (slo.maxP99S !== undefined && d.p99LatencyS > slo.maxP99S) {
            violations.push(`${d.device}: p99 ${(d.p99LatencyS * 1e6).toFixed(1)} us above ${(slo.maxP99S * 1e6).toFixed(1)} us`)
          }
        }

        netBps += vmNet
        blockBytesPerS += vmBlockBytes
        iops += vmIops
        sloViolations += violations.length
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

      const deliveredBps = netBps + 8 * blockBytesPerS
      const cpusHost = nCpu
      return {
        host: host.model,
        calibration: cal.name,
        devices: deviceResults,
        workers: workerResults,
        cpus: cpuResults,
        vms: vmResults,
        totals: {
          netBps,
          blockBytesPerS,
          iops,
          deliveredBps,
          cpusHost,
          cpusAllocated,
          bpsPerCpuHost: deliveredBps / cpusHost,
          // Idle CPUs that floating workers may run on are not free either.
          bpsPerCpuAllocated: cpusAllocated > 0 ? deliveredBps / cpusAllocated : 0,
          exitsPerS,
          interruptsPerS,
          sloViolations,
        },
        iterations,
      }
    },
  }
}
