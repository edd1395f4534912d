// Shared by the provider_networks and SR-IOV agent rules (SRIOV-PN-*, SRIOV-AGENT-*): the
// entries of a host's provider_networks as YAML nodes (for locations), which entries the
// provider_networks module applies to a host in a release (the same tests the module makes),
// and where each [sriov_nic] option of the agent came from.
import type { FindingLocation } from '../checks/finding.js';
import type { VarDef } from '../osa/inventory.js';
import { type ProviderNetworksBehaviour, providerNetworksBehaviour } from '../osa/provider-networks.js';
import { toPlain, type YNode } from '../osa/pyyaml.js';
import { isDict, type PyValue, pySet, pyStr } from '../python.js';
import { AGENT_INI, type CheckContext, type HostView, nodeAt, toLocation } from './context.js';
import { deployRelative } from './vars-helpers.js';

export { neutronPlaybook } from './playbooks.js';

export const DEPLOY = '/etc/openstack_deploy';

/** One `- network: {...}` item of a provider_networks list. */
export interface PnEntry {
  index: number;
  /** The list item (its location is the `- network:` line). */
  item: YNode;
  /** The `network:` mapping node, when there is one. */
  net: YNode | null;
  /** item['network'] as Python sees it (undefined when the item has no such key or is no dict). */
  value: PyValue | undefined;
  netName: string | null;
}

/** The provider_networks definition a host's module run reads, with its entries. */
export interface PnList {
  def: VarDef;
  /** Identity of the definition across hosts (file:line:column, or its level). */
  id: string;
  entries: PnEntry[];
}

export function behaviourOf(ctx: CheckContext): ProviderNetworksBehaviour {
  return providerNetworksBehaviour(ctx.release);
}

/** OSA runs the provider_networks module on this host (a neutron host without a hand-written neutron_provider_networks). */
export function runsModule(h: HostView): boolean {
  return h.render.providerNetworksSource === 'module';
}

export function defId(def: VarDef): string {
  const l = def.loc;
  return l ? `${l.file}:${l.line}:${l.column}` : def.level;
}

/** The winning provider_networks of a host running the module, when it is a YAML list (not a template). */
export function pnList(h: HostView): PnList | null {
  if (!runsModule(h)) return null;
  const r = h.variable('provider_networks');
  const def = r?.winner ?? null;
  if (!def || r?.template || def.node?.kind !== 'seq') return null;
  // The hosts that share a definition share its entries (read only).
  let list = PN_LISTS.get(def);
  if (!list) {
    list = readPnList(def, def.node);
    PN_LISTS.set(def, list);
  }
  return list;
}

const PN_LISTS = new WeakMap<VarDef, PnList>();

function readPnList(def: VarDef, node: YNode & { kind: 'seq' }): PnList {
  const entries = node.items.map((item, index): PnEntry => {
    const plain = toPlain(item);
    const value = isDict(plain) && 'network' in plain ? (plain.network as PyValue) : undefined;
    const name = isDict(value) ? value.net_name : undefined;
    return {
      index,
      item,
      net: nodeAt(item, ['network']),
      value,
      netName: name === undefined || name === null ? null : pyStr(name),
    };
  });
  return Object.freeze({ def, id: defId(def), entries: Object.freeze(entries) as PnEntry[] });
}

/** "entry 2 (net_name physnet1)" for messages. */
export function entryName(e: PnEntry): string {
  return `provider_networks entry ${e.index + 1}${e.netName !== null ? ` (net_name ${e.netName})` : ''}`;
}

/** Where a key's value is in an entry (or the entry's `- network:` line). */
export function entryLocation(e: PnEntry, key?: string): FindingLocation | undefined {
  const node = key ? nodeAt(e.net, [key]) : null;
  return toLocation(node?.loc ?? e.item.loc);
}

/** The line of a key inside the entry (for list values, where the value node starts a line later). */
export function entryKeyLocation(e: PnEntry, key: string): FindingLocation | undefined {
  if (e.net?.kind !== 'map') return entryLocation(e);
  const found = e.net.entries.find((x) => x.key === key);
  return toLocation(found?.keyLoc ?? e.item.loc);
}

export function field(e: PnEntry, key: string): PyValue | undefined {
  return isDict(e.value) ? e.value[key] : undefined;
}

/**
 * The module's group test for an entry on a host: set(group_binds) ∩ group_names (with Yoga's
 * reference_group). null when the module would raise first (no group_binds, not a dict).
 */
export function boundOn(
  value: PyValue | undefined,
  groups: ReadonlySet<string>,
  b: ProviderNetworksBehaviour,
): boolean | null {
  if (!isDict(value) || !('group_binds' in value)) return null;
  let bound: boolean;
  try {
    bound = [...pySet(value.group_binds, [])].some((g) => groups.has(g));
  } catch {
    return null;
  }
  if (!b.referenceGroup) return bound;
  const rg = value.reference_group;
  const inRef = rg === undefined || rg === null || (typeof rg === 'string' && groups.has(rg));
  return bound && inRef;
}

/** The module builds this entry's network/SR-IOV mappings on the host (§2.1; Rocky also on neutron_server). */
export function mapsOn(e: PnEntry, h: HostView, b: ProviderNetworksBehaviour): boolean {
  const v = e.value;
  if (!isDict(v)) return false;
  const type = v.type;
  const skipped = b.geneve ? ['raw', 'vxlan', 'geneve'] : ['raw', 'vxlan'];
  if (typeof type === 'string' && skipped.includes(type)) return false;
  if (!('net_name' in v)) return false;
  const bound = boundOn(v, h.groups, b) === true;
  return b.serverGetsMappings ? bound || h.groups.has('neutron_server') : bound;
}

/** What the operator sees when the module raises (osa.md §7b, §9.2). */
export function moduleFailureText(pyType: string, detail: string): string {
  return `the provider_networks task ends in "MODULE FAILURE", its traceback ending in "TypeError: Value of unknown type: <class '${pyType}'>, ${detail}" (the module meant to report "Failed Process" with ${pyType}: ${detail})`;
}

/** A deploy-dir file as the operator knows it: /etc/openstack_deploy/<path>. */
export function deployPath(ctx: CheckContext, file: string): string {
  const rel = deployRelative(ctx, file);
  return rel.startsWith('..') ? file : `${DEPLOY}/${rel}`;
}

/** Where a definition lives, for fix texts: "/etc/openstack_deploy/openstack_user_config.yml (global_overrides)". */
export function defWhere(ctx: CheckContext, def: VarDef): string {
  if (!def.loc || def.loc.line <= 0) return def.level;
  const file = deployPath(ctx, def.loc.file);
  const extra =
    def.level === 'global_overrides' || def.level.startsWith('inventory')
      ? ` (${def.level === 'global_overrides' ? 'global_overrides' : def.level.replace('inventory ', '')})`
      : '';
  return `${file}${extra}`;
}

/** The devices (PF names) of a host's SR-IOV mappings as the module wrote them, stripped. */
export function sriovDevices(h: HostView): string[] {
  const agent = h.agent();
  if (agent?.mappings) return agent.devices;
  const items = h.render.providerNetworks?.lists.network_sriov_mappings ?? [];
  const text = h.render.providerNetworks?.network_sriov_mappings ?? '';
  const list = items.length > 0 ? items : text.split(',');
  return [...new Set(list.map((m) => m.split(':').slice(1).join(':').trim()).filter((d) => d !== ''))];
}

/** The item strings an entry adds to network_sriov_mappings on a host (the module's own join). */
export function sriovItems(e: PnEntry): string[] {
  const s = field(e, 'sriov_host_interfaces');
  if (typeof s !== 'string' || e.netName === null) return [];
  return s.split(',').map((i) => `${e.netName}:${i}`);
}

/**
 * Where the SR-IOV mapping `physnet:device` of a host is written: the sriov_host_interfaces of
 * the entry that gives it, the hand-written neutron_provider_networks, or the ini override.
 */
export function sriovMappingLocation(
  h: HostView,
  physnet: string,
  device: string | null,
  b: ProviderNetworksBehaviour,
): FindingLocation | undefined {
  const from = h.optionVar(AGENT_INI, 'sriov_nic', 'physical_device_mappings');
  if (from === 'neutron_sriov_nic_agent_ini_overrides')
    return h.varLocation(from, ['sriov_nic', 'physical_device_mappings']);
  if (from === 'neutron_provider_networks')
    return h.varLocation('neutron_provider_networks', ['network_sriov_mappings']);
  const list = pnList(h);
  if (list) {
    for (const e of list.entries) {
      if (e.netName !== physnet || !mapsOn(e, h, b)) continue;
      const devs = sriovItems(e).map((i) => i.slice(physnet.length + 1).trim());
      if (device === null || devs.includes(device)) return entryLocation(e, 'sriov_host_interfaces');
    }
  }
  return h.providerNetworkLocation(physnet);
}

/** Where an [sriov_nic] option of the agent came from (its variable, or the override's key). */
export function agentOptionLocation(h: HostView, option: string): FindingLocation | undefined {
  const from = h.optionVar(AGENT_INI, 'sriov_nic', option);
  if (!from) return undefined;
  if (from === 'neutron_sriov_nic_agent_ini_overrides') return h.varLocation(from, ['sriov_nic', option]);
  if (from === 'neutron_provider_networks') return h.varLocation(from, ['network_sriov_mappings']);
  return h.varLocation(from);
}

/** The variable behind an [sriov_nic] option, for fix texts. */
export function agentOptionVar(h: HostView, option: string): string | null {
  return h.optionVar(AGENT_INI, 'sriov_nic', option);
}

/** "the neutron_sriov_excluded_devices defined here (user_variables.yml)" style description of a variable's winner. */
export function varWhere(ctx: CheckContext, h: HostView, name: string): string {
  const def = h.variable(name)?.winner ?? null;
  return def ? defWhere(ctx, def) : 'its role default';
}

/** A variable defined in user_*.yml applies to every host and beats host_vars (osa.md §4). */
export function isExtraVar(h: HostView, name: string): boolean {
  return h.variable(name)?.winner?.level === 'extra vars (user_*.yml)';
}
