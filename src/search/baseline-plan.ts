/**
 * What the systems people use today would do with the same cluster and workload: hosts
 * chosen by the cluster baseline (first fit by vCPUs, counting the CPUs each host baseline's
 * system offers guests and gives each VM), each host laid out by each host baseline (today's
 * default, OVS pmd-rxq-assign, Kubernetes CPU Manager, Nova emulator threads), evaluated by
 * the same model. Hosts with the same mix are evaluated once; baselines that count CPUs
 * alike share one first fit.
 */
import {PolicyError} from '../model/errors.js'
import {evaluate} from '../model/evaluate.js'
import type {Host, HostTotals, Vm, Workload} from '../model/types.js'
import {type HostBaseline, clusterBaselines, guestCpus, hostBaselines} from './baselines/index.js'
import type {PlanModel} from './plan.js'

export interface BaselineOutcome {
  id: string
  name: string
  source: string
  /** Hosts with at least one VM. */
  hostsUsed: number
  /** VMs first fit could not place, or this baseline could not lay out. */
  unplaced: number
  /** Sums over the hosts used (per-CPU figures recomputed from the sums). */
  totals: HostTotals
  /** Delivered bit/s of the VMs that meet their SLO (net bit/s plus 8 x block bytes/s). */
  sloMetBps: number
}

/** One first fit's hosts, grouped by host model and VM-type counts, and the VMs it could not place. */
interface Fit {
  mixes: Map<string, {model: number; counts: number[]; hosts: number}>
  unplacedByFit: number
}

function mixesOf(place: (number | undefined)[], hostModel: number[], typeCount: number, typeOf: (v: number) => number): Fit {
  const mixes = new Map<string, {model: number; counts: number[]; hosts: number}>()
  const counts = hostModel.map(() => Array.from({length: typeCount}, () => 0))
  let unplacedByFit = 0
  place.forEach((h, v) => {
    if (h === undefined) unplacedByFit++
    else counts[h][typeOf(v)]++
  })
  counts.forEach((c, h) => {
    if (c.every(n => n === 0)) return
    const key = `${hostModel[h]}:${c.join(',')}`
    const mix = mixes.get(key) ?? {model: hostModel[h], counts: c, hosts: 0}
    mix.hosts++
    mixes.set(key, mix)
  })
  return {mixes, unplacedByFit}
}

export function baselinePlans(models: PlanModel[], workload: Workload, baselines: readonly HostBaseline[] = hostBaselines):
BaselineOutcome[] {
  const hostModel = models.flatMap((m, i) => m.entries.flatMap(e => Array.from({length: e.count}, () => i)))
  const types = workload.entries.map(e => e.type)
  const vms: Vm[] = workload.entries.flatMap(e => Array.from({length: e.count}, (_, i) => ({id: `${e.type.name}-${i}`, type: e.type})))
  const typeIndex = new Map(types.map((t, i) => [t, i]))
  const hosts = hostModel.map(m => models[m].host)
  // First fit by what each baseline's system counts: the CPUs it offers guests on each host
  // model and the CPUs it gives each VM type. Baselines that count alike share the result.
  const fits = new Map<string, Fit>()
  const fitFor = (b: HostBaseline): Fit => {
    const free = models.map(m => (b.nodeCpus ? b.nodeCpus(m.host, m.calibration) : [guestCpus(m.host)]))
    const perVm = types.map(t => (b.vmCpus ? b.vmCpus(t) : t.vcpus))
    const key = `${b.nodeCpus ? 'nodes' : 'pool'}|${free.map(f => f.join('+')).join(',')}|${perVm.join(',')}`
    let fit = fits.get(key)
    if (!fit) {
      const place = clusterBaselines[0].place(hosts, vms, {
        ...(b.nodeCpus ? {nodeFree: (_: Host, i: number) => free[hostModel[i]]} : {}),
        cpus: t => perVm[typeIndex.get(t)!],
      })
      fits.set(key, fit = mixesOf(place, hostModel, types.length, v => typeIndex.get(vms[v].type)!))
    }

    return fit
  }

  return baselines.map(b => {
    const {mixes, unplacedByFit} = fitFor(b)
    const sum: HostTotals = {
      netBps: 0, blockBytesPerS: 0, iops: 0, deliveredBps: 0, cpusHost: 0, cpusAllocated: 0, bpsPerCpuHost: 0,
      bpsPerCpuAllocated: 0, exitsPerS: 0, interruptsPerS: 0, sloViolations: 0,
    }
    let hostsUsed = 0
    let sloMetBps = 0
    let unplaced = unplacedByFit
    for (const mix of mixes.values()) {
      const model = models[mix.model]
      const local: Vm[] = mix.counts.flatMap((n, t) => Array.from({length: n}, (_, i) => ({id: `${types[t].name}-${i}`, type: types[t]})))
      let t: HostTotals
      try {
        const ev = evaluate(model.host, local, b.layout(model.host, local, model.calibration), model.calibration)
        t = ev.totals
        sloMetBps += ev.vms.filter(v => v.sloMet).reduce((s, v) => s + v.netBps + 8 * v.blockBytesPerS, 0) * mix.hosts
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error
        unplaced += local.length * mix.hosts
        continue
      }

      hostsUsed += mix.hosts
      for (const key of ['netBps', 'blockBytesPerS', 'iops', 'deliveredBps', 'cpusHost', 'cpusAllocated', 'exitsPerS',
        'interruptsPerS', 'sloViolations'] as const) sum[key] += t[key] * mix.hosts
    }

    sum.bpsPerCpuHost = sum.cpusHost > 0 ? sum.deliveredBps / sum.cpusHost : 0
    sum.bpsPerCpuAllocated = sum.cpusAllocated > 0 ? sum.deliveredBps / sum.cpusAllocated : 0
    return {id: b.id, name: b.name, source: b.source, hostsUsed, unplaced, totals: sum, sloMetBps}
  })
}
