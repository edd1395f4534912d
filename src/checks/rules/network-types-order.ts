import { defLocation, ML2_INI } from '../../deployment/context.js';
import { iniValue, parseListOpt } from '../../openstack/neutron-agent-config.js';
import { isDict, pyStr } from '../../python.js';
import type { HostFinding, Rule } from '../rule.js';

const OVERLAY = ['vxlan', 'geneve', 'gre'];

export const rule: Rule = {
  id: 'SRIOV-PN-009',
  severity: 'warning',
  title: 'A VLAN or flat provider network listed before the overlay makes project networks VLANs',
  rationale:
    "OSA writes project network types in the order provider_networks first names them, and Neutron gives new project networks the first type: a vlan entry (the SR-IOV physnet's) before the vxlan/geneve one turns every self-service network into a VLAN taken from the physnet's range.",
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const option = ctx.release.major >= 33 ? 'project_network_types' : 'tenant_network_types';
    if (!h.groups.has('neutron_server')) return [];
    const raw = h.option(ML2_INI, 'ml2', option).at(-1);
    if (raw === undefined) return [];
    const types = parseListOpt(iniValue(raw));
    const first = types[0];
    const overlay = types.find((t) => OVERLAY.includes(t));
    if (!first || !overlay || OVERLAY.includes(first) || (first !== 'vlan' && first !== 'flat')) return [];
    // The entry that put the first type first, to point at it.
    const pn = h.variable('provider_networks');
    const list = Array.isArray(pn?.value) ? pn.value : [];
    const index = list.findIndex(
      (e) => isDict(e) && isDict(e.network) && pyStr(e.network.type ?? '') === first,
    );
    const loc =
      h.render.providerNetworksSource === 'module' && index >= 0
        ? defLocation(pn?.winner ?? null, [index, 'network', 'type'])
        : h.varLocation(
            h.render.providerNetworksSource === 'module' ? 'provider_networks' : 'neutron_provider_networks',
          );
    const name =
      index >= 0 && isDict(list[index]) && isDict(list[index].network)
        ? pyStr(list[index].network.net_name ?? '')
        : '';
    out.push({
      severity: 'warning',
      message: `[ml2] ${option} = ${types.join(',')}: ${first} comes before ${overlay}, so every project network created without provider attributes is a ${first} network${first === 'vlan' ? " taken from network_vlan_ranges (the SR-IOV physnet's VLANs included)" : ''} instead of ${overlay}; OSA orders the types as provider_networks first names them`,
      ...(loc ? { location: loc } : {}),
      evidence: [
        `ml2_conf.ini [ml2] ${option} = ${raw}`,
        ...(name ? [`first ${first} entry: net_name ${name}`] : []),
      ],
      fix: `list the ${overlay} entry before the ${first} one${name ? ` (${name})` : ''} in provider_networks (openstack_user_config.yml); keep the order if ${first} project networks are what you want`,
    });
    return out;
  },
};
