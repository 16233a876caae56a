import {Args} from '@oclif/core'

import {type ReferenceCase, loadReferenceCase, referenceFiles} from '../io/reference.js'
import {type CheckResult, VariantPolicyError, runReferenceCase} from '../model/reference.js'
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
      let c: ReferenceCase | undefined
      try {
        c = await loadReferenceCase(file)
        const caseResults = runReferenceCase(c.scenario.name, c.variants, c.checks).results
        // A check whose own expression fails is a mistake in the case file, not a failed check.
        const broken = caseResults.findIndex(r => r.invalid)
        if (broken >= 0) throw c.invalid(broken, caseResults[broken].invalid!.key, caseResults[broken].invalid!.message)
        results.push(...caseResults)
      } catch (error) {
        if (error instanceof VariantPolicyError && c) {
          const {path, line} = c.variantAt(error.variant)
          this.fail(`${file}${line === undefined ? '' : `:${line}`}: ${path}: variant ${error.variant} cannot be laid out on this host: ${error.message}`)
        }

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
        r.error === undefined ? '' : percent(r.error),
        r.condition === undefined ? r.tolerance === undefined ? '' : r.tolerance === 0 ? 'exact' : `±${(100 * r.tolerance).toFixed(0)}%` : 'condition',
        r.pass ? 'pass' : `FAIL${r.note ? ` (${r.note})` : ''}`,
      ])
      this.log(renderTable(['case', 'check', 'predicted', 'published', 'error', 'decided by', 'result'], rows))
      const failed = results.filter(r => !r.pass).length
      this.log(`\n${results.length - failed} passed, ${failed} failed`)
    }

    // Fail the run, after the JSON document when --json is on.
    if (!pass) process.exitCode = 1
    return {pass, results}
  }
}

/** A relative error as a percentage with one decimal; one that rounds to zero shows as 0.0%, never -0.0%. */
function percent(error: number): string {
  const text = (100 * error).toFixed(1)
  return `${text === '-0.0' ? '0.0' : text}%`
}
