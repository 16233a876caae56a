import {SidecoreCommand} from './base-command.js'
import {type HostFileResult, type TopologyReading, hostFileMessage, writeHostFile} from './io/topology/index.js'

/** What `host probe` and `host import` share: write the reading as a host file and say so. */
export abstract class HostFileCommand extends SidecoreCommand {
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
