// Which of a compute's VFs Nova offers for each physnet (its device_spec, first match wins, as
// nova-compute matches), and which of those a guest holds, from the host's facts alone.
import { guestHold } from '../openstack/neutron-eswitch.js';
import type { HostView } from './context.js';
import { matchHost } from './devspec-helpers.js';

export interface PhysnetVfs {
  physnet: string;
  inUse: number;
  free: number;
}

export interface HostVfUsage {
  /** Per physnet the device_spec names, in the order the spec names them. */
  physnets: PhysnetVfs[];
  /** VFs no spec selects, or selected by a spec without a physical_network (not for Neutron ports). */
  notSelected: number;
}

/** null for a host that is not a compute or has no facts: nothing to count. */
export function vfUsage(h: HostView): HostVfUsage | null {
  if (!h.isCompute || !h.facts) return null;
  const m = matchHost(h);
  if (!m) return { physnets: [], notSelected: h.facts.pfs.reduce((n, pf) => n + pf.vfs.length, 0) };
  const byPhysnet = new Map<string, PhysnetVfs>();
  for (const p of m.pairs) {
    const physnet = p.spec.tags.physical_network;
    if (typeof physnet === 'string' && physnet !== '' && !byPhysnet.has(physnet))
      byPhysnet.set(physnet, { physnet, inUse: 0, free: 0 });
  }
  let notSelected = 0;
  for (const d of m.devices) {
    if (d.dev_type !== 'type-VF') continue;
    const i = m.first.get(d);
    const physnet = i === null || i === undefined ? null : m.pairs[i]!.spec.tags.physical_network;
    const bucket = typeof physnet === 'string' ? byPhysnet.get(physnet) : undefined;
    if (!bucket) notSelected++;
    // In use: a guest holds it (guestHold, the one facts-based answer fit and probe use too).
    else if (d.vf && guestHold(d.vf) !== null) bucket.inUse++;
    else bucket.free++;
  }
  return { physnets: [...byPhysnet.values()], notSelected };
}
