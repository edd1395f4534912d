import type { CheckContext, HostView } from '../../deployment/context.js';
import { mappingPhysnets, neutronPlaybook, sriovEntryLocation } from '../../deployment/vars-helpers.js';
import type { FindingLocation, RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

/** The group whose hosts OSA marks ovn-cms-options=enable-chassis-as-gw, by release. */
function gatewayGroup(ctx: CheckContext): string {
  return ctx.release.major >= 26 ? 'neutron_ovn_gateway' : 'neutron_ovn_controller';
}

/** The host group operators list gateway hosts under (Zed and later). */
function gatewayHostGroup(ctx: CheckContext): string {
  return ctx.release.major >= 33 ? 'network_gateway_hosts' : 'network-gateway_hosts';
}

/** SR-IOV physnets: the agents' mappings, then device_spec tags no agent spells the same way. */
function sriovPhysnets(ctx: CheckContext): Map<string, HostView> {
  const out = new Map<string, HostView>();
  const computesFirst = [...ctx.allHosts()].sort((a, b) => Number(b.isCompute) - Number(a.isCompute));
  for (const h of computesFirst) {
    if (!h.runsSriovAgent) continue;
    for (const p of h.agent()?.physnets ?? []) if (!out.has(p)) out.set(p, h);
  }
  const lower = new Set([...out.keys()].map((p) => p.toLowerCase()));
  for (const h of ctx.allHosts()) {
    if (!h.isCompute) continue;
    for (const e of h.devspec()?.entries ?? []) {
      const p = e.raw.physical_network;
      if (typeof p !== 'string' || p === '' || lower.has(p.toLowerCase())) continue;
      lower.add(p.toLowerCase());
      out.set(p, h);
    }
  }
  return out;
}

function bridgeMappings(h: HostView): string {
  return h.render.providerNetworks?.network_mappings ?? '';
}

/** Where to add the gateway group: the physnet entry's group_binds (or the hand-written dict). */
function entryLocation(h: HostView, physnet: string): FindingLocation | undefined {
  return sriovEntryLocation(h, physnet, 'group_binds');
}

export const rule: Rule = {
  id: 'SRIOV-OVN-001',
  severity: 'error',
  title: 'OVN with SR-IOV: no gateway chassis maps the SR-IOV physnet',
  rationale:
    'ML2/OVN turns every SR-IOV port into an OVN external port, which is served (DHCP, metadata) by a gateway or extport chassis with a bridge mapping for its physnet; OSA only marks neutron_ovn_gateway hosts as such chassis.',
  needs: 'config',
  scope: 'deployment', // compares the gateway chassis' bridge mappings with the SR-IOV physnets of all hosts
  run(ctx) {
    if (ctx.release.major <= 18) return [];
    const neutronHosts = ctx.inGroup('neutron_server').filter((h) => h.mechanismDrivers().length > 0);
    const deciders = neutronHosts.length > 0 ? neutronHosts : ctx.inGroup('neutron_all');
    const ovnSriov = deciders.some((h) => {
      const d = h.mechanismDrivers();
      return d.includes('ovn') && d.includes('sriovnicswitch');
    });
    if (!ovnSriov) return [];
    const physnets = sriovPhysnets(ctx);
    if (physnets.size === 0) return [];
    const group = gatewayGroup(ctx);
    const gateways = ctx.inGroup(group).filter((h) => h.groups.has('neutron_ovn_controller'));
    const out: RuleFinding[] = [];
    const gwEvidence = gateways.map(
      (g) => `${g.name} (${group}): ovn-bridge-mappings=${bridgeMappings(g) || '(none)'}`,
    );
    for (const [physnet, example] of physnets) {
      const serving = gateways.filter((g) => mappingPhysnets(bridgeMappings(g)).includes(physnet));
      if (serving.length > 0) continue;
      const location = entryLocation(example, physnet);
      const why =
        gateways.length === 0
          ? `no host is in ${group}, so OSA sets ovn-cms-options=enable-chassis-as-gw on no chassis`
          : `OSA sets ovn-cms-options=enable-chassis-as-gw only on the ${group} hosts (${gateways.map((g) => g.name).join(', ')}) and none of them has a bridge mapping for ${physnet}`;
      out.push({
        severity: 'error',
        message: `SR-IOV ports on physnet ${physnet} have no OVN chassis to serve them: ML2/OVN makes every direct, macvtap and direct-physical port an OVN "external" port, answered (DHCP, and metadata where supported) by a chassis with enable-chassis-as-gw or enable-chassis-as-extport-host and an ovn-bridge-mappings entry for the physnet; ${why}. SR-IOV instances on ${physnet} get no DHCP lease. (OSA never sets enable-chassis-as-extport-host; ignore this if you set it by hand on hosts that map ${physnet}.)`,
        ...(location ? { location } : {}),
        evidence: [
          `mechanism_drivers = ${deciders[0]!.mechanismDrivers().join(',')}`,
          `${example.name} uses SR-IOV on ${physnet}`,
          ...(gwEvidence.length > 0 ? gwEvidence : [`no host in ${group}`]),
        ],
        fix:
          ctx.release.major >= 26
            ? `add ${group} to group_binds of the provider_networks entry with net_name ${physnet} (openstack_user_config.yml) so the gateway hosts get a ${physnet} bridge mapping (their bridge needs an uplink on that network: network_interface), ${gateways.length === 0 ? `list the gateway hosts under ${gatewayHostGroup(ctx)}, ` : ''}then run ${neutronPlaybook(ctx.release)}`
            : `give the neutron_ovn_controller hosts (OSA ${ctx.release.series} makes them all gateways) a bridge mapping for ${physnet}: include neutron_ovn_controller in group_binds of the provider_networks entry with net_name ${physnet} (openstack_user_config.yml), then run ${neutronPlaybook(ctx.release)}`,
      });
    }
    return out;
  },
};
