/**
 * A user's own plugin: written to a temporary directory, linked with `sidecore plugins
 * link` (oclif's plugin-plugins) and used through the real CLI. oclif's data, config and
 * cache directories point at a temporary home, so the user's real configuration is
 * untouched. Broken plugins (a hook that throws, a malformed answer, a name another
 * plugin already offers) are each a clear error naming the plugin.
 */
import {execFile} from 'node:child_process'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {type Run, root} from './cli.js'

let home: string

/** The CLI with oclif's directories under `dir` (default: the shared temporary home). */
function run(args: string[], dir?: string): Promise<Run> {
  const home_ = dir ?? home
  const env = {
    ...process.env, NO_COLOR: '1',
    XDG_DATA_HOME: path.join(home_, 'data'), XDG_CONFIG_HOME: path.join(home_, 'config'), XDG_CACHE_HOME: path.join(home_, 'cache'),
    SIDECORE_DATA_DIR: path.join(home_, 'data', 'sidecore'), SIDECORE_CONFIG_DIR: path.join(home_, 'config', 'sidecore'),
    SIDECORE_CACHE_DIR: path.join(home_, 'cache', 'sidecore'),
  }
  return new Promise(resolve => {
    execFile(process.execPath, [path.join(root, 'bin', 'run.js'), ...args], {cwd: root, env, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr})
    })
  })
}

/** A plugin package in the temporary home: package.json with its hook, and the hook module. */
async function plugin(name: string, hook: string): Promise<string> {
  const dir = path.join(home, 'plugins', name)
  await mkdir(path.join(dir, 'hooks'), {recursive: true})
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({
    name, version: '1.0.0', type: 'module', private: true, oclif: {hooks: {'sidecore:whatif': './hooks/whatif.js'}},
  }, null, 2))
  await writeFile(path.join(dir, 'hooks', 'whatif.js'), hook)
  return dir
}

const scenario = path.join('data', 'scenarios', 'elvis.yaml')

describe('sidecore plugins link: a user\'s own plugin', () => {
  let good: string
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'sidecore-plugins-'))
    good = await plugin('sidecore-plugin-double-load', `
/** double-load: every device's offered load times factor. */
export default async function ({core}) {
  return [{
    name: 'double-load',
    summary: 'every device offers factor times its load',
    parameters: {factor: {description: 'multiple of the offered load', default: 2, min: 0}},
    apply: (subject, {factor}) => core.mapDevices(subject, d => ({...d, offered: d.offered * factor})),
  }]
}
`)
    const linked = await run(['plugins', 'link', good, '--no-install'])
    expect(linked.code, linked.stderr).toBe(0)
  }, 120_000)

  afterAll(async () => {
    await rm(home, {recursive: true, force: true})
  })

  test('is listed by `plugins` and its what-if works in compare, named with its plugin', async () => {
    const list = await run(['plugins'])
    expect(list.stdout).toMatch(/sidecore-plugin-double-load .*\(link\)/)
    const shared = path.join('data', 'scenarios', 'vhost-shared.yaml')
    const r = await run(['compare', '--scenario', shared, '--whatif', 'double-load:factor=0.25', '--whatif', 'nic-upgrade', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const c = JSON.parse(r.stdout)
    expect(c.variants.map((v: {name: string}) => v.name)).toEqual(['double-load:factor=0.25', 'nic-upgrade'])
    expect(c.variants[0].source).toBe('plugin sidecore-plugin-double-load (factor=0.25)')
    // A quarter of the offered load: the devices get less through.
    expect(c.variants[0].delta.gbpsPerCpu).toBeLessThan(0)
  }, 60_000)

  test.each([
    ['throws', `export default async function () { throw new Error('cannot reach the inventory') }`,
      'plugin sidecore-plugin-throws: the sidecore:whatif hook failed: cannot reach the inventory'],
    ['malformed', `export default async function () { return [{name: 'Not A Name', summary: 1}] }`,
      'plugin sidecore-plugin-malformed: sidecore:whatif hook, what-if [0]: expected name: lower-case words joined by "-", found "Not A Name"'],
    ['duplicate', `export default async function () {
  return [{name: 'nic-upgrade', summary: 'mine', parameters: {}, apply: s => s}]
}`, 'what-if "nic-upgrade" is offered by two plugins, '],
  ])('a plugin that %s is one clear error naming it, and nothing is written', async (what, hook, message) => {
    // Each broken plugin in a home of its own, so the others' do not interfere.
    const own = path.join(home, `home-${what}`)
    const dir = await plugin(`sidecore-plugin-${what}`, hook)
    expect((await run(['plugins', 'link', dir, '--no-install'], own)).code).toBe(0)
    const out = path.join(home, `out-${what}`)
    const r = await run(['compare', '--scenario', scenario, '--whatif', 'nic-upgrade', '--out', out], own)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(message)
    if (what === 'duplicate') expect(r.stderr).toMatch(/@sidecore\/plugin-nic-upgrade and sidecore-plugin-duplicate|sidecore-plugin-duplicate and @sidecore\/plugin-nic-upgrade/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(await readdir(home)).not.toContain(`out-${what}`)
  }, 60_000)
})
