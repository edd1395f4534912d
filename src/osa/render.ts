// Each host's effective SR-IOV configuration as OSA would render it: the provider_networks
// module result, ml2_conf.ini, sriov_nic_agent.ini, the OVS/LXB agent [FDB] section and
// nova.conf [pci]/[filter_scheduler], per release, with where every value came from.

import { isDict, type PyException, type PyValue, pyRepr, pyStr } from '../python.js';
import type { Inventory, InventoryHost, VarDef } from './inventory.js';
import type { DeployDir } from './load.js';
import {
  computeProviderNetworks,
  type ProviderNetworksOutput,
  providerNetworksBehaviour,
} from './provider-networks.js';
import type { Loc, YNode } from './pyyaml.js';
import { atLeast, type Release } from './releases.js';
import { roleDefaultsLookup, schedulerFiltersAreString } from './role-defaults-lookup.js';
import { HostVars, type ResolvedVar } from './vars.js';

export type IniValue = string | string[];
/** file → section → option → value (an array for an option written several times). */
export type IniFiles = Record<string, Record<string, Record<string, IniValue>>>;
/** Same shape: the variables each value came from. */
export type IniSources = Record<string, Record<string, Record<string, string[]>>>;

/** What went wrong, for code that decides (rules); the message is for people. */
export type RenderFailureCode =
  | 'unknown-neutron-plugin'
  | 'nova-pci-repr'
  | 'nova-device-spec-string-loop'
  | 'nova-pci-alias-not-json'
  | 'scheduler-filters-string'
  | 'neutron-provider-networks-invalid'
  | 'provider-networks-undefined'
  | 'provider-networks-module-failure';

export interface RenderFailure {
  code: RenderFailureCode;
  /** The variable at fault. */
  variable: string;
  message: string;
  location: Loc | null;
}

export interface HostRender {
  name: string;
  groups: string[];
  isMetal: boolean;
  providerNetworks: ProviderNetworksOutput | null;
  providerNetworksSource: 'module' | 'neutron_provider_networks' | null;
  providerNetworksError: RenderFailure | null;
  sriovAgentEnabled: boolean;
  vars: Map<string, ResolvedVar>;
  ini: IniFiles;
  iniSources: IniSources;
  /** Rendering problems OSA would hit (template errors), and quirks worth knowing. */
  problems: RenderFailure[];
  notes: string[];
}

/** The variables reported per host (those that shape its SR-IOV configuration). */
export const SRIOV_VARS = [
  'provider_networks',
  'neutron_provider_networks',
  'provider_network_bind_prefix',
  'neutron_plugin_type',
  'neutron_plugin_types',
  'neutron_plugin_base',
  'neutron_ml2_drivers_type',
  'neutron_l2_population',
  'neutron_sriov_excluded_devices',
  'neutron_sriov_nic_agent_ini_overrides',
  'neutron_ml2_conf_ini_overrides',
  'neutron_openvswitch_agent_ini_overrides',
  'nova_device_spec',
  'nova_pci_passthrough_whitelist',
  'nova_pci_alias',
  'nova_scheduler_default_filters',
  'nova_scheduler_extra_filters',
  'nova_nova_conf_overrides',
] as const;

const MECHANISMS: Record<string, string> = {
  'ml2.lxb': 'linuxbridge',
  'ml2.ovs': 'openvswitch',
  'ml2.ovs.dvr': 'openvswitch',
  'ml2.ovn': 'ovn',
  'ml2.sriov': 'sriovnicswitch',
};

function truthy(v: PyValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

/** Python json.dumps with its default separators, as Ansible's to_json writes. */
export function jsonDumps(v: PyValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonDumps).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}: ${jsonDumps(x)}`)
    .join(', ')}}`;
}

/** How Jinja prints a value in {{ }}: str() of the Python value. */
function jinjaPrint(v: PyValue | undefined): string {
  return v === undefined ? '' : pyStr(v);
}

function describe(r: ResolvedVar): string {
  const w = r.winner;
  if (!w) return `${r.name} (undefined)`;
  const at =
    w.loc && w.loc.line > 0 ? `${w.loc.file}:${w.loc.line}:${w.loc.column}` : (w.loc?.file ?? w.level);
  return `${r.name} (${w.level}${at !== w.level ? `, ${at}` : ''})`;
}

function locOf(def: VarDef | null, path: Array<string | number>): Loc | null {
  if (!def) return null;
  let node: YNode | null = def.node;
  for (const p of path) {
    if (!node) break;
    if (node.kind === 'seq' && typeof p === 'number') node = node.items[p] ?? null;
    else if (node.kind === 'map') node = node.entries.find((e) => e.key === String(p))?.value ?? null;
    else break;
  }
  return node?.loc ?? def.loc;
}

class IniBuilder {
  readonly ini: IniFiles = {};
  readonly sources: IniSources = {};
  set(file: string, section: string, option: string, value: IniValue, from: ResolvedVar[]) {
    this.ini[file] ??= {};
    this.ini[file][section] ??= {};
    this.ini[file][section][option] = value;
    this.sources[file] ??= {};
    this.sources[file][section] ??= {};
    this.sources[file][section][option] = from.map(describe);
  }
  section(file: string, section: string) {
    this.ini[file] ??= {};
    this.ini[file][section] ??= {};
  }
  /**
   * config_template: the rendered file is re-read (repeated keys collected, de-duplicated and
   * written sorted) and the *_overrides dict merged in: a list becomes one comma-joined line,
   * a mapping whose values are all empty (YAML set syntax) becomes repeated keys.
   */
  applyOverrides(file: string, overrides: ResolvedVar) {
    const o = overrides.value;
    for (const sec of Object.values(this.ini[file] ?? {})) {
      for (const [k, v] of Object.entries(sec)) if (Array.isArray(v)) sec[k] = [...new Set(v)].sort();
    }
    if (!isDict(o)) return;
    for (const [section, opts] of Object.entries(o)) {
      if (!isDict(opts)) continue;
      for (const [option, value] of Object.entries(opts)) {
        let rendered: IniValue;
        if (Array.isArray(value)) rendered = value.map(pyStr).join(',');
        else if (isDict(value) && Object.values(value).every((x) => !truthy(x)))
          rendered = [...new Set(Object.keys(value))].sort();
        else rendered = pyStr(value);
        this.set(file, section, option, rendered, [overrides]);
      }
    }
  }
}

/** Renders one inventory host. */
export function renderHost(
  deploy: DeployDir,
  inventory: Inventory,
  host: InventoryHost,
  release: Release,
): HostRender {
  const hv = new HostVars(host, deploy, inventory, release, roleDefaultsLookup(release));
  const vars = new Map<string, ResolvedVar>();
  for (const name of SRIOV_VARS) {
    const r = hv.get(name);
    if (r.winner) vars.set(name, r);
  }
  const groups = new Set(host.groups);
  const problems: RenderFailure[] = [];
  const notes: string[] = [];
  const b = new IniBuilder();
  const out: HostRender = {
    name: host.name,
    groups: host.groups,
    isMetal: host.isMetal,
    providerNetworks: null,
    providerNetworksSource: null,
    providerNetworksError: null,
    sriovAgentEnabled: false,
    vars,
    ini: b.ini,
    iniSources: b.sources,
    problems,
    notes,
  };
  for (const r of vars.values()) {
    if (r.template && !r.template.evaluated)
      notes.push(
        `${r.name} is a template this model does not evaluate (${r.template.reason}): ${r.template.text}`,
      );
    if (r.template?.convertedFromString)
      notes.push(
        `${r.name}: Ansible turns the JSON-looking string from "${r.template.text}" into a ${Array.isArray(r.value) ? 'list' : 'dict'}`,
      );
  }
  if (groups.has('neutron_all')) renderNeutron(hv, out, b, groups, release);
  if (groups.has('nova_all')) renderNova(hv, out, b, groups, release);
  return out;
}

function stringList(v: PyValue): string[] {
  return Array.isArray(v) ? v.map(pyStr) : [];
}

function renderNeutron(hv: HostVars, out: HostRender, b: IniBuilder, groups: Set<string>, release: Release) {
  const plugin = hv.get('neutron_plugin_type');
  const pluginTypes = hv.get('neutron_plugin_types');
  const pluginType = pyStr(plugin.value ?? '');
  const extraTypes = stringList(pluginTypes.value ?? []);
  const sriovEnabled = extraTypes.includes('ml2.sriov');
  const base = hv.get('neutron_plugin_base');
  const qos = stringList(base.value ?? []).includes('qos');

  // provider networks: a hand-written neutron_provider_networks wins, the module is skipped.
  const handWritten = hv.get('neutron_provider_networks');
  let pn: Record<string, PyValue> | null = null;
  if (handWritten.value !== undefined) {
    out.providerNetworksSource = 'neutron_provider_networks';
    const v = handWritten.value;
    if (!isDict(v)) {
      out.providerNetworksError = {
        code: 'neutron-provider-networks-invalid',
        variable: 'neutron_provider_networks',
        message: `neutron_provider_networks must be a mapping, not ${pyRepr(v)}`,
        location: handWritten.winner?.loc ?? null,
      };
    } else {
      pn = v;
      const required = ['network_types', ...(sriovEnabled ? ['network_sriov_mappings'] : [])];
      for (const key of required) {
        if (!(key in v)) {
          out.providerNetworksError = {
            code: 'neutron-provider-networks-invalid',
            variable: 'neutron_provider_networks',
            message: `'dict object' has no attribute '${key}': the hand-written neutron_provider_networks lacks ${key}, which ${key === 'network_types' ? 'ml2_conf.ini' : 'sriov_nic_agent.ini and the OVS [FDB] section'} read without a default`,
            location: handWritten.winner?.loc ?? null,
          };
          break;
        }
      }
      out.providerNetworks = {
        network_types: pyStr(v.network_types ?? ''),
        network_vlan_ranges: pyStr(v.network_vlan_ranges ?? ''),
        network_vxlan_ranges: pyStr(v.network_vxlan_ranges ?? ''),
        network_flat_networks: pyStr(v.network_flat_networks ?? ''),
        network_mappings: pyStr(v.network_mappings ?? ''),
        network_sriov_mappings: pyStr(v.network_sriov_mappings ?? ''),
        lists: {
          network_vlan_ranges: [],
          network_flat_networks: [],
          network_mappings: [],
          network_sriov_mappings: [],
          network_interface_mappings: [],
        },
        mappingsUnordered: false,
      };
    }
  } else {
    out.providerNetworksSource = 'module';
    const nets = hv.get('provider_networks');
    if (nets.value === undefined) {
      out.providerNetworksError = {
        code: 'provider-networks-undefined',
        variable: 'provider_networks',
        message: "'provider_networks' is undefined: set global_overrides.provider_networks",
        location: null,
      };
    } else {
      const prefix = hv.get('provider_network_bind_prefix').value;
      const r = computeProviderNetworks(
        {
          providerNetworks: nets.value,
          isMetal: hv.value('is_metal', true) === true,
          bindPrefix: prefix === undefined || prefix === null ? null : pyStr(prefix),
          groupNames: out.groups,
        },
        providerNetworksBehaviour(release),
      );
      if (r.ok) {
        out.providerNetworks = r.value;
        pn = r.value as unknown as Record<string, PyValue>;
        if (r.value.mappingsUnordered && r.value.lists.network_mappings.length > 1) {
          out.notes.push(
            `network_mappings: OSA ${release.major}.x joins a set(), so the order of "${r.value.network_mappings}" changes from run to run (shown sorted)`,
          );
        }
      } else {
        out.providerNetworksError = moduleFailure(r.error, nets);
      }
    }
  }
  const pnSource = out.providerNetworksSource === 'module' ? hv.get('provider_networks') : handWritten;
  const pnValue = (key: string): string | undefined => (pn && key in pn ? pyStr(pn[key] ?? '') : undefined);

  // ml2_conf.ini on every neutron host.
  const ml2 = 'plugins/ml2/ml2_conf.ini';
  const drivers = hv.get('neutron_ml2_drivers_type');
  b.set(ml2, 'ml2', 'type_drivers', pyStr(drivers.value ?? ''), [drivers]);
  const types = pnValue('network_types');
  if (types !== undefined) {
    b.set(
      ml2,
      'ml2',
      release.major >= 33 ? 'project_network_types' : 'tenant_network_types',
      types !== '' ? types : 'local',
      [pnSource],
    );
  }
  const l2pop = hv.get('neutron_l2_population');
  const known = (t: string) =>
    t in MECHANISMS && !(t === 'ml2.ovn' && release.major <= 18) && !(t === 'ml2.lxb' && release.major >= 31);
  for (const t of [pluginType, ...extraTypes]) {
    if (!known(t)) {
      out.problems.push({
        code: 'unknown-neutron-plugin',
        variable: t === pluginType ? 'neutron_plugin_type' : 'neutron_plugin_types',
        message: `neutron plugin "${t}" does not exist in OSA ${releaseText(release)} (neutron_plugins has no such key): the os_neutron role fails`,
        location: (t === pluginType ? plugin : pluginTypes).winner?.loc ?? null,
      });
    }
  }
  const mechs = [pluginType, ...extraTypes.filter((t) => t !== pluginType)]
    .filter(known)
    .map((t) => MECHANISMS[t]!);
  if (l2pop.value === true || (typeof l2pop.value === 'string' && l2pop.value.toLowerCase() === 'true'))
    mechs.push('l2population');
  b.set(ml2, 'ml2', 'mechanism_drivers', mechs.join(','), [plugin, pluginTypes, l2pop]);
  if (pnValue('network_flat_networks') !== undefined)
    b.set(ml2, 'ml2_type_flat', 'flat_networks', pnValue('network_flat_networks')!, [pnSource]);
  if (pnValue('network_vlan_ranges') !== undefined)
    b.set(ml2, 'ml2_type_vlan', 'network_vlan_ranges', pnValue('network_vlan_ranges')!, [pnSource]);
  b.applyOverrides(ml2, hv.get('neutron_ml2_conf_ini_overrides'));

  if (!sriovEnabled) return;
  // sriov_nic_agent.ini on every neutron host once ml2.sriov is enabled; the agent runs only
  // on hosts in neutron_sriov_nic_agent.
  out.sriovAgentEnabled = groups.has('neutron_sriov_nic_agent');
  const agent = 'plugins/ml2/sriov_nic_agent.ini';
  if (qos) b.set(agent, 'agent', 'extensions', 'qos', [base]);
  else b.section(agent, 'agent');
  b.set(agent, 'securitygroup', 'firewall_driver', 'neutron.agent.firewall.NoopFirewallDriver', []);
  const excluded = hv.get('neutron_sriov_excluded_devices');
  if (pnValue('network_sriov_mappings') !== undefined) {
    b.set(agent, 'sriov_nic', 'physical_device_mappings', `"${pnValue('network_sriov_mappings')}"`, [
      pnSource,
    ]);
  }
  b.set(agent, 'sriov_nic', 'exclude_devices', `"${jinjaPrint(excluded.value ?? '')}"`, [excluded]);
  b.applyOverrides(agent, hv.get('neutron_sriov_nic_agent_ini_overrides'));

  // The FDB extension: OVS agent (Yoga+, every OVS agent host), LXB agent (computes only).
  const sriovMappings = pnValue('network_sriov_mappings') ?? '';
  if (
    (pluginType === 'ml2.ovs' || pluginType === 'ml2.ovs.dvr') &&
    groups.has('neutron_openvswitch_agent') &&
    release.major >= 25
  ) {
    const ovs = 'plugins/ml2/openvswitch_agent.ini';
    // os_neutron openvswitch_agent.ini.j2 (Yoga to 2026.1): fdb, then qos and sfc from neutron_plugin_base.
    const sfc = stringList(base.value ?? []).includes('sfc');
    b.set(ovs, 'agent', 'extensions', ['fdb', ...(qos ? ['qos'] : []), ...(sfc ? ['sfc'] : [])].join(','), [
      pluginTypes,
      base,
    ]);
    b.set(ovs, 'FDB', 'shared_physical_device_mappings', sriovMappings, [pnSource]);
    b.applyOverrides(ovs, hv.get('neutron_openvswitch_agent_ini_overrides'));
    if (sriovMappings === '') {
      out.notes.push(
        'the OVS agent gets the fdb extension with empty [FDB] shared_physical_device_mappings; current Neutron exits with "Invalid configuration provided for FDB extension: no physical devices" (spec §3.3, not confirmed live)',
      );
    }
  } else if (
    pluginType === 'ml2.lxb' &&
    groups.has('neutron_linuxbridge_agent') &&
    groups.has('nova_compute')
  ) {
    b.set('plugins/ml2/linuxbridge_agent.ini', 'FDB', 'shared_physical_device_mappings', sriovMappings, [
      pnSource,
    ]);
  }
}

function moduleFailure(e: PyException, nets: ResolvedVar): RenderFailure {
  const loc = locOf(nets.winner, e.path.slice(0, e.pyType === 'KeyError' ? -1 : undefined));
  const entryNo = typeof e.path[0] === 'number' ? ` (entry ${e.path[0] + 1} of provider_networks)` : '';
  const hints: Record<string, string> = {
    KeyError: `the entry has no ${e.detail} key`,
    AttributeError: e.detail.includes("'split'")
      ? 'the value must be a quoted string (YAML 1.1 reads an unquoted 1:50 as the integer 110)'
      : '',
    TypeError: '',
    ValueError: '',
  };
  return {
    code: 'provider-networks-module-failure',
    variable: 'provider_networks',
    message: `the provider_networks module fails ("Failed Process"; under ansible-core ≥ 2.14 "MODULE FAILURE"): ${e.pyType}: ${e.detail}${entryNo}${hints[e.pyType] ? `; ${hints[e.pyType]}` : ''}`,
    location: loc,
  };
}

/** The [pci] template generation of a release (os_nova nova.conf.j2). */
export type PciTemplate =
  | 'passthrough_whitelist'
  | 'device_spec_plain'
  | 'device_spec_loop'
  | 'device_spec_json';

export function pciTemplate(r: Release): PciTemplate {
  if (r.major <= 25 || (r.major === 26 && !atLeast(r, 26, 3, 0)) || (r.major === 27 && !atLeast(r, 27, 2, 0)))
    return 'passthrough_whitelist';
  if (
    r.major === 26 ||
    (r.major === 27 && !atLeast(r, 27, 4, 1)) ||
    (r.major === 28 && !atLeast(r, 28, 1, 0))
  )
    return 'device_spec_plain';
  if ((r.major === 27 && !atLeast(r, 27, 4, 2)) || (r.major === 28 && !atLeast(r, 28, 2, 0)))
    return 'device_spec_loop';
  return 'device_spec_json';
}

function renderNova(hv: HostVars, out: HostRender, b: IniBuilder, groups: Set<string>, release: Release) {
  const nova = 'nova.conf';
  const tmpl = pciTemplate(release);
  const alias = hv.get('nova_pci_alias');
  const aliasValue = alias.value ?? [];
  if (release.major === 18 && !atLeast(release, 18, 1, 6)) {
    const wl = hv.get('nova_pci_passthrough_whitelist');
    b.set(nova, 'DEFAULT', 'pci_passthrough_whitelist', `"${jinjaPrint(wl.value)}"`, [wl]);
  } else if (tmpl === 'passthrough_whitelist') {
    const wl = hv.get('nova_pci_passthrough_whitelist');
    if (truthy(wl.value) || truthy(aliasValue)) {
      b.section(nova, 'pci');
      if (truthy(wl.value)) {
        b.set(nova, 'pci', 'passthrough_whitelist', jinjaPrint(wl.value), [wl]);
        if (typeof wl.value !== 'string')
          out.problems.push(brokenRepr('nova_pci_passthrough_whitelist', wl, release));
      }
    }
  } else {
    const spec = hv.get('nova_device_spec');
    const v = spec.value;
    if (truthy(v) || truthy(aliasValue)) {
      b.section(nova, 'pci');
      if (truthy(v)) {
        let lines: string[];
        if (tmpl === 'device_spec_plain') {
          lines = [jinjaPrint(v)];
          if (typeof v !== 'string') out.problems.push(brokenRepr('nova_device_spec', spec, release));
        } else if (tmpl === 'device_spec_loop') {
          if (isDict(v)) {
            lines = [pyRepr(v)];
            out.problems.push(brokenRepr('nova_device_spec', spec, release));
          } else if (typeof v === 'string') {
            lines = [...v];
            out.problems.push({
              code: 'nova-device-spec-string-loop',
              variable: 'nova_device_spec',
              message: `nova_device_spec is a string: OSA ${releaseText(release)} loops over it and writes one device_spec line per character, which breaks nova.conf; use a list of JSON strings`,
              location: spec.winner?.loc ?? null,
            });
          } else lines = stringList(v ?? []);
        } else {
          const items = typeof v === 'string' ? [v] : isDict(v) ? [v] : Array.isArray(v) ? v : [v as PyValue];
          lines = items
            .filter((i) => typeof i === 'string' || isDict(i))
            .map((i) => (typeof i === 'string' ? i : jsonDumps(i as PyValue)));
        }
        b.set(nova, 'pci', 'device_spec', lines.length === 1 ? lines[0]! : lines, [spec]);
      }
    }
  }
  if (truthy(aliasValue)) {
    const items = Array.isArray(aliasValue) ? aliasValue : [aliasValue];
    b.set(nova, 'pci', 'alias', items.length === 1 ? jinjaPrint(items[0]!) : items.map(jinjaPrint), [alias]);
    if (items.some((i) => typeof i !== 'string')) {
      out.problems.push({
        code: 'nova-pci-alias-not-json',
        variable: 'nova_pci_alias',
        message:
          'nova_pci_alias items must be JSON strings: a YAML mapping is written as a Python repr, which Nova rejects (PciInvalidAlias)',
        location: alias.winner?.loc ?? null,
      });
    }
  }
  // Every nova.conf had [filter_scheduler] until 2025.2 guarded it to nova_scheduler hosts.
  if (release.major <= 31 || groups.has('nova_scheduler')) {
    const defaults = hv.get('nova_scheduler_default_filters');
    if (schedulerFiltersAreString(release)) {
      b.set(nova, 'filter_scheduler', 'enabled_filters', jinjaPrint(defaults.value), [defaults]);
    } else {
      const extra = hv.get('nova_scheduler_extra_filters');
      const d = defaults.value;
      if (typeof d === 'string') {
        out.problems.push({
          code: 'scheduler-filters-string',
          variable: 'nova_scheduler_default_filters',
          message:
            'nova_scheduler_default_filters is a string: since Train OSA needs a YAML list (the template adds a string to a list and fails)',
          location: defaults.winner?.loc ?? null,
        });
      } else {
        const all = [...stringList(d ?? []), ...stringList(extra.value ?? [])];
        b.set(nova, 'filter_scheduler', 'enabled_filters', all.join(','), [defaults, extra]);
      }
    }
  }
  b.applyOverrides(nova, hv.get('nova_nova_conf_overrides'));
}

function releaseText(r: Release): string {
  return r.point ? r.point.join('.') : `${r.major}.x`;
}

function brokenRepr(name: string, r: ResolvedVar, release: Release): RenderFailure {
  return {
    code: 'nova-pci-repr',
    variable: name,
    message: `${name} is a ${Array.isArray(r.value) ? 'list' : 'mapping'}${r.template?.convertedFromString ? ' (Ansible converted the JSON string)' : ''}: OSA ${releaseText(release)} writes it as a Python repr with single quotes, which Nova rejects ("Invalid entry"); give one JSON string`,
    location: r.winner?.loc ?? null,
  };
}
