import {
  behaviourOf,
  defWhere,
  entryKeyLocation,
  entryLocation,
  entryName,
  field,
  mapsOn,
  moduleFailureText,
  neutronPlaybook,
  pnList,
} from '../../deployment/provider-networks-helpers.js';
import { pyRepr, pyStr, pyType } from '../../python.js';
import type { HostFinding, Rule } from '../rule.js';

/** Linux refuses interface names with white space or '/', and longer than 15 bytes (dev_valid_name). */
function badName(name: string): string | null {
  if (/\s/.test(name)) return 'contains white space';
  if (name.includes(';')) return 'contains ";"';
  if (name.includes('/')) return 'contains "/"';
  if (Buffer.byteLength(name) > 15) return 'is longer than the 15 characters a Linux interface name can have';
  return null;
}

export const rule: Rule = {
  id: 'SRIOV-PN-003',
  severity: 'error',
  title: 'sriov_host_interfaces is not a comma-separated string of interface names',
  rationale:
    "The provider_networks module calls .split(',') on sriov_host_interfaces: a YAML list (or an empty value) makes it fail, and names joined by spaces or ';' become one device name no interface can have.",
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const b = behaviourOf(ctx);
    const list = pnList(h);
    if (!list) return [];
    for (const e of list.entries) {
      if (!mapsOn(e, h, b)) continue;
      const v = field(e, 'sriov_host_interfaces');
      if (v === undefined) continue;
      // Only for a finding: a path to resolve, on every host.
      const where = () => defWhere(ctx, list.def);
      if (typeof v !== 'string') {
        const t = pyType(v);
        const shape =
          t === 'list' ? 'a YAML list' : v === null ? 'empty (YAML null)' : `a YAML ${t} (${pyRepr(v)})`;
        const wanted = Array.isArray(v)
          ? `"${v.map(pyStr).join(',')}"`
          : v === null
            ? '"<pf>[,<pf>...]" or remove the key'
            : `"${pyStr(v)}"`;
        const loc = entryKeyLocation(e, 'sriov_host_interfaces');
        out.push({
          severity: 'error',
          message: `${entryName(e)}: sriov_host_interfaces is ${shape}, not a string: the provider_networks module calls .split(',') on it and fails: ${moduleFailureText('AttributeError', `'${t}' object has no attribute 'split'`)}. No neutron configuration is written on the hosts bound to this entry`,
          ...(loc ? { location: loc } : {}),
          evidence: [`sriov_host_interfaces = ${pyRepr(v)} (${t})`],
          fix: `write one comma-separated string without spaces in ${where()}: sriov_host_interfaces: ${wanted}; then run ${neutronPlaybook(ctx.release)}`,
        });
        continue;
      }
      const items = v.split(',').map((i) => i.trim());
      const bad = items
        .map((name) => ({ name, why: badName(name) }))
        .filter((x): x is { name: string; why: string } => x.why !== null);
      if (bad.length === 0) continue;
      const physnet = e.netName ?? '?';
      const names = bad.map((x) => `"${x.name}" (${x.why})`).join(', ');
      const suggestion = items
        .flatMap((i) => i.split(/[\s;/]+/))
        .filter((i) => i !== '')
        .join(',');
      const loc = entryLocation(e, 'sriov_host_interfaces');
      out.push({
        severity: 'error',
        message: `${entryName(e)}: sriov_host_interfaces "${v}" gives the SR-IOV agent the device ${names}, a name no Linux interface can have: the module splits only on "," and Neutron strips only the ends of each item, so the agent accepts the mapping "${physnet}:${bad[0]!.name}", finds no such PF and manages no VFs for it, while it still reports ${physnet} to neutron-server, which binds ${physnet} ports to the host. Those ports stay DOWN and nova-compute gives up waiting for network-vif-plugged ("Failed to allocate the network(s), not rescheduling")`,
        ...(loc ? { location: loc } : {}),
        evidence: [
          `sriov_host_interfaces = ${JSON.stringify(v)}`,
          `network_sriov_mappings items: ${v
            .split(',')
            .map((i) => JSON.stringify(`${physnet}:${i}`))
            .join(', ')}`,
        ],
        fix: `separate the PF names with commas only, in ${where()}: sriov_host_interfaces: "${suggestion}"; then run ${neutronPlaybook(ctx.release)}`,
      });
    }
    return out;
  },
};
