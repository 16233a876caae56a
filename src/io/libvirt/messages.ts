/**
 * Message catalogue of the libvirt importer and exporter: the EXPECTED, FOUND
 * and warning texts, in one place so tests can assert against them.
 */
import {quote} from '../../messages.js'

export const xmlText = {
  wellFormed: 'well-formed XML',
  syntax: (message: string) => `a syntax error: ${message.charAt(0).toLowerCase()}${message.slice(1)}`,
  unclosed: (names: readonly string[]) => `the end of the file with ${names.map((n) => `<${n}>`).join(', ')} still open`,
  root: (root: string) => `one <${root}> element as the document root`,
  roots: (names: readonly string[]) => (names.length === 0 ? 'no element' : names.map((n) => `<${n}>`).join(' and ')),
} as const

export const domainText = {
  element: (name: string) => `a <${name}> element`,
  attribute: (name: string) => `the attribute ${name}`,
  missing: 'nothing',
  count: 'a whole number of at least 1',
  index: 'a whole number of at least 0',
  size: 'a size: a whole number with unit b, KB, KiB, MB, MiB, GB, GiB, TB or TiB (default KiB)',
  vcpuIndex: (n: number) => `a vCPU number from 0 to ${n - 1}`,
  iothreadId: (ids: readonly number[]) => (ids.length === 0 ? 'no iothread (the domain declares no <iothreads>)' : `an iothread id of the domain (${ids.join(', ')})`),
  queueIndex: (n: number) => `a queue number from 0 to ${n - 1}`,
  oncePerVcpu: 'one <vcpupin> per vCPU',
  value: (v: string) => quote(v),
  name: 'a domain name',
  uniqueName: 'each domain name once',
  twice: (name: string, other: string) => `${quote(name)} also in ${other}`,
  imported: 'imported layout',
  importedWorkload: 'imported workload',
  metadataBool: 'true or false',
  metadataWorker: 'a <sidecore:worker> with id, architecture, cpus and devices',
} as const

/** Warnings: the domain is imported, something in it is left out. */
export const domainWarning = {
  ignored: (element: string) => `<${element}> ignored: Sidecore does not model it`,
  notParavirtual: (element: string, what: string) => `<${element}> ${what} ignored: not a virtio device`,
  vhostUser: (id: string) =>
    `interface ${quote(id)} is vhost-user: its backend (e.g. Open vSwitch with DPDK) is outside the domain, so no worker is inferred for it`,
  vcpuSet: (vcpu: number, cpus: string) => `vCPU ${vcpu} may run on CPUs ${cpus}: not pinned to one CPU, so no layout`,
  unpinned: (vcpus: number[]) => `vCPU${vcpus.length === 1 ? '' : 's'} ${vcpus.join(', ')} without <vcpupin>: not pinned, so no layout`,
  noNode: (node: number) => `no single NUMA node in <numatune> and no host model to infer one: node ${node} assumed`,
  guessedNode: (node: number) => `no single NUMA node in <numatune>: node ${node} inferred from the vCPU pins`,
  workerElsewhere: (ref: string) => `worker device ${quote(ref)} belongs to a domain that is not imported: left out`,
} as const

/** Reasons `vm import` gives for writing no layout. */
export const layoutText = {
  notPinned: (domains: readonly string[]) => `no layout: ${domains.map((d) => quote(d)).join(', ')} not pinned (every vCPU needs a <vcpupin> to one CPU)`,
  unserved: (refs: readonly string[]) => `no layout: no worker known for ${refs.map((r) => quote(r)).join(', ')}`,
  noHostName: 'the layout names host "imported": pass --host FILE (the host model) to name it and to infer NUMA nodes',
  hostMismatch: (metadata: string, given: string) => `the domains were exported for host model ${quote(metadata)}, --host is ${quote(given)}`,
} as const
