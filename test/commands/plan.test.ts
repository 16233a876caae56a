import {mkdtemp, readFile, readdir} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, test} from 'vitest'

import {parseCpuset} from '../../src/io/cpuset.js'
import {loadWorkload} from '../../src/io/load.js'
import {type Run, root, sidecore} from './cli.js'

interface PlanJson {
  hosts: {id: string; cpus: Record<string, string>; vms: {vm: string; node: number; cpus: string}[]}[]
  vms: {id: string; type: string; host?: string; reason?: string}[]
  bound: number
  gap: number
}

describe('sidecore plan', () => {
  let dir: string
  let first: Run
  let plan: PlanJson
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-plan-'))
    first = await sidecore(['plan', '--out', path.join(dir, 'a'), '--threads', '2'])
    plan = JSON.parse(await readFile(path.join(dir, 'a', 'plan.json'), 'utf8'))
  }, 300_000)

  test('with no arguments it plans the example datacenter and prints a summary', () => {
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^Hosts +\d+ used: /m)
    expect(first.stdout).toMatch(/^Bound +[\d.]+ \(plan \d+, gap [\d.]+%\)/m)
    expect(first.stdout).toMatch(/^VMs +\d+ of \d+ placed/m)
  })

  test('writes plan.json and the five CSV tables', async () => {
    expect((await readdir(path.join(dir, 'a'))).sort())
      .toEqual(['cpus.csv', 'devices.csv', 'hosts.csv', 'plan.json', 'vms.csv', 'workers.csv'])
    const hosts = (await readFile(path.join(dir, 'a', 'hosts.csv'), 'utf8')).trim().split('\n')
    expect(hosts).toHaveLength(1 + plan.hosts.length)
  })

  test('every VM of the workload appears exactly once, placed or unplaced with a reason', async () => {
    const workload = await loadWorkload(path.join(root, 'data', 'workloads', 'datacenter.yaml'))
    const expected = workload.entries.reduce((s, e) => s + e.count, 0)
    expect(plan.vms).toHaveLength(expected)
    expect(new Set(plan.vms.map(v => v.id)).size).toBe(expected)
    for (const v of plan.vms) expect(Boolean(v.host) !== Boolean(v.reason)).toBe(true)
    const onHosts = plan.hosts.flatMap(h => h.vms.map(v => v.vm))
    expect(new Set(onHosts).size).toBe(onHosts.length)
    expect(onHosts.length).toBe(plan.vms.filter(v => v.host).length)
  })

  test('no CPU runs two vCPUs or has two roles, and every pinned CPU has the vm role', () => {
    for (const h of plan.hosts) {
      const pins = h.vms.flatMap(v => parseCpuset(v.cpus))
      expect(new Set(pins).size).toBe(pins.length)
      const roles = Object.values(h.cpus).flatMap(list => parseCpuset(list))
      expect(new Set(roles).size).toBe(roles.length)
      const vmCpus = new Set(parseCpuset(h.cpus.vm ?? ''))
      for (const c of pins) expect(vmCpus.has(c)).toBe(true)
    }
  })

  test('the bound is below the plan and the gap is a fraction', () => {
    expect(plan.gap).toBeGreaterThanOrEqual(0)
    expect(plan.gap).toBeLessThan(1)
    expect(plan.bound).toBeGreaterThan(0)
  })

  test('the same input and seed give the same plan, byte for byte; --json gives the summary', async () => {
    const again = await sidecore(['plan', '--out', path.join(dir, 'b'), '--json'])
    expect(again.code).toBe(0)
    const summary = JSON.parse(again.stdout)
    expect(summary.gap).toBeCloseTo(plan.gap, 12)
    expect(summary.bound).toBeCloseTo(plan.bound, 6)
    // Every plan reports its improvement over each baseline on the same input.
    expect(summary.baselines.map((b: {id: string}) => b.id)).toEqual(
      ['default', 'ovs-roundrobin', 'ovs-cycles', 'ovs-group', 'k8s-packed', 'k8s-distributed', 'nova-isolate', 'nova-share'])
    for (const b of summary.baselines) expect(typeof b.improvement === 'number' || b.improvement === null).toBe(true)
    expect(first.stdout).toMatch(/^Baseline +Hosts +Unplaced VMs/m)
    expect(await readFile(path.join(dir, 'b', 'plan.json'), 'utf8')).toBe(await readFile(path.join(dir, 'a', 'plan.json'), 'utf8'))
  }, 300_000)

  test('one thread or two, the same plan and the same CSV files', async () => {
    const one = await sidecore(['plan', '--out', path.join(dir, 'one'), '--threads', '1'])
    expect(one.code).toBe(0)
    for (const file of ['plan.json', 'hosts.csv', 'cpus.csv', 'vms.csv', 'devices.csv', 'workers.csv']) {
      expect(await readFile(path.join(dir, 'one', file), 'utf8'), file).toBe(await readFile(path.join(dir, 'a', file), 'utf8'))
    }
  }, 300_000)

  test('--net, --block and --notifications narrow the designs the search may choose', async () => {
    const run = await sidecore(['plan', '--out', path.join(dir, 'narrow'), '--net', 'elvis', '--notifications', 'poll', '--threads', '1'])
    expect(run.code).toBe(0)
    const narrow: {hosts: {workers: {architecture: string; notification: string}[]}[]} =
      JSON.parse(await readFile(path.join(dir, 'narrow', 'plan.json'), 'utf8'))
    const net = narrow.hosts.flatMap(h => h.workers).filter(w => w.architecture !== 'vhost-blk')
    expect(net.length).toBeGreaterThan(0)
    for (const w of net) expect([w.architecture, w.notification]).toEqual(['elvis', 'poll'])
    const bad = await sidecore(['plan', '--out', path.join(dir, 'bad'), '--net', 'nope'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--net: expected one of')
  }, 300_000)

  test('a workload file that does not exist: a clear message, exit 2, nothing written', async () => {
    const run = await sidecore(['plan', 'data/clusters/example.yaml', 'data/workloads/nope.yaml', '--out', path.join(dir, 'c')])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/nope\.yaml/)
    expect(await readdir(dir)).not.toContain('c')
  })
})
