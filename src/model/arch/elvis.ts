/**
 * ELVIS: shared workers on dedicated sidecores that poll the virtqueues, so guests never
 * exit to notify; with exitless (ELI) or posted interrupts nothing exits at all (seed 001;
 * Har'El et al., "Efficient and Scalable Paravirtual I/O System", USENIX ATC 2013). The
 * polling worker owns its core.
 */
import {vhostCosts} from './common.js'
import {sharedWorkers} from './shared.js'
import type {ArchitectureModel} from './types.js'

export const elvis: ArchitectureModel = {
  id: 'elvis',
  summary: 'polling sidecores with shared workers; optional exitless/posted interrupts',
  source: 'seed 001 (ELVIS, Har\'El et al., USENIX ATC 2013, as presented at KVM Forum 2015)',
  kinds: ['net', 'block'],
  usesIoCores: true,
  defaultNotification: {kind: 'poll'},
  costs: vhostCosts,
  buildWorkers(ctx) {
    return sharedWorkers(ctx, 'e')
  },
}
