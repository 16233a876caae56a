/**
 * The model's mechanisms one at a time, with numbers worked out by hand.
 *
 * The calibration here is our own: every cost is 0 and every ratio 1 unless a case sets
 * it, so each figure below follows from the one or two costs a case names. The host has
 * one node of four single-threaded cores at 2 GHz (CPUs 0-3): a VM pinned to CPU 0 (and
 * 1 when it has two vCPUs) and a worker pinned to I/O CPU 3, or floating on the VM's CPUs.
 */
import {describe, expect, test} from 'vitest'

import {normalizeHost} from '../../src/io/normalize.js'
import {CALIBRATION_FIELDS} from '../../src/io/schemas.js'
import {evaluate} from '../../src/model/evaluate.js'
import {checkLayout} from '../../src/model/layout.js'
import {framesPerItem, lineRatePps, wireBitsPerItem} from '../../src/model/net.js'
import type {
  Calibration, Device, DeviceResult, Host, InterruptMode, Layout, LimitKind, Notification, Vm, VmType, Worker,
} from '../../src/model/types.js'

const F = 2e9
const GIB = 2 ** 30

/** Every cost 0, every ratio and batch 1, then `set`. */
function calibration(set: Partial<Calibration> = {}): Calibration {
  const cal: Record<string, number | string> = {name: 'unit'}
  for (const [field, f] of Object.entries(CALIBRATION_FIELDS)) cal[field] = f.unit === 'ratio' || f.unit === 'count' ? 1 : 0
  return {...(cal as unknown as Calibration), ...set}
}

function host(options: {lineRate?: number; maxPps?: number; posted?: boolean; pvEoi?: boolean} = {}): Host {
  return normalizeHost({
    name: 'unit',
    sockets: 1,
    cores_per_node: 4,
    threads_per_core: 1,
    frequency: F,
    memory_per_node: 64 * GIB,
    nics: [{id: 'nic0', node: 0, line_rate: options.lineRate ?? 100e9, ...(options.maxPps ? {max_pps: options.maxPps} : {})}],
    block_devices: [{id: 'disk0', node: 0, max_iops: 1e6, max_bandwidth: 4e9, latency: 100e-6}],
    platform: {posted_interrupts: options.posted ?? true, pv_eoi: options.pvEoi ?? true, ioeventfd: true},
  })
}

function net(set: Partial<Device> = {}): Device {
  return {
    id: 'net0', kind: 'net', pattern: 'stream', direction: 'tx', sizeBytes: 1500,
    offered: Number.POSITIVE_INFINITY, queueDepth: 1, ...set,
  }
}

function vmType(devices: Device[], set: Partial<VmType> = {}): VmType {
  return {
    name: 'vm', vcpus: 1, memoryBytes: 4 * GIB, tenant: 't', cgroup: {path: '/t'}, devices, slo: {minFraction: 0}, ...set,
  }
}

/** VM `vm-0` on CPU 0 (and CPU 1 with two vCPUs). */
function oneVm(type: VmType): Vm[] {
  return [{id: 'vm-0', type}]
}

function worker(devices: string[], set: Partial<Worker> = {}): Worker {
  return {
    id: 'w0', architecture: 'vhost-shared', cpus: [3], floating: false, notification: {kind: 'kick'}, devices, ...set,
  }
}

/** Roles: VM CPUs from the placements, CPU 3 `io`, the rest idle. */
function layout(vms: Vm[], workers: Worker[], set: Partial<Layout> = {}): Layout {
  const placements = vms.map((vm, i) => ({vm: vm.id, node: 0, vcpuPins: Array.from({length: vm.type.vcpus}, (_, k) => i + k)}))
  const roles: Layout['roles'] = {0: 'idle', 1: 'idle', 2: 'idle', 3: 'io'}
  for (const p of placements) for (const c of p.vcpuPins) roles[c] = 'vm'
  return {host: 'unit', roles, vms: placements, workers, interrupt: 'posted', sharing: 'same-cgroup', vcpuOvercommit: 1, ...set}
}

/** Evaluate one VM with one device on one worker; the device's result. */
function single(options: {
  device?: Device; type?: Partial<VmType>; worker?: Partial<Worker>; cal?: Partial<Calibration>; host?: Host
  interrupt?: InterruptMode
}): DeviceResult {
  const device = options.device ?? net()
  const vms = oneVm(vmType([device], options.type))
  const h = options.host ?? host()
  const l = layout(vms, [worker([`vm-0/${device.id}`], options.worker)], {interrupt: options.interrupt ?? 'posted'})
  expect(checkLayout(h, vms, l)).toStrictEqual([])
  const evaluation = evaluate(h, vms, l, calibration(options.cal))
  expect(evaluation.devices).toHaveLength(1)
  return evaluation.devices[0]
}

/** Relative closeness, for rates in the millions. */
function expectNear(actual: number, expected: number, relative = 1e-6): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(relative * Math.abs(expected))
}

describe('Ethernet arithmetic (net.ts)', () => {
  test.each([
    // R / (8 * (frame + 20)): preamble and inter-frame gap.
    [10e9, 64, 14.88e6, 1e-3],
    [10e9, 1518, 0.813e6, 1e-3],
    [100e9, 64, 148.8e6, 1e-3],
  ])('%d bit/s at %d B frames carries %d packets/s', (rate, frame, pps, relative) => {
    expectNear(lineRatePps(rate, frame), pps, relative)
  })

  test.each([
    // [size, frames, wire bits]: padded to 64 B, 20 B per frame on the wire, split at 1518 B.
    [40, 1, 8 * 84],
    [64, 1, 8 * 84],
    [1518, 1, 8 * 1538],
    [9000, 6, 8 * (1500 + 20) * 6],
  ])('a %d B item leaves as %d frames, %d bits on the wire', (size, frames, bits) => {
    expect(framesPerItem(size)).toBe(frames)
    expect(wireBitsPerItem(size)).toBeCloseTo(bits, 9)
  })
})

describe('what limits a single device', () => {
  type Case = [string, Parameters<typeof single>[0], LimitKind, string, number]
  test.each<Case>([
    ['its offered load', {device: net({offered: 100_000}), cal: {netPacketCycles: 1000, guestPacketCycles: 1000}},
      'offered-load', 'vm-0/net0', 100_000],
    // 10 Gbit/s / (8 * (1518 + 20)) = 812,743.8 packets/s.
    ['the NIC line rate (1518 B)', {device: net({sizeBytes: 1518}), host: host({lineRate: 10e9})},
      'nic-line-rate', 'nic0', 10e9 / (8 * 1538)],
    ['the NIC packet rate (64 B, 1 Mpps NIC)', {device: net({sizeBytes: 64}), host: host({lineRate: 10e9, maxPps: 1e6})},
      'nic-packet-rate', 'nic0', 1e6],
    // 2 GHz / 2,000 cycles per packet on the pinned worker's own CPU.
    ['a pinned worker', {cal: {netPacketCycles: 2000}}, 'worker-cpu', 'w0', 1e6],
    // Per-byte cost: 2 GHz / (1,000 + 0.5 * 2,000 B) cycles.
    ['a pinned worker, per byte', {device: net({sizeBytes: 2000}), cal: {netPacketCycles: 1000, netByteCycles: 0.5}},
      'worker-cpu', 'w0', 1e6],
    // 2 GHz / 4,000 guest cycles per packet on the VM's one vCPU.
    ['the vCPU', {cal: {guestPacketCycles: 4000}}, 'vcpu', 'vm-0', 500_000],
    // cpu.max of 0.25 CPU: 0.25 * 2 GHz / 1,000 guest cycles; the VM's two vCPUs could do 4x that.
    ['a cgroup quota (guest cycles)', {type: {vcpus: 2, cgroup: {path: '/capped', quotaCpus: 0.25}}, cal: {guestPacketCycles: 1000}},
      'cgroup-quota', '/capped', 500_000],
    // The quota also pays the cycles of a worker that serves only this VM: 0.25 * 2 GHz / (1,000 + 1,000).
    ['a cgroup quota (guest and own worker cycles)',
      {type: {vcpus: 2, cgroup: {path: '/capped', quotaCpus: 0.25}}, cal: {guestPacketCycles: 1000, netPacketCycles: 1000}},
      'cgroup-quota', '/capped', 250_000],
  ])('by %s', (_, options, kind, resource, rate) => {
    const r = single(options)
    expect(r.limit).toStrictEqual({kind, resource})
    expectNear(r.rate, rate)
  })
})

describe('a resource with two limits (line and packet rate, IOPS and bandwidth)', () => {
  // Each NIC direction and each disk gives two rows over the same devices; the evaluator
  // leaves out one that can never fill first. When both limits fall at the same rate, the
  // first row (line rate, IOPS) is the one reported.
  function disk(maxIops: number, maxBandwidth: number): Host {
    return normalizeHost({
      name: 'unit', sockets: 1, cores_per_node: 4, threads_per_core: 1, frequency: F, memory_per_node: 64 * GIB,
      nics: [{id: 'nic0', node: 0, line_rate: 10e9}],
      block_devices: [{id: 'disk0', node: 0, max_iops: maxIops, max_bandwidth: maxBandwidth, latency: 100e-6}],
      platform: {posted_interrupts: true, pv_eoi: true, ioeventfd: true},
    })
  }

  const block = (sizeBytes: number): Device => ({
    id: 'vda', kind: 'block', pattern: 'stream', direction: 'read', sizeBytes, offered: Number.POSITIVE_INFINITY, queueDepth: 1e6,
  })

  type Case = [string, Parameters<typeof single>[0], LimitKind, number]
  test.each<Case>([
    ['64 B frames at 10 Gbit/s with the default packet rate: both at 14.88 Mpps',
      {device: net({sizeBytes: 64}), host: host({lineRate: 10e9})}, 'nic-line-rate', 10e9 / (8 * 84)],
    ['512 B requests on 1M IOPS and 4.096 GB/s', {device: block(512), host: disk(1e6, 4.096e9)}, 'block-device-iops', 1e6],
    ['4 KiB requests on 1M IOPS and 4.096 GB/s: both at 1M IOPS', {device: block(4096), host: disk(1e6, 4.096e9)},
      'block-device-iops', 1e6],
    // Bandwidth 1e-13 below: the rows fill within the evaluator's tie tolerance (1e-12), so IOPS still reports.
    ['4 KiB requests on 1M IOPS and 4.096 GB/s less 1e-13', {device: block(4096), host: disk(1e6, 4.096e9 * (1 - 1e-13))},
      'block-device-iops', 1e6],
    ['64 KiB requests on 1M IOPS and 4.096 GB/s', {device: block(65_536), host: disk(1e6, 4.096e9)},
      'block-device-bandwidth', 62_500],
  ])('%s', (_, options, kind, rate) => {
    const r = single(options)
    expect(r.limit.kind).toBe(kind)
    expectNear(r.rate, rate)
  })

  test('in an exact tie the lower of the two levels sets the rate, to the last bit', () => {
    // 60 B frames pad to 64 B, so a 1 Gbit/s NIC's line rate and its default packet rate
    // allow the same 1,488,095 packets/s; worked out through two rows, the levels differ by
    // rounding, and the rate is the packet rate exactly.
    const h = host({lineRate: 1e9})
    const r = single({device: net({sizeBytes: 60}), host: h})
    expect(r.limit.kind).toBe('nic-line-rate')
    expect(r.rate).toBe(h.nics[0].maxPps)
  })
})

describe('timer notification: a ring of R items flushed every T', () => {
  // cap = R / (max(T, R * cg / f) + R * cw / f): the ring fills during the period (or as fast
  // as the guest produces, when slower), then the worker drains it.
  test.each<[string, Notification & {kind: 'timer'}, number, number]>([
    // cw = 2,000 cycles = 1 us per item: 256 / (100 us + 256 us).
    ['the period fills the ring', {kind: 'timer', periodS: 100e-6, ring: 256}, 0, 2000],
    // cg = 2,000 cycles = 1 us: the guest needs 256 us > 100 us to fill it; 256 / (256 us + 256 us).
    ['the guest fills the ring', {kind: 'timer', periodS: 100e-6, ring: 256}, 2000, 2000],
    // A small ring: 64 / (500 us + 64 us).
    ['a long period with a small ring', {kind: 'timer', periodS: 500e-6, ring: 64}, 0, 2000],
  ])('%s', (_, timer, cg, cw) => {
    const r = single({worker: {notification: timer}, cal: {guestPacketCycles: cg, netPacketCycles: cw}})
    const expected = timer.ring / (Math.max(timer.periodS, timer.ring * cg / F) + timer.ring * cw / F)
    expect(r.limit).toStrictEqual({kind: 'timer-ring', resource: 'vm-0/net0'})
    expectNear(r.rate, expected)
  })
})

describe('interrupt delivery: guest exits per interrupt', () => {
  // A received stream raises interrupts and no guest kicks, so every exit is an interrupt's.
  test.each<[InterruptMode, number]>([
    ['exit', 2],
    ['pv-eoi', 1],
    ['posted', 0],
  ])('%s: %d exits per interrupt', (interrupt, exits) => {
    const r = single({device: net({direction: 'rx', offered: 100_000}), interrupt, cal: {exitKernelCycles: 1000, eoiCycles: 1000}})
    expect(r.interruptsPerS).toBeGreaterThan(0)
    expect(r.exitsPerS / r.interruptsPerS).toBeCloseTo(exits, 9)
  })
})

describe('checkLayout rejects', () => {
  const devices = [net({id: 'a'}), net({id: 'b'})]
  const vms: Vm[] = [
    {id: 'vm-0', type: vmType(devices, {cgroup: {path: '/x'}})},
    {id: 'vm-1', type: vmType(devices, {cgroup: {path: '/x'}})},
    {id: 'vm-2', type: vmType(devices, {cgroup: {path: '/y'}})},
  ]
  const perDevice = (): Worker[] => vms.flatMap((vm, v) => vm.type.devices.map((d, i) => worker(
    [`${vm.id}/${d.id}`], {id: `w${v}${i}`},
  )))
  const shared = (refs: string[]): Worker[] => [
    worker(refs, {id: 'shared'}),
    ...perDevice().filter(w => !refs.includes(w.devices[0])),
  ]

  type Case = [string, Layout, Host, RegExp | undefined]
  test.each<Case>([
    ['nothing in a sound layout', layout(vms, perDevice()), host(), undefined],
    ['a polling worker that floats',
      layout(vms, perDevice().map((w, i) => (i === 0 ? {...w, floating: true, cpus: [0], notification: {kind: 'poll'}} : w))),
      host(), /polling worker must be pinned/],
    ['a device served twice', layout(vms, [...perDevice(), worker(['vm-0/a'], {id: 'again'})]), host(), /already served by/],
    ['a device served by no worker', layout(vms, perDevice().slice(1)), host(), /vm-0\/a is served by no worker/],
    ['two devices on one worker under sharing none', layout(vms, shared(['vm-0/a', 'vm-0/b']), {sharing: 'none'}), host(),
      /sharing policy none forbids/],
    ['two VMs on one worker under sharing same-vm', layout(vms, shared(['vm-0/a', 'vm-1/a']), {sharing: 'same-vm'}), host(),
      /sharing policy same-vm forbids/],
    ['two cgroups on one worker under sharing same-cgroup', layout(vms, shared(['vm-1/a', 'vm-2/a']), {sharing: 'same-cgroup'}),
      host(), /sharing policy same-cgroup forbids/],
    ['posted interrupts on a host without them', layout(vms, perDevice(), {interrupt: 'posted'}), host({posted: false}),
      /posted interrupts need a host with posted_interrupts/],
  ])('%s', (_, l, h, problem) => {
    expect(checkLayout(h, vms, l)).toStrictEqual(problem === undefined ? [] : [expect.stringMatching(problem)])
  })

  test.each<[string, Layout]>([
    ['one VM on one worker under sharing same-vm', layout(vms, shared(['vm-0/a', 'vm-0/b']), {sharing: 'same-vm'})],
    ['one cgroup on one worker under sharing same-cgroup', layout(vms, shared(['vm-0/a', 'vm-1/b']), {sharing: 'same-cgroup'})],
    ['two cgroups on one worker under sharing any', layout(vms, shared(['vm-0/a', 'vm-2/b']), {sharing: 'any'})],
  ])('but accepts %s', (_, l) => {
    expect(checkLayout(host(), vms, l)).toStrictEqual([])
  })
})
