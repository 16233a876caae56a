/**
 * One VM of a host's layout -> a complete libvirt domain document
 * (https://libvirt.org/formatdomain.html) that validates against libvirt's
 * RelaxNG schema: <vcpu>, <cputune> (vcpupin per vCPU, emulatorpin,
 * iothreadpin), <numatune>, <iothreads>, and virtio devices:
 *
 * - a net device served by a QEMU userspace worker is an interface with
 *   <driver name='qemu'/>; any other net device uses in-kernel vhost-net,
 *   <driver name='vhost' queues='1'/> (a Sidecore device is one queue pair);
 * - a block device served by a blk-dataplane worker is a disk on that worker's
 *   iothread (<driver iothread='N'/>), pinned with <iothreadpin> to its CPUs;
 * - libvirt moves vhost threads into the emulator's cgroup, so <emulatorpin>
 *   is where the floating workers of the VM run.
 *
 * Device ids are kept as user aliases (<alias name='ua-ID'/>), and Sidecore's
 * own <metadata> element records the VM type, the host's CPU roles and the
 * workers, so `sidecore vm import` recovers the layout. Pure.
 */
import {formatCpuset} from '../cpuset.js'
import {SIDECORE_NS} from '../libvirt/metadata.js'
import type {PlanHost, PlanVm, VmTypes} from './plan.js'

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')

/** libvirt user aliases: `ua-` then letters, digits, `_` and `-`. */
const alias = (id: string) => `ua-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`

/** virtio disk target names: vda ... vdz, vdaa ... */
function diskTarget(i: number): string {
  let name = ''
  let n = i
  do {
    name = String.fromCharCode(97 + (n % 26)) + name
    n = Math.floor(n / 26) - 1
  } while (n >= 0)
  return `vd${name}`
}

export function domainXml(h: PlanHost, v: PlanVm, types?: VmTypes): string {
  const type = types?.get(v.type)
  const servedBy = new Map<string, PlanHost['workers'][number]>()
  for (const w of h.workers) for (const ref of w.devices) servedBy.set(ref, w)
  const own = h.workers.filter((w) => w.devices.some((d) => d.startsWith(`${v.vm}/`)))
  const devices = type?.devices ?? own.flatMap((w) => w.devices.filter((d) => d.startsWith(`${v.vm}/`)).map((d) => ({id: d.slice(v.vm.length + 1), kind: 'net' as const})))
  const dataplane = own.filter((w) => w.architecture === 'blk-dataplane')
  const iothreadOf = new Map(dataplane.map((w, i) => [w.id, i + 1]))
  const floating = own.filter((w) => w.floating && w.architecture !== 'blk-dataplane')
  const emulator = floating.length > 0 ? floating.flatMap((w) => w.cpus) : h.roles.housekeeping.length > 0 ? h.roles.housekeeping : v.pins
  const memoryKiB = Math.ceil((type?.memoryBytes ?? 1024 ** 3) / 1024)

  const x: string[] = []
  x.push(`<domain type='kvm'>`)
  x.push(`  <name>${esc(v.vm)}</name>`)
  x.push('  <metadata>')
  x.push(`    <sidecore:vm xmlns:sidecore="${SIDECORE_NS}" type="${esc(v.type)}"${type?.tenant === undefined ? '' : ` tenant="${esc(type.tenant)}"`} host-model="${esc(h.model)}" host="${esc(h.id)}">`)
  x.push(`      <sidecore:layout vm-cpus="${formatCpuset(h.roles.vm)}" io-cpus="${formatCpuset(h.roles.io)}" interrupt="${esc(h.interrupt)}" sharing="${esc(h.sharing)}" vcpu-overcommit="${h.vcpuOvercommit}"/>`)
  for (const w of own) {
    x.push(`      <sidecore:worker id="${esc(w.id)}" architecture="${w.architecture}" cpus="${formatCpuset(w.cpus)}" floating="${w.floating}" notification="${esc(w.notification)}" devices="${esc(w.devices.join(' '))}"/>`)
  }
  x.push('    </sidecore:vm>')
  x.push('  </metadata>')
  x.push(`  <memory unit='KiB'>${memoryKiB}</memory>`)
  x.push(`  <vcpu placement='static'>${v.pins.length}</vcpu>`)
  if (dataplane.length > 0) x.push(`  <iothreads>${dataplane.length}</iothreads>`)
  x.push('  <cputune>')
  v.pins.forEach((cpu, i) => x.push(`    <vcpupin vcpu='${i}' cpuset='${cpu}'/>`))
  x.push(`    <emulatorpin cpuset='${formatCpuset(emulator)}'/>`)
  for (const w of dataplane) x.push(`    <iothreadpin iothread='${iothreadOf.get(w.id)}' cpuset='${formatCpuset(w.cpus)}'/>`)
  x.push('  </cputune>')
  x.push('  <numatune>')
  x.push(`    <memory mode='strict' nodeset='${v.node}'/>`)
  x.push('  </numatune>')
  x.push('  <os>')
  x.push(`    <type arch='x86_64' machine='q35'>hvm</type>`)
  x.push('  </os>')
  x.push('  <devices>')
  let disk = 0
  for (const d of devices) {
    const w = servedBy.get(`${v.vm}/${d.id}`)
    if (d.kind === 'block') {
      const thread = w === undefined ? undefined : iothreadOf.get(w.id)
      x.push(`    <disk type='file' device='disk'>`)
      x.push(`      <driver name='qemu' type='raw'${thread === undefined ? '' : ` iothread='${thread}'`}/>`)
      x.push(`      <source file='/var/lib/libvirt/images/${esc(v.vm)}-${esc(d.id)}.img'/>`)
      x.push(`      <target dev='${diskTarget(disk++)}' bus='virtio'/>`)
      x.push(`      <alias name='${alias(d.id)}'/>`)
      x.push('    </disk>')
    } else {
      x.push(`    <interface type='network'>`)
      x.push(`      <source network='default'/>`)
      x.push(`      <model type='virtio'/>`)
      x.push(w?.architecture === 'qemu-userspace' ? `      <driver name='qemu'/>` : `      <driver name='vhost' queues='1'/>`)
      x.push(`      <alias name='${alias(d.id)}'/>`)
      x.push('    </interface>')
    }
  }
  x.push('  </devices>')
  x.push('</domain>')
  return `${x.join('\n')}\n`
}
