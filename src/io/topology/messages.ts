/**
 * User-visible text of the host importers and the sysfs probe: what an error
 * says was expected, and the warnings printed when a figure the host model
 * needs is not stated by the source and a documented default stands in.
 */
import {formatCpuset} from '../cpuset.js'

/** The characters a host model's name may have (`hostName` turns the others into "-"). */
const NAME_CHARACTERS = 'ASCII letters, digits, ".", "_" and "-"'

export const topoExpected = {
  sysfsRoot: 'a Linux root with sys/devices/system/cpu (a live system, or a sysfs tree saved from one)',
  integerFile: 'a non-negative integer',
  integerOrMinusOne: 'an integer (-1 for "not stated")',
  cpuList: 'a CPU list like 0-3,8-11',
  cpuMask: 'a CPU mask like 00000000,00ff00ff',
  meminfo: 'a line "Node N MemTotal: SIZE kB"',
  distanceRow: (n: number) => `${n} distances (one per NUMA node), each an integer`,
  onlineCpu: 'at least one online CPU',
  knownFormat:
    'virsh capabilities XML (<capabilities>), hwloc XML (<topology>, from lstopo --of xml), lscpu --json output ({"lscpu": [...]}) or lscpu -p output (lines "CPU,Core,Socket,Node,...")',
  xml: 'well-formed XML',
  element: (name: string) => `a <${name}> element`,
  attribute: (el: string, name: string, what: string) => `<${el}> attribute ${name} to be ${what}`,
  integer: 'a non-negative integer',
  positiveNumber: 'a positive number',
  hostTopology: 'at least one CPU with its topology',
  lscpuJson: 'lscpu --json output: an object {"lscpu": [{field, data}, ...]}',
  lscpuParseHeader: 'an lscpu -p header "# CPU,Core,Socket,..." naming the CPU column',
  lscpuParseRow: (n: number) => `${n} comma-separated fields as the header names, each a number or empty`,
  uniqueCpu: 'each CPU once',
  hostName: `a host model name of ${NAME_CHARACTERS} (not starting or ending with "." or "-")`,
}

export const topoFound = {
  missing: 'no such file or directory',
  text: (t: string) => JSON.stringify(t.length > 60 ? `${t.slice(0, 57)}...` : t),
  nothing: 'nothing',
  noCpus: 'no CPU',
  xmlError: (msg: string) => msg,
  root: (name: string) => `<${name}>`,
  count: (n: number) => `${n}`,
  cpuTwice: (id: number) => `CPU ${id} twice`,
}

/** Warnings: the host model needs a figure the source does not state. */
export const topoWarn = {
  nicSpeed: (id: string, bps: number, why: string) =>
    `NIC ${id}: ${why}; line rate set to the default ${bps / 1e9} Gbit/s (edit line_rate in the host file)`,
  nicNode: (id: string, node: number, why: string) => `NIC ${id}: ${why}; placed on NUMA node ${node}`,
  nvmeFigures: (id: string) =>
    `block device ${id}: the source states no IOPS or latency figures; max_iops and latency (and max_bandwidth where the PCIe link is not stated) are defaults (edit them in the host file)`,
  nvmeNode: (id: string, node: number, why: string) => `block device ${id}: ${why}; placed on NUMA node ${node}`,
  frequency: (hz: number) => `the source states no CPU frequency; frequency set to the default ${hz / 1e9} GHz (edit frequency in the host file)`,
  memory: (bytes: number) => `the source states no memory size; memory_per_node set to the default ${bytes / 2 ** 30} GiB (edit memory_per_node in the host file)`,
  memoryOneNode: 'the source states total memory only; it is split evenly over the NUMA nodes',
  cpuOnlyNodes: (nodes: readonly number[]) =>
    `NUMA node${nodes.length > 1 ? 's' : ''} ${nodes.join(', ')} ha${nodes.length > 1 ? 've' : 's'} no CPU (memory-only or accelerator memory) and ${nodes.length > 1 ? 'are' : 'is'} left out of the host model`,
  renumbered: (map: string) => `NUMA nodes renumbered for the host model (OS node -> model node): ${map}`,
  noNode: 'the source names no NUMA node; every CPU is on node 0',
  unavailable: (cpus: readonly number[]) =>
    `CPUs ${formatCpuset(cpus)} are offline or outside this cgroup's cpuset: never given to VMs or workers`,
  renamed: (name: string, given: string) => `the host model is named "${name}": "${given}" has characters other than ${NAME_CHARACTERS}`,
  numbering: 'the source lists no CPU ids; CPUs are numbered like Linux (first thread of every core, then the second ones)',
  noSiblings: 'the source states no core or SMT sibling information; every CPU is taken as its own core',
  noPackage: 'the source states no package (socket) of the CPUs; each NUMA node is taken as its own socket',
}
