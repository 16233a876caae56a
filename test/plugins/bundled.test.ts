/**
 * The bundled plugins, loaded by oclif from the root package's configuration as the CLI
 * loads them, and each what-if's effect on a scenario.
 */
import path from 'node:path'
import {Config} from '@oclif/core'
import {beforeAll, describe, expect, test} from 'vitest'

import type {PluginRegistry, Subject} from '../../src/hooks/index.js'
import {loadScenario} from '../../src/io/load.js'
import {architectureMap, loadPlugins} from '../../src/io/plugins.js'
import {evaluateSubject, scenarioSubject, whatIfVariant} from '../../src/search/whatif/index.js'
import {root} from '../search/whatif/helpers.js'

async function subject(name: string): Promise<Subject> {
  const s = await loadScenario(path.join(root, 'data', 'scenarios', `${name}.yaml`))
  return scenarioSubject({host: s.host, calibration: s.calibration, workload: s.workload, policy: s.policy, layout: s.layout})
}

describe('the bundled plugins', () => {
  let registry: PluginRegistry
  beforeAll(async () => {
    const config = await Config.load({root})
    registry = await loadPlugins(config)
  }, 60_000)

  test('oclif loads all five through the root package\'s configuration', () => {
    expect([...registry.whatifs.keys()].sort()).toEqual(['nic-upgrade', 'polling', 'posted-interrupts', 'sriov', 'tenant-isolation'])
    expect(registry.whatifs.get('nic-upgrade')?.plugin).toBe('@sidecore/plugin-nic-upgrade')
    expect([...registry.architectures.keys()]).toEqual(['sriov'])
    expect(registry.architectures.get('sriov')?.plugin).toBe('@sidecore/plugin-sriov')
  })

  test('posted-interrupts: the platform gains them and the policy delivers interrupts posted, with no interrupt exits', async () => {
    const base = await subject('vbus')
    const out = whatIfVariant('posted-interrupts', registry.whatifs).apply(base)
    expect(out.models[0].host.platform.postedInterrupts).toBe(true)
    expect(out.policy?.interrupt ?? out.layout?.interrupt).toBe('posted')
    const ev = evaluateSubject(out).evaluation
    expect(ev.devices.every(d => d.exitsPerS <= evaluateSubject(base).evaluation.devices.find(b => b.device === d.device && b.vm === d.vm)!.exitsPerS)).toBe(true)
  })

  test('nic-upgrade: line rate and packet rate times the factor', async () => {
    const base = await subject('elvis')
    const out = whatIfVariant('nic-upgrade:factor=2.5', registry.whatifs).apply(base)
    out.models[0].host.nics.forEach((n, i) => {
      expect(n.lineRateBps).toBe(base.models[0].host.nics[i].lineRateBps * 2.5)
      expect(n.maxPps).toBe(base.models[0].host.nics[i].maxPps * 2.5)
    })
    // ELVIS is limited by the NIC's line rate: a faster NIC delivers more.
    expect(evaluateSubject(out).evaluation.totals.netBps).toBeGreaterThan(evaluateSubject(base).evaluation.totals.netBps)
  })

  test('polling: elvis polling workers on I/O cores; a plan may choose only that; a floating layout is refused', async () => {
    const base = await subject('vhost-shared')
    const out = whatIfVariant('polling:io-cores=8', registry.whatifs).apply(base)
    expect(out.policy).toMatchObject({net: 'elvis', notification: {kind: 'poll'}, ioCoresPerNode: 8})
    const ev = evaluateSubject(out).evaluation
    expect(ev.workers.filter(w => w.architecture === 'elvis').every(w => w.notification.kind === 'poll' && !w.floating)).toBe(true)
    expect(ev.devices.filter(d => d.kind === 'net').every(d => d.kicksPerS === 0)).toBe(true)
    const plan = whatIfVariant('polling', registry.whatifs).apply({...base, kind: 'plan', policy: undefined})
    expect(plan.allow).toEqual({net: ['elvis'], notifications: [{kind: 'poll'}]})
    // The floating policy's layout, given as a fixed layout.
    const policy = await subject('vhost-per-device-floating')
    const floating: Subject = {...policy, policy: undefined, layout: evaluateSubject(policy).layout}
    expect(() => whatIfVariant('polling', registry.whatifs).apply(floating))
      .toThrow(/plugin @sidecore\/plugin-polling: what-if polling failed: worker .* floats/)
  })

  test('tenant-isolation: one cgroup per tenant, workers shared only within one', async () => {
    const base = await subject('vhost-shared')
    const out = whatIfVariant('tenant-isolation', registry.whatifs).apply(base)
    for (const e of out.workload.entries) expect(e.type.cgroup.path).toBe(`/machine.slice/tenant-${e.type.tenant}`)
    expect(out.policy?.sharing).toBe('same-cgroup')
    const {evaluation: ev} = evaluateSubject(out)
    const tenantOf = new Map(out.workload.entries.flatMap(e => Array.from({length: e.count}, (_, i) => [`${e.type.name}-${i}`, e.type.tenant])))
    for (const w of ev.workers) expect(new Set(w.devices.map(d => tenantOf.get(d.split('/')[0]))).size).toBe(1)
  })

  test('sriov: an architecture the core does not have; guests notify without exits and no backend worker costs cycles', async () => {
    const base = await subject('vhost-shared')
    const out = whatIfVariant('sriov', registry.whatifs).apply(base)
    expect(out.policy?.net).toBe('sriov')
    const {layout, evaluation: ev} = evaluateSubject(out, architectureMap(registry))
    const vf = ev.workers.filter(w => (w.architecture as string) === 'sriov')
    expect(vf.length).toBe(ev.devices.filter(d => d.kind === 'net').length)
    expect(vf.every(w => w.busy === 0 && w.floating)).toBe(true)
    expect(ev.devices.every(d => d.kicksPerS === 0 || d.exitsPerS >= 0)).toBe(true)
    expect(layout.workers.every(w => (w.architecture as string) === 'sriov' || w.architecture === 'vhost-blk')).toBe(true)
    // Without the plugin's architectures the model does not know it.
    expect(() => evaluateSubject(out)).toThrow(/unknown I\/O architecture "sriov"|unknown architecture sriov/)
  })
})
