import {Args, Flags} from '@oclif/core'

import {SidecoreCommand} from '../base-command.js'
import {exportAll, loadVmTypes, readPlanHost, writeExport} from '../io/export/files.js'
import {EXPORT_FORMATS, type ExportFormat} from '../io/export/formats.js'
import {exportText} from '../io/export/messages.js'

export interface ExportResult {
  host: string
  model: string
  format: string
  out?: string
  files: {path: string; text: string}[]
}

export default class Export extends SidecoreCommand {
  static override description =
    'Turn one host of a plan into the settings that run it: libvirt domain XML, kernel command line, tuned, cgroup v2 cpusets, Open vSwitch DPDK, Nova and kubelet.'

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> export plan/plan.json --host epyc-2s-64c-0 --format all --out host-config/',
    '<%= config.bin %> export plan/plan.json --host epyc-1s-16c-storage-0 --format kernel-cmdline',
    '<%= config.bin %> export plan/plan.json --host epyc-2s-64c-0 --format libvirt --workload data/workloads/datacenter.yaml --out domains/',
    '<%= config.bin %> export plan/plan.json --host epyc-2s-64c-0 --format ovs --json',
  ]

  static override args = {
    plan: Args.string({description: 'plan.json written by `sidecore plan --out DIR`', required: true}),
  }

  static override flags = {
    host: Flags.string({description: 'host id in the plan (required when the plan has more than one host)'}),
    format: Flags.string({options: [...EXPORT_FORMATS, 'all'], default: 'all', description: 'what to write'}),
    out: Flags.directory({description: 'directory to write into (needed when the format writes more than one file)'}),
    workload: Flags.file({description: 'the workload the plan was made from (default: the bundled workload the plan names); libvirt needs its memory and devices'}),
  }

  async run(): Promise<ExportResult> {
    const {args, flags} = await this.parse(Export)
    const format = flags.format as ExportFormat | 'all'
    let files: Record<string, string>
    let plan
    try {
      plan = await readPlanHost(args.plan, flags.host)
      const needsTypes = format === 'libvirt' || format === 'all' || flags.workload !== undefined
      const types = needsTypes ? await loadVmTypes(plan, flags.workload) : undefined
      files = exportAll(plan, format, types)
    } catch (error) {
      this.failOnUserError(error)
    }

    const names = Object.keys(files).sort()
    if (flags.out === undefined && names.length !== 1) this.fail(`expected ${exportText.outFlag(format, names.length)}, found no --out`)
    if (flags.out !== undefined) await writeExport(flags.out, files)
    if (!this.jsonEnabled()) {
      if (flags.out === undefined) process.stdout.write(files[names[0]])
      else this.log(`wrote ${names.length} file${names.length === 1 ? '' : 's'} for host ${plan.host.id} to ${flags.out}`)
    }

    return {
      host: plan.host.id,
      model: plan.host.model,
      format,
      ...(flags.out === undefined ? {} : {out: flags.out}),
      files: names.map((p) => ({path: p, text: files[p]})),
    }
  }
}
