// The neutron-sriov-nic-agent's [sriov_nic] options as the agent reads them at start-up
// (../shared/spec/nova-neutron.md §3.1): oslo.config ListOpt/DictOpt splitting, then
// neutron_lib parse_mappings, parse_exclude_devices, parse_rp_bandwidths,
// parse_rp_inventory_defaults, and SriovNicAgentConfigParser._validate, with their messages.
import { pyStrip as strip } from '../python.js';

/** Which check of the agent's parsing failed (callers decide on this, never on the message). */
export type AgentConfigErrorCode =
  /** parse_mappings: not exactly one ":"; parse_exclude_devices: no ":". */
  | 'invalid-mapping'
  | 'missing-key'
  | 'missing-value'
  | 'key-not-unique'
  | 'value-not-unique'
  | 'device-not-unique'
  /** oslo.config DictOpt: an item without ":". */
  | 'not-key-value'
  /** resource_provider_bandwidths or resource_provider_inventory_defaults: a value it cannot read. */
  | 'bad-value'
  /** _validate: an excluded or bandwidth device that physical_device_mappings does not map. */
  | 'device-not-mapped';

/** The [sriov_nic] options the agent reads at start. */
export type SriovNicOption =
  | 'physical_device_mappings'
  | 'exclude_devices'
  | 'resource_provider_bandwidths'
  | 'resource_provider_inventory_defaults';

/** A ValueError the agent raises; it then logs "Failed on Agent configuration parse. Agent terminated!" and exits 1. */
export class AgentConfigError extends Error {
  readonly errorClass = 'ValueError';

  constructor(
    message: string,
    readonly code: AgentConfigErrorCode,
    /** The item the agent stopped at: a mapping item as the message quotes it, or a device name. */
    readonly item: string | null = null,
    /** The [sriov_nic] option it is about, when read through readAgentConfig. */
    readonly option: SriovNicOption | null = null,
  ) {
    super(message);
  }

  /** The same error, said to be about one [sriov_nic] option. */
  inOption(option: SriovNicOption): AgentConfigError {
    return new AgentConfigError(this.message, this.code, this.item, option);
  }
}

/** oslo.config's ini parser drops one pair of matching quotes around a value (OSA writes them). */
export function iniValue(raw: string): string {
  const v = strip(raw);
  return v.length >= 2 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'") ? v.slice(1, -1) : v;
}

/** oslo.config ListOpt: comma separated, items stripped, empty items dropped; ';' is not a separator. */
export function parseListOpt(raw: string): string[] {
  let v = iniValue(raw);
  if (v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
  return v
    .split(',')
    .map(strip)
    .filter((x) => x !== '');
}

/** oslo.config DictOpt: "k:v,k:v", keys and values stripped. */
export function parseDictOpt(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of parseListOpt(raw)) {
    const i = item.indexOf(':');
    if (i < 0)
      throw new AgentConfigError(
        `Value should be a list of key:value pairs, got: ${item}`,
        'not-key-value',
        item,
      );
    out[strip(item.slice(0, i))] = strip(item.slice(i + 1));
  }
  return out;
}

/** neutron_lib parse_mappings with unique_keys (the OVS/LinuxBridge agents' bridge mappings). */
export function parseMappings(items: readonly string[], uniqueValues = true): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [m, key, value] of mappingItems(items)) {
    if (key in out)
      throw new AgentConfigError(`Key ${key} in mapping: '${m}' not unique`, 'key-not-unique', m);
    if (uniqueValues && Object.values(out).includes(value))
      throw new AgentConfigError(`Value ${value} in mapping: '${m}' not unique`, 'value-not-unique', m);
    out[key] = value;
  }
  return out;
}

/**
 * neutron_lib parse_mappings(unique_keys=False), as the SR-IOV agent and the FDB extension use
 * it: a key may list several values (a set: duplicates collapse, shown sorted), and the
 * uniqueness of values is not checked, so one PF may sit under two physnets.
 */
export function parseMultiMappings(items: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [, key, value] of mappingItems(items))
    out[key] = [...new Set([...(out[key] ?? []), value])].sort();
  return out;
}

function* mappingItems(items: readonly string[]): Generator<[string, string, string]> {
  for (const mapping of items) {
    const m = strip(mapping);
    if (m === '') continue;
    const parts = m.split(':');
    if (parts.length !== 2) throw new AgentConfigError(`Invalid mapping: '${m}'`, 'invalid-mapping', m);
    const key = strip(parts[0]!);
    if (key === '') throw new AgentConfigError(`Missing key in mapping: '${m}'`, 'missing-key', m);
    const value = strip(parts[1]!);
    if (value === '') throw new AgentConfigError(`Missing value in mapping: '${m}'`, 'missing-value', m);
    yield [m, key, value];
  }
}

/** [sriov_nic] physical_device_mappings → {physnet: [pf netdev, …]}. */
export function parsePhysicalDeviceMappings(items: readonly string[]): Record<string, string[]> {
  return parseMultiMappings(items);
}

/** [sriov_nic] exclude_devices "pf:pci;pci,pf2:pci" → {pf: [pci, …]}; PCI slots are not validated. */
export function parseExcludeDevices(items: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of items) {
    const i = item.indexOf(':');
    if (i < 0) throw new AgentConfigError(`Invalid mapping: '${item}'`, 'invalid-mapping', item);
    const device = strip(item.slice(0, i));
    if (device === '') throw new AgentConfigError(`Missing key in mapping: '${item}'`, 'missing-key', item);
    if (device in out)
      throw new AgentConfigError(
        `Device ${device} in mapping: ${item} not unique`,
        'device-not-unique',
        item,
      );
    const slots = item
      .slice(i + 1)
      .split(';')
      .map(strip)
      .filter((s) => s !== '');
    out[device] = [...new Set(slots)].sort();
  }
  return out;
}

export interface Bandwidth {
  egress: number | null;
  ingress: number | null;
}

/** Python int() on a string: optional sign, digits with single underscores, surrounding space. */
function pyInt(s: string): number | null {
  return /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(s) ? Number(s.replace(/_/g, '')) : null;
}

/** Python float() on a string. */
function pyFloat(s: string): number | null {
  const t = strip(s).replace(/_/g, '');
  if (/^[+-]?(?:inf|infinity)$/i.test(t))
    return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (/^[+-]?nan$/i.test(t)) return Number.NaN;
  return /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t) ? Number(t) : null;
}

/** neutron_lib parse_rp_bandwidths: "dev:egress_kbps:ingress_kbps", either rate may be empty. */
export function parseRpBandwidths(items: readonly string[]): Record<string, Bandwidth> {
  const out: Record<string, Bandwidth> = {};
  const fail = (why: string): never => {
    throw new AgentConfigError(`Cannot parse resource_provider_bandwidths. ${why}`, 'bad-value');
  };
  const rate = (s: string): number | null => {
    if (s === '') return null;
    const n = pyInt(s);
    if (n === null || n < 0)
      fail(`Cannot parse string value to an integer. Expected: non-negative integer value, got: ${s}`);
    return n;
  };
  for (const raw of items) {
    const item = raw.includes(':') ? raw : `${raw}::`;
    const parts = item.split(':');
    if (parts.length !== 3) fail(`Expected a tuple with 3 values, got: ${item}`);
    const [device, egress, ingress] = parts as [string, string, string];
    if (device in out) fail(`Same resource name listed multiple times: "${device}"`);
    out[device] = { egress: rate(egress), ingress: rate(ingress) };
  }
  return out;
}

const INVENTORY_KEYS = ['allocation_ratio', 'max_unit', 'min_unit', 'reserved', 'step_size'];

/** neutron_lib parse_rp_inventory_defaults: allocation_ratio a float ≥ 0, the rest ints ≥ 0. */
export function parseRpInventoryDefaults(values: Readonly<Record<string, unknown>>): Record<string, number> {
  const unexpected = Object.keys(values).filter((k) => !INVENTORY_KEYS.includes(k));
  if (unexpected.length > 0)
    throw new AgentConfigError(
      `Cannot parse inventory_defaults. Unexpected options: ${unexpected.sort().join(',')}`,
      'bad-value',
    );
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(values)) {
    const s = String(v);
    if (key === 'allocation_ratio') {
      const f = typeof v === 'number' ? v : pyFloat(s);
      if (f === null || f < 0)
        throw new AgentConfigError(
          `Cannot parse inventory_defaults.allocation_ratio. Expected: non-negative float, got: ${s}`,
          'bad-value',
        );
      out[key] = f;
    } else {
      const n = typeof v === 'number' && Number.isInteger(v) ? v : pyInt(s);
      if (n === null || n < 0)
        throw new AgentConfigError(
          `Cannot parse inventory_defaults.${key}. Expected: non-negative int, got: ${s}`,
          'bad-value',
        );
      out[key] = n;
    }
  }
  return out;
}

/** SriovNicAgentConfigParser._validate: excluded and bandwidth devices must be mapped PFs. */
export function validateAgentConfig(
  deviceMappings: Readonly<Record<string, readonly string[]>>,
  excludeDevices: Readonly<Record<string, readonly string[]>>,
  rpBandwidths: Readonly<Record<string, Bandwidth>>,
): void {
  const devices = new Set(Object.values(deviceMappings).flat());
  for (const d of Object.keys(excludeDevices)) {
    if (!devices.has(d))
      throw new AgentConfigError(
        `Invalid exclude_devices: Device name ${d} is missing from physical_device_mappings`,
        'device-not-mapped',
        d,
        'exclude_devices',
      );
  }
  for (const d of Object.keys(rpBandwidths)) {
    if (!devices.has(d))
      throw new AgentConfigError(
        `Invalid resource_provider_bandwidths: Device name ${d} is missing from device mappings`,
        'device-not-mapped',
        d,
        'resource_provider_bandwidths',
      );
  }
}

export interface AgentConfig {
  deviceMappings: Record<string, string[]>;
  excludeDevices: Record<string, string[]>;
  rpBandwidths: Record<string, Bandwidth>;
  rpInventoryDefaults: Record<string, number>;
}

/** Runs one step of the agent's parsing; its error is about `option`. */
function reading<T>(option: SriovNicOption, step: () => T): T {
  try {
    return step();
  } catch (e) {
    throw e instanceof AgentConfigError && e.option === null ? e.inOption(option) : e;
  }
}

/** The whole [sriov_nic] section as the agent reads it at start-up; throws AgentConfigError (with its option). */
export function readAgentConfig(section: Readonly<Record<string, string | undefined>>): AgentConfig {
  const list = (k: SriovNicOption) => parseListOpt(section[k] ?? '');
  const deviceMappings = reading('physical_device_mappings', () =>
    parsePhysicalDeviceMappings(list('physical_device_mappings')),
  );
  const excludeDevices = reading('exclude_devices', () => parseExcludeDevices(list('exclude_devices')));
  const rpBandwidths = reading('resource_provider_bandwidths', () =>
    parseRpBandwidths(list('resource_provider_bandwidths')),
  );
  const rpInventoryDefaults = reading('resource_provider_inventory_defaults', () =>
    parseRpInventoryDefaults(
      parseDictOpt(
        section.resource_provider_inventory_defaults ??
          'allocation_ratio:1.0,min_unit:1,step_size:1,reserved:0',
      ),
    ),
  );
  validateAgentConfig(deviceMappings, excludeDevices, rpBandwidths);
  return { deviceMappings, excludeDevices, rpBandwidths, rpInventoryDefaults };
}
