/** Seeded randomness, so that the same seed makes the same choices on every machine. */
/** A uniform generator on [0, 1). */
export type Random = () => number

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): one 32-bit state, good enough
 * statistics for search restarts and test data, identical on every JavaScript engine.
 * Seeds beyond 32 bits fold their high bits in, so 1 and 2^32 + 1 differ.
 */
export function seededRandom(seed: number): Random {
  const lo = ((seed % 0x1_0000_0000) + 0x1_0000_0000) % 0x1_0000_0000
  const hi = Math.floor(seed / 0x1_0000_0000) | 0
  let state = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000
  }
}

/** A whole number in [0, n). */
export function pick(random: Random, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n))
}
