/**
 * A host's layout -> the settings that make a machine run it, one format at a
 * time, as file name -> text. Pure: no file system, no clock.
 *
 * CPU sets used throughout:
 *   vm        CPUs that run vCPUs (role vm)
 *   io        dedicated I/O cores (role io): pinned workers, OVS PMD threads
 *   hk        housekeeping CPUs (role housekeeping)
 *   isolated  vm + io, when some CPU is left for the kernel (hk, else idle)
 *   irq       where device interrupts go: hk, else idle
 *
 * References for the formats:
 *   kernel   Documentation/admin-guide/kernel-parameters.txt: isolcpus=[flag-list,]<cpu-list> with
 *            flags nohz, domain, managed_irq; nohz_full=<cpu-list>; rcu_nocbs=<cpu-list>; irqaffinity=<cpu-list>
 *   tuned    tuned-profiles-cpu-partitioning(7): /etc/tuned/cpu-partitioning-variables.conf,
 *            isolated_cores=<cpu-list> (mandatory), no_balance_cores=<cpu-list> (a subset of it)
 *   cgroup   Documentation/admin-guide/cgroup-v2.rst, cpuset controller: cpuset.cpus, cpuset.mems
 *   ovs      Open vSwitch Documentation/topics/dpdk/pmd.rst: other_config:pmd-cpu-mask (hex CPU mask) on
 *            Open_vSwitch, other_config:pmd-rxq-affinity="<queue>:<core>,..." on each Interface
 *   nova     OpenStack Nova configuration reference, [compute] cpu_dedicated_set / cpu_shared_set
 *   kubelet  KubeletConfiguration (kubelet.config.k8s.io/v1beta1): cpuManagerPolicy, reservedSystemCPUs
 */
import type {ArchitectureId} from '../../model/types.js'
import {formatCpuset} from '../cpuset.js'
import {domainXml} from './libvirt.js'
import {exportComment} from './messages.js'
import type {PlanHost, PlanWorker, VmTypes} from './plan.js'

export const EXPORT_FORMATS = ['libvirt', 'kernel-cmdline', 'tuned', 'cgroup', 'ovs', 'nova', 'kubelet'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** Architectures whose workers serve only block devices. */
const BLOCK_ONLY: readonly ArchitectureId[] = ['vhost-blk', 'blk-dataplane']

export interface CpuSets {
  vm: number[]
  io: number[]
  hk: number[]
  idle: number[]
  isolated: number[]
  irq: number[]
}

export function cpuSets(h: PlanHost): CpuSets {
  const {vm, io, housekeeping: hk, idle} = h.roles
  const irq = hk.length > 0 ? hk : idle
  const isolated = irq.length > 0 ? [...vm, ...io].sort((a, b) => a - b) : []
  return {vm, io, hk, idle, isolated, irq}
}

const list = (cpus: readonly number[]) => formatCpuset(cpus)

/** Interface name of a device's vhost-user port: `vhu-VM-DEVICE`. */
export function portName(ref: string): string {
  return `vhu-${ref.replace('/', '-')}`
}

/** Kind of a served device: from the workload when known, else from its worker's architecture. */
function kindOf(ref: string, w: PlanWorker, h: PlanHost, types?: VmTypes): 'net' | 'block' {
  const slash = ref.indexOf('/')
  const vm = h.vms.find((v) => v.vm === ref.slice(0, slash))
  const dev = vm === undefined ? undefined : types?.get(vm.type)?.devices.find((d) => d.id === ref.slice(slash + 1))
  if (dev !== undefined) return dev.kind
  return BLOCK_ONLY.includes(w.architecture) ? 'block' : 'net'
}

/** CPU list as a hexadecimal mask, bit N for CPU N (`0x` + hex, as pmd-cpu-mask takes it). */
export function cpuMask(cpus: readonly number[]): string {
  let mask = 0n
  for (const c of cpus) mask |= 1n << BigInt(c)
  return `0x${mask.toString(16)}`
}

/** Every file of one format for one host. */
export function exportFiles(h: PlanHost, format: ExportFormat, types?: VmTypes): Record<string, string> {
  const s = cpuSets(h)
  const head = exportComment.header(h.id, h.model)
  switch (format) {
    case 'libvirt':
      return Object.fromEntries(h.vms.map((v) => [`libvirt/${v.vm}.xml`, domainXml(h, v, types)]))
    case 'kernel-cmdline': {
      const args =
        s.isolated.length === 0
          ? []
          : [`isolcpus=managed_irq,domain,${list(s.isolated)}`, `nohz_full=${list(s.isolated)}`, `rcu_nocbs=${list(s.isolated)}`, `irqaffinity=${list(s.irq)}`]
      return {'kernel-cmdline.txt': `# ${head}\n${s.isolated.length === 0 ? `# ${exportComment.noIsolation}\n` : ''}${args.join(' ')}\n`}
    }
    case 'tuned': {
      const lines = [`# ${head}`, '# /etc/tuned/cpu-partitioning-variables.conf']
      if (s.isolated.length === 0) lines.push(`# ${exportComment.noIsolation}`)
      else {
        lines.push(`isolated_cores=${list(s.isolated)}`)
        if (s.io.length > 0) lines.push(`no_balance_cores=${list(s.io)}`)
      }
      return {'tuned/cpu-partitioning-variables.conf': `${lines.join('\n')}\n`}
    }
    case 'cgroup':
      return cgroupFiles(h, s)
    case 'ovs':
      return {'ovs/ovs-vsctl.sh': ovsScript(h, s, types)}
    case 'nova': {
      const lines = [`# ${head}`, '[compute]', `cpu_dedicated_set = ${list(s.vm)}`]
      if (s.hk.length > 0) lines.push(`cpu_shared_set = ${list(s.hk)}`)
      return {'nova/nova.conf': `${lines.join('\n')}\n`}
    }
    case 'kubelet': {
      const reserved = [...s.hk, ...s.io]
      const lines = [`# ${head}`, 'apiVersion: kubelet.config.k8s.io/v1beta1', 'kind: KubeletConfiguration', 'cpuManagerPolicy: static']
      if (reserved.length > 0) lines.push(`reservedSystemCPUs: "${list(reserved)}"`)
      else lines.push(`# ${exportComment.noReserved}`)
      return {'kubelet/kubelet-config.yaml': `${lines.join('\n')}\n`}
    }
  }
}

/** Floating workers that serve a device of `vm`. */
export function floatingFor(h: PlanHost, vm: string): PlanWorker[] {
  return h.workers.filter((w) => w.floating && w.devices.some((d) => d.startsWith(`${vm}/`)))
}

/**
 * cgroup v2 cpuset files, relative to the cgroup root (/sys/fs/cgroup):
 * system.slice on the housekeeping CPUs; machine.slice and one scope per VM
 * (its vCPUs and the floating workers that serve it; memory on its node);
 * sidecore-io.slice and one scope per pinned worker on the I/O cores.
 */
function cgroupFiles(h: PlanHost, s: CpuSets): Record<string, string> {
  const out: Record<string, string> = {}
  if (s.irq.length > 0) out['cgroup/system.slice/cpuset.cpus'] = `${list(s.irq)}\n`
  const machine = new Set<number>()
  for (const v of h.vms) {
    const cpus = new Set([...v.pins, ...floatingFor(h, v.vm).flatMap((w) => w.cpus)])
    for (const c of cpus) machine.add(c)
    out[`cgroup/machine.slice/machine-${v.vm}.scope/cpuset.cpus`] = `${list([...cpus])}\n`
    out[`cgroup/machine.slice/machine-${v.vm}.scope/cpuset.mems`] = `${v.node}\n`
  }
  if (h.vms.length > 0) out['cgroup/machine.slice/cpuset.cpus'] = `${list([...machine])}\n`
  const pinned = h.workers.filter((w) => !w.floating)
  if (pinned.length > 0) {
    out['cgroup/sidecore-io.slice/cpuset.cpus'] = `${list(pinned.flatMap((w) => w.cpus))}\n`
    for (const w of pinned) out[`cgroup/sidecore-io.slice/${w.id}.scope/cpuset.cpus`] = `${list(w.cpus)}\n`
  }
  return out
}

function ovsScript(h: PlanHost, s: CpuSets, types?: VmTypes): string {
  const lines = ['#!/bin/sh', `# ${exportComment.header(h.id, h.model)}`, '# Open vSwitch with DPDK: PMD threads on the I/O cores, each device\'s vhost-user port polled by its worker\'s core.', '# Run on the host; ovs-vsctl needs ovs-vswitchd running with DPDK enabled.', 'set -e']
  if (s.io.length === 0) {
    lines.push(`# ${exportComment.noPmd}`)
    return `${lines.join('\n')}\n`
  }
  lines.push(`ovs-vsctl set Open_vSwitch . other_config:pmd-cpu-mask=${cpuMask(s.io)}`)
  for (const w of h.workers) {
    for (const ref of w.devices) {
      if (kindOf(ref, w, h, types) !== 'net') continue
      if (w.floating) lines.push(`# ${exportComment.floatingDevice(ref, w.id)}`)
      else lines.push(`ovs-vsctl set Interface ${portName(ref)} other_config:pmd-rxq-affinity="0:${w.cpus[0]}"`)
    }
  }
  return `${lines.join('\n')}\n`
}
