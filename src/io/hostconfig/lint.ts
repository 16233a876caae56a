/**
 * Overlaps and contradictions between host settings. Each check compares the
 * CPUs two settings claim and reports the CPUs in conflict with both sources.
 * Pure: facts in, problems out, in a stable order.
 */
import type {Claim, HostFacts, Source} from './parse.js'
import {type ProblemCode, claimName, problemText, problemTitle} from './messages.js'

export interface Problem {
  code: ProblemCode
  title: string
  message: string
  cpus: number[]
  sources: Source[]
}

interface Named extends Claim {
  name: string
}

const named = (name: string, c: Claim | undefined): Named[] => (c === undefined ? [] : [{...c, name}])

function inter(a: readonly number[], b: readonly number[]): number[] {
  const set = new Set(b)
  return [...new Set(a)].filter((c) => set.has(c)).sort((x, y) => x - y)
}

function minus(a: readonly number[], b: readonly number[]): number[] {
  const set = new Set(b)
  return [...new Set(a)].filter((c) => !set.has(c)).sort((x, y) => x - y)
}

export function lintHost(f: HostFacts): Problem[] {
  const problems: Problem[] = []
  const report = (code: ProblemCode, message: string, cpus: number[], ...sources: Source[]) =>
    problems.push({code, title: problemTitle[code], message, cpus, sources})
  const overlap = (code: ProblemCode, as: Named[], bs: Named[]) => {
    for (const a of as) {
      for (const b of bs) {
        const both = inter(a.cpus, b.cpus)
        if (both.length > 0) report(code, problemText.overlap(both, a.name, b.name), both, a.src, b.src)
      }
    }
  }
  const outside = (code: ProblemCode, as: Named[], bs: Named[]) => {
    for (const a of as) {
      for (const b of bs) {
        const out = minus(a.cpus, b.cpus)
        if (out.length > 0) report(code, problemText.outside(out, a.name, b.name), out, a.src, b.src)
      }
    }
  }

  const vcpus = f.domains.map((d) => ({...d.vcpus, name: claimName.vcpus(d.name)}))
  const vmCgroups = f.cgroups.filter((c) => c.kind === 'vm').map((c) => ({...c, name: claimName.vmCgroup(c.path)}))
  const ioCgroups = f.cgroups.filter((c) => c.kind === 'io').map((c) => ({...c, name: claimName.ioCgroup(c.path)}))
  const systemCgroups = f.cgroups.filter((c) => c.kind === 'system').map((c) => ({...c, name: claimName.systemCgroup(c.path)}))
  const pmd = named(claimName.pmdMask, f.pmdMask)
  const rxq = f.rxq.map((r) => ({...r, name: claimName.rxq(r.port, r.queue)}))
  const dedicated = named(claimName.novaDedicated, f.novaDedicated)
  const shared = named(claimName.novaShared, f.novaShared)
  const isolated = [...named(claimName.isolcpus, f.isolcpus), ...named(claimName.tunedIsolated, f.tunedIsolated)]

  // I/O cores (PMD threads, pinned workers' cgroups, pinned rxqs) that VMs also use.
  // The I/O slice stands for the worker scopes below it when both are given.
  const ioTop = ioCgroups.filter((c) => !c.path.includes('/'))
  const io = [...pmd, ...(ioTop.length > 0 ? ioTop : ioCgroups), ...rxq]
  overlap('io-in-vm', io, [...vcpus, ...vmCgroups, ...dedicated])

  // PMD cores must be isolated from the scheduler and the tick.
  outside('pmd-not-isolated', pmd, isolated)

  // CPUs kept for the host (kubelet, Nova's shared set, system.slice) handed to a VM.
  overlap('reserved-in-vm', [...named(claimName.kubeletReserved, f.kubeletReserved), ...shared, ...systemCgroups], [...vcpus, ...vmCgroups])

  // Settings that should isolate the same CPUs.
  const pairs: [Named[], Named[]][] = [
    [named(claimName.isolcpus, f.isolcpus), named(claimName.tunedIsolated, f.tunedIsolated)],
    [named(claimName.isolcpus, f.isolcpus), named(claimName.nohzFull, f.nohzFull)],
  ]
  for (const [[a], [b]] of pairs.filter(([x, y]) => x.length > 0 && y.length > 0)) {
    const onlyA = minus(a.cpus, b.cpus)
    const onlyB = minus(b.cpus, a.cpus)
    if (onlyA.length + onlyB.length > 0) report('isolation-mismatch', problemText.differ(a.name, b.name, onlyA, onlyB), [...onlyA, ...onlyB].sort((x, y) => x - y), a.src, b.src)
  }

  overlap('irq-on-isolated', named(claimName.irqaffinity, f.irqaffinity), isolated)
  overlap('nova-overlap', dedicated, shared)
  outside('vcpu-outside-dedicated', vcpus, dedicated)

  // Two domains on one CPU.
  for (let i = 0; i < vcpus.length; i++) overlap('vcpu-shared', [vcpus[i]], vcpus.slice(i + 1))

  outside('rxq-outside-pmd', rxq, pmd)

  // A domain's vCPUs inside its own scope's cpuset.
  for (const d of f.domains) {
    const scope = vmCgroups.find((c) => c.vm === d.name)
    if (scope !== undefined) outside('vcpu-outside-cgroup', [{...d.vcpus, name: claimName.vcpus(d.name)}], [scope])
  }

  // cgroup v2: a child's cpuset.cpus must be a subset of its parent's.
  for (const c of f.cgroups) {
    const parentPath = c.path.split('/').slice(0, -1).join('/')
    const parent = f.cgroups.find((p) => p.path === parentPath)
    if (parent !== undefined) outside('cgroup-outside-parent', [{...c, name: claimName.systemCgroup(c.path)}], [{...parent, name: claimName.parentCgroup(parent.path)}])
  }
  return problems
}
