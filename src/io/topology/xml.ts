/**
 * XML as a small element tree with line numbers, for the importers' messages.
 * Well-formedness is checked first with fast-xml-parser's XMLValidator (its
 * error carries the line); the tree comes from XMLParser with
 * `captureMetaData`, whose start offsets give each element's line.
 */
import {XMLParser, XMLValidator} from 'fast-xml-parser'

import {fail} from '../errors.js'
import {topoExpected, topoFound} from './messages.js'

export interface XmlEl {
  name: string
  attrs: Record<string, string>
  children: XmlEl[]
  /** Concatenated text content. */
  text: string
  line: number
}

/** Parse `text` (named `file` in messages) into its root element. */
export function parseXml(text: string, file: string): XmlEl {
  const valid = XMLValidator.validate(text)
  if (valid !== true) fail({code: 'syntax', file, line: valid.err.line, expected: topoExpected.xml, found: topoFound.xmlError(valid.err.msg)})
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    preserveOrder: true,
    captureMetaData: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
  })
  const raw = parser.parse(text) as unknown[]
  const meta = XMLParser.getMetaDataSymbol() as unknown as symbol
  const newlines: number[] = []
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) newlines.push(i)
  const lineAt = (index: number | undefined): number => {
    if (index === undefined) return 1
    let lo = 0
    let hi = newlines.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (newlines[mid] < index) lo = mid + 1
      else hi = mid
    }
    return lo + 1
  }
  const convert = (node: Record<string | symbol, unknown>): XmlEl | undefined => {
    const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text' && !k.startsWith('?') && k !== '#comment')
    if (name === undefined) return undefined
    const kids = (node[name] as Array<Record<string | symbol, unknown>>) ?? []
    const attrs = (node[':@'] as Record<string, string> | undefined) ?? {}
    const el: XmlEl = {name, attrs, children: [], text: '', line: lineAt((node[meta] as {startIndex?: number} | undefined)?.startIndex)}
    for (const k of kids) {
      if ('#text' in k) el.text += String(k['#text'])
      else {
        const c = convert(k)
        if (c !== undefined) el.children.push(c)
      }
    }
    return el
  }
  const roots = raw.map((n) => convert(n as Record<string | symbol, unknown>)).filter((e): e is XmlEl => e !== undefined)
  if (roots.length !== 1) fail({code: 'syntax', file, line: 1, expected: topoExpected.xml, found: topoFound.count(roots.length)})
  return roots[0]
}

export const child = (el: XmlEl | undefined, name: string): XmlEl | undefined => el?.children.find((c) => c.name === name)
export const children = (el: XmlEl | undefined, name: string): XmlEl[] => el?.children.filter((c) => c.name === name) ?? []

/** An integer attribute (optional unless `required`); a bad value is an error naming the file, line, element and attribute. */
export function intAttr(el: XmlEl, attr: string, file: string, required: true): number
export function intAttr(el: XmlEl, attr: string, file: string, required?: false): number | undefined
export function intAttr(el: XmlEl, attr: string, file: string, required = false): number | undefined {
  const v = el.attrs[attr]
  if (v === undefined) {
    if (required) fail({code: 'value', file, line: el.line, expected: topoExpected.attribute(el.name, attr, topoExpected.integer), found: topoFound.nothing})
    return undefined
  }
  if (!/^\s*\d+\s*$/.test(v)) fail({code: 'value', file, line: el.line, expected: topoExpected.attribute(el.name, attr, topoExpected.integer), found: topoFound.text(v)})
  return Number(v)
}
