import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {parseRate} from '../../src/io/units.js'
import {validateSpec} from '../../src/io/validate.js'
import {seededRandom} from '../../src/search/random.js'
import {
  VCPU_SHARE_RANGE,
  apportion,
  formatLoad,
  generateFleet,
  summarizeFleet,
} from '../../src/search/fleet.js'

const sizes = [1, 7, 1000, 100_000]
const pairs = sizes.flatMap((hosts) => sizes.map((vms) => [hosts, vms] as const))

describe('seededRandom (mulberry32)', () => {
  test('the same seed gives the same sequence, in [0, 1)', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    const xs = Array.from({length: 1000}, a)
    expect(Array.from({length: 1000}, b)).toEqual(xs)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(new Set(xs).size).toBe(1000)
  })

  test.each([
    [1, 2],
    [0, -1],
    [1, 2 ** 32 + 1],
  ])('seeds %d and %d give different sequences', (s, t) => {
    expect(Array.from({length: 8}, seededRandom(s))).not.toEqual(Array.from({length: 8}, seededRandom(t)))
  })
})

describe('apportion', () => {
  test.each([
    [1, [0.5, 0.3, 0.2], [1, 0, 0]],
    [7, [0.55, 0.25, 0.12, 0.08], [4, 2, 1, 0]],
    [10, [1, 1, 1], [4, 3, 3]],
    [0, [1, 2], [0, 0]],
  ])('%d over %j gives %j', (total, weights, parts) => {
    expect(apportion(total, weights)).toEqual(parts)
  })

  test('parts are whole, sum to the total, and stay within one of the exact quota', () => {
    fc.assert(
      fc.property(fc.integer({min: 0, max: 10_000_000}), fc.array(fc.double({min: 0.001, max: 1, noNaN: true}), {minLength: 1, maxLength: 12}), (total, weights) => {
        const parts = apportion(total, weights)
        const sum = weights.reduce((s, w) => s + w, 0)
        expect(parts.reduce((s, p) => s + p, 0)).toBe(total)
        parts.forEach((p, i) => {
          expect(Number.isInteger(p)).toBe(true)
          expect(Math.abs(p - (total * weights[i]) / sum)).toBeLessThan(1 + 1e-6)
        })
      }),
    )
  })
})

describe('formatLoad', () => {
  test.each([
    [2e9, 'bit/s', '2 Gbit/s'],
    [912_345_678, 'bit/s', '910 Mbit/s'],
    [300_000, 'pps', '300 kpps'],
    [1_234_567, 'pps', '1.2 Mpps'],
    [20_400, 'tps', '20 ktps'],
    [41_234, 'IOPS', '41000 IOPS'],
    [2.04e9, 'B/s', '2 GB/s'],
    [0.2, 'IOPS', '1 IOPS'],
  ] as const)('%d %s is written %s', (value, unit, text) => {
    expect(formatLoad(value, unit)).toBe(text)
  })

  test('what it writes reads back within rounding to two digits', () => {
    fc.assert(
      fc.property(fc.double({min: 1, max: 1e11, noNaN: true}), fc.constantFrom('bit/s', 'B/s', 'pps', 'tps', 'IOPS' as const), (value, unit) => {
        const rate = parseRate(formatLoad(value, unit), [])
        const read = rate.kind === 'items' ? rate.perS : unit === 'B/s' ? rate.bitsPerS / 8 : rate.bitsPerS
        expect(Math.abs(read - value) / value).toBeLessThanOrEqual(0.05)
      }),
    )
  })
})

describe('generateFleet', () => {
  test('the same seed gives the same fleet, key for key', () => {
    const a = generateFleet({hosts: 1000, vms: 20_000, seed: 7})
    const b = generateFleet({hosts: 1000, vms: 20_000, seed: 7})
    expect(JSON.stringify(b)).toBe(JSON.stringify(a))
  })

  test.each([
    [1, 1],
    [7, 100],
    [1000, 20_000],
  ])('different seeds give different fleets (%d hosts, %d VMs)', (hosts, vms) => {
    const fleets = [1, 2, 3].map((seed) => generateFleet({hosts, vms, seed}))
    const withoutNames = fleets.map((f) => JSON.stringify(f).replace(/seed \d+/g, ''))
    expect(new Set(withoutNames).size).toBe(3)
  })

  test('different seeds change the counts of a large fleet', () => {
    const [a, b] = [1, 2].map((seed) => summarizeFleet(generateFleet({hosts: 1000, vms: 20_000, seed})))
    expect(b.hosts).not.toEqual(a.hosts)
    expect(b.vms).not.toEqual(a.vms)
  })

  test.each(pairs)('%d hosts and %d VMs: counts sum exactly', (hosts, vms) => {
    const fleet = generateFleet({hosts, vms, seed: 1})
    const s = summarizeFleet(fleet)
    expect(fleet.cluster.hosts.reduce((n, e) => n + e.count, 0)).toBe(hosts)
    expect(Object.values(s.hosts).reduce((n, c) => n + c, 0)).toBe(hosts)
    expect(fleet.workload.vm_types.reduce((n, t) => n + (t.count ?? 1), 0)).toBe(vms)
    // Only what is used is listed.
    expect(fleet.cluster.hosts.every((e) => e.count > 0)).toBe(true)
    expect(fleet.workload.vm_types.every((t) => (t.count ?? 1) > 0)).toBe(true)
    expect(new Set(fleet.cluster.hosts.map((e) => e.host))).toEqual(new Set(fleet.hostModels.map((h) => h.file)))
  })

  test('a fleet of some size has 4 host models, 9 VM types and 5 tenants, the big servers the most', () => {
    const fleet = generateFleet({hosts: 1000, vms: 20_000, seed: 1})
    const s = summarizeFleet(fleet)
    expect(fleet.hostModels).toHaveLength(4)
    expect(fleet.workload.vm_types).toHaveLength(9)
    expect(s.tenants).toHaveLength(5)
    expect(Math.max(...Object.values(s.hosts))).toBe(s.hosts['compute-2s-64c'])
    // Every group is labelled with its rack(s) and failure domain.
    for (const e of fleet.cluster.hosts) {
      expect(e.labels?.rack).toMatch(/^r\d+(-r\d+)?$/)
      expect(e.labels?.failure_domain).toMatch(/^fd-[abc]$/)
    }
    // Every tenant's VMs share one cgroup.
    for (const t of fleet.workload.vm_types) expect(t.cgroup?.path).toBe(`/machine.slice/${t.tenant}`)
  })

  test('one host is one of the big servers', () => {
    const fleet = generateFleet({hosts: 1, vms: 1, seed: 99})
    expect(fleet.hostModels.map((h) => h.spec.name)).toEqual(['compute-2s-64c'])
    expect(fleet.cluster.hosts).toEqual([{host: 'hosts/compute-2s-64c.yaml', count: 1, labels: {rack: 'r1', failure_domain: 'fd-a', role: 'compute'}}])
  })

  // From about 3 to 40 VMs per host the VMs can fill 40-70% of the CPUs.
  test.each([
    [1, 7],
    [1, 20],
    [7, 100],
    [10, 300],
    [100, 500],
    [1000, 20_000],
    [10_000, 200_000],
    [100_000, 2_000_000],
    [100_000, 3_000_000],
  ])('%d hosts, %d VMs: the vCPUs are 40-70%% of the CPUs for every seed', (hosts, vms) => {
    for (let seed = 1; seed <= 20; seed++) {
      const s = summarizeFleet(generateFleet({hosts, vms, seed}))
      expect(s.vcpuShare).toBeGreaterThanOrEqual(VCPU_SHARE_RANGE[0])
      expect(s.vcpuShare).toBeLessThanOrEqual(VCPU_SHARE_RANGE[1])
    }
  })

  test.each([
    [100, 1, 'below'],
    [1, 1000, 'above'],
  ])('%d hosts, %d VMs cannot be plausible, and the summary says so (%s)', (hosts, vms, side) => {
    const s = summarizeFleet(generateFleet({hosts, vms, seed: 1}))
    if (side === 'below') expect(s.vcpuShare).toBeLessThan(VCPU_SHARE_RANGE[0])
    else expect(s.vcpuShare).toBeGreaterThan(VCPU_SHARE_RANGE[1])
  })

  test('VM sizes stay sensible: 1 to 64 vCPUs, memory within a NUMA node, quotas above the vCPUs', () => {
    for (const [hosts, vms] of pairs) {
      for (const t of generateFleet({hosts, vms, seed: 3}).workload.vm_types) {
        expect(t.vcpus).toBeGreaterThanOrEqual(1)
        expect(t.vcpus).toBeLessThanOrEqual(64)
        expect(Number(String(t.memory).replace(' GiB', ''))).toBeLessThanOrEqual(192)
        if (t.cgroup?.cpu_max !== undefined) expect(Number(String(t.cgroup.cpu_max).replace('%', ''))).toBeGreaterThan(100 * t.vcpus)
      }
    }
  })

  test.each(pairs)('%d hosts and %d VMs: every spec passes its schema', (hosts, vms) => {
    for (const seed of [1, 2]) {
      const fleet = generateFleet({hosts, vms, seed})
      for (const h of fleet.hostModels) expect(() => validateSpec('host', h.spec)).not.toThrow()
      expect(() => validateSpec('cluster', fleet.cluster)).not.toThrow()
      expect(() => validateSpec('workload', fleet.workload)).not.toThrow()
    }
  })

  test.each([
    [{hosts: 0, vms: 1, seed: 1}, /hosts/],
    [{hosts: 1.5, vms: 1, seed: 1}, /hosts/],
    [{hosts: 1, vms: 0, seed: 1}, /vms/],
    [{hosts: 1, vms: 1, seed: Number.NaN}, /seed/],
  ])('refuses %j', (options, message) => {
    expect(() => generateFleet(options)).toThrow(message)
  })
})
