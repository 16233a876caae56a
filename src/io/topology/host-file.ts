/**
 * The last phase of `host probe` and `host import`: a reading becomes host
 * file text, which is checked by the same validation and normalisation
 * `loadHost` applies before anything is written (atomically), so a written
 * host file always loads.
 */
import path from 'node:path'

import {fail} from '../errors.js'
import {parseDocumentText, packageRoot} from '../load.js'
import {type HostModel, normalizeHost} from '../normalize.js'
import type {HostSpec} from '../schemas.js'
import {validateSpec} from '../validate.js'
import {writeFileAtomic} from '../write.js'
import type {TopologyReading} from './reading.js'
import {renderHostYaml} from './render.js'
import {readingToHost} from './to-host.js'

export interface HostFileResult {
  /** The topology as read, in the machine's own numbering. */
  reading: TopologyReading
  /** The host model spec written. */
  host: HostSpec
  /** Defaults and omissions (also in the file's header comment). */
  warnings: string[]
  /** The file text. */
  text: string
  /** The host model as the planner sees it. */
  model: HostModel
  /** The file written, when one was. */
  out?: string
}

/** The yaml-language-server line for a host file at `file`, when it sits inside the Sidecore package (elsewhere the path would only hold on this machine). */
function schemaRef(file: string | undefined): string | undefined {
  if (file === undefined) return undefined
  const root = packageRoot()
  const abs = path.resolve(file)
  const inside = path.relative(root, abs)
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return undefined
  return path.relative(path.dirname(abs), path.join(root, 'schemas', 'host.schema.json')).split(path.sep).join('/')
}

/** Convert, render, check by loading the text back, and write to `out` when given. */
export async function writeHostFile(reading: TopologyReading, options: {name?: string; out?: string} = {}): Promise<HostFileResult> {
  const conv = readingToHost(reading, {name: options.name})
  const text = renderHostYaml(conv, schemaRef(options.out))
  // The text must load as any host file does; a failure here is a bug in the conversion, not the user's input.
  const doc = parseDocumentText(text, options.out ?? 'host.yaml')
  let model: HostModel
  try {
    model = normalizeHost(validateSpec('host', doc.data))
  } catch (error) {
    throw new Error(`the host model made from ${reading.source} does not load: ${(error as Error).message}`, {cause: error})
  }
  if (options.out !== undefined) {
    try {
      await writeFileAtomic(options.out, text)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (typeof code !== 'string') throw error
      fail({code: 'file', file: options.out, expected: 'a file that can be written', found: (error as Error).message})
    }
  }
  return {reading, host: conv.spec, warnings: conv.warnings, text, model, ...(options.out === undefined ? {} : {out: options.out})}
}

/** What a host command prints on stdout: the file text, or a line saying what was written. */
export function hostFileMessage(result: HostFileResult): string {
  const m = result.model
  return result.out === undefined
    ? result.text.trimEnd()
    : `Wrote ${result.out} (${m.cpus.length} CPUs, ${m.nodes.length} NUMA node(s), ${m.nics.length} NIC(s), ${m.blockDevices.length} block device(s)).`
}
