import {Args, Flags} from '@oclif/core'

import {type HostFileResult, importHostFile} from '../../io/topology/index.js'
import {HostFileCommand} from '../../host-command.js'

export default class HostImport extends HostFileCommand {
  static override description =
    'Turn a host description written by another tool into a host model file: `virsh capabilities` XML, hwloc XML (`lstopo --of xml`), ' +
    '`lscpu --json` or `lscpu -p` output. The format is recognised from the content. Figures the source does not state get documented defaults, named in the file and on stderr.'
  static override enableJsonFlag = true
  static override examples = [
    'virsh capabilities > caps.xml && <%= config.bin %> host import caps.xml --out hosts/kvm1.yaml',
    'lstopo --of xml > topo.xml && <%= config.bin %> host import topo.xml --name kvm2',
    'lscpu -p > cpus.txt && <%= config.bin %> host import cpus.txt --json',
  ]

  static override args = {
    file: Args.file({description: 'virsh capabilities XML, hwloc XML, lscpu --json or lscpu -p output', required: true}),
  }

  static override flags = {
    out: Flags.file({description: 'write the host model here (atomically) instead of to stdout', helpValue: 'FILE'}),
    name: Flags.string({description: 'host model name (default: the input file\'s name)', helpValue: 'NAME'}),
  }

  async run(): Promise<Omit<HostFileResult, 'text' | 'model'>> {
    const {args, flags} = await this.parse(HostImport)
    const base = args.file.split(/[\\/]/).at(-1)?.replace(/\.[^.]*$/, '')
    return this.writeReading(() => importHostFile(args.file), {name: this.checkedName(flags.name) ?? base, out: flags.out})
  }
}
