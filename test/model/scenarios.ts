/**
 * Random scenarios for the model's property tests: a host spec, VM types with counts, an
 * architecture policy and a calibration profile name, all plain data so that fast-check
 * prints a failing case in full and shrinks it.
 *
 * The generator follows the rules a user's input must obey (the policy only names
 * architectures that serve the device kind, `poll` only with I/O cores, `posted` and
 * `pv-eoi` only on platforms that have them, I/O cores for the shared designs). Whether
 * the VMs fit the host is left to `buildLayout`, which throws when they do not; the
 * properties skip those cases.
 */
import fc from 'fast-check'

import {normalizeHost} from '../../src/io/normalize.js'
import type {HostBody} from '../../src/io/schemas.js'
import {PolicyError} from '../../src/model/errors.js'
import {buildLayout} from '../../src/model/layout.js'
import type {
  ArchitectureId, ArchitecturePolicy, Device, Host, InterruptMode, Layout, Notification, Vm, VmType,
} from '../../src/model/types.js'

export const NET_ARCHITECTURES: ArchitectureId[] = [
  'qemu-userspace', 'vhost-per-device', 'vhost-per-cpu', 'vhost-shared', 'elvis', 'vbus',
]
export const BLOCK_ARCHITECTURES: ArchitectureId[] = [
  'qemu-userspace', 'vhost-blk', 'blk-dataplane', 'vhost-shared', 'elvis',
]
/** Architectures whose workers live on dedicated I/O cores. */
export const IO_CORE_ARCHITECTURES: ArchitectureId[] = ['vhost-shared', 'elvis']

export type ProfileName = 'era-2013' | 'current'

export interface TypeSpec {
  type: VmType
  count: number
}

export interface Scenario {
  host: HostBody
  types: TypeSpec[]
  policy: ArchitecturePolicy
  calibration: ProfileName
}

/** A scenario turned into the model's inputs. */
export interface Built {
  host: Host
  vms: Vm[]
  layout: Layout
}

const GIB = 2 ** 30

// ------------------------------------------------------------------ host

const nicArb = fc.record({
  gbit: fc.constantFrom(10, 25, 100),
  node: fc.integer({min: 0, max: 1}),
  /** Packet-rate ceiling as a fraction of line rate at 64 B (1 = the default). */
  ppsFraction: fc.constantFrom(1, 1, 0.5, 0.2),
})

const blockArb = fc.record({
  node: fc.integer({min: 0, max: 1}),
  kiops: fc.integer({min: 20, max: 1500}),
  mbPerS: fc.integer({min: 200, max: 7000}),
  latencyUs: fc.integer({min: 10, max: 200}),
})

export const hostArb: fc.Arbitrary<HostBody> = fc.record({
  sockets: fc.integer({min: 1, max: 2}),
  cores: fc.integer({min: 2, max: 16}),
  smt: fc.integer({min: 1, max: 2}),
  mhz: fc.integer({min: 1500, max: 3500}),
  nics: fc.array(nicArb, {minLength: 1, maxLength: 2}),
  blocks: fc.array(blockArb, {minLength: 0, maxLength: 2}),
  posted: fc.boolean(),
  pvEoi: fc.boolean(),
  ioeventfd: fc.boolean(),
  housekeeping: fc.boolean(),
}).map((h): HostBody => {
  const spec: HostBody = {
    name: 'random-host',
    sockets: h.sockets,
    nodes_per_socket: 1,
    cores_per_node: h.cores,
    threads_per_core: h.smt,
    frequency: h.mhz * 1e6,
    memory_per_node: 256 * GIB,
    nics: h.nics.map((n, i) => ({
      id: `nic${i}`,
      node: n.node % h.sockets,
      line_rate: n.gbit * 1e9,
      max_pps: n.ppsFraction * n.gbit * 1e9 / (8 * 84),
    })),
    block_devices: h.blocks.map((b, i) => ({
      id: `disk${i}`,
      node: b.node % h.sockets,
      max_iops: b.kiops * 1e3,
      max_bandwidth: b.mbPerS * 1e6,
      latency: b.latencyUs * 1e-6,
    })),
    platform: {posted_interrupts: h.posted, pv_eoi: h.pvEoi, ioeventfd: h.ioeventfd},
  }
  if (h.housekeeping) spec.housekeeping = '0'
  return spec
})

// ------------------------------------------------------------------ workload

const offeredArb = fc.oneof(
  fc.constant(Number.POSITIVE_INFINITY),
  fc.integer({min: 1_000, max: 3_000_000}),
)

/** A device before it is matched to the host: `backing` is an index into the host's NICs or disks (or none). */
const deviceArb = fc.record({
  kind: fc.constantFrom<'net' | 'block'>('net', 'net', 'block'),
  pattern: fc.constantFrom<'stream' | 'rr'>('stream', 'rr'),
  netDirection: fc.constantFrom<'tx' | 'rx'>('tx', 'rx'),
  blockDirection: fc.constantFrom<'read' | 'write'>('read', 'write'),
  netSize: fc.integer({min: 64, max: 9000}),
  blockSize: fc.constantFrom(512, 4096, 16_384, 65_536, 131_072),
  offered: offeredArb,
  blockDepth: fc.integer({min: 1, max: 64}),
  rrDepth: fc.integer({min: 1, max: 4}),
  backing: fc.integer({min: 0, max: 2}),
  protocol: fc.constantFrom<'tcp' | 'udp' | undefined>(undefined, 'tcp', 'udp'),
  backend: fc.constantFrom<'tap' | 'netmap' | undefined>(undefined, 'tap', 'netmap'),
  peerRttUs: fc.constantFrom(0, 0, 20, 100),
})
type RawDevice = typeof deviceArb extends fc.Arbitrary<infer T> ? T : never

const typeArb = fc.record({
  vcpus: fc.integer({min: 1, max: 4}),
  devices: fc.array(deviceArb, {minLength: 1, maxLength: 3}),
  cgroup: fc.constantFrom('/tenant-a', '/tenant-b'),
  quota: fc.constantFrom<number | undefined>(undefined, undefined, 0.5, 1, 2.5),
  minFraction: fc.constantFrom(0, 0.5, 0.9, 1),
  maxP99Us: fc.constantFrom<number | undefined>(undefined, undefined, 100, 1000),
  count: fc.integer({min: 1, max: 3}),
})

function toDevice(d: RawDevice, index: number, host: HostBody): Device {
  const nics = host.nics ?? []
  const disks = host.block_devices ?? []
  // A host without disks gets net devices only.
  const kind = d.kind === 'block' && disks.length > 0 ? 'block' : 'net'
  const ids = kind === 'net' ? nics.map(n => n.id) : disks.map(b => b.id)
  const device: Device = kind === 'net'
    ? {
      id: `dev${index}`, kind, pattern: d.pattern, direction: d.netDirection, sizeBytes: d.netSize,
      offered: d.offered, queueDepth: d.pattern === 'rr' ? d.rrDepth : 1,
    }
    : {
      id: `dev${index}`, kind, pattern: 'stream', direction: d.blockDirection, sizeBytes: d.blockSize,
      offered: d.offered, queueDepth: d.blockDepth,
    }
  const backing = d.backing % (ids.length + 1)
  if (backing < ids.length) device.backing = ids[backing]
  if (kind === 'net') {
    if (d.protocol !== undefined) device.protocol = d.protocol
    if (d.backend !== undefined) device.backend = d.backend
    if (d.pattern === 'rr' && d.peerRttUs > 0) device.peerRttS = d.peerRttUs * 1e-6
  }

  return device
}

// ------------------------------------------------------------------ policy

const notificationArb: fc.Arbitrary<Notification> = fc.oneof(
  fc.constant<Notification>({kind: 'kick'}),
  fc.integer({min: 1, max: 100}).map((us): Notification => ({kind: 'spin', budgetS: us * 1e-6})),
  fc.constant<Notification>({kind: 'poll'}),
  fc.record({us: fc.integer({min: 10, max: 500}), ring: fc.constantFrom(64, 128, 256, 1024)})
    .map(({us, ring}): Notification => ({kind: 'timer', periodS: us * 1e-6, ring})),
)

export function policyArb(net: ArchitectureId[] = NET_ARCHITECTURES, block: ArchitectureId[] = BLOCK_ARCHITECTURES) {
  return fc.record({
    net: fc.constantFrom(...net),
    block: fc.constantFrom(...block),
    notification: notificationArb,
    interrupt: fc.constantFrom<InterruptMode>('exit', 'pv-eoi', 'posted'),
    ioCoresPerNode: fc.integer({min: 0, max: 2}),
    devicesPerWorker: fc.integer({min: 1, max: 8}),
    sharing: fc.constantFrom<ArchitecturePolicy['sharing']>('none', 'same-vm', 'same-cgroup', 'any'),
    floatOn: fc.constantFrom<ArchitecturePolicy['floatOn']>('vm-cpus', 'node'),
  })
}

/** Make a random policy legal for the host: platform features and I/O cores. */
function fitPolicy(p: ArchitecturePolicy, host: HostBody): ArchitecturePolicy {
  const policy = {...p}
  const platform = host.platform ?? {}
  if (policy.interrupt === 'posted' && !platform.posted_interrupts) policy.interrupt = 'exit'
  if (policy.interrupt === 'pv-eoi' && !(platform.pv_eoi ?? true)) policy.interrupt = 'exit'
  const needsIo = IO_CORE_ARCHITECTURES.includes(policy.net) || IO_CORE_ARCHITECTURES.includes(policy.block)
    || policy.notification.kind === 'poll'
  if (needsIo && policy.ioCoresPerNode === 0) policy.ioCoresPerNode = 1
  return policy
}

// ------------------------------------------------------------------ scenarios

export function scenarioArb(policies = policyArb()): fc.Arbitrary<Scenario> {
  return fc.record({
    host: hostArb,
    types: fc.array(typeArb, {minLength: 1, maxLength: 3}),
    policy: policies,
    calibration: fc.constantFrom<ProfileName>('era-2013', 'current'),
  }).map(({host, types, policy, calibration}): Scenario => ({
    host,
    types: types.map((t, i): TypeSpec => {
      const type: VmType = {
        name: `t${i}`,
        vcpus: t.vcpus,
        memoryBytes: 4 * GIB,
        tenant: t.cgroup.slice(1),
        cgroup: t.quota === undefined ? {path: t.cgroup} : {path: t.cgroup, quotaCpus: t.quota},
        devices: t.devices.map((d, j) => toDevice(d, j, host)),
        slo: t.maxP99Us === undefined ? {minFraction: t.minFraction} : {minFraction: t.minFraction, maxP99S: t.maxP99Us * 1e-6},
      }
      return {type, count: t.count}
    }),
    policy: fitPolicy(policy, host),
    calibration,
  }))
}

export function instantiate(types: TypeSpec[]): Vm[] {
  return types.flatMap(t => Array.from({length: t.count}, (_, i): Vm => ({id: `${t.type.name}-${i}`, type: t.type})))
}

/**
 * Host, VMs and the policy's layout; undefined when the policy cannot be laid out on the
 * host (`PolicyError`: the VMs do not fit, too few I/O cores, or a combination that cannot
 * work, such as polling workers that float). Any other error propagates.
 */
export function build(s: Scenario, policy: ArchitecturePolicy = s.policy): Built | undefined {
  const host = normalizeHost(s.host)
  const vms = instantiate(s.types)
  try {
    return {host, vms, layout: buildLayout(host, vms, policy)}
  } catch (error) {
    if (error instanceof PolicyError) return undefined
    throw error
  }
}
