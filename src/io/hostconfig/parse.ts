/**
 * Host settings as they are on a machine -> the CPUs each one claims, with
 * the file and line it comes from. One parser per format, the same formats
 * `sidecore export` writes:
 *
 *   kernel command line   isolcpus= (flags nohz, domain, managed_irq first), nohz_full=, rcu_nocbs=, irqaffinity=
 *   tuned                 cpu-partitioning-variables.conf: isolated_cores=, no_balance_cores=
 *   cgroup v2             cpuset.cpus files under machine.slice (VM scopes), system.slice, sidecore-io.slice
 *   Open vSwitch          ovs-vsctl commands setting other_config:pmd-cpu-mask and other_config:pmd-rxq-affinity
 *   Nova                  nova.conf [compute] cpu_dedicated_set, cpu_shared_set
 *   kubelet               KubeletConfiguration reservedSystemCPUs
 *   libvirt               domain XML: <vcpupin>, <emulatorpin>, <iothreadpin>
 *
 * Pure: text in, facts out.
 */
import {parseDocument} from 'yaml'

import {InputError} from '../errors.js'
import {parseCpuset} from '../cpuset.js'
import {libvirtCpuset, parseDomain} from '../libvirt/domain.js'
import {hostconfigText} from './messages.js'

export interface Source {
  file: string
  line?: number
}

export interface Claim {
  cpus: number[]
  src: Source
}

export interface CgroupClaim extends Claim {
  /** Path below the cgroup root, `machine.slice/machine-web-0.scope`. */
  path: string
  kind: 'vm' | 'machine' | 'io' | 'system' | 'other'
  /** VM name for a VM scope. */
  vm?: string
}

export interface DomainClaim {
  name: string
  vcpus: Claim
  emulator?: Claim
  iothreads: Claim[]
}

export interface HostFacts {
  isolcpus?: Claim
  nohzFull?: Claim
  rcuNocbs?: Claim
  irqaffinity?: Claim
  tunedIsolated?: Claim
  tunedNoBalance?: Claim
  cgroups: CgroupClaim[]
  pmdMask?: Claim
  rxq: (Claim & {port: string; queue: number})[]
  novaDedicated?: Claim
  novaShared?: Claim
  kubeletReserved?: Claim
  domains: DomainClaim[]
}

export type HostConfigKind = 'kernel-cmdline' | 'tuned' | 'cgroup' | 'ovs' | 'nova' | 'kubelet' | 'libvirt'

export function emptyFacts(): HostFacts {
  return {cgroups: [], rxq: [], domains: []}
}

/** Which format a file is in, from its name and content; undefined when it is none of them. */
export function detectKind(name: string, text: string): HostConfigKind | undefined {
  const base = name.split('/').pop() ?? name
  if (base === 'cpuset.cpus') return 'cgroup'
  if (/<domain[\s>]/.test(text)) return 'libvirt'
  if (/^\s*kind:\s*["']?KubeletConfiguration/m.test(text)) return 'kubelet'
  if (/\bovs-vsctl\b/.test(text)) return 'ovs'
  if (/^\s*\[compute\]/m.test(text) || /^\s*cpu_(dedicated|shared)_set\s*=/m.test(text)) return 'nova'
  if (/^\s*(isolated_cores|no_balance_cores)\s*=/m.test(text)) return 'tuned'
  if (base === 'cmdline' || base.startsWith('kernel-cmdline') || /(^|\s)(isolcpus|nohz_full|irqaffinity|rcu_nocbs)=/m.test(text)) return 'kernel-cmdline'
  return undefined
}

function cpus(text: string, file: string, line: number, field: string): number[] {
  try {
    return parseCpuset(libvirtCpuset(text.trim()))
  } catch (error) {
    if (error instanceof InputError) throw new InputError({...error.fields(), path: [field], file, line})
    throw error
  }
}

/** Lines without comments (`#` to the end of a line), with their 1-based numbers. */
function lines(text: string): {text: string; line: number}[] {
  return text.split('\n').map((t, i) => ({text: t.replace(/(^|\s)#.*$/, '').trim(), line: i + 1})).filter((l) => l.text !== '')
}

const ISOLCPUS_FLAGS: ReadonlySet<string> = new Set(['nohz', 'domain', 'managed_irq'])

export function parseHostConfig(kind: HostConfigKind, file: string, text: string, facts: HostFacts, cgroupPath = ''): void {
  switch (kind) {
    case 'kernel-cmdline':
      for (const l of lines(text)) {
        for (const token of l.text.split(/\s+/)) {
          const eq = token.indexOf('=')
          if (eq < 0) continue
          const key = token.slice(0, eq)
          let value = token.slice(eq + 1).replace(/^"|"$/g, '')
          if (key === 'isolcpus') {
            // isolcpus=[flag-list,]<cpu-list>, the flags being nohz, domain and managed_irq
            // (the kernel's admin-guide/kernel-parameters); any other word is a bad CPU list.
            const parts = value.split(',')
            while (parts.length > 0 && ISOLCPUS_FLAGS.has(parts[0])) parts.shift()
            value = parts.join(',')
          }
          const claim = (): Claim => ({cpus: cpus(value, file, l.line, key), src: {file, line: l.line}})
          if (key === 'isolcpus') facts.isolcpus = claim()
          else if (key === 'nohz_full') facts.nohzFull = claim()
          else if (key === 'rcu_nocbs') facts.rcuNocbs = claim()
          else if (key === 'irqaffinity') facts.irqaffinity = claim()
        }
      }
      return
    case 'tuned':
      for (const l of lines(text)) {
        const m = /^(\w+)\s*=\s*(.*)$/.exec(l.text)
        if (m === null) continue
        if (m[1] === 'isolated_cores') facts.tunedIsolated = {cpus: cpus(m[2], file, l.line, m[1]), src: {file, line: l.line}}
        if (m[1] === 'no_balance_cores') facts.tunedNoBalance = {cpus: cpus(m[2], file, l.line, m[1]), src: {file, line: l.line}}
      }
      return
    case 'cgroup': {
      const claim = {cpus: cpus(text, file, 1, 'cpuset.cpus'), src: {file, line: 1}}
      facts.cgroups.push({...claim, ...cgroupKind(cgroupPath)})
      return
    }
    case 'ovs':
      for (const l of lines(text)) {
        if (!/\bovs-vsctl\b/.test(l.text)) continue
        const mask = /other_config:pmd-cpu-mask=["']?(?:0x)?([0-9a-fA-F]+)["']?/.exec(l.text)
        if (mask !== null) facts.pmdMask = {cpus: maskCpus(mask[1]), src: {file, line: l.line}}
        const rxq = /\bset\s+Interface\s+(\S+)\s+.*other_config:pmd-rxq-affinity=["']?([^"'\s]*)["']?/.exec(l.text)
        if (rxq !== null) {
          for (const pair of rxq[2].split(',').filter((p) => p !== '')) {
            const m = /^(\d+):(\d+)$/.exec(pair.trim())
            if (m === null) throw new InputError({code: 'value', expected: hostconfigText.rxqPair, found: JSON.stringify(pair), path: ['pmd-rxq-affinity'], file, line: l.line})
            facts.rxq.push({port: rxq[1], queue: Number(m[1]), cpus: [Number(m[2])], src: {file, line: l.line}})
          }
        }
      }
      return
    case 'nova': {
      let section = ''
      for (const l of lines(text)) {
        const sec = /^\[([^\]]+)\]$/.exec(l.text)
        if (sec !== null) {
          section = sec[1]
          continue
        }
        const m = /^(\w+)\s*=\s*(.*)$/.exec(l.text)
        if (m === null || section !== 'compute') continue
        if (m[1] === 'cpu_dedicated_set') facts.novaDedicated = {cpus: cpus(m[2], file, l.line, m[1]), src: {file, line: l.line}}
        if (m[1] === 'cpu_shared_set') facts.novaShared = {cpus: cpus(m[2], file, l.line, m[1]), src: {file, line: l.line}}
      }
      return
    }
    case 'kubelet': {
      const doc = parseDocument(text)
      if (doc.errors.length > 0) {
        const e = doc.errors[0]
        throw new InputError({code: 'syntax', expected: 'valid YAML', found: `a syntax error: ${e.message.split('\n')[0]}`, file, line: e.linePos?.[0].line})
      }
      const value = doc.get('reservedSystemCPUs')
      if (value === undefined) return
      const line = text.split('\n').findIndex((t) => /^\s*reservedSystemCPUs\s*:/.test(t)) + 1
      facts.kubeletReserved = {cpus: cpus(String(value), file, line, 'reservedSystemCPUs'), src: {file, line}}
      return
    }
    case 'libvirt': {
      const d = parseDomain(text, file)
      const src = {file, line: d.cputuneLine}
      facts.domains.push({
        name: d.name,
        vcpus: {cpus: [...new Set(d.vcpuPins.flatMap((p) => p ?? []))], src},
        ...(d.emulatorPin === undefined ? {} : {emulator: {cpus: d.emulatorPin, src}}),
        iothreads: [...d.iothreadPins.values()].map((c) => ({cpus: c, src})),
      })
      return
    }
  }
}

/** pmd-cpu-mask: a hexadecimal mask, bit N = CPU N. */
function maskCpus(hex: string): number[] {
  const mask = BigInt(`0x${hex}`)
  const out: number[] = []
  for (let c = 0; mask >> BigInt(c) > 0n; c++) if ((mask >> BigInt(c)) & 1n) out.push(c)
  return out
}

/**
 * What a cgroup is, from its path: a VM scope under machine.slice (Sidecore's
 * `machine-NAME.scope`, or libvirt's `machine-qemu\x2dID\x2dNAME.scope`), the
 * machine slice, Sidecore's I/O slice, the system slice.
 */
function cgroupKind(path: string): Pick<CgroupClaim, 'path' | 'kind' | 'vm'> {
  const parts = path.split('/').filter((p) => p !== '')
  const at = parts.findIndex((p) => p === 'machine.slice' || p === 'system.slice' || p === 'sidecore-io.slice')
  const rel = at < 0 ? parts : parts.slice(at)
  const clean = rel.join('/')
  if (rel[0] === 'machine.slice' && rel.length === 1) return {path: clean, kind: 'machine'}
  if (rel[0] === 'machine.slice' && rel.length >= 2 && rel[1].endsWith('.scope')) {
    const scope = rel[1].replace(/\\x2d/g, '-').replace(/^machine-/, '').replace(/\.scope$/, '').replace(/^qemu-\d+-/, '')
    return {path: clean, kind: 'vm', vm: scope}
  }
  if (rel[0] === 'sidecore-io.slice') return {path: clean, kind: 'io'}
  if (rel[0] === 'system.slice' && rel.length === 1) return {path: clean, kind: 'system'}
  return {path: clean, kind: 'other'}
}
