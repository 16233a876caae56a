import {Args} from '@oclif/core'

import {loadReferenceCase, referenceFiles} from '../io/reference.js'
import {type CheckResult, runReferenceCase} from '../model/reference.js'
import {renderTable} from '../report/terminal.js'
import {SidecoreCommand} from '../base-command.js'

export default class Validate extends SidecoreCommand {
  static override description = 'Run the model against the published reference results in data/reference/ and compare.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> validate',
    '<%= config.bin %> validate data/reference/r1-backend-too-fast.yaml',
    '<%= config.bin %> validate --json',
  ]

  static override args = {
    files: Args.string({description: 'reference case files (default: every file in data/reference/)', required: false}),
  }

  static override strict = false

  async run(): Promise<{pass: boolean; results: CheckResult[]}> {
    const {argv} = await this.parse(Validate)
    const files = argv.length > 0 ? argv as string[] : await referenceFiles()
    const results: CheckResult[] = []
    for (const file of files) {
      try {
        const c = await loadReferenceCase(file)
        results.push(...runReferenceCase(c.scenario.name, c.variants, c.checks).results)
      } catch (error) {
        this.failOnUserError(error, file)
      }
    }

    const pass = results.every(r => r.pass)
    if (!this.jsonEnabled()) {
      const rows = results.map(r => [
        r.case,
        r.check,
        r.predicted === undefined ? '' : Number(r.predicted.toPrecision(4)),
        r.published,
        r.error === undefined ? '' : `${(100 * r.error).toFixed(1)}%`,
        r.pass ? 'pass' : `FAIL${r.note ? ` (${r.note})` : ''}`,
      ])
      this.log(renderTable(['case', 'check', 'predicted', 'published', 'error', 'result'], rows))
      const failed = results.filter(r => !r.pass).length
      this.log(`\n${results.length - failed} passed, ${failed} failed`)
    }

    // Fail the run, after the JSON document when --json is on.
    if (!pass) process.exitCode = 1
    return {pass, results}
  }
}
