import {describe, expect, test} from 'vitest'

import {InputError} from '../../../src/io/errors.js'
import {lintHost} from '../../../src/io/hostconfig/lint.js'
import {type HostConfigKind, detectKind, emptyFacts, parseHostConfig} from '../../../src/io/hostconfig/parse.js'

/** A libvirt domain pinning its vCPUs to `cpus`. */
function domain(name: string, cpus: number[], emulator?: string): string {
  return [
    `<domain type='kvm'>`,
    `  <name>${name}</name>`,
    `  <memory unit='KiB'>1048576</memory>`,
    `  <vcpu placement='static'>${cpus.length}</vcpu>`,
    '  <cputune>',
    ...cpus.map((c, i) => `    <vcpupin vcpu='${i}' cpuset='${c}'/>`),
    ...(emulator === undefined ? [] : [`    <emulatorpin cpuset='${emulator}'/>`]),
    '  </cputune>',
    `  <os><type arch='x86_64'>hvm</type></os>`,
    '</domain>',
  ].join('\n')
}

const consistent: Record<string, string> = {
  'cmdline': 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 isolcpus=managed_irq,domain,2-7 nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1\n',
  'tuned.conf': '# cpu-partitioning\nisolated_cores=2-7\n',
  'ovs.sh': '#!/bin/sh\novs-vsctl set Open_vSwitch . other_config:pmd-cpu-mask=0xc0\novs-vsctl set Interface vhu0 other_config:pmd-rxq-affinity="0:6,1:7"\n',
  'nova.conf': '[DEFAULT]\ndebug = true\n[compute]\ncpu_dedicated_set = 2-5\ncpu_shared_set = 0-1\n',
  'kubelet.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncpuManagerPolicy: static\nreservedSystemCPUs: "0-1,6-7"\n',
  'web-0.xml': domain('web-0', [2, 3], '2-3'),
  'web-1.xml': domain('web-1', [4, 5]),
  'machine.slice/cpuset.cpus': '2-5\n',
  'machine.slice/machine-web-0.scope/cpuset.cpus': '2-3\n',
  'machine.slice/machine-qemu\\x2d4\\x2dweb\\x2d1.scope/cpuset.cpus': '4-5\n',
  'sidecore-io.slice/cpuset.cpus': '6-7\n',
  'system.slice/cpuset.cpus': '0-1\n',
}

function lint(files: Record<string, string>) {
  const facts = emptyFacts()
  for (const [name, text] of Object.entries(files)) {
    const kind = detectKind(name, text) as HostConfigKind
    expect(kind, name).toBeDefined()
    parseHostConfig(kind, name, text, facts, name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '')
  }
  return lintHost(facts)
}

describe('formats are recognised', () => {
  test.each([
    ['cmdline', consistent.cmdline, 'kernel-cmdline'],
    ['tuned.conf', consistent['tuned.conf'], 'tuned'],
    ['ovs.sh', consistent['ovs.sh'], 'ovs'],
    ['nova.conf', consistent['nova.conf'], 'nova'],
    ['kubelet.yaml', consistent['kubelet.yaml'], 'kubelet'],
    ['web-0.xml', consistent['web-0.xml'], 'libvirt'],
    ['a/cpuset.cpus', '0-3\n', 'cgroup'],
    ['notes.txt', 'nothing to see\n', undefined],
  ])('%s', (name, text, kind) => {
    expect(detectKind(name, text)).toBe(kind)
  })
})

describe('lint', () => {
  test('consistent settings: no problems', () => {
    expect(lint(consistent)).toEqual([])
  })

  test.each([
    ['a PMD core handed to a VM', {'web-1.xml': domain('web-1', [4, 6])}, ['io-in-vm', 'io-in-vm', 'io-in-vm', 'reserved-in-vm', 'vcpu-outside-dedicated', 'vcpu-outside-cgroup'], [6]],
    ['a PMD core outside isolcpus and tuned', {'ovs.sh': 'ovs-vsctl set Open_vSwitch . other_config:pmd-cpu-mask=0x1c0\n'}, ['pmd-not-isolated', 'pmd-not-isolated'], [8]],
    ['a reserved CPU handed to a VM', {'web-0.xml': domain('web-0', [1, 3])}, ['reserved-in-vm', 'reserved-in-vm', 'reserved-in-vm', 'vcpu-outside-dedicated', 'vcpu-outside-cgroup'], [1]],
    ['isolcpus and tuned disagree', {'tuned.conf': 'isolated_cores=2-8\n'}, ['isolation-mismatch'], [8]],
    ['interrupts steered to isolated CPUs', {cmdline: 'isolcpus=2-7 nohz_full=2-7 irqaffinity=0-2'}, ['irq-on-isolated', 'irq-on-isolated'], [2]],
    ['Nova sets overlap', {'nova.conf': '[compute]\ncpu_dedicated_set = 2-5\ncpu_shared_set = 0-2\n'}, ['reserved-in-vm', 'reserved-in-vm', 'nova-overlap'], [2]],
    ['two domains on one CPU', {'web-1.xml': domain('web-1', [3, 5])}, ['vcpu-shared', 'vcpu-outside-cgroup'], [3]],
    ['an rxq on a core with no PMD', {'ovs.sh': 'ovs-vsctl set Open_vSwitch . other_config:pmd-cpu-mask=0xc0\novs-vsctl set Interface vhu0 other_config:pmd-rxq-affinity="0:5"\n'}, ['io-in-vm', 'io-in-vm', 'io-in-vm', 'rxq-outside-pmd'], [5]],
    ['a VM scope wider than machine.slice', {'machine.slice/machine-web-0.scope/cpuset.cpus': '2-3,9\n'}, ['cgroup-outside-parent'], [9]],
  ])('%s', (_what, change, codes, cpus) => {
    const problems = lint({...consistent, ...change})
    expect(problems.map((p) => p.code).sort()).toEqual([...codes].sort())
    for (const p of problems) {
      expect(p.cpus).toEqual(cpus)
      expect(p.sources.length).toBeGreaterThanOrEqual(2)
      expect(p.message).toMatch(/CPUs? |differ/)
    }
  })

  test('a problem names both settings and where they are', () => {
    const [p] = lint({...consistent, 'ovs.sh': 'ovs-vsctl set Open_vSwitch . other_config:pmd-cpu-mask=0xc0\n', 'web-1.xml': domain('web-1', [4, 7])}).filter((x) => x.code === 'io-in-vm')
    expect(p.message).toBe('CPU 7 in both OVS pmd-cpu-mask and vCPU pins of domain web-1')
    expect(p.sources).toEqual([{file: 'ovs.sh', line: 1}, {file: 'web-1.xml', line: 5}])
  })

  test.each([
    ['tuned.conf', 'isolated_cores=${f:calc_isolated_cores:1}\n', /^tuned\.conf:1: isolated_cores: expected a CPU list like "0-3,8", found/],
    ['kernel-cmdline.txt', 'ro isolcpus=managed_irq,domain,banana\n', /^kernel-cmdline\.txt:1: isolcpus: expected a CPU list like "0-3,8", found "banana"/],
    ['ovs.sh', 'ovs-vsctl set Interface p other_config:pmd-rxq-affinity="0-6"\n', /^ovs\.sh:1: pmd-rxq-affinity: expected pairs "QUEUE:CORE"/],
    ['nova.conf', '[compute]\n\ncpu_dedicated_set = 4-2\n', /^nova\.conf:3: cpu_dedicated_set: expected a CPU list/],
    ['kubelet.yaml', 'kind: KubeletConfiguration\nreservedSystemCPUs: [0, 1\n', /^kubelet\.yaml:\d+: expected valid YAML/],
  ])('bad %s is refused with its line', (name, text, message) => {
    let error: unknown
    try {
      lint({[name]: text})
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toMatch(message)
  })
})

describe('never a crash', () => {
  test('any text in any format either parses or is refused with an InputError naming the file', async () => {
    const fc = (await import('fast-check')).default
    const kinds: HostConfigKind[] = ['kernel-cmdline', 'tuned', 'cgroup', 'ovs', 'nova', 'kubelet', 'libvirt']
    const pieces = fc.constantFrom('isolcpus=', 'nohz_full=', '1-3', ',', '^2', 'x', ' ', '\n', '[compute]', 'cpu_dedicated_set = ', 'isolated_cores=',
      'ovs-vsctl set Interface p other_config:pmd-rxq-affinity="', 'other_config:pmd-cpu-mask=0x', 'ff', '0:3', 'reservedSystemCPUs: ', '"', ':', '#', '<domain>', '</domain>')
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.array(pieces, {maxLength: 12}), (kind, parts) => {
        try {
          parseHostConfig(kind, 'fuzz', parts.join(''), emptyFacts())
        } catch (error) {
          expect(error).toBeInstanceOf(InputError)
          expect((error as InputError).file).toBe('fuzz')
        }
      }),
      {numRuns: 500, seed: 11},
    )
  })
})
