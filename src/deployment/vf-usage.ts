// Which of a compute's VFs Nova offers for each physnet (its device_spec, first match wins, as
// nova-compute matches), and which of those a guest holds, from the host's facts alone.
import type { Vf } from '../facts/host-facts.js';
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

/**
 * A VF a guest holds, as the SR-IOV agent sees it (neutron eswitch_manager is_assigned_vf_*): its
 * netdev is gone because vfio-pci took it (a direct port), or a macvtap sits on it.
 */
export function vfAssigned(vf: Vf): boolean {
  return vf.driver === 'vfio-pci' || vf.uppers.length > 0;
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
    else if (d.vf && vfAssigned(d.vf)) bucket.inUse++;
    else bucket.free++;
  }
  return { physnets: [...byPhysnet.values()], notSelected };
}
