/**
 * `sidecore export` on files: read plan.json, find the workload the plan was
 * made from (given, or bundled under data/workloads by the plan's workload
 * name), generate the formats and write them all-or-nothing.
 */
import {existsSync} from 'node:fs'
import path from 'node:path'

import {InputError} from '../errors.js'
import {loadWorkload, packageRoot} from '../load.js'
import {planFromText, readPlanText} from '../plan-file.js'
import {writeFilesAtomic} from '../write.js'
import {EXPORT_FORMATS, type ExportFormat, exportFiles} from './formats.js'
import {exportText} from './messages.js'
import {type PlanFile, type VmTypes, parsePlanHost} from './plan.js'

/** A plan.json, or the folder `sidecore plan --out` wrote (as `report` takes it). */
export async function readPlanHost(planArg: string, hostId: string | undefined): Promise<PlanFile> {
  // The whole plan is checked as `report` checks it, so that no host's settings come from a
  // plan that is not sound (a mix that does not exist, totals that do not add up).
  const {file, text} = await readPlanText(planArg)
  planFromText(text, file)
  return parsePlanHost(text, file, hostId)
}

/** VM types by name from the workload file, or from the bundled workload the plan names. */
export async function loadVmTypes(plan: PlanFile, workloadFile: string | undefined): Promise<VmTypes> {
  let file = workloadFile
  if (file === undefined) {
    const bundled = path.join(packageRoot(), 'data', 'workloads', `${plan.workload}.yaml`)
    if (plan.workload === '' || !existsSync(bundled)) {
      throw new InputError({code: 'file', expected: exportText.workloadFlag(plan.workload), found: exportText.noBundled(plan.workload)})
    }
    file = bundled
  }
  const workload = await loadWorkload(file)
  const types = new Map(workload.entries.map((e) => [e.type.name, e.type]))
  for (const v of plan.host.vms) {
    if (!types.has(v.type)) throw new InputError({code: 'reference', expected: exportText.vmType(v.vm, v.type), found: `types ${[...types.keys()].join(', ')}`, file})
  }
  return types
}

/** Every file of `format` (or of every format for `all`). */
export function exportAll(plan: PlanFile, format: ExportFormat | 'all', types?: VmTypes): Record<string, string> {
  const formats = format === 'all' ? EXPORT_FORMATS : [format]
  return Object.assign({}, ...formats.map((f) => exportFiles(plan.host, f, types))) as Record<string, string>
}

export async function writeExport(dir: string, files: Record<string, string>): Promise<void> {
  await writeFilesAtomic(dir, files)
}
