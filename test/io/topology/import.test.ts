import {readFileSync, readdirSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {InputError} from '../../../src/io/errors.js'
import {loadHost} from '../../../src/io/load.js'
import {
  DEFAULT_FREQUENCY_HZ,
  DEFAULT_MEMORY_PER_NODE_BYTES,
  importHostFile,
  parseHostDescription,
  readingToHost,
  renderHostYaml,
  type TopologyReading,
} from '../../../src/io/topology/index.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..', '..')
const capsDir = path.resolve(root, '..', 'shared', 'fixtures', 'libvirt', 'capabilities')
const inputs = path.join(here, 'inputs')

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'sidecore-import-'))
})
afterAll(async () => {
  await rm(tmp, {recursive: true, force: true})
})

/** Convert, write, and load through the ordinary loader. */
async function load(reading: TopologyReading, name: string) {
  const conv = readingToHost(reading, {name})
  const file = path.join(tmp, `${name}.yaml`)
  await writeFile(file, renderHostYaml(conv))
  return {conv, host: await loadHost(file)}
}

/** What a capabilities file states, read with plain regular expressions (independently of the importer). */
function capsFacts(text: string) {
  const cells = [...text.matchAll(/<cell id='(\d+)'>([\s\S]*?)<\/cell>/g)].map((m) => ({
    id: Number(m[1]),
    memoryKiB: /<memory unit='KiB'>(\d+)<\/memory>/.exec(m[2])?.[1],
    cpus: [...m[2].matchAll(/<cpu id='(\d+)'/g)].map((c) => Number(c[1])),
  }))
  const topo = /<topology sockets='(\d+)'(?: dies='(\d+)')? cores='(\d+)' threads='(\d+)'\/>/.exec(text)
  const tsc = /<counter name='tsc' frequency='(\d+)'/.exec(text)
  return {cells, topo, tsc: tsc === null ? undefined : Number(tsc[1])}
}

describe('virsh capabilities (every file from libvirt\'s test suite)', () => {
  const files = readdirSync(capsDir).filter((f) => f.endsWith('.xml')).sort()

  test('there are files to read', () => {
    expect(files.length).toBeGreaterThanOrEqual(5)
  })

  test.each(files)('%s', async (f) => {
    const file = path.join(capsDir, f)
    const text = readFileSync(file, 'utf8')
    const facts = capsFacts(text)
    const reading = await importHostFile(file)
    expect(reading.format).toBe('libvirt-capabilities')
    const {conv, host} = await load(reading, f.replace(/\.xml$/, ''))
    if (facts.cells.length > 0) {
      expect(host.cpus.map((c) => c.id)).toEqual(facts.cells.flatMap((c) => c.cpus).sort((a, b) => a - b))
      expect(host.nodes).toHaveLength(facts.cells.length)
      facts.cells.forEach((cell, i) => {
        expect(host.nodes[i].cpus).toEqual(cell.cpus.sort((a, b) => a - b))
        const want = cell.memoryKiB === undefined ? DEFAULT_MEMORY_PER_NODE_BYTES : Number(cell.memoryKiB) * 1024
        expect(host.nodes[i].memoryBytes).toBe(want)
      })
    } else {
      const [, s, d, c, t] = facts.topo as RegExpExecArray
      expect(host.cpus).toHaveLength(Number(s) * Number(d ?? 1) * Number(c) * Number(t))
      expect(host.threadsPerCore).toBe(Number(t))
      expect(conv.header.join('\n')).toContain('numbered like Linux')
    }
    if (facts.tsc !== undefined) expect(host.frequencyHz).toBe(facts.tsc)
    else {
      expect(host.frequencyHz).toBe(DEFAULT_FREQUENCY_HZ)
      expect(conv.warnings.some((w) => w.includes('no CPU frequency'))).toBe(true)
    }
    expect(host.housekeeping).toEqual([])
  })

  test('caps-qemu-kvm.xml: two sockets interleaved by CPU id, SLIT distances', async () => {
    const {host} = await load(await importHostFile(path.join(capsDir, 'caps-qemu-kvm.xml')), 'qemu-kvm')
    expect(host.sockets).toBe(2)
    expect(host.nodes[0].cpus).toEqual([0, 2, 4, 6, 8, 10, 12, 14])
    expect(host.distances).toEqual([[10, 21], [21, 10]])
    expect(host.cpus.every((c) => c.thread === 0)).toBe(true)
  })
})

describe('hwloc XML', () => {
  test('hwloc-2s2n.xml: packages, nodes, cores, siblings, memory, distances, NIC and NVMe placement', async () => {
    const reading = await importHostFile(path.join(inputs, 'hwloc-2s2n.xml'))
    expect(reading.format).toBe('hwloc-xml')
    expect(reading.allowed).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    const {conv, host} = await load(reading, 'hwloc-2s2n')
    expect(host.sockets).toBe(2)
    expect(host.nodes.map((n) => n.cpus)).toEqual([[0, 1, 4, 5], [2, 3, 6, 7]])
    expect(host.nodes.map((n) => n.memoryBytes)).toEqual([32 * 2 ** 30, 32 * 2 ** 30])
    expect(host.threadsPerCore).toBe(2)
    const core = (id: number) => host.cpus.find((c) => c.id === id)?.core
    expect(core(0)).toBe(core(4))
    expect(core(3)).toBe(core(7))
    expect(core(0)).not.toBe(core(1))
    expect(host.distances).toEqual([[10, 21], [21, 10]])
    expect(host.frequencyHz).toBe(2.1e9)
    expect(host.nics.map((n) => [n.id, n.node])).toEqual([['ens2f0', 1]])
    expect(host.blockDevices.map((b) => [b.id, b.node])).toEqual([['nvme0n1', 0]])
    // The PCIe link (3.94 GB/s) bounds the drive's bandwidth; IOPS and latency are defaults, said so.
    expect(host.blockDevices[0].maxBandwidthBytes).toBeCloseTo(3.938462e9, -4)
    expect(conv.warnings.some((w) => w.startsWith('block device nvme0n1'))).toBe(true)
    expect(conv.spec.cpu_model).toBe('Intel(R) Xeon(R) Silver 4110 CPU @ 2.10GHz')
    expect(conv.spec.cpus?.every((c) => c.package === c.socket)).toBe(true)
  })

  test('hwloc 1.x: NUMANode as the parent of its Socket', () => {
    const v1 = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE topology SYSTEM "hwloc.dtd">
<topology>
  <object type="Machine" os_index="0" cpuset="0x0000000f" online_cpuset="0x0000000f" allowed_cpuset="0x0000000f" nodeset="0x00000003">
    <object type="NUMANode" os_index="0" cpuset="0x00000003" nodeset="0x00000001" local_memory="8589934592">
      <object type="Socket" os_index="0" cpuset="0x00000003">
        <info name="CPUModel" value="Intel(R) Xeon(R) CPU E5-2620 0 @ 2.00GHz"/>
        <object type="Core" os_index="0" cpuset="0x00000003">
          <object type="PU" os_index="0" cpuset="0x00000001"/>
          <object type="PU" os_index="1" cpuset="0x00000002"/>
        </object>
      </object>
    </object>
    <object type="NUMANode" os_index="1" cpuset="0x0000000c" nodeset="0x00000002" local_memory="8589934592">
      <object type="Socket" os_index="1" cpuset="0x0000000c">
        <object type="Core" os_index="0" cpuset="0x0000000c">
          <object type="PU" os_index="2" cpuset="0x00000004"/>
          <object type="PU" os_index="3" cpuset="0x00000008"/>
        </object>
      </object>
    </object>
  </object>
</topology>
`
    const r = parseHostDescription(v1, 'v1.xml')
    expect(r.nodes.map((n) => [n.id, n.cpus, n.memoryBytes])).toEqual([[0, [0, 1], 8 * 2 ** 30], [1, [2, 3], 8 * 2 ** 30]])
    const {spec} = readingToHost(r)
    expect(spec.cpus?.map((c) => [c.id, c.node, c.core, c.thread, c.package])).toEqual([[0, 0, 0, 0, 0], [1, 0, 0, 1, 0], [2, 1, 1, 0, 1], [3, 1, 1, 1, 1]])
    expect(spec.frequency).toBe('2 GHz')
  })

  test('an allowed_cpuset smaller than the machine: the rest are never given out', async () => {
    const text = readFileSync(path.join(inputs, 'hwloc-2s2n.xml'), 'utf8').replace('allowed_cpuset="0x000000ff"', 'allowed_cpuset="0x0000000f"')
    const {conv, host} = await load(parseHostDescription(text, 'restricted.xml'), 'restricted')
    expect(conv.spec.allowed_cpus).toBe('0-3')
    expect(host.housekeeping).toEqual([4, 5, 6, 7])
  })
})

describe('lscpu', () => {
  test('lscpu -p: cores unique across the machine, two sockets, two nodes', async () => {
    const reading = await importHostFile(path.join(inputs, 'lscpu-p.txt'))
    expect(reading.format).toBe('lscpu-parse')
    const {host} = await load(reading, 'lscpu-p')
    expect(host.cpus).toHaveLength(16)
    expect(host.sockets).toBe(2)
    expect(host.threadsPerCore).toBe(2)
    expect(host.nodes.map((n) => n.cpus)).toEqual([[0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15]])
    const core = (id: number) => host.cpus.find((c) => c.id === id)?.core
    expect(core(0)).toBe(core(8))
    expect(core(7)).toBe(core(15))
  })

  test('lscpu --json (flat, util-linux 2.37): Linux numbering, frequency from the model name', async () => {
    const reading = await importHostFile(path.join(inputs, 'lscpu.json'))
    expect(reading.format).toBe('lscpu-json')
    const {conv, host} = await load(reading, 'lscpu-json')
    expect(host.cpus).toHaveLength(8)
    expect(host.threadsPerCore).toBe(2)
    expect(host.cpus.find((c) => c.id === 4)?.core).toBe(host.cpus.find((c) => c.id === 0)?.core)
    expect(host.frequencyHz).toBe(3.4e9)
    expect(conv.warnings.some((w) => w.includes('no memory size'))).toBe(true)
    expect(conv.header.join('\n')).toContain('numbered like Linux')
  })

  test('lscpu --json (nested, util-linux 2.38+): offline CPUs are recorded and never given out', async () => {
    const reading = await importHostFile(path.join(inputs, 'lscpu-nested.json'))
    expect(reading.offline).toEqual([30, 31])
    expect(reading.cpus).toHaveLength(30)
    const {conv, host} = await load(reading, 'lscpu-nested')
    expect(conv.spec.offline_cpus).toBe('30-31')
    expect(host.cpus).toHaveLength(30)
    expect(host.frequencyHz).toBe(3e9)
    expect(conv.spec.cpu_model).toBe('AMD EPYC 7302P 16-Core Processor')
  })

  test('lscpu --json --extended: per-CPU rows, an offline CPU', async () => {
    const reading = await importHostFile(path.join(inputs, 'lscpu-extended.json'))
    expect(reading.cpus.map((c) => c.id)).toEqual([0, 1, 2])
    expect(reading.offline).toEqual([3])
    const {host} = await load(reading, 'lscpu-extended')
    expect(host.cpus.find((c) => c.id === 1)?.thread).toBe(1)
    expect(host.frequencyHz).toBe(3.6e9)
  })
})

describe('malformed input: one clear message naming file, line or element, expected and found', () => {
  const caps = readFileSync(path.join(capsDir, 'vircaps-x86_64-basic.xml'), 'utf8')
  const cases: Array<[string, string, string, RegExp]> = [
    ['truncated XML', 'caps.xml', caps.slice(0, caps.indexOf('</cells>')), /^caps\.xml:\d+: expected well-formed XML, found /],
    ['mismatched tag', 'caps.xml', caps.replace('</cpus>', '</cpu>'), /^caps\.xml:\d+: expected well-formed XML, found Expected closing tag 'cpus'/],
    ['a CPU id that is not a number', 'caps.xml', caps.replace("<cpu id='5'", "<cpu id='five'"), /^caps\.xml:30: expected <cpu> attribute id to be a non-negative integer, found "five"$/],
    ['a cell without id', 'caps.xml', caps.replace("<cell id='2'>", '<cell>'), /^caps\.xml:35: expected <cell> attribute id to be a non-negative integer, found nothing$/],
    ['bad memory', 'caps.xml', caps.replace("<memory unit='KiB'>1048576</memory>", "<memory unit='KiB'>lots</memory>"), /^caps\.xml:12: expected a <memory> element holding a non-negative integer, found "lots"$/],
    ['an XML document of another kind', 'dom.xml', "<domain type='kvm'>\n  <name>x</name>\n</domain>\n", /^dom\.xml:1: expected virsh capabilities XML .*, found <domain>$/],
    ['capabilities without host', 'c.xml', '<capabilities>\n  <guest/>\n</capabilities>\n', /^c\.xml:1: expected a <host> element, found nothing$/],
    ['broken JSON', 'l.json', '{\n  "lscpu": [\n    {"field": "CPU(s):", "data": "8"}\n    {"field": "CPU(s):", "data": "8"}\n  ]\n}\n', /^l\.json:4: expected valid JSON \(lscpu --json output\), found Expected ',' or ']' after array element$/],
    ['JSON with a trailing comma', 'l.json', '{\n  "lscpu": [\n    {"field": "CPU(s):", "data": "8"},\n  ]\n}\n', /^l\.json(:\d+)?: expected valid JSON \(lscpu --json output\), found Unexpected token/],
    ['JSON of another kind', 'l.json', '{"name": "x"}', /^l\.json: expected lscpu --json output/],
    ['lscpu -p row with a missing field', 'p.txt', '# CPU,Core,Socket,Node\n0,0,0,0\n1,1,0\n', /^p\.txt:3: expected 4 comma-separated fields as the header names, each a number or empty, found "1,1,0"$/],
    ['lscpu -p with a word for a number', 'p.txt', '# CPU,Core,Socket,Node\n0,zero,0,0\n', /^p\.txt:2: core: expected a non-negative integer, found "zero"$/],
    ['text of no known format', 'x.txt', 'hello\n', /^x\.txt:1: expected virsh capabilities XML .*found "hello"$/],
  ]
  test.each(cases)('%s', (_name, file, text, message) => {
    let error: unknown
    try {
      parseHostDescription(text, file)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toMatch(message)
  })

  test('a file that does not exist', async () => {
    await expect(importHostFile(path.join(tmp, 'nope.xml'))).rejects.toThrow(/nope\.xml: expected a readable file, found no such file or directory/)
  })
})
