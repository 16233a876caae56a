/**
 * Overrides: a variant written as a file of fields and new values, where a number may be a
 * mathjs expression of the current value `old` (`line_rate: old * 4`). Values are in the
 * model's SI units: bit/s, packets/s, IOPS, hertz, items/s, seconds, cycles.
 *
 *   hosts:        line_rate, max_pps (every NIC), max_iops (every block device),
 *                 frequency, posted_interrupts, pv_eoi, ioeventfd (booleans)
 *   workload:     count (VMs of every type), offered (every device), vcpus, quota_cpus
 *   calibration:  any calibration field by its file key (e.g. wakeup_cycles)
 *   policy:       io_cores_per_node, devices_per_worker (a scenario's policy)
 */
import type {Subject} from '../../hooks/index.js'
import type {Calibration} from '../../model/types.js'
import {type Expression, ExpressionError} from './expression.js'
import {mapHosts, mapPolicy, mapVmTypes} from './subject.js'

export type OverrideSection = 'hosts' | 'workload' | 'calibration' | 'policy'

/** Fields an override may set, by section, with what the value must be. */
export const OVERRIDE_FIELDS: Record<Exclude<OverrideSection, 'calibration'>, Record<string, 'positive' | 'whole' | 'boolean' | 'non-negative'>> = {
  hosts: {line_rate: 'positive', max_pps: 'positive', max_iops: 'positive', frequency: 'positive',
    posted_interrupts: 'boolean', pv_eoi: 'boolean', ioeventfd: 'boolean'},
  workload: {count: 'whole', offered: 'non-negative', vcpus: 'whole', quota_cpus: 'positive'},
  policy: {io_cores_per_node: 'whole', devices_per_worker: 'whole'},
}

export interface Override {
  section: OverrideSection
  key: string
  /** A boolean, or an expression of `old`. */
  value: boolean | Expression
  /** Calibration: the model's field name. */
  field?: keyof Calibration
}

export interface Overrides {
  name: string
  overrides: Override[]
}

/** An override whose value is wrong for its field; `index` points into `overrides`. */
export class OverrideError extends Error {
  override readonly name = 'OverrideError'
  constructor(readonly index: number, message: string) {
    super(message)
  }
}

/** Apply every override in order. Throws OverrideError naming the one at fault. */
export function applyOverrides(subject: Subject, list: readonly Override[], clock?: () => number): Subject {
  return list.reduce((s, o, i) => applyOne(s, o, i, clock), subject)
}

function applyOne(s: Subject, o: Override, index: number, clock?: () => number): Subject {
  const num = (old: number, kind: string): number => {
    if (typeof o.value === 'boolean') throw new OverrideError(index, `a number or an expression, found ${o.value}`)
    let v: number
    try {
      v = o.value.evaluate(old, clock)
    } catch (error) {
      if (error instanceof ExpressionError) throw new OverrideError(index, error.message)
      throw error
    }

    if (kind === 'positive' && !(v > 0)) throw new OverrideError(index, `a positive number, found ${v} (old = ${old})`)
    if (kind === 'non-negative' && !(v >= 0)) throw new OverrideError(index, `a number >= 0, found ${v} (old = ${old})`)
    if (kind === 'whole' && !(Number.isInteger(v) && v >= 0)) throw new OverrideError(index, `a whole number >= 0, found ${v} (old = ${old})`)
    return v
  }

  const bool = (): boolean => {
    if (typeof o.value !== 'boolean') throw new OverrideError(index, `true or false, found ${o.value.text}`)
    return o.value
  }

  switch (o.section) {
    case 'hosts': {
      return mapHosts(s, h => {
        switch (o.key) {
          case 'line_rate': return {...h, nics: h.nics.map(n => ({...n, lineRateBps: num(n.lineRateBps, 'positive')}))}
          case 'max_pps': return {...h, nics: h.nics.map(n => ({...n, maxPps: num(n.maxPps, 'positive')}))}
          case 'max_iops': return {...h, blockDevices: h.blockDevices.map(b => ({...b, maxIops: num(b.maxIops, 'positive')}))}
          case 'frequency': return {...h, frequencyHz: num(h.frequencyHz, 'positive')}
          case 'posted_interrupts': return {...h, platform: {...h.platform, postedInterrupts: bool()}}
          case 'pv_eoi': return {...h, platform: {...h.platform, pvEoi: bool()}}
          case 'ioeventfd': return {...h, platform: {...h.platform, ioeventfd: bool()}}
          default: return h
        }
      })
    }

    case 'workload': {
      if (o.key === 'count') {
        return {...s, workload: {...s.workload, entries: s.workload.entries.map(e => ({...e, count: num(e.count, 'whole')}))}}
      }

      return mapVmTypes(s, t => {
        switch (o.key) {
          case 'offered': return {...t, devices: t.devices.map(d => ({...d, offered: num(d.offered, 'non-negative')}))}
          case 'vcpus': return {...t, vcpus: num(t.vcpus, 'whole')}
          case 'quota_cpus': return {...t, cgroup: {...t.cgroup, quotaCpus: num(t.cgroup.quotaCpus ?? t.vcpus, 'positive')}}
          default: return t
        }
      })
    }

    case 'calibration': {
      const field = o.field!
      return {...s, models: s.models.map(m => ({...m, calibration: {...m.calibration, [field]: num(m.calibration[field] as number, 'non-negative')}}))}
    }

    case 'policy': {
      return mapPolicy(s, p => (o.key === 'io_cores_per_node'
        ? {...p, ioCoresPerNode: num(p.ioCoresPerNode, 'whole')}
        : {...p, devicesPerWorker: num(p.devicesPerWorker, 'whole')}))
    }
  }
}
