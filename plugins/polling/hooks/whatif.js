/**
 * polling: move network I/O to polling sidecores, ELVIS-style (seed 001): shared workers
 * pinned on dedicated I/O cores that poll the virtqueues, so guests never exit to notify.
 *
 * - a plan's search may choose only `elvis` with `poll` for network devices;
 * - a scenario's policy becomes `elvis` + `poll` with at least `io-cores` I/O cores per node;
 * - a scenario's fixed layout keeps its workers and makes every pinned one poll (a
 *   floating worker cannot poll: it would take the VM's CPU, so that is an error).
 *
 * @type {import('sidecore').WhatIfHook}
 */
export default async function whatif({core}) {
  return [{
    name: 'polling',
    summary: 'network I/O on polling sidecores (elvis, poll)',
    parameters: {'io-cores': {description: 'I/O cores per NUMA node at least (scenarios with a policy)', default: 1, min: 1, max: 64}},
    apply(subject, params) {
      const io = params['io-cores']
      let s = core.mapAllowed(subject, a => ({...a, net: ['elvis'], notifications: [{kind: 'poll'}]}))
      s = core.mapPolicy(s, p => ({...p, net: 'elvis', notification: {kind: 'poll'}, ioCoresPerNode: Math.max(p.ioCoresPerNode, io)}))
      return core.mapLayout(s, l => {
        const floating = l.workers.find(w => w.floating)
        if (floating) throw new Error(`worker ${floating.id} floats on the VM's CPUs and cannot poll; give the scenario a policy instead of a layout`)
        return {...l, workers: l.workers.map(w => ({...w, notification: {kind: 'poll'}}))}
      })
    },
  }]
}
