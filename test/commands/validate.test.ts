import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, test} from 'vitest'

import {root, sidecore} from './cli.js'

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
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-ref-'))
    const text = (await readFile(path.join(root, 'data/reference/r1-backend-too-fast.yaml'), 'utf8'))
      .replace('published: 750, published_text: 700-800 Kpps, tolerance: 0.25', 'published: 2000, published_text: made up, tolerance: 0.25')
    await writeFile(path.join(dir, 'r1.yaml'), text)
    const run = await sidecore(['validate', path.join(dir, 'r1.yaml')])
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

  test('--json reports every check', async () => {
    const run = await sidecore(['validate', 'data/reference/r7-block.yaml', '--json'])
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout)
    expect(json.pass).toBe(true)
    expect(json.results).toHaveLength(4)
  })
})
