/** Message catalogue of `sidecore export`. */
import {oneOf, quote} from '../../messages.js'

export const exportText = {
  planHosts: 'a plan.json with a "hosts" list (as `sidecore plan --out DIR` writes it)',
  hostFlag: (ids: readonly string[]) => `--host naming one of the plan's hosts (${oneOf(ids)})`,
  hostCount: (n: number) => `no --host and ${n} hosts in the plan`,
  hostOf: (ids: readonly string[]) => `a host of the plan (${oneOf(ids)})`,
  workloadFlag: (name: string) => `--workload FILE: the workload the plan was made from (${quote(name)}); the libvirt format needs its memory and devices`,
  noBundled: (name: string) => `no bundled workload named ${quote(name)}`,
  vmType: (vm: string, type: string) => `VM type ${quote(type)} of VM ${quote(vm)} in the workload`,
  outFlag: (format: string, files: number) => `--out DIR: format ${format} writes ${files} files`,
} as const

/** Comments written into the exported files. */
export const exportComment = {
  header: (host: string, model: string) => `Sidecore layout of host ${host} (model ${model}).`,
  noIsolation: 'Every CPU runs a vCPU or an I/O worker: no CPU is left for the kernel\'s housekeeping, so nothing is isolated.',
  noPmd: 'No dedicated I/O cores in this layout: Open vSwitch keeps its default PMD placement (one core per NUMA node).',
  floatingDevice: (ref: string, worker: string) => `${ref} is served by floating worker ${worker}: no rxq pinning.`,
  noReserved: 'No housekeeping or I/O CPUs to reserve: the static CPU manager policy needs at least one reserved CPU.',
} as const
