/**
 * The message catalogue: every user-visible text of Sidecore's input handling
 * lives here, so wording is consistent and tests can assert against it.
 *
 * An input error reads `FILE:LINE: FIELD.PATH: expected EXPECTED, found FOUND`
 * (plus `; HINT` when there is something to try). The entries below supply the
 * EXPECTED, FOUND and HINT parts.
 */

/** Quote a value the way messages show it: strings in double quotes, long values cut. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** `"a", "b" or "c"`; long lists end with `... (N in all)`. */
export function oneOf(values: readonly string[], max = 8): string {
  const shown = values.slice(0, max).map((v) => quote(v))
  if (values.length > max) return `${shown.join(', ')}, ... (${values.length} in all)`
  if (shown.length <= 1) return shown.join('')
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`
}

/** What a field expects, by kind of value. */
export const expected = {
  bitRate: 'a bit rate like "10 Gbit/s" or "25 Gbps"',
  byteRate: 'a byte rate like "3.2 GB/s" or "2 GiB/s"',
  itemRate: 'a rate like "1.2 Mpps" or "40000 IOPS"',
  offered: 'a rate like "10 Gbit/s", "1.2 Mpps" or "40000 IOPS"',
  frequency: 'a frequency like "2.6 GHz"',
  time: 'a time like "150 us"',
  size: 'a size like "4 KiB" or "64 B"',
  fraction: 'a fraction like "80%" or 0.8',
  count: 'a whole number like 4',
  cpuMax: 'a CPU quota like "200%", "2 cpus", "200000 100000" or "max"',
  cpuset: 'a CPU list like "0-3,8"',
  notification: 'a notification policy like "kick", "poll", "spin(20 us)" or "timer(150 us, 256)"',
  cpuCount: (n: number) => `a number of CPUs between 0 and ${n}`,
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping of keys to values',
  array: 'a list',
  null: 'nothing',
  positive: (what: string) => `${what} greater than 0`,
  atLeast: (what: string, n: number) => `${what} of at least ${n}`,
  atMost: (what: string, n: number) => `${what} of at most ${n}`,
  const: (value: unknown) => quote(value),
  enum: (values: readonly unknown[]) => `one of ${oneOf(values.map(String))}`,
  requiredKey: (key: string) => `the key "${key}"`,
  knownKey: (keys: readonly string[]) => `one of the keys ${keys.join(', ')}`,
  minItems: (n: number) => `a list of at least ${n} item${n === 1 ? '' : 's'}`,
  maxItems: (n: number) => `a list of at most ${n} item${n === 1 ? '' : 's'}`,
  nonEmpty: 'a non-empty string',
  yaml: 'valid YAML',
  json: 'valid JSON',
  fileKind: (kind: string) => `a ${kind} file (kind: ${kind})`,
  version: 'version 1',
  existingFile: 'an existing file',
  readableFile: 'a readable file',
  fileExtension: 'a .yaml, .yml or .json file',
  calibrationRef: (names: readonly string[]) =>
    names.length > 0
      ? `a calibration profile name (${oneOf(names)}) or a file path`
      : 'a calibration profile name or a file path',
  layoutOrPolicy: 'either "layout" or "policy"',
  topology: 'either the compact topology (nodes_per_socket, cores_per_node, threads_per_core) or an explicit "cpus" list',
  hostCpu: (host: string) => `a CPU of host ${host}`,
  hostNode: (host: string, nodes: number) => `a NUMA node of host ${host} (0 to ${nodes - 1})`,
  hostNic: (host: string, ids: readonly string[]) =>
    ids.length > 0 ? `a NIC of host ${host} (${oneOf(ids)})` : `a host with a NIC (host ${host} has none)`,
  hostBlockDevice: (host: string, ids: readonly string[]) =>
    ids.length > 0 ? `a block device of host ${host} (${oneOf(ids)})` : `a host with a block device (host ${host} has none)`,
  layoutHost: (host: string) => `a layout for host ${quote(host)}`,
  vm: (ids: readonly string[]) => `one of the VMs ${oneOf(ids)}`,
  deviceRef: 'a device as "vm/device"',
  device: (vm: string, ids: readonly string[]) => `a device of VM ${vm} (${oneOf(ids)})`,
  uniqueId: (what: string) => `a unique ${what}`,
  onceOnly: (what: string) => `each ${what} once`,
  servedOnce: 'every device served by exactly one worker',
  placedOnce: 'every VM placed exactly once',
  vcpuPins: (n: number) => `${n} CPU${n === 1 ? '' : 's'}, one per vCPU`,
  inCpuset: (path: string, cpus: string) => `CPUs inside the cpuset of cgroup ${path} (${cpus})`,
  roleFor: (role: string) => `a CPU with role ${role}`,
  interruptOnHost: (model: string, modes: readonly string[]) => `an interrupt mode host ${model} has: ${oneOf(modes)}`,
  vcpusOnHost: (room: number, model: string, cpus: number, overcommit: number) => `at most ${room} vCPUs in all: host ${model} has `
    + `${cpus} CPUs and pins every vCPU to one${overcommit > 1 ? `, at most ${overcommit} to a CPU` : ''}`,
  overcommit: (n: number) => `at most ${n} vCPU${n === 1 ? '' : 's'} per CPU (vcpu_overcommit: ${n})`,
  pinnedWorker: 'one CPU for a pinned worker (floating: false)',
  direction: (kind: string) => (kind === 'net' ? 'a net direction, "tx" or "rx"' : 'a block direction, "read" or "write"'),
  architectureFor: (kind: string, ids: readonly string[]) => `a ${kind} architecture (${oneOf(ids)})`,
  housekeepingRole: 'role housekeeping for a housekeeping CPU of the host',
  singleRole: 'each CPU in one role only',
  nodeIds: (n: number) => `NUMA node ids 0 to ${n - 1} without gaps`,
  distanceMatrix: (n: number) => `a ${n}x${n} matrix of distances, each at least 10`,
  memoryList: (n: number) => `one memory size per NUMA node (${n})`,
  sameNodeCore: 'all threads of a core on one NUMA node',
  netOnly: (key: string) => `no "${key}" for a block device (net devices only)`,
  sameSocket: (socket: number, node: number) => `socket ${socket} like the other CPUs of node ${node}`,
  validDocument: 'a valid document',
  expression: 'a mathjs expression like "spin.kpps > kick.kpps"',
  caseMetric: (variants: readonly string[]) =>
    `a metric of the case's variants, as VARIANT.METRIC with VARIANT one of ${oneOf(variants)}`,
  variantMetric: (variant: string, metrics: readonly string[]) => `a metric of variant ${variant}: one of ${oneOf(metrics)}`,
  mathFunction: (functions: readonly string[]) => `a mathjs function: one of ${oneOf(functions)}`,
  uniqueVariant: 'a variant name no other variant of the case has',
  uniqueCheck: 'a check name no other check of the case has',
  checkPart: (key: 'published' | 'tolerance') => (key === 'published'
    ? 'the published figure that predicted is compared with (a number), or a condition (holds) instead'
    : 'a tolerance, the largest accepted relative error |predicted / published - 1| (like 0.25), or a condition (holds) instead'),
  toleranceOrHolds: 'a tolerance or a condition (holds), not both',
  publishedNeedsPredicted: 'a published figure together with the predicted expression it is compared with',
  condition: 'a condition that is true or false, like "spin.kpps > kick.kpps"',
  numberExpression: 'an expression that gives a number, like "spin.kpps" or "a.gbps / b.gbps"',
} as const

/** How the found value is described. */
export const found = {
  value: (v: unknown): string => describeValue(v),
  withDimension: (text: string, dimension: string) => `${quote(text)} (${dimension})`,
  negative: (value: unknown) => `${quote(value)} (negative)`,
  missingKey: 'no such key',
  unknownKey: (key: string) => `unknown key ${quote(key)}`,
  noFile: (p: string) => `${quote(p)} (no such file)`,
  unreadable: (p: string, why: string) => `${quote(p)} (${why})`,
  noProfile: (name: string) => `${quote(name)} (no such profile)`,
  syntax: (message: string) => `a syntax error: ${message.charAt(0).toLowerCase()}${message.slice(1)}`,
  both: 'both',
  neither: 'neither',
  mixedTopology: 'both',
  duplicate: (v: unknown) => `${quote(v)} twice`,
  unserved: (dev: string) => `${quote(dev)} served by no worker`,
  unplaced: (vm: string) => `VM ${quote(vm)} not placed`,
  count: (n: number, what: string) => `${n} ${what}`,
  sharedCpu: (cpu: number, n: number) => `CPU ${cpu} pinned by ${n} vCPUs`,
  cpuWithRole: (cpu: number, role: string) => `CPU ${cpu} with role ${role}`,
  cpuNotInCpuset: (cpu: number) => `CPU ${cpu}`,
  cpuRoles: (cpu: number, roles: readonly string[]) => `CPU ${cpu} in ${roles.join(' and ')}`,
  layoutHost: (host: string) => `a layout for ${quote(host)}`,
  cpus: (n: number) => `${n} CPU${n === 1 ? '' : 's'}`,
  cpu: (id: number) => `CPU ${id}`,
  cpuTwice: (list: unknown, id: number) => `${describeValue(list)} (CPU ${id} twice)`,
  coreOnNodes: (core: number, a: number, b: number) => `core ${core} on nodes ${a} and ${b}`,
  threadTwice: (core: number, thread: number) => `core ${core} thread ${thread} twice`,
  deviceOfKind: (kind: string, id: string) => `${kind} device ${quote(id)}`,
  bareVariant: (variant: string) => `${quote(variant)} (a variant, not one of its metrics)`,
  duplicateVariant: (name: string, earlier: number) => `${quote(name)} again (variants[${earlier}] has it)`,
  duplicateCheck: (name: string, earlier: number) => `${quote(name)} again (checks[${earlier}] has it)`,
  noPredicted: 'no predicted expression',
  vcpus: (total: number, count: number, type: string, vcpus: number, types: number) => `${total} vCPUs`
    + ` (${count} VMs of ${type} with ${vcpus} vCPU${vcpus === 1 ? '' : 's'} each${types > 1 ? ', and the other VM types' : ''})`,
  evaluationError: (message: string) => `an expression that cannot be worked out: ${message}`,
} as const

/** Hints: what to try. */
export const hint = {
  didYouMean: (key: string) => `did you mean ${quote(key)}?`,
  quoteInFlow: 'quote the value when it contains a comma inside { } or [ ]',
  quoteColon: 'put the value in quotes when it contains ": "',
  calibrationDir: (dir: string) => `profiles live in ${dir}`,
  platformFeature: (key: string) => `the host model's platform.${key} says whether it has it`,
  metricNeedsVariant: (example: string) => `a metric needs its variant, like ${quote(example)}`,
} as const

/** Dimension names used in "found ... (a bit rate)". */
export const dimensionNames: Record<string, string> = {
  bitRate: 'a bit rate',
  byteRate: 'a byte rate',
  itemRate: 'an item rate',
  frequency: 'a frequency',
  time: 'a time',
  size: 'a size',
  fraction: 'a fraction',
  count: 'a count',
  cpus: 'a number of CPUs',
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing'
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`
  if (typeof v === 'object') return 'a mapping'
  return quote(v)
}

/** Write a whole input error as one line. */
export function formatInputError(e: {
  file?: string
  line?: number
  path: string
  expected: string
  found: string
  hint?: string
}): string {
  const where = e.file === undefined ? '' : e.line === undefined ? `${e.file}: ` : `${e.file}:${e.line}: `
  const field = e.path === '' ? '' : `${e.path}: `
  const tail = e.hint === undefined ? '' : `; ${e.hint}`
  return `${where}${field}expected ${e.expected}, found ${e.found}${tail}`
}
