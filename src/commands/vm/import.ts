import path from 'node:path'

import {Args, Flags} from '@oclif/core'

import {SidecoreCommand} from '../../base-command.js'
import {importDomainFiles, writeImport} from '../../io/libvirt/files.js'
import type {ImportedVm} from '../../io/libvirt/import.js'
import type {Warning} from '../../io/libvirt/domain.js'
import {loadHost} from '../../io/load.js'

export interface VmImportResult {
  out: string
  files: string[]
  vms: ImportedVm[]
  layout: boolean
  warnings: Warning[]
  notes: string[]
}

export default class VmImport extends SidecoreCommand {
  static override description =
    'Import libvirt domain XML (virsh dumpxml) as VM types: a workload file, and a layout file when every vCPU is pinned.'

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> vm import web-0.xml web-1.xml --out imported/',
    '<%= config.bin %> vm import exported/libvirt/*.xml --host data/hosts/epyc-2s-64c.yaml --out imported/',
    '<%= config.bin %> vm import /etc/libvirt/qemu/*.xml --name lab --json',
  ]

  static override args = {
    files: Args.string({description: 'domain XML files', required: true}),
  }

  static override strict = false

  static override flags = {
    out: Flags.directory({default: 'imported', description: 'directory for workload.yaml and layout.yaml'}),
    name: Flags.string({default: 'imported', description: 'name of the imported workload'}),
    host: Flags.file({description: 'host model file the domains run on: names the layout\'s host and places VMs on NUMA nodes'}),
  }

  async run(): Promise<VmImportResult> {
    const {argv, flags} = await this.parse(VmImport)
    const files = argv as string[]
    let result
    let host
    try {
      if (flags.host !== undefined) host = await loadHost(flags.host)
      result = await importDomainFiles(files, {name: flags.name, host})
    } catch (error) {
      this.failOnUserError(error)
    }

    const written = await writeImport(flags.out, result, files)
    if (!this.jsonEnabled()) {
      for (const w of result.warnings) this.logToStderr(`Warning: ${w.file}:${w.line}: ${w.element}: ${w.message}`)
      for (const n of result.notes) this.logToStderr(`Note: ${n}`)
      for (const v of result.vms) this.log(`${v.domain} -> ${v.vm} (type ${v.type})`)
      this.log(`wrote ${written.join(', ')} to ${flags.out}`)
    }

    return {out: path.normalize(flags.out), files: written, vms: result.vms, layout: result.layout !== undefined, warnings: result.warnings, notes: result.notes}
  }
}
