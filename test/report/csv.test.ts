import {describe, expect, test} from 'vitest'

import {toCsv} from '../../src/report/csv.js'
import {evaluationTables, TABLE_NAMES, type Table} from '../../src/report/tables.js'
import {sampleEvaluation} from './fixture.js'

const oneColumn = (cell: string | number): Table => ({
  name: 'one',
  columns: [{key: 'vm', header: 'VM'}],
  rows: [[cell]],
})

describe('toCsv', () => {
  test('writes a small table exactly: header of keys, RFC 4180 quoting, final newline', () => {
    const table: Table = {
      name: 'small',
      columns: [
        {key: 'vm', header: 'VM'},
        {key: 'gbps', header: 'Throughput', unit: 'Gbit/s'},
        {key: 'note', header: 'Note'},
      ],
      rows: [
        ['web-0', 9.41235, 'plain'],
        ['db,1', -3.5, 'say "hi"'],
        ['x', Infinity, ''],
        ['y', 0, 'two\nlines'],
      ],
    }
    expect(toCsv(table)).toBe(
      'vm,gbps,note\n' +
        'web-0,9.41235,plain\n' +
        '"db,1",-3.5,"say ""hi"""\n' +
        'x,Infinity,\n' +
        'y,0,"two\nlines"\n',
    )
  })

  test('a table without rows is its header line', () => {
    expect(toCsv({name: 'empty', columns: [{key: 'a', header: 'A'}, {key: 'b_us', header: 'B', unit: 'us'}], rows: []})).toBe('a,b_us\n')
  })

  test('a row of the wrong width is a bug', () => {
    expect(() => toCsv({name: 'bad', columns: [{key: 'a', header: 'A'}], rows: [['x', 'y']]})).toThrow(/row 0 has 2 cells, expected 1/)
  })

  describe('formula injection', () => {
    test.each([
      ['=', '=SUM(A1:A9)', "'=SUM(A1:A9)"],
      ['+', '+SUM(A1:A9)', "'+SUM(A1:A9)"],
      ['-', '-SUM(A1:A9)', "'-SUM(A1:A9)"],
      ['@', '@SUM(A1:A9)', "'@SUM(A1:A9)"],
      ['tab', '\tSUM(A1:A9)', "'\tSUM(A1:A9)"],
      ['carriage return', '\rSUM(A1:A9)', `"'\rSUM(A1:A9)"`],
    ])('a text cell beginning with %s gets a leading quote', (_name, cell, expected) => {
      expect(toCsv(oneColumn(cell))).toBe(`vm\n${expected}\n`)
    })

    test('the quote goes inside CSV quoting when the cell needs quoting', () => {
      expect(toCsv(oneColumn('=HYPERLINK("http://x","y")'))).toBe(`vm\n"'=HYPERLINK(""http://x"",""y"")"\n`)
    })

    test.each([
      [-3.5, '-3.5'],
      [-0.000123, '-0.000123'],
      [-1e21, '-1e+21'],
      [42, '42'],
    ])('the number %s stays a number', (cell, expected) => {
      expect(toCsv(oneColumn(cell))).toBe(`vm\n${expected}\n`)
    })

    test.each(['web-0', ' =x', 'a=b', 'x@y', 'é'])('harmless text %j is left alone', (cell) => {
      expect(toCsv(oneColumn(cell))).toBe(`vm\n${cell}\n`)
    })

    test('names from input files are neutralised in the evaluation tables too', () => {
      const ev = sampleEvaluation()
      ev.vms[0].id = '=cmd|"/C calc"!A0'
      ev.devices[0].limit = {kind: 'cgroup-quota', resource: '-tenants'}
      const tables = evaluationTables(ev)
      expect(toCsv(tables.vms).split('\n')[1]).toMatch(/^dl380-0001,"'=cmd\|""\/C calc""!A0",web,/)
      expect(toCsv(tables.devices).split('\n')[1]).toContain(",cgroup-quota,'-tenants,")
    })
  })

  test.each(TABLE_NAMES)('the %s table of an evaluation matches its golden file', async (name) => {
    const csv = toCsv(evaluationTables(sampleEvaluation())[name])
    expect(csv.split('\n')[0]).toBe(evaluationTables(sampleEvaluation())[name].columns.map((c) => c.key).join(','))
    await expect(csv).toMatchFileSnapshot(`golden/${name}.csv`)
  })
})
