/**
 * Worker layouts for designs where one worker serves several devices: shared workers on
 * dedicated I/O cores (vhost-shared, ELVIS) and one worker per CPU (vhost-per-cpu).
 * A worker only takes devices whose owners pass the sharing policy with the devices it
 * already has (the cgroup rule of the shared-vhost RFC, seed 001).
 */
import type {SharingPolicy, Vm, Worker} from '../types.js'
import {cpusetAllows, cpusetError, deviceRef, inCpuset, vmCpus} from './common.js'
import {PolicyError} from '../errors.js'
import type {BuildContext} from './types.js'

/** Devices with equal keys may share a worker. */
export function sharingKey(policy: SharingPolicy, vm: Vm, deviceId: string): string {
  switch (policy) {
    case 'none': {
      return deviceRef(vm.id, deviceId)
    }

    case 'same-vm': {
      return vm.id
    }

    case 'same-cgroup': {
      return vm.type.cgroup.path
    }

    case 'any': {
      return '*'
    }
  }
}

interface Slot {
  worker: Worker
  key?: string
  node: number
}

/**
 * Assign devices to workers on the given CPUs of each node: every device goes to the
 * compatible worker with the fewest devices on its VM's node (any node when its own has
 * none); when no worker can take it, a new worker joins the least-crowded CPU.
 */
export function assignToCpuWorkers(
  ctx: BuildContext,
  cpusByNode: Map<number, number[]>,
  prefix: string,
  floating: boolean,
  capacity: number,
): Worker[] {
  const slots: Slot[] = []
  const add = (node: number, cpu: number): Slot => {
    const slot: Slot = {
      node,
      worker: {
        id: `${prefix}${slots.length}`,
        architecture: ctx.policy.net,
        cpus: [cpu],
        floating,
        notification: ctx.policy.notification,
        devices: [],
      },
    }
    slots.push(slot)
    return slot
  }

  for (const [node, cpus] of [...cpusByNode.entries()].sort((a, b) => a[0] - b[0])) {
    for (const cpu of cpus) add(node, cpu)
  }

  const placements = new Map(ctx.placements.map(p => [p.vm, p]))
  // Devices of VMs whose cgroup cpuset limits where their workers run choose first (in
  // their order), while every CPU is still open to them; then the rest, in order.
  const limited = (vm: Vm) => (vm.type.cgroup.cpuset ? 0 : 1)
  const devices = [...ctx.devices].sort((a, b) => limited(a.vm) - limited(b.vm))
  for (const {vm, device} of devices) {
    const placement = placements.get(vm.id)!
    const key = sharingKey(ctx.policy.sharing, vm, device.id)
    // Only CPUs the VM's cgroup cpuset allows, on its own node when that node has any.
    const allowed = (node: number) => inCpuset(vm, cpusByNode.get(node) ?? [])
    const nodeHasCpus = allowed(placement.node).length > 0
    const local = (s: Slot) => (!nodeHasCpus || s.node === placement.node) && cpusetAllows(vm, s.worker.cpus[0])
    let best: Slot | undefined
    for (const s of slots) {
      if (!local(s) || s.worker.devices.length >= capacity) continue
      if (s.key !== undefined && s.key !== key) continue
      if (!best || s.worker.devices.length < best.worker.devices.length) best = s
    }

    if (!best) {
      const nodes = [...cpusByNode.keys()]
      const node = nodeHasCpus ? placement.node : nodes.find(n => allowed(n).length > 0)
      if (node === undefined) {
        const given = [...cpusByNode.values()].flat()
        if (given.length > 0) throw cpusetError(vm, device.kind === 'block' ? ctx.policy.block : ctx.policy.net, given)
        throw new PolicyError(`no CPU is available for the workers of ${vm.id}`)
      }

      const crowd = new Map<number, number>()
      for (const s of slots) {
        if (s.worker.devices.length > 0) crowd.set(s.worker.cpus[0], (crowd.get(s.worker.cpus[0]) ?? 0) + 1)
      }

      const cpu = allowed(node).sort((a, b) => (crowd.get(a) ?? 0) - (crowd.get(b) ?? 0) || a - b)[0]
      // A polling worker owns its CPU: it cannot be given a second one.
      if (ctx.policy.notification.kind === 'poll' && (crowd.get(cpu) ?? 0) > 0) {
        throw new PolicyError(`polling workers need one I/O CPU each: the devices of ${vm.id} fit no polling worker on node ${node} `
          + `(sharing ${ctx.policy.sharing}, at most ${capacity} devices per worker); give the node more I/O cores`)
      }

      best = add(node, cpu)
    }

    best.key = key
    best.worker.architecture = device.kind === 'block' ? ctx.policy.block : ctx.policy.net
    best.worker.devices.push(deviceRef(vm.id, device.id))
  }

  return slots.filter(s => s.worker.devices.length > 0).map((s, i) => ({...s.worker, id: `${prefix}${i}`}))
}

/** Shared workers pinned on the I/O CPUs. */
export function sharedWorkers(ctx: BuildContext, prefix: string): Worker[] {
  if ([...ctx.ioCpus.values()].every(c => c.length === 0)) {
    throw new PolicyError(`${ctx.policy.net} needs at least one I/O core (io_cores_per_node)`)
  }

  return assignToCpuWorkers(ctx, ctx.ioCpus, prefix, false, ctx.policy.devicesPerWorker)
}

/** One worker per CPU that runs vCPUs, devices dispatched to workers on their VM's node. */
export function perCpuWorkers(ctx: BuildContext, prefix: string): Worker[] {
  if (ctx.policy.notification.kind === 'poll') {
    throw new PolicyError('vhost-per-cpu workers share their CPUs with vCPUs and cannot poll; use kick, spin or timer')
  }

  const byNode = new Map<number, number[]>()
  for (const p of ctx.placements) {
    const list = byNode.get(p.node) ?? []
    for (const c of vmCpus(p)) if (!list.includes(c)) list.push(c)
    byNode.set(p.node, list)
  }

  for (const list of byNode.values()) list.sort((a, b) => a - b)
  return assignToCpuWorkers(ctx, byNode, prefix, true, Number.POSITIVE_INFINITY)
}
