// What an option's value means to the service that reads it, as one canonical string: two
// values mean the same when their canonical forms are equal. Used to compare the configuration a
// host runs with the one OSA renders without reporting key order, quoting, spacing, or a list
// written as one value (../shared/spec/nova-neutron.md §1, §3.1).
import { PairMemo } from '../memo.js';
import { boolFromString } from '../python.js';
import {
  AgentConfigError,
  iniValue,
  parseDictOpt,
  parseExcludeDevices,
  parseListOpt,
  parseMappings,
  parseMultiMappings,
  parsePhysicalDeviceMappings,
  parseRpBandwidths,
} from './neutron-agent-config.js';

/** A JSON value with every object's keys sorted (Nova compares tags by name, not by position). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Nova's device list (device_spec / passthrough_whitelist, a MultiStrOpt of JSON): each line is a
 * JSON object or a list of them, flattened in order (the first matching entry wins, so order
 * matters). A line Nova cannot parse is kept as its text, so two broken values still compare.
 */
export function novaJsonListMeaning(lines: readonly string[]): string {
  const items: string[] = [];
  for (const raw of lines) {
    const text = iniValue(raw);
    if (text.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      items.push(`text:${text.replace(/\s+/g, ' ').trim()}`);
      continue;
    }
    for (const item of Array.isArray(v) ? v : [v]) items.push(canonicalJson(item));
  }
  return items.join('\n');
}

type Reader = (value: string) => string;

const sortedRecord = (r: Record<string, readonly string[]>): string =>
  Object.keys(r)
    .sort()
    .map((k) => `${k}=${[...r[k]!].sort().join(';')}`)
    .join(',');

/** Options of [sriov_nic] whose meaning is not their text (neutron_lib parsers). */
const AGENT_READERS: Readonly<Record<string, Reader>> = {
  physical_device_mappings: (v) => sortedRecord(parsePhysicalDeviceMappings(parseListOpt(v))),
  exclude_devices: (v) => sortedRecord(parseExcludeDevices(parseListOpt(v))),
  resource_provider_bandwidths: (v) =>
    JSON.stringify(
      Object.entries(parseRpBandwidths(parseListOpt(v))).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
  resource_provider_hypervisors: (v) => canonicalJson(parseDictOpt(v)),
  resource_provider_inventory_defaults: (v) => canonicalJson(parseDictOpt(v)),
};

/** An oslo ListOpt whose order the service uses (drivers called, types tried, in order). */
const orderedList: Reader = (v) => parseListOpt(v).join(',');
/** An oslo ListOpt the service reads as a set (duplicates collapse). */
const setList: Reader = (v) => [...new Set(parseListOpt(v))].sort().join(',');
/** neutron_lib parse_mappings (unique keys and values): the OVS/Linux bridge agents' mappings. */
const uniqueMappings: Reader = (v) => {
  const m = parseMappings(parseListOpt(v));
  return sortedRecord(Object.fromEntries(Object.entries(m).map(([k, x]) => [k, [x]])));
};

/**
 * neutron_lib parse_network_vlan_ranges as the VLAN type driver uses it: physnet → the VLAN ids
 * it may allocate (the driver takes the union of a physnet's ranges; a bare physnet is 1-4094 and
 * wins over its ranges), shown as merged intervals. A value Neutron refuses compares as text.
 */
function vlanRanges(v: string): string {
  const nets = new Map<string, Array<[number, number]>>();
  for (const item of parseListOpt(v)) {
    const entry = item.trim();
    if (!entry.includes(':')) {
      nets.set(entry, [[1, 4094]]);
      continue;
    }
    const parts = entry.split(':');
    const [net, lo, hi] = parts as [string, string, string];
    const min = Number(lo.trim());
    const max = Number(hi.trim());
    if (parts.length !== 3 || net === '' || !/^[+-]?\d+$/.test(lo.trim()) || !/^[+-]?\d+$/.test(hi.trim()))
      throw new Error(`invalid VLAN range ${entry}`);
    if (min < 1 || max > 4094 || min > max) throw new Error(`invalid VLAN range ${entry}`);
    const cur = nets.get(net);
    if (cur?.length === 1 && cur[0]![0] === 1 && cur[0]![1] === 4094) continue;
    nets.set(net, [...(cur ?? []), [min, max]]);
  }
  const merged = (ranges: Array<[number, number]>) => {
    const out: Array<[number, number]> = [];
    for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
      const last = out.at(-1);
      if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
      else out.push([a, b]);
    }
    return out.map(([a, b]) => `${a}-${b}`).join(';');
  };
  return [...nets.keys()]
    .sort()
    .map((n) => `${n}=${merged(nets.get(n)!)}`)
    .join(',');
}

/**
 * How each service reads the options drift compares, by oslo.config group (lowercase) and
 * option. Upstream decides order: Neutron's MechanismManager and ExtensionManager load their
 * drivers with name_order=True and call them in that order (the first mechanism driver that
 * binds a port wins), and project networks are allocated from the first type that has room;
 * the TypeManager keys its drivers by type, and the flat driver tests membership ('*' allows
 * every physnet). Agent extensions are also loaded in order, but each extension handles ports
 * on its own (qos, fdb, sfc): their order changes nothing the agent does, and OSA itself writes
 * them in an order that changed between templates, so they compare as a set (a name twice is
 * loaded twice, so duplicates count).
 */
const READERS: Readonly<Record<string, Readonly<Record<string, Reader>>>> = {
  sriov_nic: AGENT_READERS,
  ml2: {
    mechanism_drivers: orderedList,
    extension_drivers: orderedList,
    tenant_network_types: orderedList,
    project_network_types: orderedList,
    type_drivers: setList,
    // parse_mappings(unique_values=False): physnet → MTU, in any order.
    physical_network_mtus: (v) => {
      const m = parseMappings(parseListOpt(v), false);
      return sortedRecord(Object.fromEntries(Object.entries(m).map(([k, x]) => [k, [String(Number(x))]])));
    },
    path_mtu: (v) => {
      if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new Error(`not an integer: ${v}`);
      return String(Number(v));
    },
  },
  ml2_type_flat: { flat_networks: (v) => (parseListOpt(v).includes('*') ? '*' : setList(v)) },
  ml2_type_vlan: { network_vlan_ranges: vlanRanges },
  agent: { extensions: (v) => [...parseListOpt(v)].sort().join(',') },
  ovs: { bridge_mappings: uniqueMappings },
  linux_bridge: { physical_interface_mappings: uniqueMappings, bridge_mappings: uniqueMappings },
  fdb: { shared_physical_device_mappings: (v) => sortedRecord(parseMultiMappings(parseListOpt(v))) },
};

/** The name oslo.config gives a section: lowercase, except DEFAULT ([FDB] is the group fdb). */
export function groupName(section: string): string {
  return section === 'DEFAULT' ? section : section.toLowerCase();
}

/**
 * The meaning of one option of an INI file as its service reads it: the last value of a
 * repeated option (oslo.config), except Nova's MultiStrOpts, which keep every line.
 */
export function optionMeaning(section: string, option: string, values: readonly string[]): string {
  // Every host of a fleet compares the same few values: read each distinct one once. The keys
  // are unambiguous: the section's length and the number of values lead the first, and a lone
  // value (the usual case) is the second key as it is, so that its string's hash is reused.
  return MEANINGS.get(
    `${values.length} ${section.length} ${section}${option}`,
    values.length === 1 ? values[0]! : values.map((v) => `${v.length} ${v}`).join(''),
    () => computeMeaning(section, option, values),
  );
}

const MEANINGS = new PairMemo<string>(10_000);

function computeMeaning(section: string, option: string, values: readonly string[]): string {
  if (
    section === 'pci' &&
    (option === 'device_spec' || option === 'passthrough_whitelist' || option === 'alias')
  )
    return novaJsonListMeaning(values);
  const last = values.at(-1);
  if (last === undefined) return '';
  const text = iniValue(last);
  const reader = READERS[groupName(section)]?.[option];
  try {
    if (reader) return reader(text);
    if (option === 'report_in_placement') return String(boolFromString(text, true));
  } catch (e) {
    // The service refuses the value (AgentConfigError, oslo's bool error): compare what is written.
    if (!(e instanceof AgentConfigError) && !(e instanceof Error)) throw e;
  }
  return text.trim();
}
