/**
 * The evaluator's constraint rows and fixed point run in WebAssembly
 * (src/model/kernel/solve.ts) on arrays that live in the kernel's memory. These tests
 * check the joints: every array the kernel reads is given to it, layouts that keep the
 * slots as they were still reach the kernel whole, rows that need more room are built
 * again, the memory can grow under a prepared evaluator without losing anything, and the
 * generated module is the build of the current source.
 */
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {describe, expect, test} from 'vitest'

import {loadCalibration} from '../../src/io/load.js'
import {normalizeHost} from '../../src/io/normalize.js'
import {evaluate, prepare} from '../../src/model/evaluate.js'
import {KERNEL_SLOTS, KERNEL_SOURCE_HASH} from '../../src/model/kernel.generated.js'
import {Kernel, SLOT} from '../../src/model/kernel.js'
import {buildLayout, checkLayout} from '../../src/model/layout.js'
import type {ArchitecturePolicy, Device, Vm, VmType} from '../../src/model/types.js'
import {kernelHash, kernelOptions} from '../../scripts/kernel-hash.js'

const root = path.join(import.meta.dirname, '..', '..')
const GIB = 2 ** 30

const host = normalizeHost({
  name: 'two-node',
  sockets: 2,
  cores_per_node: 16,
  threads_per_core: 2,
  frequency: '2.6 GHz',
  memory_per_node: '256 GiB',
  nics: [{id: 'nic0', node: 0, line_rate: '100 Gbit/s'}, {id: 'nic1', node: 1, line_rate: '25 Gbit/s'}],
  block_devices: [{id: 'nvme0', node: 0, max_iops: '800 kIOPS', max_bandwidth: '3 GB/s', latency: '90 us'}],
  platform: {posted_interrupts: true, pv_eoi: true, ioeventfd: true},
  housekeeping: '0,32',
})

const net = (id: string, set: Partial<Device>): Device => ({
  id, kind: 'net', pattern: 'stream', direction: 'tx', sizeBytes: 1500, offered: 50_000, queueDepth: 1, ...set,
})
const type = (name: string, devices: Device[]): VmType => ({
  name, vcpus: 1, memoryBytes: 4 * GIB, tenant: 'a', cgroup: {path: `/machine.slice/${name}`}, devices,
  slo: {minFraction: 0.9, maxP99S: 1e-3},
})
const kinds = [
  type('web', [net('eth0', {backing: 'nic0'}), net('eth1', {backing: 'nic1', pattern: 'rr', sizeBytes: 256, queueDepth: 2})]),
  type('db', [{id: 'vda', kind: 'block', pattern: 'stream', direction: 'read', sizeBytes: 4096, offered: 9000, queueDepth: 16, backing: 'nvme0'}]),
]
const vms: Vm[] = Array.from({length: 40}, (_, i) => ({id: `vm-${i}`, type: kinds[i % 2]}))

const base: ArchitecturePolicy = {
  net: 'vhost-shared', block: 'vhost-shared', notification: {kind: 'kick'}, interrupt: 'posted', ioCoresPerNode: 1,
  devicesPerWorker: 30, sharing: 'any', floatOn: 'vm-cpus',
}

/** One floating worker per device. */
const perDevice: ArchitecturePolicy = {...base, net: 'vhost-per-device', block: 'vhost-per-device', ioCoresPerNode: 0}

interface KernelInside {
  kernel: {memory: {buffer: ArrayBuffer}, slots: Uint32Array}
}

describe('the WebAssembly kernel', () => {
  test('an unbounded iteration limit runs to convergence', async () => {
    const cal = (await loadCalibration('current')).calibration
    const layout = buildLayout(host, vms, base)
    expect(prepare(host, vms, cal, {maxIterations: Number.POSITIVE_INFINITY}).evaluate(layout)).toStrictEqual(evaluate(host, vms, layout, cal))
  })

  test('every array the kernel reads is given to it', async () => {
    const cal = (await loadCalibration('current')).calibration
    const evaluator = prepare(host, vms, cal)
    evaluator.evaluate(buildLayout(host, vms, base))
    const {slots} = (evaluator as unknown as KernelInside).kernel
    const offsets = KERNEL_SLOTS.map((_, k) => slots[k])
    expect(offsets.filter(o => o === 0)).toStrictEqual([])
  })

  test('a prepared evaluator gives what the one-shot call gives over layouts whose arrays the kernel copies and grows', async () => {
    const cal = (await loadCalibration('current')).calibration
    // Few workers first, then one per device (more workers, pools and rows; floating workers,
    // whose lists the evaluator grows and the kernel reads from a copy), then back.
    const policies: Partial<ArchitecturePolicy>[] = [
      {}, {net: 'vhost-per-device', block: 'vhost-per-device', ioCoresPerNode: 0, floatOn: 'node'}, {ioCoresPerNode: 4, devicesPerWorker: 2}, {net: 'vhost-per-cpu', block: 'vhost-per-cpu', ioCoresPerNode: 0},
      {notification: {kind: 'spin', budgetS: 30e-6}}, {},
    ]
    const evaluator = prepare(host, vms, cal)
    for (const change of policies) {
      const layout = buildLayout(host, vms, {...base, ...change})
      expect(checkLayout(host, vms, layout)).toStrictEqual([])
      expect(evaluator.evaluate(layout)).toStrictEqual(evaluate(host, vms, layout, cal))
    }

  })

  test('layouts with as many workers in turn, which reuse the kernel\'s slots as the last solve laid them out, give what the one-shot call gives', async () => {
    const cal = (await loadCalibration('current')).calibration
    // The same worker count, with other devices on each worker (other rows), other
    // notifications and other interrupts; and one floating worker per device, on other
    // CPUs (the lists of VMs they float over are arrays the evaluator grew, which the
    // kernel reads from a copy that must follow them).
    const shared: Partial<ArchitecturePolicy>[] = [
      {}, {sharing: 'same-cgroup'}, {notification: {kind: 'spin', budgetS: 40e-6}}, {interrupt: 'exit'},
    ]
    const floating: Partial<ArchitecturePolicy>[] = [{floatOn: 'node'}, {floatOn: 'vm-cpus'}, {floatOn: 'node', interrupt: 'exit'}]
    for (const [policy, changes] of [[{...base, ioCoresPerNode: 2}, shared], [perDevice, floating]] as const) {
      const layouts = changes.map(change => buildLayout(host, vms, {...policy, ...change}))
      expect(new Set(layouts.map(l => l.workers.length)).size).toBe(1)
      expect(new Set(layouts.map(l => JSON.stringify(l.workers.map(w => [w.cpus, w.devices])))).size).toBeGreaterThan(1)
      const evaluator = prepare(host, vms, cal)
      for (const layout of [...layouts, ...layouts.toReversed()]) {
        expect(evaluator.evaluate(layout)).toStrictEqual(evaluate(host, vms, layout, cal))
        expect(evaluator.assess(layout).totals).toStrictEqual(evaluate(host, vms, layout, cal).totals)
      }
    }
  })

  test('rows that need more room than the kernel has for them are built again with more, with the same results', async () => {
    const cal = (await loadCalibration('current')).calibration
    const layout = buildLayout(host, vms, base)
    const evaluator = prepare(host, vms, cal)
    const room = evaluator as unknown as {memberRoom: number, ownerRoom: number}
    room.memberRoom = 1
    room.ownerRoom = 1
    expect(evaluator.evaluate(layout)).toStrictEqual(evaluate(host, vms, layout, cal))
    expect(room.memberRoom).toBeGreaterThan(1)
    expect(room.ownerRoom).toBeGreaterThan(1)
  })

  test('rows built again after the memory grew on the first try read the arrays anew, with the same results', async () => {
    const cal = (await loadCalibration('current')).calibration
    const layout = buildLayout(host, vms, base)
    const evaluator = prepare(host, vms, cal)
    const inside = evaluator as unknown as {memberRoom: number, ownerRoom: number, kernel: {top: number, memory: {buffer: ArrayBuffer}}}
    inside.memberRoom = 1
    inside.ownerRoom = 1
    // As if earlier, larger layouts had used the memory up: the first try's room makes it grow.
    const {kernel} = inside
    const before = kernel.memory.buffer.byteLength
    kernel.top = before - 96
    expect(evaluator.evaluate(layout)).toStrictEqual(evaluate(host, vms, layout, cal))
    expect(kernel.memory.buffer.byteLength).toBeGreaterThan(before)
  })

  test('when the memory grows, the owner\'s arrays and the copies keep what they held, on the new memory', () => {
    const owner = {
      x: new Float64Array([1, 2, 3]), dVm: new Int32Array([7, 8, 9]), noteKind: new Int32Array(2), live: new Int32Array(1), other: 5,
    }
    const kernel = new Kernel(0)
    kernel.adopt(owner, 0)
    const inside = kernel as unknown as {memory: {buffer: ArrayBuffer}}
    expect(owner.x.buffer).toBe(inside.memory.buffer)
    // An array the owner grew since: a JavaScript array the kernel reads from a copy.
    owner.noteKind = new Int32Array([4, 5, 6, 7])
    kernel.want(SLOT.noteKind, owner.noteKind)
    // And one the owner now reads from the kernel's own array.
    kernel.wantScratch(SLOT.live, Int32Array, 3)
    expect(kernel.reserve()).toBe(false)
    kernel.input(SLOT.noteKind, owner.noteKind)
    const live = kernel.scratch<Int32Array<ArrayBuffer>>(SLOT.live)
    live.set([1, 2, 3])
    owner.live = live
    const before = inside.memory.buffer.byteLength
    // A working array of a megabyte: the memory must grow.
    kernel.wantScratch(SLOT.used, Float64Array, 2 ** 17)
    expect(kernel.reserve()).toBe(true)
    expect(inside.memory.buffer.byteLength).toBeGreaterThan(before)
    expect([...owner.x]).toStrictEqual([1, 2, 3])
    expect([...owner.dVm]).toStrictEqual([7, 8, 9])
    expect(owner.x.buffer).toBe(inside.memory.buffer)
    expect(owner.dVm.buffer).toBe(inside.memory.buffer)
    // The grown array and the kernel's own are left alone (not made the adopted ones again),
    // and the copy and the kernel's array survived the move.
    expect(owner.noteKind.buffer).not.toBe(inside.memory.buffer)
    expect(owner.live).toBe(live)
    expect([...kernel.scratch<Int32Array<ArrayBuffer>>(SLOT.noteKind)]).toStrictEqual([4, 5, 6, 7])
    expect([...kernel.scratch<Int32Array<ArrayBuffer>>(SLOT.live)]).toStrictEqual([1, 2, 3])
    expect(kernel.scratch<Float64Array<ArrayBuffer>>(SLOT.used).length).toBe(2 ** 17)
  })

  test('the generated module is the build of the current source, generator, compiler and options', async () => {
    const source = await readFile(path.join(root, 'src', 'model', 'kernel', 'solve.ts'), 'utf8')
    const generator = await readFile(path.join(root, 'scripts', 'build-kernel.ts'), 'utf8')
    expect(KERNEL_SOURCE_HASH).toBe(kernelHash(source, generator, kernelOptions(false)))
  })
})
