import {describe, expect, test} from 'vitest'

import {parseQuantity, parseRate} from '../../src/io/units.js'
import type {Limit, LimitKind, Notification} from '../../src/model/types.js'
import {
  describeLimit,
  describeLimitKind,
  formatBitRate,
  formatByteRate,
  formatCpuList,
  formatCpus,
  formatEventRate,
  formatIops,
  formatItemRate,
  formatLatency,
  formatNotification,
  formatPacketRate,
  formatPercent,
  formatTransactionRate,
  sig3,
} from '../../src/report/format.js'

describe('sig3', () => {
  test.each([
    [0, '0'],
    [1, '1.00'],
    [3.14159, '3.14'],
    [12.345, '12.3'],
    [999.4, '999'],
    [999.5, '1000'],
    [1234.4, '1234'],
    [123456.7, '123457'],
    [-2.5, '-2.50'],
    [0.0123456, '0.0123'],
    [1.23e-7, '0.000000123'],
    [9.996e-7, '0.00000100'],
    [1e21, '1000000000000000000000'],
    [Infinity, 'unbounded'],
    [-Infinity, '-unbounded'],
    [NaN, 'n/a'],
  ])('sig3(%s) = %s', (x, expected) => {
    expect(sig3(x)).toBe(expected)
  })

  test.each([
    [20, '20'],
    [1.5, '1.5'],
    [150, '150'],
    [100, '100'],
    [0.1, '0.1'],
    [2.56, '2.56'],
  ])('sig3(%s, trim) = %s', (x, expected) => {
    expect(sig3(x, true)).toBe(expected)
  })

  test('never uses locale separators or exponents', () => {
    for (const x of [1234567.891, 0.000001234, 98765.4321, 1e15, 3e-9]) {
      expect(sig3(x)).toMatch(/^-?\d+(\.\d+)?$/)
    }
  })
})

describe('quantities', () => {
  test.each([
    [9.41e9, '9.41 Gbit/s'],
    [850e6, '850 Mbit/s'],
    [999.7e6, '1.00 Gbit/s'],
    [12_345, '12.3 kbit/s'],
    [1, '1.00 bit/s'],
    [0.5, '0.500 bit/s'],
    [0, '0 bit/s'],
    [-2.5e9, '-2.50 Gbit/s'],
    [1.5e15, '1500 Tbit/s'],
    [Infinity, 'unbounded'],
    [NaN, 'n/a'],
  ])('formatBitRate(%s) = %s', (x, expected) => {
    expect(formatBitRate(x)).toBe(expected)
  })

  test.each([
    [742_000, '742 kpps'],
    [1.2e6, '1.20 Mpps'],
    [999, '999 pps'],
    [999.6, '1.00 kpps'],
    [0, '0 pps'],
    [Infinity, 'unbounded'],
  ])('formatPacketRate(%s) = %s', (x, expected) => {
    expect(formatPacketRate(x)).toBe(expected)
  })

  test.each([
    [40_000, '40.0 kIOPS'],
    [500, '500 IOPS'],
    [2.5e6, '2.50 MIOPS'],
    [Infinity, 'unbounded'],
  ])('formatIops(%s) = %s', (x, expected) => {
    expect(formatIops(x)).toBe(expected)
  })

  test.each([
    [18_200, '18.2 ktps'],
    [950, '950 tps'],
  ])('formatTransactionRate(%s) = %s', (x, expected) => {
    expect(formatTransactionRate(x)).toBe(expected)
  })

  test.each([
    [850, '850/s'],
    [12_345.6789, '12.3k/s'],
    [2e6, '2.00M/s'],
    [0, '0/s'],
  ])('formatEventRate(%s) = %s', (x, expected) => {
    expect(formatEventRate(x)).toBe(expected)
  })

  test.each([
    [1.25e9, '1.25 GB/s'],
    [163_840_505.68, '164 MB/s'],
    [512, '512 B/s'],
    [0, '0 B/s'],
  ])('formatByteRate(%s) = %s', (x, expected) => {
    expect(formatByteRate(x)).toBe(expected)
  })

  test.each([
    [12.3e-6, '12.3 us'],
    [1.2e-3, '1.20 ms'],
    [150e-9, '150 ns'],
    [0.5e-9, '0.500 ns'],
    [999.95e-6, '1.00 ms'],
    [2, '2.00 s'],
    [3600, '3600 s'],
    [0, '0 ns'],
    [Infinity, 'unbounded'],
  ])('formatLatency(%s) = %s', (x, expected) => {
    expect(formatLatency(x)).toBe(expected)
  })

  test.each([
    [0.853, '85.3%'],
    [1, '100%'],
    [0, '0%'],
    [0.005, '0.500%'],
    [0.123456781, '12.3%'],
    [NaN, 'n/a'],
  ])('formatPercent(%s) = %s', (x, expected) => {
    expect(formatPercent(x)).toBe(expected)
  })

  test.each([
    [3, '3.00'],
    [12.5, '12.5'],
    [48, '48.0'],
    [128, '128'],
    [1234.4, '1234'],
    [0, '0'],
  ])('formatCpus(%s) = %s', (x, expected) => {
    expect(formatCpus(x)).toBe(expected)
  })

  test.each([
    [742_000, 'net', 'stream', '742 kpps'],
    [18_200, 'net', 'rr', '18.2 ktps'],
    [40_000, 'block', 'stream', '40.0 kIOPS'],
    [40_000, 'block', 'rr', '40.0 kIOPS'],
    [Infinity, 'net', 'stream', 'unbounded'],
  ] as const)('formatItemRate(%s, %s, %s) = %s', (rate, kind, pattern, expected) => {
    expect(formatItemRate(rate, kind, pattern)).toBe(expected)
  })

  test.each([
    [[], ''],
    [[4], '4'],
    [[5, 6, 7], '5-7'],
    [[0, 1, 2, 3, 8], '0-3,8'],
    [[3, 1, 2, 2, 10, 12, 11], '1-3,10-12'],
  ])('formatCpuList(%j) = %s', (cpus, expected) => {
    expect(formatCpuList(cpus)).toBe(expected)
  })
})

// A figure the tool prints can be pasted into an input file as it is: the input formats
// read it back to the same value, within its three significant figures.
describe('printed rates read back as input', () => {
  const values = [0.5, 7, 950, 18_200, 40_000, 812_345, 2_500_000, 9.41e9]
  const readBack = (text: string) => {
    const rate = parseRate(text)
    return rate.kind === 'data' ? rate.bitsPerS : rate.perS
  }

  test.each(values)('%s items/s as IOPS, transactions, packets and bit/s', (value) => {
    for (const text of [formatIops(value), formatTransactionRate(value), formatPacketRate(value), formatBitRate(value)]) {
      expect(Math.abs(readBack(text) / value - 1), text).toBeLessThan(5e-3)
    }
  })

  test.each(values)('%s bytes/s as a byte rate', (value) => {
    const text = formatByteRate(value)
    expect(Math.abs(parseQuantity(text, 'byteRate') / value - 1), text).toBeLessThan(5e-3)
  })
})

describe('notification', () => {
  test.each<[Notification, string]>([
    [{kind: 'kick'}, 'kick'],
    [{kind: 'spin', budgetS: 20e-6}, 'spin(20 us)'],
    [{kind: 'spin', budgetS: 1.5e-6}, 'spin(1.5 us)'],
    [{kind: 'poll'}, 'poll'],
    [{kind: 'timer', periodS: 150e-6, ring: 256}, 'timer(150 us, 256)'],
    [{kind: 'timer', periodS: 1e-3, ring: 64}, 'timer(1 ms, 64)'],
  ])('%j is %s', (notification, expected) => {
    expect(formatNotification(notification)).toBe(expected)
  })
})

describe('describeLimit', () => {
  const cases: [LimitKind, string, string][] = [
    ['worker-cpu', 'w3', "worker w3's CPU"],
    ['vcpu', 'web-0', 'vCPUs of web-0'],
    ['cgroup-quota', '/tenants/a', 'cgroup /tenants/a cpu.max quota'],
    ['nic-line-rate', 'eth0', 'NIC eth0 line rate'],
    ['nic-packet-rate', 'eth0', 'NIC eth0 packet rate'],
    ['block-device-iops', 'nvme0', 'block device nvme0 IOPS'],
    ['block-device-bandwidth', 'nvme0', 'block device nvme0 bandwidth'],
    ['timer-ring', 'w1', 'timer period and ring size'],
    ['round-trip', 'web-0/net0', 'round-trip time'],
    ['queue-depth', 'db-0/vda', 'queue depth'],
    ['offered-load', '', 'offered load (not limited)'],
  ]

  test.each(cases)('%s of %s reads "%s"', (kind, resource, expected) => {
    const limit: Limit = {kind, resource}
    expect(describeLimit(limit)).toBe(expected)
  })

  test('every limit kind has its own words', () => {
    const texts = cases.map(([kind]) => describeLimit({kind, resource: 'x'}))
    expect(new Set(texts).size).toBe(cases.length)
  })

  test('an unknown kind is a bug, not a silent default', () => {
    expect(() => describeLimit({kind: 'bogus' as LimitKind, resource: 'x'})).toThrow(/unhandled/)
  })

  test('a worker\'s CPU names the worker\'s architecture when it is known', () => {
    expect(describeLimit({kind: 'worker-cpu', resource: 'w3'}, 'vhost-shared')).toBe("vhost-shared worker w3's CPU")
    expect(describeLimit({kind: 'nic-line-rate', resource: 'eth0'}, 'vhost-shared')).toBe('NIC eth0 line rate')
  })
})

describe('describeLimitKind', () => {
  const kinds: LimitKind[] = ['offered-load', 'worker-cpu', 'vcpu', 'cgroup-quota', 'nic-line-rate', 'nic-packet-rate',
    'block-device-iops', 'block-device-bandwidth', 'timer-ring', 'round-trip', 'queue-depth']

  test('names each kind in words, never by its id', () => {
    const texts = kinds.map(describeLimitKind)
    expect(new Set(texts).size).toBe(kinds.length)
    for (const [i, text] of texts.entries()) expect(text).not.toBe(kinds[i])
    expect(describeLimitKind('worker-cpu')).toBe('I/O worker CPU')
    expect(describeLimitKind('nic-line-rate')).toBe('NIC line rate')
  })

  test('an unknown kind is a bug', () => {
    expect(() => describeLimitKind('bogus' as LimitKind)).toThrow(/unhandled/)
  })
})
