/**
 * A report table as CSV text (RFC 4180 quoting, `\n` line ends, a header row
 * of column keys, a final newline).
 *
 * Text cells can come from input files (VM, device, cgroup names), so they are
 * neutralised against spreadsheet formula injection: a text cell beginning
 * with `=`, `+`, `-`, `@`, tab or carriage return (or the full-width forms of
 * `=`, `+`, `-`, `@`) gets a leading `'`, so a spreadsheet shows it as text
 * instead of evaluating it. Number cells are written as numbers, negative ones
 * included. csv-stringify's `escape_formulas` does exactly this, and the tests
 * pin the behaviour.
 */

import {stringify} from 'csv-stringify/sync'

import type {Table} from './tables.js'

export function toCsv(table: Table, header = true): string {
  const width = table.columns.length
  table.rows.forEach((row, i) => {
    if (row.length !== width) {
      throw new Error(`table ${table.name}: row ${i} has ${row.length} cells, expected ${width}`)
    }
  })
  return stringify(table.rows, {
    header,
    columns: table.columns.map((c) => c.key),
    escape_formulas: true,
  })
}
