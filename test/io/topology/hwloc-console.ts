/**
 * Reads hwloc's expected lstopo text output (`NAME.console` next to each
 * sysfs fixture): the object tree (two spaces of indent per level, lines like
 * `Package L#0 (P#0 total=8190MiB ...)`) and the NUMA latency matrix, into
 * what the probe must agree with.
 */

interface ConsoleObject {
  type: string
  logical: number
  os?: number
  attrs: string
  children: ConsoleObject[]
  parent?: ConsoleObject
}

export interface ConsoleReading {
  /** OS numbers of the PUs hwloc shows (the allowed, online ones). */
  pus: number[]
  packages: Array<{os: number; pus: number[]}>
  nodes: Array<{os: number; localBytes: number; unitBytes: number; parentPus: number[]}>
  /** PUs of each Core object, or each PU alone when hwloc shows no Core (merged into its PU). */
  cores: number[][]
  /** PCI network controllers (class 02xx) and the NUMA node hwloc attaches them to. */
  networks: Array<{busid: string; node?: number}>
  /** Latency matrix by OS node number, when printed. */
  distances?: Map<number, Map<number, number>>
}

const UNITS: Record<string, number> = {KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40}

export function parseConsole(text: string): ConsoleReading {
  const lines = text.split('\n')
  const roots: ConsoleObject[] = []
  const stack: Array<{indent: number; obj: ConsoleObject}> = []
  let i = 0
  for (; i < lines.length; i++) {
    const line = lines[i]
    if (/^\s*depth \d+:/.test(line)) break
    const m = /^(\s*)(\S+) L#(\d+)(?: \((.*?)\))?(?: "(.*)")?$/.exec(line)
    if (m === null) continue
    const indent = m[1].length
    const attrs = m[4] ?? ''
    const os = /(?:^| )P#(\d+)/.exec(attrs)
    const obj: ConsoleObject = {type: m[2], logical: Number(m[3]), attrs, children: [], ...(os === null ? {} : {os: Number(os[1])})}
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop()
    const parent = stack.at(-1)?.obj
    if (parent === undefined) roots.push(obj)
    else {
      obj.parent = parent
      parent.children.push(obj)
    }
    stack.push({indent, obj})
  }
  // "Machine (P#0 ...)" has no L#: the first line is the root when no L# line is at indent 0.
  const all: ConsoleObject[] = []
  const visit = (o: ConsoleObject) => {
    all.push(o)
    o.children.forEach(visit)
  }
  roots.forEach(visit)
  const pusUnder = (o: ConsoleObject | undefined): number[] => {
    if (o === undefined) return all.filter((x) => x.type === 'PU').map((x) => x.os as number).sort((a, b) => a - b)
    const out: number[] = []
    const walk = (x: ConsoleObject) => {
      if (x.type === 'PU') out.push(x.os as number)
      x.children.forEach(walk)
    }
    walk(o)
    return out.sort((a, b) => a - b)
  }
  const nodes = all.filter((o) => o.type === 'NUMANode')
  const result: ConsoleReading = {
    pus: pusUnder(undefined),
    packages: all.filter((o) => o.type === 'Package').map((o) => ({os: o.os as number, pus: pusUnder(o)})),
    nodes: nodes.map((o) => {
      const local = /local=(\d+)(KiB|MiB|GiB|TiB)/.exec(o.attrs)
      if (local === null) throw new Error(`no local memory in ${o.attrs}`)
      return {os: o.os as number, localBytes: Number(local[1]) * UNITS[local[2]], unitBytes: UNITS[local[2]], parentPus: pusUnder(o.parent)}
    }),
    cores: [],
    networks: [],
  }
  const cores = all.filter((o) => o.type === 'Core')
  result.cores = cores.length > 0 ? cores.map((o) => pusUnder(o)) : result.pus.map((p) => [p])
  for (const o of all) {
    const cls = /class=(02[0-9a-f]{2})/.exec(o.attrs)
    if (o.type !== 'PCI' || cls === null) continue
    const busid = /busid=(\S+)/.exec(o.attrs)?.[1] as string
    // hwloc attaches I/O to the closest object with local memory (a NUMANode among its children).
    let up = o.parent
    while (up !== undefined && !up.children.some((c) => c.type === 'NUMANode')) up = up.parent
    const node = up?.children.filter((c) => c.type === 'NUMANode')
    result.networks.push({busid, ...(node !== undefined && node.length === 1 ? {node: node[0].os} : {})})
  }

  // Relative latency matrix ... between N NUMANodes (depth -3) by logical indexes:
  for (; i < lines.length; i++) {
    const m = /^Relative latency matrix .* between (\d+) NUMANodes .* by logical indexes:/.exec(lines[i])
    if (m === null) continue
    const n = Number(m[1])
    const byLogical = new Map(nodes.map((o) => [o.logical, o.os as number]))
    const d = new Map<number, Map<number, number>>()
    for (let r = 0; r < n; r++) {
      const cells = lines[i + 2 + r].trim().split(/\s+/).map(Number)
      const row = new Map<number, number>()
      for (let c = 0; c < n; c++) row.set(byLogical.get(c) as number, cells[c + 1])
      d.set(byLogical.get(cells[0]) as number, row)
    }
    result.distances = d
    break
  }
  return result
}
