/** First fit by vCPUs (CloudSim Plus VmAllocationPolicyFirstFit: the first host with room). */
import {describe, expect, test} from 'vitest'

import {normalizeHost} from '../../../src/io/normalize.js'
import {firstFitByVcpus} from '../../../src/search/baselines/first-fit.js'
import type {Vm, VmType} from '../../../src/model/types.js'

function host(name: string, cores: number, housekeeping = ''): ReturnType<typeof normalizeHost> {
  return normalizeHost({
    name, sockets: 1, cores_per_node: cores, threads_per_core: 1, frequency: '2 GHz', memory_per_node: '64 GiB',
    nics: [{id: 'eth0', node: 0, line_rate: '10 Gbit/s'}], block_devices: [],
    platform: {posted_interrupts: false, pv_eoi: true, ioeventfd: true}, housekeeping,
  })
}

function vm(id: string, vcpus: number): Vm {
  const type: VmType = {name: `t${vcpus}`, vcpus, memoryBytes: 2 ** 30, tenant: 't', cgroup: {path: '/t'}, devices: [], slo: {minFraction: 0}}
  return {id, type}
}

describe('first fit by vCPUs', () => {
  test('each VM goes to the first host with enough free CPUs, in workload order', () => {
    const hosts = [host('a', 4), host('b', 8)]
    const vms = [vm('v0', 3), vm('v1', 2), vm('v2', 1), vm('v3', 4)]
    // v0 -> a (1 left), v1 -> b (6 left), v2 -> a (0 left), v3 -> b (2 left).
    expect(firstFitByVcpus(hosts, vms)).toEqual([0, 1, 0, 1])
  })

  test('counted node by node, a VM must fit within one node and goes to the node with the most free CPUs', () => {
    const hosts = [host('a', 8), host('b', 8)]
    // Host a offers 4 and 3 CPUs on its two nodes, host b 4 and 4.
    const nodeFree = (_: unknown, i: number) => (i === 0 ? [4, 3] : [4, 4])
    const vms = [vm('v0', 3), vm('v1', 3), vm('v2', 2), vm('v3', 2), vm('v4', 1)]
    // v0 -> a node 0 (1, 3 left), v1 -> a node 1 (1, 0), v2: no node of a has 2 -> b node 0 (2, 4),
    // v3 -> b node 1 (2, 2), v4 -> a node 0 (0, 0). As one pool, v2 would have gone to a (2 left).
    expect(firstFitByVcpus(hosts, vms, {nodeFree})).toEqual([0, 0, 1, 1, 0])
    expect(firstFitByVcpus(hosts, vms)).toEqual([0, 0, 0, 1, 1])
  })

  test('a system that gives each VM more CPUs than its vCPUs fits fewer VMs per host', () => {
    const hosts = [host('a', 8), host('b', 8)]
    const vms = [vm('v0', 3), vm('v1', 3), vm('v2', 3)]
    expect(firstFitByVcpus(hosts, vms)).toEqual([0, 0, 1])
    expect(firstFitByVcpus(hosts, vms, {cpus: t => t.vcpus + 1})).toEqual([0, 0, 1])
    expect(firstFitByVcpus(hosts, [...vms, vm('v3', 2)], {cpus: t => t.vcpus + 1})).toEqual([0, 0, 1, 1])
    expect(firstFitByVcpus(hosts, [...vms, vm('v3', 2)])).toEqual([0, 0, 1, 0])
  })

  test('a full host is skipped; the next one with room takes the VM', () => {
    const hosts = [host('a', 4), host('b', 4)]
    expect(firstFitByVcpus(hosts, [vm('big', 4), vm('mid', 3), vm('small', 1)])).toEqual([0, 1, 1])
  })

  test('housekeeping CPUs are not handed out', () => {
    const hosts = [host('a', 4, '0-1'), host('b', 4)]
    expect(firstFitByVcpus(hosts, [vm('v0', 3), vm('v1', 2)])).toEqual([1, 0])
  })

  test('a VM no host can take gets undefined and takes nothing', () => {
    const hosts = [host('a', 4)]
    expect(firstFitByVcpus(hosts, [vm('huge', 5), vm('v', 4), vm('w', 1)])).toEqual([undefined, 0, undefined])
  })

  test('a host that lacks a device the VM needs is filtered out first, as a scheduler\'s host filter does', () => {
    const withDisk = normalizeHost({
      name: 'disk', sockets: 1, cores_per_node: 4, threads_per_core: 1, frequency: '2 GHz', memory_per_node: '64 GiB',
      nics: [{id: 'eth0', node: 0, line_rate: '10 Gbit/s'}],
      block_devices: [{id: 'nvme0', node: 0, max_iops: '500 kIOPS', max_bandwidth: '3 GB/s', latency: '80 us'}],
      platform: {posted_interrupts: false, pv_eoi: true, ioeventfd: true},
    })
    const type: VmType = {name: 'db', vcpus: 2, memoryBytes: 2 ** 30, tenant: 't', cgroup: {path: '/t'}, slo: {minFraction: 0},
      devices: [{id: 'vda', kind: 'block', pattern: 'rr', direction: 'read', sizeBytes: 4096, offered: 1000, queueDepth: 8}]}
    // Host a has room but no block device: both db VMs go to the host with the disk; a third finds none.
    expect(firstFitByVcpus([host('a', 8), withDisk], [{id: 'db-0', type}, {id: 'db-1', type}, {id: 'db-2', type}]))
      .toEqual([1, 1, undefined])
  })

  test('no hosts, no VMs', () => {
    expect(firstFitByVcpus([], [vm('v', 1)])).toEqual([undefined])
    expect(firstFitByVcpus([host('a', 2)], [])).toEqual([])
  })
})
