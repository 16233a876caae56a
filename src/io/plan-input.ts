/**
 * The files a plan starts from: a cluster and a workload, with each host model's
 * calibration profile (the host file's, or `current`). Hosts of one model listed in
 * several cluster entries (racks) become one model with several entries.
 */
import type {Workload} from '../model/types.js'
import type {PlanModel} from '../search/plan.js'
import {DEFAULT_CALIBRATION, loadCalibration, loadCluster, loadWorkload} from './load.js'
import type {LoadedCluster} from './normalize.js'

export async function loadPlanInput(clusterFile: string, workloadFile: string):
Promise<{cluster: LoadedCluster; workload: Workload; models: PlanModel[]}> {
  const cluster = await loadCluster(clusterFile)
  const workload = await loadWorkload(workloadFile)
  const models: PlanModel[] = []
  for (const entry of cluster.entries) {
    let model = models.find(m => m.host.model === entry.host.model)
    if (!model) {
      model = {host: entry.host, calibration: (await loadCalibration(entry.host.calibration ?? DEFAULT_CALIBRATION)).calibration, entries: []}
      models.push(model)
    }

    model.entries.push({count: entry.count, labels: entry.labels})
  }

  return {cluster, workload, models}
}
