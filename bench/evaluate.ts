/**
 * Benchmark: evaluations per second of one large host's layout.
 *
 *     npm run bench                      (node --import tsx bench/evaluate.ts)
 *     npm run bench -- --rounds 7 --seconds 2
 *
 * The host is a two-socket server with 2 NUMA nodes x 32 cores, SMT 2 (128 logical
 * CPUs), a 100GbE NIC on each node and four NVMe drives; 60 VMs with 120 devices (net
 * stream, net request/response and block) under vhost-shared with 2 I/O cores per node,
 * priced with the `current` calibration. The search calls `evaluate` millions of times,
 * so the target is at least 10,000 evaluations per second on one core. This script
 * prints the figure; it asserts nothing.
 *
 * Three figures: the one-shot `evaluate(host, vms, layout, calibration)`; a prepared
 * evaluator's `evaluate(layout)`, which builds every per-device, per-worker, per-CPU and
 * per-VM result; and its `assess(layout)`, the same model run that returns only the totals
 * and the largest p99, which is what the search calls for every candidate (it builds the
 * whole evaluation only for the layout it returns). The prepared figures step through six
 * different layouts of the same VMs in turn (I/O cores per node, notification and
 * interrupt mode vary), so nothing is reused but what a search reuses.
 *
 * To profile it, write a V8 CPU profile (a .cpuprofile file in the working directory,
 * readable by Chrome DevTools or any script that walks its `nodes` and `samples`):
 *
 *     node --cpu-prof --import tsx bench/evaluate.ts
 */
import {loadCalibration} from '../src/io/load.js'
import {normalizeHost} from '../src/io/normalize.js'
import {evaluate, prepare} from '../src/model/evaluate.js'
import {buildLayout, checkLayout} from '../src/model/layout.js'
import type {ArchitecturePolicy, Device, Layout, Vm, VmType} from '../src/model/types.js'

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2)
  const i = args.indexOf(`--${name}`)
  const value = i >= 0 ? Number(args[i + 1]) : fallback
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} takes a positive number`)
  return value
}

const ROUNDS = option('rounds', 5)
const SECONDS = option('seconds', 1.5)
const WARMUP_SECONDS = option('warmup', 2)

const GIB = 2 ** 30

const host = normalizeHost({
  name: 'bench-2s-64c',
  sockets: 2,
  nodes_per_socket: 1,
  cores_per_node: 32,
  threads_per_core: 2,
  frequency: '2.6 GHz',
  memory_per_node: '512 GiB',
  distances: [[10, 32], [32, 10]],
  nics: [
    {id: 'nic0', node: 0, line_rate: '100 Gbit/s'},
    {id: 'nic1', node: 1, line_rate: '100 Gbit/s'},
  ],
  block_devices: [0, 1, 2, 3].map(i => ({
    id: `nvme${i}`, node: i % 2, max_iops: '1000 kIOPS', max_bandwidth: '6.8 GB/s', latency: '80 us',
  })),
  platform: {posted_interrupts: true, pv_eoi: true, ioeventfd: true},
  housekeeping: '0,64',
})

const net = (id: string, set: Partial<Device>): Device => ({
  id, kind: 'net', pattern: 'stream', direction: 'tx', sizeBytes: 1500, offered: Number.POSITIVE_INFINITY, queueDepth: 1, ...set,
})
const block = (id: string, set: Partial<Device>): Device => ({
  id, kind: 'block', pattern: 'stream', direction: 'read', sizeBytes: 4096, offered: Number.POSITIVE_INFINITY, queueDepth: 32, ...set,
})
const type = (name: string, tenant: string, vcpus: number, devices: Device[]): VmType => ({
  name, vcpus, memoryBytes: 8 * GIB, tenant, cgroup: {path: `/machine.slice/${tenant}`}, devices,
  slo: {minFraction: 0.9, maxP99S: 1e-3},
})

// Six VM types, 10 of each: 60 VMs, 100 vCPUs, 120 devices (two per VM). Each kind comes in
// two flavours, one on each node's NIC and NVMe drives.
const types: VmType[] = [0, 1].flatMap(side => [
  type(`web${side}`, 'tenant-a', 2, [
    net('eth0', {backing: `nic${side}`, sizeBytes: 1500, offered: 40_000, protocol: 'tcp'}),
    net('eth1', {backing: `nic${side}`, pattern: 'rr', sizeBytes: 256, offered: 10_000, queueDepth: 4, peerRttS: 20e-6}),
  ]),
  type(`db${side}`, 'tenant-b', 2, [
    block('vda', {backing: `nvme${side}`, sizeBytes: 4096, offered: 8_000, queueDepth: 32}),
    net('eth0', {backing: `nic${side}`, pattern: 'rr', sizeBytes: 1024, offered: 5_000, queueDepth: 2}),
  ]),
  type(`ingest${side}`, 'tenant-a', 1, [
    net('eth0', {backing: `nic${side}`, direction: 'rx', sizeBytes: 9000, offered: 20_000}),
    block('vdb', {backing: `nvme${side + 2}`, direction: 'write', sizeBytes: 65_536, offered: 500, queueDepth: 8}),
  ]),
])
const vms: Vm[] = types.flatMap(t => Array.from({length: 10}, (_, i) => ({id: `${t.name}-${i}`, type: t})))

const policy: ArchitecturePolicy = {
  net: 'vhost-shared',
  block: 'vhost-shared',
  notification: {kind: 'kick'},
  interrupt: 'posted',
  ioCoresPerNode: 2,
  devicesPerWorker: 7,
  sharing: 'same-cgroup',
  floatOn: 'vm-cpus',
}

const layout = buildLayout(host, vms, policy)
const problems = checkLayout(host, vms, layout)
if (problems.length > 0) throw new Error(`the bench layout is unsound:\n${problems.join('\n')}`)
const calibration = (await loadCalibration('current')).calibration

// The layouts a search would step through: the same VMs, other I/O cores and notifications.
const variants: Layout[] = [layout, ...([
  {ioCoresPerNode: 1},
  {ioCoresPerNode: 3},
  {notification: {kind: 'spin', budgetS: 50e-6}},
  {notification: {kind: 'spin', budgetS: 20e-6}, ioCoresPerNode: 3},
  {interrupt: 'exit'},
] as Partial<ArchitecturePolicy>[]).map(change => buildLayout(host, vms, {...policy, ...change}))]
for (const v of variants) {
  const wrong = checkLayout(host, vms, v)
  if (wrong.length > 0) throw new Error(`a bench layout is unsound:\n${wrong.join('\n')}`)
}

const evaluator = prepare(host, vms, calibration)

/** Evaluations for at least `seconds`; evaluations per second. */
function round(seconds: number, once: () => number): number {
  let count = 0
  let sink = 0
  const start = performance.now()
  const until = start + seconds * 1000
  let now = start
  while (now < until) {
    for (let i = 0; i < 24; i++) sink += once()
    count += 24
    now = performance.now()
  }

  if (!(sink > 0)) throw new Error('the evaluations delivered nothing')
  return count / ((now - start) / 1000)
}

const sample = evaluate(host, vms, layout, calibration)
const devices = vms.reduce((s, vm) => s + vm.type.devices.length, 0)
console.log(`host ${host.model}: ${host.cpus.length} CPUs, ${vms.length} VMs, ${devices} devices, `
  + `${layout.workers.length} workers (${policy.net}, ${policy.ioCoresPerNode} I/O cores per node), calibration ${calibration.name}`)
console.log(`one evaluation: ${sample.iterations} fixed-point iterations, `
  + `${(sample.totals.deliveredBps / 1e9).toFixed(2)} Gbit/s delivered, ${sample.totals.sloViolations} SLO violations`)

const fmt = (x: number) => Math.round(x).toLocaleString('en-US')
let next = 0
const ways: [string, () => number][] = [
  ['evaluate(host, vms, layout)', () => evaluate(host, vms, layout, calibration).totals.deliveredBps],
  [`prepared evaluate, ${variants.length} layouts in turn`, () => evaluator.evaluate(variants[next++ % variants.length]).totals.deliveredBps],
  [`prepared assess (what the search calls), ${variants.length} layouts in turn`,
    () => evaluator.assess(variants[next++ % variants.length]).totals.deliveredBps],
]
for (const [name, once] of ways) {
  round(WARMUP_SECONDS, once)
  const rates: number[] = []
  for (let r = 0; r < ROUNDS; r++) rates.push(round(SECONDS, once))
  const sorted = [...rates].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  console.log(`${name}: rounds ${rates.map(fmt).join(', ')} evaluations/s`)
  console.log(`  median ${fmt(median)} evaluations/s (min ${fmt(sorted[0])}, max ${fmt(sorted[sorted.length - 1])}; `
    + `${ROUNDS} rounds of ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up), ${(1e6 / median).toFixed(1)} us each`)
}

console.log('target: 10,000 evaluations/s (100 us each) on one core')
