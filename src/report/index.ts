/**
 * Reports: an `Evaluation` as tables (for CSV and HTML), CSV text, and
 * terminal text. Pure: no file system, no process, no oclif; the caller
 * writes the results where they belong (src/io, src/commands).
 */

export * from './format.js'
export * from './tables.js'
export * from './csv.js'
export * from './terminal.js'
