import {describe, expect, test} from 'vitest'

import type {Evaluation} from '../../src/model/types.js'
import {renderEvaluation, renderTable, stripAnsi, visibleWidth} from '../../src/report/terminal.js'
import {sampleEvaluation} from './fixture.js'

const ESC = '\u001b'
const RED = `${ESC}[31m`
const YELLOW = `${ESC}[33m`
const GREEN = `${ESC}[32m`

/**
 * Checks that an aligned table (header, rule, rows) keeps its columns: the
 * rule's dash runs give each column's span; in every line a left-aligned cell
 * starts at its span's start and a right-aligned one ends at its span's end.
 */
function expectAligned(lines: readonly string[], aligns: readonly ('left' | 'right')[]): void {
  const spans = [...lines[1].matchAll(/-+/g)].map((m) => [m.index, m.index + m[0].length] as const)
  expect(spans).toHaveLength(aligns.length)
  for (const line of [lines[0], ...lines.slice(2)]) {
    spans.forEach(([start, end], c) => {
      const at = (i: number) => line[i] ?? ' '
      if (aligns[c] === 'left') {
        expect(at(start), `column ${c} of ${JSON.stringify(line)}`).not.toBe(' ')
        if (start > 0) expect(at(start - 1)).toBe(' ')
      } else {
        expect(at(end - 1), `column ${c} of ${JSON.stringify(line)}`).not.toBe(' ')
        expect(at(end)).toBe(' ')
      }
    })
  }
}

/** The lines of the section whose title line is `title` (up to the next blank line). */
function section(text: string, title: string): string[] {
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l.startsWith(title))
  expect(start, `section ${title}`).toBeGreaterThanOrEqual(0)
  const end = lines.indexOf('', start)
  return lines.slice(start + 1, end === -1 ? undefined : end)
}

describe('renderTable', () => {
  test('pads columns to their widest cell, right-aligns numbers, two spaces between', () => {
    expect(
      renderTable(
        ['Name', 'Rate', 'Note'],
        [
          ['a', 1, 'x'],
          ['bbb', 12.5, ''],
          ['cc', -3, 'longer note'],
        ],
      ),
    ).toBe(['Name  Rate  Note', '----  ----  -----------', 'a        1  x', 'bbb   12.5', 'cc      -3  longer note'].join('\n'))
  })

  test('right-aligns formatted quantities and follows explicit alignment', () => {
    const text = renderTable(
      ['Device', 'Rate', 'Limit'],
      [
        ['net0', '9.41 Gbit/s', 'offered load'],
        ['vda', '164 MB/s', 'nvme0'],
        ['net1', 'unbounded', 'round-trip time'],
      ],
      [undefined, undefined, 'right'],
    )
    expect(text).toBe(
      [
        'Device         Rate            Limit',
        '------  -----------  ---------------',
        'net0    9.41 Gbit/s     offered load',
        'vda        164 MB/s            nvme0',
        'net1      unbounded  round-trip time',
      ].join('\n'),
    )
  })

  test('measures widths without escape codes', () => {
    const plain = renderTable(['A', 'B'], [['red', 'x'], ['long text', 'y']])
    const coloured = renderTable(['A', 'B'], [[`${RED}red${ESC}[39m`, 'x'], ['long text', 'y']])
    expect(stripAnsi(coloured)).toBe(plain)
    expect(coloured.split('\n').map(visibleWidth)).toEqual(plain.split('\n').map((l) => l.length))
  })

  test('a table without rows is its header and rule', () => {
    expect(renderTable(['Worker', 'Busy'], [])).toBe('Worker  Busy\n------  ----')
  })

  test('a row of the wrong width is a bug', () => {
    expect(() => renderTable(['A'], [['x', 'y']])).toThrow(/row 0 has 2 cells, expected 1/)
  })
})

describe('renderEvaluation', () => {
  const ev = sampleEvaluation()
  const plain = renderEvaluation(ev, {color: false})
  const coloured = renderEvaluation(ev, {color: true})

  test('without colour there are no escape codes at all', () => {
    expect(plain).not.toContain(ESC)
  })

  test('with colour, SLO failures are red, limits yellow, met SLOs green', () => {
    expect(coloured).toContain(`${RED}1 of 2 VMs miss their SLO (2 violations)`)
    expect(coloured).toContain(`${RED}FAILED: vda: 80.0% of offered load < 90.0%; vda: p99 4.57 ms > 2.00 ms`)
    expect(coloured).toContain(`${YELLOW}elvis worker w0's CPU`)
    expect(coloured).toContain(`${YELLOW}block device nvme0 IOPS`)
    expect(coloured).toContain(`${GREEN}met`)
  })

  test('colour changes nothing but the escape codes', () => {
    expect(stripAnsi(coloured)).toBe(plain)
  })

  test('an unlimited device and met SLOs carry no warning colour', () => {
    const calm: Evaluation = sampleEvaluation()
    calm.devices = calm.devices.map((d) => ({...d, limit: {kind: 'offered-load', resource: ''}}))
    calm.vms = calm.vms.map((v) => ({...v, sloMet: true, violations: []}))
    calm.totals = {...calm.totals, sloViolations: 0}
    const text = renderEvaluation(calm, {color: true})
    expect(text).not.toContain(RED)
    expect(text).not.toContain(YELLOW)
    expect(text).toContain(`${GREEN}met by all 2 VMs`)
  })

  test('the headline gives host, calibration, delivered rate, IOPS, both CPU accountings and SLO violations', () => {
    const head = plain.split('\n\n')[0].split('\n')
    expect(head).toEqual([
      'Host         dl380-0001',
      'Calibration  sandy-bridge-en',
      'Delivered    10.7 Gbit/s (net 9.41 Gbit/s, block 164 MB/s)',
      'IOPS         40.0 kIOPS',
      'CPUs         8.00 host, 7.00 allocated',
      'Per CPU      1.34 Gbit/s host, 1.53 Gbit/s allocated',
      'Exits        12.3k/s, interrupts 33.5k/s',
      'SLO          1 of 2 VMs miss their SLO (2 violations)',
    ])
  })

  test('with request/response traffic, the headline says the net rate counts both directions', () => {
    const ev = sampleEvaluation()
    ev.devices[0] = {...ev.devices[0], pattern: 'rr'}
    const head = renderEvaluation(ev, {color: false}).split('\n')
    expect(head[2]).toBe('Delivered    10.7 Gbit/s (net 9.41 Gbit/s, block 164 MB/s); request/response counts both directions')
  })

  test('the devices table names the limiting resource in words, one row per device', () => {
    const lines = section(plain, 'Devices')
    expect(lines).toHaveLength(2 + ev.devices.length)
    expect(lines[2]).toMatch(/^web-0 +net0 +net +stream +w0 +unbounded +812 kpps +9\.41 Gbit\/s +12\.3 us +87\.7 us +elvis worker w0's CPU$/)
    expect(lines[3]).toMatch(/^db-0 +vda +block +stream +w1 +50\.0 kIOPS +40\.0 kIOPS +164 MB\/s +1\.20 ms +4\.57 ms +block device nvme0 IOPS$/)
  })

  test.each([
    ['Devices', ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left']],
    ['Workers', ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'right', 'left']],
    ['VMs', ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left']],
  ] as const)('the %s table is aligned, numbers to the right', (title, aligns) => {
    expectAligned(section(plain, title), aligns)
    expectAligned(section(coloured, `${ESC}[1m${title}`).map(stripAnsi), aligns)
  })

  test('workers show notification, CPU list and shares', () => {
    const lines = section(plain, 'Workers')
    expect(lines[2]).toMatch(/^w0 +elvis +spin\(20 us\) +4 +no +100% +87\.7% +12\.3% +web-0\/net0$/)
    expect(lines[3]).toMatch(/^w1 +vhost-per-device +kick +5-7 +yes +33\.3% +33\.3% +0% +db-0\/vda$/)
  })

  test('VMs show their SLO status', () => {
    const lines = section(plain, 'VMs')
    expect(lines).toHaveLength(2 + ev.vms.length)
    expect(lines[2]).toMatch(/ met$/)
    expect(lines[3]).toMatch(/ FAILED: vda: 80\.0% of offered load < 90\.0%; vda: p99 4\.57 ms > 2\.00 ms$/)
  })

  test('the CPU map has one character per CPU, by NUMA node, in CPU order', () => {
    expect(section(plain, 'CPU map')).toEqual(['node 0  HVV.', 'node 1  IVVV'])
    const shuffled = sampleEvaluation()
    shuffled.cpus.reverse()
    expect(section(renderEvaluation(shuffled, {color: false}), 'CPU map')).toEqual(['node 0  HVV.', 'node 1  IVVV'])
  })

  test('no line ends in spaces', () => {
    for (const line of [...plain.split('\n'), ...stripAnsi(coloured).split('\n')]) expect(line).toBe(line.trimEnd())
  })

  test('an evaluation with nothing on it still renders', () => {
    const empty: Evaluation = {...sampleEvaluation(), devices: [], workers: [], vms: [], cpus: []}
    const text = renderEvaluation(empty, {color: false})
    for (const title of ['Devices', 'Workers', 'VMs', 'CPU map']) expect(text).toMatch(new RegExp(`^${title}.*: none$`, 'm'))
  })

  test('matches its golden file', async () => {
    await expect(`${plain}\n`).toMatchFileSnapshot('golden/evaluation.txt')
  })
})
