/**
 * The WebAssembly side of the evaluator: one instance of the kernel (kernel/solve.ts) per
 * `HostEvaluator`, with the memory its arrays live in.
 *
 * The evaluator makes its arrays in this memory while it is built (the few that do not fit
 * are copied in), and `adopt` takes note of them all, so that the kernel reads what the
 * evaluator writes and the evaluator reads what the kernel computes without copying.
 * Arrays the evaluator grows later for a larger layout are new JavaScript arrays: the
 * kernel gets a copy of those (`input`) in a mirror it keeps. Its own working arrays and
 * the rows it builds are scratch slots, which the evaluator reads in place. When the memory
 * has to grow, WebAssembly detaches its old buffer, so every adopted array and mirror is
 * made anew at the same offset (`rebind`); after `adopt`, that only happens in `reserve`,
 * before the kernel runs.
 */
import {KERNEL_SIZE_COUNT, KERNEL_SLOT_COUNT, KERNEL_SLOTS, KERNEL_WASM} from './kernel.generated.js'

type Slot = (typeof KERNEL_SLOTS)[number]
export type KernelArray = Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Int8Array<ArrayBuffer>
export type KernelArrayClass = Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor | Int8ArrayConstructor

/** Slot numbers by name. */
export const SLOT = Object.fromEntries(KERNEL_SLOTS.map((name, k) => [name, k])) as Record<Slot, number>

/** Where each size is in the table, after the slots (kernel/solve.ts, `bind`). */
export const SIZE = {
  n: 0, nv: 1, nw: 2, nc: 3, nb: 4, dynamicRows: 5, fixedFrom: 6, fixedLength: 7, groupCount: 8, closedCount: 9,
  maxIterations: 10, fixedCount: 11, slotCount: 12, memberRoom: 13, ownerRoom: 14, stamp: 15,
} as const

/** The constants after the sizes, in the kernel's order (`bind`). */
export const CONSTANTS = [
  'tolerance', 'irqBatch', 'timerSlackS', 'contextSwitchCycles', 'guestIrqCycles', 'pollPassCycles', 'wakeupLatencyS',
  'schedDelayS', 'idleExitLatencyS', 'frequency',
] as const

const PAGE = 65_536
/** Table: the slots' offsets (u32), then the sizes (i32), then the constants (f64). */
const SIZES_AT = KERNEL_SLOT_COUNT
const CONSTANTS_AT = (KERNEL_SLOT_COUNT + KERNEL_SIZE_COUNT) / 2
const TABLE_BYTES = (KERNEL_SLOT_COUNT + KERNEL_SIZE_COUNT) * 4 + CONSTANTS.length * 8

let compiled: WebAssembly.Module | undefined

function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    const text = atob(KERNEL_WASM)
    const bytes = new Uint8Array(text.length)
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
    compiled = new WebAssembly.Module(bytes)
  }

  return compiled
}

function align(bytes: number): number {
  return Math.ceil(bytes / 8) * 8
}

interface Placed {
  kind: KernelArrayClass
  offset: number
  length: number
  /** The view on the owner's property, as last made here. */
  view: KernelArray
}

export class Kernel {
  private readonly memory: WebAssembly.Memory
  private readonly runSolve: (table: number) => number
  private readonly runRows: (table: number) => number
  private readonly table: number
  /** Bytes of the kernel's record per device (the `deviceRecords` slot holds one per device). */
  readonly deviceRecordBytes: number
  /** The memory's buffer when the views were last made. */
  buffer: ArrayBuffer
  private slots!: Uint32Array<ArrayBuffer>
  /** The sizes `rows` and `solve` read (by SIZE), and `rows` writes back; made anew by `reserve`. */
  sizes!: Int32Array<ArrayBuffer>
  private constants!: Float64Array<ArrayBuffer>
  /** Next free byte. */
  top: number
  private owner: Record<string, unknown> = {}
  private readonly adopted: {key: string, placed: Placed}[] = []
  /** Per slot: the mirror of a JavaScript array or the kernel's own scratch array, if any, and where it is. */
  private readonly mirrors: (KernelArray | undefined)[] = []
  private readonly mirrorAt = new Float64Array(KERNEL_SLOT_COUNT)
  private readonly mirrorLength = new Float64Array(KERNEL_SLOT_COUNT)
  private readonly mirrorKind: (KernelArrayClass | undefined)[] = []
  /** What each slot's mirror must hold in the next `reserve`: bytes (0: none) and element kind. */
  private readonly wanted = new Float64Array(KERNEL_SLOT_COUNT)
  private readonly wantedKind: (KernelArrayClass | undefined)[] = []

  /** A kernel whose memory has room for `bytes` of arrays (it grows when more are needed). */
  constructor(bytes: number) {
    const instanceModule = kernelModule()
    // The table sits at the module's heap base, which is known once instantiated: a page spare.
    this.memory = new WebAssembly.Memory({initial: 1 + Math.ceil((TABLE_BYTES + bytes) / PAGE)})
    const instance = new WebAssembly.Instance(instanceModule, {env: {memory: this.memory}})
    const exports = instance.exports as {
      solve: (table: number) => number, rows: (table: number) => number, heapBase: () => number, deviceRecordBytes: () => number,
    }
    this.runSolve = exports.solve
    this.runRows = exports.rows
    this.table = align(exports.heapBase())
    this.deviceRecordBytes = exports.deviceRecordBytes()
    this.top = this.table + TABLE_BYTES
    this.buffer = this.memory.buffer
    this.views()
  }

  /**
   * Takes in every typed array among `owner`'s own properties: those the owner made in the
   * memory's free part (from `top`, up to `end`) stay where they are, the others are
   * copied into the memory and the properties pointed at the copies. From here on, the
   * kernel makes each of them anew when the memory grows (`reserve`).
   */
  adopt(owner: object, end: number): void {
    const props = owner as Record<string, unknown>
    this.owner = props
    this.top = Math.max(this.top, align(end))
    const copies: {key: string, view: KernelArray, placed: Placed}[] = []
    for (const key of Object.keys(props)) {
      const value = props[key]
      if (!ArrayBuffer.isView(value) || value instanceof DataView) continue
      const view = value as KernelArray
      const kind = view.constructor as KernelArrayClass
      if (view.buffer === this.buffer) {
        this.adopted.push({key, placed: {kind, offset: view.byteOffset, length: view.length, view}})
      } else {
        const placed = {kind, offset: this.take(view.byteLength), length: view.length, view}
        this.adopted.push({key, placed})
        copies.push({key, view, placed})
      }
    }

    if (copies.length > 0 && this.grow()) this.rebind()
    const {buffer} = this
    for (const {key, view, placed} of copies) {
      const copy = new placed.kind(buffer, placed.offset, placed.length)
      copy.set(view as never)
      props[key] = copy
      placed.view = copy
    }

    this.pointSlots()
  }

  /** The slot reads `array`: from where it is when adopted, else from a mirror (`reserve` first). */
  want(slot: number, array: KernelArray): void {
    this.wanted[slot] = array.buffer === this.buffer ? 0 : array.byteLength
    this.wantedKind[slot] = array.constructor as KernelArrayClass
  }

  /** The slot is the kernel's own: `length` entries of `kind` (`reserve` first). */
  wantScratch(slot: number, kind: KernelArrayClass, length: number): void {
    this.wanted[slot] = Math.max(1, length) * kind.BYTES_PER_ELEMENT
    this.wantedKind[slot] = kind
  }

  /**
   * Room for every mirror `want` asked for; the memory grows if needed, and then every
   * adopted array is made anew (the answer is whether that happened).
   */
  reserve(): boolean {
    const {wanted, wantedKind, mirrorKind, mirrorAt, mirrorLength} = this
    let more = false
    for (let k = 0; k < KERNEL_SLOT_COUNT; k++) {
      const bytes = wanted[k]
      if (bytes === 0) continue
      const kind = wantedKind[k]!
      if (mirrorKind[k] === kind && mirrorLength[k] * kind.BYTES_PER_ELEMENT >= bytes) continue
      const length = Math.max(bytes / kind.BYTES_PER_ELEMENT, mirrorKind[k] === kind ? 2 * mirrorLength[k] : 0)
      mirrorAt[k] = this.take(length * kind.BYTES_PER_ELEMENT)
      mirrorLength[k] = length
      mirrorKind[k] = kind
      this.mirrors[k] = undefined
      more = true
    }

    if (!more) return false
    if (this.grow()) {
      this.rebind()
      return true
    }

    this.makeMirrors()
    return false
  }

  /** The slot reads `array`, copied into its mirror unless adopted. */
  input(slot: number, array: KernelArray): void {
    if (array.buffer === this.buffer) {
      this.slots[slot] = array.byteOffset
      return
    }

    const mirror = this.mirrors[slot]!
    mirror.set(array)
    this.slots[slot] = mirror.byteOffset
  }

  /** The slot's own array, in the kernel's memory (valid until the next `reserve`). */
  scratch<T extends KernelArray>(slot: number): T {
    const mirror = this.mirrors[slot]!
    this.slots[slot] = mirror.byteOffset
    return mirror as T
  }

  /** The constants, by name (CONSTANTS): they stay until set again. */
  setConstants(values: Record<(typeof CONSTANTS)[number], number>): void {
    for (let k = 0; k < CONSTANTS.length; k++) this.constants[k] = values[CONSTANTS[k]]
  }

  /** Builds the CPU pools and constraint rows: 0 when done, 1 when they need more room (see kernel/solve.ts). */
  rows(): number {
    return this.runRows(this.table)
  }

  /** Runs the fixed point: the iterations it used. */
  solve(): number {
    return this.runSolve(this.table)
  }

  /** Zeroes the slot's own array, if it has one. */
  zero(slot: number): void {
    this.mirrors[slot]?.fill(0)
  }

  /** Byte offset of `bytes` more. */
  private take(bytes: number): number {
    const offset = this.top
    this.top += align(bytes)
    return offset
  }

  /** Pages for everything taken so far; whether the memory grew (and its buffer is new). */
  private grow(): boolean {
    const pages = Math.ceil(this.top / PAGE)
    const have = this.memory.buffer.byteLength / PAGE
    if (pages <= have) return false
    this.memory.grow(pages - have)
    return true
  }

  /**
   * Every view made anew on the current buffer: the owner's properties that still hold the
   * array adopted there (not one the owner put there since, grown or the kernel's own), the
   * mirrors and the table; the slots of adopted arrays point at them.
   */
  private rebind(): void {
    const {buffer} = this.memory
    this.buffer = buffer
    this.views()
    for (const {key, placed} of this.adopted) {
      if (this.owner[key] !== placed.view) continue
      placed.view = new placed.kind(buffer, placed.offset, placed.length)
      this.owner[key] = placed.view
    }

    this.mirrors.length = 0
    this.makeMirrors()
    this.pointSlots()
  }

  /** The mirrors placed since their views were last made. */
  private makeMirrors(): void {
    const {buffer, mirrors, mirrorKind, mirrorAt, mirrorLength} = this
    for (let k = 0; k < KERNEL_SLOT_COUNT; k++) {
      const kind = mirrorKind[k]
      if (kind && !mirrors[k]) mirrors[k] = new kind(buffer, mirrorAt[k], mirrorLength[k])
    }
  }

  /** The slots of the owner's arrays that are in the kernel's memory point at them. */
  private pointSlots(): void {
    const {buffer, owner, slots} = this
    for (let k = 0; k < KERNEL_SLOTS.length; k++) {
      const value = owner[KERNEL_SLOTS[k]]
      if (ArrayBuffer.isView(value) && value.buffer === buffer) slots[k] = value.byteOffset
    }
  }

  private views(): void {
    const {buffer} = this.memory
    this.slots = new Uint32Array(buffer, this.table, KERNEL_SLOT_COUNT)
    this.sizes = new Int32Array(buffer, this.table + SIZES_AT * 4, KERNEL_SIZE_COUNT)
    this.constants = new Float64Array(buffer, this.table + CONSTANTS_AT * 8, CONSTANTS.length)
  }
}
