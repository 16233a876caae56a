/** What-if analysis: subjects, variants (plugins, overrides), compare and sweep services. */
export * from './subject.js'
export * from './variants.js'
export * from './compare.js'
export * from './sweep.js'
export * from './overrides.js'
export * from './scenario.js'
export {compileExpression, ExpressionError, type Expression} from './expression.js'
export {whatifMessages} from './messages.js'
