/**
 * The evaluator's fixed point runs in WebAssembly (src/model/kernel/solve.ts) on arrays
 * that live in the kernel's memory. These tests check the joints: every array the kernel
 * reads is given to it, the memory can grow under a prepared evaluator without losing
 * anything, and the generated module is the build of the current source.
 */
import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'

import {describe, expect, test} from 'vitest'

import {loadCalibration} from '../../src/io/load.js'
import {normalizeHost} from '../../src/io/normalize.js'
import {evaluate, prepare} from '../../src/model/evaluate.js'
import {KERNEL_SLOTS, KERNEL_SOURCE_HASH} from '../../src/model/kernel.generated.js'
import {buildLayout, checkLayout} from '../../src/model/layout.js'
import type {ArchitecturePolicy, Device, Vm, VmType} from '../../src/model/types.js'

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

interface KernelInside {
  kernel: {memory: {buffer: ArrayBuffer}, slots: Uint32Array}
}

describe('the WebAssembly kernel', () => {
  test('every array the kernel reads is given to it', async () => {
    const cal = (await loadCalibration('current')).calibration
    const evaluator = prepare(host, vms, cal)
    evaluator.evaluate(buildLayout(host, vms, base))
    const {slots} = (evaluator as unknown as KernelInside).kernel
    const offsets = KERNEL_SLOTS.map((_, k) => slots[k])
    expect(offsets.filter(o => o === 0)).toStrictEqual([])
  })

  test('a prepared evaluator gives what the one-shot call gives while its memory grows and is laid out anew', async () => {
    const cal = (await loadCalibration('current')).calibration
    // Few workers first, then one per device (more workers, pools and rows; floating workers,
    // whose lists the evaluator grows and the kernel reads from a copy), then back.
    const policies: Partial<ArchitecturePolicy>[] = [
      {}, {net: 'vhost-per-device', block: 'vhost-per-device', ioCoresPerNode: 0}, {ioCoresPerNode: 4, devicesPerWorker: 2}, {net: 'vhost-per-cpu', block: 'vhost-per-cpu', ioCoresPerNode: 0},
      {notification: {kind: 'spin', budgetS: 30e-6}}, {},
    ]
    const evaluator = prepare(host, vms, cal)
    const {kernel} = evaluator as unknown as KernelInside
    const sizes = [kernel.memory.buffer.byteLength]
    for (const change of policies) {
      const layout = buildLayout(host, vms, {...base, ...change})
      expect(checkLayout(host, vms, layout)).toStrictEqual([])
      expect(evaluator.evaluate(layout)).toStrictEqual(evaluate(host, vms, layout, cal))
      sizes.push(kernel.memory.buffer.byteLength)
    }

    // The first solve grew the memory (every array was made anew).
    expect(sizes[1]).toBeGreaterThan(sizes[0])
  })

  test('the generated module is the build of the current source, compiler and options', async () => {
    const source = await readFile(path.join(root, 'src', 'model', 'kernel', 'solve.ts'), 'utf8')
    const script = await readFile(path.join(root, 'scripts', 'build-kernel.ts'), 'utf8')
    const options = JSON.parse(/const options = (\[[^\]]*\])/.exec(script)![1].replaceAll("'", '"')) as string[]
    const compiler = (createRequire(import.meta.url)('assemblyscript/package.json') as {version: string}).version
    const hash = createHash('sha256').update(JSON.stringify([source, compiler, options])).digest('hex').slice(0, 16)
    expect(KERNEL_SOURCE_HASH).toBe(hash)
  })
})
