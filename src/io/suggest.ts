/** Edit distance (Levenshtein) between two strings. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  let prev = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]
}

const squash = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '')

/**
 * The candidate closest to `word`, if it is close enough to be a likely typo
 * (case, `-`/`_` and about a third of the letters aside); undefined otherwise.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = squash(word)
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const d = editDistance(w, squash(c))
    if (d < bestD) {
      best = c
      bestD = d
    }
  }
  if (best === undefined) return undefined
  const limit = Math.max(1, Math.floor(Math.max(w.length, squash(best).length) / 3))
  return bestD <= limit ? best : undefined
}
