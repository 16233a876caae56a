/**
 * References between and inside files: devices, VMs, CPUs, nodes, NICs,
 * block devices, hosts, files and calibration profiles. Each broken
 * reference is one clear InputError, located in the file that makes it.
 */
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {InputError} from '../../src/io/errors.js'
import {LayoutError} from '../../src/model/errors.js'
import {listCalibrations, loadCluster, loadScenario} from '../../src/io/load.js'
import {expected} from '../../src/messages.js'
import {SMALL_HOST, SMALL_LAYOUT, SMALL_WORKLOAD, cleanup, inputError, tempDir, testCalibrationYaml} from './helpers.js'

let dir: string
beforeAll(async () => {
  dir = await tempDir()
})
afterAll(async () => {
  await cleanup(dir)
})

const SCENARIO = `kind: scenario
version: 1
name: s
host: host.yaml
workload: workload.yaml
layout: layout.yaml
calibration: ./calibration.yaml
`

interface Files {
  host?: string
  workload?: string
  layout?: string
  scenario?: string
}

let n = 0
/** Write a scenario and its parts into a fresh sub-folder; returns the scenario path. */
async function scenario(files: Files = {}): Promise<{file: string; folder: string}> {
  const folder = path.join(dir, `s${n++}`)
  const {mkdir} = await import('node:fs/promises')
  await mkdir(folder)
  await writeFile(path.join(folder, 'host.yaml'), files.host ?? SMALL_HOST)
  await writeFile(path.join(folder, 'workload.yaml'), files.workload ?? SMALL_WORKLOAD)
  await writeFile(path.join(folder, 'layout.yaml'), files.layout ?? SMALL_LAYOUT)
  await writeFile(path.join(folder, 'calibration.yaml'), testCalibrationYaml())
  const file = path.join(folder, 'scenario.yaml')
  await writeFile(file, files.scenario ?? SCENARIO)
  return {file, folder}
}

async function failure(files: Files): Promise<{err: InputError; folder: string}> {
  const {file, folder} = await scenario(files)
  return {err: await inputError(loadScenario(file)), folder}
}

test('the reference scenario loads', async () => {
  const {file} = await scenario()
  const s = await loadScenario(file)
  expect(s.vms.map((v) => v.id)).toEqual(['web-0', 'web-1', 'db-0'])
  expect(s.layout?.workers.map((w) => w.devices)).toEqual([['web-0/net0', 'web-1/net0'], ['db-0/disk0']])
  expect(s.layout?.roles[0]).toBe('housekeeping')
  expect(s.layout?.roles[4]).toBe('idle')
  expect(s.layout?.roles[7]).toBe('io')
  expect(s.calibration.name).toBe('test-profile')
  expect(s.policy).toBeUndefined()
})

const layoutWith = (from: string, to: string) => {
  if (!SMALL_LAYOUT.includes(from)) throw new Error(`layout has no ${from}`)
  return SMALL_LAYOUT.replace(from, to)
}

describe('references inside a layout', () => {
  test.each<[string, string, string]>([
    [
      'a worker naming a device that does not exist',
      layoutWith('devices: [web-0/net0, web-1/net0]', 'devices: [web-0/net9, web-1/net0]'),
      'layout.yaml:12: workers[0].devices[0]: expected a device of VM web-0 ("net0"), found "web-0/net9"; did you mean "web-0/net0"?',
    ],
    [
      'a worker naming a VM that does not exist',
      layoutWith('devices: [web-0/net0, web-1/net0]', 'devices: [web-0/net0, web-7/net0]'),
      'layout.yaml:12: workers[0].devices[1]: expected one of the VMs "web-0", "web-1" or "db-0", found "web-7/net0"; did you mean "web-0/net0"?',
    ],
    [
      'a device reference without a VM',
      layoutWith('devices: [db-0/disk0]', 'devices: [disk0]'),
      'layout.yaml:13: workers[1].devices[0]: expected a device as "vm/device", found "disk0"',
    ],
    [
      'a device served by two workers',
      layoutWith('devices: [db-0/disk0]', 'devices: [db-0/disk0, web-0/net0]'),
      'layout.yaml:13: workers[1].devices[1]: expected every device served by exactly one worker, found "web-0/net0" twice',
    ],
    [
      'a device served by no worker',
      layoutWith('devices: [db-0/disk0]', 'devices: []'),
      'layout.yaml:11: workers: expected every device served by exactly one worker, found "db-0/disk0" served by no worker',
    ],
    [
      'a vCPU pinned to a CPU the host does not have',
      layoutWith('vcpu_pins: "1,5"', 'vcpu_pins: "1,50"'),
      'layout.yaml:8: vms[0].vcpu_pins: expected a CPU of host small, found CPU 50',
    ],
    [
      'a VM pinned outside its cgroup cpuset',
      layoutWith('vm: 1-3,5-6', 'vm: 1-6').replace('vcpu_pins: "1,5"', 'vcpu_pins: "1,4"'),
      'layout.yaml:8: vms[0].vcpu_pins: expected CPUs inside the cpuset of cgroup /machine.slice/default-web (1-3,5-7), found CPU 4',
    ],
    [
      'a vCPU on a CPU whose role is not vm',
      layoutWith('vcpu_pins: 6}', 'vcpu_pins: 7}'),
      'layout.yaml:10: vms[2].vcpu_pins: expected a CPU with role vm, found CPU 7 with role io',
    ],
    [
      'too few CPUs for the vCPUs',
      layoutWith('vcpu_pins: "2-3"', 'vcpu_pins: "2"'),
      'layout.yaml:9: vms[1].vcpu_pins: expected 2 CPUs, one per vCPU, found 1 CPU',
    ],
    [
      'two vCPUs on one CPU without overcommit',
      layoutWith('vcpu_pins: "2-3"', 'vcpu_pins: [2, 2]').replace('vcpu_pins: 6', 'vcpu_pins: 2'),
      'layout.yaml:9: vms[1].vcpu_pins: expected each CPU once, found a list of 2 items (CPU 2 twice)',
    ],
    [
      'vCPUs of two VMs on one CPU without overcommit',
      layoutWith('vcpu_pins: 6}', 'vcpu_pins: 2}'),
      'layout.yaml:10: vms[2].vcpu_pins: expected at most 1 vCPU per CPU (vcpu_overcommit: 1), found CPU 2 pinned by 2 vCPUs',
    ],
    [
      'a VM the workload does not have',
      layoutWith('vm: db-0,', 'vm: db-9,'),
      'layout.yaml:10: vms[2].vm: expected one of the VMs "web-0", "web-1" or "db-0", found "db-9"; did you mean "db-0"?',
    ],
    [
      'a VM placed twice',
      layoutWith('vm: db-0,', 'vm: web-0,'),
      'layout.yaml:10: vms[2].vm: expected every VM placed exactly once, found "web-0" twice',
    ],
    [
      'a VM not placed',
      layoutWith('  - {vm: db-0, node: 1, vcpu_pins: 6}\n', ''),
      'layout.yaml:7: vms: expected every VM placed exactly once, found VM "db-0" not placed',
    ],
    [
      'a VM on a node the host does not have',
      layoutWith('vm: db-0, node: 1', 'vm: db-0, node: 2'),
      'layout.yaml:10: vms[2].node: expected a NUMA node of host small (0 to 1), found 2',
    ],
    [
      'a CPU in two roles',
      layoutWith('io: 7', 'io: 6-7'),
      'layout.yaml:6: roles.io: expected each CPU in one role only, found CPU 6 in vm and io',
    ],
    [
      'a host housekeeping CPU given to VMs',
      layoutWith('vm: 1-3,5-6', 'vm: 0-3,5-6'),
      'layout.yaml:5: roles.vm: expected role housekeeping for a housekeeping CPU of the host, found CPU 0 with role vm',
    ],
    [
      'a role naming a CPU the host does not have',
      layoutWith('io: 7', 'io: 7,12'),
      'layout.yaml:6: roles.io: expected a CPU of host small, found CPU 12',
    ],
    [
      'a pinned worker with two CPUs',
      layoutWith('cpus: 7, notification', 'cpus: 6-7, notification'),
      'layout.yaml:12: workers[0].cpus: expected one CPU for a pinned worker (floating: false), found 2 CPUs',
    ],
    [
      'a pinned worker on a vCPU CPU',
      layoutWith('cpus: 3, floating: true', 'cpus: 3'),
      'layout.yaml:13: workers[1].cpus: expected a CPU with role io, found CPU 3 with role vm',
    ],
    [
      'two workers with one id',
      layoutWith('id: w1', 'id: w0'),
      'layout.yaml:13: workers[1].id: expected a unique worker id, found "w0" twice',
    ],
    [
      'a layout for a different host',
      layoutWith('host: small', 'host: big'),
      'layout.yaml:3: host: expected a layout for host "small", found a layout for "big"',
    ],
  ])('%s', async (_name, layout, message) => {
    const {err, folder} = await failure({layout})
    expect(err.message).toBe(`${path.join(folder, message.split(':')[0])}:${message.split(':').slice(1).join(':')}`)
  })
})

describe('references from a workload to its host', () => {
  test.each<[string, string, string]>([
    [
      'a device backed by a NIC the host lacks',
      SMALL_WORKLOAD.replace('offered: 1 Gbit/s}', 'offered: 1 Gbit/s, backing: nic9}'),
      'workload.yaml:12: vm_types[0].devices[0].backing: expected a NIC of host small ("nic0"), found "nic9"; did you mean "nic0"?',
    ],
    [
      'a device backed by a block device the host lacks',
      SMALL_WORKLOAD.replace('offered: 10 kIOPS}', 'offered: 10 kIOPS, backing: ssd7}'),
      'workload.yaml:17: vm_types[1].devices[0].backing: expected a block device of host small ("disk0"), found "ssd7"',
    ],
    [
      'a block device on a host without any',
      SMALL_WORKLOAD,
      'workload.yaml:17: vm_types[1].devices[0].kind: expected a host with a block device (host small has none), found block device "disk0"',
    ],
    [
      'a cgroup cpuset naming CPUs the host lacks',
      SMALL_WORKLOAD.replace('cpuset: 1-3,5-7', 'cpuset: 1-3,5-9'),
      'workload.yaml:10: vm_types[0].cgroup.cpuset: expected a CPU of host small, found CPU 8',
    ],
  ])('%s', async (name, workload, message) => {
    const host = name.includes('without any') ? SMALL_HOST.replace(/block_devices:\n.*\n/, '') : undefined
    const {err, folder} = await failure({workload, host})
    expect(err.message).toBe(`${path.join(folder, message.split(':')[0])}:${message.split(':').slice(1).join(':')}`)
  })
})

describe('files and profiles', () => {
  test('a host file that does not exist is reported where the scenario names it', async () => {
    const {err, folder} = await failure({scenario: SCENARIO.replace('host: host.yaml', 'host: hosts/nope.yaml')})
    expect(err.message).toBe(`${path.join(folder, 'scenario.yaml')}:4: host: expected an existing file, found "hosts/nope.yaml" (no such file)`)
    expect(err.code).toBe('file')
  })

  test('a host reference that is a folder is reported where the scenario names it', async () => {
    const {err, folder} = await failure({scenario: SCENARIO.replace('host: host.yaml', 'host: ./')})
    expect(err.message).toBe(`${path.join(folder, 'scenario.yaml')}:4: host: expected a readable file, found "./" (a directory)`)
    expect(err.code).toBe('file')
  })

  test('a layout that breaks a rule is reported as it is read, each problem at its line in the layout file', async () => {
    const {folder, file} = await scenario({layout: SMALL_LAYOUT.replace('cpus: 3, floating: true', 'cpus: 3, floating: true, notification: poll')})
    const err = await loadScenario(file).then(() => undefined, (error: unknown) => error)
    expect(err).toBeInstanceOf(LayoutError)
    expect((err as LayoutError).problems).toEqual([`${path.join(folder, 'layout.yaml')}:13: workers[1] (w1): a polling worker must be pinned to its own CPU`])
  })

  test('a policy in a flow mapping with an unquoted timer: the hint says to quote it', async () => {
    const {err, folder} = await failure({scenario: SCENARIO.replace('layout: layout.yaml', 'policy: {net: elvis, notification: timer(150 us, 256)}')})
    expect(err.message).toBe(`${path.join(folder, 'scenario.yaml')}:6: policy["256)"]: expected one of the keys net, block, notification, interrupt, `
      + 'io_cores_per_node, devices_per_worker, sharing, float_on, found unknown key "256)"; quote the value when it contains a comma inside { } or [ ]')
  })

  test("a policy's interrupt mode that the host's platform lacks", async () => {
    const {err, folder} = await failure({scenario: SCENARIO.replace('layout: layout.yaml', 'policy:\n  net: elvis\n  interrupt: posted')})
    expect(err.message).toBe(`${path.join(folder, 'scenario.yaml')}:8: policy.interrupt: expected an interrupt mode host small has: "exit" or "pv-eoi", `
      + 'found "posted"; the host model\'s platform.posted_interrupts says whether it has it')
  })

  test('a layout file that does not exist', async () => {
    const {err, folder} = await failure({scenario: SCENARIO.replace('layout: layout.yaml', 'layout: layuot.yaml')})
    expect(err.message).toBe(`${path.join(folder, 'scenario.yaml')}:6: layout: expected an existing file, found "layuot.yaml" (no such file)`)
  })

  test('a calibration profile that does not exist', async () => {
    const {err, folder} = await failure({scenario: SCENARIO.replace('calibration: ./calibration.yaml', 'calibration: no-such-profile')})
    const names = await listCalibrations()
    expect(err.message).toMatch(
      new RegExp(`^${escape(path.join(folder, 'scenario.yaml'))}:7: calibration: ${escape(`expected ${expected.calibrationRef(names)}, found "no-such-profile" (no such profile)`)}; `),
    )
    expect(err.code).toBe('reference')
  })

  test('a host file referenced from a cluster that does not exist', async () => {
    const file = path.join(dir, 'cluster.yaml')
    await writeFile(file, 'kind: cluster\nversion: 1\nname: c\nhosts:\n  - host: missing.yaml\n    count: 2\n')
    await expect(loadCluster(file)).rejects.toThrow(`${file}:5: hosts[0].host: expected an existing file, found "missing.yaml" (no such file)`)
  })

  test('a cluster reads each host file once and keeps labels', async () => {
    const sub = path.join(dir, 'cl')
    const {mkdir} = await import('node:fs/promises')
    await mkdir(path.join(sub, 'hosts'), {recursive: true})
    await writeFile(path.join(sub, 'hosts', 'small.yaml'), SMALL_HOST)
    const file = path.join(sub, 'cluster.yaml')
    await writeFile(
      file,
      'kind: cluster\nversion: 1\nname: c\nhosts:\n  - {host: hosts/small.yaml, count: 2, labels: {rack: r1}}\n  - {host: hosts/small.yaml, count: 3}\n',
    )
    const c = await loadCluster(file)
    expect(c.entries.map((e) => [e.host.model, e.count, e.labels])).toEqual([
      ['small', 2, {rack: 'r1'}],
      ['small', 3, {}],
    ])
    expect(c.entries[0].host).toBe(c.entries[1].host)
    expect(c.entries[0].file).toBe(path.join(sub, 'hosts', 'small.yaml'))
  })
})

describe('scenario structure', () => {
  test('a layout and a policy together', async () => {
    const {err, folder} = await failure({scenario: `${SCENARIO}policy: {net: elvis}\n`})
    expect(err.message).toBe(`${path.join(folder, 'scenario.yaml')}:8: policy: expected either "layout" or "policy", found both`)
  })

  test('neither a layout nor a policy', async () => {
    const {err, folder} = await failure({scenario: SCENARIO.replace('layout: layout.yaml\n', '')})
    expect(err.message).toBe(`${path.join(folder, 'scenario.yaml')}:1: expected either "layout" or "policy", found neither`)
  })

  test('with no calibration in the scenario nor in the host (as `host import` writes it), the current profile, as plan uses', async () => {
    const {file} = await scenario({scenario: SCENARIO.replace('calibration: ./calibration.yaml\n', '')})
    expect((await loadScenario(file)).calibration.name).toBe('current')
  })

  test("the host model's calibration, resolved next to the host file", async () => {
    const {file} = await scenario({
      host: `${SMALL_HOST}calibration: ./calibration.yaml\n`,
      scenario: SCENARIO.replace('calibration: ./calibration.yaml\n', ''),
    })
    expect((await loadScenario(file)).calibration.name).toBe('test-profile')
  })

  test('errors inside an inline host carry the path under the scenario', async () => {
    const inline = SMALL_HOST.replace(/^kind: host\nversion: 1\n/, '').replace('frequency: 2 GHz', 'frequency: 2 Gbps').replace(/^(?=.)/gm, '  ')
    const {err, folder} = await failure({scenario: SCENARIO.replace('host: host.yaml\n', `host:\n${inline}`)})
    expect(err.message).toBe(`${path.join(folder, 'scenario.yaml')}:9: host.frequency: expected a frequency like "2.6 GHz", found "2 Gbps" (a data rate)`)
  })

  test('a policy with more I/O cores than a node has', async () => {
    const {err, folder} = await failure({scenario: SCENARIO.replace('layout: layout.yaml', 'policy:\n  net: elvis\n  io_cores_per_node: 3')})
    expect(err.message).toBe(`${path.join(folder, 'scenario.yaml')}:8: policy.io_cores_per_node: expected I/O cores per node on host small of at most 2, found 3`)
  })

  // Every vCPU is pinned to a CPU: a count far beyond the host is one message, found before
  // any VM is built (a billion VMs would not fit in memory).
  test.each<[string, string, Files, string]>([
    ['more vCPUs than a policy can pin on the host', 'count: 1000000000',
      {scenario: SCENARIO.replace('layout: layout.yaml', 'policy:\n  net: elvis')},
      'expected at most 8 vCPUs in all: host small has 8 CPUs and pins every vCPU to one, '
        + 'found 2000000001 vCPUs (1000000000 VMs of web with 2 vCPUs each, and the other VM types)'],
    ['more vCPUs than a layout may pin, with its overcommit', 'count: 9',
      {layout: SMALL_LAYOUT.replace('host: small\n', 'host: small\nvcpu_overcommit: 2\n')},
      'expected at most 16 vCPUs in all: host small has 8 CPUs and pins every vCPU to one, at most 2 to a CPU, '
        + 'found 19 vCPUs (9 VMs of web with 2 vCPUs each, and the other VM types)'],
  ])('%s', async (_name, count, files, message) => {
    const {err, folder} = await failure({...files, workload: SMALL_WORKLOAD.replace('count: 2', count)})
    expect(err.message).toBe(`${path.join(folder, 'workload.yaml')}:6: vm_types[0].count: ${message}`)
  })

  test('a policy gets its defaults, the interrupt mode from the host platform', async () => {
    const {file} = await scenario({scenario: SCENARIO.replace('layout: layout.yaml', 'policy:\n  net: elvis\n  notification: spin')})
    const s = await loadScenario(file)
    expect(s.policy).toEqual({
      net: 'elvis',
      block: 'qemu-userspace',
      notification: {kind: 'spin', budgetS: 20e-6},
      interrupt: 'pv-eoi',
      ioCoresPerNode: 1,
      devicesPerWorker: 7,
      sharing: 'same-cgroup',
      floatOn: 'vm-cpus',
    })
    expect(s.layout).toBeUndefined()
  })
})

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
