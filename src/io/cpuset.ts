import {expected, found} from '../messages.js'
import {InputError, type PathSegment} from './errors.js'

/**
 * Parse a CPU list the way Linux writes one (`cpuset.cpus`, `isolcpus`):
 * comma-separated ids and inclusive ranges, `0-3,8,10-11`, optionally with a
 * stride `0-15:2`. Also accepts a single number and a list of numbers. The
 * empty string is the empty set. Order is kept as written (vCPU pins use it);
 * duplicates are refused.
 */
export function parseCpuset(input: unknown, path: readonly PathSegment[] = []): number[] {
  const bad = (): InputError => new InputError({code: 'value', expected: expected.cpuset, found: found.value(input), path})
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0) throw bad()
    return [input]
  }
  if (Array.isArray(input)) {
    const out: number[] = []
    input.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new InputError({code: 'value', expected: expected.cpuset, found: found.value(v), path: [...path, i]})
      }
      out.push(v)
    })
    return noDuplicates(out, input, path)
  }
  if (typeof input !== 'string') throw bad()
  const text = input.trim()
  if (text === '') return []
  const out: number[] = []
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*(?::\s*(\d+)\s*)?)?$/.exec(part)
    if (m === null) throw bad()
    const lo = Number(m[1])
    const hi = m[2] === undefined ? lo : Number(m[2])
    const step = m[3] === undefined ? 1 : Number(m[3])
    if (hi < lo || step < 1) throw bad()
    for (let c = lo; c <= hi; c += step) out.push(c)
  }
  return noDuplicates(out, input, path)
}

function noDuplicates(cpus: number[], input: unknown, path: readonly PathSegment[]): number[] {
  const seen = new Set<number>()
  for (const c of cpus) {
    if (seen.has(c)) throw new InputError({code: 'value', expected: expected.onceOnly('CPU'), found: found.cpuTwice(input, c), path})
    seen.add(c)
  }
  return cpus
}

/** Write a CPU set compactly, `0-3,8`, sorted. */
export function formatCpuset(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return parts.join(',')
}
