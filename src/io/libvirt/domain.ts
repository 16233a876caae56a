/**
 * libvirt domain XML (`virsh dumpxml`, https://libvirt.org/formatdomain.html)
 * -> what Sidecore models of a VM: vCPUs, memory, vCPU / emulator / iothread
 * pinning, the NUMA node of its memory, virtio interfaces (one device per
 * queue pair) and virtio disks with their iothreads. Pure: text in, data out.
 *
 * Elements Sidecore does not use are ignored with a warning, except the ones
 * that never bear on CPU placement (UUID, OS, clock, controllers, ...), which
 * are ignored quietly. Wrong values in the elements it uses are errors naming
 * the file, line, element and attribute.
 */
import {InputError} from '../errors.js'
import {parseCpuset} from '../cpuset.js'
import {domainText, domainWarning} from './messages.js'
import {SIDECORE_NS, type SidecoreMetadata, readMetadata} from './metadata.js'
import {type Element, all, first, parseXml} from './xml.js'

export interface Warning {
  file: string
  line: number
  element: string
  message: string
}

export interface DomainNet {
  /** Device id: the user alias without `ua-`, else `netN`; `-qK` per queue pair beyond one. */
  ids: string[]
  /** `vhost` (in-kernel vhost-net, libvirt's default), `qemu` (userspace) or `vhostuser`. */
  backend: 'vhost' | 'qemu' | 'vhostuser'
  queues: number
  line: number
}

export interface DomainDisk {
  /** One device id per queue: the alias without `ua-`, else the target name (`vda`); `-qK` per queue beyond one. */
  ids: string[]
  /** The iothread serving each queue, when the disk names one. */
  iothreads: (number | undefined)[]
  line: number
}

export interface Domain {
  file: string
  name: string
  vcpus: number
  memoryBytes: number
  /** CPU set of each vCPU from <vcpupin>; undefined when the vCPU has none. */
  vcpuPins: (number[] | undefined)[]
  emulatorPin?: number[]
  iothreadIds: number[]
  iothreadPins: Map<number, number[]>
  /** Line of <cputune>, when there is one. */
  cputuneLine?: number
  /** <numatune><memory nodeset>: the host nodes of the guest memory. */
  memoryNodes?: number[]
  nets: DomainNet[]
  disks: DomainDisk[]
  metadata?: SidecoreMetadata
  warnings: Warning[]
}

/** Elements that never bear on CPU placement or I/O, ignored without a warning. */
const QUIET = new Set([
  'uuid', 'genid', 'title', 'description', 'currentMemory', 'maxMemory', 'os', 'features', 'cpu', 'clock', 'on_poweroff', 'on_reboot',
  'on_crash', 'on_lockfailure', 'pm', 'idmap', 'sysinfo', 'bootloader', 'bootloader_args', 'seclabel', 'keywrap', 'launchSecurity',
  'resource', 'memoryBacking', 'memtune', 'blkiotune', 'perf', 'throttlegroups',
])
const QUIET_DEVICES = new Set([
  'emulator', 'controller', 'input', 'audio', 'memballoon', 'serial', 'console', 'channel', 'graphics', 'video', 'sound', 'rng', 'watchdog',
  'tpm', 'panic', 'parallel', 'smartcard', 'redirdev', 'redirfilter', 'hub', 'nvram', 'iommu', 'vsock', 'crypto', 'pstore', 'shmem', 'memory',
  'filesystem', 'lease', 'hostdev',
])
const USED = new Set(['name', 'memory', 'vcpu', 'vcpus', 'iothreads', 'iothreadids', 'defaultiothread', 'cputune', 'numatune', 'devices', 'metadata'])

/** libvirt's size units (formatdomain.html#memory-allocation), in bytes. */
const UNITS: Record<string, number> = {
  b: 1, bytes: 1, kb: 1e3, k: 1024, kib: 1024, mb: 1e6, m: 1024 ** 2, mib: 1024 ** 2, gb: 1e9, g: 1024 ** 3, gib: 1024 ** 3,
  tb: 1e12, t: 1024 ** 4, tib: 1024 ** 4,
}

class Reader {
  readonly warnings: Warning[] = []
  constructor(readonly file: string) {}

  error(el: Element, attr: string | undefined, expected: string, found: string): never {
    throw new InputError({code: 'value', expected, found, file: this.file, line: el.line, path: attr === undefined ? el.segments : [...el.segments, attr]})
  }

  warn(el: Element, message: string): void {
    this.warnings.push({file: this.file, line: el.line, element: el.path, message})
  }

  required(parent: Element, name: string): Element {
    const el = first(parent, name)
    if (el === undefined) {
      throw new InputError({code: 'schema', expected: domainText.element(name), found: domainText.missing, file: this.file, line: parent.line, path: parent.segments})
    }
    return el
  }

  attr(el: Element, name: string): string {
    const v = el.attrs[name]
    if (v === undefined) this.error(el, name, domainText.attribute(name), domainText.missing)
    return v
  }

  int(el: Element, attr: string | undefined, text: string, min: number): number {
    const t = text.trim()
    if (!/^\d+$/.test(t) || Number(t) < min) this.error(el, attr, min >= 1 ? domainText.count : domainText.index, domainText.value(text))
    return Number(t)
  }

  cpuset(el: Element, attr: string): number[] {
    const text = this.attr(el, attr)
    try {
      return parseCpuset(libvirtCpuset(text))
    } catch (error) {
      if (error instanceof InputError) this.error(el, attr, error.expected, error.found)
      throw error
    }
  }
}

/**
 * libvirt cpusets may exclude CPUs with `^` ("0-7,^3"); Linux lists may not.
 * Expand the exclusions into a plain list.
 */
export function libvirtCpuset(text: string): string {
  if (!text.includes('^')) return text
  const include: string[] = []
  const exclude = new Set<number>()
  for (const part of text.split(',')) {
    const p = part.trim()
    if (p.startsWith('^')) for (const c of parseCpuset(p.slice(1))) exclude.add(c)
    else include.push(p)
  }
  return parseCpuset(include.join(',')).filter((c) => !exclude.has(c)).join(',')
}

/** Parse one domain document. */
export function parseDomain(text: string, file: string): Domain {
  const root = parseXml(text, file, 'domain')
  const r = new Reader(file)
  for (const [name, els] of root.children) {
    if (!USED.has(name) && !QUIET.has(name)) for (const el of els) r.warn(el, domainWarning.ignored(name))
  }

  const nameEl = r.required(root, 'name')
  const name = nameEl.text.trim()
  if (name === '') r.error(nameEl, undefined, domainText.name, domainText.missing)

  const memEl = r.required(root, 'memory')
  const memoryBytes = size(r, memEl)

  const vcpuEl = r.required(root, 'vcpu')
  const vcpus = r.int(vcpuEl, undefined, vcpuEl.text, 1)

  // iothreads: <iothreads>N</iothreads> numbers them 1..N unless <iothreadids> names them.
  const iothreadIds: number[] = []
  const idsEl = first(root, 'iothreadids')
  if (idsEl !== undefined) for (const t of all(idsEl, 'iothread')) iothreadIds.push(r.int(t, 'id', r.attr(t, 'id'), 1))
  const countEl = first(root, 'iothreads')
  if (countEl !== undefined) {
    const n = r.int(countEl, undefined, countEl.text, 0)
    for (let id = 1; iothreadIds.length < n; id++) if (!iothreadIds.includes(id)) iothreadIds.push(id)
  }
  iothreadIds.sort((a, b) => a - b)

  // <cputune>
  const vcpuPins: (number[] | undefined)[] = Array.from({length: vcpus}, () => undefined)
  let emulatorPin: number[] | undefined
  const iothreadPins = new Map<number, number[]>()
  const tune = first(root, 'cputune')
  if (tune !== undefined) {
    for (const [child, els] of tune.children) {
      for (const el of els) {
        if (child === 'vcpupin') {
          const v = r.int(el, 'vcpu', r.attr(el, 'vcpu'), 0)
          if (v >= vcpus) r.error(el, 'vcpu', domainText.vcpuIndex(vcpus), domainText.value(el.attrs.vcpu))
          if (vcpuPins[v] !== undefined) r.error(el, 'vcpu', domainText.oncePerVcpu, domainText.value(el.attrs.vcpu))
          vcpuPins[v] = r.cpuset(el, 'cpuset')
        } else if (child === 'emulatorpin') {
          emulatorPin = r.cpuset(el, 'cpuset')
        } else if (child === 'iothreadpin') {
          const id = r.int(el, 'iothread', r.attr(el, 'iothread'), 1)
          if (!iothreadIds.includes(id)) r.error(el, 'iothread', domainText.iothreadId(iothreadIds), domainText.value(el.attrs.iothread))
          iothreadPins.set(id, r.cpuset(el, 'cpuset'))
        } else {
          r.warn(el, domainWarning.ignored(child))
        }
      }
    }
  }

  // <numatune>
  let memoryNodes: number[] | undefined
  const numa = first(root, 'numatune')
  if (numa !== undefined) {
    for (const [child, els] of numa.children) {
      for (const el of els) {
        if (child === 'memory') {
          if (el.attrs.nodeset !== undefined) memoryNodes = r.cpuset(el, 'nodeset')
        } else if (child === 'memnode') {
          // Guest cell -> host nodes; a VM whose every cell sits on one node is on that node.
          const nodes = r.cpuset(el, 'nodeset')
          memoryNodes = [...new Set([...(memoryNodes ?? []), ...nodes])].sort((a, b) => a - b)
        } else {
          r.warn(el, domainWarning.ignored(child))
        }
      }
    }
  }

  // <devices>
  const nets: DomainNet[] = []
  const disks: DomainDisk[] = []
  const devices = first(root, 'devices')
  if (devices !== undefined) {
    for (const [child, els] of devices.children) {
      for (const el of els) {
        if (child === 'interface') readInterface(r, el, nets)
        else if (child === 'disk') readDisk(r, el, disks, iothreadIds)
        else if (!QUIET_DEVICES.has(child)) r.warn(el, domainWarning.ignored(child))
      }
    }
  }

  let metadata: SidecoreMetadata | undefined
  const meta = first(root, 'metadata')
  if (meta !== undefined) {
    for (const [child, els] of meta.children) {
      for (const el of els) {
        const prefix = child.includes(':') ? child.slice(0, child.indexOf(':')) : ''
        const ns = el.attrs[prefix === '' ? 'xmlns' : `xmlns:${prefix}`]
        if (ns === SIDECORE_NS && child.endsWith('vm')) metadata = readMetadata(el, prefix, file)
      }
    }
  }

  return {file, name, vcpus, memoryBytes, vcpuPins, emulatorPin, iothreadIds, iothreadPins, cputuneLine: tune?.line, memoryNodes, nets, disks, metadata, warnings: r.warnings}
}

function size(r: Reader, el: Element): number {
  const unit = (el.attrs.unit ?? 'KiB').toLowerCase()
  const factor = UNITS[unit]
  if (factor === undefined) r.error(el, 'unit', domainText.size, domainText.value(el.attrs.unit ?? ''))
  return r.int(el, undefined, el.text, 1) * factor
}

/** Device id from `<alias name='ua-ID'/>` (libvirt's user aliases), else the fallback. */
function aliasId(el: Element, fallback: string): string {
  const alias = first(el, 'alias')?.attrs.name
  return alias !== undefined && alias.startsWith('ua-') && alias.length > 3 ? alias.slice(3) : fallback
}

function perQueue(id: string, queues: number): string[] {
  return queues === 1 ? [id] : Array.from({length: queues}, (_, q) => `${id}-q${q}`)
}

function readInterface(r: Reader, el: Element, nets: DomainNet[]): void {
  const model = first(el, 'model')?.attrs.type
  const type = el.attrs.type ?? ''
  if (model !== 'virtio' && !(model === undefined && type === 'vhostuser')) {
    r.warn(el, domainWarning.notParavirtual('interface', `type ${JSON.stringify(type)} model ${JSON.stringify(model ?? 'default')}`))
    return
  }
  const driver = first(el, 'driver')
  const queues = driver?.attrs.queues === undefined ? 1 : r.int(driver, 'queues', driver.attrs.queues, 1)
  const id = aliasId(el, `net${nets.length}`)
  const backend = type === 'vhostuser' ? 'vhostuser' : driver?.attrs.name === 'qemu' ? 'qemu' : 'vhost'
  if (backend === 'vhostuser') r.warn(el, domainWarning.vhostUser(id))
  nets.push({ids: perQueue(id, queues), backend, queues, line: el.line})
}

function readDisk(r: Reader, el: Element, disks: DomainDisk[], iothreadIds: number[]): void {
  const target = first(el, 'target')
  const device = el.attrs.device ?? 'disk'
  if (target?.attrs.bus !== 'virtio' || (device !== 'disk' && device !== 'lun')) {
    r.warn(el, domainWarning.notParavirtual('disk', `${device} on bus ${JSON.stringify(target?.attrs.bus ?? 'default')}`))
    return
  }
  const driver = first(el, 'driver')
  const checkThread = (at: Element, attr: string): number => {
    const id = r.int(at, attr, r.attr(at, attr), 1)
    if (!iothreadIds.includes(id)) r.error(at, attr, domainText.iothreadId(iothreadIds), domainText.value(at.attrs[attr]))
    return id
  }
  // Per-queue mapping (<driver><iothreads><iothread id><queue id/></iothread></iothreads>), else one iothread for the disk.
  const iothreadsEl = driver === undefined ? undefined : first(driver, 'iothreads')
  const mapped = iothreadsEl === undefined ? [] : all(iothreadsEl, 'iothread')
  let queues = driver?.attrs.queues === undefined ? undefined : r.int(driver, 'queues', driver.attrs.queues, 1)
  let threads: (number | undefined)[]
  if (mapped.length > 0) {
    const ids = mapped.map((t) => checkThread(t, 'id'))
    queues ??= mapped.length
    threads = Array.from({length: queues}, () => undefined)
    const explicit = mapped.some((t) => all(t, 'queue').length > 0)
    if (explicit) {
      mapped.forEach((t, i) => {
        for (const q of all(t, 'queue')) {
          const n = r.int(q, 'id', r.attr(q, 'id'), 0)
          if (n >= (queues as number)) r.error(q, 'id', domainText.queueIndex(queues as number), domainText.value(q.attrs.id))
          threads[n] = ids[i]
        }
      })
    } else {
      // Without queue lists QEMU spreads the queues round robin over the listed iothreads.
      threads = threads.map((_, q) => ids[q % ids.length])
    }
  } else {
    queues ??= 1
    const one = driver?.attrs.iothread === undefined ? undefined : checkThread(driver, 'iothread')
    threads = Array.from({length: queues}, () => one)
  }
  const id = aliasId(el, target.attrs.dev ?? `disk${disks.length}`)
  disks.push({ids: perQueue(id, queues), iothreads: threads, line: el.line})
}
