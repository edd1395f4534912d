import { describeDevice, entryLabel, matchHost, specVarName } from '../../deployment/devspec-helpers.js';
import { parseExcludeDevices, parseListOpt } from '../../openstack/neutron-agent-config.js';
import type { HostFinding, Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-AGENT-003',
  severity: 'error',
  title: 'VFs excluded from the SR-IOV agent are still offered by Nova',
  rationale:
    'exclude_devices keeps VFs away from the agent, not from Nova: a device_spec that still selects them lets Nova give one to a port the agent never configures, and the port stays DOWN.',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const agent = h.agent();
    const m = matchHost(h);
    if (!agent?.mappings || !m || agent.excludeText.trim() === '') return [];
    let excluded: Record<string, string[]>;
    try {
      excluded = parseExcludeDevices(parseListOpt(agent.excludeText));
    } catch {
      return []; // SRIOV-AGENT-002 reports a malformed value
    }
    const offered = m.devices.filter(
      (d) =>
        d.dev_type === 'type-VF' &&
        d.pf?.netdev != null &&
        (excluded[d.pf.netdev] ?? []).includes(d.address) &&
        m.first.get(d) != null,
    );
    if (offered.length === 0) return [];
    const entries = [...new Set(offered.map((d) => m.first.get(d)!))].map((i) => m.pairs[i]!);
    const loc = h.varLocation('neutron_sriov_excluded_devices');
    const specVar = h.devspec()?.varName ?? specVarName(ctx.release);
    out.push({
      severity: 'error',
      message: `${offered.length} VF(s) excluded from the SR-IOV agent are still selected by the Nova device_spec (${entries.map((e) => entryLabel(e.index, m.pairs.length)).join(', ')}): Nova can give one to a direct or macvtap port, Neutron binds it, but the agent never manages that VF (no MAC, VLAN or link state set), so the port stays DOWN and nova-compute, waiting for its vif-plugged event, fails the build after vif_plugging_timeout (300 s by default)`,
      ...(loc ? { location: loc } : {}),
      evidence: [
        `exclude_devices = ${agent.excludeText}`,
        ...offered.slice(0, 8).map(describeDevice),
        ...(offered.length > 8 ? [`… and ${offered.length - 8} more`] : []),
      ],
      fix: `keep the same VFs out of Nova too: in ${specVar} (host_vars/${h.name}.yml) select only the VFs the agent manages, by VF address (one entry per VF, or an address pattern that leaves the excluded ones out), or drop them from neutron_sriov_excluded_devices if they are meant for instances`,
    });
    return out;
  },
};
