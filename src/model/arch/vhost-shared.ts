/**
 * Shared vhost workers on dedicated I/O cores, each serving up to N devices (default 7)
 * whose owners share its cgroups (the shared-vhost RFC; seed 001). Notifications stay
 * on: a worker that finds more work keeps going without re-arming them.
 */
import {vhostCosts} from './common.js'
import {sharedWorkers} from './shared.js'
import type {ArchitectureModel} from './types.js'

export const vhostShared: ArchitectureModel = {
  id: 'vhost-shared',
  summary: 'shared workers on dedicated I/O cores, up to N devices each, cgroup-compatible only',
  source: 'seed 001 (shared vhost RFC, up to 7 devices per worker)',
  kinds: ['net', 'block'],
  usesIoCores: true,
  defaultNotification: {kind: 'kick'},
  costs: vhostCosts,
  buildWorkers(ctx) {
    return sharedWorkers(ctx, 's')
  },
}
