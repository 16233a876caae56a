/**
 * vbus / AlacrityVM (seed 002, Haskins 2009): in-kernel device models notified by
 * hypercall, and a paravirtual interrupt controller that queues interrupts in shared
 * memory: a signal raised while the guest has not yet drained the queue is not injected,
 * and there is no EOI exit. The coalescing window is the time the guest takes to take an
 * interrupt and drain the queue, so it comes from the calibration, not from a constant.
 */
import {blockCosts, guestNetItem, hostPacketPath, interruptCosts, perDeviceWorkers} from './common.js'
import type {ArchitectureModel} from './types.js'

export const vbus: ArchitectureModel = {
  id: 'vbus',
  summary: 'in-kernel device models, hypercall notifications, coalescing PV interrupt controller',
  source: 'seed 002 (Haskins, AlacrityVM pull request, 2009); seed 000 (Liguori\'s reply)',
  kinds: ['net', 'block'],
  usesIoCores: false,
  defaultNotification: {kind: 'kick'},
  costs(ctx) {
    const {calibration: cal, device, host} = ctx
    // The PV interrupt controller never traps the EOI: price interrupts as pv-eoi at most.
    const irq = interruptCosts(cal, ctx.interrupt === 'exit' ? 'pv-eoi' : ctx.interrupt, host.frequencyHz)
    const coalesceWindowS = (cal.exitKernelCycles + cal.guestIrqCycles) / host.frequencyHz
    if (device.kind === 'block') {
      return {...blockCosts(ctx, 0, cal.hypercallCycles), ...irq, irqWorker: cal.vbusSignalCycles, coalesceWindowS}
    }

    const rx = device.direction === 'rx'
    return {
      workerItem: hostPacketPath(cal, device) + cal.netByteCycles * device.sizeBytes * ctx.numaFactor,
      guestItem: guestNetItem(cal, device),
      kickGuest: rx ? 0 : cal.hypercallCycles,
      kickExits: rx ? 0 : 1,
      kickWorker: cal.wakeupCycles + (ctx.floating ? cal.contextSwitchCycles : 0),
      ...irq,
      irqWorker: cal.vbusSignalCycles,
      coalesceWindowS,
      onVcpu: false,
    }
  },
  buildWorkers(ctx) {
    return perDeviceWorkers(ctx, 'vbus', 'b')
  },
}
