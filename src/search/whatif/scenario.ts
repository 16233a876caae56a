/**
 * Evaluating a scenario subject, with the architectures plugins add.
 *
 * The core's layout builder and checker know only the built-in architectures. For a
 * plugin's architecture the layout is built with a built-in stand-in of the same shape
 * (`vhost-per-device`: one worker per device, floating on the VM's CPUs or pinned on I/O
 * cores), checked, and then the stand-in's workers are replaced by the ones the plugin's
 * `buildWorkers` lays out; the evaluation prices them with the plugin's `costs`.
 */
import type {ArchitectureModel} from '../../model/arch/types.js'
import {LayoutError} from '../../model/errors.js'
import {evaluate} from '../../model/evaluate.js'
import {buildLayout, checkLayout, floatingCpus} from '../../model/layout.js'
import type {ArchitectureId, ArchitecturePolicy, DeviceKind, Evaluation, Host, Layout, Vm} from '../../model/types.js'
import type {Subject} from '../../hooks/index.js'
import {subjectVms} from './subject.js'

const STAND_IN: ArchitectureId = 'vhost-per-device'

/** Lay out and evaluate a scenario subject. Throws PolicyError when its policy cannot be laid out, LayoutError when the layout breaks a rule. */
export function evaluateSubject(subject: Subject, extra: ReadonlyMap<string, ArchitectureModel> = new Map()):
{layout: Layout; evaluation: Evaluation} {
  if (subject.kind !== 'scenario') throw new Error('evaluateSubject: a plan subject is planned, not evaluated')
  const {host, calibration} = subject.models[0]
  const vms = subjectVms(subject)
  let layout = subject.layout
  if (!layout) {
    if (!subject.policy) throw new LayoutError(['the scenario gives neither a layout nor a policy'])
    layout = policyLayout(host, vms, subject.policy, extra)
  }

  // Check with the plugin workers shown as the stand-in, and their kinds by the plugin's model.
  const problems = checkLayout(host, vms, {...layout, workers: layout.workers.map(w => (extra.has(w.architecture)
    ? {...w, architecture: STAND_IN} : w))})
  const kinds = new Map<string, DeviceKind>(vms.flatMap(vm => vm.type.devices.map(d => [`${vm.id}/${d.id}`, d.kind] as [string, DeviceKind])))
  for (const w of layout.workers) {
    const arch = extra.get(w.architecture)
    if (!arch) continue
    for (const ref of w.devices) {
      const kind = kinds.get(ref)
      if (kind && !arch.kinds.includes(kind)) problems.push(`worker ${w.id}: ${w.architecture} does not serve ${kind} devices (${ref})`)
    }
  }

  if (problems.length > 0) throw new LayoutError(problems)
  return {layout, evaluation: evaluate(host, vms, layout, calibration, {architectures: extra})}
}

/** The layout a policy describes, where the net or block architecture may be a plugin's. */
export function policyLayout(host: Host, vms: Vm[], policy: ArchitecturePolicy, extra: ReadonlyMap<string, ArchitectureModel>): Layout {
  const net = extra.get(policy.net)
  const block = extra.get(policy.block)
  if (!net && !block) return buildLayout(host, vms, policy)
  const standIn: ArchitecturePolicy = {
    ...policy,
    ...(net ? {net: STAND_IN} : {}),
    ...(block ? {block: STAND_IN} : {}),
  }
  const layout = buildLayout(host, vms, standIn)
  const ioCpus = new Map<number, number[]>(host.nodes.map(n => [n.id, n.cpus.filter(c => layout.roles[c] === 'io')]))
  const context = {host, vms, placements: layout.vms, policy, ioCpus, floatCpus: floatingCpus(host, vms, layout.roles, policy.floatOn)}
  const devicesOf = (kinds: DeviceKind[]) => vms.flatMap(vm => vm.type.devices.filter(d => kinds.includes(d.kind)).map(device => ({vm, device})))
  const replaced = new Set<DeviceKind>([...(net ? ['net' as const] : []), ...(block ? ['block' as const] : [])])
  const serves = (w: Layout['workers'][number]) => w.devices.some(ref => {
    const [vm, dev] = ref.split('/')
    const kind = vms.find(v => v.id === vm)?.type.devices.find(d => d.id === dev)?.kind
    return kind !== undefined && replaced.has(kind)
  })
  const kept = layout.workers.filter(w => !serves(w))
  const added = policy.net === policy.block && net
    ? net.buildWorkers({...context, devices: devicesOf(['net', 'block'])})
    : [
      ...(net ? net.buildWorkers({...context, devices: devicesOf(['net'])}) : []),
      ...(block ? block.buildWorkers({...context, devices: devicesOf(['block'])}) : []),
    ]
  const seen = new Set(kept.map(w => w.id))
  for (const w of added) {
    let id = w.id
    for (let k = 1; seen.has(id); k++) id = `${w.id}.${k}`
    w.id = id
    seen.add(id)
  }

  return {...layout, workers: [...kept, ...added]}
}
