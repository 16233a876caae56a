/**
 * What identifies a build of the model's WebAssembly kernel: the options it is compiled
 * with, and the fingerprint of the kernel's source, the generator's (build-kernel.ts),
 * the compiler's version and the options that scripts/build-kernel.ts writes into the
 * generated module (and a test checks).
 */
import {createHash} from 'node:crypto'
import {createRequire} from 'node:module'

/** AssemblyScript's options for the kernel; `--debug` keeps the functions' names, for profiles. */
export function kernelOptions(debug: boolean): string[] {
  return ['-O3', '--runtime', 'stub', '--noAssert', '--importMemory', ...(debug ? ['--debug'] : [])]
}

export function kernelHash(source: string, generator: string, options: readonly string[]): string {
  const compiler = (createRequire(import.meta.url)('assemblyscript/package.json') as {version: string}).version
  return createHash('sha256').update(JSON.stringify([source, generator, compiler, options])).digest('hex').slice(0, 16)
}
