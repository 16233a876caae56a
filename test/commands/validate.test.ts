import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, test} from 'vitest'

import {root, sidecore} from './cli.js'

/** Run validate on a copy of a bundled case with `from` replaced by `to`; the run and the copy's path. */
async function validateEdited(name: string, from: string, to: string): Promise<{run: Awaited<ReturnType<typeof sidecore>>; file: string}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-ref-'))
  const text = await readFile(path.join(root, 'data/reference', name), 'utf8')
  expect(text).toContain(from)
  const file = path.join(dir, name.slice(0, 2) + '.yaml')
  await writeFile(file, text.replace(from, to))
  return {run: await sidecore(['validate', file]), file}
}

describe('sidecore validate', () => {
  test('every published reference result is reproduced', async () => {
    const run = await sidecore(['validate'])
    expect(run.stdout).toMatch(/^\d+ passed, 0 failed$/m)
    expect(run.code).toBe(0)
    for (const c of ['r1-backend-too-fast', 'r2-elvis-throughput', 'r2-elvis-latency', 'r3-shared-vhost-stream',
      'r3-shared-vhost-rr', 'r4-network-appliance', 'r5-vbus-coalescing', 'r6-exits-and-mitigation', 'r7-block']) {
      expect(run.stdout).toContain(c)
    }
  })

  test('a case whose prediction misses the published figure fails the run', async () => {
    const {run} = await validateEdited('r1-backend-too-fast.yaml', 'published: 750, published_text: 700-800 Kpps, tolerance: 0.25',
      'published: 2000, published_text: made up, tolerance: 0.25')
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/bounded spin .*FAIL/)
    expect(run.stdout).toMatch(/^6 passed, 1 failed$/m)
  })

  test('a plain scenario is not a reference case: one clear message, exit 2', async () => {
    const run = await sidecore(['validate', 'data/scenarios/elvis.yaml'])
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toBe('Error: data/scenarios/elvis.yaml: expect: expected a reference case: a scenario with an "expect" section '
      + 'of variants and checks (data/reference/), found a scenario without one (evaluate it with "sidecore evaluate")')
  })

  // A typo in a check's expression is an input error of the case file, not a failed check.
  test.each<[string, string, string, string]>([
    [
      'an unknown metric in holds',
      'holds: 1 - vbus1.exits_per_item / virtio1.exits_per_item > 0.45',
      'holds: 1 - vbus1.exits_per_itme / virtio1.exits_per_item > 0.45',
      'r5.yaml:56: expect.checks[0].holds: expected a metric of variant vbus1: one of "exits_per_item", "irqs_per_item", "ktps_per_vm", '
        + '"cpus_per_vm", "wakeups_per_item", "gbps_per_cpu", "vcpu_util", "ktps", ... (20 in all), found "vbus1.exits_per_itme"; '
        + 'did you mean "vbus1.exits_per_item"?',
    ],
    [
      'an unknown variant in predicted',
      'predicted: 1 - vbus1.irqs_per_item / virtio1.irqs_per_item',
      'predicted: 1 - vbus9.irqs_per_item / virtio1.irqs_per_item',
      'r5.yaml:58: expect.checks[1].predicted: expected a metric of the case\'s variants, as VARIANT.METRIC with VARIANT one of '
        + '"vbus1", "vbus2", "vbus3", "virtio1", "virtio2" or "virtio3", found "vbus9"; did you mean "vbus1"?',
    ],
  ])('%s: one clear message with file and line, exit 2', async (_name, from, to, message) => {
    const {run, file} = await validateEdited('r5-vbus-coalescing.yaml', from, to)
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toBe(`Error: ${path.join(path.dirname(file), message)}`)
    expect(run.stdout).toBe('')
  })

  test('a check whose expression cannot be worked out is an input error: exit 2, no table', async () => {
    const {run, file} = await validateEdited('r5-vbus-coalescing.yaml', 'holds: 1 - vbus1.exits_per_item / virtio1.exits_per_item > 0.45',
      'holds: 1 - vbus1.exits_per_item / virtio1.exits_per_item >> 2')
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toBe(`Error: ${file}:56: expect.checks[0].holds: expected a condition that is true or false, `
      + 'like "spin.kpps > kick.kpps", found an expression that cannot be worked out: Integers expected in function rightArithShift')
    expect(run.stdout).toBe('')
  })

  test('a variant that cannot be laid out is named with its line', async () => {
    const {run, file} = await validateEdited('r5-vbus-coalescing.yaml', '{name: vbus2, devices: 2, policy: {net: vbus}}',
      '{name: vbus2, vms: 2, devices: 2, policy: {net: vbus}}')
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toMatch(new RegExp(`^Error: ${file.replace(/[.]/g, '\\.')}:49: expect\\.variants\\[3\\]: `
      + 'variant vbus2 cannot be laid out on this host: VM receiver-\\d+ needs 4 free CPUs on one NUMA node; no node has them$'))
    expect(run.stdout).toBe('')
  })

  test('the table says what decides each check, and no error shows as -0.0%', async () => {
    const run = await sidecore(['validate', 'data/reference/r2-elvis-throughput.yaml', 'data/reference/r4-network-appliance.yaml'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/ error +decided by +result\n/)
    expect(run.stdout).toMatch(/line rate \(9\.87 Gbit\/s of 1518-byte frames\) +0\.0% +±5% +pass/)
    expect(run.stdout).toMatch(/mean gain at 1-3 VMs .* -29\.5% +condition +pass/)
    expect(run.stdout).toMatch(/three CPUs per VM +0\.0% +exact +pass/)
    expect(run.stdout).not.toContain('-0.0%')
  })

  test('--json reports every check', async () => {
    const run = await sidecore(['validate', 'data/reference/r7-block.yaml', '--json'])
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout)
    expect(json.pass).toBe(true)
    expect(json.results).toHaveLength(4)
  })
})
