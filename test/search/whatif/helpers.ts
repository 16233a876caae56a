/** Shared by the what-if tests: the bundled plugins' hooks, called as oclif would, and the example inputs. */
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import * as core from '../../../src/index.js'
import type {WhatIf} from '../../../src/hooks/index.js'
import type {ArchitectureModel} from '../../../src/model/arch/types.js'
import type {WhatIfRegistry} from '../../../src/search/whatif/index.js'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const PLUGINS = ['posted-interrupts', 'nic-upgrade', 'polling', 'tenant-isolation', 'sriov'] as const

/** Every bundled plugin's what-ifs, by name, as the registry the CLI builds holds them. */
export async function bundledWhatIfs(): Promise<WhatIfRegistry> {
  const registry = new Map<string, {whatif: WhatIf; plugin: string}>()
  for (const name of PLUGINS) {
    const hook = (await import(path.join(root, 'plugins', name, 'hooks', 'whatif.js'))).default
    for (const whatif of await hook({core}) as WhatIf[]) registry.set(whatif.name, {whatif, plugin: `@sidecore/plugin-${name}`})
  }

  return registry
}

/** The sriov plugin's architectures, by id. */
export async function sriovArchitectures(): Promise<Map<string, ArchitectureModel>> {
  const hook = (await import(path.join(root, 'plugins', 'sriov', 'hooks', 'architecture.js'))).default
  return new Map((await hook({core}) as ArchitectureModel[]).map(a => [a.id, a]))
}
