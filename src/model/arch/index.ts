import type {ArchitectureId} from '../types.js'
import {blkDataplane} from './blk-dataplane.js'
import {elvis} from './elvis.js'
import {qemuUserspace} from './qemu-userspace.js'
import type {ArchitectureModel} from './types.js'
import {vbus} from './vbus.js'
import {vhostBlk} from './vhost-blk.js'
import {vhostPerCpu} from './vhost-per-cpu.js'
import {vhostPerDevice} from './vhost-per-device.js'
import {vhostShared} from './vhost-shared.js'

export type {ArchitectureModel, BuildContext, CostContext, PathCosts} from './types.js'

const builtIn: ArchitectureModel[] = [
  qemuUserspace, vhostPerDevice, vhostPerCpu, vhostShared, elvis, vbus, vhostBlk, blkDataplane,
]

/** The architectures the core knows, by id. Plugins may add more through a registry of their own. */
export const architectures: ReadonlyMap<string, ArchitectureModel> = new Map(builtIn.map(a => [a.id, a]))

export function architecture(id: ArchitectureId | string, extra?: ReadonlyMap<string, ArchitectureModel>): ArchitectureModel {
  const found = extra?.get(id) ?? architectures.get(id)
  if (!found) throw new Error(`unknown I/O architecture "${id}"`)
  return found
}
