/** The published schema files are generated from src/io/schemas.ts and must be up to date. */
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {Ajv} from 'ajv'
import {describe, expect, test} from 'vitest'

import {packageRoot} from '../../src/io/load.js'
import {FILE_KINDS, schemaDocuments, schemaFiles} from '../../src/io/schemas.js'

const dir = path.join(packageRoot(), 'schemas')

describe('schemas/', () => {
  test.each(Object.entries(schemaFiles()))('%s is up to date (run `npm run schemas` when this fails)', async (name, text) => {
    const current = await readFile(path.join(dir, name), 'utf8').catch(() => '(missing)')
    expect(current).toBe(text)
  })

  test('every published schema is valid draft-07 JSON Schema, free of private annotations', () => {
    const ajv = new Ajv({strict: true, allowUnionTypes: true})
    for (const [kind, doc] of Object.entries(schemaDocuments())) {
      expect(() => ajv.compile(doc), kind).not.toThrow()
      expect(JSON.stringify(doc)).not.toMatch(/"x-/)
      expect(doc.$schema).toBe('http://json-schema.org/draft-07/schema#')
    }
  })

  test('every kind has a discriminator and version 1', () => {
    for (const kind of FILE_KINDS) {
      const doc = schemaDocuments()[kind] as {properties: Record<string, {const?: unknown}>; required: string[]}
      expect(doc.properties.kind.const).toBe(kind)
      expect(doc.properties.version.const).toBe(1)
      expect(doc.required).toEqual(expect.arrayContaining(['kind', 'version']))
    }
  })

  test('defaults are documented in descriptions so editors show them', () => {
    const text = JSON.stringify(schemaDocuments())
    for (const phrase of ['Default 7.', 'Default 1500 B (net) or 4 KiB (block)', 'line rate at 64 B frames', 'Default 1 for rr, 32 for block', '10 on the diagonal, 21 elsewhere']) {
      expect(text).toContain(phrase)
    }
  })
})
