// What an option's value means to the service that reads it, as one canonical string: two
// values mean the same when their canonical forms are equal. Used to compare the configuration a
// host runs with the one OSA renders without reporting key order, quoting, spacing, or a list
// written as one value (../shared/spec/nova-neutron.md §1, §3.1).
import { boolFromString } from '../python.js';
import {
  AgentConfigError,
  iniValue,
  parseDictOpt,
  parseExcludeDevices,
  parseListOpt,
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

/** Options of ml2_conf.ini / agents' [agent] that are oslo ListOpts (order kept: drivers load in order). */
const LIST_OPTIONS = new Set([
  'mechanism_drivers',
  'type_drivers',
  'tenant_network_types',
  'project_network_types',
  'extension_drivers',
  'extensions',
  'flat_networks',
  'network_vlan_ranges',
]);

/**
 * The meaning of one option of an INI file as its service reads it: the last value of a
 * repeated option (oslo.config), except Nova's MultiStrOpts, which keep every line.
 */
export function optionMeaning(section: string, option: string, values: readonly string[]): string {
  if (
    section === 'pci' &&
    (option === 'device_spec' || option === 'passthrough_whitelist' || option === 'alias')
  )
    return novaJsonListMeaning(values);
  const last = values.at(-1);
  if (last === undefined) return '';
  const text = iniValue(last);
  const reader = section === 'sriov_nic' ? AGENT_READERS[option] : undefined;
  try {
    if (reader) return reader(text);
    if (LIST_OPTIONS.has(option)) return parseListOpt(text).join(',');
    if (option === 'report_in_placement') return String(boolFromString(text, true));
  } catch (e) {
    // The service refuses the value (AgentConfigError, oslo's bool error): compare what is written.
    if (!(e instanceof AgentConfigError) && !(e instanceof Error)) throw e;
  }
  return text.trim();
}
