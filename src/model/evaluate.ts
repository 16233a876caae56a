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
 */
import {architecture} from './arch/index.js'
import type {ArchitectureModel, PathCosts} from './arch/types.js'
import {framesPerItem, wireBitsPerItem} from './net.js'
import type {
  Calibration, CpuResult, Device, DeviceResult, Evaluation, Host, Layout, Limit, Vm, VmResult, WorkerResult,
} from './types.js'

export interface EvaluateOptions {
  /** Extra architectures (from plugins) by id. */
  architectures?: ReadonlyMap<string, ArchitectureModel>
  maxIterations?: number
  tolerance?: number
}

/** Queue depth assumed when a worker is saturated: a full virtqueue. */
const RING_ITEMS = 256

interface DeviceState {
  vm: number
  device: Device
  ref: string
  worker: number
  costs: PathCosts
  /** Bits delivered per item (payload bits; rr counts request and response). */
  bitsPerItem: number
  packetsPerItem: number
  wireBits: number
  frames: number
  nic: number
  block: number
  /** Cap from the device itself for this iteration. */
  cap: number
  capKind: Limit['kind']
  x: number
  limit: Limit
  pk: number
  pirq: number
  cw: number
  cg: number
  meanLatencyS: number
  p99LatencyS: number
  timerCap: number
}

interface Constraint {
  kind: Limit['kind']
  resource: string
  capacity: number
  /** Fixed demand (e.g. spinning on a shared CPU). */
  fixed: number
  members: number[]
  coef: Float64Array
}

/**
 * Evaluate a layout of VMs on a host. The layout must have passed `checkLayout`.
 * Pure and deterministic: same inputs, same result.
 */
export function evaluate(host: Host, vms: Vm[], layout: Layout, cal: Calibration, options: EvaluateOptions = {}): Evaluation {
  const f = host.frequencyHz
  const maxIterations = options.maxIterations ?? 200
  const tolerance = options.tolerance ?? 1e-7

  // ------------------------------------------------------------ static structure
  const cpuById = new Map(host.cpus.map(c => [c.id, c]))
  const role = (id: number) => layout.roles[id] ?? 'idle'
  const siblingsBusy = (id: number) => {
    const cpu = cpuById.get(id)!
    return host.cpus.some(o => o.core === cpu.core && o.id !== id && (role(o.id) === 'vm' || role(o.id) === 'io'))
  }

  const capOf = new Map<number, number>()
  for (const c of host.cpus) capOf.set(c.id, f * (siblingsBusy(c.id) ? cal.smtShare : 1))

  const placements = vms.map(v => layout.vms.find(p => p.vm === v.id)!)
  const vmCpus = placements.map(p => [...new Set(p.vcpuPins)])
  const vmCap = vmCpus.map(cpus => cpus.reduce((s, c) => s + capOf.get(c)!, 0))
  const vmOneCpu = vmCpus.map(cpus => Math.min(...cpus.map(c => capOf.get(c)!)))

  const workers = layout.workers
  const workerArch = workers.map(w => architecture(w.architecture, options.architectures))
  const workerNode = workers.map(w => cpuById.get(w.cpus[0])!.node)
  // Workers pinned to the same CPU time-share it.
  const pinnedOn = new Map<number, number[]>()
  workers.forEach((w, i) => {
    if (!w.floating) pinnedOn.set(w.cpus[0], [...(pinnedOn.get(w.cpus[0]) ?? []), i])
  })
  const workerCap = workers.map(w => w.floating
    ? Math.min(...w.cpus.map(c => capOf.get(c)!))
    : capOf.get(w.cpus[0])! / pinnedOn.get(w.cpus[0])!.length)

  const distance = (a: number, b: number) => host.distances[a]?.[b] ?? (a === b ? 10 : 21)
  const remote = (a: number, b: number) => Math.max(0, (distance(a, b) - 10) / 11)

  const devices: DeviceState[] = []
  const workerOf = new Map<string, number>()
  workers.forEach((w, i) => w.devices.forEach(ref => workerOf.set(ref, i)))
  vms.forEach((vm, v) => {
    for (const device of vm.type.devices) {
      const ref = `${vm.id}/${device.id}`
      const w = workerOf.get(ref)!
      const nic = device.kind === 'net'
        ? Math.max(0, device.backing ? host.nics.findIndex(n => n.id === device.backing) : 0)
        : -1
      const block = device.kind === 'block'
        ? Math.max(0, device.backing ? host.blockDevices.findIndex(b => b.id === device.backing) : 0)
        : -1
      const ioNode = nic >= 0 ? host.nics[nic]?.node : host.blockDevices[block]?.node
      const vmNode = placements[v].node
      const numaFactor = 1 + (cal.numaRemoteFactor - 1)
        * (remote(workerNode[w], vmNode) + (ioNode === undefined ? 0 : remote(workerNode[w], ioNode))) / 2
      const costs = workerArch[w].costs({
        device, calibration: cal, host, interrupt: layout.interrupt, numaFactor, floating: workers[w].floating,
      })
      const rr = device.pattern === 'rr'
      const packetsPerItem = device.kind === 'net' && rr ? 2 : 1
      devices.push({
        vm: v, device, ref, worker: w, costs,
        bitsPerItem: 8 * device.sizeBytes * packetsPerItem,
        packetsPerItem,
        wireBits: device.kind === 'net' ? wireBitsPerItem(device.sizeBytes) : 0,
        frames: device.kind === 'net' ? framesPerItem(device.sizeBytes) : 0,
        nic, block,
        cap: device.offered, capKind: 'offered-load', x: 0,
        limit: {kind: 'offered-load', resource: ref},
        pk: 0, pirq: 0, cw: costs.workerItem, cg: costs.guestItem,
        meanLatencyS: 0, p99LatencyS: 0, timerCap: Number.POSITIVE_INFINITY,
      })
    }
  })

  const n = devices.length
  // Cache locality: a floating worker is woken next to the vCPU that kicked it (the
  // scheduler's wake-affine placement), so it shares that core's caches; a pinned worker on
  // another core pulls ring and buffer lines across on every item, and so does the guest.
  const crossCore = devices.map(d => {
    const w = workers[d.worker]
    if (w.floating) return 0
    const cores = new Set(vmCpus[d.vm].map(c => cpuById.get(c)!.core))
    return cores.has(cpuById.get(w.cpus[0])!.core) ? 0 : cal.crossCoreCycles
  })
  // vCPU load on each floating worker's CPUs (fraction of their capacity), from the last
  // iteration: the chance that a wake-up lands on a busy vCPU and has to preempt it.
  const floatBusy = new Float64Array(workers.length)
  const byWorker = workers.map(() => [] as number[])
  const byVm = vms.map(() => [] as number[])
  devices.forEach((d, i) => {
    byWorker[d.worker].push(i)
    byVm[d.vm].push(i)
  })

  // ------------------------------------------------------------ constraints
  // CPU pools: every distinct CPU set used by a VM or a worker; a pool's members are the
  // consumers whose CPUs all lie inside it (a Hall-type condition on the sets that occur).
  const poolKeys = new Map<string, number[]>()
  const keyOf = (cpus: number[]) => [...cpus].sort((a, b) => a - b).join(',')
  vmCpus.forEach(cpus => poolKeys.set(keyOf(cpus), [...cpus].sort((a, b) => a - b)))
  workers.forEach(w => poolKeys.set(keyOf(w.cpus), [...w.cpus].sort((a, b) => a - b)))
  const pools = [...poolKeys.values()].map(cpus => {
    const set = new Set(cpus)
    const inside = (list: number[]) => list.every(c => set.has(c))
    const vmsIn = vmCpus.map((c, i) => (inside(c) ? i : -1)).filter(i => i >= 0)
    const workersIn = workers.map((w, i) => (inside(w.cpus) ? i : -1)).filter(i => i >= 0)
    const capacity = cpus.reduce((s, c) => s + capOf.get(c)!, 0)
    const guestDemand = vmsIn.length > 0
    const label = workersIn.length > 0 && !guestDemand
      ? workersIn.map(i => workers[i].id).join('+')
      : vmsIn.map(i => vms[i].id).join('+')
    return {cpus, vmsIn, workersIn, capacity, label, guestDemand}
  })

  const constraints: Constraint[] = []
  const newConstraint = (kind: Limit['kind'], resource: string, capacity: number, members: number[]): Constraint => {
    const c: Constraint = {kind, resource, capacity, fixed: 0, members, coef: new Float64Array(members.length)}
    constraints.push(c)
    return c
  }

  const poolConstraints = pools.map(p => {
    const members = new Set<number>()
    for (const v of p.vmsIn) for (const d of byVm[v]) members.add(d)
    for (const w of p.workersIn) for (const d of byWorker[w]) members.add(d)
    return newConstraint(p.guestDemand ? 'vcpu' : 'worker-cpu', p.label, p.capacity, [...members].sort((a, b) => a - b))
  })
  // A single device's guest work runs on one vCPU at a time (one queue).
  const oneVcpu = devices.map((d, i) => newConstraint('vcpu', vms[d.vm].id, vmOneCpu[d.vm], [i]))
  const vmOfRef = (ref: string) => vms.find(vm => ref.startsWith(`${vm.id}/`))
  const charged = workers.map(w => new Set(w.devices.map(ref => vmOfRef(ref)?.type.cgroup.path)).size === 1)
  const quota = vms.map((vm, v) => (vm.type.cgroup.quotaCpus === undefined
    ? undefined
    : newConstraint('cgroup-quota', vm.type.cgroup.path, vm.type.cgroup.quotaCpus * f, byVm[v])))
  host.nics.forEach((nic, k) => {
    for (const dir of ['tx', 'rx'] as const) {
      const members = devices.map((d, i) => (d.nic === k && (d.device.pattern === 'rr' || d.device.direction === dir) ? i : -1))
        .filter(i => i >= 0)
      if (members.length === 0) continue
      const line = newConstraint('nic-line-rate', nic.id, nic.lineRateBps, members)
      const pps = newConstraint('nic-packet-rate', nic.id, nic.maxPps, members)
      members.forEach((i, j) => {
        line.coef[j] = devices[i].wireBits
        pps.coef[j] = devices[i].frames
      })
    }
  })
  host.blockDevices.forEach((b, k) => {
    const members = devices.map((d, i) => (d.block === k ? i : -1)).filter(i => i >= 0)
    if (members.length === 0) return
    const iops = newConstraint('block-device-iops', b.id, b.maxIops, members)
    const bw = newConstraint('block-device-bandwidth', b.id, b.maxBandwidthBytes, members)
    members.forEach((i, j) => {
      iops.coef[j] = 1
      bw.coef[j] = devices[i].device.sizeBytes
    })
  })

  // ------------------------------------------------------------ fixed point
  const U = new Float64Array(workers.length) // worker busy fraction
  const spin = new Float64Array(workers.length) // worker spinning fraction
  const lambda = new Float64Array(workers.length)
  const rhoNapi = new Float64Array(n)
  /** Events per second that may interrupt each VM (all its devices), for vbus coalescing. */
  const vmIrqRate = new Float64Array(vms.length)
  /** Busy share of one vCPU draining all the VM's I/O events, for a per-VM queue. */
  const vmEventBusy = new Float64Array(vms.length)
  const prevX = new Float64Array(n)
  const prevPk = new Float64Array(n)
  const prevPirq = new Float64Array(n)
  let iterations = 0

  const price = () => {
    for (let i = 0; i < n; i++) {
      const d = devices[i]
      const c = d.costs
      const w = d.worker
      const note = workers[w].notification
      const batch = d.device.direction === 'rx' ? 1 : cal.guestBatch
      const idle = 1 - U[w]
      let pk: number
      let pirqRaw = interruptSources(d.device) * Math.max(0, 1 - rhoNapi[i]) / cal.irqBatch
      switch (note.kind) {
        case 'kick': {
          pk = idle / batch
          break
        }

        case 'spin': {
          pk = idle * Math.exp(-lambda[w] * note.budgetS) / batch
          break
        }

        case 'poll': {
          pk = 0
          break
        }

        case 'timer': {
          // One notification opens a timer period; the flush then completes the batch.
          const perPeriod = Math.max(1, d.x * (note.periodS + cal.timerSlackS))
          pk = 1 / perPeriod
          pirqRaw = Math.min(pirqRaw, 1 / perPeriod)
          break
        }
      }

      if (c.onVcpu) pk = 1 / batch
      // One queue per VM (vbus): held off while the guest drains any of the VM's events,
      // and merged with signals that arrive while an injection is under way.
      const pirq = c.coalesceWindowS > 0
        ? interruptSources(d.device) * Math.max(0, 1 - vmEventBusy[d.vm]) / cal.irqBatch
          / (1 + vmIrqRate[d.vm] * c.coalesceWindowS)
        : pirqRaw
      const per = d.packetsPerItem
      d.pk = pk
      d.pirq = pirq
      // A wake-up that preempts a vCPU costs two context switches (out and back in).
      const preempt = workers[w].floating ? floatBusy[w] * 2 * cal.contextSwitchCycles : 0
      const worker = per * (c.workerItem + crossCore[i]) + pk * (c.kickWorker + preempt) + pirq * c.irqWorker
      const guest = per * (c.guestItem + crossCore[i]) + pk * c.kickGuest + pirq * c.irqGuest
      d.cw = c.onVcpu ? 0 : worker
      d.cg = c.onVcpu ? guest + worker : guest
    }
  }

  const fill = () => {
    // Coefficients of this iteration.
    poolConstraints.forEach((k, p) => {
      const pool = pools[p]
      const vmSet = new Set(pool.vmsIn)
      const workerSet = new Set(pool.workersIn)
      k.fixed = 0
      k.members.forEach((i, j) => {
        const d = devices[i]
        k.coef[j] = (vmSet.has(d.vm) ? d.cg : 0) + (workerSet.has(d.worker) ? d.cw : 0)
      })
      for (const w of pool.workersIn) if (workers[w].floating) k.fixed += spin[w] * workerCap[w]
    })
    oneVcpu.forEach((k, i) => {
      k.coef[0] = devices[i].cg
    })
    quota.forEach(k => {
      if (!k) return
      k.members.forEach((i, j) => {
        const d = devices[i]
        // A worker runs in its owners' cgroup when they all share it (per-device workers,
        // shared workers under same-cgroup sharing); one that mixes cgroups is charged to
        // none of them, which is the cgroup problem of shared workers (seed 001).
        k.coef[j] = d.cg + (charged[d.worker] ? d.cw : 0)
      })
    })

    // Water-filling on the level t (bits/s per device).
    const active = new Uint8Array(n)
    let remaining = 0
    for (let i = 0; i < n; i++) {
      devices[i].x = 0
      if (devices[i].cap > 0) {
        active[i] = 1
        remaining++
      } else {
        devices[i].limit = {kind: devices[i].capKind, resource: devices[i].ref}
      }
    }

    const used = new Float64Array(constraints.length)
    constraints.forEach((k, j) => {
      used[j] = k.fixed
    })
    while (remaining > 0) {
      let best = Number.POSITIVE_INFINITY
      for (let i = 0; i < n; i++) {
        if (active[i]) best = Math.min(best, devices[i].cap * devices[i].bitsPerItem)
      }

      const levels = new Float64Array(constraints.length).fill(Number.POSITIVE_INFINITY)
      constraints.forEach((k, j) => {
        let slope = 0
        for (let m = 0; m < k.members.length; m++) {
          const i = k.members[m]
          if (active[i]) slope += k.coef[m] / devices[i].bitsPerItem
        }

        if (slope > 0) {
          levels[j] = Math.max(0, (k.capacity - used[j]) / slope)
          best = Math.min(best, levels[j])
        }
      })
      const eps = best * 1e-12
      const freeze = (i: number, limit: Limit) => {
        if (!active[i]) return
        active[i] = 0
        remaining--
        const d = devices[i]
        d.x = best / d.bitsPerItem
        d.limit = limit
      }

      constraints.forEach((k, j) => {
        if (levels[j] <= best + eps) {
          for (const i of k.members) freeze(i, {kind: k.kind, resource: k.resource})
        }
      })
      for (let i = 0; i < n; i++) {
        if (active[i] && devices[i].cap * devices[i].bitsPerItem <= best + eps) {
          freeze(i, {kind: devices[i].capKind, resource: devices[i].ref})
          devices[i].x = devices[i].cap
        }
      }

      // Recount what the frozen devices use.
      constraints.forEach((k, j) => {
        let sum = k.fixed
        for (let m = 0; m < k.members.length; m++) {
          const i = k.members[m]
          if (!active[i]) sum += k.coef[m] * devices[i].x
        }

        used[j] = sum
      })
    }
  }

  const observe = (damping: number) => {
    const mix = (old: number, next: number) => old + damping * (next - old)
    for (let w = 0; w < workers.length; w++) {
      let cycles = 0
      let items = 0
      for (const i of byWorker[w]) {
        cycles += devices[i].x * devices[i].cw
        items += devices[i].x * devices[i].packetsPerItem
      }

      // Time the worker runs, as a fraction of its CPU: a worker that shares its CPU with
      // others is idle (and re-arms notifications) whenever its own queues are empty.
      const busy = Math.min(1, cycles / (workers[w].floating ? workerCap[w] : capOf.get(workers[w].cpus[0])!))
      U[w] = mix(U[w], busy)
      lambda[w] = mix(lambda[w], items)
      const note = workers[w].notification
      spin[w] = note.kind === 'spin' ? (1 - U[w]) * (1 - Math.exp(-lambda[w] * note.budgetS)) : 0
    }

    const vcpuLoad = new Map<number, number>()
    vms.forEach((_, v) => {
      const load = vmLoad(v)
      for (const c of vmCpus[v]) vcpuLoad.set(c, (vcpuLoad.get(c) ?? 0) + load * capOf.get(c)! / vmCap[v])
    })
    workers.forEach((w, k) => {
      if (!w.floating) return
      let load = 0
      let cap = 0
      for (const c of w.cpus) {
        load += vcpuLoad.get(c) ?? 0
        cap += capOf.get(c)!
      }

      floatBusy[k] = mix(floatBusy[k], Math.min(1, load / cap))
    })
    vmIrqRate.fill(0)
    vms.forEach((_, v) => {
      let events = 0
      for (const i of byVm[v]) events += devices[i].x * devices[i].packetsPerItem * devices[i].costs.guestItem
      vmEventBusy[v] = mix(vmEventBusy[v], Math.min(1, events / vmOneCpu[v]))
    })
    for (let i = 0; i < n; i++) {
      const d = devices[i]
      // NAPI keeps a device's interrupts off while the guest polls it: for received packets,
      // the time the guest spends processing them; for completions of transmitted packets
      // and block requests, the time their handler runs.
      const busy = d.device.kind === 'net' && d.device.direction === 'rx' && d.device.pattern === 'stream'
        ? d.x * d.costs.guestItem / vmOneCpu[d.vm]
        : d.x * d.packetsPerItem * cal.guestIrqCycles / vmOneCpu[d.vm]
      rhoNapi[i] = mix(rhoNapi[i], Math.min(1, busy))
      vmIrqRate[d.vm] += d.x * interruptSources(d.device)
    }
  }

  const latency = () => {
    for (let i = 0; i < n; i++) {
      const d = devices[i]
      const w = d.worker
      const worker = workers[w]
      const note = worker.notification
      let items = 0
      let cycles = 0
      for (const j of byWorker[w]) {
        items += devices[j].x * devices[j].packetsPerItem
        cycles += devices[j].x * devices[j].cw
      }

      const meanService = items > 0 ? cycles / items / workerCap[w] : d.cw / d.packetsPerItem / workerCap[w]
      const u = Math.min(U[w], 0.999_999)
      const wait = Math.min(u * meanService / (1 - u), RING_ITEMS * meanService)
      const waitP99 = u > 0.01 ? Math.min(meanService / (1 - u) * Math.log(100 * u), RING_ITEMS * meanService) : 0
      const service = d.cw / workerCap[w]
      const guest = d.cg / vmOneCpu[d.vm]
      // Notification: a wake-up when the worker sleeps, the timer, or half a polling pass.
      let notify = 0
      let notifyP99 = 0
      // Work done on the vCPU itself needs no wake-up.
      const wakeProb = note.kind === 'poll' || note.kind === 'timer' || d.costs.onVcpu
        ? 0
        : Math.min(1, d.pk * (d.device.direction === 'rx' ? 1 : cal.guestBatch))
      if (note.kind === 'poll') {
        const pass = worker.devices.length * cal.pollPassCycles / workerCap[w]
        notify = pass / 2
        notifyP99 = pass
      } else if (note.kind === 'timer') {
        notify = note.periodS / 2 + cal.timerSlackS
        notifyP99 = note.periodS * 0.99 + cal.timerSlackS
      } else {
        const wake = cal.wakeupLatencyS + (worker.floating ? floatBusy[w] * cal.schedDelayS : 0)

        notify = wakeProb * wake
        notifyP99 = wakeProb > 0.01 ? wake : 0
      }

      const irq = d.pirq > 0 ? d.costs.irqLatencyS : 0
      let deviceTime = 0
      if (d.block >= 0) {
        const b = host.blockDevices[d.block]
        const load = blockLoad(d.block)
        const rho = Math.min(0.99, Math.max(load / b.maxIops, blockBytes(d.block) / b.maxBandwidthBytes))
        deviceTime = b.serviceLatencyS / (1 - rho)
      }

      const peer = d.device.pattern === 'rr' ? d.device.peerRttS ?? 0 : 0
      const fixed = guest + irq + deviceTime + peer
      d.meanLatencyS = fixed + notify + wait + service
      d.p99LatencyS = fixed + notifyP99 + waitP99 + service
    }
  }

  const vmLoad = (v: number) => {
    let sum = 0
    for (const i of byVm[v]) sum += devices[i].x * devices[i].cg
    return sum
  }

  const blockLoad = (k: number) => devices.reduce((s, d) => s + (d.block === k ? d.x : 0), 0)
  const blockBytes = (k: number) => devices.reduce((s, d) => s + (d.block === k ? d.x * d.device.sizeBytes : 0), 0)

  // Caps that depend on latency (round trips, queue depth) and on the timer.
  const caps = (damping: number) => {
    for (const d of devices) {
      let cap = d.device.offered
      let kind: Limit['kind'] = 'offered-load'
      const note = workers[d.worker].notification
      if (note.kind === 'timer') {
        // The ring fills while the timer runs (or while the guest produces, if slower);
        // the guest cannot reuse descriptors until the flush has completed them.
        const fillS = Math.max(note.periodS + cal.timerSlackS, note.ring * d.cg / vmOneCpu[d.vm])
        const timerCap = note.ring / (fillS + note.ring * d.cw / workerCap[d.worker])
        if (timerCap < cap) {
          cap = timerCap
          kind = 'timer-ring'
        }
      }

      if (d.device.pattern === 'rr' || d.device.kind === 'block') {
        const lat = d.meanLatencyS > 0 ? d.meanLatencyS : undefined
        if (lat !== undefined) {
          const bound = d.device.queueDepth / lat
          const mixed = Number.isFinite(d.timerCap) ? d.timerCap + damping * (bound - d.timerCap) : bound
          d.timerCap = mixed
          if (mixed < cap) {
            cap = mixed
            kind = d.device.kind === 'block' ? 'queue-depth' : 'round-trip'
          }
        }
      }

      d.cap = cap
      d.capKind = kind
    }
  }

  for (iterations = 1; iterations <= maxIterations; iterations++) {
    const damping = iterations < 20 ? 0.5 : 0.3
    price()
    caps(damping)
    fill()
    observe(damping)
    latency()
    // Settled when neither the rates nor the per-item notification counts move.
    let change = 0
    for (let i = 0; i < n; i++) {
      const d = devices[i]
      change = Math.max(change, Math.abs(d.x - prevX[i]) / Math.max(1, d.x),
        Math.abs(d.pk - prevPk[i]), Math.abs(d.pirq - prevPirq[i]))
      prevX[i] = d.x
      prevPk[i] = d.pk
      prevPirq[i] = d.pirq
    }

    if (iterations > 3 && change < tolerance) break
  }

  iterations = Math.min(iterations, maxIterations)

  // ------------------------------------------------------------ results
  const deviceResults: DeviceResult[] = devices.map(d => {
    const x = d.x
    const c = d.costs
    const bytes = d.device.kind === 'block' ? x * d.device.sizeBytes : x * d.bitsPerItem / 8
    return {
      vm: vms[d.vm].id,
      device: d.device.id,
      kind: d.device.kind,
      pattern: d.device.pattern,
      worker: workers[d.worker].id,
      offered: d.device.offered,
      rate: x,
      bitsPerS: d.device.kind === 'net' ? x * d.bitsPerItem : bytes * 8,
      bytesPerS: bytes,
      limit: d.limit,
      exitsPerS: x * (d.pk * c.kickExits + d.pirq * c.irqExits),
      interruptsPerS: x * d.pirq,
      wakeupsPerS: c.onVcpu ? 0 : x * d.pk,
      kicksPerS: x * d.pk * (c.kickExits > 0 ? 1 : 0),
      meanLatencyS: d.meanLatencyS,
      p99LatencyS: d.p99LatencyS,
    }
  })

  const workerResults: WorkerResult[] = workers.map((w, i) => {
    const poll = w.notification.kind === 'poll'
    // Fractions of one of the worker's CPUs: the time it runs (busy), plus spinning.
    const share = w.floating ? 1 : 1 / pinnedOn.get(w.cpus[0])!.length
    const busy = U[i]
    const utilisation = poll ? Math.max(share, busy) : Math.min(1, busy + spin[i])
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
  const cpuLoad = new Map<number, number>()
  const addLoad = (cpu: number, cycles: number) => cpuLoad.set(cpu, (cpuLoad.get(cpu) ?? 0) + cycles)
  vms.forEach((_, v) => {
    const load = polling[v] ? vmCap[v] : vmLoad(v)
    for (const c of vmCpus[v]) addLoad(c, load * capOf.get(c)! / vmCap[v])
  })
  workers.forEach((w, i) => {
    let cycles = 0
    for (const d of byWorker[i]) cycles += devices[d].x * devices[d].cw
    if (w.notification.kind === 'poll') cycles = workerCap[i]
    cycles += spin[i] * workerCap[i]
    const total = w.cpus.reduce((s, c) => s + capOf.get(c)!, 0)
    for (const c of w.cpus) addLoad(c, cycles * capOf.get(c)! / total)
  })
  const cpuResults: CpuResult[] = host.cpus.map(c => ({
    id: c.id,
    node: c.node,
    role: role(c.id),
    utilisation: Math.min(1, (cpuLoad.get(c.id) ?? 0) / capOf.get(c.id)!),
    vms: placements.filter(p => p.vcpuPins.includes(c.id)).map(p => p.vm),
    workers: workers.filter(w => w.cpus.includes(c.id)).map(w => w.id),
  }))

  const vmResults: VmResult[] = vms.map((vm, v) => {
    const mine = deviceResults.filter(d => d.vm === vm.id)
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
      vcpuUtilisation: polling[v] ? 1 : Math.min(1, vmLoad(v) / vmCap[v]),
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
