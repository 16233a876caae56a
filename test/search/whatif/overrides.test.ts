import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, test} from 'vitest'

import type {Subject} from '../../../src/hooks/index.js'
import {InputError} from '../../../src/io/errors.js'
import {loadScenario} from '../../../src/io/load.js'
import {loadOverrides, overridesVariant} from '../../../src/io/overrides.js'
import {scenarioSubject} from '../../../src/search/whatif/index.js'
import {root} from './helpers.js'

describe('overrides files', () => {
  let dir: string
  let base: Subject
  const write = async (name: string, text: string) => {
    const file = path.join(dir, name)
    await writeFile(file, text)
    return file
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-overrides-'))
    const s = await loadScenario(path.join(root, 'data', 'scenarios', 'vhost-shared.yaml'))
    base = scenarioSubject({host: s.host, calibration: s.calibration, workload: s.workload, policy: s.policy})
  })

  test('every field is set from its expression of old, in SI units, without touching the input', async () => {
    const file = await write('what-if.yaml', [
      'name: bigger',
      'hosts:',
      '  line_rate: old * 4',
      '  max_pps: max(old, 100e6)',
      '  posted_interrupts: true',
      'workload:',
      '  count: old * 2',
      '  offered: old / 2',
      'calibration:',
      '  wakeup_cycles: old - 500',
      'policy:',
      '  io_cores_per_node: old + 1',
      '',
    ].join('\n'))
    const before = JSON.stringify(base)
    const variant = overridesVariant(await loadOverrides(file))
    expect(variant.name).toBe('bigger')
    expect(variant.source).toBe(`overrides ${file}`)
    const out = variant.apply(base)
    expect(JSON.stringify(base)).toBe(before)
    const [h0, h1] = [base.models[0].host, out.models[0].host]
    h0.nics.forEach((n, i) => {
      expect(h1.nics[i].lineRateBps).toBe(n.lineRateBps * 4)
      expect(h1.nics[i].maxPps).toBe(Math.max(n.maxPps, 100e6))
    })
    expect(h1.platform.postedInterrupts).toBe(true)
    expect(out.workload.entries.map(e => e.count)).toEqual(base.workload.entries.map(e => e.count * 2))
    expect(out.workload.entries[0].type.devices[0].offered).toBe(base.workload.entries[0].type.devices[0].offered / 2)
    expect(out.models[0].calibration.wakeupCycles).toBe(base.models[0].calibration.wakeupCycles - 500)
    expect(out.policy?.ioCoresPerNode).toBe(base.policy!.ioCoresPerNode + 1)
  })

  test('the name defaults to the file name', async () => {
    const file = await write('nic-x2.yaml', 'hosts: {line_rate: old * 2}\n')
    expect(overridesVariant(await loadOverrides(file)).name).toBe('nic-x2')
  })

  test.each([
    ['unknown section', 'hosts: {line_rate: old}\nnetwork: {x: 1}\n', 'network', 2, /expected one of name, description, hosts, workload, calibration, policy/],
    ['unknown field', 'hosts:\n  line_rate: old\n  linerate: old\n', 'hosts.linerate', 3, /expected one of line_rate, max_pps/],
    ['a disabled function', 'hosts:\n  line_rate: evaluate("1")\n', 'hosts.line_rate', 2, /expected one of the functions .*found evaluate\(\)/],
    ['import', 'hosts:\n  line_rate: import({})\n', 'hosts.line_rate', 2, /found import\(\)/],
    ['another symbol', 'workload:\n  offered: new * 2\n', 'workload.offered', 2, /found new/],
    ['a boolean field given a number', 'hosts:\n  posted_interrupts: 1\n', 'hosts.posted_interrupts', 2, /expected true or false, found 1/],
    ['a list', 'hosts:\n  line_rate: [1, 2]\n', 'hosts.line_rate', 2, /expected a number or a mathjs expression/],
    ['nothing to change', 'name: empty\n', '', undefined, /expected at least one override/],
  ])('%s is one error naming file, field, line, expected and found', async (_what, text, field, line, message) => {
    const file = await write('bad.yaml', text)
    const error = await loadOverrides(file).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(InputError)
    const e = error as InputError
    expect(e.file).toBe(file)
    expect(e.path).toBe(field)
    if (line !== undefined) expect(e.line).toBe(line)
    expect(e.message).toMatch(message)
    expect(e.message).toContain(file)
  })

  test('a value that is wrong once evaluated is an error at its line', async () => {
    const file = await write('zero.yaml', 'name: zero\nworkload:\n  count: old / 3\n')
    const variant = overridesVariant(await loadOverrides(file))
    const error = (() => {
      try {
        variant.apply(base)
      } catch (e) {
        return e as InputError
      }
    })()
    expect(error).toBeInstanceOf(InputError)
    expect(error?.line).toBe(3)
    expect(error?.path).toBe('workload.count')
    expect(error?.message).toMatch(/a whole number >= 0/)
  })
})
