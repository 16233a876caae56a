/**
 * Layouts built from a policy keep every worker inside the cgroup cpuset of the VMs it
 * serves (a vhost worker runs in its owner's cgroup), or the policy is refused with a
 * message that names the VM and the CPUs; and the check reports a worker outside a
 * cpuset once per VM.
 */
import {describe, expect, test} from 'vitest'

import {normalizeHost} from '../../src/io/normalize.js'
import {PolicyError} from '../../src/model/errors.js'
import {buildLayout, checkLayout} from '../../src/model/layout.js'
import type {ArchitecturePolicy, Device, Vm, VmType} from '../../src/model/types.js'

// One node of 8 cores without SMT: with one I/O core per node, CPU 7 is the I/O CPU.
const host = normalizeHost({
  name: 'eight', sockets: 1, cores_per_node: 8, threads_per_core: 1, frequency: '2.6 GHz', memory_per_node: '64 GiB',
  nics: [{id: 'eth0', node: 0, line_rate: '25 Gbit/s'}],
  platform: {posted_interrupts: true, pv_eoi: true, ioeventfd: true},
})

const net = (id: string): Device => ({
  id, kind: 'net', pattern: 'stream', direction: 'tx', sizeBytes: 1500, offered: 20_000, queueDepth: 1, backing: 'eth0',
})
const type = (name: string, cpuset?: number[]): VmType => ({
  name, vcpus: 1, memoryBytes: 2 ** 32, tenant: name, cgroup: {path: `/${name}`, ...(cpuset ? {cpuset} : {})},
  devices: [net('in'), net('out')], slo: {minFraction: 0.9},
})
const vms = (cpuset?: number[]): Vm[] => [
  {id: 'free-0', type: type('free')},
  {id: 'boxed-0', type: type('boxed', cpuset)},
]

const policy = (set: Partial<ArchitecturePolicy>): ArchitecturePolicy => ({
  net: 'vhost-shared', block: 'vhost-blk', notification: {kind: 'kick'}, interrupt: 'posted', ioCoresPerNode: 1,
  devicesPerWorker: 7, sharing: 'same-cgroup', floatOn: 'vm-cpus', ...set,
})

const pinned: [string, Partial<ArchitecturePolicy>][] = [
  ['vhost-shared', {}],
  ['elvis polling', {net: 'elvis', notification: {kind: 'poll'}, ioCoresPerNode: 2}],
  ['vhost-per-device on I/O cores', {net: 'vhost-per-device'}],
  ['qemu-userspace on I/O cores', {net: 'qemu-userspace'}],
]

describe('cgroup cpusets in layouts built from a policy', () => {
  test.each(pinned)('%s: a cpuset without the I/O CPUs refuses the policy, naming the VM and the CPUs', (_name, set) => {
    const build = () => buildLayout(host, vms([0, 1, 2, 3, 4, 5]), policy(set))
    expect(build).toThrow(PolicyError)
    expect(build).toThrow(/the cgroup cpuset of boxed-0 \(VM type boxed\) allows none of the CPUs the policy gives its [a-z-]+ workers \(6?,? ?7\)/)
  })

  test.each(pinned)('%s: a cpuset with an I/O CPU gets its workers there, and the layout passes the check', (_name, set) => {
    const all = vms([0, 1, 2, 3, 7])
    const layout = buildLayout(host, all, policy(set))
    expect(checkLayout(host, all, layout)).toEqual([])
    const boxed = layout.workers.filter(w => w.devices.some(r => r.startsWith('boxed-0/')))
    expect(boxed.length).toBeGreaterThan(0)
    for (const w of boxed) expect(w.cpus).toEqual([7])
  })

  test('floating workers on the node float only over the cpuset', () => {
    const all = vms([0, 1, 2, 3])
    const layout = buildLayout(host, all, policy({net: 'vhost-per-device', ioCoresPerNode: 0, floatOn: 'node'}))
    expect(checkLayout(host, all, layout)).toEqual([])
    const boxed = layout.workers.filter(w => w.devices.some(r => r.startsWith('boxed-0/')))
    for (const w of boxed) {
      expect(w.floating).toBe(true)
      expect(w.cpus.every(c => c <= 3)).toBe(true)
    }

    const free = layout.workers.find(w => w.devices.some(r => r.startsWith('free-0/')))!
    expect(free.cpus.some(c => c > 3)).toBe(true)
  })

  test('a worker outside the cpuset of a VM whose two devices it serves is reported once', () => {
    const all = vms([0, 1, 2, 3, 7])
    const layout = buildLayout(host, all, policy({}))
    const moved = {...layout, workers: layout.workers.map(w => (w.devices.some(r => r.startsWith('boxed-0/')) ? {...w, cpus: [6]} : w)),
      roles: {...layout.roles, 6: 'io' as const}}
    const problems = checkLayout(host, all, moved)
    expect(problems.filter(p => p.includes('outside the cpuset'))).toEqual([
      expect.stringMatching(/^workers\[\d+\] \(s\d+\): runs on CPU 6, outside the cpuset of boxed-0's cgroup$/),
    ])
  })
})

describe('a policy that needs I/O cores', () => {
  test('without any asked for, the message says so', () => {
    expect(() => buildLayout(host, vms(), policy({ioCoresPerNode: 0})))
      .toThrow('the policy\'s architecture needs I/O cores, but io_cores_per_node is 0')
  })

  test('when housekeeping takes every CPU, the message names housekeeping, not io_cores_per_node', () => {
    const busy = normalizeHost({
      name: 'eight', sockets: 1, cores_per_node: 8, threads_per_core: 1, frequency: '2.6 GHz', memory_per_node: '64 GiB',
      nics: [{id: 'eth0', node: 0, line_rate: '25 Gbit/s'}], housekeeping: '0-7',
    })
    expect(() => buildLayout(busy, vms(), policy({})))
      .toThrow('the policy\'s architecture needs I/O cores, but no CPU is left for them: housekeeping takes 8 of the host\'s 8 CPUs')
  })
})
