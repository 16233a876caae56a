/**
 * vhost-blk: an in-kernel virtio-blk backend notified by ioeventfd (seed 003, Liu Yuan's
 * RFC, 2011). One worker per device, like vhost-net.
 */
import {blockCosts, lightKick, perDeviceWorkers} from './common.js'
import type {ArchitectureModel} from './types.js'

export const vhostBlk: ArchitectureModel = {
  id: 'vhost-blk',
  summary: 'in-kernel virtio-blk backend, one worker per device',
  source: 'seed 003 (vhost-blk RFC, Liu Yuan, 2011)',
  kinds: ['block'],
  usesIoCores: false,
  defaultNotification: {kind: 'kick'},
  costs(ctx) {
    return blockCosts(ctx, 0, lightKick(ctx.calibration))
  },
  buildWorkers(ctx) {
    return perDeviceWorkers(ctx, 'vhost-blk', 'k')
  },
}
