/**
 * Bad inputs, each giving one exact message: file, field path, line, what was
 * expected and what was found.
 */
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {InputError} from '../../src/io/errors.js'
import {type FileKind} from '../../src/io/schemas.js'
import {loadCalibration, loadCluster, loadHost, loadLayout, loadScenario, loadWorkload, parseDocumentText} from '../../src/io/load.js'
import {instantiateVms, normalizeHost, normalizeWorkload} from '../../src/io/normalize.js'
import {validateSpec} from '../../src/io/validate.js'
import {expected, found, hint} from '../../src/messages.js'
import {SMALL_HOST, SMALL_WORKLOAD, cleanup, tempDir, testCalibrationYaml} from './helpers.js'

let dir: string
beforeAll(async () => {
  dir = await tempDir()
})
afterAll(async () => {
  await cleanup(dir)
})

const WORKLOAD_HEAD = `kind: workload
version: 1
name: w
vm_types:
  - name: web
    vcpus: 2
    memory: 4 GiB
`

const HOST_HEAD = `kind: host
version: 1
name: h
cores_per_node: 4
frequency: 2 GHz
memory_per_node: 8 GiB
`

async function loadKind(kind: FileKind, file: string): Promise<unknown> {
  switch (kind) {
    case 'host':
      return loadHost(file)
    case 'workload':
      return loadWorkload(file)
    case 'cluster':
      return loadCluster(file)
    case 'calibration':
      return loadCalibration(file)
    case 'scenario':
      return loadScenario(file)
    case 'layout': {
      const host = normalizeHost(validateSpec('host', parseDocumentText(SMALL_HOST, 'h.yaml').data))
      const vms = instantiateVms(normalizeWorkload(validateSpec('workload', parseDocumentText(SMALL_WORKLOAD, 'w.yaml').data)))
      return loadLayout(file, host, vms)
    }
  }
}

async function failure(kind: FileKind, name: string, text: string): Promise<InputError> {
  const file = path.join(dir, name)
  const {writeFile} = await import('node:fs/promises')
  await writeFile(file, text)
  try {
    await loadKind(kind, file)
  } catch (err) {
    if (err instanceof InputError) return err
    throw err
  }
  throw new Error(`${name} loaded without error`)
}

interface Case {
  name: string
  kind: FileKind
  text: string
  /** The message with FILE for the file path (and LINE for the line of `lineOf`). */
  message: string
  /** The first line matching this is LINE. */
  lineOf?: RegExp
  line?: number
  path?: string
}

const cases: Case[] = [
  {
    name: 'a rate that is no rate',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}    devices:\n      - id: net0\n        kind: net\n        offered: fast\n`,
    message: 'FILE:11: vm_types[0].devices[0].offered: expected a rate like "10 Gbit/s", "1.2 Mpps" or "40000 IOPS", found "fast"',
    line: 11,
    path: 'vm_types[0].devices[0].offered',
  },
  {
    name: 'a size in the wrong unit',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}    devices:\n      - {id: net0, kind: net, size: 150 Gbit/s}\n`,
    message: 'FILE:9: vm_types[0].devices[0].size: expected a size like "4 KiB" or "64 B", found "150 Gbit/s" (a data rate)',
  },
  {
    name: 'a latency in the wrong unit',
    kind: 'host',
    text: `${HOST_HEAD}block_devices:\n  - id: d0\n    node: 0\n    max_iops: 10 kIOPS\n    max_bandwidth: 1 GB/s\n    latency: 150 Gbit/s\n`,
    message: 'FILE:12: block_devices[0].latency: expected a time like "150 us", found "150 Gbit/s" (a data rate)',
  },
  {
    name: 'a negative offered load',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}    devices:\n      - {id: net0, kind: net, offered: -5 Gbps}\n`,
    message: 'FILE:9: vm_types[0].devices[0].offered: expected a rate like "10 Gbit/s", "1.2 Mpps" or "40000 IOPS", found "-5 Gbps" (negative)',
  },
  {
    name: 'an unknown key close to a known one',
    kind: 'workload',
    text: `kind: workload\nversion: 1\nname: w\nvm_types:\n  - name: web\n    vcpu: 2\n    memory: 4 GiB\n`,
    message:
      'FILE:6: vm_types[0].vcpu: expected one of the keys name, description, count, vcpus, memory, tenant, cgroup, devices, slo, found unknown key "vcpu"; did you mean "vcpus"?',
    line: 6,
    path: 'vm_types[0].vcpu',
  },
  {
    name: 'an unknown key written in camelCase',
    kind: 'host',
    text: `${HOST_HEAD}platform: {postedInterrupts: true}\n`,
    message: 'FILE:7: platform.postedInterrupts: expected one of the keys posted_interrupts, pv_eoi, ioeventfd, found unknown key "postedInterrupts"; did you mean "posted_interrupts"?',
  },
  {
    name: 'an unknown key far from every known one',
    kind: 'host',
    text: `${HOST_HEAD}colour: blue\n`,
    message:
      'FILE:7: colour: expected one of the keys kind, version, name, description, sockets, nodes_per_socket, cores_per_node, threads_per_core, cpus, frequency, memory_per_node, distances, ... (20 in all), found unknown key "colour"',
  },
  {
    name: 'a missing key',
    kind: 'workload',
    text: `kind: workload\nversion: 1\nname: w\nvm_types:\n  - name: web\n    vcpus: 2\n`,
    message: 'FILE:5: vm_types[0]: expected the key "memory", found no such key',
  },
  {
    name: 'a missing top-level key',
    kind: 'workload',
    text: `kind: workload\nversion: 1\nvm_types:\n  - {name: web, vcpus: 2, memory: 1 GiB}\n`,
    message: 'FILE:1: expected the key "name", found no such key',
  },
  {
    name: 'a value outside an enumeration',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}    devices:\n      - {id: net0, kind: net, pattern: streem}\n`,
    message: 'FILE:9: vm_types[0].devices[0].pattern: expected one of "stream" or "rr", found "streem"; did you mean "stream"?',
  },
  {
    name: 'a whole number below its minimum',
    kind: 'workload',
    text: `kind: workload\nversion: 1\nname: w\nvm_types:\n  - name: web\n    vcpus: 0\n    memory: 4 GiB\n`,
    message: 'FILE:6: vm_types[0].vcpus: expected a whole number of at least 1, found 0',
  },
  {
    name: 'a word for a number',
    kind: 'workload',
    text: `kind: workload\nversion: 1\nname: w\nvm_types:\n  - name: web\n    vcpus: four\n    memory: 4 GiB\n`,
    message: 'FILE:6: vm_types[0].vcpus: expected a whole number, found "four"',
  },
  {
    name: 'an empty value',
    kind: 'workload',
    text: `kind: workload\nversion: 1\nname: w\nvm_types:\n  - name: web\n    vcpus: 2\n    memory:\n`,
    message: 'FILE:7: vm_types[0].memory: expected a size like "4 KiB" or "64 B", found nothing',
  },
  {
    name: 'a file of another kind',
    kind: 'host',
    text: WORKLOAD_HEAD,
    message: 'FILE:1: kind: expected a host file (kind: host), found "workload"',
  },
  {
    name: 'a future version',
    kind: 'host',
    text: HOST_HEAD.replace('version: 1', 'version: 2'),
    message: 'FILE:2: version: expected version 1, found 2',
  },
  {
    name: 'a list where a mapping belongs',
    kind: 'host',
    text: '- a\n- b\n',
    message: 'FILE:1: expected a mapping of keys to values, found a list of 2 items',
  },
  {
    name: 'a direction of the other device kind',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}    devices:\n      - {id: d0, kind: block, direction: tx}\n`,
    message: 'FILE:9: vm_types[0].devices[0].direction: expected a block direction, "read" or "write", found "tx"',
  },
  {
    name: 'a fraction above 100%',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}    slo: {min_fraction: 120%}\n`,
    message: 'FILE:8: vm_types[0].slo.min_fraction: expected a fraction like "80%" or 0.8, found "120%"',
  },
  {
    name: 'a quota that is no quota',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}    cgroup:\n      cpu_max: lots\n`,
    message: 'FILE:9: vm_types[0].cgroup.cpu_max: expected a CPU quota like "200%", "2 cpus", "200000 100000" or "max", found "lots"',
  },
  {
    name: 'a CPU list that is no list',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}    cgroup:\n      cpuset: 0-3,x\n`,
    message: 'FILE:9: vm_types[0].cgroup.cpuset: expected a CPU list like "0-3,8", found "0-3,x"',
  },
  {
    name: 'a CPU list of the wrong type (a union, no branch matches)',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}    cgroup:\n      cpuset: true\n`,
    message: 'FILE:9: vm_types[0].cgroup.cpuset: expected a CPU list like "0-3,8", found true',
  },
  {
    name: 'two VM types with one name',
    kind: 'workload',
    text: `${WORKLOAD_HEAD}  - {name: web, vcpus: 1, memory: 1 GiB}\n`,
    message: 'FILE:8: vm_types[1].name: expected a unique VM type name, found "web" twice',
  },
  {
    name: 'both topology forms',
    kind: 'host',
    text: `${HOST_HEAD}cpus:\n  - {id: 0, node: 0, core: 0, thread: 0}\n`,
    message: 'FILE:7: cpus: expected either the compact topology (nodes_per_socket, cores_per_node, threads_per_core) or an explicit "cpus" list, found both',
  },
  {
    name: 'no topology',
    kind: 'host',
    text: HOST_HEAD.replace('cores_per_node: 4\n', ''),
    message: 'FILE:1: expected either the compact topology (nodes_per_socket, cores_per_node, threads_per_core) or an explicit "cpus" list, found neither',
  },
  {
    name: 'more logical CPUs than a Linux kernel takes',
    kind: 'host',
    text: HOST_HEAD.replace('cores_per_node: 4', 'sockets: 2\ncores_per_node: 100000\nthreads_per_core: 2'),
    message: 'FILE:5: cores_per_node: expected logical CPUs (sockets x nodes_per_socket x cores_per_node x threads_per_core) of at most 8192, found 2 x 1 x 100000 x 2 = 400000',
  },
  {
    name: 'more logical CPUs than a Linux kernel takes, blamed on the largest field',
    kind: 'host',
    text: HOST_HEAD.replace('cores_per_node: 4', 'cores_per_node: 4\nthreads_per_core: 4096'),
    message: 'FILE:5: threads_per_core: expected logical CPUs (sockets x nodes_per_socket x cores_per_node x threads_per_core) of at most 8192, found 1 x 1 x 4 x 4096 = 16384',
  },
  {
    name: 'an explicit CPU list longer than a Linux kernel takes',
    kind: 'host',
    text: HOST_HEAD.replace('cores_per_node: 4\n', '') + 'cpus:\n' + Array.from({length: 8193}, (_, i) => `  - {id: ${i}, node: 0, core: ${i}, thread: 0}\n`).join(''),
    message: 'FILE:6: cpus: expected a list of at most 8192 items, found a list of 8193 items',
  },
  {
    name: 'memory for the wrong number of nodes',
    kind: 'host',
    text: HOST_HEAD.replace('memory_per_node: 8 GiB', 'nodes_per_socket: 2\nmemory_per_node: [8 GiB]'),
    message: 'FILE:7: memory_per_node: expected one memory size per NUMA node (2), found a list of 1 item',
  },
  {
    name: 'a NIC on a node the host does not have',
    kind: 'host',
    text: `${HOST_HEAD}nics:\n  - {id: nic0, node: 1, line_rate: 10 Gbit/s}\n`,
    message: 'FILE:8: nics[0].node: expected a NUMA node of host h (0 to 0), found 1',
  },
  {
    name: 'housekeeping on a CPU the host does not have',
    kind: 'host',
    text: `${HOST_HEAD}housekeeping: 0,9\n`,
    message: 'FILE:7: housekeeping: expected a CPU of host h, found CPU 9',
  },
  {
    name: 'explicit CPUs with a gap in node ids',
    kind: 'host',
    text: `kind: host\nversion: 1\nname: h\nfrequency: 2 GHz\nmemory_per_node: 8 GiB\ncpus:\n  - {id: 0, node: 0, core: 0, thread: 0}\n  - {id: 1, node: 2, core: 1, thread: 0}\n`,
    message: 'FILE:8: cpus[1].node: expected NUMA node ids 0 to 1 without gaps, found 2',
  },
  {
    name: 'a notification with a typo in a key (union: the mapping branch got furthest)',
    kind: 'layout',
    text: `kind: layout\nversion: 1\nhost: small\nroles: {io: 7}\nworkers:\n  - architecture: elvis\n    cpus: 7\n    notification: {kind: spin, budgt: 20 us}\n    devices: []\nvms: []\n`,
    message: 'FILE:8: workers[0].notification.budgt: expected one of the keys kind, budget, period, ring, found unknown key "budgt"; did you mean "budget"?',
  },
  {
    name: 'a notification policy that does not exist',
    kind: 'layout',
    text: `kind: layout\nversion: 1\nhost: small\nroles: {io: 7}\nworkers:\n  - architecture: elvis\n    cpus: 7\n    notification: spinn(20 us)\n    devices: []\nvms: []\n`,
    message: 'FILE:8: workers[0].notification: expected a notification policy like "kick", "poll", "spin(20 us)" or "timer(150 us, 256)", found "spinn(20 us)"; did you mean "spin"?',
  },
  {
    name: 'a spin budget that is no time',
    kind: 'layout',
    text: `kind: layout\nversion: 1\nhost: small\nroles: {io: 7}\nworkers:\n  - architecture: elvis\n    cpus: 7\n    notification: spin(20 Gbps)\n    devices: []\nvms: []\n`,
    message: 'FILE:8: workers[0].notification: expected a time like "150 us", found "20 Gbps" (a data rate)',
  },
  {
    name: 'a notification of the wrong type',
    kind: 'layout',
    text: `kind: layout\nversion: 1\nhost: small\nroles: {io: 7}\nworkers:\n  - architecture: elvis\n    cpus: 7\n    notification: 5\n    devices: []\nvms: []\n`,
    message: 'FILE:8: workers[0].notification: expected a notification policy like "kick", "poll", "spin(20 us)" or "timer(150 us, 256)", found 5',
  },
  {
    name: 'a YAML syntax error',
    kind: 'host',
    text: `${HOST_HEAD}name: again\n`,
    message: 'FILE:7: expected valid YAML, found a syntax error: map keys must be unique',
  },
  {
    name: 'a colon inside a plain value',
    kind: 'scenario',
    text: 'kind: scenario\nversion: 1\nname: s\nsource: see (page: 4)\n',
    message: 'FILE:4: expected valid YAML, found a syntax error: nested mappings are not allowed in compact mappings; put the value in quotes when it contains ": "',
  },
  {
    name: 'a calibration without one of its costs',
    kind: 'calibration',
    text: testCalibrationYaml().replace(/^eoi_cycles:.*\n/m, ''),
    message: 'FILE:1: expected the key "eoi_cycles", found no such key',
  },
  {
    name: 'a calibration cost without a source',
    kind: 'calibration',
    text: testCalibrationYaml().replace(/^eoi_cycles:.*$/m, 'eoi_cycles: {value: 1556}'),
    message: 'FILE:LINE: eoi_cycles: expected the key "source", found no such key',
    lineOf: /^eoi_cycles:/,
  },
  {
    name: 'a calibration time in the wrong unit',
    kind: 'calibration',
    text: testCalibrationYaml().replace(/^wakeup_latency_s:.*$/m, 'wakeup_latency_s: {value: 5 GHz, source: x}'),
    message: 'FILE:LINE: wakeup_latency_s.value: expected a time like "150 us", found "5 GHz" (a frequency)',
    lineOf: /^wakeup_latency_s:/,
  },
  {
    name: 'a cluster with a negative count',
    kind: 'cluster',
    text: 'kind: cluster\nversion: 1\nname: c\nhosts:\n  - {host: h.yaml, count: -1}\n',
    message: 'FILE:5: hosts[0].count: expected a whole number of at least 0, found -1',
  },
  {
    name: 'a scenario host that is neither a path nor a mapping',
    kind: 'scenario',
    text: 'kind: scenario\nversion: 1\nname: s\nhost: 5\nworkload: w.yaml\npolicy: {}\n',
    message: 'FILE:4: host: expected a string or a mapping of keys to values, found 5',
  },
]

describe('bad inputs give one exact message', () => {
  test.each(cases.map((c, i) => ({...c, file: `case-${i}.${c.name.includes('JSON') ? 'json' : 'yaml'}`})))('$name', async (c) => {
    const err = await failure(c.kind, c.file, c.text)
    const file = path.join(dir, c.file)
    const line = c.lineOf === undefined ? 0 : c.text.split('\n').findIndex((l) => c.lineOf?.test(l)) + 1
    expect(err.message).toBe(c.message.replace('FILE', file).replace('LINE', String(line)))
    expect(err.file).toBe(file)
    if (c.line !== undefined) expect(err.line).toBe(c.line)
    if (c.path !== undefined) expect(err.path).toBe(c.path)
  })
})

describe('error fields', () => {
  test('the offered-load error carries file, path, line, expected and found', async () => {
    const err = await failure('workload', 'fields.yaml', `${WORKLOAD_HEAD}    devices:\n      - id: net0\n        kind: net\n        offered: fast\n`)
    expect(err).toBeInstanceOf(InputError)
    expect(err.code).toBe('quantity')
    expect(err.file).toBe(path.join(dir, 'fields.yaml'))
    expect(err.line).toBe(11)
    expect(err.path).toBe('vm_types[0].devices[0].offered')
    expect(err.segments).toEqual(['vm_types', 0, 'devices', 0, 'offered'])
    expect(err.expected).toBe(expected.offered)
    expect(err.found).toBe(found.value('fast'))
  })

  test('unknown keys have their own code and a did-you-mean hint', async () => {
    const err = await failure('workload', 'unknown.yaml', 'kind: workload\nversion: 1\nname: w\nvm_types:\n  - name: web\n    vcpus: 2\n    memroy: 4 GiB\n')
    expect(err.code).toBe('unknown-key')
    expect(err.hint).toBe(hint.didYouMean('memory'))
    expect(err.found).toBe(found.unknownKey('memroy'))
    expect(err.line).toBe(7)
  })

  test('the first error in the file is reported when there are several', async () => {
    const err = await failure('workload', 'several.yaml', `kind: workload\nversion: 1\nname: w\nvm_types:\n  - name: web\n    vcpus: two\n    memory: 4 GiB\n    devices:\n      - {id: n, kind: nett}\n`)
    expect(err.line).toBe(6)
    expect(err.path).toBe('vm_types[0].vcpus')
  })

  test('a file that does not exist', async () => {
    const file = path.join(dir, 'nope.yaml')
    await expect(loadHost(file)).rejects.toThrow(`${file}: expected an existing file, found "${file}" (no such file)`)
  })

  test('a folder where a file belongs', async () => {
    await expect(loadHost(dir)).rejects.toThrow(`${dir}: expected a readable file, found "${dir}" (a directory)`)
  })
})

describe('JSON files', () => {
  test('a JSON syntax error names its line', async () => {
    const err = await failure('host', 'bad.json', '{\n  "kind": "host",\n  "version": 1,\n}\n')
    expect(err.code).toBe('syntax')
    expect(err.line).toBe(4)
    expect(err.message).toMatch(new RegExp(`^${path.join(dir, 'bad.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: expected valid JSON, found a syntax error: `))
  })

  test('a schema error in JSON names its line too', async () => {
    const text = JSON.stringify({kind: 'workload', version: 1, name: 'w', vm_types: [{name: 'web', vcpus: 2, memory: '4 GiB', devices: [{id: 'n', kind: 'net', offered: 'fast'}]}]}, null, 2)
    const err = await failure('workload', 'w.json', text)
    expect(err.path).toBe('vm_types[0].devices[0].offered')
    expect(err.line).toBe(text.split('\n').findIndex((l) => l.includes('"fast"')) + 1)
  })
})
