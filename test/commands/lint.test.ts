import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {sidecore} from './cli.js'

/** Host settings that agree: VMs on 2-5, PMDs on 6-7, housekeeping 0-1. */
const good: Record<string, string> = {
  'cmdline': 'BOOT_IMAGE=/vmlinuz isolcpus=domain,managed_irq,2-7 nohz_full=2-7 irqaffinity=0-1\n',
  'tuned/cpu-partitioning-variables.conf': 'isolated_cores=2-7\n',
  'ovs/ovs-vsctl.sh': 'ovs-vsctl set Open_vSwitch . other_config:pmd-cpu-mask=0xc0\n',
  'nova/nova.conf': '[compute]\ncpu_dedicated_set = 2-5\ncpu_shared_set = 0-1\n',
  'kubelet/kubelet-config.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreservedSystemCPUs: "0-1,6-7"\n',
  'libvirt/web-0.xml': "<domain type='kvm'>\n  <name>web-0</name>\n  <memory>1048576</memory>\n  <vcpu>2</vcpu>\n  <cputune>\n    <vcpupin vcpu='0' cpuset='2'/>\n    <vcpupin vcpu='1' cpuset='3'/>\n  </cputune>\n</domain>\n",
  'cgroup/machine.slice/cpuset.cpus': '2-5\n',
  'README': 'not a settings file\n',
}

let dir: string
async function tree(name: string, files: Record<string, string>): Promise<string> {
  const base = path.join(dir, name)
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(base, file)), {recursive: true})
    await writeFile(path.join(base, file), text)
  }
  return base
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sidecore-lint-cli-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('lint', () => {
  test('settings that agree: exit 0; files in no known format are skipped', async () => {
    const base = await tree('good', good)
    const r = await sidecore(['lint', base, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as {files: {kind: string}[]; skipped: string[]; problems: unknown[]}
    expect(result.problems).toEqual([])
    expect(result.files.map((f) => f.kind).sort()).toEqual(['cgroup', 'kernel-cmdline', 'kubelet', 'libvirt', 'nova', 'ovs', 'tuned'])
    expect(result.skipped).toEqual([path.join(base, 'README')])
  })

  test('a PMD core in a VM and outside the isolated set: exit 1, each problem with its sources', async () => {
    const base = await tree('bad', {
      ...good,
      'ovs/ovs-vsctl.sh': 'ovs-vsctl set Open_vSwitch . other_config:pmd-cpu-mask=0x108\n',
    })
    const r = await sidecore(['lint', base])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`io-in-vm: an I/O core is also a VM's CPU: CPU 3 in both OVS pmd-cpu-mask and vCPU pins of domain web-0 (${path.join(base, 'ovs/ovs-vsctl.sh')}:1, ${path.join(base, 'libvirt/web-0.xml')}:5)`)
    expect(r.stdout).toContain('pmd-not-isolated: a PMD core is outside the isolated CPUs: CPU 8 in OVS pmd-cpu-mask but not in isolcpus')
    expect(r.stdout).toMatch(/\n\d+ problems in 7 files\n$/)
    const json = await sidecore(['lint', base, '--json'])
    expect(json.code).toBe(1)
    const problems = (JSON.parse(json.stdout) as {problems: {code: string; cpus: number[]}[]}).problems
    expect(problems.map((p) => p.code)).toEqual(['io-in-vm', 'io-in-vm', 'pmd-not-isolated', 'pmd-not-isolated'])
  })

  test('single files can be given too', async () => {
    const base = await tree('single', good)
    const r = await sidecore(['lint', path.join(base, 'cmdline'), path.join(base, 'tuned/cpu-partitioning-variables.conf')])
    expect(r.stdout).toBe('no problems in 2 files\n')
    expect(r.code).toBe(0)
  })

  test.each([
    ['a file in no known format', {'x.txt': 'hello\n'}, 'x.txt', /^Error: .*x\.txt: expected a kernel command line, tuned cpu-partitioning variables, .*, found a file in none of these formats\n$/],
    ['a malformed domain', {'d.xml': '<domain><name>x</name>\n<vcpu>1</vcpu>\n</domaine>\n'}, 'd.xml', /^Error: .*d\.xml:3: expected well-formed XML, found a syntax error: expected closing tag 'domain'/],
    ['a bad nova list', {'nova.conf': '[compute]\ncpu_dedicated_set = 2-x\n'}, 'nova.conf', /^Error: .*nova\.conf:2: cpu_dedicated_set: expected a CPU list like "0-3,8", found "2-x"\n$/],
  ])('%s: one message, exit 2', async (name, files, file, message) => {
    const base = await tree(name.replace(/ /g, '-'), files)
    const r = await sidecore(['lint', path.join(base, file)])
    expect(r.stderr).toMatch(message)
    expect(r.code).toBe(2)
  })

  test('--help shows examples', async () => {
    const r = await sidecore(['lint', '--help'])
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toContain('lint host-config/ --json')
  })
})
