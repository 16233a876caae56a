import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {MAX_LENGTH, compileExpression} from '../../../src/search/whatif/expression.js'

describe('override expressions (locked-down mathjs)', () => {
  test.each([
    ['old * 4', 10, 40],
    ['old / 2 + 1', 10, 6],
    ['max(old, 25e9)', 10e9, 25e9],
    ['round(old * 1.5)', 3, 5],
    ['-old + 2 ^ 3', 1, 7],
    ['100e9', 5, 100e9],
    ['(old + 1) * pi', 0, Math.PI],
    ['old mod 3', 10, 1],
  ])('%s with old = %d is %d', (text, old, expected) => {
    expect(compileExpression(text).evaluate(old)).toBeCloseTo(expected, 9)
  })

  test.each(['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'compile', 'resolve'])(
    'the function %s cannot be called', name => {
      expect(() => compileExpression(`${name}("1 + 1")`)).toThrow(/one of the functions/)
      expect(() => compileExpression(`${name}(old)`)).toThrow(/one of the functions/)
    })

  test.each([
    ['f(x) = x', /FunctionAssignment/],
    ['a = 3', /Assignment/],
    ['[1, 2, 3]', /Array/],
    ['1:1000000000', /Range/],
    ['{a: 1}', /Object/],
    ['old.a', /Accessor/],
    ['"text"', /non-numeric/],
    ['x * 2', /only the symbol `old`/],
    ['10 Gbit/s', /found Gbit; values are plain numbers in the model's SI units .*: 10 Gbit\/s is 10e9/],
    ['ones(1000, 1000)', /one of the functions/],
    ['old ==', /syntax error/],
    ['old > 1 ? 1 : 2', /Conditional|operator/],
  ])('%s is refused', (text, message) => {
    expect(() => compileExpression(text)).toThrow(message)
  })

  test('expressions are bounded in length and in terms', () => {
    expect(() => compileExpression(`old${' + 1'.repeat(60)}`)).toThrow(/at most 200 characters/)
    expect(() => compileExpression('1+'.repeat(40) + '1')).toThrow(/at most 64 terms/)
    expect(compileExpression('1'.repeat(MAX_LENGTH)).text).toHaveLength(MAX_LENGTH)
  })

  test('a result must be a finite number', () => {
    expect(() => compileExpression('old / 0').evaluate(1)).toThrow(/a finite number, found Infinity/)
    expect(() => compileExpression('sqrt(old)').evaluate(-1)).toThrow(/a finite number/)
  })

  test('a clock that shows the evaluation took too long is an error', () => {
    let t = 0
    expect(() => compileExpression('old').evaluate(1, () => (t += 100))).toThrow(/within 50 ms/)
  })

  test('old * k is the product for any old and k (property)', () => {
    fc.assert(fc.property(fc.double({min: -1e12, max: 1e12, noNaN: true}), fc.integer({min: -1000, max: 1000}), (old, k) => {
      expect(compileExpression(`old * ${k}`).evaluate(old)).toBe(old * k)
    }))
  })
})
