/**
 * Reference cases: a name in a check expression that the case does not have is an
 * InputError of the case file, found when the case is loaded, before anything runs.
 */
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {InputError} from '../../src/io/errors.js'
import {loadReferenceCase, referenceFiles} from '../../src/io/reference.js'
import {checkExpression, runChecks, runReferenceCase} from '../../src/model/reference.js'
import {cleanup, inputError, tempDir} from './helpers.js'

let dir: string
let r5: string
beforeAll(async () => {
  dir = await tempDir()
  r5 = await readFile((await referenceFiles()).find(f => f.endsWith('r5-vbus-coalescing.yaml'))!, 'utf8')
})
afterAll(async () => {
  await cleanup(dir)
})

let n = 0
/** Load r5 with `from` replaced by `to`; the InputError it throws. */
async function failure(from: string, to: string): Promise<{err: InputError; file: string}> {
  expect(r5).toContain(from)
  const file = path.join(dir, `case${n++}.yaml`)
  await writeFile(file, r5.replace(from, to))
  return {err: await inputError(loadReferenceCase(file)), file}
}

const EXITS = '1 - vbus1.exits_per_item / virtio1.exits_per_item'

describe('names in check expressions', () => {
  test.each<[string, string, string, string, number, string, string | undefined]>([
    ['an unknown metric in holds', `holds: ${EXITS}`, 'holds: 1 - vbus1.exits_per_itme / virtio1.exits_per_item',
      'expect.checks[0].holds', 56, '"vbus1.exits_per_itme"', 'did you mean "vbus1.exits_per_item"?'],
    ['an unknown variant in predicted', `predicted: ${EXITS}`, 'predicted: 1 - vbus9.exits_per_item / virtio1.exits_per_item',
      'expect.checks[0].predicted', 54, '"vbus9"', 'did you mean "vbus1"?'],
    ['a variant without a metric', `predicted: ${EXITS}`, 'predicted: 1 - vbus1 / virtio1.exits_per_item',
      'expect.checks[0].predicted', 54, '"vbus1" (a variant, not one of its metrics)', undefined],
    ['a metric without its variant', `predicted: ${EXITS}`, 'predicted: 1 - exits_per_item',
      'expect.checks[0].predicted', 54, '"exits_per_item"', 'a metric needs its variant, like "virtio1.exits_per_item"'],
    ['an unknown function', `predicted: ${EXITS}`, 'predicted: maen([vbus1.exits_per_item])',
      'expect.checks[0].predicted', 54, '"maen"', undefined],
    ['an expression that does not parse', `predicted: ${EXITS}`, 'predicted: 1 - vbus1.exits_per_item /',
      'expect.checks[0].predicted', 54, 'a syntax error: unexpected end of expression (char 27)', undefined],
    ['an unknown metric in a later check, in its second condition', 'vbus3.exits_per_item / virtio3.exits_per_item > 1 - vbus2',
      'vbus3.exits_per_item / virtio3.exits_per_item > 1 - vbus2.exits_per_iten', 'expect.checks[3].holds', 68,
      '"vbus2.exits_per_iten"', 'did you mean "vbus2.exits_per_item"?'],
  ])('%s', async (_name, from, to, at, line, found, hint) => {
    const {err, file} = await failure(from, to)
    expect({file: err.file, line: err.line, path: err.path, found: err.found, hint: err.hint}).toEqual({file, line, path: at, found, hint})
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: ${at.replace(/[.[\]]/g, '\\$&')}: expected `))
  })

  test('every expression of the bundled cases names only what its case has', async () => {
    for (const file of await referenceFiles()) {
      const c = await loadReferenceCase(file)
      for (const check of c.checks) {
        for (const text of [check.predicted, check.holds]) {
          if (text !== undefined) expect(checkExpression(text, c.variants.map(v => v.name)), `${file}: ${text}`).toBeUndefined()
        }
      }
    }
  })
})

describe('the expect section', () => {
  // The section has a schema of its own: a misspelt key or a figure with a unit is an input
  // error, so that no check is quietly switched off.
  test.each<[string, string, string, string, string, string | undefined]>([
    ['a misspelt key of a variant', '{name: vbus1, devices: 1, policy: {net: vbus}}', '{name: vbus1, devices: 1, polcy: {net: vbus}}',
      'expect.variants[1].polcy', 'unknown key "polcy"', 'did you mean "policy"?'],
    ['a misspelt key of a check', 'published_text: more than 45%', 'published_txt: more than 45%',
      'expect.checks[0].published_txt', 'unknown key "published_txt"', 'did you mean "published_text"?'],
    ['a published figure with a unit', 'published_text: more than 45%', 'published: 45 %',
      'expect.checks[0].published', '"45 %"', undefined],
    ['a check decided by nothing', `holds: ${EXITS} > 0.45`, 'published: 0.45',
      'expect.checks[0].tolerance', 'no such key', undefined],
    ['a tolerance and a condition together', 'published_text: more than 45%', 'tolerance: 0.1',
      'expect.checks[0].tolerance', 'both', undefined],
    ['two variants of one name', '{name: vbus1, devices: 1, policy: {net: vbus}}', '{name: virtio1, devices: 1, policy: {net: vbus}}',
      'expect.variants[1].name', '"virtio1" again (variants[0] has it)', undefined],
    ['two checks of one name', 'name: interrupts cut, one stream to one device', 'name: exits cut, one stream to one device',
      'expect.checks[1].name', '"exits cut, one stream to one device" again (checks[0] has it)', undefined],
    ['a notification policy that does not exist, in a variant', '{name: vbus1, devices: 1, policy: {net: vbus}}',
      '{name: vbus1, devices: 1, policy: {net: vbus, notification: spinn(15 us)}}',
      'expect.variants[1].policy.notification', '"spinn(15 us)"', 'did you mean "spin"?'],
  ])('%s', async (_name, from, to, at, found, hint) => {
    const {err, file} = await failure(from, to)
    expect({file: err.file, path: err.path, found: err.found, hint: err.hint}).toEqual({file, path: at, found, hint})
    expect(err.line).toBeGreaterThan(40)
  })

  test('a variant with more VMs than the host can pin is refused before they are built', async () => {
    const {err} = await failure('{name: vbus1, devices: 1, policy: {net: vbus}}', '{name: vbus1, vms: 1000000000, devices: 1, policy: {net: vbus}}')
    expect({path: err.path, line: err.line}).toEqual({path: 'expect.variants[1].vms', line: 47})
    expect(err.found).toBe('4000000000 vCPUs (1000000000 VMs of receiver with 4 vCPUs each)')
  })

  test('a variant of vms: [1, 2] named like another variant is two of one name', async () => {
    const {err} = await failure('{name: vbus1, devices: 1, policy: {net: vbus}}', '{name: virtio, vms: [1, 2], devices: 1, policy: {net: vbus}}')
    expect({path: err.path, found: err.found}).toEqual({path: 'expect.variants[1].name', found: '"virtio1" again (variants[0] has it)'})
  })

  test("a variant's platform changes its host", async () => {
    const file = path.join(dir, `case${n++}.yaml`)
    await writeFile(file, r5.replace('{name: vbus1, devices: 1, policy: {net: vbus}}',
      '{name: vbus1, devices: 1, platform: {posted_interrupts: true, pv_eoi: true, ioeventfd: false}, policy: {net: vbus}}'))
    const c = await loadReferenceCase(file)
    const platform = (name: string) => c.variants.find(v => v.name === name)!.host.platform
    expect(platform('vbus1')).toEqual({postedInterrupts: true, pvEoi: true, ioeventfd: false})
    expect(platform('virtio1')).toEqual({postedInterrupts: false, pvEoi: false, ioeventfd: true})
  })
})

describe('expressions that cannot be worked out', () => {
  test.each<[string, string, 'predicted' | 'holds', string]>([
    ['a shift of fractions', `${EXITS} >> 1`, 'predicted', 'Integers expected in function rightArithShift'],
    ['a prediction that is a condition', `${EXITS} > 0`, 'predicted', 'it gives true, not a number'],
  ])('%s: the case is wrong, not the model', async (_name, text, key, message) => {
    const file = path.join(dir, `case${n++}.yaml`)
    await writeFile(file, r5.replace(`predicted: ${EXITS}`, `predicted: ${text}`))
    const c = await loadReferenceCase(file)
    const results = runReferenceCase(c.scenario.name, c.variants, c.checks).results
    expect(results[0].invalid).toEqual({key, message})
    expect(results.slice(1).every(r => r.invalid === undefined && r.pass)).toBe(true)
    const err = c.invalid(0, key, message)
    expect({file: err.file, line: err.line, path: err.path}).toEqual({file, line: 54, path: 'expect.checks[0].predicted'})
    expect(err.message).toContain(`found an expression that cannot be worked out: ${message}`)
  })

  test('a condition that gives a number', async () => {
    const file = path.join(dir, `case${n++}.yaml`)
    await writeFile(file, r5.replace(`holds: ${EXITS} > 0.45`, `holds: ${EXITS}`))
    const c = await loadReferenceCase(file)
    const results = runReferenceCase(c.scenario.name, c.variants, c.checks).results
    expect(results[0].invalid?.key).toBe('holds')
    expect(results[0].invalid?.message).toMatch(/^it gives 0\.\d+, not true or false$/)
  })

  test('a prediction of infinity fails the check: the model, not the case, is wrong', () => {
    const results = runChecks('c', {a: {kpps: 1}, b: {kpps: 0}}, [{name: 'ratio', predicted: 'a.kpps / b.kpps', published: 2, tolerance: 0.1}])
    expect(results[0]).toMatchObject({pass: false, note: 'the prediction is Infinity'})
    expect(results[0].invalid).toBeUndefined()
  })
})
