/**
 * Write ajv's standalone code of every format's validator to `dist/io/validators.cjs`, so
 * that commands load the validators compiled instead of compiling the schemas on every
 * run (src/io/validate.ts). Part of `npm run build`, after tsc.
 *
 *     node --import tsx scripts/write-validators.ts [OUT_FILE]
 */
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import standalone from 'ajv/dist/standalone/index.js'

import {FILE_KINDS, SCHEMAS} from '../src/io/schemas.js'
import {PRECOMPILED_FILE, newAjv, schemasHash} from '../src/io/validate.js'
import {writeFilesAtomic} from '../src/io/write.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = process.argv[2] ?? path.join(root, 'dist', 'io', PRECOMPILED_FILE)

// A CommonJS module: its function is the default export, or the module itself under some loaders.
const standaloneCode = (typeof standalone === 'function' ? standalone : standalone.default) as typeof standalone.default
const ajv = newAjv({code: {source: true}})
for (const kind of FILE_KINDS) ajv.addSchema(SCHEMAS[kind], kind)
const code = standaloneCode(ajv, Object.fromEntries(FILE_KINDS.map(k => [k, k])))
await writeFilesAtomic(path.dirname(out), {
  [path.basename(out)]: `${code}\nexports.schemasHash = ${JSON.stringify(schemasHash())};\n`,
})
console.log(`wrote ${path.relative(root, out)} (${FILE_KINDS.join(', ')})`)
