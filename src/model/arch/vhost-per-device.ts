/**
 * Today's default: one vhost kernel worker per device (or queue pair), scheduled by the
 * host scheduler on the VM's CPUs, or pinned (seed 001, "baseline" and "baseline with
 * affinity"; seed 000 for vhost-net's in-kernel backend).
 */
import {perDeviceWorkers, vhostCosts} from './common.js'
import type {ArchitectureModel} from './types.js'

export const vhostPerDevice: ArchitectureModel = {
  id: 'vhost-per-device',
  summary: 'one vhost worker per device, floating on the VM\'s CPUs or pinned',
  source: 'seed 001 (Das and Moscovici, KVM Forum 2015: the current design)',
  kinds: ['net', 'block'],
  usesIoCores: false,
  defaultNotification: {kind: 'kick'},
  costs: vhostCosts,
  buildWorkers(ctx) {
    return perDeviceWorkers(ctx, 'vhost-per-device', 'v')
  },
}
