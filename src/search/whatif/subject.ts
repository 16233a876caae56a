/**
 * Helpers that build and change a Subject without mutating it. Plugins get them through
 * the public entry; the core's own overrides use them too.
 */
import type {Subject} from '../../hooks/index.js'
import type {ArchitecturePolicy, Device, Host, Layout, Nic, Notification, Vm, VmType, Workload} from '../../model/types.js'
import type {Allowed, PlanModel} from '../plan.js'

/** A subject for a plan: its host models, workload and allowed designs. */
export function planSubject(models: PlanModel[], workload: Workload, allow: Allowed = {}): Subject {
  return {kind: 'plan', models, workload, allow}
}

/** A subject for a scenario: one host model, its VMs as a workload, and a policy or layout. */
export function scenarioSubject(input: {host: Host; calibration: PlanModel['calibration']; workload: Workload;
  policy?: ArchitecturePolicy; layout?: Layout}): Subject {
  return {
    kind: 'scenario',
    models: [{host: input.host, calibration: input.calibration, entries: [{count: 1, labels: {}}]}],
    workload: input.workload,
    allow: {},
    ...(input.policy ? {policy: input.policy} : {}),
    ...(input.layout ? {layout: input.layout} : {}),
  }
}

/** Every host model changed by `fn`. */
export function mapHosts(subject: Subject, fn: (host: Host) => Host): Subject {
  return {...subject, models: subject.models.map(m => ({...m, host: fn(m.host)}))}
}

/** Every NIC of every host model changed by `fn`. */
export function mapNics(subject: Subject, fn: (nic: Nic) => Nic): Subject {
  return mapHosts(subject, h => ({...h, nics: h.nics.map(n => fn({...n}))}))
}

/** Every VM type changed by `fn` (the workload's, and so the scenario's VMs). */
export function mapVmTypes(subject: Subject, fn: (type: VmType) => VmType): Subject {
  return {...subject, workload: {...subject.workload, entries: subject.workload.entries.map(e => ({...e, type: fn(e.type)}))}}
}

/** Every device of every VM type changed by `fn`. */
export function mapDevices(subject: Subject, fn: (device: Device, type: VmType) => Device): Subject {
  return mapVmTypes(subject, t => ({...t, devices: t.devices.map(d => fn({...d}, t))}))
}

/** The scenario's policy changed by `fn` (a scenario with a fixed layout or a plan is returned as it is). */
export function mapPolicy(subject: Subject, fn: (policy: ArchitecturePolicy) => ArchitecturePolicy): Subject {
  return subject.policy ? {...subject, policy: fn({...subject.policy})} : subject
}

/** The scenario's fixed layout changed by `fn` (otherwise returned as it is). */
export function mapLayout(subject: Subject, fn: (layout: Layout) => Layout): Subject {
  return subject.layout ? {...subject, layout: fn(structuredClone(subject.layout))} : subject
}

/** The plan's allowed designs changed by `fn`. */
export function mapAllowed(subject: Subject, fn: (allow: Allowed) => Allowed): Subject {
  return {...subject, allow: fn({...subject.allow})}
}

/** The subject's VMs as a scenario names them: `TYPE-INDEX` from 0, in workload order. */
export function subjectVms(subject: Subject): Vm[] {
  return subject.workload.entries.flatMap(e => Array.from({length: e.count}, (_, i) => ({id: `${e.type.name}-${i}`, type: e.type})))
}

/** A notification policy as text: `kick`, `poll`, `spin(20 us)`, `timer(150 us, 256)`. */
export function notificationText(n: Notification): string {
  switch (n.kind) {
    case 'spin': return `spin(${Number((n.budgetS * 1e6).toPrecision(6))} us)`
    case 'timer': return `timer(${Number((n.periodS * 1e6).toPrecision(6))} us, ${n.ring})`
    default: return n.kind
  }
}
