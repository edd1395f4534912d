import { type CheckContext, type DevspecEntry, type HostView, ML2_INI } from '../../deployment/context.js';
import { iniValue, parseListOpt } from '../../openstack/neutron-agent-config.js';
import type { HostFinding, Rule } from '../rule.js';

/** The physnets neutron-server accepts: [ml2_type_vlan] network_vlan_ranges and [ml2_type_flat] flat_networks. */
function serverPhysnets(h: HostView): { vlan: Set<string>; flat: Set<string>; text: string[] } {
  const vlanText = h.option(ML2_INI, 'ml2_type_vlan', 'network_vlan_ranges').at(-1) ?? '';
  const flatText = h.option(ML2_INI, 'ml2_type_flat', 'flat_networks').at(-1) ?? '';
  const vlan = new Set(parseListOpt(iniValue(vlanText)).map((r) => r.split(':')[0]!.trim()));
  const flat = new Set(parseListOpt(iniValue(flatText)));
  return {
    vlan,
    flat,
    text: [`network_vlan_ranges = ${vlanText}`, `flat_networks = ${flatText}`],
  };
}

/** The neutron-servers and the physnets each accepts: the same for every host, read once per run. */
function ml2Servers(ctx: CheckContext) {
  return ctx
    .inGroup('neutron_server')
    .filter((s) => s.hasOption(ML2_INI, 'ml2', 'mechanism_drivers'))
    .map((s) => ({ host: s, ...serverPhysnets(s) }));
}

/** lower-cased physnet → the spelling and entry of its first device_spec tag (Nova compares tags case-insensitively). */
function devspecPhysnets(h: HostView): Map<string, { name: string; entry: DevspecEntry }> {
  const out = new Map<string, { name: string; entry: DevspecEntry }>();
  for (const entry of h.devspec()?.entries ?? []) {
    const p = entry.raw.physical_network;
    if (typeof p === 'string' && p !== '' && !out.has(p.toLowerCase()))
      out.set(p.toLowerCase(), { name: p, entry });
  }
  return out;
}

function devspecFix(h: HostView, physnet: string): string {
  const v = h.devspec()?.varName ?? 'nova_device_spec';
  return `add an entry with "physical_network": "${physnet}" selecting the VFs of that physnet's PF (by PCI address) to ${v} in /etc/openstack_deploy/host_vars/${h.name}.yml, or remove ${physnet} from the host's SR-IOV mappings`;
}

export const rule: Rule = {
  id: 'SRIOV-PHYSNET-001',
  severity: 'error',
  title: 'A physnet is configured on one side of SR-IOV only',
  rationale:
    "Four places must name the same physnets: neutron-server's ML2 ranges, the SR-IOV agent's physical_device_mappings, the Nova device_spec physical_network tags and the networks. A physnet on one side only gives binding_failed or No valid host.",
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const servers = ctx.once(ml2Servers);
    // Neutron compares physnet names exactly; Nova's pools compare the device_spec tag with the
    // network's physnet ignoring case.
    const known = (p: string, ignoreCase: boolean) =>
      servers.some(
        (s) =>
          s.flat.has('*') ||
          [...s.vlan, ...s.flat].some((n) => (ignoreCase ? n.toLowerCase() === p.toLowerCase() : n === p)),
      );
    const agent = h.agent();
    const spec = h.devspec();
    const agentNets = agent?.mappings ? agent.physnets : [];
    const specNets = spec ? devspecPhysnets(h) : new Map<string, { name: string; entry: DevspecEntry }>();
    const specLoc = h.devspecLocation(null);
    const agentEvidence = agent
      ? `sriov_nic_agent.ini physical_device_mappings = ${agent.mappingsText}`
      : null;
    const specEvidence = spec ? `nova.conf [${spec.section}] ${spec.option} = ${spec.lines.join(' ')}` : null;
    if (h.isCompute && agent?.mappings && spec && spec.entries.length > 0) {
      for (const p of agentNets) {
        if (specNets.has(p.toLowerCase())) continue;
        out.push({
          severity: 'error',
          message: `physnet ${p} is in the SR-IOV agent's physical_device_mappings but in no Nova device_spec physical_network tag: Nova has no VF for ${p} on this host, so instances with ports on ${p} fail with "No valid host was found"`,
          ...(specLoc ? { location: specLoc } : {}),
          evidence: [agentEvidence!, specEvidence!],
          fix: devspecFix(h, p),
        });
      }
      const agentLower = new Set(agentNets.map((p) => p.toLowerCase()));
      for (const [lower, { name: p, entry }] of specNets) {
        if (agentLower.has(lower)) continue;
        const loc = h.devspecLocation(entry, 'physical_network');
        out.push({
          severity: 'error',
          message: `the Nova device_spec tags physical_network ${p} but the SR-IOV agent maps no ${p}: Nova places instances here and Neutron then cannot bind their ports (binding_failed)`,
          ...(loc ? { location: loc } : {}),
          evidence: [specEvidence!, agentEvidence!],
          fix: `map ${p} to this host's PF: sriov_host_interfaces of the provider_networks entry with net_name ${p} (openstack_user_config.yml), or fix the physical_network tag in ${spec.varName ?? 'nova_device_spec'}`,
        });
      }
    }
    if (servers.length === 0) return out;
    const fromSpec = new Map([...(h.isCompute ? specNets.values() : [])].map((s) => [s.name, s.entry]));
    const mine = new Set([...agentNets, ...fromSpec.keys()]);
    for (const p of mine) {
      const inAgent = agentNets.includes(p);
      if (known(p, !inAgent)) continue;
      const loc = inAgent
        ? h.providerNetworkLocation(p)
        : h.devspecLocation(fromSpec.get(p) ?? null, 'physical_network');
      out.push({
        severity: 'error',
        message: `physnet ${p} (${inAgent ? "in the SR-IOV agent's mappings" : 'in the Nova device_spec'}) is unknown to neutron-server's ML2 configuration: no vlan or flat network can be created on it`,
        ...(loc ? { location: loc } : {}),
        evidence: [
          ...(inAgent ? [agentEvidence!] : [specEvidence!]),
          ...servers.map((s) => `${s.host.name} ml2_conf.ini ${s.text.join('; ')}`),
        ],
        fix: `give the provider_networks entry for ${p} a type (vlan with a quoted range, or flat) and net_name ${p}, with group_binds that include neutron_server's hosts (openstack_user_config.yml)`,
      });
    }
    return out;
  },
};
