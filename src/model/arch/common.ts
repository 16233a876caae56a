/**
 * Costs shared by several architectures. Every figure comes from the calibration
 * profile; this file only says which micro-costs a path is made of.
 */
import {PolicyError} from '../errors.js'
import type {Calibration, Device, InterruptMode, Vm, VmPlacement, Worker} from '../types.js'
import type {CostContext, PathCosts} from './types.js'

/** Guest-to-host notification through an in-kernel eventfd: a lightweight exit plus the eventfd signal. */
export function lightKick(cal: Calibration): number {
  return cal.exitKernelCycles + cal.ioeventfdCycles
}

/**
 * Interrupt delivery by mode (Dall et al. micro-costs): `exit` forces the running vCPU
 * out with an IPI, injects on entry and traps the EOI (2 exits); `pv-eoi` drops the
 * EOI exit (1 exit); `posted` writes the posted-interrupt descriptor and the CPU delivers
 * it without leaving the guest (0 exits).
 */
export function interruptCosts(cal: Calibration, mode: InterruptMode, frequencyHz: number):
Pick<PathCosts, 'irqWorker' | 'irqGuest' | 'irqExits' | 'irqLatencyS'> {
  switch (mode) {
    case 'exit': {
      return {
        irqWorker: cal.injectIpiCycles,
        irqGuest: cal.exitKernelCycles + cal.eoiCycles + cal.guestIrqCycles,
        irqExits: 2,
        irqLatencyS: (cal.injectIpiCycles + cal.exitKernelCycles) / frequencyHz,
      }
    }

    case 'pv-eoi': {
      return {
        irqWorker: cal.injectIpiCycles,
        irqGuest: cal.exitKernelCycles + cal.guestIrqCycles,
        irqExits: 1,
        irqLatencyS: (cal.injectIpiCycles + cal.exitKernelCycles) / frequencyHz,
      }
    }

    case 'posted': {
      return {
        irqWorker: cal.postedInjectCycles,
        irqGuest: cal.guestIrqCycles,
        irqExits: 0,
        irqLatencyS: cal.postedInjectCycles / frequencyHz,
      }
    }
  }
}

/** Host-side per-packet path: the backend's own work plus tap/bridge or netmap. */
export function hostPacketPath(cal: Calibration, device: Device): number {
  return device.backend === 'netmap' ? cal.netmapPacketCycles : cal.netPacketCycles
}

/** Guest cycles per item: driver, per-byte work and the application's own cost. */
export function guestNetItem(cal: Calibration, device: Device): number {
  const driver = device.guestDriver === 'pmd' ? cal.pmdPacketCycles : cal.guestPacketCycles
  return driver + cal.guestByteCycles * device.sizeBytes + (device.appCycles ?? 0)
}

export function guestBlockItem(cal: Calibration, device: Device): number {
  return cal.guestBlockRequestCycles + (device.appCycles ?? 0)
}

/** An in-kernel (vhost-style) virtio-net path, shared by the vhost variants and ELVIS. */
export function vhostNetCosts(ctx: CostContext): PathCosts {
  const {calibration: cal, device, host} = ctx
  const rx = device.direction === 'rx'
  return {
    workerItem: (hostPacketPath(cal, device) + cal.netByteCycles * device.sizeBytes) * ctx.numaFactor,
    guestItem: guestNetItem(cal, device),
    // Received packets wake the worker from the host side: no guest exit.
    kickGuest: rx ? 0 : lightKick(cal),
    kickExits: rx ? 0 : 1,
    kickWorker: cal.wakeupCycles,
    ...interruptCosts(cal, ctx.interrupt, host.frequencyHz),
    coalesceWindowS: 0,
    onVcpu: false,
  }
}

/** The vhost paths: vhost-net for net devices, vhost-blk for block devices. */
export function vhostCosts(ctx: CostContext): PathCosts {
  return ctx.device.kind === 'block' ? blockCosts(ctx, 0, lightKick(ctx.calibration)) : vhostNetCosts(ctx)
}

/** An in-kernel block path (vhost-blk) with `extra` cycles per request for longer paths. */
export function blockCosts(ctx: CostContext, extra: number, kickGuest: number, onVcpu = false): PathCosts {
  const {calibration: cal, device, host} = ctx
  return {
    workerItem: (cal.blockRequestCycles + extra + cal.blockByteCycles * device.sizeBytes) * ctx.numaFactor,
    guestItem: guestBlockItem(cal, device),
    kickGuest,
    kickExits: 1,
    kickWorker: onVcpu ? 0 : cal.wakeupCycles,
    ...interruptCosts(cal, ctx.interrupt, host.frequencyHz),
    coalesceWindowS: 0,
    onVcpu,
  }
}

export function deviceRef(vm: string, device: string): string {
  return `${vm}/${device}`
}

/** Whether the VM's cgroup cpuset allows `cpu` (any CPU when it has none). */
export function cpusetAllows(vm: Vm, cpu: number): boolean {
  return vm.type.cgroup.cpuset?.includes(cpu) ?? true
}

/** The CPUs of `cpus` that the VM's cgroup cpuset allows: all of them when it has none. */
export function inCpuset(vm: Vm, cpus: readonly number[]): number[] {
  return vm.type.cgroup.cpuset ? cpus.filter(c => cpusetAllows(vm, c)) : [...cpus]
}

/** The policy gives a VM's workers only CPUs that its cgroup cpuset does not allow. */
export function cpusetError(vm: Vm, architecture: string, cpus: readonly number[]): PolicyError {
  return new PolicyError(`the cgroup cpuset of ${vm.id} (VM type ${vm.type.name}) allows none of the CPUs the policy gives its `
    + `${architecture} workers (${[...cpus].sort((a, b) => a - b).join(', ')}); add one of them to the cpuset, or write a layout with workers inside it`)
}

/** The CPUs a VM's vCPUs are pinned to, without repeats, in pin order. */
export function vmCpus(placement: VmPlacement): number[] {
  return [...new Set(placement.vcpuPins)]
}

/**
 * One worker per device floating on the VM's own CPUs (today's default), or, when the
 * policy gives I/O cores, pinned round-robin on the I/O CPUs of the VM's node.
 */
export function perDeviceWorkers(
  ctx: import('./types.js').BuildContext,
  architecture: Worker['architecture'],
  prefix: string,
): Worker[] {
  const placements = new Map(ctx.placements.map(p => [p.vm, p]))
  const next = new Map<number, number>()
  const poll = ctx.policy.notification.kind === 'poll'
  const taken = new Set<number>()
  if (poll) {
    const io = [...ctx.ioCpus.values()].flat().length
    if (io < ctx.devices.length) {
      throw new PolicyError(`${architecture}: ${ctx.devices.length} polling workers (one per device) need as many I/O CPUs; `
        + `the layout has ${io}`)
    }
  }

  const allIo = [...ctx.ioCpus.values()].flat()
  return ctx.devices.map(({vm, device}, i) => {
    const placement = placements.get(vm.id)!
    const nodeIo = ctx.ioCpus.get(placement.node) ?? allIo
    const io = inCpuset(vm, nodeIo)
    let cpus: number[]
    let floating: boolean
    if (poll) {
      // A polling worker owns its CPU: the first free I/O CPU, on the VM's node if possible.
      const free = (list: number[]) => list.find(c => !taken.has(c))
      const allowed = inCpuset(vm, allIo)
      if (allowed.length === 0) throw cpusetError(vm, architecture, allIo)
      const cpu = free(inCpuset(vm, ctx.ioCpus.get(placement.node) ?? [])) ?? free(allowed)
      if (cpu === undefined) {
        throw new PolicyError(`${architecture}: the polling worker of ${deviceRef(vm.id, device.id)} needs an I/O CPU of its own `
          + 'inside its cgroup cpuset; every one is taken')
      }

      taken.add(cpu)
      cpus = [cpu]
      floating = false
    } else if (nodeIo.length > 0) {
      if (io.length === 0) throw cpusetError(vm, architecture, nodeIo)
      const k = next.get(placement.node) ?? 0
      next.set(placement.node, k + 1)
      cpus = [io[k % io.length]]
      floating = false
    } else {
      cpus = ctx.floatCpus(placement)
      floating = true
    }

    return {
      id: `${prefix}${i}`,
      architecture,
      cpus,
      floating,
      notification: ctx.policy.notification,
      devices: [deviceRef(vm.id, device.id)],
    }
  })
}
