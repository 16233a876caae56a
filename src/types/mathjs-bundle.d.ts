/** The single-file build of mathjs (see src/mathjs.ts); it exports the same API as the package's entry. */
declare module 'mathjs/lib/browser/math.js' {
  const math: unknown
  export default math
}
