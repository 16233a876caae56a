import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {InputError} from '../../src/io/errors.js'
import {CALIBRATION_FIELDS} from '../../src/io/schemas.js'

/** A fresh temporary folder; remove it with `cleanup`. */
export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'sidecore-io-'))
}

export async function cleanup(dir: string): Promise<void> {
  await rm(dir, {recursive: true, force: true})
}

/** Write `files` (name -> text) into `dir`; returns the path of each by name. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name)
    await writeFile(file, text)
    out[name] = file
  }
  return out
}

/** The InputError that loading rejects with; anything else, or no error at all, fails the test. */
export async function inputError(loading: Promise<unknown>): Promise<InputError> {
  try {
    await loading
  } catch (err) {
    if (err instanceof InputError) return err
    throw err
  }

  throw new Error('loaded without an input error')
}

/** A complete calibration profile of our own, as YAML: every cost 1000 cycles, times in us. */
export function testCalibrationYaml(name = 'test-profile'): string {
  const lines = ['kind: calibration', 'version: 1', `name: ${name}`, 'era: test', 'description: A profile for the io tests.']
  for (const f of Object.values(CALIBRATION_FIELDS)) {
    const value = f.unit === 'time' ? '"5 us"' : f.unit === 'ratio' ? '1.5' : f.unit === 'count' ? '4' : '1000'
    lines.push(`${f.key}: {value: ${value}, source: "io test"}`)
  }
  return `${lines.join('\n')}\n`
}

/** A small host: 1 socket, 2 nodes of 2 cores, SMT 2 -> CPUs 0-3 first threads, 4-7 siblings. */
export const SMALL_HOST = `kind: host
version: 1
name: small
nodes_per_socket: 2
cores_per_node: 2
threads_per_core: 2
frequency: 2 GHz
memory_per_node: 8 GiB
nics:
  - {id: nic0, node: 0, line_rate: 10 Gbit/s}
block_devices:
  - {id: disk0, node: 1, max_iops: 100 kIOPS, max_bandwidth: 1 GB/s, latency: 100 us}
housekeeping: "0"
`

/** Two VM types: web (2 vCPUs, cpuset 1-3,5-7, one net device) x2 and db (1 vCPU, one block device) x1. */
export const SMALL_WORKLOAD = `kind: workload
version: 1
name: small
vm_types:
  - name: web
    count: 2
    vcpus: 2
    memory: 2 GiB
    cgroup:
      cpuset: 1-3,5-7
    devices:
      - {id: net0, kind: net, size: 1500 B, offered: 1 Gbit/s}
  - name: db
    vcpus: 1
    memory: 4 GiB
    devices:
      - {id: disk0, kind: block, offered: 10 kIOPS}
`

/** A valid layout for SMALL_HOST and SMALL_WORKLOAD. */
export const SMALL_LAYOUT = `kind: layout
version: 1
host: small
roles:
  vm: 1-3,5-6
  io: 7
vms:
  - {vm: web-0, node: 0, vcpu_pins: "1,5"}
  - {vm: web-1, node: 1, vcpu_pins: "2-3"}
  - {vm: db-0, node: 1, vcpu_pins: 6}
workers:
  - {id: w0, architecture: vhost-shared, cpus: 7, notification: poll, devices: [web-0/net0, web-1/net0]}
  - {id: w1, architecture: vhost-blk, cpus: 3, floating: true, devices: [db-0/disk0]}
interrupt: pv-eoi
sharing: any
`
