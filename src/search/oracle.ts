/**
 * The exhaustive oracle: every candidate of the search space enumerated and evaluated by
 * the model, for hosts small enough. The tests use it to show the search finds the
 * optimum. Its cost is policies x nodes^VMs x ioCPUs^devices evaluations; it refuses
 * spaces larger than `limit` candidates.
 */
import type {Calibration, Host, Vm} from '../model/types.js'
import {type Assessed, Assessor, type Found} from './host.js'
import {better} from './objective.js'
import type {Accounting, Objective} from './objective.js'
import {type SearchSpace, ioCpus, policies, policyLayout, sharedDevices} from './space.js'

export const ORACLE_LIMIT = 200_000

export function oracle(host: Host, vms: Vm[], calibration: Calibration, space: SearchSpace,
  objective: Objective, accounting: Accounting, limit = ORACLE_LIMIT): {best?: Found; evaluations: number; candidates: number} {
  const assessor = new Assessor(host, vms, calibration, objective, accounting)
  const nodes = host.nodes.map(n => n.id)
  const plans = policies(space).flatMap(policy => {
    const start = policyLayout(host, vms, policy)
    return start ? [{policy, cpus: ioCpus(start), devices: sharedDevices(vms, policy).length}] : []
  })
  const candidates = plans.reduce((s, p) => s + nodes.length ** vms.length * Math.max(1, p.cpus.length) ** p.devices, 0)
  if (candidates > limit) throw new Error(`the oracle covers at most ${limit} candidates; this space has ${candidates}`)
  let best: Assessed | undefined
  for (const {policy, cpus, devices} of plans) {
    for (const nodeVector of product(nodes, vms.length)) {
      for (const assignment of cpus.length > 0 ? product(cpus, devices) : [[]]) {
        const a = assessor.assess({policy, nodes: nodeVector, assignment})
        if (a && (!best || better(a.score, best.score))) best = a
      }
    }
  }

  return {best: best && assessor.found(best), evaluations: assessor.evaluations, candidates}
}

/** Every vector of `length` values drawn from `values`, in lexicographic order. */
function* product<T>(values: T[], length: number): Generator<T[]> {
  const index = Array.from({length}, () => 0)
  for (;;) {
    yield index.map(i => values[i])
    let k = length - 1
    while (k >= 0 && index[k] === values.length - 1) index[k--] = 0
    if (k < 0) return
    index[k]++
  }
}
