/**
 * One vhost worker per CPU, devices dispatched to a worker on their VM's NUMA node
 * (the 2012 RFC presented at LPC 2012; seed 001). Workers share CPUs with vCPUs.
 */
import {vhostCosts} from './common.js'
import {perCpuWorkers} from './shared.js'
import type {ArchitectureModel} from './types.js'

export const vhostPerCpu: ArchitectureModel = {
  id: 'vhost-per-cpu',
  summary: 'one worker per CPU, devices dispatched NUMA-locally',
  source: 'seed 001 (per-CPU vhost threads RFC, 2012)',
  kinds: ['net', 'block'],
  usesIoCores: false,
  defaultNotification: {kind: 'kick'},
  costs: vhostCosts,
  buildWorkers(ctx) {
    return perCpuWorkers(ctx, 'c')
  },
}
