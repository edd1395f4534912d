import {
  describeDevice,
  entryLabel,
  entryLocation,
  fixTarget,
  type HostDevice,
  matchHost,
  neutronPlaybook,
  novaPlaybook,
  specText,
} from '../../deployment/devspec-helpers.js';
import { isMacvtapUpper } from '../../openstack/neutron-eswitch.js';
import type { HostFinding, Rule } from '../rule.js';

/**
 * The host's own use of a VF (its upper devices: a bridge, bond, OVS or VLAN interface), which
 * this rule is about; a guest's macvtap is not host use (a guest holding a VF is guestHold's
 * question, src/openstack/neutron-eswitch.ts, whose macvtap test this shares).
 */
const hostOwnUppers = (d: HostDevice) => (d.vf?.uppers ?? []).filter((u) => !isMacvtapUpper(u));
/** hostOwnUppers(d).length > 0, without building the list (asked of every VF of a fleet). */
function hasHostOwnUpper(d: HostDevice): boolean {
  const uppers = d.vf?.uppers ?? [];
  // By index: it runs for every VF of a fleet, and for-of here allocated an iterator result
  // per step (V8, Node 20; measured with a heap profile).
  for (let i = 0; i < uppers.length; i++) if (!isMacvtapUpper(uppers[i]!)) return true;
  return false;
}

export const rule: Rule = {
  id: 'SRIOV-DEVSPEC-009',
  severity: 'warning',
  title: 'The device_spec offers VFs that the host itself uses',
  rationale:
    'Nova does not know which VFs the host uses: a VF enslaved to a bridge, bond or OVS, or carrying a VLAN interface, can be handed to an instance, which takes it away from the host.',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const m = matchHost(h);
    if (!m) return [];
    const byEntry = new Map<number, HostDevice[]>();
    for (const d of m.devices) {
      const i = m.first.get(d);
      if (d.dev_type !== 'type-VF' || i === null || i === undefined || !hasHostOwnUpper(d)) continue;
      const g = byEntry.get(i);
      if (g) g.push(d);
      else byEntry.set(i, [d]);
    }
    for (const [i, used] of byEntry) {
      const p = m.pairs[i]!;
      const label = entryLabel(i, m.pairs.length);
      const free = m.devices.filter(
        (d) => d.dev_type === 'type-VF' && m.first.get(d) === i && !hasHostOwnUpper(d),
      );
      const location = entryLocation(h, p.entry, p.spec.devname ? 'devname' : 'address');
      // The agent's exclude_devices format: <pf netdev>:<vf address>;<vf address>,…
      const perPf = new Map<string, string[]>();
      for (const d of used)
        if (d.pf?.netdev) {
          const g = perPf.get(d.pf.netdev);
          if (g) g.push(d.address);
          else perPf.set(d.pf.netdev, [d.address]);
        }
      const excluded = [...perPf].map(([pf, vfs]) => `${pf}:${vfs.join(';')}`).join(',');
      out.push({
        severity: 'warning',
        message: `${label} offers instances ${used.length} VF(s) that the host itself uses: ${used
          .map((d) => `${describeDevice(d)} under ${hostOwnUppers(d).join(', ')}`)
          .join(
            '; ',
          )}. Nova does not check this: when it gives such a VF to an instance, the VF leaves the host (a direct port rebinds it to vfio-pci, a macvtap port takes its netdev over) and ${used.length > 1 ? 'those interfaces lose' : `${hostOwnUppers(used[0]!).join(', ')} loses`} it`,
        ...(location ? { location } : {}),
        evidence: [
          `${label}: ${specText(p.entry.raw)}`,
          ...used.map((d) => `facts: ${d.netdev ?? d.address} uppers ${d.vf!.uppers.join(', ')}`),
        ],
        fix: `list only the VFs instances may use, one entry per VF address${
          free.length > 0 ? ` (${free.map((d) => `"address": "${d.address}"`).join(', ')})` : ''
        } instead of ${p.spec.devname ? `"devname": "${p.spec.devname}"` : 'the PF address'}, in ${fixTarget(ctx, h)}, and keep the SR-IOV agent off the host's VFs with neutron_sriov_excluded_devices: "${excluded}"; then re-run ${novaPlaybook(ctx.release)} and ${neutronPlaybook(ctx.release)}`,
      });
    }
    return out;
  },
};
