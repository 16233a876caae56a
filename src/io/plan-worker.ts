/**
 * A worker thread of the plan's pool: it receives the plan's context once (workerData)
 * and runs search tasks against it.
 */
import {workerData} from 'node:worker_threads'

import {type PlanContext, type PlanResult, type PlanTask, planWorker} from '../search/plan.js'

const run = planWorker(workerData as PlanContext, Date.now)

export default function task(t: PlanTask): PlanResult {
  return run(t)
}
