/**
 * `vm import` on files: read domain XML files, import them, check what comes
 * out against Sidecore's own formats, and write workload.yaml (and
 * layout.yaml when the domains are pinned) all-or-nothing.
 */
import {readFile} from 'node:fs/promises'

import {stringify} from 'yaml'

import type {HostModel} from '../normalize.js'
import {instantiateVms, normalizeLayout, normalizeWorkload} from '../normalize.js'
import {InputError} from '../errors.js'
import {expected, found} from '../../messages.js'
import {validateSpec} from '../validate.js'
import {writeFilesAtomic} from '../write.js'
import {type Domain, parseDomain} from './domain.js'
import {type ImportOptions, type ImportResult, importDomains} from './import.js'
import {domainText} from './messages.js'

export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError({code: 'file', expected: expected.existingFile, found: found.noFile(file), file})
    const why = code === 'EISDIR' ? 'a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message)
    throw new InputError({code: 'file', expected: expected.readableFile, found: found.unreadable(file, why), file})
  }
}

/** Read and parse domain files; two domains with one name are refused. */
export async function readDomainFiles(files: readonly string[]): Promise<Domain[]> {
  const domains: Domain[] = []
  for (const file of files) {
    const d = parseDomain(await readTextFile(file), file)
    const twin = domains.find((x) => x.name === d.name)
    if (twin !== undefined) {
      throw new InputError({code: 'value', expected: domainText.uniqueName, found: domainText.twice(d.name, twin.file), file, path: ['domain', 'name']})
    }
    domains.push(d)
  }
  return domains
}

/**
 * Import domain files and check the result the way `plan` and `evaluate`
 * would load it: the workload against its schema, and the layout against the
 * host model when one is given.
 */
export async function importDomainFiles(files: readonly string[], options: ImportOptions & {host?: HostModel}): Promise<ImportResult> {
  const result = importDomains(await readDomainFiles(files), options)
  // The domains may disagree with the host model (or among themselves): say which document.
  const check = <T>(what: string, fn: () => T): T => {
    try {
      return fn()
    } catch (error) {
      if (error instanceof InputError) throw error.located(what, undefined)
      throw error
    }
  }
  const workload = check(domainText.importedWorkload, () => normalizeWorkload(validateSpec('workload', result.workload)))
  const layout = result.layout
  if (layout !== undefined) {
    check(domainText.imported, () => {
      const spec = validateSpec('layout', layout)
      if (options.host !== undefined) normalizeLayout(spec, options.host, instantiateVms(workload))
    })
  }
  return result
}

/** The files `vm import --out DIR` writes: name -> YAML text. */
export function importFiles(result: ImportResult, sources: readonly string[]): Record<string, string> {
  const from = `# Imported by sidecore vm import from ${sources.length} libvirt domain file${sources.length === 1 ? '' : 's'}.\n`
  const out: Record<string, string> = {
    'workload.yaml': `${from}${stringify(result.workload, {lineWidth: 0})}`,
  }
  if (result.layout !== undefined) {
    const names = result.vms.map((v) => `#   ${v.vm}: domain ${v.domain}`).join('\n')
    out['layout.yaml'] = `${from}# VM instances and the domains they came from:\n${names}\n${stringify(result.layout, {lineWidth: 0})}`
  }
  return out
}

export async function writeImport(dir: string, result: ImportResult, sources: readonly string[]): Promise<string[]> {
  const files = importFiles(result, sources)
  await writeFilesAtomic(dir, files)
  return Object.keys(files)
}
