/**
 * Layouts: building one from an architecture policy, and checking a layout (hand-written
 * or searched) against the host, the VMs and the rules before it is evaluated.
 */
import {inCpuset} from './arch/common.js'
import {architecture} from './arch/index.js'
import {PolicyError} from './errors.js'
import type {ArchitecturePolicy, CpuRole, Device, Host, InterruptMode, Layout, Platform, Vm, VmPlacement, VmType} from './types.js'

/** CPUs of the host ordered for handing out, per node. */
function cpusByNode(host: Host): Map<number, {id: number; core: number; thread: number}[]> {
  const map = new Map<number, {id: number; core: number; thread: number}[]>()
  for (const node of host.nodes) map.set(node.id, [])
  for (const c of host.cpus) map.get(c.node)?.push({id: c.id, core: c.core, thread: c.thread})
  // First threads of every core before any second thread: VMs get whole cores while they last.
  for (const list of map.values()) list.sort((a, b) => a.thread - b.thread || a.core - b.core)
  return map
}

/** The best interrupt delivery a platform has: posted, else PV EOI, else exits. */
export function bestInterrupt(platform: Platform): InterruptMode {
  return platform.postedInterrupts ? 'posted' : platform.pvEoi ? 'pv-eoi' : 'exit'
}

/**
 * The CPUs a floating worker of each VM may run on: the VM's own CPUs (`float_on: vm-cpus`)
 * or the CPUs of its node whose role is `vm` or `idle` (`float_on: node`). It runs in its
 * VM's cgroup, so only those its cpuset allows (the vCPUs' own CPUs always are).
 */
export function floatingCpus(host: Host, vms: Vm[], roles: Record<number, CpuRole>, floatOn: ArchitecturePolicy['floatOn']):
(p: VmPlacement) => number[] {
  const byId = new Map(vms.map(vm => [vm.id, vm]))
  return p => (floatOn === 'node'
    ? inCpuset(byId.get(p.vm)!, host.cpus.filter(c => c.node === p.node && (roles[c.id] === 'vm' || roles[c.id] === 'idle')).map(c => c.id))
    : [...new Set(p.vcpuPins)])
}

/** Choices a search makes beyond the policy. */
export interface LayoutChoices {
  /** NUMA node of each VM, in VM order; absent = the node with the most free CPUs. */
  nodes?: number[]
}

/**
 * Build the layout a policy describes: housekeeping CPUs as the host reserves them,
 * `ioCoresPerNode` whole cores per node (the highest-numbered) for I/O, VMs placed on the
 * node with the most free CPUs (ties: lowest node) and pinned one vCPU per CPU, then the
 * architecture's workers. Throws when the VMs do not fit.
 */
export function buildLayout(host: Host, vms: Vm[], policy: ArchitecturePolicy, choices: LayoutChoices = {}): Layout {
  const roles: Record<number, CpuRole> = {}
  for (const c of host.cpus) roles[c.id] = 'idle'
  for (const id of host.housekeeping) roles[id] = 'housekeeping'

  const needsIo = [policy.net, policy.block].some(id => architecture(id).usesIoCores)
  if (policy.notification.kind === 'poll' && policy.ioCoresPerNode === 0) {
    throw new PolicyError('polling workers need dedicated I/O cores, but io_cores_per_node is 0')
  }

  const ioCpus = new Map<number, number[]>()
  const free = new Map<number, number[]>()
  for (const [node, list] of cpusByNode(host)) {
    const available = list.filter(c => roles[c.id] === 'idle')
    const cores = [...new Set(available.map(c => c.core))]
    const ioCores = new Set(cores.slice(cores.length - Math.min(cores.length, policy.ioCoresPerNode)))
    const io = available.filter(c => ioCores.has(c.core)).map(c => c.id)
    for (const id of io) roles[id] = 'io'
    ioCpus.set(node, io)
    free.set(node, available.filter(c => !ioCores.has(c.core)).map(c => c.id))
  }

  if (needsIo && [...ioCpus.values()].every(l => l.length === 0)) {
    // Either none were asked for, or housekeeping left no CPU to make one of.
    throw new PolicyError(policy.ioCoresPerNode === 0
      ? `the policy's architecture needs I/O cores, but io_cores_per_node is ${policy.ioCoresPerNode}`
      : `the policy's architecture needs I/O cores, but no CPU is left for them: housekeeping takes ${host.housekeeping.length} of the host's ${host.cpus.length} CPUs`)
  }

  const placements: VmPlacement[] = []
  for (const vm of vms) {
    const allowed = vm.type.cgroup.cpuset ? new Set(vm.type.cgroup.cpuset) : undefined
    let best: number | undefined
    let bestFree = -1
    const forced = choices.nodes?.[placements.length]
    for (const [node, list] of free) {
      if (forced !== undefined && node !== forced) continue
      const n = allowed ? list.filter(c => allowed.has(c)).length : list.length
      if (n >= vm.type.vcpus && n > bestFree) {
        best = node
        bestFree = n
      }
    }

    if (best === undefined) {
      throw new PolicyError(forced === undefined
        ? `VM ${vm.id} needs ${vm.type.vcpus} free CPU${vm.type.vcpus === 1 ? '' : 's'} on one NUMA node; no node has them`
        : `VM ${vm.id} needs ${vm.type.vcpus} free CPUs on node ${forced}; it does not have them`)
    }

    const list = free.get(best)!
    const pins = (allowed ? list.filter(c => allowed.has(c)) : list).slice(0, vm.type.vcpus)
    free.set(best, list.filter(c => !pins.includes(c)))
    for (const c of pins) roles[c] = 'vm'
    placements.push({vm: vm.id, node: best, vcpuPins: pins})
  }

  const devicesOf = (kinds: Device['kind'][]) => vms.flatMap(vm => vm.type.devices
    .filter(d => kinds.includes(d.kind)).map(device => ({vm, device})))
  const context = {host, vms, placements, policy, ioCpus, floatCpus: floatingCpus(host, vms, roles, policy.floatOn)}
  // One architecture for both kinds lays out all devices together (a shared worker may
  // serve both). Otherwise the notification policy is the net workers'; block workers of
  // another architecture keep their own default, so they never poll a net sidecore's CPU.
  const block = architecture(policy.block)
  let workers
  if (policy.net === policy.block) {
    workers = architecture(policy.net).buildWorkers({...context, devices: devicesOf(['net', 'block'])})
  } else {
    const net = architecture(policy.net).buildWorkers({...context, devices: devicesOf(['net'])})
    // Polling net workers own their CPUs: block workers get the other I/O CPUs.
    const polled = new Set(net.filter(w => w.notification.kind === 'poll').flatMap(w => w.cpus))
    const rest = new Map([...ioCpus].map(([node, list]) => [node, list.filter(c => !polled.has(c))]))
    const blockDevices = devicesOf(['block'])
    if (block.usesIoCores && blockDevices.length > 0 && [...rest.values()].every(l => l.length === 0)) {
      throw new PolicyError(`${policy.block} needs I/O cores of its own: the polling ${policy.net} workers take all of them`)
    }

    workers = [
      ...net,
      ...block.buildWorkers({
        ...context,
        ioCpus: rest,
        policy: {...policy, notification: policy.notification.kind === 'poll' ? block.defaultNotification : policy.notification},
        devices: blockDevices,
      }),
    ]
  }

  // Worker ids must be unique across both builders.
  const seen = new Set<string>()
  for (const w of workers) {
    let id = w.id
    for (let k = 1; seen.has(id); k++) id = `${w.id}.${k}`
    w.id = id
    seen.add(id)
  }

  return {host: host.model, roles, vms: placements, workers, interrupt: policy.interrupt, sharing: policy.sharing,
    vcpuOvercommit: 1}
}

/**
 * Everything wrong with a layout, as messages naming the part at fault; empty when the
 * layout is sound. Checks: every VM placed once with one CPU per vCPU, CPU roles, every
 * device served by exactly one worker of an architecture that handles its kind, pinned
 * workers on `io` CPUs and floating ones on `vm` CPUs, polling workers pinned, the sharing
 * policy, cgroup cpusets, and the platform's interrupt features.
 */
/**
 * What keeps a VM type off a host model, or nothing: a device whose NIC or block device the
 * host lacks (the one it names, or any of its kind when it names none), or cgroup cpuset
 * CPUs the host does not have. A scheduler's host filter does the same before counting CPUs.
 */
export function missingOnHost(host: Host, type: VmType): string | undefined {
  for (const d of type.devices) {
    const ids = d.kind === 'net' ? host.nics.map(n => n.id) : host.blockDevices.map(b => b.id)
    const what = d.kind === 'net' ? 'NIC' : 'block device'
    if (d.backing === undefined ? ids.length === 0 : !ids.includes(d.backing)) {
      return `${type.name}/${d.id} needs ${d.backing === undefined ? `a ${what}` : `${what} ${d.backing}`}, which host ${host.model} lacks`
    }
  }

  const cpuIds = new Set(host.cpus.map(c => c.id))
  const outside = (type.cgroup.cpuset ?? []).filter(c => !cpuIds.has(c))
  if (outside.length > 0) return `${type.name}'s cgroup cpuset names CPU ${outside[0]}, which host ${host.model} lacks`
  return undefined
}

export function checkLayout(host: Host, vms: Vm[], layout: Layout): string[] {
  const problems: string[] = []
  const cpuIds = new Set(host.cpus.map(c => c.id))
  const role = (id: number) => layout.roles[id] ?? 'idle'
  for (const key of Object.keys(layout.roles)) {
    if (!cpuIds.has(Number(key))) problems.push(`roles: CPU ${key} does not exist on host ${host.model}`)
  }

  for (const id of host.housekeeping) {
    if (role(id) !== 'housekeeping') problems.push(`roles: CPU ${id} is reserved for housekeeping but has role ${role(id)}`)
  }

  const vmById = new Map(vms.map(v => [v.id, v]))
  const placed = new Map<string, VmPlacement>()
  const missingByType = new Map<VmType, string | undefined>()
  const pinCount = new Map<number, number>()
  layout.vms.forEach((p, i) => {
    const vm = vmById.get(p.vm)
    if (!vm) {
      problems.push(`vms[${i}]: no VM named ${p.vm}`)
      return
    }

    if (placed.has(p.vm)) problems.push(`vms[${i}]: VM ${p.vm} is placed twice`)
    placed.set(p.vm, p)
    // VMs of one type share the answer: checked once per type (the search calls this per candidate).
    if (!missingByType.has(vm.type)) missingByType.set(vm.type, missingOnHost(host, vm.type))
    const missing = missingByType.get(vm.type)
    if (missing) problems.push(`vms[${i}]: ${missing}`)
    if (!host.nodes.some(n => n.id === p.node)) problems.push(`vms[${i}]: node ${p.node} does not exist`)
    if (p.vcpuPins.length !== vm.type.vcpus) {
      problems.push(`vms[${i}]: ${p.vm} has ${vm.type.vcpus} vCPUs but ${p.vcpuPins.length} pins`)
    }

    const cpuset = vm.type.cgroup.cpuset ? new Set(vm.type.cgroup.cpuset) : undefined
    for (const c of p.vcpuPins) {
      if (!cpuIds.has(c)) {
        problems.push(`vms[${i}]: ${p.vm} is pinned to CPU ${c}, which does not exist`)
        continue
      }

      if (role(c) !== 'vm') problems.push(`vms[${i}]: ${p.vm} is pinned to CPU ${c}, whose role is ${role(c)}, not vm`)
      if (cpuset && !cpuset.has(c)) problems.push(`vms[${i}]: ${p.vm} is pinned to CPU ${c}, outside its cgroup cpuset`)
      pinCount.set(c, (pinCount.get(c) ?? 0) + 1)
    }
  })
  for (const vm of vms) if (!placed.has(vm.id)) problems.push(`vms: VM ${vm.id} has no placement`)
  for (const [c, n] of pinCount) {
    if (n > layout.vcpuOvercommit) {
      problems.push(`CPU ${c} runs ${n} vCPUs, more than the declared overcommit of ${layout.vcpuOvercommit}`)
    }
  }

  const served = new Map<string, string>()
  const devices = new Map<string, {vm: Vm; device: Device}>()
  for (const vm of vms) for (const d of vm.type.devices) devices.set(`${vm.id}/${d.id}`, {vm, device: d})
  const ids = new Set<string>()
  layout.workers.forEach((w, i) => {
    const at = `workers[${i}] (${w.id})`
    if (ids.has(w.id)) problems.push(`${at}: worker id is used twice`)
    ids.add(w.id)
    if (w.cpus.length === 0) problems.push(`${at}: has no CPU`)
    if (!w.floating && w.cpus.length !== 1) problems.push(`${at}: a pinned worker runs on exactly one CPU`)
    if (w.notification.kind === 'poll' && w.floating) problems.push(`${at}: a polling worker must be pinned to its own CPU`)
    for (const c of w.cpus) {
      if (!cpuIds.has(c)) problems.push(`${at}: CPU ${c} does not exist`)
      else if (w.floating && role(c) !== 'vm' && role(c) !== 'idle') {
        problems.push(`${at}: floats on CPU ${c}, whose role is ${role(c)}; floating workers use vm or idle CPUs`)
      }
      else if (!w.floating && role(c) !== 'io' && role(c) !== 'vm') {
        problems.push(`${at}: is pinned to CPU ${c}, whose role is ${role(c)}`)
      }
    }

    let arch
    try {
      arch = architecture(w.architecture)
    } catch {
      problems.push(`${at}: unknown architecture ${w.architecture}`)
    }

    const owners: Vm[] = []
    for (const ref of w.devices) {
      const found = devices.get(ref)
      if (!found) {
        problems.push(`${at}: serves ${ref}, which is not a device of any VM`)
        continue
      }

      if (served.has(ref)) problems.push(`${at}: serves ${ref}, already served by ${served.get(ref)}`)
      served.set(ref, w.id)
      if (arch && !arch.kinds.includes(found.device.kind)) {
        problems.push(`${at}: ${w.architecture} does not serve ${found.device.kind} devices (${ref})`)
      }

      owners.push(found.vm)
    }

    // Once per VM whose devices the worker serves: its CPUs must lie in that VM's cpuset.
    for (const vm of new Set(owners)) {
      const cpuset = vm.type.cgroup.cpuset
      const outside = cpuset ? w.cpus.filter(c => !cpuset.includes(c)) : []
      if (outside.length > 0) problems.push(`${at}: runs on CPU ${outside.join(', ')}, outside the cpuset of ${vm.id}'s cgroup`)
    }

    const refs = w.devices.filter(r => devices.has(r))
    if (refs.length > 1) {
      const breaks = layout.sharing === 'none'
        || (layout.sharing === 'same-vm' && new Set(owners.map(v => v.id)).size > 1)
        || (layout.sharing === 'same-cgroup' && new Set(owners.map(v => v.type.cgroup.path)).size > 1)
      if (breaks) problems.push(`${at}: serves devices of ${[...new Set(owners.map(v => v.id))].join(', ')}, which sharing policy ${layout.sharing} forbids`)
    }
  })
  for (const ref of devices.keys()) if (!served.has(ref)) problems.push(`device ${ref} is served by no worker`)

  // A polling worker owns its CPU.
  const onCpu = new Map<number, string[]>()
  for (const w of layout.workers) for (const c of w.cpus) onCpu.set(c, [...(onCpu.get(c) ?? []), w.id])
  for (const w of layout.workers) {
    if (w.notification.kind !== 'poll') continue
    const others = (onCpu.get(w.cpus[0]) ?? []).filter(id => id !== w.id)
    if (others.length > 0) problems.push(`worker ${w.id} polls CPU ${w.cpus[0]}, which also runs ${others.join(', ')}`)
  }

  if (layout.interrupt === 'posted' && !host.platform.postedInterrupts) {
    problems.push(`interrupt: posted interrupts need a host with posted_interrupts; ${host.model} has none`)
  }

  if (layout.interrupt === 'pv-eoi' && !host.platform.pvEoi) {
    problems.push(`interrupt: pv-eoi needs a host with pv_eoi; ${host.model} has none`)
  }

  return problems
}
