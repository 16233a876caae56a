import {Args} from '@oclif/core'

import {SidecoreCommand} from '../base-command.js'
import {type LintResult, lintHostConfig} from '../io/hostconfig/read.js'
import {problemText} from '../io/hostconfig/messages.js'

export default class Lint extends SidecoreCommand {
  static override description =
    'Check host settings (kernel command line, tuned, cgroup cpusets, OVS, nova.conf, kubelet, libvirt domains) for overlaps and contradictions; exits 1 when it finds any.'

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> lint host-config/',
    '<%= config.bin %> lint /proc/cmdline /etc/tuned/cpu-partitioning-variables.conf /etc/nova/nova.conf /etc/libvirt/qemu/*.xml',
    '<%= config.bin %> lint host-config/ --json',
  ]

  static override args = {
    files: Args.string({description: 'settings files, or folders to walk', required: true}),
  }

  static override strict = false

  async run(): Promise<LintResult> {
    const {argv} = await this.parse(Lint)
    let result
    try {
      result = await lintHostConfig(argv as string[])
    } catch (error) {
      this.failOnUserError(error)
    }

    if (!this.jsonEnabled()) {
      for (const p of result.problems) {
        const where = p.sources.map((s) => (s.line === undefined ? s.file : `${s.file}:${s.line}`)).join(', ')
        this.log(`${p.code}: ${p.title}: ${p.message} (${where})`)
      }
      const n = result.files.length
      this.log(result.problems.length === 0 ? problemText.clean(n) : problemText.found(result.problems.length, n))
    }

    // Fail the run, after the JSON document when --json is on.
    if (result.problems.length > 0) process.exitCode = 1
    return result
  }
}
