/**
 * Quantities with units, as people write them in host and workload files.
 *
 * Every call names the dimension it expects and returns a plain number in SI
 * base units (the units of `src/model/types.ts`), or throws an `InputError`
 * (code `quantity`) saying what was expected and what was found.
 *
 * Accepted units (a number, optional space, a unit; `u`, `µ` and `μ` all mean micro):
 *
 * | dimension   | returns  | units                                                                  |
 * |-------------|----------|------------------------------------------------------------------------|
 * | `bitRate`   | bit/s    | `b/s`, `bit/s`, `bps` with k M G T prefixes (`25 Gbit/s`, `10 Gbps`); byte rates convert (`1 GB/s` = 8e9) |
 * | `byteRate`  | byte/s   | `B/s` with k M G T or Ki Mi Gi Ti prefixes (`3.2 GB/s`, `2 GiB/s`); bit rates convert |
 * | `itemRate`  | items/s  | `pps` and `tps` with k M G prefixes (`1.2 Mpps`, also `Kpps`), `IOPS` (`40000 IOPS`, `40 kIOPS`, `KIOPS`), `packets/s`, `req/s`, `requests/s`, `transactions/s` |
 * | `frequency` | Hz       | `Hz` with k M G prefixes (`2.6 GHz`)                                    |
 * | `time`      | s        | `s`, `ms`, `us`, `ns`, `min`, `h` (`150 us`)                            |
 * | `size`      | bytes    | `B` with k M G T or Ki Mi Gi Ti prefixes (`4 KiB`, `64 B`, `32 GiB`); bits convert (`512 b` = 64) |
 * | `fraction`  | 0..1     | `%` or `percent` (`80%`), or a plain number from 0 to 1                 |
 * | `count`     | number   | a plain whole number                                                   |
 *
 * A plain number (`2.6e9`, or a YAML number) is taken in the returned unit:
 * bit/s, byte/s, items/s, Hz, seconds or bytes. Negative values are refused.
 * Offered load also accepts `unbounded` (or `max`), meaning Infinity.
 * A `cpu.max` quota accepts `200%`, `2 cpus`, `"200000 100000"` (quota and
 * period in microseconds, as cgroup v2 writes it), a plain number of CPUs, or
 * `max` (no quota).
 *
 * Units are resolved by a private mathjs instance (`create(all)`) extended with
 * the units mathjs lacks: packets (and requests, transactions, items), pps,
 * tps, IOPS, bits with short prefixes, bps, CPUs and percent.
 */
import {all, create, type Unit} from '../mathjs.js'

import {dimensionNames, expected, found} from '../messages.js'
import {InputError, type PathSegment} from './errors.js'

export type Dimension = 'bitRate' | 'byteRate' | 'itemRate' | 'frequency' | 'time' | 'size' | 'fraction' | 'count'

const math = create(all, {})
math.createUnit('bit', {definition: '1 b', prefixes: 'short', aliases: ['bits']}, {override: true})
math.createUnit('bps', {definition: '1 b/s', prefixes: 'short'})
math.createUnit('packet', {
  aliases: ['packets', 'pkt', 'pkts', 'request', 'requests', 'req', 'transaction', 'transactions', 'item', 'items'],
})
math.createUnit('pps', {definition: '1 packet/s', prefixes: 'short'})
math.createUnit('tps', {definition: '1 packet/s', prefixes: 'short'})
math.createUnit('IOPS', {definition: '1 packet/s', prefixes: 'short'})
math.createUnit('Kpps', {definition: '1000 packet/s'})
math.createUnit('KIOPS', {definition: '1000 packet/s'})
math.createUnit('cpu', {aliases: ['cpus', 'CPU', 'CPUs']})
math.createUnit('percent', {definition: '0.01', aliases: ['pct']})

/** Reference unit per dimension: the unit the number is returned in. */
const REFERENCE: Record<Exclude<Dimension, 'fraction' | 'count'>, string> = {
  bitRate: 'b/s',
  byteRate: 'B/s',
  itemRate: 'packet/s',
  frequency: 'Hz',
  time: 's',
  size: 'B',
}

const reference = new Map<string, Unit>(Object.entries(REFERENCE).map(([k, u]) => [k, math.unit(u)]))
const cpuUnit = math.unit('cpu')

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/

interface Parsed {
  /** The number, in the unit's SI value (undefined for a plain number). */
  unit?: Unit
  plain?: number
}

/** Read `text` as a number with an optional unit; undefined when it is neither. */
function read(text: string): Parsed | undefined {
  let s = text.trim().replace(/[µμ]/g, 'u')
  const m = NUMBER.exec(s)
  if (m === null) return undefined
  if (m[0].length === s.length) return {plain: Number(s)}
  if (s.endsWith('%')) s = `${s.slice(0, -1).trim()} percent`
  try {
    const unit = math.unit(s)
    if (unit.value === null || unit.value === undefined) return undefined
    return {unit}
  } catch {
    return undefined
  }
}

/** The dimension a unit belongs to, for "found ..." texts. */
function dimensionOf(unit: Unit): string | undefined {
  if (unit.equalBase(reference.get('bitRate') as Unit)) return 'a data rate'
  for (const d of ['itemRate', 'frequency', 'time', 'size'] as const) {
    if (unit.equalBase(reference.get(d) as Unit)) return dimensionNames[d]
  }
  if (unit.equalBase(cpuUnit)) return dimensionNames.cpus
  if (isDimensionless(unit)) return dimensionNames.fraction
  return undefined
}

function isDimensionless(unit: Unit): boolean {
  return (unit as unknown as {dimensions: number[]}).dimensions.every((d) => d === 0)
}

/**
 * Unit conversion multiplies by powers of ten in binary floating point
 * (20 * 1e-6 = 1.9999999999999998e-5); round to 15 significant digits so
 * that what people write in decimal comes out as the decimal they meant.
 */
function clean(v: number): number {
  return Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(15)) : v
}

function siValue(unit: Unit): number {
  return clean(unit.value as unknown as number)
}

function inUnit(unit: Unit, ref: string): number {
  return clean(unit.toNumber(ref))
}

function quantityError(dimension: Dimension | 'cpuMax' | 'offered', input: unknown, path: readonly PathSegment[], unit?: Unit): InputError {
  const exp = expected[dimension]
  let what: string
  if (typeof input === 'string' && unit !== undefined) {
    const dim = dimensionOf(unit)
    what = dim === undefined ? found.value(input) : found.withDimension(input, dim)
  } else {
    what = found.value(input)
  }
  return new InputError({code: 'quantity', expected: exp, found: what, path})
}

/**
 * Parse a quantity of the given dimension; returns a plain SI number.
 * Throws an `InputError` (code `quantity`) at `path` when the value is not one.
 */
export function parseQuantity(input: unknown, dimension: Dimension, path: readonly PathSegment[] = []): number {
  let value: number
  if (typeof input === 'number') {
    value = input
  } else if (typeof input === 'string') {
    const parsed = read(input)
    if (parsed === undefined) throw quantityError(dimension, input, path)
    if (parsed.plain !== undefined) {
      value = parsed.plain
    } else {
      const unit = parsed.unit as Unit
      if (dimension === 'fraction') {
        if (!isDimensionless(unit) || unit.equalBase(cpuUnit)) throw quantityError(dimension, input, path, unit)
        value = siValue(unit)
      } else if (dimension === 'count') {
        throw quantityError(dimension, input, path, unit)
      } else {
        const ref = reference.get(dimension) as Unit
        if (!unit.equalBase(ref)) throw quantityError(dimension, input, path, unit)
        value = inUnit(unit, REFERENCE[dimension])
      }
    }
  } else {
    throw quantityError(dimension, input, path)
  }
  if (Number.isNaN(value) || !Number.isFinite(value)) throw quantityError(dimension, input, path)
  if (value < 0) {
    throw new InputError({code: 'quantity', expected: expected[dimension], found: found.negative(input), path})
  }
  if (dimension === 'fraction' && value > 1) throw quantityError(dimension, input, path)
  if (dimension === 'count' && !Number.isInteger(value)) throw quantityError(dimension, input, path)
  return value
}

/** An offered load: a data rate (bit/s) or an item rate (items/s). */
export type Rate = {kind: 'data'; bitsPerS: number} | {kind: 'items'; perS: number}

/**
 * Parse an offered load: a bit or byte rate (`10 Gbit/s`, `2 GB/s`), an item
 * rate (`1.2 Mpps`, `40000 IOPS`, `20 ktps`), a plain number (items/s), or
 * `unbounded` / `max` (Infinity items/s: as fast as it goes).
 */
export function parseRate(input: unknown, path: readonly PathSegment[] = []): Rate {
  if (typeof input === 'string' && /^\s*(unbounded|max)\s*$/i.test(input)) return {kind: 'items', perS: Infinity}
  if (input === Infinity) return {kind: 'items', perS: Infinity}
  if (typeof input === 'number') {
    if (Number.isNaN(input)) throw quantityError('offered', input, path)
    if (input < 0) throw new InputError({code: 'quantity', expected: expected.offered, found: found.negative(input), path})
    return {kind: 'items', perS: input}
  }
  if (typeof input !== 'string') throw quantityError('offered', input, path)
  const parsed = read(input)
  if (parsed === undefined) throw quantityError('offered', input, path)
  let rate: Rate
  if (parsed.plain !== undefined) {
    rate = {kind: 'items', perS: parsed.plain}
  } else {
    const unit = parsed.unit as Unit
    if (unit.equalBase(reference.get('bitRate') as Unit)) rate = {kind: 'data', bitsPerS: inUnit(unit, 'b/s')}
    else if (unit.equalBase(reference.get('itemRate') as Unit)) rate = {kind: 'items', perS: inUnit(unit, 'packet/s')}
    else throw quantityError('offered', input, path, unit)
  }
  const v = rate.kind === 'data' ? rate.bitsPerS : rate.perS
  if (Number.isNaN(v)) throw quantityError('offered', input, path)
  if (v < 0) throw new InputError({code: 'quantity', expected: expected.offered, found: found.negative(input), path})
  return rate
}

/**
 * Parse a cgroup `cpu.max` quota into a number of CPUs; `undefined` means no
 * quota (`max`). Accepts `200%`, `2 cpus`, `"200000 100000"`, `max`,
 * `"max 100000"` and plain numbers of CPUs. A quota must be greater than 0.
 */
export function parseCpuQuota(input: unknown, path: readonly PathSegment[] = []): number | undefined {
  let cpus: number | undefined
  if (typeof input === 'number') {
    cpus = input
  } else if (typeof input === 'string') {
    const s = input.trim()
    if (/^max(\s+\d+)?$/.test(s)) return undefined
    const pair = /^(\d+)\s+(\d+)$/.exec(s)
    if (pair !== null) {
      cpus = Number(pair[2]) === 0 ? NaN : Number(pair[1]) / Number(pair[2])
    } else {
      const parsed = read(s)
      if (parsed?.plain !== undefined) cpus = parsed.plain
      else if (parsed?.unit !== undefined) {
        const unit = parsed.unit
        if (unit.equalBase(cpuUnit)) cpus = inUnit(unit, 'cpu')
        else if (isDimensionless(unit)) cpus = siValue(unit)
        else throw quantityError('cpuMax', input, path, unit)
      }
    }
  }
  if (cpus === undefined || !Number.isFinite(cpus) || cpus <= 0) throw quantityError('cpuMax', input, path)
  return cpus
}
