import {Flags} from '@oclif/core'

import {type HostFileResult, probeHost} from '../../io/topology/index.js'
import {HostFileCommand} from '../../host-command.js'

export default class HostProbe extends HostFileCommand {
  static override description =
    'Read this machine\'s topology from sysfs (or a sysfs tree saved from another machine) into a host model file: packages, NUMA nodes and distances, ' +
    'cores and SMT siblings, offline CPUs, the CPUs this cgroup may use, memory per node, CPU model and frequency, network controllers and NVMe devices. ' +
    'Figures sysfs does not state get documented defaults, named in the file and on stderr.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> host probe',
    '<%= config.bin %> host probe --out hosts/this-host.yaml --name rack1-node7',
    '<%= config.bin %> host probe --root saved/16amd64-8n2c --json',
  ]

  static override flags = {
    root: Flags.directory({description: 'root of the tree to read (holding sys/ and proc/); a saved tree from another machine', helpValue: 'DIR', default: '/'}),
    out: Flags.file({description: 'write the host model here (atomically) instead of to stdout', helpValue: 'FILE'}),
    name: Flags.string({description: 'host model name (default: the machine\'s host name)', helpValue: 'NAME'}),
  }

  async run(): Promise<Omit<HostFileResult, 'text' | 'model'>> {
    const {flags} = await this.parse(HostProbe)
    return this.writeReading(() => probeHost(flags.root), {name: this.checkedName(flags.name), out: flags.out})
  }
}
