/**
 * Human formatting of the model's quantities for terminal output.
 *
 * Every function is deterministic and locale-free: `.` is always the decimal
 * separator, there are no thousands separators, and values show 3 significant
 * figures (`9.41 Gbit/s`, `850 Mbit/s`, `40.0 kIOPS`), written as the input
 * formats accept them (src/io/units.ts), so that a figure can be pasted back in. Values of 1000 or more
 * in the largest unit are shown as whole numbers rather than in exponent form.
 * Inputs are in the model's SI base units (bit/s, items/s, bytes/s, seconds,
 * fractions), as in `src/model/types.ts`.
 *
 * `Infinity` shows as `unbounded` (offered load "as fast as it goes"), `NaN`
 * as `n/a`.
 */

import type {DeviceKind, Limit, LimitKind, Notification, TrafficPattern} from '../model/types.js'

/** Text for a value that has no bound (an `Infinity` offered load). */
export const UNBOUNDED = 'unbounded'
/** Text for a value the model could not determine (`NaN`). */
export const NOT_AVAILABLE = 'n/a'

/**
 * `x` with 3 significant figures, without exponent notation.
 * With `trim`, trailing zeros after the decimal point are dropped (`20.0` -> `20`).
 */
export function sig3(x: number, trim = false): string {
  if (Number.isNaN(x)) return NOT_AVAILABLE
  if (!Number.isFinite(x)) return x > 0 ? UNBOUNDED : `-${UNBOUNDED}`
  if (x === 0) return '0'
  const abs = Math.abs(x)
  // 1000 and above: a whole number, all of its digits (never `1.23e+3`).
  let text = abs >= 1e21 ? BigInt(x).toString() : abs >= 999.5 ? Math.round(x).toString() : x.toPrecision(3)
  const e = text.indexOf('e')
  if (e >= 0) {
    // Below 1e-6 toPrecision switches to exponent form (`1.23e-7`); spell it
    // out with the same 3 significant digits, taking the exponent from the text.
    const exponent = Number(text.slice(e + 1))
    text = x.toFixed(Math.min(100, Math.max(0, 2 - exponent)))
  }
  if (trim && text.includes('.')) text = text.replace(/\.?0+$/, '')
  return text
}

/** One unit of a scale: values are divided by `factor` and followed by `suffix` (which holds its own leading space). */
interface Unit {
  factor: number
  suffix: string
}

/**
 * Format `x` in the unit of `scale` (ascending factors) that puts the rounded
 * value in [1, 1000); values below the smallest unit use the smallest, values
 * beyond the largest use the largest.
 */
function scaled(x: number, scale: readonly Unit[], trim = false): string {
  if (!Number.isFinite(x)) return sig3(x)
  if (x === 0) return `0${scale[0].suffix}`
  const abs = Math.abs(x)
  let i = 0
  while (i + 1 < scale.length && abs >= scale[i + 1].factor) i++
  // Rounding may carry into the next unit: 999.7 Mbit/s is 1.00 Gbit/s.
  if (i + 1 < scale.length && Math.abs(Number((x / scale[i].factor).toPrecision(3))) >= 1000) i++
  return `${sig3(x / scale[i].factor, trim)}${scale[i].suffix}`
}

const BIT_RATE: readonly Unit[] = [
  {factor: 1, suffix: ' bit/s'},
  {factor: 1e3, suffix: ' kbit/s'},
  {factor: 1e6, suffix: ' Mbit/s'},
  {factor: 1e9, suffix: ' Gbit/s'},
  {factor: 1e12, suffix: ' Tbit/s'},
]

const PACKET_RATE: readonly Unit[] = [
  {factor: 1, suffix: ' pps'},
  {factor: 1e3, suffix: ' kpps'},
  {factor: 1e6, suffix: ' Mpps'},
  {factor: 1e9, suffix: ' Gpps'},
]

const IOPS: readonly Unit[] = [
  {factor: 1, suffix: ' IOPS'},
  {factor: 1e3, suffix: ' kIOPS'},
  {factor: 1e6, suffix: ' MIOPS'},
]

const TRANSACTION_RATE: readonly Unit[] = [
  {factor: 1, suffix: ' tps'},
  {factor: 1e3, suffix: ' ktps'},
  {factor: 1e6, suffix: ' Mtps'},
]

const EVENT_RATE: readonly Unit[] = [
  {factor: 1, suffix: '/s'},
  {factor: 1e3, suffix: 'k/s'},
  {factor: 1e6, suffix: 'M/s'},
  {factor: 1e9, suffix: 'G/s'},
]

const BYTE_RATE: readonly Unit[] = [
  {factor: 1, suffix: ' B/s'},
  {factor: 1e3, suffix: ' kB/s'},
  {factor: 1e6, suffix: ' MB/s'},
  {factor: 1e9, suffix: ' GB/s'},
  {factor: 1e12, suffix: ' TB/s'},
]

const DURATION: readonly Unit[] = [
  {factor: 1e-9, suffix: ' ns'},
  {factor: 1e-6, suffix: ' us'},
  {factor: 1e-3, suffix: ' ms'},
  {factor: 1, suffix: ' s'},
]

/** Bit rate from bit/s: `9.41 Gbit/s`, `850 Mbit/s`. */
export function formatBitRate(bitsPerS: number): string {
  return scaled(bitsPerS, BIT_RATE)
}

/** Packet rate from packets/s: `742 kpps`, `1.20 Mpps`. */
export function formatPacketRate(packetsPerS: number): string {
  return scaled(packetsPerS, PACKET_RATE)
}

/** Block request rate from requests/s: `40.0 kIOPS`. */
export function formatIops(iops: number): string {
  return scaled(iops, IOPS)
}

/** Request/response transaction rate from transactions/s (tps): `18.2 ktps`. */
export function formatTransactionRate(perS: number): string {
  return scaled(perS, TRANSACTION_RATE)
}

/** Event rate (exits, interrupts, wake-ups) from events/s: `850/s`, `12.3k/s`. */
export function formatEventRate(perS: number): string {
  return scaled(perS, EVENT_RATE)
}

/** Byte rate from bytes/s, decimal prefixes: `1.25 GB/s`. */
export function formatByteRate(bytesPerS: number): string {
  return scaled(bytesPerS, BYTE_RATE)
}

/** Latency or duration from seconds: `12.3 us`, `1.20 ms`. */
export function formatLatency(seconds: number): string {
  return scaled(seconds, DURATION)
}

/** A fraction as a percentage: `0.853` -> `85.3%`. */
export function formatPercent(fraction: number): string {
  const text = sig3(fraction * 100)
  return Number.isFinite(fraction) ? `${text}%` : text
}

/** A CPU count (fractional under the `allocated` accounting): `3.00`, `12.5`, `48.0`. */
export function formatCpus(cpus: number): string {
  return sig3(cpus)
}

/**
 * A device's item rate in its own unit: packets/s for net streams,
 * transactions/s for request/response traffic, IOPS for block devices.
 */
export function formatItemRate(rate: number, kind: DeviceKind, pattern: TrafficPattern): string {
  if (kind === 'block') return formatIops(rate)
  return pattern === 'rr' ? formatTransactionRate(rate) : formatPacketRate(rate)
}

/** A list of logical CPU ids in kernel cpulist style: `[0,1,2,3,8]` -> `0-3,8`. */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b)
  const ranges: string[] = []
  let i = 0
  while (i < sorted.length) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
    ranges.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return ranges.join(',')
}

/** A worker's notification policy: `kick`, `spin(20 us)`, `poll`, `timer(150 us, 256)`. */
export function formatNotification(notification: Notification): string {
  switch (notification.kind) {
    case 'kick':
      return 'kick'
    case 'spin':
      return `spin(${scaled(notification.budgetS, DURATION, true)})`
    case 'poll':
      return 'poll'
    case 'timer':
      return `timer(${scaled(notification.periodS, DURATION, true)}, ${notification.ring})`
    default:
      return unreachable(notification)
  }
}

/** Limits of a device of the host: the kind of device and the figure that runs out. */
const DEVICE_LIMITS = {
  'nic-line-rate': ['NIC', 'line rate'],
  'nic-packet-rate': ['NIC', 'packet rate'],
  'block-device-iops': ['block device', 'IOPS'],
  'block-device-bandwidth': ['block device', 'bandwidth'],
} as const satisfies Partial<Record<LimitKind, readonly [string, string]>>

/**
 * The resource that limits a device, in words: `worker w3's CPU` (or, given the
 * worker's architecture, `vhost-shared worker w3's CPU`), `NIC eth0 line rate`,
 * `offered load (not limited)`.
 */
export function describeLimit(limit: Limit, workerArchitecture?: string): string {
  const r = limit.resource
  switch (limit.kind) {
    case 'offered-load':
      return 'offered load (not limited)'
    case 'worker-cpu':
      return workerArchitecture === undefined ? `worker ${r}'s CPU` : `${workerArchitecture} worker ${r}'s CPU`
    case 'vcpu':
      return `vCPUs of ${r}`
    case 'cgroup-quota':
      return `cgroup ${r} cpu.max quota`
    case 'nic-line-rate':
    case 'nic-packet-rate':
    case 'block-device-iops':
    case 'block-device-bandwidth': {
      const [device, what] = DEVICE_LIMITS[limit.kind]
      return `${device} ${r} ${what}`
    }

    default:
      return describeLimitKind(limit.kind)
  }
}

/**
 * A kind of limiting resource in words, without the entity: `I/O worker CPU`,
 * `NIC line rate`. For summaries over many devices (a plan's layouts).
 */
export function describeLimitKind(kind: LimitKind): string {
  switch (kind) {
    case 'offered-load':
      return 'not limited (offered load met)'
    case 'worker-cpu':
      return 'I/O worker CPU'
    case 'vcpu':
      return 'guest vCPUs'
    case 'cgroup-quota':
      return 'cgroup cpu.max quota'
    case 'nic-line-rate':
    case 'nic-packet-rate':
    case 'block-device-iops':
    case 'block-device-bandwidth':
      return DEVICE_LIMITS[kind].join(' ')
    case 'timer-ring':
      return 'timer period and ring size'
    case 'round-trip':
      return 'round-trip time'
    case 'queue-depth':
      return 'queue depth'
    default:
      return unreachable(kind)
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`)
}
