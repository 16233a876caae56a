import {describe, expect, test} from 'vitest'

import {formatCpuset, parseCpuset} from '../../src/io/cpuset.js'
import {InputError} from '../../src/io/errors.js'
import {type Dimension, parseCpuQuota, parseQuantity, parseRate} from '../../src/io/units.js'
import {expected} from '../../src/messages.js'

describe('parseQuantity: accepted forms', () => {
  test.each<[unknown, Dimension, number]>([
    ['25 Gbit/s', 'bitRate', 25e9],
    ['10 Gbps', 'bitRate', 10e9],
    ['10Gbps', 'bitRate', 10e9],
    ['100 Mb/s', 'bitRate', 100e6],
    ['1 GB/s', 'bitRate', 8e9],
    [40e9, 'bitRate', 40e9],
    ['3.2 GB/s', 'byteRate', 3.2e9],
    ['2 GiB/s', 'byteRate', 2 * 2 ** 30],
    ['8 Gbit/s', 'byteRate', 1e9],
    ['1.2 Mpps', 'itemRate', 1.2e6],
    ['300 Kpps', 'itemRate', 300e3],
    ['300 kpps', 'itemRate', 300e3],
    ['40000 IOPS', 'itemRate', 40000],
    ['40 kIOPS', 'itemRate', 40000],
    ['40 KIOPS', 'itemRate', 40000],
    ['20 ktps', 'itemRate', 20000],
    ['500 packets/s', 'itemRate', 500],
    ['100 req/s', 'itemRate', 100],
    ['2.6 GHz', 'frequency', 2.6e9],
    ['800 MHz', 'frequency', 800e6],
    ['150 us', 'time', 150e-6],
    ['150 µs', 'time', 150e-6],
    ['150 μs', 'time', 150e-6],
    ['2 ms', 'time', 2e-3],
    ['80 ns', 'time', 80e-9],
    ['1.5 s', 'time', 1.5],
    [0.001, 'time', 0.001],
    ['4 KiB', 'size', 4096],
    ['64 B', 'size', 64],
    ['32 GiB', 'size', 32 * 2 ** 30],
    ['1 kB', 'size', 1000],
    ['512 b', 'size', 64],
    ['1500', 'size', 1500],
    ['80%', 'fraction', 0.8],
    ['80 %', 'fraction', 0.8],
    ['0%', 'fraction', 0],
    ['100%', 'fraction', 1],
    [0.95, 'fraction', 0.95],
    ['0.5', 'fraction', 0.5],
    [4, 'count', 4],
    ['12', 'count', 12],
    ['1e3', 'count', 1000],
  ])('%j as %s = %d', (input, dim, want) => {
    expect(parseQuantity(input, dim)).toBeCloseTo(want, 12)
  })
})

describe('parseQuantity: refused forms, with what was expected and found', () => {
  test.each<[unknown, Dimension, string]>([
    ['150 Gbit/s', 'time', 'expected a time like "150 us", found "150 Gbit/s" (a data rate)'],
    ['fast', 'bitRate', 'expected a bit rate like "10 Gbit/s" or "25 Gbps", found "fast"'],
    ['10 GHz', 'bitRate', 'expected a bit rate like "10 Gbit/s" or "25 Gbps", found "10 GHz" (a frequency)'],
    ['1.2 Mpps', 'bitRate', 'expected a bit rate like "10 Gbit/s" or "25 Gbps", found "1.2 Mpps" (an item rate)'],
    ['4 KiB', 'time', 'expected a time like "150 us", found "4 KiB" (a size)'],
    ['2 ms', 'frequency', 'expected a frequency like "2.6 GHz", found "2 ms" (a time)'],
    ['10 Gbit/s', 'itemRate', 'expected a rate like "1.2 Mpps" or "40000 IOPS", found "10 Gbit/s" (a data rate)'],
    ['2 cpus', 'size', 'expected a size like "4 KiB" or "64 B", found "2 cpus" (a number of CPUs)'],
    ['GHz', 'frequency', 'expected a frequency like "2.6 GHz", found "GHz"'],
    ['', 'size', 'expected a size like "4 KiB" or "64 B", found ""'],
    ['-5 Gbps', 'bitRate', 'expected a bit rate like "10 Gbit/s" or "25 Gbps", found "-5 Gbps" (negative)'],
    [true, 'time', 'expected a time like "150 us", found true'],
    [null, 'time', 'expected a time like "150 us", found nothing'],
    [Infinity, 'time', 'expected a time like "150 us", found Infinity'],
    ['120%', 'fraction', 'expected a fraction like "80%" or 0.8, found "120%"'],
    [1.5, 'fraction', 'expected a fraction like "80%" or 0.8, found 1.5'],
    ['80 us', 'fraction', 'expected a fraction like "80%" or 0.8, found "80 us" (a time)'],
    [2.5, 'count', 'expected a whole number like 4, found 2.5'],
    ['4 cpus', 'count', 'expected a whole number like 4, found "4 cpus" (a number of CPUs)'],
    ['10 Gbit/s/s', 'bitRate', 'expected a bit rate like "10 Gbit/s" or "25 Gbps", found "10 Gbit/s/s"'],
    ['2 * 3 GHz', 'frequency', 'expected a frequency like "2.6 GHz", found "2 * 3 GHz"'],
  ])('%j as %s', (input, dim, message) => {
    let caught: unknown
    try {
      parseQuantity(input, dim)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(InputError)
    const e = caught as InputError
    expect(e.message).toBe(message)
    expect(e.code).toBe('quantity')
    expect(e.expected).toBe(expected[dim])
  })

  test('the error carries the field path it was given', () => {
    expect(() => parseQuantity('fast', 'time', ['nics', 0, 'latency'])).toThrow('nics[0].latency: expected a time like "150 us", found "fast"')
  })
})

describe('parseRate (offered load)', () => {
  test.each<[unknown, ReturnType<typeof parseRate>]>([
    ['10 Gbit/s', {kind: 'data', bitsPerS: 10e9}],
    ['2 GB/s', {kind: 'data', bitsPerS: 16e9}],
    ['1.2 Mpps', {kind: 'items', perS: 1.2e6}],
    ['40000 IOPS', {kind: 'items', perS: 40000}],
    ['20 ktps', {kind: 'items', perS: 20000}],
    [5000, {kind: 'items', perS: 5000}],
    ['5000', {kind: 'items', perS: 5000}],
    ['unbounded', {kind: 'items', perS: Infinity}],
    ['max', {kind: 'items', perS: Infinity}],
    ['Unbounded', {kind: 'items', perS: Infinity}],
    [Infinity, {kind: 'items', perS: Infinity}],
  ])('%j', (input, want) => {
    expect(parseRate(input)).toEqual(want)
  })

  test.each<[unknown, string]>([
    ['fast', 'expected a rate like "10 Gbit/s", "1.2 Mpps" or "40000 IOPS", found "fast"'],
    ['2.6 GHz', 'expected a rate like "10 Gbit/s", "1.2 Mpps" or "40000 IOPS", found "2.6 GHz" (a frequency)'],
    ['-1 Mpps', 'expected a rate like "10 Gbit/s", "1.2 Mpps" or "40000 IOPS", found "-1 Mpps" (negative)'],
    [-3, 'expected a rate like "10 Gbit/s", "1.2 Mpps" or "40000 IOPS", found -3 (negative)'],
    [{}, 'expected a rate like "10 Gbit/s", "1.2 Mpps" or "40000 IOPS", found a mapping'],
  ])('refuses %j', (input, message) => {
    expect(() => parseRate(input)).toThrow(message)
  })
})

describe('parseCpuQuota (cgroup cpu.max)', () => {
  test.each<[unknown, number | undefined]>([
    ['200%', 2],
    ['50%', 0.5],
    ['2 cpus', 2],
    ['1 cpu', 1],
    ['1.5 CPUs', 1.5],
    ['200000 100000', 2],
    ['50000 100000', 0.5],
    [3, 3],
    ['max', undefined],
    ['max 100000', undefined],
  ])('%j = %s CPUs', (input, want) => {
    expect(parseCpuQuota(input)).toBe(want)
  })

  test.each<[unknown]>([['lots'], ['0%'], ['0 100000'], ['100000 0'], [-1], ['2 GHz'], [true]])('refuses %j', (input) => {
    expect(() => parseCpuQuota(input)).toThrow(/^expected a CPU quota like "200%", "2 cpus", "200000 100000" or "max", found /)
  })
})

describe('parseCpuset', () => {
  test.each<[unknown, number[]]>([
    ['0-3,8', [0, 1, 2, 3, 8]],
    ['8,0-1', [8, 0, 1]],
    [' 4 - 5 , 7 ', [4, 5, 7]],
    ['0-7:2', [0, 2, 4, 6]],
    ['', []],
    [3, [3]],
    [[5, 1, 2], [5, 1, 2]],
  ])('%j', (input, want) => {
    expect(parseCpuset(input)).toEqual(want)
  })

  test.each<[unknown, string]>([
    ['0-3,x', 'expected a CPU list like "0-3,8", found "0-3,x"'],
    ['3-1', 'expected a CPU list like "0-3,8", found "3-1"'],
    [-1, 'expected a CPU list like "0-3,8", found -1'],
    ['0-3,2', 'expected each CPU once, found "0-3,2" (CPU 2 twice)'],
    [true, 'expected a CPU list like "0-3,8", found true'],
  ])('refuses %j', (input, message) => {
    expect(() => parseCpuset(input)).toThrow(message)
  })

  test('a bad item of a list is reported at its index', () => {
    expect(() => parseCpuset([1, 'x'], ['roles', 'vm'])).toThrow('roles.vm[1]: expected a CPU list like "0-3,8", found "x"')
  })

  test('formatCpuset writes ranges, sorted', () => {
    expect(formatCpuset([8, 0, 1, 2, 3, 10, 11])).toBe('0-3,8,10-11')
    expect(formatCpuset([])).toBe('')
  })
})
