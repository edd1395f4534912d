import {
  behaviourOf,
  defWhere,
  entryLocation,
  field,
  mapsOn,
  neutronPlaybook,
  pnList,
  sriovDevices,
} from '../../deployment/provider-networks-helpers.js';
import type { FindingLocation } from '../finding.js';
import type { HostFinding, Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-PN-005',
  severity: 'error',
  title: 'A bridge mapping device is an SR-IOV PF on an Open vSwitch or OVN host',
  rationale:
    'With OVS and OVN, OSA makes every network_mappings device an OVS bridge (ovs-vsctl add-br) and a bridge mapping. Pointing host_bind_override (or container_bridge) at the SR-IOV PF gives a bridge named like the PF that has no uplink, so the physnet has no OVS/OVN connectivity on the host.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const b = behaviourOf(ctx);
    if (!h.render.isMetal) return [];
    const drivers = h.mechanismDrivers();
    const ovs = drivers.includes('openvswitch') && h.groups.has('neutron_openvswitch_agent');
    const ovn = drivers.includes('ovn') && h.groups.has('neutron_ovn_controller');
    if (!ovs && !ovn) return [];
    const pn = h.render.providerNetworks;
    const pfs = new Set(sriovDevices(h));
    if (!pn || pfs.size === 0) return [];
    const mappings =
      pn.lists.network_mappings.length > 0
        ? pn.lists.network_mappings
        : pn.network_mappings.split(',').filter((m) => m !== '');
    const seen = new Set<string>();
    for (const m of mappings) {
      const i = m.indexOf(':');
      if (i < 0) continue;
      const physnet = m.slice(0, i).trim();
      const dev = m.slice(i + 1).trim();
      if (!pfs.has(dev) || seen.has(m)) continue;
      seen.add(m);
      let location: FindingLocation | undefined;
      let key = 'network_mappings';
      let where = 'neutron_provider_networks';
      if (h.render.providerNetworksSource === 'neutron_provider_networks') {
        location = h.varLocation('neutron_provider_networks', ['network_mappings']);
        const def = h.variable('neutron_provider_networks')?.winner;
        if (def) where = `network_mappings of neutron_provider_networks in ${defWhere(ctx, def)}`;
      } else {
        const list = pnList(h);
        const e = list?.entries.find(
          (x) =>
            x.netName === physnet &&
            mapsOn(x, h, b) &&
            (field(x, 'host_bind_override') ?? field(x, 'container_bridge')) === dev,
        );
        if (e && list) {
          key = field(e, 'host_bind_override') !== undefined ? 'host_bind_override' : 'container_bridge';
          location = entryLocation(e, key);
          where = `the provider_networks entry for ${physnet} in ${defWhere(ctx, list.def)}`;
        } else {
          location = h.providerNetworkLocation(physnet, 'host_bind_override');
          where = `the provider_networks entry for ${physnet}`;
        }
      }
      const tech = ovn ? 'OVN' : 'Open vSwitch';
      const mappingOpt = ovn ? 'external-ids:ovn-bridge-mappings' : 'bridge_mappings (openvswitch_agent.ini)';
      const fix =
        key === 'network_mappings'
          ? `map ${physnet} to an OVS bridge (e.g. ${physnet}:br-vlan) in ${where}, and add ${dev} to that bridge`
          : b.interfaceMappings
            ? `in ${where}: ${key === 'host_bind_override' ? 'remove host_bind_override (OSA then uses container_bridge, e.g. br-vlan, as the OVS bridge)' : 'set container_bridge to a bridge name such as br-vlan'} and add network_interface: "${dev}", which makes OSA plug the PF into that bridge; OVS ports and VFs then share the PF${ovs && ctx.release.major >= 25 ? ' (OSA enables the fdb extension for that)' : ''}. Then run ${neutronPlaybook(ctx.release)} and delete the stray bridge: ovs-vsctl del-br ${dev}`
            : `in ${where}: ${key === 'host_bind_override' ? 'remove host_bind_override' : 'set container_bridge to a bridge name such as br-vlan'}, and add ${dev} to that bridge on the host (ovs-vsctl add-port br-vlan ${dev}; Rocky's module has no network_interface key). Then run ${neutronPlaybook(ctx.release)} and delete the stray bridge: ovs-vsctl del-br ${dev}`;
      out.push({
        severity: 'error',
        message: `the bridge mapping ${physnet}:${dev} uses ${dev}, which is also an SR-IOV PF of the host (sriov_host_interfaces)${key !== 'network_mappings' ? ` through ${key}` : ''}. With ${tech}, OSA turns every network_mappings device into an OVS bridge: it creates a bridge named ${dev} (openvswitch_bridge, i.e. ovs-vsctl add-br ${dev}) and writes ${physnet}:${dev} into ${mappingOpt}. The PF already owns that name, so OVS cannot create the bridge's internal port (ovs-vswitchd: "could not add network device ${dev} to ofproto (File exists)"), and the PF is no port of that bridge: ${physnet} has no uplink for ${ovn ? 'OVN ports (on gateway chassis also the external ports that answer DHCP and metadata for SR-IOV instances)' : 'OVS ports'} on the hosts with this mapping`,
        ...(location ? { location } : {}),
        evidence: [
          `network_mappings = ${pn.network_mappings}`,
          `network_sriov_mappings = ${pn.network_sriov_mappings}`,
          `mechanism_drivers = ${drivers.join(',')}`,
        ],
        fix,
      });
    }
    return out;
  },
};
