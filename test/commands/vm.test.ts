import {readdirSync} from 'node:fs'
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {root, sidecore} from './cli.js'

const domains = path.resolve(root, '..', 'shared', 'fixtures', 'libvirt', 'domains')
const exists = (p: string) => stat(p).then(() => true, () => false)

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-vm-cli-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('vm import of libvirt\'s test-suite domains', () => {
  const files = readdirSync(domains).filter((f) => f.endsWith('.xml')).sort()

  test.each(files)('%s: exit 0, a workload, warnings for what is left out', async (file) => {
    const out = path.join(dir, file)
    const r = await sidecore(['vm', 'import', path.join(domains, file), '--out', out, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as {files: string[]; vms: {vm: string}[]; warnings: {file: string; line: number; message: string}[]; layout: boolean}
    expect(result.vms).toHaveLength(1)
    expect(result.files[0]).toBe('workload.yaml')
    expect(result.files.includes('layout.yaml')).toBe(result.layout)
    const workload = await readFile(path.join(out, 'workload.yaml'), 'utf8')
    expect(workload).toMatch(/^# Imported by sidecore vm import from 1 libvirt domain file\.\nkind: workload\n/)
  })

  test('warnings go to stderr with file and line; the mapping to stdout', async () => {
    const r = await sidecore(['vm', 'import', path.join(domains, 'cputune.x86_64-latest.xml'), '--out', path.join(dir, 'text')])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(`Warning: ${path.join(domains, 'cputune.x86_64-latest.xml')}:20: domain.cputune.vcpusched[1]: <vcpusched> ignored: Sidecore does not model it`)
    expect(r.stderr).toContain('Note: no layout: "QEMUGuest1" not pinned')
    expect(r.stdout).toBe(`QEMUGuest1 -> QEMUGuest1-0 (type QEMUGuest1)\nwrote workload.yaml to ${path.join(dir, 'text')}\n`)
  })

  test('a pinned domain on a given host model: a layout that names the host', async () => {
    const out = path.join(dir, 'pinned')
    const r = await sidecore(['vm', 'import', path.join(domains, 'cputune-iothreads.xml'), '--host', path.join(root, 'data', 'hosts', 'sandy-bridge-8c.yaml'), '--out', out])
    expect(r.code, r.stderr).toBe(0)
    const layout = await readFile(path.join(out, 'layout.yaml'), 'utf8')
    expect(layout).toContain('host: sandy-bridge-8c\n')
    expect(layout).toContain('vcpu_pins: 0-1\n')
  })
})

describe('bad input: one message, exit 2, nothing written', () => {
  test.each([
    ['truncated', (t: string) => t.slice(0, 400), /^Error: .*bad\.xml:\d+: expected well-formed XML, found the end of the file with <domain>/],
    ['a bad cpuset', (t: string) => t.replace("cpuset='1'", "cpuset='1-'"), /^Error: .*bad\.xml:12: domain\.cputune\.emulatorpin\.cpuset: expected a CPU list like "0-3,8", found "1-"$/],
    ['not XML at all', () => 'kind: host\n', /^Error: .*bad\.xml:1: expected well-formed XML, found a syntax error/],
  ])('%s', async (_what, change, message) => {
    const text = await readFile(path.join(domains, 'cputune-iothreads.xml'), 'utf8')
    const bad = path.join(dir, 'bad.xml')
    await writeFile(bad, change(text))
    const out = path.join(dir, 'never')
    // A good file first: its output must not be written either.
    const r = await sidecore(['vm', 'import', path.join(domains, 'vhost_queues.xml'), bad, '--out', out])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr.trim()).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(await exists(out)).toBe(false)
  })

  test('two domains with one name', async () => {
    const r = await sidecore(['vm', 'import', path.join(domains, 'cputune.x86_64-latest.xml'), path.join(domains, 'cputune-iothreads.xml'), '--out', path.join(dir, 'never'), '--json'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout).error.message).toMatch(/cputune-iothreads\.xml: domain\.name: expected each domain name once, found "QEMUGuest1" also in .*cputune\.x86_64-latest\.xml$/)
  })

  test('pins that do not fit the host model: the imported layout is checked against it', async () => {
    // lab-4c-explicit keeps CPUs 0-1 for housekeeping; the domain pins its vCPUs there.
    const r = await sidecore(['vm', 'import', path.join(domains, 'cputune-iothreads.xml'), '--host', path.join(root, 'data', 'hosts', 'lab-4c-explicit.yaml'), '--out', path.join(dir, 'never')])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('Error: imported layout: roles.vm: expected role housekeeping for a housekeeping CPU of the host, found CPU 0 with role vm\n')
    expect(await exists(path.join(dir, 'never'))).toBe(false)
  })

  test('a missing file', async () => {
    const r = await sidecore(['vm', 'import', path.join(dir, 'nope.xml'), '--out', path.join(dir, 'never')])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^Error: .*nope\.xml: expected an existing file, found ".*nope\.xml" \(no such file\)\n$/)
  })
})

test('--help shows examples', async () => {
  const r = await sidecore(['vm', 'import', '--help'])
  expect(r.stdout).toContain('EXAMPLES')
  expect(r.stdout).toContain('vm import web-0.xml web-1.xml --out imported/')
})
