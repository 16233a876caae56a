/** User-visible text of what-ifs, overrides, compare and sweep (one catalogue, asserted by the tests). */
export const whatifMessages = {
  disabledFunction: (name: string) => `${name} is disabled in override expressions`,
  tooLong: (n: number, max: number) => `an expression of at most ${max} characters, found ${n}`,
  tooBig: (n: number, max: number) => `an expression of at most ${max} terms, found ${n}`,
  tooSlow: (ms: number) => `an expression that evaluates within ${ms} ms`,
  badSyntax: (why: string) => `a mathjs expression, found a syntax error: ${why}`,
  notAllowed: (what: string) => `arithmetic on \`old\` and numbers, found ${what}`,
  unknownFunction: (name: string, known: string[]) => `one of the functions ${known.join(', ')}, found ${name}()`,
  unknownSymbol: (name: string) => `only the symbol \`old\` (and pi, e), found ${name}; values are plain numbers in the model's SI units `
    + '(bit/s, packets/s, IOPS, hertz, seconds, bytes): 10 Gbit/s is 10e9, four times the old value old * 4',
  notFinite: (found: string) => `a finite number, found ${found}`,
  unknownWhatIf: (name: string, known: string[]) => `--whatif: expected one of ${known.length > 0 ? known.join(', ') : '(no what-if: no plugin offers one)'}, found "${name}"`,
  badWhatIfSpec: (spec: string) => `--whatif: expected NAME or NAME:KEY=VALUE,KEY=VALUE (several joined by +), found "${spec}"`,
  unknownParameter: (whatif: string, key: string, known: string[]) =>
    `--whatif ${whatif}: expected a parameter among ${known.length > 0 ? known.join(', ') : '(none)'}, found "${key}"`,
  badParameter: (whatif: string, key: string, value: string, range: string) =>
    `--whatif ${whatif}: expected ${key} to be a number${range}, found "${value}"`,
  pluginFailed: (plugin: string, whatif: string, why: string) => `plugin ${plugin}: what-if ${whatif} failed: ${why}`,
  pluginMalformedSubject: (plugin: string, whatif: string, why: string) =>
    `plugin ${plugin}: what-if ${whatif} returned a malformed subject: expected ${why}`,
  planArchitecture: (arch: string) =>
    `architecture ${arch} can be evaluated on a scenario (--scenario FILE), not planned: the plan's search space holds the core's architectures only`,
  sweepUnboundedLoad: 'sweep load: expected a scenario with some device whose offered load is a rate, found every device offering '
    + '"unbounded" load (a multiple of it is the same load)',
  sweepNeedsPolicy: (parameter: string) => `sweep ${parameter}: expected a scenario with a policy (a fixed layout cannot change this), found a layout`,
}
