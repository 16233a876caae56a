/**
 * Compile the model's fixed point (src/model/kernel/solve.ts, AssemblyScript) to
 * WebAssembly and write it, with the kernel's table of array slots, as the TypeScript
 * module src/model/kernel.generated.ts that src/model/kernel.ts loads. Part of
 * `npm run build` (before tsc), and runs before `npm test` and `npm run bench`, so they
 * run the current source. The output is the same for the same source, compiler and
 * options; when the module already holds that build, it is left as it is.
 *
 *     node --import tsx scripts/build-kernel.ts            (npm run kernel)
 *     node --import tsx scripts/build-kernel.ts --debug    keeps the functions' names, for profiles
 */
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import asc from 'assemblyscript/asc'

import {writeFilesAtomic} from '../src/io/write.js'

import {kernelHash, kernelOptions} from './kernel-hash.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const source = path.join(root, 'src', 'model', 'kernel', 'solve.ts')
const out = path.join(root, 'src', 'model', 'kernel.generated.ts')

const text = await readFile(source, 'utf8')
// The slots, in the order `bind` reads them: `name = slot(t, k++)`.
const slots = [...text.matchAll(/(\w+) = slot\(t, k\+\+\)/g)].map(m => m[1])
const slotCount = Number(/export const SLOTS = (\d+)/.exec(text)?.[1])
const sizeCount = Number(/export const SIZES = (\d+)/.exec(text)?.[1])
if (slots.length === 0 || !(slotCount >= slots.length) || !(sizeCount >= 16)) {
  throw new Error(`${source}: ${slots.length} slots for SLOTS = ${slotCount}, SIZES = ${sizeCount}`)
}

const options = kernelOptions(process.argv.includes('--debug'))
const hash = kernelHash(text, await readFile(fileURLToPath(import.meta.url), 'utf8'), options)
const current = await readFile(out, 'utf8').catch(() => '')
if (current.includes(`KERNEL_SOURCE_HASH = ${JSON.stringify(hash)}`)) {
  console.log(`${path.relative(root, out)} is up to date`)
  process.exit(0)
}

let binary: Uint8Array | undefined
const {error, stderr} = await asc.main([path.relative(root, source), '--outFile', 'kernel.wasm', ...options, '--baseDir', root], {
  writeFile(name: string, contents: Uint8Array | string) {
    if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents
  },
})
if (error || !binary) {
  console.error(stderr.toString())
  throw new Error(`AssemblyScript could not compile ${path.relative(root, source)}`)
}

const base64 = Buffer.from(binary).toString('base64')
const lines = base64.match(/.{1,100}/g) ?? []
await writeFilesAtomic(path.dirname(out), {
  [path.basename(out)]: [
    '// Written by scripts/build-kernel.ts from src/model/kernel/solve.ts: do not edit.',
    `export const KERNEL_SOURCE_HASH = ${JSON.stringify(hash)}`,
    `export const KERNEL_SLOT_COUNT = ${slotCount}`,
    `export const KERNEL_SIZE_COUNT = ${sizeCount}`,
    `export const KERNEL_SLOTS = ${JSON.stringify(slots)} as const`,
    'export const KERNEL_WASM = [',
    ...lines.map(l => `  '${l}',`),
    "].join('')",
    '',
  ].join('\n'),
})
console.log(`wrote ${path.relative(root, out)} (${binary.length} bytes of WebAssembly, ${slots.length} slots)`)
