/**
 * The input formats the README shows, as a newcomer would copy them: the host, cluster,
 * workload, layout and scenario blocks of "Input formats" are written to the files their
 * references name, load without error, and the scenario is an example that works (every
 * VM meets its SLO).
 */
import {readFileSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import path from 'node:path'

import {afterAll, beforeAll, expect, test} from 'vitest'
import {parse} from 'yaml'

import {loadCluster, loadScenario, loadWorkload} from '../../src/io/load.js'
import {evaluateScenario} from '../../src/model/scenario.js'
import {cleanup, tempDir, writeFiles} from './helpers.js'

const readme = readFileSync(path.join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')

/** The README's complete YAML documents (those with a `kind`), by kind. */
function blocks(): Map<string, string> {
  const byKind = new Map<string, string>()
  for (const match of readme.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const doc = parse(match[1]) as {kind?: string} | null
    if (doc?.kind !== undefined && !byKind.has(doc.kind)) byKind.set(doc.kind, match[1])
  }
  return byKind
}

let dir: string
beforeAll(async () => {
  dir = await tempDir()
  const docs = blocks()
  for (const sub of ['hosts', 'workloads', 'layouts', 'scenarios']) await mkdir(path.join(dir, sub))
  // Where the blocks' own references put them: the cluster names hosts/dl380.yaml, the
  // scenario ../hosts/dl380.yaml, ../workloads/shop.yaml and ../layouts/shop-elvis.yaml.
  await writeFiles(dir, {
    'hosts/dl380.yaml': docs.get('host')!,
    'cluster.yaml': docs.get('cluster')!,
    'workloads/shop.yaml': docs.get('workload')!,
    'layouts/shop-elvis.yaml': docs.get('layout')!,
    'scenarios/shop-elvis.yaml': docs.get('scenario')!,
  })
})
afterAll(() => cleanup(dir))

test('the README shows a host, cluster, workload, layout and scenario', () => {
  expect([...blocks().keys()]).toEqual(expect.arrayContaining(['host', 'cluster', 'workload', 'layout', 'scenario']))
})

test("the README's cluster and workload load", async () => {
  const cluster = await loadCluster(path.join(dir, 'cluster.yaml'))
  expect(cluster.entries.reduce((sum, e) => sum + e.count, 0)).toBe(60)
  const workload = await loadWorkload(path.join(dir, 'workloads', 'shop.yaml'))
  expect(workload.entries.map(e => [e.type.name, e.count])).toEqual([['web', 2], ['db', 1]])
})

test("the README's scenario evaluates with every VM within its SLO", async () => {
  const scenario = await loadScenario(path.join(dir, 'scenarios', 'shop-elvis.yaml'))
  const {evaluation} = evaluateScenario(scenario)
  expect(evaluation.vms.map(vm => [vm.id, vm.violations])).toEqual([['web-0', []], ['web-1', []], ['db-0', []]])
})

test('the compare.csv the README shows is the golden file, each row cut short', () => {
  const at = readme.indexOf('(the golden file test/report/golden/compare.csv)')
  expect(at).toBeGreaterThan(0)
  const block = /```csv\n([\s\S]*?)```/.exec(readme.slice(at))![1].trim().split('\n')
  const golden = readFileSync(path.join(import.meta.dirname, '..', 'report', 'golden', 'compare.csv'), 'utf8').trim().split('\n')
  expect(block.length).toBeGreaterThan(1)
  block.forEach((line, i) => expect(golden[i].startsWith(line.replace(/\.\.\.$/, ''))).toBe(true))
})
