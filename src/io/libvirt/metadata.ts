/**
 * Sidecore's own element in a domain's <metadata> (libvirt keeps any element
 * in a namespace of its own there: formatdomain.html#general-metadata, as
 * OpenStack Nova keeps <nova:instance>). It records what libvirt's own
 * elements cannot say: the VM type, the host's CPU roles, and which backend
 * worker serves which device with which notification policy. Pinning itself
 * is read from <cputune> and <numatune>.
 *
 *     <sidecore:vm xmlns:sidecore="urn:sidecore:libvirt:1" type="web" host-model="epyc-2s-64c" host="epyc-2s-64c-0">
 *       <sidecore:layout vm-cpus="1-8" io-cpus="9" interrupt="posted" sharing="same-cgroup" vcpu-overcommit="1"/>
 *       <sidecore:worker id="w0" architecture="vhost-shared" cpus="9" floating="false" notification="poll" devices="web-0/net0 web-1/net0"/>
 *     </sidecore:vm>
 */
import {InputError} from '../errors.js'
import {parseCpuset} from '../cpuset.js'
import {normalizeNotification} from '../normalize.js'
import {ARCHITECTURES} from '../schemas.js'
import type {ArchitectureId} from '../../model/types.js'
import type {PlanWorker} from '../export/plan.js'
import {domainText} from './messages.js'
import {type Element, all, first} from './xml.js'

export const SIDECORE_NS = 'urn:sidecore:libvirt:1'

/** A worker as the exporting plan had it (`devices` are `VM/DEVICE` with the plan's VM names). */
export type MetadataWorker = PlanWorker

export interface SidecoreMetadata {
  type: string
  tenant?: string
  hostModel?: string
  host?: string
  layout?: {vmCpus: number[]; ioCpus: number[]; interrupt?: string; sharing?: string; vcpuOvercommit?: number}
  workers: MetadataWorker[]
}

function fail(file: string, el: Element, attr: string, expected: string, found: string): never {
  throw new InputError({code: 'value', expected, found, file, line: el.line, path: [...el.segments, attr]})
}

export function readMetadata(el: Element, prefix: string, file: string): SidecoreMetadata {
  const tag = (name: string) => (prefix === '' ? name : `${prefix}:${name}`)
  const need = (e: Element, attr: string): string => {
    const v = e.attrs[attr]
    if (v === undefined || v === '') fail(file, e, attr, domainText.attribute(attr), domainText.missing)
    return v
  }
  const cpus = (e: Element, attr: string): number[] => {
    try {
      return parseCpuset(e.attrs[attr] ?? '')
    } catch (error) {
      if (error instanceof InputError) fail(file, e, attr, error.expected, error.found)
      throw error
    }
  }
  const meta: SidecoreMetadata = {type: need(el, 'type'), workers: []}
  if (el.attrs.tenant !== undefined) meta.tenant = el.attrs.tenant
  if (el.attrs['host-model'] !== undefined) meta.hostModel = el.attrs['host-model']
  if (el.attrs.host !== undefined) meta.host = el.attrs.host
  const layout = first(el, tag('layout'))
  if (layout !== undefined) {
    meta.layout = {vmCpus: cpus(layout, 'vm-cpus'), ioCpus: cpus(layout, 'io-cpus')}
    if (layout.attrs.interrupt !== undefined) meta.layout.interrupt = layout.attrs.interrupt
    if (layout.attrs.sharing !== undefined) meta.layout.sharing = layout.attrs.sharing
    if (layout.attrs['vcpu-overcommit'] !== undefined) {
      const n = Number(layout.attrs['vcpu-overcommit'])
      if (!(n >= 1)) fail(file, layout, 'vcpu-overcommit', 'a number of at least 1', domainText.value(layout.attrs['vcpu-overcommit']))
      meta.layout.vcpuOvercommit = n
    }
  }
  for (const w of all(el, tag('worker'))) {
    const architecture = need(w, 'architecture')
    if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
      fail(file, w, 'architecture', `one of ${ARCHITECTURES.join(', ')}`, domainText.value(architecture))
    }
    const floating = w.attrs.floating ?? 'false'
    if (floating !== 'true' && floating !== 'false') fail(file, w, 'floating', domainText.metadataBool, domainText.value(floating))
    const notification = w.attrs.notification ?? 'kick'
    try {
      normalizeNotification(notification)
    } catch (error) {
      if (error instanceof InputError) fail(file, w, 'notification', error.expected, error.found)
      throw error
    }
    meta.workers.push({
      id: need(w, 'id'),
      architecture: architecture as ArchitectureId,
      cpus: cpus(w, 'cpus'),
      floating: floating === 'true',
      notification,
      devices: need(w, 'devices').split(/\s+/).filter((d) => d !== ''),
    })
  }
  return meta
}
