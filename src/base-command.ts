import {Command} from '@oclif/core'

import {InputError} from './io/errors.js'
import {LayoutError, PolicyError} from './model/errors.js'

/** What every Sidecore command shares: how a user-fixable error is reported. */
export abstract class SidecoreCommand extends Command {
  /** Print `Error: message` on stderr as it is (no wrapping, no stack) and exit. */
  protected fail(message: string, exit = 2): never {
    this.logToStderr(`Error: ${message}`)
    this.exit(exit)
  }

  /** Report input and layout errors to the user; anything else is a bug and propagates. */
  protected failOnUserError(error: unknown, file?: string): never {
    if (error instanceof InputError) this.fail(error.message)
    if (error instanceof LayoutError || error instanceof PolicyError) this.fail(file ? `${file}: ${error.message}` : error.message)
    throw error
  }
}
