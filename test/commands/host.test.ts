import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {parseCpuset} from '../../src/io/cpuset.js'
import {loadHost} from '../../src/io/load.js'
import {root, sidecore} from './cli.js'

const fixtures = path.resolve(root, '..', 'shared', 'fixtures')
const inputs = path.join(root, 'test', 'io', 'topology', 'inputs')

let tmp: string
/** Unpacked sysfs trees by fixture name. */
const trees: Record<string, string> = {}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'sidecore-host-'))
  for (const name of ['32intel64-2p8co2t+8ve', '16amd64-4n4c-cgroup-distance-merge']) {
    const dir = path.join(tmp, 'trees', name)
    execFileSync('mkdir', ['-p', dir])
    execFileSync('tar', ['xjf', path.join(fixtures, 'hwloc-sysfs', `${name}.tar.bz2`), '-C', dir])
    trees[name] = path.join(dir, readdirSync(dir)[0])
  }
})
afterAll(async () => {
  await rm(tmp, {recursive: true, force: true})
})

const WORKLOAD = `kind: workload
version: 1
name: small-web
vm_types:
  - name: web
    count: 4
    vcpus: 2
    memory: 4 GiB
    devices:
      - {id: net0, kind: net, size: 1448 B, offered: 100 Mbit/s}
`

async function plan(hostFile: string, count: number): Promise<{code: number; plan: {hosts: Array<{cpus: Record<string, string>; vms: Array<{cpus: string}>}>; vms: Array<{host?: string}>}}> {
  const dir = path.dirname(hostFile)
  await writeFile(path.join(dir, 'workload.yaml'), WORKLOAD)
  await writeFile(path.join(dir, 'cluster.yaml'), `kind: cluster\nversion: 1\nname: probed\nhosts:\n  - host: ${path.basename(hostFile)}\n    count: ${count}\n`)
  const run = await sidecore(['plan', path.join(dir, 'cluster.yaml'), path.join(dir, 'workload.yaml'), '--out', path.join(dir, 'plan'), '--budget', '5'])
  expect(run.stderr).not.toMatch(/TypeError| {4}at /)
  return {code: run.code, plan: JSON.parse(await readFile(path.join(dir, 'plan', 'plan.json'), 'utf8'))}
}

describe('sidecore host probe', () => {
  test('--root a saved tree --out FILE: a host file that loads and plans', async () => {
    const dir = path.join(tmp, 'probe-ve')
    const out = path.join(dir, 've.yaml')
    const run = await sidecore(['host', 'probe', '--root', trees['32intel64-2p8co2t+8ve'], '--name', 've-box', '--out', out])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`Wrote ${out} (32 CPUs, 2 NUMA node(s), 2 NIC(s), 0 block device(s)).\n`)
    // The one figure sysfs does not state is a warning on stderr and a comment in the file.
    expect(run.stderr).toBe(
      'Warning: NIC enp96s0f1: the link speed is not stated (link down, or a driver that does not report it); line rate set to the default 10 Gbit/s (edit line_rate in the host file)\n',
    )
    const text = await readFile(out, 'utf8')
    expect(text).toContain('line_rate: 10 Gbit/s # default: link speed not stated')
    const host = await loadHost(out)
    expect(host.model).toBe('ve-box')
    expect(host.cpus).toHaveLength(32)
    const {code, plan: p} = await plan(out, 2)
    expect(code).toBe(0)
    expect(p.vms.every((v) => v.host !== undefined)).toBe(true)
  })

  test('the cgroup cpuset: CPUs outside it are housekeeping and no VM runs there', async () => {
    const dir = path.join(tmp, 'probe-cgroup')
    const out = path.join(dir, 'cg.yaml')
    const run = await sidecore(['host', 'probe', '--root', trees['16amd64-4n4c-cgroup-distance-merge'], '--out', out])
    expect(run.code).toBe(0)
    expect(run.stderr).toContain("CPUs 4-15 are offline or outside this cgroup's cpuset")
    const {plan: p} = await plan(out, 4)
    for (const h of p.hosts) {
      expect(parseCpuset(h.cpus.housekeeping)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
      for (const vm of h.vms) for (const c of parseCpuset(vm.cpus)) expect(c).toBeLessThan(4)
    }
  })

  test('without --out the host file goes to stdout; the same tree gives the same bytes', async () => {
    const a = await sidecore(['host', 'probe', '--root', trees['32intel64-2p8co2t+8ve'], '--name', 'x'])
    const b = await sidecore(['host', 'probe', '--root', trees['32intel64-2p8co2t+8ve'], '--name', 'x'])
    expect(a.code).toBe(0)
    expect(a.stdout).toBe(b.stdout)
    expect(a.stdout).toMatch(/^# Host model read from sysfs/)
    expect(a.stdout).toContain('\nkind: host\n')
  })

  test('--json prints the reading and the host spec', async () => {
    const run = await sidecore(['host', 'probe', '--root', trees['16amd64-4n4c-cgroup-distance-merge'], '--json'])
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout)
    expect(json.reading.format).toBe('sysfs')
    expect(json.reading.cgroup).toEqual({version: 1, mount: '/dev/cpuset', path: '/prout'})
    expect(json.reading.allowed).toEqual([0, 1, 2, 3])
    expect(json.host.allowed_cpus).toBe('0-3')
    expect(json.warnings).toHaveLength(1)
  })

  test('this machine', async () => {
    const out = path.join(tmp, 'self', 'this.yaml')
    const run = await sidecore(['host', 'probe', '--out', out])
    expect(run.code).toBe(0)
    const host = await loadHost(out)
    expect(host.cpus.length).toBe(os.cpus().length)
  })

  test('a root that is not a Linux tree: one message, exit 2, nothing written', async () => {
    const out = path.join(tmp, 'bad', 'none.yaml')
    const run = await sidecore(['host', 'probe', '--root', tmp + '/nowhere', '--out', out])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(`Error: ${tmp}/nowhere/sys/devices/system/cpu: expected a Linux root with sys/devices/system/cpu (a live system, or a sysfs tree saved from one), found no such file or directory\n`)
    expect(existsSync(path.dirname(out))).toBe(false)
  })

  test('a --name with other characters than ASCII letters, digits, ".", "_" and "-" is refused; nothing written', async () => {
    const out = path.join(tmp, 'badname', 'x.yaml')
    const run = await sidecore(['host', 'probe', '--root', trees['32intel64-2p8co2t+8ve'], '--name', 'bad name!', '--out', out])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('Error: --name: expected a host model name of ASCII letters, digits, ".", "_" and "-" (not starting or ending with "." or "-"), found "bad name!"\n')
    expect(existsSync(path.dirname(out))).toBe(false)
  })

  test('--help has examples', async () => {
    const run = await sidecore(['host', 'probe', '--help'])
    expect(run.stdout).toContain('EXAMPLES')
    expect(run.stdout).toContain('sidecore host probe --root')
  })
})

describe('sidecore host import', () => {
  test('virsh capabilities -> a host file that loads and plans', async () => {
    const dir = path.join(tmp, 'import-caps')
    const out = path.join(dir, 'kvm.yaml')
    const run = await sidecore(['host', 'import', path.join(fixtures, 'libvirt', 'capabilities', 'caps-qemu-kvm.xml'), '--out', out])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`Wrote ${out} (16 CPUs, 2 NUMA node(s), 0 NIC(s), 0 block device(s)).\n`)
    const host = await loadHost(out)
    expect(host.model).toBe('caps-qemu-kvm')
    expect(host.frequencyHz).toBe(2596991000)
    const {code} = await plan(out, 2)
    expect(code).toBe(0)
  })

  test.each(['hwloc-2s2n.xml', 'lscpu-p.txt', 'lscpu.json', 'lscpu-nested.json'])('%s -> a host file that loads', async (f) => {
    const out = path.join(tmp, 'import', `${f}.yaml`)
    const run = await sidecore(['host', 'import', path.join(inputs, f), '--out', out])
    expect(run.code).toBe(0)
    expect((await loadHost(out)).cpus.length).toBeGreaterThan(0)
  })

  test('a file name with other characters names the host after a warning', async () => {
    const input = path.join(tmp, 'rack 7 (old).json')
    await writeFile(input, await readFile(path.join(inputs, 'lscpu.json')))
    const out = path.join(tmp, 'import-named', 'x.yaml')
    const run = await sidecore(['host', 'import', input, '--out', out])
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('Warning: the host model is named "rack-7-old": "rack 7 (old)" has characters other than ASCII letters, digits, ".", "_" and "-"\n')
    expect((await loadHost(out)).model).toBe('rack-7-old')
  })

  test('a machine of more than 8,192 CPUs is refused as input, exit 2, nothing written', async () => {
    const input = path.join(tmp, 'huge.txt')
    await writeFile(input, `# CPU,Core,Socket,Node\n${Array.from({length: 9000}, (_, i) => `${i},${i},0,0`).join('\n')}\n`)
    const out = path.join(tmp, 'import-huge', 'x.yaml')
    const run = await sidecore(['host', 'import', input, '--out', out])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(`Error: ${input}: expected a machine of at most 8192 logical CPUs (the largest NR_CPUS of Linux on x86-64), found 9000 CPUs\n`)
    expect(existsSync(path.dirname(out))).toBe(false)
  })

  test('--json gives the reading, the host spec and the warnings', async () => {
    const run = await sidecore(['host', 'import', path.join(inputs, 'lscpu.json'), '--json', '--name', 'desk'])
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout)
    expect(json.reading.format).toBe('lscpu-json')
    expect(json.host.name).toBe('desk')
    expect(json.warnings.some((w: string) => w.includes('no memory size'))).toBe(true)
  })

  test('malformed XML: one message with the line, exit 2, no stack, the old file left as it was', async () => {
    const bad = path.join(tmp, 'bad-caps.xml')
    await writeFile(bad, "<capabilities>\n  <host>\n    <topology>\n      <cells num='1'>\n        <cell id='0'>\n      </cells>\n")
    const out = path.join(tmp, 'kept.yaml')
    await writeFile(out, 'old content\n')
    const run = await sidecore(['host', 'import', bad, '--out', out])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(new RegExp(`^Error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6: expected well-formed XML, found Expected closing tag 'cell'`))
    expect(run.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1)
    expect(await readFile(out, 'utf8')).toBe('old content\n')
    expect(readdirSync(tmp).filter((f) => f.startsWith('.kept.yaml'))).toEqual([])
  })

  test('--json error: the message as a JSON document', async () => {
    const run = await sidecore(['host', 'import', path.join(tmp, 'missing.xml'), '--json'])
    expect(run.code).toBe(2)
    expect(JSON.parse(run.stdout).error.message).toMatch(/missing\.xml: expected a readable file, found no such file or directory/)
  })

  test('--help has examples', async () => {
    const run = await sidecore(['host', 'import', '--help'])
    expect(run.stdout).toContain('EXAMPLES')
    expect(run.stdout).toContain('virsh capabilities')
  })
})
