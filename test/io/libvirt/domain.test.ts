import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, test} from 'vitest'

import {InputError} from '../../../src/io/errors.js'
import {parseDomain} from '../../../src/io/libvirt/domain.js'
import {formatBytes, importDomains, naturalCompare} from '../../../src/io/libvirt/import.js'
import {validateSpec} from '../../../src/io/validate.js'
import {normalizeWorkload} from '../../../src/io/normalize.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const domains = path.resolve(root, '..', 'shared', 'fixtures', 'libvirt', 'domains')
const fixture = (name: string) => readFileSync(path.join(domains, name), 'utf8')
const parse = (name: string) => parseDomain(fixture(name), name)

/** The error `fn` throws, which must be an InputError. */
function inputError(fn: () => unknown): InputError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an InputError')
}

describe('every libvirt test-suite domain imports', () => {
  const files = readdirSync(domains).filter((f) => f.endsWith('.xml')).sort()

  test('the fixture folder has the domains', () => {
    expect(files.length).toBeGreaterThanOrEqual(7)
  })

  test.each(files)('%s: a valid workload, warnings instead of crashes', (file) => {
    const d = parse(file)
    expect(d.vcpus).toBeGreaterThan(0)
    expect(d.memoryBytes).toBeGreaterThan(0)
    const result = importDomains([d], {name: 'fixtures'})
    // The workload passes Sidecore's own schema and normalisation.
    const workload = normalizeWorkload(validateSpec('workload', result.workload))
    expect(workload.entries).toHaveLength(1)
    expect(workload.entries[0].type.vcpus).toBe(d.vcpus)
    for (const w of result.warnings) {
      expect(w.file).toBe(file)
      expect(w.line).toBeGreaterThan(0)
    }
  })
})

describe('what each domain says', () => {
  test('cputune-iothreads: vCPU, emulator and iothread pins; unmodelled tunables are warned about', () => {
    const d = parse('cputune-iothreads.xml')
    expect(d.name).toBe('QEMUGuest1')
    expect(d.vcpus).toBe(2)
    expect(d.memoryBytes).toBe(219136 * 1024)
    expect(d.vcpuPins).toEqual([[0], [1]])
    expect(d.emulatorPin).toEqual([1])
    expect(d.iothreadIds).toEqual([1, 2])
    expect(d.iothreadPins.get(1)).toEqual([2])
    expect(d.iothreadPins.get(2)).toEqual([3])
    const ignored = d.warnings.map((w) => w.element)
    expect(ignored).toEqual(expect.arrayContaining(['domain.cputune.quota', 'domain.cputune.period', 'domain.cputune.shares']))
    // <quota> is on line 15 of the file.
    expect(d.warnings.find((w) => w.element === 'domain.cputune.quota')?.line).toBe(15)
    // The IDE disk is not a virtio device.
    expect(d.disks).toEqual([])
    expect(d.warnings.some((w) => w.element === 'domain.devices.disk' && w.message.includes('not a virtio device'))).toBe(true)
  })

  test('cputune-iothreads: pinned, so a layout with its vCPU pins', () => {
    const r = importDomains([parse('cputune-iothreads.xml')], {name: 'x'})
    expect(r.layout?.vms).toEqual([{vm: 'QEMUGuest1-0', node: 0, vcpu_pins: '0-1'}])
    expect(r.layout?.roles).toEqual({vm: '0-1'})
  })

  test('cputune: vcpusched and iothreadsched are warned about; two of four vCPUs pinned, so no layout', () => {
    const d = parse('cputune.x86_64-latest.xml')
    expect(d.vcpuPins).toEqual([[0], [1], undefined, undefined])
    expect(d.iothreadIds).toEqual([1, 2, 3, 4])
    const r = importDomains([d], {name: 'x'})
    expect(r.layout).toBeUndefined()
    expect(r.notes[0]).toContain('not pinned')
    expect(r.warnings.filter((w) => w.element.startsWith('domain.cputune.vcpusched'))).toHaveLength(4)
  })

  test('iothreads-disk: one iothread per disk, and the per-queue mapping of a 4-queue disk', () => {
    const d = parse('iothreads-disk.x86_64-latest.xml')
    expect(d.iothreadIds).toEqual([1, 2, 3, 4])
    expect(d.disks.map((k) => k.ids)).toEqual([['vdb'], ['vdc-q0', 'vdc-q1', 'vdc-q2', 'vdc-q3'], ['vdd-q0', 'vdd-q1']])
    expect(d.disks[0].iothreads).toEqual([1])
    // queue 1 and 3 on iothread 2, queues 0 and 2 on iothread 3
    expect(d.disks[1].iothreads).toEqual([3, 2, 3, 2])
    // no queue lists: round robin over the listed iothreads
    expect(d.disks[2].iothreads).toEqual([4, 1])
  })

  test('iothreads-ids-pool-sizes: iothread ids from <iothreadids>; <defaultiothread> is warned about', () => {
    const d = parse('iothreads-ids-pool-sizes.xml')
    expect(d.iothreadIds).toEqual([1, 2, 3, 4, 5])
    expect(d.vcpus).toBe(6)
    expect(d.disks.map((k) => k.ids)).toEqual([['vda']])
  })

  test('net-vhostuser-multiq: four vhost-user interfaces (one with 4 queue pairs); the rtl8139 is not virtio', () => {
    const d = parse('net-vhostuser-multiq.x86_64-latest.xml')
    expect(d.nets.map((n) => n.backend)).toEqual(['vhostuser', 'vhostuser', 'vhostuser', 'vhostuser'])
    expect(d.nets.map((n) => n.queues)).toEqual([1, 1, 1, 4])
    expect(d.nets[3].ids).toEqual(['net3-q0', 'net3-q1', 'net3-q2', 'net3-q3'])
    expect(d.warnings.filter((w) => w.message.includes('rtl8139'))).toHaveLength(1)
    const r = importDomains([d], {name: 'x'})
    expect(r.workload.vm_types[0].devices).toHaveLength(7)
  })

  test('vhost_queues: <driver name="vhost" queues="5"/> is five queue-pair devices', () => {
    const d = parse('vhost_queues.xml')
    expect(d.nets).toHaveLength(1)
    expect(d.nets[0].backend).toBe('vhost')
    expect(d.nets[0].ids).toHaveLength(5)
    expect(d.memoryBytes).toBe(1024 ** 3)
    const r = importDomains([d], {name: 'x'})
    expect(r.workload.vm_types[0]).toMatchObject({name: 'test', vcpus: 1, memory: '1 GiB'})
  })

  test('numatune-distances: 12 vCPUs, 8 GiB, no <numatune>', () => {
    const d = parse('numatune-distances.x86_64-latest.xml')
    expect(d.vcpus).toBe(12)
    expect(d.memoryBytes).toBe(8 * 1024 ** 3)
    expect(d.memoryNodes).toBeUndefined()
  })
})

describe('malformed domains are refused with file, line, element and what was expected', () => {
  const good = fixture('cputune-iothreads.xml')

  test('a truncated file', () => {
    const e = inputError(() => parseDomain(good.slice(0, 300), 'cut.xml'))
    expect(e.code).toBe('syntax')
    expect(e.message).toMatch(/^cut\.xml:\d+: expected well-formed XML, found the end of the file with <domain>.* still open$/)
  })

  test('a mismatched closing tag, with its line', () => {
    const e = inputError(() => parseDomain(good.replace('</cputune>', '</cpu>'), 'tag.xml'))
    expect(e.message).toMatch(/^tag\.xml:18: expected well-formed XML, found a syntax error: expected closing tag/)
  })

  test('not a domain', () => {
    const e = inputError(() => parseDomain('<capabilities/>', 'caps.xml'))
    expect(e.message).toBe('caps.xml:1: expected one <domain> element as the document root, found <capabilities>')
  })

  test.each([
    ['a bad vcpupin cpuset', good.replace("cpuset='0'", "cpuset='zero'"), 'bad.xml:13: domain.cputune.vcpupin[0].cpuset: expected a CPU list like "0-3,8", found "zero"'],
    ['a vcpupin beyond the vCPUs', good.replace("vcpu='1'", "vcpu='7'"), 'bad.xml:14: domain.cputune.vcpupin[1].vcpu: expected a vCPU number from 0 to 1, found "7"'],
    ['an iothreadpin for no iothread', good.replace("iothread='2'", "iothread='9'"), 'bad.xml:10: domain.cputune.iothreadpin[0].iothread: expected an iothread id of the domain (1, 2), found "9"'],
    ['a memory unit libvirt does not have', good.replace("<memory unit='KiB'>", "<memory unit='parsecs'>"), 'bad.xml:4: domain.memory.unit: expected a size: a whole number with unit b, KB, KiB, MB, MiB, GB, GiB, TB or TiB (default KiB), found "parsecs"'],
    ['no vCPU count', good.replace("<vcpu placement='static'>2</vcpu>", "<vcpu placement='static'>two</vcpu>"), 'bad.xml:6: domain.vcpu: expected a whole number of at least 1, found "two"'],
    ['no memory', good.replace(/<memory[^\n]*\n/, ''), 'bad.xml:1: domain: expected a <memory> element, found nothing'],
  ])('%s', (_what, text, message) => {
    expect(inputError(() => parseDomain(text, 'bad.xml')).message).toBe(message)
  })
})

describe('helpers', () => {
  test('natural order of names', () => {
    expect(['web-10', 'web-9', 'app-1', 'web-1'].sort(naturalCompare)).toEqual(['app-1', 'web-1', 'web-9', 'web-10'])
  })

  test.each([
    [1024 ** 3 * 8, '8 GiB'],
    [219136 * 1024, '214 MiB'],
    [1000, '1000 B'],
    [1536 * 1024, '1536 KiB'],
  ])('%d bytes -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})

describe('never a crash', () => {
  const texts = readdirSync(domains).filter((f) => f.endsWith('.xml')).sort().map((f) => fixture(f))

  test('any cut or splice of a real domain either imports or is refused with an InputError', async () => {
    const fc = (await import('fast-check')).default
    fc.assert(
      fc.property(fc.integer({min: 0, max: texts.length - 1}), fc.nat(), fc.nat(), fc.string({maxLength: 12}), (i, a, b, insert) => {
        const t = texts[i]
        const from = a % t.length
        const to = from + (b % 40)
        const text = t.slice(0, from) + insert + t.slice(Math.min(to, t.length))
        try {
          importDomains([parseDomain(text, 'fuzz.xml')], {name: 'fuzz'})
        } catch (error) {
          expect(error).toBeInstanceOf(InputError)
          expect((error as InputError).file).toBe('fuzz.xml')
        }
      }),
      {numRuns: 400, seed: 7},
    )
  })

  test('a bad notification in Sidecore metadata names the element and attribute', () => {
    const text = fixture('cputune-iothreads.xml').replace('<vcpu ', `<metadata><s:vm xmlns:s="urn:sidecore:libvirt:1" type="t"><s:worker id="w" architecture="vhost-shared" cpus="1" devices="QEMUGuest1/x" notification="nap"/></s:vm></metadata>\n  <vcpu `)
    expect(inputError(() => parseDomain(text, 'm.xml')).message).toMatch(/^m\.xml:6: domain\.metadata\["s:vm"\]\["s:worker"\]\.notification: expected a notification policy/)
  })
})
