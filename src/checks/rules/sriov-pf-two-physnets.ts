import {
  agentOptionVar,
  behaviourOf,
  defWhere,
  neutronPlaybook,
  pnList,
  sriovMappingLocation,
} from '../../deployment/provider-networks-helpers.js';
import type { HostFinding, Rule } from '../rule.js';

function fixFor(from: string | null, pf: string, physnets: string[], where: string): string {
  const keep = physnets[0]!;
  const drop = physnets.slice(1).join(' and ');
  if (from === 'neutron_sriov_nic_agent_ini_overrides')
    return `keep ${pf} under one physnet (${keep}) in neutron_sriov_nic_agent_ini_overrides.sriov_nic.physical_device_mappings, or give ${drop} another PF`;
  if (from === 'neutron_provider_networks')
    return `keep ${pf} under one physnet (${keep}) in network_sriov_mappings of the hand-written neutron_provider_networks, or give ${drop} another PF`;
  return `remove ${pf} from sriov_host_interfaces of the provider_networks entry for ${drop} in ${where}, or give that physnet another PF: a PF belongs to exactly one physnet (to carry more VLANs on one PF, widen the range of its physnet)`;
}

export const rule: Rule = {
  id: 'SRIOV-PN-004',
  severity: 'error',
  title: 'One SR-IOV PF is mapped to two physnets on a host',
  rationale:
    "Neutron's SR-IOV agent parses physical_device_mappings without checking that a PF appears once, so it silently serves one PF's VFs under two physnets: the physnets are no longer separate networks, and Nova can give each VF only one physical_network.",
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const b = behaviourOf(ctx);
    const agent = h.agent();
    if (!agent?.mappings) return [];
    const byDevice = new Map<string, string[]>();
    for (const [physnet, devices] of Object.entries(agent.mappings))
      for (const d of devices) byDevice.set(d, [...(byDevice.get(d) ?? []), physnet]);
    for (const [pf, physnets] of byDevice) {
      if (physnets.length < 2) continue;
      const from = agentOptionVar(h, 'physical_device_mappings');
      const pnEntries = pnList(h);
      const where = pnEntries ? defWhere(ctx, pnEntries.def) : 'openstack_user_config.yml';
      const loc = sriovMappingLocation(h, physnets.at(-1)!, pf, b);
      const list = physnets.join(' and ');
      out.push({
        severity: 'error',
        message: `PF ${pf} is mapped to ${physnets.length} physnets (${list}) in the SR-IOV agent's physical_device_mappings. Neutron does not refuse it (parse_mappings with unique_keys=False checks no values): the agent reports ${pf} under each physnet and neutron-server binds ports of ${list} to VFs of the same PF. Both physnets then leave through one uplink: if their VLAN ranges overlap, the same VLAN id given to a network on each physnet joins the two networks on that wire. Nova tags each VF with one physical_network only (the first device_spec that matches), so the VFs of ${pf} serve one of the physnets and ports on the other find no VF on this PF ("No valid host was found"); with bandwidth QoS the PF's resource provider carries one physnet trait only`,
        ...(loc ? { location: loc } : {}),
        evidence: [`sriov_nic_agent.ini [sriov_nic] physical_device_mappings = ${agent.mappingsText}`],
        fix: `${fixFor(from, pf, physnets, where)}; then run ${neutronPlaybook(ctx.release)}`,
      });
    }
    return out;
  },
};
