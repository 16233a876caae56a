/**
 * sriov: every network device moves to an SR-IOV virtual function (the `sriov`
 * architecture this plugin adds). Scenarios with a policy switch their net architecture;
 * a plan's search is asked for it too, which the core refuses with a clear message, since
 * plans search the core's architectures only.
 *
 * @type {import('sidecore').WhatIfHook}
 */
export default async function whatif({core}) {
  return [{
    name: 'sriov',
    summary: 'network devices on SR-IOV virtual functions passed through to the guest',
    parameters: {},
    apply(subject) {
      if (subject.layout) throw new Error('a fixed layout names its workers; give the scenario a policy to move its devices to SR-IOV')
      const s = core.mapAllowed(subject, a => (subject.kind === 'plan' ? {...a, net: ['sriov']} : a))
      return core.mapPolicy(s, p => ({...p, net: 'sriov', notification: {kind: 'kick'}}))
    },
  }]
}
