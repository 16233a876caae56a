/**
 * SR-IOV passthrough (`sriov`), an I/O architecture the core does not have: each net
 * device is a virtual function of the NIC assigned to the guest (PCI-SIG SR-IOV 1.1;
 * Dong et al., "High Performance Network Virtualization with SR-IOV", HPCA 2010).
 *
 * - No backend worker: the NIC moves the data by DMA, so the host spends no cycles per
 *   packet (workerItem 0) and the work left runs on the vCPU itself (onVcpu).
 * - The guest rings the VF's doorbell with a write to its BAR, mapped into the guest:
 *   no exit to notify (kickGuest 0, kickExits 0, no wake-up).
 * - The guest's VF driver costs what a kernel virtio driver does per packet (the core's
 *   guestNetItem).
 * - Interrupts are the VF's MSI-X: they cost what the layout's interrupt mode costs
 *   (posted: none of the exits, with VT-d posted interrupts / ELI, Gordon et al.,
 *   ASPLOS 2012; otherwise an interrupt exit and an EOI exit).
 *
 * One pseudo-worker per device stands for the VF: it floats on the VM's CPUs and holds no
 * CPU of its own.
 *
 * @type {import('sidecore').ArchitectureHook}
 */
export default async function architecture({core}) {
  return [{
    id: 'sriov',
    summary: 'SR-IOV virtual function passed through to the guest: no backend worker, no notification exits',
    source: 'PCI-SIG SR-IOV 1.1; Dong et al., HPCA 2010; ELI, Gordon et al., ASPLOS 2012',
    kinds: ['net'],
    usesIoCores: false,
    defaultNotification: {kind: 'kick'},
    costs(ctx) {
      return {
        workerItem: 0,
        guestItem: core.guestNetItem(ctx.calibration, ctx.device),
        kickGuest: 0,
        kickExits: 0,
        kickWorker: 0,
        ...core.interruptCosts(ctx.calibration, ctx.interrupt, ctx.host.frequencyHz),
        coalesceWindowS: 0,
        onVcpu: true,
      }
    },
    buildWorkers(ctx) {
      const placements = new Map(ctx.placements.map(p => [p.vm, p]))
      return ctx.devices.map(({vm, device}, i) => ({
        id: `vf${i}`,
        architecture: 'sriov',
        cpus: core.vmCpus(placements.get(vm.id)),
        floating: true,
        notification: {kind: 'kick'},
        devices: [core.deviceRef(vm.id, device.id)],
      }))
    },
  }]
}
