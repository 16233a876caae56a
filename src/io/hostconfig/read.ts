/**
 * `sidecore lint` on files: read host settings from files and folders (a
 * folder is walked, as `sidecore export --format all --out DIR` writes one),
 * recognise each file's format, parse it and lint the whole.
 */
import {readdir, stat} from 'node:fs/promises'
import path from 'node:path'

import {InputError} from '../errors.js'
import {readTextFile} from '../libvirt/files.js'
import {type Problem, lintHost} from './lint.js'
import {hostconfigText} from './messages.js'
import {type HostConfigKind, type HostFacts, detectKind, emptyFacts, parseHostConfig} from './parse.js'

export interface LintResult {
  files: {file: string; kind: HostConfigKind}[]
  /** Files in the given folders that are in none of the formats. */
  skipped: string[]
  problems: Problem[]
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, {withFileTypes: true})).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const out: string[] = []
  for (const e of entries) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walk(p)))
    else if (e.isFile()) out.push(p)
  }
  return out
}

export async function lintHostConfig(inputs: readonly string[]): Promise<LintResult> {
  const facts: HostFacts = emptyFacts()
  const files: LintResult['files'] = []
  const skipped: string[] = []
  for (const input of inputs) {
    let isDir = false
    try {
      isDir = (await stat(input)).isDirectory()
    } catch {
      // readTextFile reports the missing file.
    }
    const found = isDir ? (await walk(input)).map((f) => ({file: f, root: input})) : [{file: input, root: undefined}]
    for (const {file, root} of found) {
      const text = await readTextFile(file)
      const kind = detectKind(file.split(path.sep).join('/'), text)
      if (kind === undefined) {
        if (root !== undefined) {
          skipped.push(file)
          continue
        }
        throw new InputError({code: 'value', expected: hostconfigText.format, found: hostconfigText.unknownFormat, file})
      }
      // A cgroup's path: its folder below the given folder (or the folder's own path for a single file).
      const cgroupPath = path.dirname(root === undefined ? file : path.relative(root, file)).split(path.sep).join('/')
      parseHostConfig(kind, file, text, facts, cgroupPath)
      files.push({file, kind})
    }
  }
  return {files, skipped, problems: lintHost(facts)}
}
