/**
 * Errors the model raises for input a user can fix. Anything else thrown from the model is
 * a bug.
 */

/** A policy that cannot be laid out on this host (VMs do not fit, not enough I/O cores, a combination that cannot work). */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PolicyError'
  }
}

/** A layout that breaks the rules, with every problem found. */
export class LayoutError extends Error {
  constructor(readonly problems: string[]) {
    super(`the layout is not valid:\n${problems.map(p => `  - ${p}`).join('\n')}`)
    this.name = 'LayoutError'
  }
}
