/**
 * Invariants of the model over random scenarios (fast-check): random hosts, VM types and
 * policies (see `scenarios.ts`), under both calibration profiles. Each property has its
 * own fixed seed, so a failure reproduces; fast-check prints the shrunk scenario.
 *
 * `evaluate` requires a layout that passed `checkLayout`; the properties that evaluate
 * skip the (rare) layouts `buildLayout` gets wrong, and property (g) reports those.
 */
import fc from 'fast-check'
import {beforeAll, describe, expect, test} from 'vitest'

import {loadCalibration} from '../../src/io/load.js'
import {evaluate, prepare} from '../../src/model/evaluate.js'
import {checkLayout} from '../../src/model/layout.js'
import {framesPerItem, wireBitsPerItem} from '../../src/model/net.js'
import type {ArchitecturePolicy, Calibration, Evaluation} from '../../src/model/types.js'
import {type Built, type ProfileName, type Scenario, build, policyArb, scenarioArb} from './scenarios.js'

/** Runs per property (cases that pass every fc.pre): the whole file takes about 10-15 s on a 2-core machine. */
const RUNS = 300
/** Relative slack for comparisons between figures the fixed point computes. */
const SLACK = 1e-6
/** Relative difference two evaluations of nearly equal layouts may settle apart (the fixed point stops at 1e-5 per iterate). */
const CONVERGED = 1e-4

const profiles = {} as Record<ProfileName, Calibration>
beforeAll(async () => {
  for (const name of ['era-2013', 'current'] as const) profiles[name] = (await loadCalibration(name)).calibration
})

/** Build and evaluate a scenario; skips (fc.pre) when the VMs do not fit or the layout is unsound. */
function run(s: Scenario, policy?: ArchitecturePolicy): {built: Built; evaluation: Evaluation} {
  const built = build(s, policy)
  fc.pre(built !== undefined)
  fc.pre(checkLayout(built.host, built.vms, built.layout).length === 0)
  return {built, evaluation: evaluate(built.host, built.vms, built.layout, profiles[s.calibration])}
}

/** Every number in a value with its path. */
function numbers(value: unknown, path = '$', out: Array<[string, number]> = []): Array<[string, number]> {
  if (typeof value === 'number') out.push([path, value])
  else if (Array.isArray(value)) value.forEach((v, i) => numbers(v, `${path}[${i}]`, out))
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) numbers(v, `${path}.${k}`, out)
  }

  return out
}

const atMost = (value: number, bound: number) => value <= bound * (1 + SLACK) + 1e-9

describe('model properties over random scenarios', () => {
  test('(a) no NaN, no negative and no infinite figure anywhere in the Evaluation (offered load may be Infinity)', () => {
    fc.assert(fc.property(scenarioArb(), s => {
      const {evaluation} = run(s)
      const wrong = numbers(evaluation)
        .filter(([path, x]) => Number.isNaN(x) || x < 0 || (!Number.isFinite(x) && !path.endsWith('.offered')))
        .map(([path, x]) => `${path} = ${x}`)
      expect(wrong).toStrictEqual([])
    }), {seed: 0xa11, numRuns: RUNS})
  })

  test('(b) rates stay within offered load, NIC line and packet rates per direction, and disk IOPS and bandwidth', () => {
    fc.assert(fc.property(scenarioArb(), s => {
      const {built: {host, vms}, evaluation} = run(s)
      const deviceOf = new Map(vms.flatMap(vm => vm.type.devices.map(d => [`${vm.id}/${d.id}`, d] as const)))
      const wire = new Map<string, number>()
      const frames = new Map<string, number>()
      const iops = new Map<string, number>()
      const bytes = new Map<string, number>()
      const add = (m: Map<string, number>, k: string, x: number) => m.set(k, (m.get(k) ?? 0) + x)
      for (const r of evaluation.devices) {
        const d = deviceOf.get(`${r.vm}/${r.device}`)!
        expect(atMost(r.rate, d.offered), `${r.vm}/${r.device}: rate ${r.rate} > offered ${d.offered}`).toBe(true)
        if (d.kind === 'net') {
          const nic = d.backing ?? host.nics[0].id
          // A transaction puts a request on the wire one way and a response the other.
          const directions = d.pattern === 'rr' ? ['tx', 'rx'] : [d.direction]
          for (const dir of directions) {
            add(wire, `${nic} ${dir}`, r.rate * wireBitsPerItem(d.sizeBytes))
            add(frames, `${nic} ${dir}`, r.rate * framesPerItem(d.sizeBytes))
          }
        } else {
          const disk = d.backing ?? host.blockDevices[0].id
          add(iops, disk, r.rate)
          add(bytes, disk, r.rate * d.sizeBytes)
        }
      }

      for (const nic of host.nics) {
        for (const dir of ['tx', 'rx']) {
          const key = `${nic.id} ${dir}`
          expect(atMost(wire.get(key) ?? 0, nic.lineRateBps), `${key}: ${wire.get(key)} bit/s on the wire > ${nic.lineRateBps}`).toBe(true)
          expect(atMost(frames.get(key) ?? 0, nic.maxPps), `${key}: ${frames.get(key)} packets/s > ${nic.maxPps}`).toBe(true)
        }
      }

      for (const b of host.blockDevices) {
        expect(atMost(iops.get(b.id) ?? 0, b.maxIops), `${b.id}: ${iops.get(b.id)} IOPS > ${b.maxIops}`).toBe(true)
        expect(atMost(bytes.get(b.id) ?? 0, b.maxBandwidthBytes), `${b.id}: ${bytes.get(b.id)} B/s > ${b.maxBandwidthBytes}`).toBe(true)
      }
    }), {seed: 0xb22, numRuns: RUNS})
  })

  test('(c) a polling worker is counted whole: its CPU is fully used and it takes its share of that CPU', () => {
    const polling = scenarioArb(policyArb().map(p => ({...p, notification: {kind: 'poll' as const}})))
    fc.assert(fc.property(polling, s => {
      const {built: {layout}, evaluation} = run(s)
      const cpu = new Map(evaluation.cpus.map(c => [c.id, c]))
      for (const w of evaluation.workers) {
        if (w.notification.kind !== 'poll') continue
        expect(w.floating).toBe(false)
        const sharing = layout.workers.filter(o => !o.floating && o.cpus[0] === w.cpus[0]).length
        expect(cpu.get(w.cpus[0])!.utilisation, `CPU ${w.cpus[0]} of polling worker ${w.id}`).toBeCloseTo(1, 9)
        expect(w.utilisation, `utilisation of polling worker ${w.id} (one of ${sharing} on CPU ${w.cpus[0]})`)
          .toBeCloseTo(1 / sharing, 9)
      }
    }), {seed: 0xc33, numRuns: RUNS})
  })

  test('(d) posted interrupts never cause more exits than exit-mode interrupts on the same layout and traffic', () => {
    // Light traffic, so that every device can carry its offered load in both modes.
    const withPosted = scenarioArb().map(s => ({
      ...s,
      host: {...s.host, platform: {...s.host.platform, posted_interrupts: true}},
      types: s.types.map(t => ({...t, type: {...t.type, devices: t.type.devices.map(d => ({...d, offered: Math.min(d.offered, 500)}))}})),
    }))
    fc.assert(fc.property(withPosted, s => {
      const {built: {host, vms, layout}} = run(s)
      const cal = profiles[s.calibration]
      const exit = evaluate(host, vms, {...layout, interrupt: 'exit'}, cal)
      const posted = evaluate(host, vms, {...layout, interrupt: 'posted'}, cal)
      // The same traffic in both: every device carries its offered load. (Where posted
      // interrupts shorten round trips or free vCPU time, devices carry more, and more
      // items per second bring more exits per second even though each item causes fewer.)
      fc.pre([...exit.devices, ...posted.devices].every(d => d.limit.kind === 'offered-load'))
      // Within the fixed point's convergence (1e-5 per iterate): equal layouts may settle a hair apart.
      expect(posted.totals.exitsPerS <= exit.totals.exitsPerS * (1 + CONVERGED) + 1e-9,
        `exits/s: posted ${posted.totals.exitsPerS} > exit ${exit.totals.exitsPerS}`).toBe(true)
    }), {seed: 0xd44, numRuns: RUNS})
  })

  test('(e) adding a dedicated I/O core to a feasible layout never lowers total throughput', () => {
    // Feasible: the layout meets every SLO (each device achieves at least its VM's
    // min_fraction of a finite offered load and stays within its max p99 latency), i.e.
    // `totals.sloViolations === 0`. Adding a dedicated I/O core: a whole idle core of the
    // layout (no vCPU, no worker on any of its threads) gets the io role, and nothing
    // else moves, so the layout gains capacity it may use. Total throughput:
    // `totals.deliveredBps`. (Moving devices onto the new core is the search's choice: in
    // kick mode a less busy worker re-arms notifications more often, the seed-004
    // "backend too fast" effect, so a move can cost throughput and the search may decline it.)
    fc.assert(fc.property(scenarioArb(), s => {
      const {built: {host, vms, layout}, evaluation: before} = run(s)
      fc.pre(before.totals.sloViolations === 0)
      const busy = new Set([...layout.vms.flatMap(p => p.vcpuPins), ...layout.workers.flatMap(w => w.cpus)])
      const cores = new Map<number, number[]>()
      for (const c of host.cpus) cores.set(c.core, [...(cores.get(c.core) ?? []), c.id])
      const idle = [...cores.values()].find(ids => ids.every(id => !busy.has(id) && (layout.roles[id] ?? 'idle') === 'idle'))
      fc.pre(idle !== undefined)
      const roles = {...layout.roles}
      for (const id of idle!) roles[id] = 'io'
      const grown = {...layout, roles}
      expect(checkLayout(host, vms, grown)).toStrictEqual([])
      const after = evaluate(host, vms, grown, profiles[s.calibration])
      expect(after.totals.deliveredBps, 'delivered bit/s with one more I/O core')
        .toBeGreaterThanOrEqual(before.totals.deliveredBps * (1 - SLACK))
    }), {seed: 0xe55, numRuns: RUNS})
  })

  test('(f) evaluation is deterministic and leaves its inputs alone', () => {
    fc.assert(fc.property(scenarioArb(), s => {
      const built = build(s)
      fc.pre(built !== undefined && checkLayout(built.host, built.vms, built.layout).length === 0)
      const {host, vms, layout} = built
      const before = structuredClone({host, vms, layout})
      const first = evaluate(host, vms, layout, profiles[s.calibration])
      const second = evaluate(host, vms, layout, profiles[s.calibration])
      expect(second).toStrictEqual(first)
      expect({host, vms, layout}).toStrictEqual(before)
      // A prepared evaluator (what the search uses) carries nothing from one layout to the
      // next: after another layout of the same VMs, it gives what the one-shot call gives.
      const evaluator = prepare(host, vms, profiles[s.calibration])
      const other = {...layout, interrupt: 'exit' as const, workers: [...layout.workers].reverse()}
      expect(evaluator.evaluate(other)).toStrictEqual(evaluate(host, vms, other, profiles[s.calibration]))
      expect(evaluator.evaluate(layout)).toStrictEqual(first)
      // The order in which a layout lists its VMs changes nothing.
      expect(evaluator.evaluate({...layout, vms: [...layout.vms].reverse()})).toStrictEqual(first)
    }), {seed: 0xf66, numRuns: RUNS})
  })

  test('(f2) a prepared evaluator gives what the one-shot call gives, whatever it evaluated before', () => {
    // Layouts of other policies have other numbers of workers, CPU pools and constraint
    // rows, so the evaluator's arrays grow and are reused at other sizes in between.
    fc.assert(fc.property(scenarioArb(), fc.array(policyArb(), {minLength: 1, maxLength: 3}), (s, policies) => {
      const built = build(s)
      fc.pre(built !== undefined && checkLayout(built.host, built.vms, built.layout).length === 0)
      const {host, vms} = built
      const cal = profiles[s.calibration]
      const evaluator = prepare(host, vms, cal)
      const layouts = [built.layout]
      for (const p of policies) {
        const other = build(s, p)
        if (other && checkLayout(host, vms, other.layout).length === 0) layouts.push(other.layout, built.layout)
      }

      for (const layout of layouts) expect(evaluator.evaluate(layout)).toStrictEqual(evaluate(host, vms, layout, cal))
    }), {seed: 0xf67, numRuns: RUNS / 3})
  })

  test('(f3) a prepared evaluator whose marks near their limit starts them again, with the same results', () => {
    fc.assert(fc.property(scenarioArb(), s => {
      const built = build(s)
      fc.pre(built !== undefined && checkLayout(built.host, built.vms, built.layout).length === 0)
      const {host, vms, layout} = built
      const evaluator = prepare(host, vms, profiles[s.calibration])
      const first = evaluator.evaluate(layout)
      // The marks that tell which CPUs, VMs and devices a step has seen count up by evaluation.
      const marks = evaluator as unknown as {stamp: number}
      expect(marks.stamp).toBeGreaterThan(0)
      marks.stamp = 2 ** 31 - 10
      expect(evaluator.evaluate(layout)).toStrictEqual(first)
      expect(marks.stamp).toBeLessThan(2 ** 30)
    }), {seed: 0xf68, numRuns: RUNS / 3})
  })

  test('(f4) assess gives the totals, iterations and largest p99 of evaluate, to the last bit', () => {
    // What the search ranks layouts by must be what the plan reports. Calls of both kinds,
    // over layouts of other policies, go through one evaluator.
    fc.assert(fc.property(scenarioArb(), fc.array(policyArb(), {minLength: 1, maxLength: 2}), (s, policies) => {
      const built = build(s)
      fc.pre(built !== undefined && checkLayout(built.host, built.vms, built.layout).length === 0)
      const {host, vms} = built
      const evaluator = prepare(host, vms, profiles[s.calibration])
      const layouts = [built.layout]
      for (const p of policies) {
        const other = build(s, p)
        if (other && checkLayout(host, vms, other.layout).length === 0) layouts.push(other.layout)
      }

      for (const layout of layouts) {
        const assessment = evaluator.assess(layout)
        const evaluation = evaluator.evaluate(layout)
        expect(assessment).toStrictEqual({
          totals: evaluation.totals,
          maxP99S: Math.max(0, ...evaluation.devices.map(d => d.p99LatencyS)),
          iterations: evaluation.iterations,
        })
        expect(assessment.totals.sloViolations).toBe(evaluation.vms.reduce((sum, vm) => sum + vm.violations.length, 0))
      }
    }), {seed: 0xf69, numRuns: RUNS / 3})
  })

  test('(g) checkLayout finds nothing wrong with what buildLayout builds', () => {
    fc.assert(fc.property(scenarioArb(), s => {
      const built = build(s)
      fc.pre(built !== undefined)
      expect(checkLayout(built.host, built.vms, built.layout)).toStrictEqual([])
    }), {seed: 0x677, numRuns: RUNS})
  })

  test('(h) pinned workers and their CPU agree: the CPU is used as much as its workers together', () => {
    // Not a polling case: there the CPU is whole by definition (c). A worker's utilisation
    // is the "fraction of one CPU the worker occupies" (types.ts), so the workers pinned
    // on a CPU that nothing else uses add up to that CPU's utilisation. Tolerance 1e-4
    // relative: utilisations are state the fixed point steps towards, and it stops within
    // about 1e-5 of where it would take them next.
    const notPolling = scenarioArb(policyArb().map(p => (p.notification.kind === 'poll' ? {...p, notification: {kind: 'kick' as const}} : p)))
    fc.assert(fc.property(notPolling, s => {
      const {evaluation} = run(s)
      for (const c of evaluation.cpus) {
        const mine = evaluation.workers.filter(w => !w.floating && w.cpus[0] === c.id)
        if (mine.length === 0 || c.vms.length > 0 || c.utilisation >= 1 - SLACK) continue
        const sum = mine.reduce((total, w) => total + w.utilisation, 0)
        expect(Math.abs(sum - c.utilisation), `CPU ${c.id}: utilisation ${c.utilisation}, its ${mine.length} workers ${sum}`)
          .toBeLessThanOrEqual(1e-4 * Math.max(1e-3, c.utilisation))
      }
    }), {seed: 0xc34, numRuns: RUNS})
  })

  test('(i) the fixed point stops near its solution: rates and p99 latencies within 0.1% of the same layout solved to 1e-10', () => {
    // A fixed sample rather than fc.assert: it holds the scenarios on which the step of
    // 0.8 used before stopped furthest off (3.9% on one, 0.2% on another).
    const samples = fc.sample(scenarioArb(), {numRuns: 400, seed: 3})
    let checked = 0
    for (const s of samples) {
      const built = build(s)
      if (!built || checkLayout(built.host, built.vms, built.layout).length > 0) continue
      const {host, vms, layout} = built
      const cal = profiles[s.calibration]
      const result = evaluate(host, vms, layout, cal)
      const exact = evaluate(host, vms, layout, cal, {tolerance: 1e-10, maxIterations: 3000})
      for (const [d, device] of result.devices.entries()) {
        const reference = exact.devices[d]
        const where = `${device.vm}/${device.device}: ${result.iterations} iterations against ${exact.iterations}`
        expect(Math.abs(device.rate - reference.rate) / Math.max(1, reference.rate), `${where}, rate`).toBeLessThanOrEqual(1e-3)
        expect(Math.abs(device.p99LatencyS - reference.p99LatencyS) / reference.p99LatencyS, `${where}, p99`).toBeLessThanOrEqual(1e-3)
      }

      checked++
    }

    expect(checked).toBeGreaterThan(150)
  })
})
