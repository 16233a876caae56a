/**
 * ELVIS: shared workers on dedicated sidecores that poll the virtqueues, so guests never
 * exit to notify; with exitless (ELI) or posted interrupts nothing exits at all (seed 001,
 * Gordon et al., ATC 2013). The polling worker owns its core.
 */
import {blockCosts, vhostNetCosts} from './common.js'
import {sharedWorkers} from './shared.js'
import type {ArchitectureModel} from './types.js'

export const elvis: ArchitectureModel = {
  id: 'elvis',
  summary: 'polling sidecores with shared workers; optional exitless/posted interrupts',
  source: 'seed 001 (ELVIS, Gordon et al., USENIX ATC 2013, as presented at KVM Forum 2015)',
  kinds: ['net', 'block'],
  usesIoCores: true,
  defaultNotification: {kind: 'poll'},
  costs(ctx) {
    return ctx.device.kind === 'block' ? blockCosts(ctx, 0, 0) : vhostNetCosts(ctx)
  },
  buildWorkers(ctx) {
    return sharedWorkers(ctx, 'e')
  },
}
