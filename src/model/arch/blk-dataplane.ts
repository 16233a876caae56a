/**
 * virtio-blk dataplane: a dedicated userspace virtqueue thread that sleeps on ioeventfd,
 * reaches guest memory directly and submits with Linux AIO, bypassing QEMU's block layer
 * (seed 003, Hajnoczi's description). It pays system calls that vhost-blk does not.
 */
import {blockCosts, lightKick, perDeviceWorkers} from './common.js'
import type {ArchitectureModel} from './types.js'

export const blkDataplane: ArchitectureModel = {
  id: 'blk-dataplane',
  summary: 'dedicated userspace I/O thread with ioeventfd and Linux AIO',
  source: 'seed 003 (Hajnoczi, virtio-blk data plane, 2011)',
  kinds: ['block'],
  usesIoCores: false,
  defaultNotification: {kind: 'kick'},
  costs(ctx) {
    return blockCosts(ctx, ctx.calibration.dataplaneRequestCycles, lightKick(ctx.calibration))
  },
  buildWorkers(ctx) {
    return perDeviceWorkers(ctx, 'blk-dataplane', 'd')
  },
}
