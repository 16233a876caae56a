import type {
  ArchitectureId, ArchitecturePolicy, Calibration, Device, DeviceKind, Host, InterruptMode, Notification, Vm,
  VmPlacement, Worker,
} from '../types.js'

/** What an architecture needs to price one device's I/O path. */
export interface CostContext {
  device: Device
  calibration: Calibration
  host: Host
  /** Interrupt delivery the layout asks for (already checked against the platform). */
  interrupt: InterruptMode
  /**
   * Memory-access factor (>= 1) for a worker whose CPU sits on another node than the VM's
   * memory or the NIC/disk. It scales the whole worker path: rings, descriptors and
   * buffers are all memory the worker touches.
   */
  numaFactor: number
  /** The worker floats on CPUs it shares with vCPUs. */
  floating: boolean
}

/**
 * The cycle and latency costs of one device's path through one architecture.
 * Notification costs are per notification; the evaluator decides how many
 * notifications there are from the worker's notification policy and load.
 */
export interface PathCosts {
  /** Worker cycles per item (packet, request), excluding notifications. */
  workerItem: number
  /** Guest vCPU cycles per item, excluding notifications. */
  guestItem: number
  /** Guest cycles for one guest-to-host notification (the exit and its handling). */
  kickGuest: number
  /** Exits per guest-to-host notification. */
  kickExits: number
  /** Worker cycles to wake on a notification. */
  kickWorker: number
  /** Worker cycles to deliver one interrupt to the guest. */
  irqWorker: number
  /** Guest cycles per interrupt (handler plus exits). */
  irqGuest: number
  /** Exits per interrupt delivered. */
  irqExits: number
  /** Time to deliver one interrupt into a running guest, seconds. */
  irqLatencyS: number
  /**
   * Per-VM interrupt queue (vbus), 0 = none: all the VM's devices share one queue that the
   * guest drains as one, and signals within this window of an injection join it instead
   * of being injected. Without it each device interrupts on its own (MSI-X).
   */
  coalesceWindowS: number
  /** Backend work runs on the vCPU thread itself (no separate worker). */
  onVcpu: boolean
}

export interface BuildContext {
  host: Host
  vms: Vm[]
  placements: VmPlacement[]
  policy: ArchitecturePolicy
  /** CPUs given the `io` role, by NUMA node. */
  ioCpus: Map<number, number[]>
  /** CPUs a floating worker of each VM may use (policy `floatOn`). */
  floatCpus: (placement: VmPlacement) => number[]
  /** Devices this architecture must serve, as {vm, device}. */
  devices: {vm: Vm; device: Device}[]
}

/** One I/O architecture: how it prices a device's path and how it lays out its workers. */
export interface ArchitectureModel {
  id: ArchitectureId
  summary: string
  /** Where the design comes from. */
  source: string
  kinds: DeviceKind[]
  /** Needs CPUs with the `io` role. */
  usesIoCores: boolean
  defaultNotification: Notification
  costs(ctx: CostContext): PathCosts
  buildWorkers(ctx: BuildContext): Worker[]
}
