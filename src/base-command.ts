import {Command} from '@oclif/core'

import {InputError} from './io/errors.js'
import {WriteError} from './io/write.js'
import {LayoutError, PolicyError} from './model/errors.js'

/** What every Sidecore command shares: how a user-fixable error is reported. */
export abstract class SidecoreCommand extends Command {
  /** Print `Error: message` on stderr as it is (no wrapping, no stack) and exit. */
  protected fail(message: string, exit = 2): never {
    // Under --json the error is the JSON document on stdout.
    if (this.jsonEnabled()) this.logJson({error: {message, exit}})
    else this.logToStderr(`Error: ${message}`)
    this.exit(exit)
  }

  /** Under --json, an exit `fail` asked for is not an error to print again. */
  protected override async catch(error: Error & {code?: string; oclif?: {exit?: number}}): Promise<unknown> {
    if (this.jsonEnabled() && error.code === 'EEXIT' && error.oclif?.exit !== undefined) {
      process.exitCode = error.oclif.exit
      return undefined
    }

    // A write that failed where a command did not catch it (a folder in the way, a full disk).
    if (error instanceof WriteError) {
      if (this.jsonEnabled()) this.logJson({error: {message: error.message, exit: 2}})
      else this.logToStderr(`Error: ${error.message}`)
      process.exitCode = 2
      return undefined
    }

    return super.catch(error)
  }

  /**
   * Report input and layout errors to the user; anything else is a bug and propagates. A
   * policy that cannot be laid out is reported at the scenario's `policy` line when known.
   */
  protected failOnUserError(error: unknown, file?: string, policyLine?: number): never {
    if (error instanceof InputError || error instanceof WriteError) this.fail(error.message)
    if (error instanceof PolicyError) {
      const at = file === undefined ? '' : policyLine === undefined ? `${file}: ` : `${file}:${policyLine}: policy: `
      this.fail(`${at}cannot be laid out on this host: ${error.message}`)
    }
    if (error instanceof LayoutError) this.fail(file ? `${file}: ${error.message}` : error.message)
    throw error
  }
}
