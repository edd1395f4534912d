import type { CheckContext, HostView } from '../../deployment/context.js';
import {
  defFile,
  entryLocation,
  fixTarget,
  novaPlaybook,
  specSource,
  specText,
  specVarName,
} from '../../deployment/devspec-helpers.js';
import type { HostFacts } from '../../facts/host-facts.js';
import { pyRepr, pyStr } from '../../python.js';
import type { HostFinding, Rule } from '../rule.js';

interface Resolved {
  /** The replacement keys for devname. */
  keys: Record<string, string>;
  what: string;
}

/** What Nova's get_function_by_ifname would find for the name on this host (from facts). */
function resolve(facts: HostFacts, name: string): Resolved | null {
  for (const pf of facts.pfs) {
    if (pf.netdev === name && pf.pciAddress) {
      const isPf = (pf.totalVfs ?? 0) > 0;
      if (isPf)
        return {
          keys: {
            address: pf.pciAddress,
            ...(pf.vendorId ? { vendor_id: pf.vendorId } : {}),
            product_id: pf.vfDeviceId ?? '<VF device id: sriov_vf_device>',
          },
          what: `${name} is the PF ${pf.pciAddress} (${pf.vendorId ?? '?'}:${pf.deviceId ?? '?'}); its VFs are ${pf.vendorId ?? '?'}:${pf.vfDeviceId ?? '?'}. The PF address with the VF product id selects its VFs and keeps the PF itself off the list`,
        };
      return { keys: { address: pf.pciAddress }, what: `${name} is ${pf.pciAddress}` };
    }
    const vf = pf.vfs.find((x) => x.netdev === name);
    if (vf?.pciAddress)
      return {
        keys: { address: vf.pciAddress },
        what: `${name} is VF ${vf.index} of ${pf.netdev ?? pf.pciAddress} at ${vf.pciAddress}`,
      };
  }
  const nic = facts.otherNics.find((n) => n.netdevs.includes(name));
  return nic ? { keys: { address: nic.pciAddress }, what: `${name} is ${nic.pciAddress}` } : null;
}

const keysText = (k: Record<string, string>) =>
  Object.entries(k)
    .map(([a, b]) => `"${a}": "${b}"`)
    .join(', ');

export const rule: Rule = {
  id: 'SRIOV-DEVSPEC-004',
  severity: 'error',
  title: 'A device_spec entry selects devices by netdev name (devname)',
  rationale:
    'devname is looked up in /sys/class/net whenever Nova matches devices, so a renamed NIC (ens7f0 → ens7f0np0) or a PF bound to vfio-pci silently leaves the host without VFs; with [pci] report_in_placement Nova refuses devname and does not start.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const v = h.devspec();
    if (!v) return [];
    const placement = v.reportInPlacement && ctx.release.major >= 26;
    const src = specSource(h);
    const file = defFile(ctx, src?.def);
    for (const entry of v.entries) {
      const dn = entry.raw.devname;
      if (dn === undefined || dn === null || dn === '' || dn === false || dn === 0) continue;
      const name = pyStr(dn);
      const location = entryLocation(h, entry, 'devname');
      const res = h.facts ? resolve(h.facts, name) : null;
      const message = placement
        ? `"devname": "${name}" is refused because [pci] report_in_placement is true: nova-compute does not start ("Failed to gather or report PCI resources to Placement: Invalid [pci]device_spec configuration. PCI Placement reporting does not support 'devname' based device specification but we got ${pyRepr(entry.raw)}. Please use PCI address in the configuration instead.")`
        : `"devname": "${name}" ties the spec to a netdev name, which Nova looks up in /sys/class/net whenever it matches devices (at start and on every resource update): after a rename (ens7f0 → ens7f0np0 after a driver, firmware or naming-policy change), or with the PF bound to vfio-pci or moved to another namespace, the spec silently matches nothing and the host offers no VFs${ctx.release.major >= 26 ? '; Nova also refuses devname once [pci] report_in_placement is enabled' : ''}`;
      out.push({
        severity: placement ? 'error' : 'warning',
        message,
        ...(location ? { location } : {}),
        evidence: [
          `nova.conf [${v.section}] ${v.option} entry: ${specText(entry.raw)}`,
          ...(placement ? ['nova.conf [pci] report_in_placement = true'] : []),
          ...(res ? [`facts: ${res.what}`] : h.facts ? [`facts: no netdev ${name} on this host`] : []),
        ],
        fix: fixText(ctx, h, name, res, file),
      });
    }
    return out;
  },
};

function fixText(
  ctx: CheckContext,
  h: HostView,
  name: string,
  res: Resolved | null,
  file: string | null,
): string {
  // Per-host values: with facts the host's own file, else a host-independent text (merged across hosts).
  const global = file && !file.includes('/host_vars/');
  const where = h.facts
    ? fixTarget(ctx, h)
    : `${specVarName(ctx.release)} in /etc/openstack_deploy/host_vars/<host>.yml${global ? ` (and take it out of ${file}, whose value would mask the per-host ones)` : ''}`;
  if (res)
    return `replace "devname": "${name}" with ${keysText(res.keys)} in ${where}; then re-run ${novaPlaybook(ctx.release)}`;
  if (h.facts)
    return `the facts show no netdev ${name} on this host (see SRIOV-DEVSPEC-007); write the PF's PCI address instead of "devname" in ${where}`;
  return `replace "devname" with the PF's PCI address ("address": "<bus-info of ethtool -i ${name}>"), plus "vendor_id" and the VF "product_id" (the PF's /sys/class/net/${name}/device/sriov_vf_device), in ${where}; with --facts this check prints the exact values`;
}
