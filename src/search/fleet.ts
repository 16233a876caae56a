/**
 * Synthetic fleets for trials and benchmarks: a cluster of a few realistic host
 * models and a workload of a few VM types, any size, from a seed.
 *
 *     {hosts, vms, seed}
 *       -> host counts     each model's share drawn from its range, apportioned to exactly `hosts`
 *       -> cluster groups  each model split over up to three failure domains, filling racks
 *       -> VM counts       each type's share drawn from its range, apportioned to exactly `vms`
 *       -> VM sizes        vCPUs scaled so that all VMs ask for 45-65% of the fleet's CPUs
 *       -> devices, SLOs   offered loads follow the VM's size, with some jitter
 *
 * The result is plain spec objects in the file formats (`kind`, `version: 1`,
 * snake_case, quantities with units), so that writing them as YAML gives files
 * that `loadCluster` and `loadWorkload` read as they are. Files list models and
 * types with counts, never single hosts or VMs, so a fleet of 100,000 hosts is
 * as small as one of ten.
 *
 * Pure: the randomness is a seeded 32-bit generator (mulberry32) of our own, so
 * the same options give the same specs, key for key, on every run and machine.
 *
 * The vCPU share lands in `VCPU_SHARE_RANGE` when the counts allow it, which
 * is from about 3 to 40 VMs per host: VM types keep their character (a quarter
 * to four times their usual size, 1 to 64 vCPUs), so a handful of VMs cannot
 * fill a large fleet and millions of VMs overfill a small one.
 * `summarizeFleet` reports the share.
 */
import type {ClusterSpec, DeviceBody, HostSpec, VmTypeBody, WorkloadSpec} from '../io/schemas.js'
import {type Random, seededRandom} from './random.js'

export interface FleetOptions {
  /** Hosts in the fleet, at least 1. */
  hosts: number
  /** VMs in the workload, at least 1. */
  vms: number
  /** Any safe integer; the same seed gives the same fleet. */
  seed: number
}

export interface HostModelFile {
  /** Path of the host model file, relative to the cluster file (`hosts/NAME.yaml`). */
  file: string
  spec: HostSpec
}

export interface Fleet {
  /** The host models in use (count above 0), in cluster order. */
  hostModels: HostModelFile[]
  /** Names its host models by `HostModelFile.file`. */
  cluster: ClusterSpec
  workload: WorkloadSpec
}

export interface FleetSummary {
  /** Hosts per host model name. */
  hosts: Record<string, number>
  /** VMs per VM type name. */
  vms: Record<string, number>
  tenants: string[]
  /** Logical CPUs of every host. */
  cpus: number
  /** vCPUs of every VM. */
  vcpus: number
  /** vcpus / cpus. */
  vcpuShare: number
}

/** The share of the fleet's CPUs that the VMs' vCPUs aim at, when the counts allow it. */
export const VCPU_SHARE_RANGE = [0.4, 0.7] as const
/** The target is drawn from this narrower range, leaving room for rounding VM sizes. */
const TARGET_SHARE = [0.45, 0.65] as const
/** VM sizes, in vCPUs, as cloud flavours come. */
const VCPU_SIZES = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]
/** A VM type's size stays within its base size divided or multiplied by this. */
const SIZE_RANGE = 4
/** Largest VM memory: well inside one NUMA node of the largest host model. */
const MAX_VM_MEMORY_GIB = 192
const FAILURE_DOMAINS = ['fd-a', 'fd-b', 'fd-c']

// ------------------------------------------------------------------ randomness

const between = (random: Random, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * random()

/**
 * Split `total` into whole parts proportional to `weights` (largest remainder):
 * the parts sum to `total` exactly; ties go to the earlier weight.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0)
  const quotas = weights.map((w) => (total * w) / sum)
  const parts = quotas.map(Math.floor)
  const order = quotas.map((q, i) => ({i, frac: q - Math.floor(q)})).sort((a, b) => b.frac - a.frac || a.i - b.i)
  let left = total - parts.reduce((s, p) => s + p, 0)
  for (let k = 0; left > 0; k++, left--) parts[order[k % order.length].i]++
  return parts
}

// ------------------------------------------------------------------ host models

interface HostTemplate {
  /** Range of the model's share of the hosts; the first model's is always the largest. */
  share: readonly [number, number]
  /** Hosts per rack (2U servers 20, 1U boxes 40). */
  perRack: number
  role: string
  spec: Omit<HostSpec, 'kind' | 'version'>
}

const platform = {posted_interrupts: true, pv_eoi: true, ioeventfd: true}

/** Round figures of current server parts and data-center drives; replace them with your own. */
const HOST_TEMPLATES: HostTemplate[] = [
  {
    share: [0.45, 0.6],
    perRack: 20,
    role: 'compute',
    spec: {
      name: 'compute-2s-64c',
      description: 'Two-socket compute server (EPYC 7513 class), 2 x 32 cores, SMT 2, 100GbE and NVMe on each node.',
      sockets: 2,
      nodes_per_socket: 1,
      cores_per_node: 32,
      threads_per_core: 2,
      frequency: '2.6 GHz',
      memory_per_node: '256 GiB',
      distances: [
        [10, 32],
        [32, 10],
      ],
      nics: [
        {id: 'nic0', node: 0, line_rate: '100 Gbit/s'},
        {id: 'nic1', node: 1, line_rate: '100 Gbit/s'},
      ],
      block_devices: [
        {id: 'nvme0', node: 0, max_iops: '1000 kIOPS', max_bandwidth: '6.8 GB/s', latency: '80 us'},
        {id: 'nvme1', node: 1, max_iops: '1000 kIOPS', max_bandwidth: '6.8 GB/s', latency: '80 us'},
      ],
      platform,
      housekeeping: '0,64',
      calibration: 'current',
    },
  },
  {
    share: [0.2, 0.3],
    perRack: 20,
    role: 'compute',
    spec: {
      name: 'compute-2s-48c',
      description: 'Two-socket compute server (Xeon Gold 6342 class), 2 x 24 cores, SMT 2, a 25GbE port on each node, one NVMe.',
      sockets: 2,
      nodes_per_socket: 1,
      cores_per_node: 24,
      threads_per_core: 2,
      frequency: '2.8 GHz',
      memory_per_node: '192 GiB',
      nics: [
        {id: 'nic0', node: 0, line_rate: '25 Gbit/s'},
        {id: 'nic1', node: 1, line_rate: '25 Gbit/s'},
      ],
      block_devices: [{id: 'nvme0', node: 0, max_iops: '750 kIOPS', max_bandwidth: '3.5 GB/s', latency: '90 us'}],
      platform,
      housekeeping: '0,48',
      calibration: 'current',
    },
  },
  {
    share: [0.08, 0.15],
    perRack: 40,
    role: 'storage',
    spec: {
      name: 'storage-1s-16c',
      description: 'Single-socket storage box (EPYC 7313P class), 16 cores, SMT 2, 25GbE, 4 x NVMe.',
      sockets: 1,
      cores_per_node: 16,
      threads_per_core: 2,
      frequency: '3.0 GHz',
      memory_per_node: '128 GiB',
      nics: [{id: 'nic0', node: 0, line_rate: '25 Gbit/s'}],
      block_devices: ['nvme0', 'nvme1', 'nvme2', 'nvme3'].map((id) => ({
        id,
        node: 0,
        max_iops: '800 kIOPS',
        max_bandwidth: '6.5 GB/s',
        latency: '80 us',
      })),
      platform,
      housekeeping: '0,16',
      calibration: 'current',
    },
  },
  {
    share: [0.03, 0.08],
    perRack: 40,
    role: 'edge',
    spec: {
      name: 'edge-1s-8c',
      description: 'Small edge server (Xeon D class), 8 cores, SMT 2, 10GbE, one NVMe; no posted interrupts.',
      sockets: 1,
      cores_per_node: 8,
      threads_per_core: 2,
      frequency: '2.2 GHz',
      memory_per_node: '64 GiB',
      nics: [{id: 'nic0', node: 0, line_rate: '10 Gbit/s'}],
      block_devices: [{id: 'nvme0', node: 0, max_iops: '400 kIOPS', max_bandwidth: '3 GB/s', latency: '100 us'}],
      platform: {posted_interrupts: false, pv_eoi: true, ioeventfd: true},
      housekeeping: '0,8',
      calibration: 'current',
    },
  },
]

/** Logical CPUs of a host model written in the compact form. */
export function hostCpus(spec: Pick<HostSpec, 'sockets' | 'nodes_per_socket' | 'cores_per_node' | 'threads_per_core' | 'cpus'>): number {
  if (spec.cpus !== undefined) return spec.cpus.length
  return (spec.sockets ?? 1) * (spec.nodes_per_socket ?? 1) * (spec.cores_per_node ?? 0) * (spec.threads_per_core ?? 1)
}

// ------------------------------------------------------------------ VM types

type LoadUnit = 'bit/s' | 'B/s' | 'pps' | 'tps' | 'IOPS'

interface DeviceTemplate extends Omit<DeviceBody, 'offered'> {
  /** Offered load of the template's VM size, in `unit`. */
  load: number
  unit: LoadUnit
}

interface VmTemplate {
  name: string
  tenant: string
  /** Range of the type's share of the VMs. */
  share: readonly [number, number]
  /** vCPUs before scaling to the fleet. */
  vcpus: number
  memoryPerVcpuGib: number
  /** cgroup cpu.max: the vCPUs plus this many CPUs for I/O charged to the VM; none when absent. */
  extraCpus?: number
  devices: DeviceTemplate[]
  slo: NonNullable<VmTypeBody['slo']>
}

/** Rates are a VM's planned peak at the template's size. */
const VM_TEMPLATES: VmTemplate[] = [
  {
    name: 'web-frontend',
    tenant: 'shop',
    share: [0.18, 0.26],
    vcpus: 4,
    memoryPerVcpuGib: 2,
    extraCpus: 1,
    devices: [
      {id: 'net0', kind: 'net', pattern: 'stream', direction: 'tx', size: '1448 B', load: 2e9, unit: 'bit/s', protocol: 'tcp'},
      {id: 'net1', kind: 'net', pattern: 'rr', direction: 'rx', size: '256 B', load: 20e3, unit: 'tps', queue_depth: 4, peer_rtt: '50 us'},
    ],
    slo: {min_fraction: '95%', max_p99: '2 ms'},
  },
  {
    name: 'web-app',
    tenant: 'shop',
    share: [0.12, 0.18],
    vcpus: 8,
    memoryPerVcpuGib: 2,
    devices: [
      {id: 'net0', kind: 'net', pattern: 'rr', direction: 'rx', size: '1 KiB', load: 50e3, unit: 'tps', queue_depth: 8},
      {id: 'disk0', kind: 'block', pattern: 'rr', direction: 'read', size: '4 KiB', load: 5000, unit: 'IOPS'},
    ],
    slo: {min_fraction: '99%', max_p99: '5 ms'},
  },
  {
    name: 'vnf-fw',
    tenant: 'telco',
    share: [0.05, 0.09],
    vcpus: 2,
    memoryPerVcpuGib: 2,
    extraCpus: 2,
    devices: [
      {id: 'wan', kind: 'net', pattern: 'stream', direction: 'rx', size: '64 B', load: 600e3, unit: 'pps'},
      {id: 'lan', kind: 'net', pattern: 'stream', direction: 'tx', size: '64 B', load: 600e3, unit: 'pps'},
    ],
    slo: {min_fraction: '99%', max_p99: '500 us'},
  },
  {
    name: 'vnf-lb',
    tenant: 'telco',
    share: [0.03, 0.06],
    vcpus: 2,
    memoryPerVcpuGib: 2,
    devices: [
      {id: 'in', kind: 'net', pattern: 'stream', direction: 'rx', size: '256 B', load: 400e3, unit: 'pps'},
      {id: 'out', kind: 'net', pattern: 'stream', direction: 'tx', size: '256 B', load: 400e3, unit: 'pps'},
    ],
    slo: {min_fraction: '95%', max_p99: '1 ms'},
  },
  {
    name: 'storage-node',
    tenant: 'storage',
    share: [0.05, 0.08],
    vcpus: 4,
    memoryPerVcpuGib: 4,
    devices: [
      {id: 'data', kind: 'block', pattern: 'stream', direction: 'read', size: '4 KiB', load: 40e3, unit: 'IOPS', queue_depth: 32},
      {id: 'journal', kind: 'block', pattern: 'stream', direction: 'write', size: '64 KiB', load: 5000, unit: 'IOPS', queue_depth: 8},
      {id: 'repl', kind: 'net', pattern: 'stream', direction: 'rx', size: '1448 B', load: 4e9, unit: 'bit/s', protocol: 'tcp'},
    ],
    slo: {min_fraction: '95%', max_p99: '5 ms'},
  },
  {
    name: 'db-oltp',
    tenant: 'data',
    share: [0.06, 0.1],
    vcpus: 8,
    memoryPerVcpuGib: 8,
    extraCpus: 2,
    devices: [
      {id: 'net0', kind: 'net', pattern: 'rr', direction: 'rx', size: '512 B', load: 30e3, unit: 'tps', queue_depth: 16},
      {id: 'data', kind: 'block', pattern: 'stream', direction: 'read', size: '8 KiB', load: 20e3, unit: 'IOPS', queue_depth: 32},
      {id: 'wal', kind: 'block', pattern: 'rr', direction: 'write', size: '16 KiB', load: 5000, unit: 'IOPS'},
    ],
    slo: {min_fraction: '99%', max_p99: '10 ms'},
  },
  {
    name: 'db-analytics',
    tenant: 'data',
    share: [0.02, 0.04],
    vcpus: 16,
    memoryPerVcpuGib: 8,
    devices: [{id: 'scan', kind: 'block', pattern: 'stream', direction: 'read', size: '128 KiB', load: 2e9, unit: 'B/s', queue_depth: 64}],
    slo: {min_fraction: '90%'},
  },
  {
    name: 'batch-worker',
    tenant: 'batch',
    share: [0.12, 0.2],
    vcpus: 16,
    memoryPerVcpuGib: 4,
    devices: [
      {id: 'net0', kind: 'net', pattern: 'stream', direction: 'rx', size: '1448 B', load: 200e6, unit: 'bit/s', protocol: 'tcp'},
      {id: 'scratch', kind: 'block', pattern: 'stream', direction: 'write', size: '1 MiB', load: 100, unit: 'IOPS', queue_depth: 8},
    ],
    slo: {min_fraction: '0%'},
  },
  {
    name: 'ci-runner',
    tenant: 'batch',
    share: [0.1, 0.18],
    vcpus: 2,
    memoryPerVcpuGib: 2,
    devices: [{id: 'net0', kind: 'net', pattern: 'stream', direction: 'rx', size: '1448 B', load: 50e6, unit: 'bit/s', protocol: 'tcp'}],
    slo: {min_fraction: '0%'},
  },
]

/** Two significant digits, without binary noise. */
const sig2 = (x: number) => Number(x.toPrecision(2))

const PREFIXES: Record<LoadUnit, readonly string[]> = {
  'bit/s': ['', 'k', 'M', 'G'],
  'B/s': ['', 'k', 'M', 'G'],
  pps: ['', 'k', 'M'],
  tps: ['', 'k', 'M'],
  IOPS: [''],
}

/** `2 Gbit/s`, `450 kpps`, `40000 IOPS`: two significant digits, the largest prefix that keeps the number at least 1. */
export function formatLoad(value: number, unit: LoadUnit): string {
  const v = sig2(Math.max(1, value))
  const prefixes = PREFIXES[unit]
  let k = 0
  while (k + 1 < prefixes.length && v >= 1000 ** (k + 1)) k++
  return `${Number((v / 1000 ** k).toPrecision(2))} ${prefixes[k]}${unit}`
}

/**
 * vCPUs per type so that `counts[i] * vcpus[i]` sums close to `target`: scale
 * every base size alike, round to the nearest flavour, then move single types
 * one flavour up or down while that brings the total closer. A type stays
 * within a quarter and four times its base size, so that it keeps its
 * character; when the counts need more than that, the total misses the target.
 */
function sizeVcpus(counts: readonly number[], bases: readonly number[], target: number): number[] {
  const nearest = (x: number) => {
    let best = 0
    for (let j = 1; j < VCPU_SIZES.length; j++) if (Math.abs(Math.log(VCPU_SIZES[j] / x)) < Math.abs(Math.log(VCPU_SIZES[best] / x))) best = j
    return best
  }
  const low = bases.map((b) => nearest(b / SIZE_RANGE))
  const high = bases.map((b) => nearest(b * SIZE_RANGE))
  const baseTotal = counts.reduce((s, c, i) => s + c * bases[i], 0)
  const steps = bases.map((b, i) => Math.min(high[i], Math.max(low[i], nearest((b * target) / baseTotal))))
  let total = counts.reduce((s, c, i) => s + c * VCPU_SIZES[steps[i]], 0)
  for (let round = 0; round < 1000; round++) {
    let best: {i: number; step: number; total: number} | undefined
    let bestError = Math.abs(total - target)
    counts.forEach((c, i) => {
      if (c === 0) return
      for (const step of [steps[i] - 1, steps[i] + 1]) {
        if (step < low[i] || step > high[i]) continue
        const t = total + c * (VCPU_SIZES[step] - VCPU_SIZES[steps[i]])
        if (Math.abs(t - target) < bestError) {
          best = {i, step, total: t}
          bestError = Math.abs(t - target)
        }
      }
    })
    if (best === undefined) break
    steps[best.i] = best.step
    total = best.total
  }
  return steps.map((s) => VCPU_SIZES[s])
}

function vmType(t: VmTemplate, count: number, vcpus: number, random: Random): VmTypeBody {
  const memory = Math.max(1, Math.min(MAX_VM_MEMORY_GIB, vcpus * t.memoryPerVcpuGib))
  const scale = Math.min(4, Math.max(0.25, vcpus / t.vcpus))
  const devices: DeviceBody[] = t.devices.map(({id, kind, pattern, direction, size, load, unit, ...rest}) => ({
    id,
    kind,
    pattern,
    direction,
    size,
    offered: formatLoad(load * scale * between(random, [0.8, 1.25]), unit),
    ...rest,
  }))
  const spec: VmTypeBody = {name: t.name, count, vcpus, memory: `${memory} GiB`, tenant: t.tenant, cgroup: {path: `/machine.slice/${t.tenant}`}}
  if (t.extraCpus !== undefined) spec.cgroup = {...spec.cgroup, cpu_max: `${(vcpus + t.extraCpus) * 100}%`}
  spec.devices = devices
  spec.slo = {...t.slo}
  return spec
}

// ------------------------------------------------------------------ the fleet

/** A synthetic fleet of `hosts` hosts and a workload of `vms` VMs, the same for the same seed. */
export function generateFleet({hosts, vms, seed}: FleetOptions): Fleet {
  if (!Number.isSafeInteger(hosts) || hosts < 1) throw new RangeError(`hosts must be a whole number of at least 1, got ${hosts}`)
  if (!Number.isSafeInteger(vms) || vms < 1) throw new RangeError(`vms must be a whole number of at least 1, got ${vms}`)
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`)
  const random = seededRandom(seed)

  // Host models and their counts.
  const hostCounts = apportion(hosts, HOST_TEMPLATES.map((t) => between(random, t.share)))
  const used = HOST_TEMPLATES.map((t, i) => ({t, count: hostCounts[i]})).filter((m) => m.count > 0)
  const hostModels: HostModelFile[] = used.map(({t}) => ({file: `hosts/${t.spec.name}.yaml`, spec: {kind: 'host', version: 1, ...structuredClone(t.spec)}}))

  // Cluster groups: each model over up to three failure domains, filling racks in order.
  const groups = used.flatMap(({t, count}, m) =>
    apportion(count, FAILURE_DOMAINS.slice(0, Math.min(FAILURE_DOMAINS.length, count)).map(() => 1)).map((n, d) => ({
      m,
      t,
      n,
      domain: FAILURE_DOMAINS[d],
      racks: Math.ceil(n / t.perRack),
    })),
  )
  const width = String(groups.reduce((s, g) => s + g.racks, 0)).length
  const rack = (k: number) => `r${String(k).padStart(width, '0')}`
  let nextRack = 1
  const cluster: ClusterSpec = {
    kind: 'cluster',
    version: 1,
    name: `synthetic-${hosts}-hosts`,
    description: `Synthetic fleet of ${hosts} hosts (seed ${seed}), each group in its own racks: ${HOST_TEMPLATES.map((t) => `${t.perRack} ${t.spec.name}`).join(', ')} a rack.`,
    hosts: groups.map((g) => {
      const first = nextRack
      nextRack += g.racks
      const racks = g.racks === 1 ? rack(first) : `${rack(first)}-${rack(nextRack - 1)}`
      return {host: hostModels[g.m].file, count: g.n, labels: {rack: racks, failure_domain: g.domain, role: g.t.role}}
    }),
  }

  // VM types, counts and sizes.
  const cpus = used.reduce((s, {t, count}) => s + count * hostCpus(t.spec), 0)
  const target = cpus * between(random, TARGET_SHARE)
  const vmCounts = apportion(vms, VM_TEMPLATES.map((t) => between(random, t.share)))
  const vcpus = sizeVcpus(vmCounts, VM_TEMPLATES.map((t) => t.vcpus), target)
  const vmTypes = VM_TEMPLATES.map((t, i) => vmType(t, vmCounts[i], vcpus[i], random)).filter((t) => (t.count ?? 1) > 0)
  const workload: WorkloadSpec = {
    kind: 'workload',
    version: 1,
    name: `synthetic-${vms}-vms`,
    description: `Synthetic workload of ${vms} VMs in ${vmTypes.length} types (seed ${seed}).`,
    vm_types: vmTypes,
  }
  return {hostModels, cluster, workload}
}

/** Counts of a fleet: hosts per model, VMs per type, tenants, CPUs and vCPUs. */
export function summarizeFleet(fleet: Fleet): FleetSummary {
  const byFile = new Map(fleet.hostModels.map((h) => [h.file, h.spec]))
  const hosts: Record<string, number> = {}
  let cpus = 0
  for (const e of fleet.cluster.hosts) {
    const spec = byFile.get(e.host)
    if (spec === undefined) throw new Error(`cluster names ${e.host}, which is not among the fleet's host models`)
    hosts[spec.name] = (hosts[spec.name] ?? 0) + e.count
    cpus += e.count * hostCpus(spec)
  }
  const vms: Record<string, number> = {}
  let vcpus = 0
  for (const t of fleet.workload.vm_types) {
    const count = t.count ?? 1
    vms[t.name] = count
    vcpus += count * t.vcpus
  }
  const tenants = [...new Set(fleet.workload.vm_types.map((t) => t.tenant ?? 'default'))]
  return {hosts, vms, tenants, cpus, vcpus, vcpuShare: vcpus / cpus}
}
