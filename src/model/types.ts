/**
 * The model's own types: what `normalize()` produces from the input files and
 * what `evaluate()` and the search consume. Every quantity is a plain number in
 * SI base units: seconds, hertz, bits per second for network rates, bytes for
 * sizes and memory, bytes per second for block bandwidth, items per second for
 * packet, request and transaction rates, and cycles for CPU costs.
 */

// ---------------------------------------------------------------- hardware

export interface Cpu {
  /** Logical CPU number as the kernel numbers it. */
  id: number
  node: number
  socket: number
  /** Physical core, unique across the host. */
  core: number
  /** Index of this hardware thread within its core (0 for the first sibling). */
  thread: number
}

export interface NumaNode {
  id: number
  socket: number
  memoryBytes: number
  /** Logical CPU ids of the node. */
  cpus: number[]
}

export interface Nic {
  id: string
  node: number
  lineRateBps: number
  /** Highest packet rate the NIC forwards, packets/s. */
  maxPps: number
}

export interface BlockDevice {
  id: string
  node: number
  maxIops: number
  /** Highest transfer rate, bytes/s. */
  maxBandwidthBytes: number
  /** Device service time for one request at low load, seconds. */
  serviceLatencyS: number
}

export interface Platform {
  /** VT-d / APICv posted interrupts (or ELI): interrupts reach a running guest without exits. */
  postedInterrupts: boolean
  /** Paravirtual EOI (or APICv EOI virtualisation): no exit on end-of-interrupt. */
  pvEoi: boolean
  /** Guest notifications handled in the kernel through ioeventfd instead of returning to QEMU. */
  ioeventfd: boolean
}

export interface Host {
  /** Host model name. */
  model: string
  sockets: number
  nodes: NumaNode[]
  /** Every logical CPU, indexed by position; `cpus[i].id` need not equal `i`. */
  cpus: Cpu[]
  threadsPerCore: number
  frequencyHz: number
  /** SLIT-style node distance matrix: 10 is local. */
  distances: number[][]
  nics: Nic[]
  blockDevices: BlockDevice[]
  platform: Platform
  /** CPUs reserved for the host's own housekeeping; never given to VMs or workers. */
  housekeeping: number[]
}

export interface ClusterEntry {
  host: Host
  count: number
  labels: Record<string, string>
}

export interface Cluster {
  name: string
  entries: ClusterEntry[]
}

// ---------------------------------------------------------------- workload

export type TrafficPattern = 'stream' | 'rr'
export type DeviceKind = 'net' | 'block'
export type NetDirection = 'tx' | 'rx'
export type BlockDirection = 'read' | 'write'

export interface Device {
  /** Unique within its VM. */
  id: string
  kind: DeviceKind
  pattern: TrafficPattern
  direction: NetDirection | BlockDirection
  /** Bytes per packet (net) or per request (block) as the guest posts it. */
  sizeBytes: number
  /** Offered load in items/s (packets, requests or transactions); Infinity = as fast as it goes. */
  offered: number
  /** Requests in flight (block) or transactions in flight (`rr`). */
  queueDepth: number
  /** NIC or block device id this device's traffic goes through; the first of its kind when absent. */
  backing?: string
  /** Host-side packet path behind the backend (net): a tap device on a bridge, or a netmap/VALE port. Default tap. */
  backend?: 'tap' | 'netmap'
  /**
   * Transport (net `stream`): `tcp` receives one ACK for every two segments (delayed ACK),
   * each a chance of an RX interrupt; `udp` receives nothing back. Default udp.
   */
  protocol?: 'tcp' | 'udp'
  /**
   * Guest driver: the kernel's virtio driver (interrupts, NAPI), or a poll-mode driver such
   * as DPDK's virtio PMD, which polls its rings, takes no interrupts and keeps its vCPU busy.
   * Default kernel.
   */
  guestDriver?: 'kernel' | 'pmd'
  /** Guest application and stack cycles per item beyond the virtio driver (e.g. netperf and TCP). Default 0. */
  appCycles?: number
  /** `rr`: time the request spends outside this host (wire and peer) per transaction, seconds. Default 0. */
  peerRttS?: number
}

export type SharingPolicy = 'none' | 'same-vm' | 'same-cgroup' | 'any'

export interface Cgroup {
  path: string
  /** Logical CPUs the VM's vCPUs and workers may run on; absent = anywhere. */
  cpuset?: number[]
  /** `cpu.max` quota as a number of CPUs (quota / period); absent = unlimited. */
  quotaCpus?: number
}

export interface Slo {
  /** Minimum fraction of offered load each device must achieve (0..1). */
  minFraction: number
  /** Highest acceptable p99 latency per item, seconds. */
  maxP99S?: number
}

export interface VmType {
  name: string
  vcpus: number
  memoryBytes: number
  tenant: string
  cgroup: Cgroup
  devices: Device[]
  slo: Slo
}

export interface WorkloadEntry {
  type: VmType
  count: number
}

export interface Workload {
  name: string
  entries: WorkloadEntry[]
}

/** One VM instance on a host. */
export interface Vm {
  id: string
  type: VmType
}

// ---------------------------------------------------------------- layout

export type ArchitectureId =
  | 'qemu-userspace'
  | 'vhost-per-device'
  | 'vhost-per-cpu'
  | 'vhost-shared'
  | 'elvis'
  | 'vbus'
  | 'vhost-blk'
  | 'blk-dataplane'

export type Notification =
  | {kind: 'kick'}
  | {kind: 'spin'; budgetS: number}
  | {kind: 'poll'}
  | {kind: 'timer'; periodS: number; ring: number}

export type InterruptMode = 'exit' | 'pv-eoi' | 'posted'

export type CpuRole = 'vm' | 'io' | 'housekeeping' | 'idle'

export interface VmPlacement {
  vm: string
  /** NUMA node holding the VM's memory. */
  node: number
  /** CPU for each vCPU; length = vCPUs. A CPU may appear for several vCPUs only when oversubscription is declared. */
  vcpuPins: number[]
}

export interface Worker {
  id: string
  architecture: ArchitectureId
  /** Pinned: one CPU. Floating: the set the host scheduler may run it on. */
  cpus: number[]
  /** Floating workers share their CPUs with vCPUs; pinned ones own their CPU (role `io`). */
  floating: boolean
  notification: Notification
  /** Devices served, as `vmId/deviceId`. */
  devices: string[]
}

export interface Layout {
  host: string
  /** Role of each logical CPU, by CPU id. */
  roles: Record<number, CpuRole>
  vms: VmPlacement[]
  workers: Worker[]
  interrupt: InterruptMode
  sharing: SharingPolicy
  /** Highest number of vCPUs per CPU the layout declares; 1 = no oversubscription. */
  vcpuOvercommit: number
}

/** What the user asks for instead of a hand-written layout. */
export interface ArchitecturePolicy {
  net: ArchitectureId
  block: ArchitectureId
  notification: Notification
  interrupt: InterruptMode
  /** Dedicated I/O cores per NUMA node (architectures that use them). */
  ioCoresPerNode: number
  /** Devices per shared worker, at most. */
  devicesPerWorker: number
  sharing: SharingPolicy
  /**
   * Where floating workers may run: the VM's own CPUs (`vm-cpus`, libvirt's emulator
   * pinning to the vCPUs), or any CPU of the VM's node that is not reserved (`node`).
   */
  floatOn: 'vm-cpus' | 'node'
}

// ---------------------------------------------------------------- calibration

/** Micro-costs of one hardware era. Cycles unless the name says otherwise. */
export interface Calibration {
  name: string
  /** Lightweight exit handled in the host kernel. */
  exitKernelCycles: number
  /** Heavyweight exit handled in QEMU userspace. */
  exitUserCycles: number
  /** Virtual IPI (sending an interrupt to a running vCPU by forcing an exit). */
  virtualIpiCycles: number
  /** ioeventfd signal from a guest notification. */
  ioeventfdCycles: number
  /** Null hypercall round trip (vbus notifications are hypercalls). */
  hypercallCycles: number
  /** End-of-interrupt exit. */
  eoiCycles: number
  /** Host thread sending the IPI that forces a running vCPU out to inject an interrupt. */
  injectIpiCycles: number
  /** Posting an interrupt through a posted-interrupt descriptor. */
  postedInjectCycles: number
  /** Guest interrupt handler for a virtio interrupt, excluding exits. */
  guestIrqCycles: number
  /** Waking a sleeping worker: scheduler wake-up and context switch, on the worker's CPU. */
  wakeupCycles: number
  /** Time from notification to the worker running. */
  wakeupLatencyS: number
  /**
   * Extra wake-up time when the worker's core was idle and has to leave its C-state (a
   * dedicated I/O core in kick mode); a floating worker woken next to the kicking vCPU
   * finds its core awake.
   */
  idleExitLatencyS: number
  /** Context switch taken from a vCPU when a floating worker runs on its CPU. */
  contextSwitchCycles: number
  /**
   * Cache lines of rings and buffers moving between cores, per item and per side, when the
   * worker runs on another physical core than the vCPU it serves.
   */
  crossCoreCycles: number
  /** Wait for a busy vCPU to be preempted before a floating worker runs, seconds. */
  schedDelayS: number
  /** In-kernel backend (vhost) per-packet cost, including the host tap and bridge path. */
  netPacketCycles: number
  /** Host-side per-packet cost of a netmap/VALE port instead of tap and bridge. */
  netmapPacketCycles: number
  /** Backend per-byte cost (copy), local memory. */
  netByteCycles: number
  /** Extra per-packet cost of the QEMU userspace backend over vhost. */
  qemuPacketCycles: number
  /** Guest driver and stack per packet. */
  guestPacketCycles: number
  /** Guest poll-mode driver (DPDK virtio PMD) per packet. */
  pmdPacketCycles: number
  /** Guest per-byte cost. */
  guestByteCycles: number
  /** Guest packets queued per notification when the backend sleeps (TX batching). */
  guestBatch: number
  /** Packets completed per interrupt when the guest is idle (NAPI batching). */
  irqBatch: number
  /** In-kernel block backend per request. */
  blockRequestCycles: number
  /** Extra per-request cost of QEMU's userspace block layer. */
  qemuBlockRequestCycles: number
  /** Extra per-request cost of a dedicated userspace I/O thread with Linux AIO (dataplane) over vhost-blk. */
  dataplaneRequestCycles: number
  /** Guest block driver per request. */
  guestBlockRequestCycles: number
  /** Block backend per byte (submission, mapping). */
  blockByteCycles: number
  /** A polling worker's empty pass over one queue. */
  pollPassCycles: number
  /** Memory access cost ratio remote/local at SLIT distance 21 (scaled by distance). */
  numaRemoteFactor: number
  /** Throughput of one hardware thread while its sibling is busy, relative to a whole core. */
  smtShare: number
  /** Host timer slack added to every timer expiry, seconds. */
  timerSlackS: number
  /** Worker-side cost of the vbus shared-memory interrupt queue per signal. */
  vbusSignalCycles: number
}

export interface CalibrationSource {
  value: number
  source: string
}

export interface CalibrationProfile {
  calibration: Calibration
  era: string
  description: string
  sources: Record<keyof Omit<Calibration, 'name'>, string>
}

// ---------------------------------------------------------------- results

export type LimitKind =
  | 'offered-load'
  | 'worker-cpu'
  | 'vcpu'
  | 'cgroup-quota'
  | 'nic-line-rate'
  | 'nic-packet-rate'
  | 'block-device-iops'
  | 'block-device-bandwidth'
  | 'timer-ring'
  | 'round-trip'
  | 'queue-depth'

export interface Limit {
  kind: LimitKind
  /** The entity: a worker id, vCPU list, cgroup path, NIC or block device id. */
  resource: string
}

export interface DeviceResult {
  vm: string
  device: string
  kind: DeviceKind
  pattern: TrafficPattern
  worker: string
  offered: number
  /** Achieved items/s: packets/s (net), IOPS (block), transactions/s (rr). */
  rate: number
  bitsPerS: number
  bytesPerS: number
  limit: Limit
  exitsPerS: number
  interruptsPerS: number
  wakeupsPerS: number
  kicksPerS: number
  meanLatencyS: number
  p99LatencyS: number
}

export interface WorkerResult {
  id: string
  architecture: ArchitectureId
  notification: Notification
  cpus: number[]
  floating: boolean
  devices: string[]
  /** Fraction of one CPU the worker occupies, including spinning and polling. */
  utilisation: number
  /** Fraction of one CPU spent doing useful work. */
  busy: number
  /** Share of the worker's CPU time spent spinning or polling empty queues. */
  idleSpinShare: number
}

export interface CpuResult {
  id: number
  node: number
  role: CpuRole
  utilisation: number
  vms: string[]
  workers: string[]
}

export interface VmResult {
  id: string
  type: string
  node: number
  netBps: number
  blockBytesPerS: number
  iops: number
  p99LatencyS: number
  vcpuUtilisation: number
  sloMet: boolean
  violations: string[]
}

export interface HostTotals {
  netBps: number
  blockBytesPerS: number
  iops: number
  /** net bit/s plus block bytes/s * 8. */
  deliveredBps: number
  /** `host` accounting: every logical CPU of the host. */
  cpusHost: number
  /** `allocated` accounting: vCPU, I/O (polling ones whole) and housekeeping CPUs. */
  cpusAllocated: number
  bpsPerCpuHost: number
  bpsPerCpuAllocated: number
  exitsPerS: number
  interruptsPerS: number
  sloViolations: number
}

/**
 * What a search compares layouts by: the host's totals and the worst p99 latency, without
 * the per-device, per-worker, per-CPU and per-VM results (`Evaluator.assess`).
 */
export interface Assessment {
  totals: HostTotals
  /** The largest p99 latency of any device, 0 with no devices. */
  maxP99S: number
  /** Fixed-point iterations used. */
  iterations: number
}

export interface Evaluation {
  host: string
  calibration: string
  devices: DeviceResult[]
  workers: WorkerResult[]
  cpus: CpuResult[]
  vms: VmResult[]
  totals: HostTotals
  /** Fixed-point iterations used. */
  iterations: number
}
