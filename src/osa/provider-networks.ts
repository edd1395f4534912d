// OSA's `provider_networks` module (openstack-ansible-plugins), emulated per release.
// It runs once per host with that host's own provider_networks value, group_names and
// is_metal, and returns the comma-joined strings the os_neutron templates use.
// Behaviour by release: ../shared/spec/osa.md §2 and §6.
import {
  getItem,
  isDict,
  PyException,
  type PyValue,
  pyRepr,
  pySet,
  pyStr,
  pyStrip,
  pyType,
  split,
} from '../python.js';
import type { Release } from './releases.js';

export interface ProviderNetworksBehaviour {
  /** Rocky: neutron_server hosts also get mappings (and geneve is an unknown type). */
  serverGetsMappings: boolean;
  geneve: boolean;
  interfaceMappings: boolean;
  vlanRangeOptional: boolean;
  bondMappings: boolean;
  referenceGroup: boolean;
  /** How network_mappings is joined: Rocky in order; Stein–2023.2 via set() (random order); 2024.1+ sorted. */
  mappingsOrder: 'insertion' | 'unordered' | 'sorted';
}

export function providerNetworksBehaviour(release: Release): ProviderNetworksBehaviour {
  const m = release.major;
  return {
    serverGetsMappings: m <= 18,
    geneve: m >= 19,
    interfaceMappings: m >= 19,
    vlanRangeOptional: m >= 24,
    bondMappings: m >= 24,
    referenceGroup: m >= 25,
    mappingsOrder: m <= 18 ? 'insertion' : m <= 28 ? 'unordered' : 'sorted',
  };
}

export interface ProviderNetworksInput {
  providerNetworks: unknown;
  isMetal: boolean;
  bindPrefix: string | null;
  groupNames: readonly string[];
}

/** The module's return values (the *_list keys hold the lists before joining). */
export interface ProviderNetworksOutput {
  network_types: string;
  network_vlan_ranges: string;
  network_vxlan_ranges: string;
  network_geneve_ranges?: string;
  network_flat_networks: string;
  network_mappings: string;
  network_sriov_mappings: string;
  network_interface_mappings?: string;
  network_bond_interfaces_mappings?: string;
  lists: {
    network_vlan_ranges: string[];
    network_flat_networks: string[];
    network_mappings: string[];
    network_sriov_mappings: string[];
    network_interface_mappings: string[];
  };
  /** True where this release joins network_mappings through a set(): its order differs run to run. */
  mappingsUnordered: boolean;
}

export type ProviderNetworksResult =
  | { ok: true; value: ProviderNetworksOutput }
  | { ok: false; error: PyException };

/** ','.join(items): every item must be a str, as in Python. */
function join(items: unknown[], path: Array<string | number>): string {
  items.forEach((item, i) => {
    if (typeof item !== 'string') {
      throw new PyException(
        'TypeError',
        `sequence item ${i}: expected str instance, ${pyType(item)} found`,
        path,
      );
    }
  });
  return items.join(',');
}

function has(d: unknown, key: string): boolean {
  return isDict(d) && key in d;
}

function run(input: ProviderNetworksInput, b: ProviderNetworksBehaviour): ProviderNetworksOutput {
  const groups = new Set(input.groupNames);
  const isServer = groups.has('neutron_server');
  const types: string[] = [];
  const vlan: string[] = [];
  const vxlan: unknown[] = [];
  const geneve: unknown[] = [];
  const flat: string[] = [];
  const mappings: string[] = [];
  const sriov: string[] = [];
  const ifaces: string[] = [];
  const bonds: string[] = [];
  const nets = input.providerNetworks;
  if (!Array.isArray(nets)) {
    throw new PyException('TypeError', `provider_networks must be a list, not ${pyType(nets)}`, []);
  }
  nets.forEach((item, i) => {
    const net = getItem(item, 'network', [i]);
    const at = [i, 'network'];
    const inRef = b.referenceGroup ? refOk(net, groups, at) : true;
    const bound = () =>
      [...pySet(getItem(net, 'group_binds', at), [...at, 'group_binds'])].some((g) => groups.has(g));
    const type = getItem(net, 'type', at);
    const netName = () => pyStr(getItem(net, 'net_name', at));
    if (type === 'vlan') {
      if ((bound() && inRef) || isServer) {
        if (!types.includes('vlan')) types.push('vlan');
        if (has(net, 'range') || !b.vlanRangeOptional) {
          for (const r of split(getItem(net, 'range', at), ',', [...at, 'range']))
            vlan.push(`${netName()}:${pyStrip(r)}`);
        } else {
          vlan.push(netName());
        }
      }
    } else if (type === 'vxlan') {
      if (!types.includes('vxlan')) {
        types.push('vxlan');
        vxlan.push(getItem(net, 'range', at));
      }
    } else if (type === 'geneve' && b.geneve) {
      if (!types.includes('geneve')) {
        types.push('geneve');
        geneve.push(getItem(net, 'range', at));
      }
    } else if (type === 'flat') {
      if ((bound() && inRef) || isServer) {
        if (!types.includes('flat')) types.push('flat');
        flat.push(netName());
      }
    }
    const excluded = b.geneve ? ['raw', 'vxlan', 'geneve'] : ['raw', 'vxlan'];
    if (typeof type === 'string' && excluded.includes(type)) return;
    const applies = b.serverGetsMappings ? bound() || isServer : bound() && inRef;
    if (!applies || !has(net, 'net_name')) return;
    let device: PyValue;
    if (input.isMetal)
      device = has(net, 'host_bind_override')
        ? getItem(net, 'host_bind_override', at)
        : getItem(net, 'container_bridge', at);
    else device = getItem(net, 'container_interface', at);
    let dev = pyStr(device);
    if (input.bindPrefix) dev = `${input.bindPrefix}-${dev}`;
    mappings.push(`${netName()}:${dev}`);
    if (b.interfaceMappings && has(net, 'network_interface')) {
      ifaces.push(
        `${pyStr(getItem(net, 'container_bridge', at))}:${pyStr(getItem(net, 'network_interface', at))}`,
      );
    }
    if (b.bondMappings && has(net, 'network_bond_interfaces')) {
      const d = net as Record<string, PyValue>;
      bonds.push(
        pyRepr({
          bridge: getItem(net, 'container_bridge', at),
          interfaces: d.network_bond_interfaces ?? null,
          bond_mode: d.bond_mode ?? 'active-backup',
          lacp: d.lacp ?? 'off',
          bond_updelay: d.bond_updelay ?? 100,
          bond_downdelay: d.bond_downdelay ?? 100,
        }),
      );
    }
    if (has(net, 'sriov_host_interfaces')) {
      // Not stripped: "a, b" gives "physnet: b"; Neutron's parse_mappings strips later.
      for (const iface of split(getItem(net, 'sriov_host_interfaces', at), ',', [
        ...at,
        'sriov_host_interfaces',
      ])) {
        sriov.push(`${netName()}:${iface}`);
      }
    }
  });

  const orderedMappings =
    b.mappingsOrder === 'insertion'
      ? mappings
      : [...new Set(mappings)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const out: ProviderNetworksOutput = {
    network_types: types.join(','),
    network_vlan_ranges: vlan.join(','),
    network_vxlan_ranges: join(vxlan, ['network_vxlan_ranges']),
    network_flat_networks: flat.join(','),
    network_mappings: orderedMappings.join(','),
    network_sriov_mappings: sriov.join(','),
    lists: {
      network_vlan_ranges: vlan,
      network_flat_networks: flat,
      network_mappings: mappings,
      network_sriov_mappings: sriov,
      network_interface_mappings: ifaces,
    },
    mappingsUnordered: b.mappingsOrder === 'unordered',
  };
  if (b.geneve) out.network_geneve_ranges = join(geneve, ['network_geneve_ranges']);
  if (b.interfaceMappings) out.network_interface_mappings = ifaces.join(',');
  if (b.bondMappings) out.network_bond_interfaces_mappings = bonds.join(',');
  return out;
}

function refOk(net: PyValue, groups: Set<string>, at: Array<string | number>): boolean {
  if (!isDict(net))
    throw new PyException('AttributeError', `'${pyType(net)}' object has no attribute 'get'`, at);
  const rg = net.reference_group;
  return rg === undefined || rg === null || (typeof rg === 'string' && groups.has(rg));
}

/** Runs the module for one host. A Python exception becomes a failed result, as the module fails. */
export function computeProviderNetworks(
  input: ProviderNetworksInput,
  behaviour: ProviderNetworksBehaviour,
): ProviderNetworksResult {
  try {
    return { ok: true, value: run(input, behaviour) };
  } catch (e) {
    if (e instanceof PyException) return { ok: false, error: e };
    throw e;
  }
}
