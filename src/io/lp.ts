/**
 * The LP/MIP solver: HiGHS compiled to WebAssembly (the `highs` package). Loading reads
 * the WebAssembly module, so it lives here; the search receives the `solve` function.
 */
import * as highsModule from 'highs'

import type {LpSolve} from '../search/cluster.js'

/** The part of HiGHS's one-shot API used here. */
type Loader = () => Promise<{solve(lp: string): {Status: string; ObjectiveValue: number; Columns?: Record<string, {Primal: number}>}}>

// The package is CommonJS: Node hands its module.exports, the loader, to an ES import as `default`.
const loadHighs = (highsModule as unknown as {default: Loader}).default

export async function loadLpSolver(): Promise<LpSolve> {
  const highs = await loadHighs()
  return (lp: string) => {
    const result = highs.solve(lp)
    const values: Record<string, number> = {}
    for (const [name, column] of Object.entries(result.Columns ?? {})) values[name] = column.Primal
    return {status: result.Status, objective: result.ObjectiveValue, values}
  }
}
