import {mkdir, mkdtemp, readFile, readdir, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, test} from 'vitest'

import {root, sidecore} from './cli.js'

const example = 'data/scenarios/elvis.yaml'

describe('sidecore evaluate', () => {
  test('prints a summary of the bundled example', async () => {
    const run = await sidecore(['evaluate', example])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Host +sandy-bridge-8c$/m)
    expect(run.stdout).toMatch(/^Delivered +9\.87 Gbit\/s/m)
    expect(run.stdout).toContain('Limited by')
    expect(run.stdout).not.toContain('\u001B[')
  })

  test('--json gives the full evaluation, the same on every run', async () => {
    const a = await sidecore(['evaluate', example, '--json'])
    const b = await sidecore(['evaluate', example, '--json'])
    expect(a.code).toBe(0)
    expect(a.stdout).toBe(b.stdout)
    const json = JSON.parse(a.stdout)
    expect(json.evaluation.devices).toHaveLength(7)
    expect(json.evaluation.totals.netBps).toBeCloseTo(9.87e9, -7)
    expect(json.layout.workers[0].notification).toEqual({kind: 'poll'})
  })

  test('--csv writes the five tables, one row per entity', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-csv-'))
    const run = await sidecore(['evaluate', example, '--csv', dir])
    expect(run.code).toBe(0)
    expect((await readdir(dir)).sort()).toEqual(['cpus.csv', 'devices.csv', 'hosts.csv', 'vms.csv', 'workers.csv'])
    const devices = (await readFile(path.join(dir, 'devices.csv'), 'utf8')).trim().split('\n')
    expect(devices).toHaveLength(1 + 7)
    const cpus = (await readFile(path.join(dir, 'cpus.csv'), 'utf8')).trim().split('\n')
    expect(cpus).toHaveLength(1 + 8)
  })

  test('--csv into a folder where a folder is in the way: a clear message, exit 2, the old tables kept', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-blocked-'))
    await writeFile(path.join(dir, 'hosts.csv'), 'old\n')
    await mkdir(path.join(dir, 'vms.csv'))
    for (const json of [false, true]) {
      const run = await sidecore(['evaluate', example, '--csv', dir, ...(json ? ['--json'] : [])])
      expect(run.code).toBe(2)
      const message = `cannot write ${path.join(dir, 'vms.csv')}: a folder is in the way; the previous files are left as they were`
      if (json) expect(JSON.parse(run.stdout)).toEqual({error: {message, exit: 2}})
      else expect(run.stderr.trim()).toBe(`Error: ${message}`)
    }

    expect(await readFile(path.join(dir, 'hosts.csv'), 'utf8')).toBe('old\n')
    expect((await readdir(dir)).sort()).toEqual(['hosts.csv', 'vms.csv'])
  })

  test('a --calibration profile that does not exist names the flag', async () => {
    const run = await sidecore(['evaluate', example, '--calibration', 'era-2031'])
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toBe('Error: --calibration: expected a calibration profile name ("current" or "era-2013") or a file path, '
      + 'found "era-2031" (no such profile); did you mean "era-2013"?')
  })

  test.each([
    ['a file that does not exist', ['evaluate', 'data/scenarios/nope.yaml'], /nope\.yaml/],
    ['an interrupt mode the platform lacks, at its line', ['evaluate', 'BAD_POSTED'],
      /posted\.yaml:18: policy\.interrupt: expected an interrupt mode host sandy-bridge-8c has: "exit" or "pv-eoi", found "posted"/],
    ['a bad quantity', ['evaluate', 'BAD_OFFERED'], /devices\[0\]\.offered: expected .*found "fast"/],
    ['a policy that cannot be laid out, at its line', ['evaluate', 'BAD_POLICY'],
      /posted\.yaml:15: policy: cannot be laid out on this host: polling workers need dedicated I\/O cores, but io_cores_per_node is 0\n/],
  ])('%s: a clear message, exit 2, no stack trace, no output written', async (_name, args, message) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-bad-'))
    const scenario = await readFile(path.join(root, example), 'utf8')
    const posted = scenario.replace('interrupt: pv-eoi', 'interrupt: posted')
      .replace('host: ../hosts/sandy-bridge-8c.yaml', `host: ${path.join(root, 'data/hosts/sandy-bridge-8c.yaml')}`)
      .replace('workload: ../workloads/netperf-stream.yaml', `workload: ${path.join(root, 'data/workloads/netperf-stream.yaml')}`)
    await writeFile(path.join(dir, 'posted.yaml'), posted)
    const workload = (await readFile(path.join(root, 'data/workloads/netperf-stream.yaml'), 'utf8'))
      .replace(/offered: [^,}\n]+/, 'offered: fast')
    await writeFile(path.join(dir, 'workload.yaml'), workload)
    await writeFile(path.join(dir, 'offered.yaml'), posted.replace('interrupt: posted', 'interrupt: pv-eoi')
      .replace(/workload: .*/, 'workload: workload.yaml'))
    if (args[1] === 'BAD_POLICY') {
      await writeFile(path.join(dir, 'posted.yaml'), posted.replace('interrupt: posted', 'interrupt: pv-eoi').replace('io_cores_per_node: 1', 'io_cores_per_node: 0'))
    }

    const resolved = args.map(a => ['BAD_POSTED', 'BAD_POLICY'].includes(a) ? path.join(dir, 'posted.yaml') : a === 'BAD_OFFERED' ? path.join(dir, 'offered.yaml') : a)
    const out = path.join(dir, 'out')
    const run = await sidecore([...resolved, '--csv', out])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(await readdir(dir)).not.toContain('out')
  })
})
