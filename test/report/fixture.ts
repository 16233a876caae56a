/**
 * A hand-built Evaluation for the report tests: one host with 8 CPUs on two
 * NUMA nodes, two VMs (one meets its SLO, one does not), two devices (a net
 * stream limited by its worker's CPU, a block device limited by the block
 * device's IOPS) and two workers (a pinned spinning sidecore and a floating
 * vhost thread). The numbers are chosen to be awkward (long fractions), not
 * consistent with the model.
 */

import type {Evaluation} from '../../src/model/types.js'

export function sampleEvaluation(): Evaluation {
  return {
    host: 'dl380-0001',
    calibration: 'sandy-bridge-en',
    devices: [
      {
        vm: 'web-0',
        device: 'net0',
        kind: 'net',
        pattern: 'stream',
        worker: 'w0',
        offered: Infinity,
        rate: 812_345.678901,
        bitsPerS: 9_412_345_678.9,
        bytesPerS: 1_176_543_209.86,
        limit: {kind: 'worker-cpu', resource: 'w0'},
        exitsPerS: 12_345.6789,
        interruptsPerS: 23_456.789,
        wakeupsPerS: 3_456.789,
        kicksPerS: 4_567.891,
        meanLatencyS: 12.345678e-6,
        p99LatencyS: 87.654321e-6,
      },
      {
        vm: 'db-0',
        device: 'vda',
        kind: 'block',
        pattern: 'stream',
        worker: 'w1',
        offered: 50_000,
        rate: 40_000.123456,
        bitsPerS: 1_310_724_045.4,
        bytesPerS: 163_840_505.68,
        limit: {kind: 'block-device-iops', resource: 'nvme0'},
        exitsPerS: 0,
        interruptsPerS: 10_000.5,
        wakeupsPerS: 9_876.54321,
        kicksPerS: 9_876.54321,
        meanLatencyS: 1.2e-3,
        p99LatencyS: 4.56789e-3,
      },
    ],
    workers: [
      {
        id: 'w0',
        architecture: 'elvis',
        notification: {kind: 'spin', budgetS: 20e-6},
        cpus: [4],
        floating: false,
        devices: ['web-0/net0'],
        utilisation: 1,
        busy: 0.876543219,
        idleSpinShare: 0.123456781,
      },
      {
        id: 'w1',
        architecture: 'vhost-per-device',
        notification: {kind: 'kick'},
        cpus: [5, 6, 7],
        floating: true,
        devices: ['db-0/vda'],
        utilisation: 0.3333333333,
        busy: 0.3333333333,
        idleSpinShare: 0,
      },
    ],
    cpus: [
      {id: 0, node: 0, role: 'housekeeping', utilisation: 0.05, vms: [], workers: []},
      {id: 1, node: 0, role: 'vm', utilisation: 0.7123456789, vms: ['web-0'], workers: []},
      {id: 2, node: 0, role: 'vm', utilisation: 0.65, vms: ['web-0'], workers: []},
      {id: 3, node: 0, role: 'idle', utilisation: 0, vms: [], workers: []},
      {id: 4, node: 1, role: 'io', utilisation: 1, vms: [], workers: ['w0']},
      {id: 5, node: 1, role: 'vm', utilisation: 0.9, vms: ['db-0'], workers: ['w1']},
      {id: 6, node: 1, role: 'vm', utilisation: 0.85, vms: ['db-0'], workers: ['w1']},
      {id: 7, node: 1, role: 'vm', utilisation: 0.8, vms: ['db-0'], workers: ['w1']},
    ],
    vms: [
      {
        id: 'web-0',
        type: 'web',
        node: 0,
        netBps: 9_412_345_678.9,
        blockBytesPerS: 0,
        iops: 0,
        p99LatencyS: 87.654321e-6,
        vcpuUtilisation: 0.6811728394,
        sloMet: true,
        violations: [],
      },
      {
        id: 'db-0',
        type: 'db',
        node: 1,
        netBps: 0,
        blockBytesPerS: 163_840_505.68,
        iops: 40_000.123456,
        p99LatencyS: 4.56789e-3,
        vcpuUtilisation: 0.85,
        sloMet: false,
        violations: ['vda: 80.0% of offered load < 90.0%', 'vda: p99 4.57 ms > 2.00 ms'],
      },
    ],
    totals: {
      netBps: 9_412_345_678.9,
      blockBytesPerS: 163_840_505.68,
      iops: 40_000.123456,
      deliveredBps: 9_412_345_678.9 + 163_840_505.68 * 8,
      cpusHost: 8,
      cpusAllocated: 7,
      bpsPerCpuHost: (9_412_345_678.9 + 163_840_505.68 * 8) / 8,
      bpsPerCpuAllocated: (9_412_345_678.9 + 163_840_505.68 * 8) / 7,
      exitsPerS: 12_345.6789,
      interruptsPerS: 33_457.289,
      sloViolations: 1,
    },
    iterations: 7,
  }
}
