/**
 * Reference cases: a name in a check expression that the case does not have is an
 * InputError of the case file, found when the case is loaded, before anything runs.
 */
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {InputError} from '../../src/io/errors.js'
import {loadReferenceCase, referenceFiles} from '../../src/io/reference.js'
import {checkExpression} from '../../src/model/reference.js'
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
