/**
 * nic-upgrade: every NIC of every host replaced by one `factor` times faster, in line rate
 * and in packet rate (e.g. 25 -> 100 Gbit/s is factor=4).
 *
 * @type {import('sidecore').WhatIfHook}
 */
export default async function whatif({core}) {
  return [{
    name: 'nic-upgrade',
    summary: 'every NIC\'s line rate and packet rate multiplied by factor',
    parameters: {factor: {description: 'speed-up of line rate and packet rate', default: 4, min: 0.01, max: 1000}},
    apply(subject, {factor}) {
      return core.mapNics(subject, nic => ({...nic, lineRateBps: nic.lineRateBps * factor, maxPps: nic.maxPps * factor}))
    },
  }]
}
