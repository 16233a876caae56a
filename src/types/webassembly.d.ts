/**
 * The part of the WebAssembly JavaScript API that src/model/kernel.ts uses. Node has had it
 * since 8, but @types/node 20 does not declare it and the DOM library would bring the
 * browser's globals with it.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array)
  }

  class Memory {
    constructor(descriptor: {initial: number, maximum?: number})
    readonly buffer: ArrayBuffer
    grow(pages: number): number
  }

  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>)
    readonly exports: Record<string, unknown>
  }
}
