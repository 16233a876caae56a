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
 * The search calls this millions of times, so the static structure is laid out once in
 * flat typed arrays (`prepare`) and the fixed point allocates nothing per iteration.
 */
import {architecture} from './arch/index.js'
import type {ArchitectureModel, PathCosts} from './arch/types.js'
import {framesPerItem, wireBitsPerItem} from './net.js'
import type {
  Calibration, CpuResult, Device, DeviceResult, Evaluation, Host, Layout, Limit, LimitKind, Vm, VmResult,
  WorkerResult,
} from './types.js'

export interface EvaluateOptions {
  /** Extra architectures (from plugins) by id. */
  architectures?: ReadonlyMap<string, ArchitectureModel>
  maxIterations?: number
  /** Convergence: largest relative change of a rate, or absolute change of a share, between iterations. */
  tolerance?: number
}

/** Queue depth assumed when a worker is saturated: a full virtqueue. */
const RING_ITEMS = 256

const NOTE_KICK = 0
const NOTE_SPIN = 1
const NOTE_POLL = 2
const NOTE_TIMER = 3

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

/** A set of linear constraints in compressed rows: member devices with their coefficients. */
interface Constraints {
  count: number
  kind: LimitKind[]
  resource: string[]
  capacity: Float64Array
  start: Int32Array
  member: Int32Array
  /** Coefficient = guest * cg + worker * cw + fixed, per membership. */
  guest: Float64Array
  worker: Float64Array
  fixed: Float64Array
}

function buildConstraints(rows: {kind: LimitKind; resource: string; capacity: number;
  members: {device: number; guest?: number; worker?: number; fixed?: number}[]}[]): Constraints {
  const nnz = rows.reduce((s, r) => s + r.members.length, 0)
  const c: Constraints = {
    count: rows.length,
    kind: rows.map(r => r.kind),
    resource: rows.map(r => r.resource),
    capacity: f64(rows, r => r.capacity),
    start: new Int32Array(rows.length + 1),
    member: new Int32Array(nnz),
    guest: new Float64Array(nnz),
    worker: new Float64Array(nnz),
    fixed: new Float64Array(nnz),
  }
  let k = 0
  rows.forEach((r, j) => {
    c.start[j] = k
    for (const m of r.members) {
      c.member[k] = m.device
      c.guest[k] = m.guest ?? 0
      c.worker[k] = m.worker ?? 0
      c.fixed[k] = m.fixed ?? 0
      k++
    }
  })
  c.start[rows.length] = k
  return c
}

/**
 * Evaluate a layout of VMs on a host. The layout must have passed `checkLayout`.
 * Pure and deterministic: same inputs, same result.
 */
export function evaluate(host: Host, vms: Vm[], layout: Layout, cal: Calibration, options: EvaluateOptions = {}): Evaluation {
  const f = host.frequencyHz
  const maxIterations = options.maxIterations ?? 300
  const tolerance = options.tolerance ?? 1e-5

  // ------------------------------------------------------------ static structure
  const cpuIndex = new Map<number, number>()
  host.cpus.forEach((c, i) => cpuIndex.set(c.id, i))
  const role = (id: number) => layout.roles[id] ?? 'idle'
  const placementOf = new Map(layout.vms.map(p => [p.vm, p]))
  const placements = vms.map(v => placementOf.get(v.id)!)
  const vmCpus = placements.map(p => [...new Set(p.vcpuPins)])
  const workers = layout.workers
  const nw = workers.length
  const nv = vms.length

  // A hardware thread delivers a whole core only while its siblings have nothing to run.
  const occupied = new Uint8Array(host.cpus.length)
  for (const cpus of vmCpus) for (const c of cpus) occupied[cpuIndex.get(c)!] = 1
  for (const w of workers) if (!w.floating) occupied[cpuIndex.get(w.cpus[0])!] = 1
  const coreBusy = new Map<number, number>()
  host.cpus.forEach((c, i) => coreBusy.set(c.core, (coreBusy.get(c.core) ?? 0) + occupied[i]))
  const capOfIndex = f64(host.cpus, (c, i) =>
    f * ((coreBusy.get(c.core) ?? 0) - occupied[i] > 0 ? cal.smtShare : 1))
  const cap = (id: number) => capOfIndex[cpuIndex.get(id)!]

  const vmCap = f64(vmCpus, cpus => cpus.reduce((s, c) => s + cap(c), 0))
  const vmOneCpu = f64(vmCpus, cpus => Math.min(...cpus.map(cap)))

  const workerArch = workers.map(w => architecture(w.architecture, options.architectures))
  const pathMemo = new Map<Device, Map<ArchitectureModel, Map<number, [PathCosts | undefined, PathCosts | undefined]>>>()
  const workerNode = workers.map(w => host.cpus[cpuIndex.get(w.cpus[0])!].node)
  const pinnedOn = new Map<number, number[]>()
  workers.forEach((w, i) => {
    if (!w.floating) pinnedOn.set(w.cpus[0], [...(pinnedOn.get(w.cpus[0]) ?? []), i])
  })
  // Capacity the worker can use when running: one of its CPUs.
  const workerCpuCap = f64(workers, w => (w.floating ? Math.min(...w.cpus.map(cap)) : cap(w.cpus[0])))
  // Its share of that CPU when several pinned workers time-share it.
  const workerShare = f64(workers, w => (w.floating ? 1 : 1 / pinnedOn.get(w.cpus[0])!.length))
  // A pinned worker alone on a core with nothing else pinned to it: its core goes idle
  // whenever the worker sleeps.
  const idleCore = f64(workers, w => {
    if (w.floating) return 0
    const i = cpuIndex.get(w.cpus[0])!
    const core = host.cpus[i].core
    return pinnedOn.get(w.cpus[0])!.length === 1 && (coreBusy.get(core) ?? 0) === occupied[i] ? 1 : 0
  })
  const noteKind = i32(workers, w => ({kick: NOTE_KICK, spin: NOTE_SPIN, poll: NOTE_POLL, timer: NOTE_TIMER})[w.notification.kind])
  const spinBudget = f64(workers, w => (w.notification.kind === 'spin' ? w.notification.budgetS : 0))
  const timerPeriod = f64(workers, w => (w.notification.kind === 'timer' ? w.notification.periodS : 0))
  const timerRing = f64(workers, w => (w.notification.kind === 'timer' ? w.notification.ring : 0))

  const distance = (a: number, b: number) => host.distances[a]?.[b] ?? (a === b ? 10 : 21)
  const remote = (a: number, b: number) => Math.max(0, (distance(a, b) - 10) / 11)
  const workerOf = new Map<string, number>()
  workers.forEach((w, i) => w.devices.forEach(ref => workerOf.set(ref, i)))

  interface Static {
    vm: number
    device: Device
    ref: string
    worker: number
    nic: number
    block: number
  }
  const statics: Static[] = []
  vms.forEach((vm, v) => {
    for (const device of vm.type.devices) {
      const ref = `${vm.id}/${device.id}`
      const nic = device.kind === 'net'
        ? Math.max(0, device.backing ? host.nics.findIndex(x => x.id === device.backing) : 0) : -1
      const block = device.kind === 'block'
        ? Math.max(0, device.backing ? host.blockDevices.findIndex(b => b.id === device.backing) : 0) : -1
      statics.push({vm: v, device, ref, worker: workerOf.get(ref)!, nic, block})
    }
  })
  const n = statics.length
  const dVm = i32(statics, s => s.vm)
  const dWorker = i32(statics, s => s.worker)
  const dBlock = i32(statics, s => s.block)
  const per = f64(statics, s => (s.device.kind === 'net' && s.device.pattern === 'rr' ? 2 : 1))
  const bitsPerItem = f64(statics, (s, i) => 8 * s.device.sizeBytes * per[i])
  const offered = f64(statics, s => s.device.offered)
  const sources = f64(statics, s => interruptSources(s.device))
  const rxStream = u8(statics, s => (s.device.kind === 'net' && s.device.direction === 'rx' && s.device.pattern === 'stream' ? 1 : 0))
  const batch = f64(statics, s => (s.device.direction === 'rx' ? 1 : cal.guestBatch))
  const costs = statics.map(s => {
    const ioNode = s.nic >= 0 ? host.nics[s.nic]?.node : host.blockDevices[s.block]?.node
    const vmNode = placements[s.vm].node
    const wn = workerNode[s.worker]
    const numaFactor = 1 + (cal.numaRemoteFactor - 1) * (remote(wn, vmNode) + (ioNode === undefined ? 0 : remote(wn, ioNode))) / 2
    const floating = workers[s.worker].floating
    // VMs of one type share their Device objects, so most devices price the same path.
    const arch = workerArch[s.worker]
    let byArch = pathMemo.get(s.device)
    if (!byArch) pathMemo.set(s.device, byArch = new Map())
    let byNuma = byArch.get(arch)
    if (!byNuma) byArch.set(arch, byNuma = new Map())
    let pair = byNuma.get(numaFactor)
    if (!pair) byNuma.set(numaFactor, pair = [undefined, undefined])
    const slot = floating ? 1 : 0
    return pair[slot] ??= arch.costs({device: s.device, calibration: cal, host, interrupt: layout.interrupt, numaFactor, floating})
  })
  const workerItem = f64(costs, c => c.workerItem)
  const guestItem = f64(costs, c => c.guestItem)
  const kickGuest = f64(costs, c => c.kickGuest)
  const kickWorker = f64(costs, c => c.kickWorker)
  const irqWorker = f64(costs, c => c.irqWorker)
  const irqGuest = f64(costs, c => c.irqGuest)
  const coalesce = f64(costs, c => c.coalesceWindowS)
  const onVcpu = u8(costs, c => (c.onVcpu ? 1 : 0))
  // Cache locality: a floating worker is woken next to the vCPU that kicked it (the
  // scheduler's wake-affine placement), so it shares that core's caches; a pinned worker on
  // another core pulls ring and buffer lines across on every item, and so does the guest.
  const vmCores = vmCpus.map(cpus => new Set(cpus.map(c => host.cpus[cpuIndex.get(c)!].core)))
  const crossCore = f64(statics, s => {
    const w = workers[s.worker]
    if (w.floating) return 0
    return vmCores[s.vm].has(host.cpus[cpuIndex.get(w.cpus[0])!].core) ? 0 : cal.crossCoreCycles
  })

  const byWorker = workers.map(() => [] as number[])
  const byVm = vms.map(() => [] as number[])
  statics.forEach((s, i) => {
    byWorker[s.worker].push(i)
    byVm[s.vm].push(i)
  })
  const blockDevicesOf = host.blockDevices.map(() => [] as number[])
  statics.forEach((s, i) => {
    if (s.block >= 0) blockDevicesOf[s.block].push(i)
  })

  // Floating workers: the vCPU load on their CPUs, as weights of each VM's load.
  const floatWeights = workers.map(w => {
    if (!w.floating) return [] as [number, number][]
    const set = new Set(w.cpus)
    const total = w.cpus.reduce((s, c) => s + cap(c), 0)
    return vmCpus.flatMap((cpus, v) => {
      const inside = cpus.filter(c => set.has(c)).reduce((s, c) => s + cap(c), 0)
      return inside > 0 ? [[v, inside / vmCap[v] / total] as [number, number]] : []
    })
  })
  // Workers that run in their owners' cgroup: all their devices belong to VMs of one cgroup
  // (per-device workers, shared workers under same-cgroup sharing). One that mixes cgroups
  // is charged to none of them: the cgroup problem of shared workers (seed 001).
  const charged = byWorker.map(list => new Set(list.map(i => vms[dVm[i]].type.cgroup.path)).size === 1)

  // ------------------------------------------------------------ constraints
  // CPU pools: every distinct CPU set used by a VM or a worker; a pool's members are the
  // consumers whose CPUs all lie inside it (a Hall-type condition on the sets that occur).
  const poolSets = new Map<string, number[]>()
  const keyOf = (cpus: number[]) => [...cpus].sort((a, b) => a - b).join(',')
  for (const cpus of vmCpus) poolSets.set(keyOf(cpus), cpus)
  for (const w of workers) poolSets.set(keyOf(w.cpus), w.cpus)
  const rows: Parameters<typeof buildConstraints>[0] = []
  // Consumers by CPU, so that each pool only looks at the consumers that touch it.
  const vmsOnCpu = new Map<number, number[]>()
  vmCpus.forEach((cpus, v) => cpus.forEach(c => vmsOnCpu.set(c, [...(vmsOnCpu.get(c) ?? []), v])))
  const workersOnCpu = new Map<number, number[]>()
  workers.forEach((w, k) => w.cpus.forEach(c => workersOnCpu.set(c, [...(workersOnCpu.get(c) ?? []), k])))
  for (const cpus of poolSets.values()) {
    const set = new Set(cpus)
    const inside = (list: number[]) => list.every(c => set.has(c))
    const vmsIn = new Set<number>()
    const workersIn = new Set<number>()
    for (const c of cpus) {
      for (const v of vmsOnCpu.get(c) ?? []) if (!vmsIn.has(v) && inside(vmCpus[v])) vmsIn.add(v)
      for (const k of workersOnCpu.get(c) ?? []) if (!workersIn.has(k) && inside(workers[k].cpus)) workersIn.add(k)
    }

    const members = new Map<number, {device: number; guest: number; worker: number}>()
    for (const v of vmsIn) for (const i of byVm[v]) members.set(i, {device: i, guest: 1, worker: 0})
    for (const k of workersIn) {
      for (const i of byWorker[k]) members.set(i, {device: i, guest: members.get(i)?.guest ?? 0, worker: 1})
    }

    const label = workersIn.size > 0 && vmsIn.size === 0
      ? [...workersIn].map(k => workers[k].id).join('+')
      : [...vmsIn].map(v => vms[v].id).join('+')
    rows.push({
      kind: vmsIn.size > 0 ? 'vcpu' : 'worker-cpu',
      resource: label,
      capacity: cpus.reduce((s, c) => s + cap(c), 0),
      members: [...members.values()].sort((a, b) => a.device - b.device),
    })
  }

  vms.forEach((vm, v) => {
    if (vm.type.cgroup.quotaCpus === undefined) return
    rows.push({
      kind: 'cgroup-quota', resource: vm.type.cgroup.path, capacity: vm.type.cgroup.quotaCpus * f,
      members: byVm[v].map(i => ({device: i, guest: 1, worker: charged[dWorker[i]] ? 1 : 0})),
    })
  })
  const onNic = host.nics.map(() => [] as number[])
  statics.forEach((s, i) => {
    if (s.nic >= 0) onNic[s.nic].push(i)
  })
  host.nics.forEach((nic, k) => {
    for (const dir of ['tx', 'rx'] as const) {
      const list = onNic[k].filter(i => statics[i].device.pattern === 'rr' || statics[i].device.direction === dir)
      if (list.length === 0) continue
      rows.push({kind: 'nic-line-rate', resource: nic.id, capacity: nic.lineRateBps,
        members: list.map(i => ({device: i, fixed: wireBitsPerItem(statics[i].device.sizeBytes)}))})
      rows.push({kind: 'nic-packet-rate', resource: nic.id, capacity: nic.maxPps,
        members: list.map(i => ({device: i, fixed: framesPerItem(statics[i].device.sizeBytes)}))})
    }
  })
  host.blockDevices.forEach((b, k) => {
    const list = blockDevicesOf[k]
    if (list.length === 0) return
    rows.push({kind: 'block-device-iops', resource: b.id, capacity: b.maxIops, members: list.map(i => ({device: i, fixed: 1}))})
    rows.push({kind: 'block-device-bandwidth', resource: b.id, capacity: b.maxBandwidthBytes,
      members: list.map(i => ({device: i, fixed: statics[i].device.sizeBytes}))})
  })
  const con = buildConstraints(rows)
  const nc = con.count
  // Device -> its memberships, for incremental updates while filling.
  const degree = new Int32Array(n + 1)
  for (let k = 0; k < con.start[nc]; k++) degree[con.member[k] + 1]++
  for (let i = 0; i < n; i++) degree[i + 1] += degree[i]
  const byDevice = new Int32Array(con.start[nc])
  const byDeviceRow = new Int32Array(con.start[nc])
  {
    const fillAt = degree.slice(0, n)
    for (let j = 0; j < nc; j++) {
      for (let k = con.start[j]; k < con.start[j + 1]; k++) {
        const i = con.member[k]
        byDevice[fillAt[i]] = k
        byDeviceRow[fillAt[i]] = j
        fillAt[i]++
      }
    }
  }

  // ------------------------------------------------------------ state
  const x = new Float64Array(n)
  const capX = new Float64Array(n) // the device's own cap this iteration
  const capKind = new Int8Array(n) // 0 offered, 1 timer-ring, 2 round-trip/queue-depth, 3 vcpu (one queue)
  const latencyCap = new Float64Array(n).fill(Number.POSITIVE_INFINITY)
  const pk = new Float64Array(n)
  const pirq = new Float64Array(n)
  const cw = new Float64Array(n)
  const cg = new Float64Array(n)
  const limitRow = new Int32Array(n) // binding constraint, or -1 for the device's own cap
  const meanLatency = new Float64Array(n)
  const p99Latency = new Float64Array(n)
  const rhoNapi = new Float64Array(n)
  const U = new Float64Array(nw)
  const spin = new Float64Array(nw)
  const lambda = new Float64Array(nw)
  const floatBusy = new Float64Array(nw)
  const workerCycles = new Float64Array(nw)
  const workerItems = new Float64Array(nw)
  const vmLoad = new Float64Array(nv)
  const vmIrqRate = new Float64Array(nv)
  const vmEventBusy = new Float64Array(nv)
  const eventCycles = new Float64Array(nv)
  const blockLoad = new Float64Array(host.blockDevices.length)
  const blockBytes = new Float64Array(host.blockDevices.length)
  const coef = new Float64Array(con.start[nc])
  const used = new Float64Array(nc)
  const slope = new Float64Array(nc)
  const activeIn = new Int32Array(nc)
  const active = new Uint8Array(n)
  const prevX = new Float64Array(n)
  const prevPk = new Float64Array(n)
  const prevPirq = new Float64Array(n)

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
      const preempt = workers[w].floating ? floatBusy[w] * 2 * cal.contextSwitchCycles : 0
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
      const d = statics[i].device
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

      if ((d.pattern === 'rr' || d.kind === 'block') && meanLatency[i] > 0) {
        const bound = d.queueDepth / meanLatency[i]
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

  // Water-filling on the level t (bits/s per device), with slopes and usage kept up to
  // date as devices freeze.
  const fill = () => {
    for (let k = 0; k < coef.length; k++) {
      const i = con.member[k]
      coef[k] = con.guest[k] * cg[i] + con.worker[k] * cw[i] + con.fixed[k]
    }

    used.fill(0)
    slope.fill(0)
    let remaining = 0
    for (let i = 0; i < n; i++) {
      x[i] = 0
      limitRow[i] = -1
      if (capX[i] > 0) {
        active[i] = 1
        remaining++
      } else {
        active[i] = 0
      }
    }

    for (let j = 0; j < nc; j++) {
      let s = 0
      let count = 0
      for (let k = con.start[j]; k < con.start[j + 1]; k++) {
        const i = con.member[k]
        if (active[i]) {
          s += coef[k] / bitsPerItem[i]
          count++
        }
      }

      slope[j] = s
      activeIn[j] = count
    }

    const freeze = (i: number, rate: number, row: number) => {
      active[i] = 0
      remaining--
      x[i] = rate
      limitRow[i] = row
      for (let q = degree[i]; q < degree[i + 1]; q++) {
        const k = byDevice[q]
        const j = byDeviceRow[q]
        slope[j] -= coef[k] / bitsPerItem[i]
        used[j] += coef[k] * rate
        activeIn[j]--
      }
    }

    while (remaining > 0) {
      let best = Number.POSITIVE_INFINITY
      for (let i = 0; i < n; i++) {
        if (active[i]) {
          const t = capX[i] * bitsPerItem[i]
          if (t < best) best = t
        }
      }

      for (let j = 0; j < nc; j++) {
        if (activeIn[j] > 0 && slope[j] > 0) {
          const t = Math.max(0, (con.capacity[j] - used[j]) / slope[j])
          if (t < best) best = t
        }
      }

      // Nothing bounds the rest (no cost, no cap): they stay at zero rather than infinite.
      if (!Number.isFinite(best)) break

      const eps = best * 1e-12
      // Constraints that bind at this level, checked before any freezing moves them.
      for (let j = 0; j < nc; j++) {
        if (activeIn[j] > 0 && slope[j] > 0 && Math.max(0, (con.capacity[j] - used[j]) / slope[j]) <= best + eps) {
          for (let k = con.start[j]; k < con.start[j + 1]; k++) {
            const i = con.member[k]
            if (active[i]) freeze(i, best / bitsPerItem[i], j)
          }
        }
      }

      for (let i = 0; i < n; i++) {
        if (active[i] && capX[i] * bitsPerItem[i] <= best + eps) freeze(i, capX[i], -1)
      }
    }
  }

  const observe = (damping: number) => {
    const mix = (old: number, next: number) => old + damping * (next - old)
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
        blockBytes[dBlock[i]] += x[i] * statics[i].device.sizeBytes
      }
    }

    for (let w = 0; w < nw; w++) {
      // Time the worker runs, as a fraction of its CPU: a worker that shares its CPU with
      // others is idle (and re-arms notifications) whenever its own queues are empty.
      U[w] = mix(U[w], Math.min(1, workerCycles[w] / workerCpuCap[w]))
      lambda[w] = mix(lambda[w], workerItems[w])
      spin[w] = noteKind[w] === NOTE_SPIN ? (1 - U[w]) * (1 - Math.exp(-lambda[w] * spinBudget[w])) : 0
      let load = 0
      for (const [v, weight] of floatWeights[w]) load += vmLoad[v] * weight
      floatBusy[w] = mix(floatBusy[w], Math.min(1, load))
    }

    // Spinning only fills idle time: workers pinned to one CPU spin at most in its idle share.
    for (const list of pinnedOn.values()) {
      if (list.length < 2) continue
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
      // NAPI keeps a device's interrupts off while the guest polls it: for received packets,
      // the time the guest spends processing them; for completions of transmitted packets
      // and block requests, the time their handler runs.
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
        const pass = workers[w].devices.length * cal.pollPassCycles / capW
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
          + (workers[w].floating ? floatBusy[w] * cal.schedDelayS : idleCore[w] * cal.idleExitLatencyS)
        notify = wakeProb * wake
        notifyP99 = wakeProb > 0.01 ? wake : 0
      }

      const irq = pirq[i] > 0 ? costs[i].irqLatencyS : 0
      let deviceTime = 0
      const b = dBlock[i]
      if (b >= 0) {
        const bd = host.blockDevices[b]
        const rho = Math.min(0.99, Math.max(blockLoad[b] / bd.maxIops, blockBytes[b] / bd.maxBandwidthBytes))
        deviceTime = bd.serviceLatencyS / (1 - rho)
      }

      const d = statics[i].device
      const fixed = guest + irq + deviceTime + (d.pattern === 'rr' ? d.peerRttS ?? 0 : 0)
      meanLatency[i] = fixed + notify + wait + service
      p99Latency[i] = fixed + notifyP99 + waitP99 + service
    }
  }

  // Damped fixed point. The step shrinks whenever the iterates stop improving, which
  // turns the oscillations a kick-mode worker can set up into convergence.
  let iterations = 0
  let damping = 0.8
  let lastChange = Number.POSITIVE_INFINITY
  const prevU = new Float64Array(nw)
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
  return results()

  // ------------------------------------------------------------ results
  function results(): Evaluation {
    const limitOf = (i: number): Limit => {
      const j = limitRow[i]
      if (j >= 0) return {kind: con.kind[j], resource: con.resource[j]}
      const kinds: LimitKind[] = ['offered-load', 'timer-ring', statics[i].device.kind === 'block' ? 'queue-depth' : 'round-trip', 'vcpu']
      const kind = kinds[capKind[i]]
      return {kind, resource: kind === 'vcpu' ? vms[dVm[i]].id : statics[i].ref}
    }

    const deviceResults: DeviceResult[] = statics.map((s, i) => {
      const rate = x[i]
      const c = costs[i]
      const bytes = s.device.kind === 'block' ? rate * s.device.sizeBytes : rate * bitsPerItem[i] / 8
      return {
        vm: vms[s.vm].id,
        device: s.device.id,
        kind: s.device.kind,
        pattern: s.device.pattern,
        worker: workers[s.worker].id,
        offered: s.device.offered,
        rate,
        bitsPerS: bytes * 8,
        bytesPerS: bytes,
        limit: limitOf(i),
        exitsPerS: rate * (pk[i] * c.kickExits + pirq[i] * c.irqExits),
        interruptsPerS: rate * pirq[i],
        wakeupsPerS: c.onVcpu ? 0 : rate * pk[i],
        kicksPerS: rate * pk[i] * (c.kickExits > 0 ? 1 : 0),
        meanLatencyS: meanLatency[i],
        p99LatencyS: p99Latency[i],
      }
    })

    const workerResults: WorkerResult[] = workers.map((w, k) => {
      // Fractions of one of the worker's CPUs: the time it runs (busy), plus spinning.
      const busy = Math.min(1, workerCycles[k] / workerCpuCap[k])
      const utilisation = noteKind[k] === NOTE_POLL ? Math.max(workerShare[k], busy) : Math.min(1, busy + spin[k])
      return {
        id: w.id,
        architecture: w.architecture,
        notification: w.notification,
        cpus: w.cpus,
        floating: w.floating,
        devices: w.devices,
        utilisation,
        busy,
        idleSpinShare: utilisation > 0 ? Math.max(0, (utilisation - busy) / utilisation) : 0,
      }
    })

    // A guest poll-mode driver spins on its vCPUs whatever the load.
    const polling = vms.map(vm => vm.type.devices.some(d => d.guestDriver === 'pmd'))
    const cpuLoad = new Float64Array(host.cpus.length)
    vms.forEach((_, v) => {
      const load = polling[v] ? vmCap[v] : vmLoad[v]
      for (const c of vmCpus[v]) cpuLoad[cpuIndex.get(c)!] += load * cap(c) / vmCap[v]
    })
    workers.forEach((w, k) => {
      const cycles = noteKind[k] === NOTE_POLL
        ? workerShare[k] * workerCpuCap[k]
        : workerCycles[k] + spin[k] * workerCpuCap[k]
      const total = w.cpus.reduce((s, c) => s + cap(c), 0)
      for (const c of w.cpus) cpuLoad[cpuIndex.get(c)!] += cycles * cap(c) / total
    })
    const cpuResults: CpuResult[] = host.cpus.map((c, i) => ({
      id: c.id,
      node: c.node,
      role: role(c.id),
      utilisation: Math.min(1, cpuLoad[i] / capOfIndex[i]),
      vms: (vmsOnCpu.get(c.id) ?? []).map(v => vms[v].id),
      workers: (workersOnCpu.get(c.id) ?? []).map(k => workers[k].id),
    }))

    const vmResults: VmResult[] = vms.map((vm, v) => {
      const mine = byVm[v].map(i => deviceResults[i])
      const violations: string[] = []
      for (const d of mine) {
        if (Number.isFinite(d.offered) && d.rate < vm.type.slo.minFraction * d.offered * (1 - 1e-9)) {
          violations.push(`${d.device}: ${(100 * d.rate / d.offered).toFixed(1)}% of offered load, below ${(100 * vm.type.slo.minFraction).toFixed(1)}%`)
        }

        if (vm.type.slo.maxP99S !== undefined && d.p99LatencyS > vm.type.slo.maxP99S) {
          violations.push(`${d.device}: p99 ${(d.p99LatencyS * 1e6).toFixed(1)} us above ${(vm.type.slo.maxP99S * 1e6).toFixed(1)} us`)
        }
      }

      return {
        id: vm.id,
        type: vm.type.name,
        node: placements[v].node,
        netBps: mine.filter(d => d.kind === 'net').reduce((s, d) => s + d.bitsPerS, 0),
        blockBytesPerS: mine.filter(d => d.kind === 'block').reduce((s, d) => s + d.bytesPerS, 0),
        iops: mine.filter(d => d.kind === 'block').reduce((s, d) => s + d.rate, 0),
        p99LatencyS: mine.reduce((m, d) => Math.max(m, d.p99LatencyS), 0),
        vcpuUtilisation: polling[v] ? 1 : Math.min(1, vmLoad[v] / vmCap[v]),
        sloMet: violations.length === 0,
        violations,
      }
    })

    const netBps = vmResults.reduce((s, v) => s + v.netBps, 0)
    const blockBytesPerS = vmResults.reduce((s, v) => s + v.blockBytesPerS, 0)
    const deliveredBps = netBps + 8 * blockBytesPerS
    const cpusHost = host.cpus.length
    // Idle CPUs that floating workers may run on are not free either.
    const floatingOn = new Set(workers.filter(w => w.floating).flatMap(w => w.cpus))
    const cpusAllocated = host.cpus.filter(c => role(c.id) !== 'idle' || floatingOn.has(c.id)).length
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
        iops: vmResults.reduce((s, v) => s + v.iops, 0),
        deliveredBps,
        cpusHost,
        cpusAllocated,
        bpsPerCpuHost: deliveredBps / cpusHost,
        bpsPerCpuAllocated: cpusAllocated > 0 ? deliveredBps / cpusAllocated : 0,
        exitsPerS: deviceResults.reduce((s, d) => s + d.exitsPerS, 0),
        interruptsPerS: deviceResults.reduce((s, d) => s + d.interruptsPerS, 0),
        sloViolations: vmResults.reduce((s, v) => s + v.violations.length, 0),
      },
      iterations,
    }
  }
}
