/**
 * The input file formats, as TypeBox schemas (which are JSON Schema, draft 07).
 *
 * Six kinds of file, each a mapping with a `kind` discriminator and
 * `version: 1`: `host`, `cluster`, `workload`, `calibration`, `layout` and
 * `scenario`. Keys are snake_case. Quantities are strings with units or plain
 * numbers in SI units (see `units.ts`); defaults are applied by `normalize.ts`
 * and stated in each field's `description` so editors show them.
 *
 * Schema nodes may carry `x-expected`: the phrase an error message uses for
 * "expected ..." when the value has the wrong type. `schemaDocuments()` strips
 * these private annotations from the published files.
 *
 * Quantity nodes also carry `x-published`: checks that only the published files
 * make, so that editors flag a quantity that does not start with a number (or a
 * negative one) as soon as it is typed. The loader leaves quantities to `units.ts`,
 * whose messages say more (a unit of the wrong dimension, a negative value), and
 * every string these checks refuse is one `units.ts` refuses too.
 */
import {type Static, type TObject, type TProperties, type TSchema, Type} from '@sinclair/typebox'

import type {ArchitectureId, Calibration, CpuRole, InterruptMode, SharingPolicy} from '../model/types.js'
import {expected} from '../messages.js'

export const FILE_KINDS = ['host', 'cluster', 'workload', 'calibration', 'layout', 'scenario'] as const
export type FileKind = (typeof FILE_KINDS)[number]

export const ARCHITECTURES: readonly ArchitectureId[] = [
  'qemu-userspace',
  'vhost-per-device',
  'vhost-per-cpu',
  'vhost-shared',
  'elvis',
  'vbus',
  'vhost-blk',
  'blk-dataplane',
]
/** Architectures that can serve virtio-net devices. */
export const NET_ARCHITECTURES: readonly ArchitectureId[] = [
  'qemu-userspace',
  'vhost-per-device',
  'vhost-per-cpu',
  'vhost-shared',
  'elvis',
  'vbus',
]
/** Architectures that can serve virtio-blk devices. */
export const BLOCK_ARCHITECTURES: readonly ArchitectureId[] = ['qemu-userspace', 'vhost-blk', 'blk-dataplane', 'vhost-shared', 'elvis']
export const INTERRUPT_MODES: readonly InterruptMode[] = ['exit', 'pv-eoi', 'posted']
export const SHARING_POLICIES: readonly SharingPolicy[] = ['none', 'same-vm', 'same-cgroup', 'any']
export const CPU_ROLES: readonly CpuRole[] = ['vm', 'io', 'housekeeping', 'idle']

/** Default devices per shared worker (the vhost sharing RFC's N). */
export const DEFAULT_DEVICES_PER_WORKER = 7
/** Default bounded-spin budget for `spin` without a budget. */
export const DEFAULT_SPIN_BUDGET_S = 20e-6
/** QEMU virtio-net defaults: TX timer 150 us, TX burst 256. */
export const DEFAULT_TIMER_PERIOD_S = 150e-6
export const DEFAULT_TIMER_RING = 256

const X = 'x-expected'
/** Checks only the published schema files make (see above); `publish` merges them in. */
export const X_PUBLISHED = 'x-published'

/** What `units.ts` reads first in every quantity: a number (see `read` there). The published schemas' pattern for quantities. */
export const NUMBER_FIRST = '^\\s*[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?'

// ------------------------------------------------------------------ building blocks

type QuantityKind = 'bitRate' | 'byteRate' | 'itemRate' | 'frequency' | 'time' | 'size' | 'fraction'

function quantity(kind: QuantityKind, description: string, examples: Array<string | number>) {
  // Negative values are refused, and a fraction is at most 1 (`parseQuantity`).
  const published = {pattern: NUMBER_FIRST, minimum: 0, ...(kind === 'fraction' ? {maximum: 1} : {})}
  return Type.Unsafe<string | number>({type: ['string', 'number'], description, examples, [X]: expected[kind], [X_PUBLISHED]: published})
}

function offered(description: string) {
  return Type.Unsafe<string | number>({
    type: ['string', 'number'],
    description,
    examples: ['10 Gbit/s', '1.2 Mpps', '40000 IOPS', 'unbounded'],
    [X]: expected.offered,
    // `parseRate`: a rate, or "unbounded" or "max" in any case.
    [X_PUBLISHED]: {pattern: `${NUMBER_FIRST}|^\\s*(?:[Uu][Nn][Bb][Oo][Uu][Nn][Dd][Ee][Dd]|[Mm][Aa][Xx])\\s*$`, minimum: 0},
  })
}

function cpuset(description: string) {
  return Type.Union([Type.String(), Type.Integer({minimum: 0}), Type.Array(Type.Integer({minimum: 0}))], {
    description,
    examples: ['0-3,8', '0,64'],
    [X]: expected.cpuset,
  })
}

function literalEnum<T extends string>(values: readonly T[], description: string, def?: T) {
  return Type.Unsafe<T>({type: 'string', enum: [...values], description, ...(def === undefined ? {} : {default: def})})
}

const Id = (description: string) => Type.String({minLength: 1, description})
const Description = Type.Optional(Type.String({description: 'Free text for people.'}))

function strict<P extends TProperties>(properties: P, description: string): TObject<P> {
  return Type.Object(properties, {additionalProperties: false, description})
}

/** The file-level fields, required in a file of its own and optional inline. */
function header<K extends FileKind>(kind: K) {
  return {
    kind: Type.Literal(kind, {description: `Always "${kind}".`}),
    version: Type.Literal(1, {description: 'Format version; always 1.'}),
  }
}
function inlineHeader<K extends FileKind>(kind: K) {
  return {
    kind: Type.Optional(Type.Literal(kind, {description: `"${kind}" (optional inline).`})),
    version: Type.Optional(Type.Literal(1, {description: 'Format version; always 1 (optional inline).'})),
  }
}
const SchemaRef = {$schema: Type.Optional(Type.String({description: 'Path or URL of this JSON Schema (for editors).'}))}

// ------------------------------------------------------------------ host

export const NotificationSchema = Type.Union(
  [
    Type.String({
      description:
        'kick | poll | spin(BUDGET) | timer(PERIOD, RING). `spin` without a budget spins 20 us; `timer` without arguments is QEMU\'s default timer(150 us, 256).',
      examples: ['kick', 'poll', 'spin(20 us)', 'timer(150 us, 256)'],
    }),
    strict(
      {
        kind: literalEnum(['kick', 'spin', 'poll', 'timer'] as const, 'Notification policy.'),
        budget: Type.Optional(quantity('time', 'spin: how long to busy-wait after the queue empties (default 20 us).', ['20 us'])),
        period: Type.Optional(quantity('time', 'timer: the period (default 150 us, QEMU\'s TX timer).', ['150 us'])),
        ring: Type.Optional(Type.Integer({minimum: 1, description: 'timer: items taken per expiry (default 256, QEMU\'s TX burst).'})),
      },
      'Notification policy as a mapping.',
    ),
  ],
  {
    description:
      'How a worker learns of new work: `kick` (sleeps, woken by the guest), `spin(t)` (busy-waits t after the queue empties, then re-arms), `poll` (never sleeps, owns its CPU), `timer(T, R)` (serves up to R items every T).',
    [X]: expected.notification,
  },
)

const CpuEntry = strict(
  {
    id: Type.Integer({minimum: 0, description: 'Logical CPU number as the kernel numbers it.'}),
    node: Type.Integer({minimum: 0, description: 'NUMA node.'}),
    core: Type.Integer({minimum: 0, description: 'Physical core id, unique across the host.'}),
    thread: Type.Integer({minimum: 0, description: 'Index of this hardware thread within its core (0 = first sibling).'}),
    socket: Type.Optional(Type.Integer({minimum: 0, description: 'Socket; default: nodes are split evenly over `sockets` in order.'})),
    package: Type.Optional(
      Type.Integer({minimum: 0, description: 'Physical package id as the machine numbers it (informational; several packages may share one NUMA node).'}),
    ),
  },
  'One logical CPU.',
)

const NicSpec = strict(
  {
    id: Id('NIC id, referenced by devices\' `backing`.'),
    description: Description,
    node: Type.Integer({minimum: 0, description: 'NUMA node the NIC is attached to.'}),
    line_rate: quantity('bitRate', 'Line rate.', ['10 Gbit/s', '100 Gbps']),
    max_pps: Type.Optional(
      quantity('itemRate', 'Highest packet rate the NIC forwards; default: line rate at 64 B frames, bits/s / (8 * (64 + 20)).', ['14.88 Mpps']),
    ),
  },
  'A network interface.',
)

const BlockDeviceSpec = strict(
  {
    id: Id('Block device id, referenced by devices\' `backing`.'),
    description: Description,
    node: Type.Integer({minimum: 0, description: 'NUMA node the device is attached to.'}),
    max_iops: quantity('itemRate', 'Highest request rate (IOPS) at the device.', ['800000 IOPS', '75 kIOPS']),
    max_bandwidth: quantity('byteRate', 'Highest transfer rate.', ['3.2 GB/s']),
    latency: quantity('time', 'Service time of one request at low load.', ['80 us']),
  },
  'A block device (NVMe, SSD, ...).',
)

const PlatformSpec = strict(
  {
    posted_interrupts: Type.Optional(
      Type.Boolean({description: 'VT-d / APICv posted interrupts (or ELI): interrupts reach a running guest without exits. Default false.', default: false}),
    ),
    pv_eoi: Type.Optional(Type.Boolean({description: 'Paravirtual EOI or APICv EOI virtualisation: no EOI exit. Default true.', default: true})),
    ioeventfd: Type.Optional(Type.Boolean({description: 'Guest notifications handled in the kernel through ioeventfd. Default true.', default: true})),
  },
  'Virtualisation features of the platform. Defaults: posted_interrupts false, pv_eoi true, ioeventfd true.',
)

const hostProps = {
  name: Id('Host model name.'),
  description: Description,
  sockets: Type.Optional(Type.Integer({minimum: 1, description: 'Sockets. Default 1.', default: 1})),
  nodes_per_socket: Type.Optional(Type.Integer({minimum: 1, description: 'Compact topology: NUMA nodes per socket. Default 1.', default: 1})),
  cores_per_node: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        'Compact topology: physical cores per NUMA node. CPUs are numbered like Linux: the first thread of every core, node by node, then every second thread.',
    }),
  ),
  threads_per_core: Type.Optional(Type.Integer({minimum: 1, description: 'Compact topology: hardware threads per core (SMT). Default 1.', default: 1})),
  cpus: Type.Optional(Type.Array(CpuEntry, {
    minItems: 1, maxItems: 8192, description: 'Explicit topology (imported hosts), instead of the compact fields. At most 8192 CPUs (Linux NR_CPUS on x86-64).',
  })),
  frequency: quantity('frequency', 'Core frequency.', ['2.6 GHz']),
  memory_per_node: Type.Union(
    [
      quantity('size', 'Memory of each NUMA node.', ['128 GiB']),
      Type.Array(quantity('size', 'Memory of one node.', ['128 GiB']), {description: 'Memory of each NUMA node, in node order.'}),
    ],
    {description: 'Memory per NUMA node: one size for every node, or a list with one size per node.', [X]: expected.size},
  ),
  distances: Type.Optional(
    Type.Array(Type.Array(Type.Number({minimum: 10})), {
      description: 'SLIT node distance matrix (10 = local). Default: 10 on the diagonal, 21 elsewhere.',
    }),
  ),
  nics: Type.Optional(Type.Array(NicSpec, {description: 'Network interfaces. Default none.'})),
  block_devices: Type.Optional(Type.Array(BlockDeviceSpec, {description: 'Block devices. Default none.'})),
  platform: Type.Optional(PlatformSpec),
  housekeeping: Type.Optional(cpuset('CPUs reserved for the host itself, never given to VMs or workers. Default none.')),
  calibration: Type.Optional(
    Type.String({minLength: 1, description: 'Calibration profile for this hardware (a name in data/calibration/), used when a scenario names none.'}),
  ),
  cpu_model: Type.Optional(Type.String({description: 'Processor model name as the machine states it (informational).'})),
  allowed_cpus: Type.Optional(
    cpuset('CPUs this host may give to VMs and workers (e.g. the cgroup cpuset `sidecore host probe` ran in). Default: every CPU. CPUs of `cpus` not listed are treated as housekeeping.'),
  ),
  offline_cpus: Type.Optional(
    cpuset('CPUs the kernel has offline. Default none. Never given to VMs or workers (treated as housekeeping if listed in `cpus`).'),
  ),
}

export const HostSchema = strict({...SchemaRef, ...header('host'), ...hostProps}, 'A host model: hardware, no workload.')
export const InlineHostSchema = strict({...inlineHeader('host'), ...hostProps}, 'A host model written inline.')

// ------------------------------------------------------------------ cluster

export const ClusterSchema = strict(
  {
    ...SchemaRef,
    ...header('cluster'),
    name: Id('Cluster name.'),
    description: Description,
    hosts: Type.Array(
      strict(
        {
          host: Type.String({minLength: 1, description: 'Path of a host model file, relative to this file.'}),
          count: Type.Integer({minimum: 0, description: 'Number of hosts of this model.'}),
          labels: Type.Optional(
            Type.Record(Type.String(), Type.String(), {description: 'Free labels such as rack or failure domain.', examples: [{rack: 'r1'}]}),
          ),
        },
        'Hosts of one model.',
      ),
      {minItems: 1, description: 'Host models with counts.'},
    ),
  },
  'A cluster: host models with counts.',
)

// ------------------------------------------------------------------ workload

const DeviceSpec = strict(
  {
    id: Id('Device id, unique within its VM type.'),
    description: Description,
    kind: literalEnum(['net', 'block'] as const, 'virtio-net queue pair or virtio-blk queue.'),
    pattern: Type.Optional(literalEnum(['stream', 'rr'] as const, 'Traffic pattern: stream, or request/response. Default stream.', 'stream')),
    direction: Type.Optional(
      literalEnum(['tx', 'rx', 'read', 'write'] as const, 'tx | rx for net, read | write for block. Default tx (net) or read (block).'),
    ),
    size: Type.Optional(quantity('size', 'Bytes per packet (net) or request (block). Default 1500 B (net) or 4 KiB (block).', ['64 B', '4 KiB'])),
    offered: Type.Optional(
      offered('Offered load: a bit rate (converted with `size`), a packet rate, an IOPS or transaction rate, or `unbounded`. Default unbounded.'),
    ),
    queue_depth: Type.Optional(
      Type.Integer({minimum: 1, description: 'Requests (block) or transactions (rr) in flight. Default 1 for rr, 32 for block streams, 1 otherwise.'}),
    ),
    backing: Type.Optional(Type.String({minLength: 1, description: 'NIC or block device id of the host. Default: the first of its kind.'})),
    backend: Type.Optional(literalEnum(['tap', 'netmap'] as const, 'net: host-side packet path behind the backend, a tap device on a bridge or a netmap/VALE port. Default tap.')),
    protocol: Type.Optional(
      literalEnum(['tcp', 'udp'] as const, 'net stream: tcp receives one ACK per two segments (delayed ACK); udp receives nothing back. Default udp.'),
    ),
    guest_driver: Type.Optional(
      literalEnum(['kernel', 'pmd'] as const, 'net: the guest\'s driver: the kernel virtio driver (interrupts, NAPI) or a poll-mode driver such as DPDK\'s virtio PMD (no interrupts, vCPU always busy). Default kernel.'),
    ),
    app_cycles: Type.Optional(Type.Number({minimum: 0, description: 'Guest application and stack cycles per item beyond the virtio driver (e.g. netperf and TCP). Default 0.'})),
    peer_rtt: Type.Optional(quantity('time', 'rr: time a transaction spends outside this host (wire and peer). Default 0.', ['50 us'])),
  },
  'A virtio device with its offered traffic.',
)

const CgroupSpec = strict(
  {
    path: Type.Optional(Type.String({minLength: 1, description: 'cgroup path. Default /machine.slice/TENANT-TYPE.'})),
    cpuset: Type.Optional(cpuset('CPUs the VM\'s vCPUs and workers may run on. Default: anywhere.')),
    cpu_max: Type.Optional(
      Type.Unsafe<string | number>({
        type: ['string', 'number'],
        description: 'cpu.max quota: "200%", "2 cpus", "200000 100000" (quota period, in us), a number of CPUs, or "max". Default max (no quota).',
        examples: ['200%', '2 cpus', '200000 100000', 'max'],
        [X]: expected.cpuMax,
        // `parseCpuQuota`: "max" (with a period or not), or a number first; more than 0 CPUs.
        [X_PUBLISHED]: {pattern: `${NUMBER_FIRST}|^\\s*max(?:\\s+\\d+)?\\s*$`, exclusiveMinimum: 0},
      }),
    ),
  },
  'The VM\'s cgroup.',
)

const SloSpec = strict(
  {
    min_fraction: Type.Optional(quantity('fraction', 'Minimum fraction of offered load each device must achieve. Default 0.', ['95%', 0.95])),
    max_p99: Type.Optional(quantity('time', 'Highest acceptable p99 latency per item. Default none.', ['2 ms'])),
  },
  'Service level objective.',
)

const VmTypeSpec = strict(
  {
    name: Id('VM type name; instances are named NAME-0, NAME-1, ...'),
    description: Description,
    count: Type.Optional(Type.Integer({minimum: 0, description: 'Number of VMs of this type. Default 1.', default: 1})),
    vcpus: Type.Integer({minimum: 1, description: 'vCPUs per VM.'}),
    memory: quantity('size', 'Memory per VM.', ['8 GiB']),
    tenant: Type.Optional(Type.String({minLength: 1, description: 'Owner. Default "default".'})),
    cgroup: Type.Optional(CgroupSpec),
    devices: Type.Optional(Type.Array(DeviceSpec, {description: 'virtio devices. Default none.'})),
    slo: Type.Optional(SloSpec),
  },
  'A VM type.',
)

const workloadProps = {
  name: Id('Workload name.'),
  description: Description,
  vm_types: Type.Array(VmTypeSpec, {minItems: 1, description: 'VM types with counts.'}),
}
export const WorkloadSchema = strict({...SchemaRef, ...header('workload'), ...workloadProps}, 'A workload: VM types with counts.')
export const InlineWorkloadSchema = strict({...inlineHeader('workload'), ...workloadProps}, 'A workload written inline.')

// ------------------------------------------------------------------ calibration

type CostUnit = 'cycles' | 'time' | 'ratio' | 'count'

/** Every micro-cost of `Calibration`, its key in files, its unit and its meaning. */
export const CALIBRATION_FIELDS: Record<keyof Omit<Calibration, 'name'>, {key: string; unit: CostUnit; description: string}> = {
  exitKernelCycles: {key: 'exit_kernel_cycles', unit: 'cycles', description: 'Lightweight exit handled in the host kernel.'},
  exitUserCycles: {key: 'exit_user_cycles', unit: 'cycles', description: 'Heavyweight exit handled in QEMU userspace.'},
  virtualIpiCycles: {key: 'virtual_ipi_cycles', unit: 'cycles', description: 'Virtual IPI: interrupting a running vCPU by forcing an exit.'},
  ioeventfdCycles: {key: 'ioeventfd_cycles', unit: 'cycles', description: 'ioeventfd signal from a guest notification.'},
  hypercallCycles: {key: 'hypercall_cycles', unit: 'cycles', description: 'Null hypercall round trip (vbus notifications are hypercalls).'},
  eoiCycles: {key: 'eoi_cycles', unit: 'cycles', description: 'End-of-interrupt exit.'},
  injectIpiCycles: {key: 'inject_ipi_cycles', unit: 'cycles', description: 'Host thread sending the IPI that forces a running vCPU out to inject an interrupt.'},
  postedInjectCycles: {key: 'posted_inject_cycles', unit: 'cycles', description: 'Posting an interrupt through a posted-interrupt descriptor.'},
  guestIrqCycles: {key: 'guest_irq_cycles', unit: 'cycles', description: 'Guest interrupt handler for a virtio interrupt, excluding exits.'},
  wakeupCycles: {key: 'wakeup_cycles', unit: 'cycles', description: 'Waking a sleeping worker: wake-up and context switch on the worker\'s CPU.'},
  wakeupLatencyS: {key: 'wakeup_latency_s', unit: 'time', description: 'Time from notification to the worker running.'},
  idleExitLatencyS: {key: 'idle_exit_latency_s', unit: 'time', description: 'Extra wake-up time when a dedicated worker core must leave its idle state (C-state exit latency).'},
  contextSwitchCycles: {key: 'context_switch_cycles', unit: 'cycles', description: 'Context switch taken from a vCPU when a floating worker runs on its CPU.'},
  schedDelayS: {key: 'sched_delay_s', unit: 'time', description: 'Wait for a busy vCPU to be preempted before a floating worker runs.'},
  netPacketCycles: {key: 'net_packet_cycles', unit: 'cycles', description: 'In-kernel backend (vhost) per-packet cost, including the host tap and bridge path.'},
  netmapPacketCycles: {key: 'netmap_packet_cycles', unit: 'cycles', description: 'Host-side per-packet cost of a netmap/VALE port instead of tap and bridge.'},
  netByteCycles: {key: 'net_byte_cycles', unit: 'cycles', description: 'Backend per-byte cost (copy), local memory.'},
  qemuPacketCycles: {key: 'qemu_packet_cycles', unit: 'cycles', description: 'Extra per-packet cost of the QEMU userspace backend over vhost.'},
  guestPacketCycles: {key: 'guest_packet_cycles', unit: 'cycles', description: 'Guest driver and stack per packet.'},
  pmdPacketCycles: {key: 'pmd_packet_cycles', unit: 'cycles', description: 'Guest poll-mode driver (DPDK virtio PMD) per packet.'},
  guestByteCycles: {key: 'guest_byte_cycles', unit: 'cycles', description: 'Guest per-byte cost.'},
  guestBatch: {key: 'guest_batch', unit: 'count', description: 'Guest packets queued per notification when the backend sleeps (TX batching).'},
  irqBatch: {key: 'irq_batch', unit: 'count', description: 'Packets completed per interrupt when the guest is idle (NAPI batching).'},
  blockRequestCycles: {key: 'block_request_cycles', unit: 'cycles', description: 'In-kernel block backend per request.'},
  qemuBlockRequestCycles: {key: 'qemu_block_request_cycles', unit: 'cycles', description: 'Extra per-request cost of QEMU\'s userspace block layer.'},
  dataplaneRequestCycles: {
    key: 'dataplane_request_cycles',
    unit: 'cycles',
    description: 'Extra per-request cost of a dedicated userspace I/O thread with Linux AIO (dataplane) over vhost-blk.',
  },
  guestBlockRequestCycles: {key: 'guest_block_request_cycles', unit: 'cycles', description: 'Guest block driver per request.'},
  blockByteCycles: {key: 'block_byte_cycles', unit: 'cycles', description: 'Block backend per byte (submission, mapping).'},
  pollPassCycles: {key: 'poll_pass_cycles', unit: 'cycles', description: 'A polling worker\'s empty pass over one queue.'},
  numaRemoteFactor: {key: 'numa_remote_factor', unit: 'ratio', description: 'Memory access cost ratio remote/local at SLIT distance 21 (scaled by distance).'},
  smtShare: {key: 'smt_share', unit: 'ratio', description: 'Throughput of one hardware thread while its sibling is busy, relative to a whole core.'},
  timerSlackS: {key: 'timer_slack_s', unit: 'time', description: 'Host timer slack added to every timer expiry.'},
  crossCoreCycles: {key: 'cross_core_cycles', unit: 'cycles', description: 'Cache lines of rings and buffers moving between cores, per item and side, when the worker runs on another core than the vCPU.'},
  vbusSignalCycles: {key: 'vbus_signal_cycles', unit: 'cycles', description: 'Worker-side cost of the vbus shared-memory interrupt queue per signal.'},
}

function costEntry(description: string, unit: CostUnit) {
  const value =
    unit === 'time'
      ? quantity('time', 'The value: a time like "5 us", or seconds.', ['5 us'])
      : Type.Number({minimum: 0, description: unit === 'cycles' ? 'The value, in CPU cycles.' : 'The value (a plain number).'})
  return strict(
    {value, source: Type.String({minLength: 1, description: 'Where the value comes from: a citation, a measurement, or the reasoning.'})},
    description,
  )
}

const calibrationProps = {
  name: Id('Profile name (the file is data/calibration/NAME.yaml).'),
  era: Type.String({minLength: 1, description: 'Hardware era the values describe.'}),
  description: Type.String({description: 'What the profile is for.'}),
  ...(Object.fromEntries(
    Object.values(CALIBRATION_FIELDS).map((f) => [f.key, costEntry(f.description, f.unit)]),
  ) as Record<string, ReturnType<typeof costEntry>>),
}
export const CalibrationSchema = strict(
  {...SchemaRef, ...header('calibration'), ...calibrationProps},
  'A calibration profile: micro-costs of one hardware era, each with its source.',
)
export const InlineCalibrationSchema = strict({...inlineHeader('calibration'), ...calibrationProps}, 'A calibration profile written inline.')

// ------------------------------------------------------------------ layout and policy

const WorkerSpec = strict(
  {
    id: Type.Optional(Id('Worker id. Default worker-INDEX.')),
    architecture: literalEnum(ARCHITECTURES, 'The I/O architecture this worker implements.'),
    cpus: cpuset('Pinned worker: its one CPU. Floating worker: the CPUs the host scheduler may run it on.'),
    floating: Type.Optional(Type.Boolean({description: 'True: shares its CPUs with vCPUs. False: owns its CPU (role io). Default false.', default: false})),
    notification: Type.Optional(NotificationSchema),
    devices: Type.Array(Type.String({minLength: 1}), {description: 'Devices served, as "VM/DEVICE", e.g. "web-0/net0".', examples: [['web-0/net0']]}),
  },
  'A backend worker. Notification default kick.',
)

const layoutProps = {
  host: Type.String({minLength: 1, description: 'Name of the host model this layout is for.'}),
  description: Description,
  roles: Type.Optional(
    strict(
      {
        vm: Type.Optional(cpuset('CPUs for vCPUs.')),
        io: Type.Optional(cpuset('Dedicated I/O cores.')),
        housekeeping: Type.Optional(cpuset('Housekeeping CPUs. Default: the host\'s housekeeping CPUs.')),
        idle: Type.Optional(cpuset('Unused CPUs.')),
      },
      'Role of each CPU as CPU lists. CPUs not listed are housekeeping if the host reserves them, idle otherwise.',
    ),
  ),
  vms: Type.Array(
    strict(
      {
        vm: Type.String({minLength: 1, description: 'VM instance id, TYPE-INDEX (from 0).'}),
        node: Type.Integer({minimum: 0, description: 'NUMA node holding the VM\'s memory.'}),
        vcpu_pins: cpuset('CPU for each vCPU in vCPU order, e.g. "4-7" for vCPUs 0..3; one per vCPU.'),
      },
      'Placement of one VM.',
    ),
    {description: 'Every VM of the workload, placed once.'},
  ),
  workers: Type.Array(WorkerSpec, {description: 'Backend workers; every device is served by exactly one.'}),
  interrupt: Type.Optional(
    literalEnum(INTERRUPT_MODES, 'Interrupt delivery. Default: posted if the host has posted interrupts, else pv-eoi if it has PV-EOI, else exit.'),
  ),
  sharing: Type.Optional(literalEnum(SHARING_POLICIES, 'Which devices one worker may serve. Default same-cgroup.', 'same-cgroup')),
  vcpu_overcommit: Type.Optional(Type.Number({minimum: 1, description: 'Most vCPUs pinned to one CPU. Default 1 (none).', default: 1})),
}
export const LayoutSchema = strict({...SchemaRef, ...header('layout'), ...layoutProps}, 'A layout: the decision for one host.')
export const InlineLayoutSchema = strict({...inlineHeader('layout'), ...layoutProps}, 'A layout written inline.')

export const PolicySchema = strict(
  {
    net: Type.Optional(literalEnum(NET_ARCHITECTURES, 'Architecture for virtio-net devices. Default vhost-per-device.', 'vhost-per-device')),
    block: Type.Optional(literalEnum(BLOCK_ARCHITECTURES, 'Architecture for virtio-blk devices. Default qemu-userspace.', 'qemu-userspace')),
    notification: Type.Optional(NotificationSchema),
    interrupt: Type.Optional(
      literalEnum(INTERRUPT_MODES, 'Interrupt delivery. Default: posted if the host has posted interrupts, else pv-eoi if it has PV-EOI, else exit.'),
    ),
    io_cores_per_node: Type.Optional(
      Type.Integer({minimum: 0, description: 'Dedicated I/O cores per NUMA node. Default 1 for vhost-shared and elvis, 0 otherwise.'}),
    ),
    devices_per_worker: Type.Optional(Type.Integer({minimum: 1, description: 'Devices per shared worker, at most. Default 7.', default: 7})),
    sharing: Type.Optional(literalEnum(SHARING_POLICIES, 'Which devices one worker may serve. Default same-cgroup.', 'same-cgroup')),
    float_on: Type.Optional(
      literalEnum(
        ['vm-cpus', 'node'] as const,
        'Where floating workers may run: the VM\'s own CPUs (vm-cpus, libvirt emulator pinning to the vCPUs) or any unreserved CPU of the VM\'s node (node). Default vm-cpus.',
        'vm-cpus',
      ),
    ),
  },
  'What to build instead of a hand-written layout. Notification default kick.',
)

// ------------------------------------------------------------------ scenario

const pathOr = <T extends TSchema>(inline: T, what: string) =>
  Type.Union([Type.String({minLength: 1, description: `Path of a ${what} file, relative to this file.`}), inline], {
    description: `A ${what}: a file path, or written inline.`,
  })

const VariantSpec = strict(
  {
    name: Type.String({
      pattern: '^[A-Za-z][A-Za-z0-9_]*$',
      description: 'Name the checks use (`NAME.kpps`): letters, digits and _, starting with a letter. With a list of `vms`, one variant per count, named NAME1, NAME2, ...',
    }),
    policy: Type.Optional(PolicySchema),
    platform: Type.Optional(PlatformSpec),
    vms: Type.Optional(
      Type.Union([Type.Integer({minimum: 1}), Type.Array(Type.Integer({minimum: 1}), {minItems: 1})], {
        description: 'VMs of the first VM type: a count, or a list of counts (one variant each).',
      }),
    ),
    devices: Type.Optional(Type.Integer({minimum: 1, description: 'Keep only the first N devices of the first VM type.'})),
    offered: Type.Optional(Type.Number({exclusiveMinimum: 0, description: 'Offered load of every device of the first VM type, in items per second.'})),
  },
  'One variant of the scenario: changes to its policy (merged over the scenario\'s), its host\'s platform or its first VM type.',
)

const CheckSpec = strict(
  {
    name: Type.String({minLength: 1, description: 'Name shown in the table; unique within the case.'}),
    predicted: Type.Optional(Type.String({minLength: 1, description: 'Expression of the predicted figure over VARIANT.METRIC names, e.g. `spin.kpps` or `a.gbps / b.gbps`.'})),
    published: Type.Optional(Type.Number({description: 'The published figure, in the unit of `predicted`.'})),
    published_text: Type.Optional(Type.String({description: 'How the source states it, for the table.'})),
    tolerance: Type.Optional(
      Type.Number({minimum: 0, description: 'Largest accepted relative error |predicted / published - 1| (0.25 = 25%; 0 = exact). Required with `published`.'}),
    ),
    holds: Type.Optional(Type.String({minLength: 1, description: 'A condition that must hold instead, e.g. `spin.kpps > kick.kpps`.'})),
  },
  'One check: `predicted` with `published` and `tolerance`, or a condition `holds` (with or without `predicted` to show).',
)

const ExpectSchema = strict(
  {
    variants: Type.Array(VariantSpec, {minItems: 1, description: 'The evaluations the checks compare.'}),
    checks: Type.Array(CheckSpec, {minItems: 1, description: 'What must hold against the published results.'}),
  },
  'A reference case for `sidecore validate`: variants of this scenario and checks over their metrics.',
)

export const ScenarioSchema = strict(
  {
    ...SchemaRef,
    ...header('scenario'),
    name: Id('Scenario name.'),
    description: Description,
    source: Type.Optional(Type.String({description: 'Citation: where the setup comes from.'})),
    host: pathOr(InlineHostSchema, 'host model'),
    workload: pathOr(InlineWorkloadSchema, 'workload; all its VMs run on the host'),
    layout: Type.Optional(pathOr(InlineLayoutSchema, 'layout')),
    policy: Type.Optional(PolicySchema),
    calibration: Type.Optional(
      Type.Union(
        [
          Type.String({minLength: 1, description: 'A profile name (data/calibration/NAME.yaml) or a file path (contains "/" or ends in .yaml, .yml or .json).'}),
          InlineCalibrationSchema,
        ],
        {description: 'Calibration profile: a name, a path, or inline. Default: the host model\'s calibration, else current.'},
      ),
    ),
    expect: Type.Optional(ExpectSchema),
  },
  'A scenario: a host, a workload running on it, a layout or a policy, and a calibration. Give either layout or policy.',
)

// ------------------------------------------------------------------ spec types

export type HostSpec = Static<typeof HostSchema>
export type HostBody = Static<typeof InlineHostSchema>
export type ClusterSpec = Static<typeof ClusterSchema>
export type WorkloadSpec = Static<typeof WorkloadSchema>
export type WorkloadBody = Static<typeof InlineWorkloadSchema>
export type VmTypeBody = Static<typeof VmTypeSpec>
export type DeviceBody = Static<typeof DeviceSpec>
export type CalibrationSpec = Static<typeof CalibrationSchema>
export type CalibrationBody = Static<typeof InlineCalibrationSchema>
export type LayoutSpec = Static<typeof LayoutSchema>
export type LayoutBody = Static<typeof InlineLayoutSchema>
export type PolicySpec = Static<typeof PolicySchema>
export type NotificationSpec = Static<typeof NotificationSchema>
export type ScenarioSpec = Static<typeof ScenarioSchema>
export type ExpectSpec = Static<typeof ExpectSchema>
export type PlatformBody = Static<typeof PlatformSpec>

export interface SpecByKind {
  host: HostSpec
  cluster: ClusterSpec
  workload: WorkloadSpec
  calibration: CalibrationSpec
  layout: LayoutSpec
  scenario: ScenarioSpec
}

export const SCHEMAS: {[K in FileKind]: TSchema} = {
  host: HostSchema,
  cluster: ClusterSchema,
  workload: WorkloadSchema,
  calibration: CalibrationSchema,
  layout: LayoutSchema,
  scenario: ScenarioSchema,
}

const TITLES: Record<FileKind, string> = {
  host: 'Sidecore host model',
  cluster: 'Sidecore cluster',
  workload: 'Sidecore workload',
  calibration: 'Sidecore calibration profile',
  layout: 'Sidecore layout',
  scenario: 'Sidecore scenario',
}

/** Deep copy as plain JSON, without TypeBox's symbols and without private `x-` annotations. */
function publish(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(publish)
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(node)) if (!k.startsWith('x-')) out[k] = publish(v)
    const published = (node as Record<string, unknown>)[X_PUBLISHED]
    if (published !== undefined) Object.assign(out, published)
    return out
  }
  return node
}

/** The published JSON Schema documents, as written to `schemas/KIND.schema.json`. */
export function schemaDocuments(): Record<FileKind, Record<string, unknown>> {
  const out = {} as Record<FileKind, Record<string, unknown>>
  for (const kind of FILE_KINDS) {
    out[kind] = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: TITLES[kind],
      ...(publish(SCHEMAS[kind]) as Record<string, unknown>),
    }
  }
  return out
}

/** File name -> text of every published schema, as `npm run schemas` writes them. */
export function schemaFiles(): Record<string, string> {
  const docs = schemaDocuments()
  return Object.fromEntries(FILE_KINDS.map((k) => [`${k}.schema.json`, `${JSON.stringify(docs[k], null, 2)}\n`]))
}
