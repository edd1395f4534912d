import {
  describeDevice,
  entryLabel,
  entryLocation,
  fixTarget,
  matchHost,
  novaPlaybook,
  physnetOf,
  specText,
  vfKeys,
} from '../../deployment/devspec-helpers.js';
import type { HostFinding, Rule } from '../rule.js';

const hasPhysnet = (raw: Record<string, unknown>) => Boolean(raw.physical_network);

export const rule: Rule = {
  id: 'SRIOV-DEVSPEC-006',
  severity: 'error',
  title: 'The device_spec makes both a PF and its VFs assignable',
  rationale:
    'A PF address or devname (or a spec without product_id) also matches the PF itself: the PF can then be handed out whole, which takes its VFs away, and with [pci] report_in_placement nova-compute refuses to start.',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const m = matchHost(h);
    if (!m) return [];
    const v = h.devspec()!;
    const placement = v.reportInPlacement && ctx.release.major >= 26;
    for (const pf of m.devices) {
      if (pf.dev_type !== 'type-PF') continue;
      const iPf = m.first.get(pf);
      if (iPf === null || iPf === undefined) continue;
      const vfs = m.devices.filter((d) => d.parent_addr === pf.address && m.first.get(d) != null);
      if (vfs.length === 0) continue;
      const pfEntry = m.pairs[iPf]!;
      const vfEntries = [...new Set(vfs.map((d) => m.first.get(d)!))].map((i) => m.pairs[i]!);
      const same = vfEntries.length === 1 && vfEntries[0]!.index === iPf;
      // PCI-in-Placement skips devices whose spec has a physical_network (Neutron's, legacy tracker).
      const refused =
        placement && !hasPhysnet(pfEntry.entry.raw) && vfEntries.some((e) => !hasPhysnet(e.entry.raw));
      const label = entryLabel(iPf, m.pairs.length);
      const why = pfEntry.spec.devname
        ? `"devname": "${pfEntry.spec.devname}" names the PF, and a PF's devname matches the PF as well as its VFs`
        : pfEntry.spec.address?.isPhysicalFunction
          ? `"address": "${pfEntry.spec.address.toString()}" is the PF, and a PF address matches the PF as well as its VFs`
          : pfEntry.spec.productId === '*'
            ? 'it has no product_id, so it matches the PF as well as the VFs'
            : 'its vendor, product and address match the PF too';
      const by = same
        ? label
        : `${label} (the PF) and ${vfEntries.map((e) => entryLabel(e.index, m.pairs.length)).join(', ')} (the VFs)`;
      const vfId = pf.pf?.vfDeviceId;
      const message = refused
        ? `${by} make${same ? 's' : ''} both ${describeDevice(pf)} and its ${vfs.length} VF(s) assignable, and [pci] report_in_placement is true: nova-compute does not start ("Configuring both … and … in [pci]device_spec is not supported. Either the parent PF or its children VFs can be configured.")`
        : `${by} make${same ? 's' : ''} ${describeDevice(pf)} assignable as well as its ${vfs.length} VF(s)${same ? `: ${why}` : ''}. Nova keeps the PF away from direct and macvtap ports, but a direct-physical port (or a flavor alias for a type-PF device) on ${physnetOf(pfEntry.entry.raw)} can take the whole PF while no VF is in use: its VFs then disappear from Nova and from the host, together with the host's own use of ${pf.netdev ?? 'the PF'}`;
      const location = entryLocation(h, pfEntry.entry, pfEntry.spec.devname ? 'devname' : 'address');
      out.push({
        severity: refused ? 'error' : 'warning',
        message,
        ...(location ? { location } : {}),
        evidence: [
          `${label}: ${specText(pfEntry.entry.raw)}`,
          `matches ${describeDevice(pf)} (type-PF) and ${vfs.map(describeDevice).join(', ')}`,
          ...(placement ? ['nova.conf [pci] report_in_placement = true'] : []),
        ],
        fix: `select the VFs only: ${
          same && pf.pf
            ? `in ${label}, use ${vfKeys(pf.pf)} (the VF device id)${pfEntry.spec.devname ? ' instead of "devname"' : ''}`
            : `restrict ${label}, which matches the PF, with "product_id": "${vfId ?? '<VF device id>'}" or remove it`
        }, in ${fixTarget(ctx, h)}; then re-run ${novaPlaybook(ctx.release)}`,
      });
    }
    return out;
  },
};
