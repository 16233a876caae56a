import {SidecoreCommand} from './base-command.js'
import {type HostFileResult, type TopologyReading, hostFileMessage, hostName, writeHostFile} from './io/topology/index.js'
import {topoExpected} from './io/topology/messages.js'

/** What `host probe` and `host import` share: write the reading as a host file and say so. */
export abstract class HostFileCommand extends SidecoreCommand {
  /** A `--name` as given: refused, not changed, when it has other characters than a host file's name may have. */
  protected checkedName(name: string | undefined): string | undefined {
    if (name !== undefined && hostName(name) !== name) {
      this.fail(`--name: expected ${topoExpected.hostName}, found "${name}"`)
    }

    return name
  }

  protected async writeReading(read: () => Promise<TopologyReading>, options: {name?: string; out?: string}):
  Promise<Omit<HostFileResult, 'text' | 'model'>> {
    let result: HostFileResult
    try {
      result = await writeHostFile(await read(), options)
    } catch (error) {
      this.failOnUserError(error)
    }

    for (const w of result.warnings) this.logToStderr(`Warning: ${w}`)
    if (!this.jsonEnabled()) this.log(hostFileMessage(result))
    const {text: _text, model: _model, ...json} = result
    return json
  }
}
