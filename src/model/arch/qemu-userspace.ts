/**
 * QEMU userspace device emulation (seeds 000 and 004). The device model runs in QEMU:
 * without ioeventfd a guest notification is a heavyweight exit back to QEMU, and the TX
 * bottom half (or timer) runs in QEMU's I/O thread, one per VM. With ioeventfd the kick
 * becomes a lightweight exit plus an eventfd signal (Hajnoczi, seed 004). Block requests
 * go through QEMU's block layer; without ioeventfd they are submitted from the vCPU
 * thread itself (seed 003).
 */
import type {Worker} from '../types.js'
import {blockCosts, cpusetError, deviceRef, guestNetItem, hostPacketPath, inCpuset, interruptCosts, lightKick} from './common.js'
import {PolicyError} from '../errors.js'
import type {ArchitectureModel} from './types.js'

export const qemuUserspace: ArchitectureModel = {
  id: 'qemu-userspace',
  summary: 'device emulated in QEMU userspace; heavyweight exits unless ioeventfd',
  source: 'seed 000 (Liguori 2009), seed 004 (Rizzo 2013), seed 003 (Hajnoczi 2011)',
  kinds: ['net', 'block'],
  usesIoCores: false,
  defaultNotification: {kind: 'kick'},
  costs(ctx) {
    const {calibration: cal, device, host} = ctx
    const ioeventfd = host.platform.ioeventfd
    const kick = ioeventfd ? lightKick(cal) : cal.exitUserCycles
    if (device.kind === 'block') return blockCosts(ctx, cal.qemuBlockRequestCycles, kick, !ioeventfd)
    const rx = device.direction === 'rx'
    return {
      workerItem: (cal.qemuPacketCycles + hostPacketPath(cal, device) + cal.netByteCycles * device.sizeBytes)
        * ctx.numaFactor,
      guestItem: guestNetItem(cal, device),
      kickGuest: rx ? 0 : kick,
      kickExits: rx ? 0 : 1,
      kickWorker: cal.wakeupCycles,
      ...interruptCosts(cal, ctx.interrupt, host.frequencyHz),
      coalesceWindowS: 0,
      onVcpu: false,
    }
  },
  buildWorkers(ctx) {
    // One QEMU I/O thread per VM serves all its emulated devices.
    if (ctx.policy.sharing === 'none' && ctx.vms.some(vm => ctx.devices.filter(d => d.vm === vm).length > 1)) {
      throw new PolicyError('qemu-userspace serves all of a VM\'s devices from one QEMU thread; sharing "none" cannot hold')
    }

    if (ctx.policy.notification.kind === 'poll' && [...ctx.ioCpus.values()].flat().length < new Set(ctx.devices.map(d => d.vm)).size) {
      throw new PolicyError('qemu-userspace: a polling QEMU thread per VM needs one I/O CPU per VM')
    }

    const placements = new Map(ctx.placements.map(p => [p.vm, p]))
    const byVm = new Map<string, string[]>()
    for (const {vm, device} of ctx.devices) {
      byVm.set(vm.id, [...(byVm.get(vm.id) ?? []), deviceRef(vm.id, device.id)])
    }

    const next = new Map<number, number>()
    const taken = new Set<number>()
    const all = [...ctx.ioCpus.values()].flat()
    const vmsById = new Map(ctx.vms.map(vm => [vm.id, vm]))
    return [...byVm.entries()].map(([id, devices], i): Worker => {
      const placement = placements.get(id)!
      const vm = vmsById.get(id)!
      const nodeIo = ctx.ioCpus.get(placement.node) ?? []
      const io = inCpuset(vm, nodeIo)
      let cpus: number[]
      if (ctx.policy.notification.kind === 'poll') {
        // A polling thread owns its CPU: the first free I/O CPU, on the VM's node if possible.
        const allowed = inCpuset(vm, all)
        if (allowed.length === 0) throw cpusetError(vm, 'qemu-userspace', all)
        const cpu = io.find(c => !taken.has(c)) ?? allowed.find(c => !taken.has(c))
        if (cpu === undefined) throw new PolicyError(`qemu-userspace: the polling thread of ${id} needs an I/O CPU of its own inside its cgroup cpuset; every one is taken`)
        taken.add(cpu)
        cpus = [cpu]
      } else {
        const k = next.get(placement.node) ?? 0
        next.set(placement.node, k + 1)
        if (nodeIo.length > 0 && io.length === 0) throw cpusetError(vm, 'qemu-userspace', nodeIo)
        cpus = io.length > 0 ? [io[k % io.length]] : ctx.floatCpus(placement)
      }

      return {
        id: `q${i}`,
        architecture: 'qemu-userspace',
        cpus,
        floating: ctx.policy.notification.kind !== 'poll' && nodeIo.length === 0,
        notification: ctx.policy.notification,
        devices,
      }
    })
  },
}
