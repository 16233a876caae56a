/**
 * A small, read-only view of an XML document parsed with fast-xml-parser: each
 * element with its attributes, text, children in document order by name, the
 * line it starts on and its path (`domain.cputune.vcpupin[1]`) for messages.
 *
 * Malformed XML is refused with the parser's own line number (XMLValidator).
 * No file system access: callers pass text and the file name to show.
 */
import {XMLParser, XMLValidator} from 'fast-xml-parser'

import {InputError, type PathSegment, formatPath} from '../errors.js'
import {xmlText} from './messages.js'

export interface Element {
  name: string
  attrs: Record<string, string>
  text: string
  /** Children, name by name, in document order within each name. */
  children: Map<string, Element[]>
  /** 1-based line of the start tag (of the parent for text-only elements). */
  line: number
  /** `['domain', 'cputune', 'vcpupin', 1]`: the element as messages name it. */
  segments: PathSegment[]
  /** The same as text, `domain.cputune.vcpupin[1]`. */
  path: string
}

const META = XMLParser.getMetaDataSymbol() as unknown as symbol

/** 1-based line of each character offset, by binary search over newline offsets. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0]
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1)
  return (offset) => {
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid] <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }
}

/** Parse `text` (the content of `file`) and return its root element, which must be `root`. */
export function parseXml(text: string, file: string, root: string): Element {
  const valid = XMLValidator.validate(text, {allowBooleanAttributes: false})
  if (valid !== true) {
    // Elements left open at the end come back as one message listing them, placed on line 1.
    const open = /^Invalid '\[(.*)\]' found/s.exec(valid.err.msg)
    if (open !== null) {
      const names = [...open[1].matchAll(/"([^"]+)"/g)].map((m) => m[1])
      throw new InputError({code: 'syntax', expected: xmlText.wellFormed, found: xmlText.unclosed(names), file, line: text.split('\n').length})
    }
    throw new InputError({code: 'syntax', expected: xmlText.wellFormed, found: xmlText.syntax(valid.err.msg), file, line: valid.err.line})
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: '$',
    textNodeName: '#text',
    isArray: (_name, _jpath, _isLeaf, isAttribute) => !isAttribute,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    captureMetaData: true,
    processEntities: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
  })
  const doc = parser.parse(text) as Record<string, unknown>
  const lineOf = lineIndex(text)
  const roots = Object.keys(doc)
  const top = doc[root] as unknown[] | undefined
  if (roots.length !== 1 || top === undefined || top.length !== 1) {
    throw new InputError({code: 'schema', expected: xmlText.root(root), found: xmlText.roots(roots.length === 0 ? [] : roots), file, line: 1})
  }
  return build({name: root, node: top[0], start: 0, segments: [root]}, text, lineOf)
}

interface Pending {
  name: string
  node: unknown
  /** Where to look for the start tag when the parser kept no position (text-only elements). */
  start: number
  segments: PathSegment[]
}

/** Offset of the `nth` start tag `<name` at or after `from`, or `from` when there is none. */
function findTag(text: string, name: string, from: number, nth: number): number {
  const re = new RegExp(`<${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s/>]`, 'g')
  re.lastIndex = from
  let m: RegExpExecArray | null = null
  for (let i = 0; i <= nth; i++) {
    m = re.exec(text)
    if (m === null) return from
  }
  return m === null ? from : m.index
}

function build(p: Pending, source: string, lineOf: (o: number) => number): Element {
  const path = formatPath(p.segments)
  if (typeof p.node !== 'object' || p.node === null) {
    const text = p.node === undefined || p.node === null ? '' : String(p.node)
    return {name: p.name, attrs: {}, text, children: new Map(), line: lineOf(p.start), segments: p.segments, path}
  }
  const record = p.node as Record<string | symbol, unknown>
  const meta = record[META] as {startIndex?: number} | undefined
  const start = meta?.startIndex ?? p.start
  const attrs = {...((record.$ as Record<string, string> | undefined) ?? {})}
  const text = record['#text'] === undefined ? '' : String(record['#text'])
  const children = new Map<string, Element[]>()
  for (const key of Object.keys(record)) {
    if (key === '$' || key === '#text') continue
    const list = record[key] as unknown[]
    children.set(key, list.map((child, i) => build({
      name: key,
      node: child,
      start: findTag(source, key, start + 1, i),
      segments: list.length > 1 ? [...p.segments, key, i] : [...p.segments, key],
    }, source, lineOf)))
  }
  return {name: p.name, attrs, text, children, line: lineOf(start), segments: p.segments, path}
}

/** The children named `name` (none: empty list). */
export function all(el: Element, name: string): Element[] {
  return el.children.get(name) ?? []
}

/** The first child named `name`, if any. */
export function first(el: Element, name: string): Element | undefined {
  return el.children.get(name)?.[0]
}
