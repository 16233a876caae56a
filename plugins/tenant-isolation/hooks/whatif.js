/**
 * tenant-isolation: every tenant's VMs go into one cgroup of their own
 * (`<parent>/tenant-<tenant>`), and workers are shared only within a cgroup. A shared
 * worker then never serves two tenants (seed 001: the cgroup problem of shared vhost
 * workers: a worker's cycles must be charged to one cgroup). VM types of one tenant end
 * up in the same cgroup, so they may share workers with each other.
 *
 * @type {import('sidecore').WhatIfHook}
 */
export default async function whatif({core}) {
  const tenantPath = (path, tenant) => {
    const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : ''
    return `${parent}/tenant-${tenant}`
  }

  return [{
    name: 'tenant-isolation',
    summary: 'one cgroup per tenant; workers shared only within a cgroup',
    parameters: {},
    apply(subject) {
      let s = core.mapVmTypes(subject, t => ({...t, cgroup: {...t.cgroup, path: tenantPath(t.cgroup.path, t.tenant)}}))
      const narrow = sharing => (sharing === 'any' ? 'same-cgroup' : sharing)
      s = core.mapPolicy(s, p => ({...p, sharing: narrow(p.sharing)}))
      return core.mapLayout(s, l => ({...l, sharing: narrow(l.sharing)}))
    },
  }]
}
