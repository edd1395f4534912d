import {
  describeDevice,
  entryLabel,
  entryLocation,
  fixTarget,
  isNetworkSpec,
  matches,
  matchHost,
  novaPlaybook,
  pfIdInsteadOfVfId,
  physnetOf,
  specText,
} from '../../deployment/devspec-helpers.js';
import type { HostFinding, Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-DEVSPEC-008',
  severity: 'error',
  title: "A device_spec product_id is the PF's device id, not its VFs'",
  rationale:
    "VFs have their own PCI device id (the PF's sriov_vf_device): a spec with the PF's id selects the PF itself, which Nova gives only to direct-physical ports, or nothing, so direct and macvtap ports find no VF.",
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const m = matchHost(h);
    if (!m) return [];
    for (const p of m.pairs) {
      if (!isNetworkSpec(p.entry.raw)) continue;
      const pfs = pfIdInsteadOfVfId(p.spec, m.devices);
      if (pfs.length === 0) continue;
      const label = entryLabel(p.index, m.pairs.length);
      const selectsPf = pfs.filter((d) => matches(p.spec, d));
      const vfIds = [...new Set(pfs.map((d) => d.pf!.vfDeviceId!))];
      const location = entryLocation(h, p.entry, 'product_id');
      out.push({
        severity: 'error',
        message: `${label} has "product_id": "${p.spec.productId}", the device id of ${pfs.map(describeDevice).join(', ')}; ${pfs.length > 1 ? 'their' : 'its'} VFs have ${vfIds.join(', ')}. So the spec ${
          selectsPf.length === 0
            ? 'selects nothing'
            : selectsPf.length > 1
              ? 'selects these PFs themselves (type-PF devices, which Nova gives only to direct-physical ports)'
              : 'selects the PF itself (a type-PF device, which Nova gives only to direct-physical ports)'
        } and no VF: direct and macvtap ports on ${physnetOf(p.entry.raw)} find no VF here ("No valid host was found")`,
        ...(location ? { location } : {}),
        evidence: [
          `${label}: ${specText(p.entry.raw)}`,
          ...pfs.map(
            (d) =>
              `facts: ${d.netdev ?? d.address} device ${d.product_id}, sriov_vf_device ${d.pf!.vfDeviceId}`,
          ),
        ],
        fix: `set "product_id": "${vfIds[0]}" (the VF device id)${vfIds.length > 1 ? ' or one entry per PF model' : ''} in ${fixTarget(ctx, h)}${p.spec.devname || (p.spec.address && p.spec.address.toString() !== '*:*:*.*') ? '' : `, and add the "address" of the PF whose VFs you want (${pfs.map((d) => `${d.netdev ?? '?'} ${d.address}`).join(', ')})`}; if you meant whole-PF passthrough for direct-physical ports, ignore this; then re-run ${novaPlaybook(ctx.release)}`,
      });
    }
    return out;
  },
};
