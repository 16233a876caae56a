/**
 * vbus / AlacrityVM (seed 002, Haskins 2009): in-kernel device models notified by
 * hypercall, and a paravirtual interrupt controller that queues interrupts in shared
 * memory: one queue per VM for all its devices, drained by the guest as one, so a signal
 * raised while the guest is still draining (or while an injection is on its way) is not
 * injected; and there is no EOI exit. The evaluator applies the per-VM draining; the
 * delivery window comes from the calibration, not from a constant.
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
    // Signals raised from the injection until the guest's handler has drained the queue
    // (delivery, then the handler) join it without an injection of their own.
    const coalesceWindowS = irq.irqLatencyS + cal.guestIrqCycles / host.frequencyHz
    if (device.kind === 'block') {
      return {...blockCosts(ctx, 0, cal.hypercallCycles), ...irq, irqWorker: cal.vbusSignalCycles, coalesceWindowS}
    }

    const rx = device.direction === 'rx'
    return {
      workerItem: (hostPacketPath(cal, device) + cal.netByteCycles * device.sizeBytes) * ctx.numaFactor,
      guestItem: guestNetItem(cal, device),
      kickGuest: rx ? 0 : cal.hypercallCycles,
      kickExits: rx ? 0 : 1,
      kickWorker: cal.wakeupCycles,
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
