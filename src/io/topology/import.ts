/**
 * `sidecore host import FILE`: read a host description another tool wrote,
 * detecting its format from the content (not the file name):
 *   - XML whose root is <capabilities>: `virsh capabilities`;
 *   - XML whose root is <topology>: hwloc XML (`lstopo --of xml`);
 *   - JSON: `lscpu --json` (or `lscpu --json --extended`);
 *   - text whose comment header names a CPU column: `lscpu -p`.
 */
import {readFile} from 'node:fs/promises'

import {fail} from '../errors.js'
import {readHwlocXml} from './hwloc-xml.js'
import {readLibvirtCapabilities} from './libvirt-caps.js'
import {readLscpuJson, readLscpuParse} from './lscpu.js'
import {topoExpected, topoFound} from './messages.js'
import type {TopologyReading} from './reading.js'
import {parseXml} from './xml.js'

/** Line and column of a character offset. */
function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length
}

/** Parse host description text (named `file` in messages) in whichever supported format it is. */
export function parseHostDescription(text: string, file: string): TopologyReading {
  const body = text.replace(/^\uFEFF/, '')
  const start = body.trimStart()
  if (start.startsWith('<')) {
    const root = parseXml(body, file)
    if (root.name === 'capabilities') return readLibvirtCapabilities(root, file)
    if (root.name === 'topology') return readHwlocXml(root, file)
    fail({code: 'value', file, line: root.line, expected: topoExpected.knownFormat, found: topoFound.root(root.name)})
  }
  if (start.startsWith('{') || start.startsWith('[')) {
    let doc: unknown
    try {
      doc = JSON.parse(body)
    } catch (error) {
      // V8 names the position of most errors ("... at position 17"), not of every one.
      const message = (error as Error).message
      const m = /position (\d+)/.exec(message)
      const what = message.split('\n')[0].replace(/, \.\.\."?$/, '').replace(/ in JSON at position \d+.*$/, '')
      fail({code: 'syntax', file, line: m === null ? undefined : lineOf(body, Number(m[1])), expected: 'valid JSON (lscpu --json output)', found: what})
    }
    return readLscpuJson(doc, file)
  }
  if (/^#.*\bcpu\b.*,/im.test(body)) return readLscpuParse(body, file)
  fail({code: 'value', file, line: 1, expected: topoExpected.knownFormat, found: topoFound.text(start.split('\n')[0] ?? '')})
}

/** Read and parse a host description file. */
export async function importHostFile(file: string): Promise<TopologyReading> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    fail({code: 'file', file, expected: 'a readable file', found: code === 'ENOENT' ? topoFound.missing : String(code ?? error)})
  }
  return parseHostDescription(text, file)
}
