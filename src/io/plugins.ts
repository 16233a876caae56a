/**
 * Collecting what plugins contribute: the core fires its hooks through oclif
 * (`config.runHook`) and checks every answer, as Shopify's CLI does with its typed hooks.
 * oclif carries on when a hook throws (the error lands in `failures`), so each failure
 * becomes an error naming the plugin; an answer that is not a list of well-formed entries
 * is one too; and two plugins offering the same name is an error, never a silent pick.
 */
import type {Config} from '@oclif/core'

import * as core from '../index.js'
import {HOOK_ARCHITECTURE, HOOK_WHATIF, type PluginRegistry, type WhatIf} from '../hooks/index.js'
import type {ArchitectureModel} from '../model/arch/types.js'
import {architectures as builtIn} from '../model/arch/index.js'

/** A plugin that failed or answered wrongly, or two plugins offering one name. */
export class PluginError extends Error {
  override readonly name = 'PluginError'
}

const NAME = /^[a-z][a-z0-9-]*$/

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return JSON.stringify(value)
  return typeof value === 'object' ? 'an object' : String(value)
}

async function collect(config: Config, event: string): Promise<{plugin: string; items: unknown[]}[]> {
  const result = await config.runHook(event, {core})
  const failure = result.failures[0]
  if (failure) throw new PluginError(`plugin ${failure.plugin.name}: the ${event} hook failed: ${failure.error.message}`)
  return result.successes.map(({plugin, result: items}) => {
    if (!Array.isArray(items)) throw new PluginError(`plugin ${plugin.name}: the ${event} hook returned ${describe(items)}, expected a list`)
    return {plugin: plugin.name, items}
  })
}

function whatIfProblem(w: Partial<WhatIf>): string | undefined {
  if (typeof w !== 'object' || w === null) return `an object, found ${describe(w)}`
  if (typeof w.name !== 'string' || !NAME.test(w.name)) return `name: lower-case words joined by "-", found ${describe(w.name)}`
  if (typeof w.summary !== 'string') return `summary: text, found ${describe(w.summary)}`
  if (typeof w.apply !== 'function') return `apply: a function, found ${describe(w.apply)}`
  if (typeof w.parameters !== 'object' || w.parameters === null || Array.isArray(w.parameters)) return `parameters: an object, found ${describe(w.parameters)}`
  for (const [key, p] of Object.entries(w.parameters)) {
    if (!NAME.test(key)) return `parameters: names of lower-case words, found ${JSON.stringify(key)}`
    if (typeof p?.default !== 'number' || !Number.isFinite(p.default)) return `parameters.${key}.default: a number, found ${describe(p?.default)}`
  }

  return undefined
}

function architectureProblem(a: Partial<ArchitectureModel>): string | undefined {
  if (typeof a !== 'object' || a === null) return `an object, found ${describe(a)}`
  if (typeof a.id !== 'string' || !NAME.test(a.id)) return `id: lower-case words joined by "-", found ${describe(a.id)}`
  if (builtIn.has(a.id)) return `id: a name the core does not have, found the built-in "${a.id}"`
  if (!Array.isArray(a.kinds) || a.kinds.length === 0 || a.kinds.some(k => k !== 'net' && k !== 'block')) return `kinds: a list of "net" and "block", found ${describe(a.kinds)}`
  if (typeof a.costs !== 'function') return `costs: a function, found ${describe(a.costs)}`
  if (typeof a.buildWorkers !== 'function') return `buildWorkers: a function, found ${describe(a.buildWorkers)}`
  if (typeof a.usesIoCores !== 'boolean') return `usesIoCores: true or false, found ${describe(a.usesIoCores)}`
  if (typeof a.defaultNotification !== 'object' || a.defaultNotification === null) return `defaultNotification: a notification, found ${describe(a.defaultNotification)}`
  return undefined
}

/** Every what-if and architecture the installed and linked plugins offer. Throws PluginError. */
export async function loadPlugins(config: Config): Promise<PluginRegistry> {
  const registry: PluginRegistry = {whatifs: new Map(), architectures: new Map()}
  for (const {plugin, items} of await collect(config, HOOK_WHATIF)) {
    for (const [i, item] of items.entries()) {
      const problem = whatIfProblem(item as Partial<WhatIf>)
      if (problem) throw new PluginError(`plugin ${plugin}: ${HOOK_WHATIF} hook, what-if [${i}]: expected ${problem}`)
      const w = item as WhatIf
      const other = registry.whatifs.get(w.name)
      if (other) throw new PluginError(`what-if "${w.name}" is offered by two plugins, ${other.plugin} and ${plugin}: uninstall or unlink one`)
      registry.whatifs.set(w.name, {whatif: w, plugin})
    }
  }

  for (const {plugin, items} of await collect(config, HOOK_ARCHITECTURE)) {
    for (const [i, item] of items.entries()) {
      const problem = architectureProblem(item as Partial<ArchitectureModel>)
      if (problem) throw new PluginError(`plugin ${plugin}: ${HOOK_ARCHITECTURE} hook, architecture [${i}]: expected ${problem}`)
      const a = item as ArchitectureModel
      const other = registry.architectures.get(a.id)
      if (other) throw new PluginError(`architecture "${a.id}" is offered by two plugins, ${other.plugin} and ${plugin}: uninstall or unlink one`)
      registry.architectures.set(a.id, {architecture: a, plugin})
    }
  }

  return registry
}

/** The plugins' architectures as the model takes them, with every call checked and blamed on its plugin. */
export function architectureMap(registry: PluginRegistry): ReadonlyMap<string, ArchitectureModel> {
  return new Map([...registry.architectures].map(([id, {architecture: a, plugin}]) => [id, guarded(a, plugin)]))
}

function guarded(a: ArchitectureModel, plugin: string): ArchitectureModel {
  const run = <T>(what: string, fn: () => T, check: (v: T) => string | undefined): T => {
    let value: T
    try {
      value = fn()
    } catch (error) {
      throw new PluginError(`plugin ${plugin}: architecture ${a.id}: ${what} failed: ${error instanceof Error ? error.message : String(error)}`)
    }

    const problem = check(value)
    if (problem) throw new PluginError(`plugin ${plugin}: architecture ${a.id}: ${what} returned ${problem}`)
    return value
  }

  const COSTS = ['workerItem', 'guestItem', 'kickGuest', 'kickExits', 'kickWorker', 'irqWorker', 'irqGuest', 'irqExits', 'irqLatencyS', 'coalesceWindowS'] as const
  return {
    ...a,
    costs: ctx => run('costs', () => a.costs(ctx), c => {
      if (typeof c !== 'object' || c === null) return `${describe(c)}, expected path costs`
      const bad = COSTS.find(k => typeof c[k] !== 'number' || !(c[k] >= 0) || !Number.isFinite(c[k]))
      return bad ? `${bad} = ${describe(c[bad])}, expected a finite number >= 0` : typeof c.onVcpu === 'boolean' ? undefined : 'onVcpu not a boolean'
    }),
    buildWorkers: ctx => run('buildWorkers', () => a.buildWorkers(ctx), ws => {
      if (!Array.isArray(ws)) return `${describe(ws)}, expected a list of workers`
      const bad = ws.findIndex(w => typeof w?.id !== 'string' || !Array.isArray(w.cpus) || !Array.isArray(w.devices) || w.architecture !== a.id)
      return bad < 0 ? undefined : `a malformed worker [${bad}], expected {id, architecture: "${a.id}", cpus, devices, ...}`
    }),
  }
}
