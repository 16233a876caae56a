/**
 * posted-interrupts: a hardware upgrade to VT-d / APICv posted interrupts. Interrupts then
 * reach a running guest without an interrupt exit or an EOI exit (seed 001: exitless
 * interrupts, ELI; the core's `posted` interrupt mode). Hosts gain the platform feature; a
 * scenario's policy or layout switches to posted delivery; a plan's search picks the best
 * delivery the platform has, which is now posted.
 *
 * @type {import('sidecore').WhatIfHook}
 */
export default async function whatif({core}) {
  return [{
    name: 'posted-interrupts',
    summary: 'hosts with VT-d/APICv posted interrupts: interrupts delivered without exits',
    parameters: {},
    apply(subject) {
      let s = core.mapHosts(subject, h => ({...h, platform: {...h.platform, postedInterrupts: true}}))
      s = core.mapPolicy(s, p => ({...p, interrupt: 'posted'}))
      return core.mapLayout(s, l => ({...l, interrupt: 'posted'}))
    },
  }]
}
