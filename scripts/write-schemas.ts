/**
 * Write the JSON Schema of every input format to `schemas/KIND.schema.json`
 * (from the TypeBox schemas in src/io/schemas.ts), atomically.
 *
 *     npm run schemas            write the files
 *     npm run schemas -- --check exit 1 when a file is missing or out of date
 */
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {schemaFiles} from '../src/io/schemas.js'
import {writeFilesAtomic} from '../src/io/write.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = path.join(root, 'schemas')
const files = schemaFiles()

if (process.argv.includes('--check')) {
  const stale: string[] = []
  for (const [name, text] of Object.entries(files)) {
    const current = await readFile(path.join(dir, name), 'utf8').catch(() => undefined)
    if (current !== text) stale.push(name)
  }
  if (stale.length > 0) {
    console.error(`schemas/ is out of date (${stale.join(', ')}): run npm run schemas`)
    process.exit(1)
  }
  console.log('schemas/ is up to date')
} else {
  await writeFilesAtomic(dir, files)
  console.log(`wrote ${Object.keys(files).map((f) => `schemas/${f}`).join(', ')}`)
}
