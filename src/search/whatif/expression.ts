/**
 * Override values as mathjs expressions of the current value, in a locked-down instance.
 *
 * Following mathjs's own security advice (https://mathjs.org/docs/expressions/security.html),
 * the functions that reach the parser or change the instance (`import`, `createUnit`,
 * `evaluate`, `parse`, `simplify`, `derivative`, `compile`, `resolve`, `reviver`) are
 * replaced by ones that throw. On top of that an expression is bounded before it runs:
 * at most MAX_LENGTH characters and MAX_NODES nodes, made only of numbers, the symbol
 * `old`, the arithmetic operators and a short list of scalar functions (no matrices,
 * ranges, assignments, function definitions or property access), so its evaluation is a
 * bounded number of scalar operations; a clock, when given, checks it took under
 * MAX_MILLISECONDS all the same.
 */
import {all, create, type MathNode} from '../../mathjs.js'

import {whatifMessages} from './messages.js'

export const MAX_LENGTH = 200
export const MAX_NODES = 64
export const MAX_MILLISECONDS = 50

const disabled = (name: string) => () => {
  throw new Error(whatifMessages.disabledFunction(name))
}

/** The instance's parser, kept before `parse` itself is disabled. Built on first use. */
let parser: ((text: string) => MathNode) | undefined
function parse(text: string): MathNode {
  if (!parser) {
    const math = create(all)
    parser = math.parse
    math.import(Object.fromEntries(['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'compile', 'resolve', 'reviver']
      .map(n => [n, disabled(n)])), {override: true})
  }

  return parser(text)
}

/** Scalar functions an override may call. */
export const FUNCTIONS: ReadonlySet<string> = new Set(['abs', 'ceil', 'floor', 'round', 'min', 'max', 'sqrt', 'exp', 'log', 'log2', 'log10', 'pow'])
const OPERATORS: ReadonlySet<string> = new Set(['add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus', 'mod'])
const CONSTANTS: ReadonlySet<string> = new Set(['pi', 'e'])

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError'
}

/** A checked expression, ready to evaluate with `old` bound to the current value. */
export interface Expression {
  text: string
  evaluate(old: number, clock?: () => number): number
}

/** Check an expression against the limits; throws ExpressionError saying what is not allowed. */
export function compileExpression(text: string): Expression {
  if (text.length > MAX_LENGTH) throw new ExpressionError(whatifMessages.tooLong(text.length, MAX_LENGTH))
  let node: MathNode
  try {
    node = parse(text)
  } catch (error) {
    throw new ExpressionError(whatifMessages.badSyntax((error as Error).message))
  }

  let count = 0
  node.traverse((n, _path, parent) => {
    count++
    switch (n.type) {
      case 'ConstantNode': {
        if (typeof (n as unknown as {value: unknown}).value !== 'number') throw new ExpressionError(whatifMessages.notAllowed('a non-numeric constant'))
        break
      }

      case 'SymbolNode': {
        const name = (n as unknown as {name: string}).name
        const isFn = parent?.type === 'FunctionNode' && (parent as unknown as {fn: MathNode}).fn === n
        if (isFn ? !FUNCTIONS.has(name) : name !== 'old' && !CONSTANTS.has(name)) {
          throw new ExpressionError(isFn ? whatifMessages.unknownFunction(name, [...FUNCTIONS]) : whatifMessages.unknownSymbol(name))
        }

        break
      }

      case 'OperatorNode': {
        const fn = (n as unknown as {fn: string}).fn
        if (!OPERATORS.has(fn)) throw new ExpressionError(whatifMessages.notAllowed(`the operator ${(n as unknown as {op: string}).op}`))
        break
      }

      case 'FunctionNode':
      case 'ParenthesisNode': {
        break
      }

      default: {
        throw new ExpressionError(whatifMessages.notAllowed(`a ${n.type.replace(/Node$/, '')}`))
      }
    }
  })
  if (count > MAX_NODES) throw new ExpressionError(whatifMessages.tooBig(count, MAX_NODES))
  const code = node.compile()
  return {
    text,
    evaluate(old, clock) {
      const start = clock?.()
      let value: unknown
      try {
        value = code.evaluate({old})
      } catch (error) {
        throw new ExpressionError((error as Error).message)
      }

      if (clock && start !== undefined && clock() - start > MAX_MILLISECONDS) throw new ExpressionError(whatifMessages.tooSlow(MAX_MILLISECONDS))
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ExpressionError(whatifMessages.notFinite(String(value)))
      return value
    },
  }
}
