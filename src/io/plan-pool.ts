/**
 * Worker threads for planning (Piscina): per-host searches run in parallel; results come
 * back in task order, so the plan does not depend on the number of threads.
 */
import {Piscina} from 'piscina'

import {type PlanContext, type TaskRunner, sequentialRunner} from '../search/plan.js'

export interface PlanPool {
  runner: (ctx: PlanContext) => TaskRunner
  close(): Promise<void>
}

/**
 * The worker's module. Workers load JavaScript: from the built package it sits next to
 * this file; when this file runs as TypeScript source (tsx, vitest), the built copy in
 * dist/ is used, so run `npm run build` after changing the search.
 */
function workerFile(): URL {
  const here = new URL(import.meta.url)
  return here.pathname.endsWith('.ts') ? new URL('../../dist/io/plan-worker.js', here) : new URL('plan-worker.js', here)
}

/** A pool of `threads` workers; with one thread, tasks run on this thread. */
export function planPool(threads: number): PlanPool {
  if (threads <= 1) return {runner: ctx => sequentialRunner(ctx, Date.now), close: async () => {}}
  const pools: Piscina[] = []
  return {
    runner(ctx) {
      const pool = new Piscina({
        filename: workerFile().href,
        workerData: ctx,
        minThreads: threads,
        maxThreads: threads,
      })
      pools.push(pool)
      return (tasks, done) => Promise.all(tasks.map(async task => {
        const result = await pool.run(task)
        done?.()
        return result
      }))
    },
    async close() {
      await Promise.all(pools.splice(0).map(p => p.destroy()))
    },
  }
}
