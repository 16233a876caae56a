/** Message catalogue of `sidecore lint`. */
import {formatCpuset} from '../cpuset.js'

export const hostconfigText = {
  rxqPair: 'pairs "QUEUE:CORE" like "0:3,1:7"',
  format: 'a kernel command line, tuned cpu-partitioning variables, a cgroup cpuset.cpus file, ovs-vsctl commands, nova.conf, a KubeletConfiguration or a libvirt domain',
  unknownFormat: 'a file in none of these formats',
} as const

/** What a CPU claim is, as problems name it. */
export const claimName = {
  isolcpus: 'isolcpus',
  nohzFull: 'nohz_full',
  irqaffinity: 'irqaffinity',
  tunedIsolated: 'tuned isolated_cores',
  pmdMask: 'OVS pmd-cpu-mask',
  rxq: (port: string, queue: number) => `OVS pmd-rxq-affinity of ${port} queue ${queue}`,
  ioCgroup: (path: string) => `I/O cgroup ${path}`,
  vmCgroup: (path: string) => `VM cgroup ${path}`,
  systemCgroup: (path: string) => `cgroup ${path}`,
  parentCgroup: (path: string) => `its parent ${path}`,
  novaDedicated: 'Nova cpu_dedicated_set',
  novaShared: 'Nova cpu_shared_set',
  kubeletReserved: 'kubelet reservedSystemCPUs',
  vcpus: (domain: string) => `vCPU pins of domain ${domain}`,
} as const

/** Problem titles, by code. */
export const problemTitle = {
  'io-in-vm': 'an I/O core is also a VM\'s CPU',
  'pmd-not-isolated': 'a PMD core is outside the isolated CPUs',
  'reserved-in-vm': 'a reserved CPU is handed to a VM',
  'isolation-mismatch': 'two settings isolate different CPUs',
  'irq-on-isolated': 'interrupts are steered to isolated CPUs',
  'nova-overlap': 'a CPU is both dedicated and shared in Nova',
  'vcpu-outside-dedicated': 'a vCPU is pinned outside Nova\'s cpu_dedicated_set',
  'vcpu-shared': 'two domains pin vCPUs to the same CPU',
  'rxq-outside-pmd': 'an rxq is pinned to a core that runs no PMD thread',
  'vcpu-outside-cgroup': 'a vCPU is pinned outside its VM\'s cgroup cpuset',
  'cgroup-outside-parent': 'a cgroup\'s cpuset is not inside its parent\'s',
} as const

export type ProblemCode = keyof typeof problemTitle

export const problemText = {
  overlap: (cpus: readonly number[], a: string, b: string) => `CPU${cpus.length === 1 ? '' : 's'} ${formatCpuset(cpus)} in both ${a} and ${b}`,
  outside: (cpus: readonly number[], a: string, b: string) => `CPU${cpus.length === 1 ? '' : 's'} ${formatCpuset(cpus)} in ${a} but not in ${b}`,
  differ: (a: string, b: string, onlyA: readonly number[], onlyB: readonly number[]) =>
    `${a} and ${b} differ: ${onlyA.length > 0 ? `${formatCpuset(onlyA)} only in ${a}` : ''}${onlyA.length > 0 && onlyB.length > 0 ? ', ' : ''}${onlyB.length > 0 ? `${formatCpuset(onlyB)} only in ${b}` : ''}`,
  clean: (files: number) => `no problems in ${files} file${files === 1 ? '' : 's'}`,
  found: (n: number, files: number) => `${n} problem${n === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`,
} as const
