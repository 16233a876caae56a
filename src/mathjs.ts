/**
 * mathjs for the whole program, loaded from the package's single-file build.
 *
 * The package's ES module entry is a tree of about 1,260 modules, which Node took 1.4 to
 * 2.0 s to load on the machines here, on every command and in every test file that parses
 * a quantity. The bundled build, which the package exports as
 * `mathjs/lib/browser/math.js`, holds the same library of the same version in one file
 * and loads in 0.2 to 0.3 s. Its types are the package's own.
 */
import type * as MathJs from 'mathjs'
import bundle from 'mathjs/lib/browser/math.js'

const mathjs = bundle as typeof MathJs

export const {all, create} = mathjs
export type {MathNode, Unit} from 'mathjs'
