// The edits of the OSA config directory that make a derived plan real: provider_networks
// entries, per-host copies where NIC names differ, per-host Nova device_spec and excluded
// devices in host_vars/<host>.yml, ml2.sriov and PciPassthroughFilter, and the removal of
// values that would mask them (user_*.yml extra vars, container_vars). Each change says why.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { specVarName } from '../deployment/devspec-helpers.js';
import type { VarDef } from '../osa/inventory.js';
import { entry } from '../osa/load.js';
import type { DeploymentModel } from '../osa/model.js';
import { type HostRender, jsonDumps, pciTemplate } from '../osa/render.js';
import type { PyValue } from '../python.js';
import type { DerivedPlan, PlannedDeviceSpec, PlanProblem } from './derive.js';
import type { Intent, IntentPhysnet } from './intent.js';
import { assertInventoryHost } from './safe-values.js';
import { type Plain, YamlEditor, type YamlPath } from './yaml-edit.js';

export interface FileChange {
  file: string;
  /** null for a new file. */
  before: string | null;
  after: string;
  reasons: string[];
}

export interface PlanEdits {
  changes: FileChange[];
  problems: PlanProblem[];
  /** Things the operator must do by hand (stale inventory values, kept copies to maintain). */
  notes: string[];
}

const SRIOV_AGENT = 'neutron_sriov_nic_agent';
const FILTER = 'PciPassthroughFilter';
const SPEC_NAMES = ['nova_device_spec', 'nova_pci_passthrough_whitelist'] as const;
const INVENTORY_LEVELS = new Set(['inventory host_vars', 'inventory container_vars']);

class Workspace {
  private readonly files = new Map<
    string,
    { editor: YamlEditor; before: string | null; reasons: string[] }
  >();

  /** Comment lines a file gets when the plan creates it. */
  readonly headers = new Map<string, string>();

  constructor(readonly dir: string) {}

  open(file: string): YamlEditor {
    let f = this.files.get(file);
    if (!f) {
      const before = existsSync(file) ? readFileSync(file, 'utf8') : null;
      f = { editor: new YamlEditor(before ?? '', relative(this.dir, file)), before, reasons: [] };
      this.files.set(file, f);
    }
    return f.editor;
  }

  /** Runs one edit and records why when it changed the file; a new file starts with a header. */
  edit(file: string, why: string, change: (e: YamlEditor) => boolean): void {
    const e = this.open(file);
    const fresh = this.files.get(file)!.before === null && e.text === '';
    if (change(e)) {
      const header = this.headers.get(file);
      if (fresh && header) e.prepend(header);
      const reasons = this.files.get(file)!.reasons;
      if (!reasons.includes(why)) reasons.push(why);
    }
  }

  changes(): FileChange[] {
    return [...this.files.entries()]
      .filter(([, f]) => f.editor.text !== (f.before ?? ''))
      .map(([file, f]) => ({ file, before: f.before, after: f.editor.text, reasons: f.reasons }))
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }
}

/** The L2 agent group of an OVS or Linux bridge plugin (null for OVN). */
function l2AgentGroup(intent: Intent): string | null {
  return { ovs: 'neutron_openvswitch_agent', lxb: 'neutron_linuxbridge_agent', ovn: null }[intent.plugin];
}

/**
 * The groups an SR-IOV provider network entry binds for the plugin and release. The OVS or
 * Linux bridge agent only when a bridge mapping is wanted: a physnet used only by SR-IOV needs
 * none, and an OVS/LXB bridge mapping without an uplink draws normal ports onto a dead bridge.
 */
export function requiredGroupBinds(intent: Intent, bridgeMapping = true): string[] {
  const groups = [SRIOV_AGENT];
  const l2 = l2AgentGroup(intent);
  if (l2 && bridgeMapping) groups.push(l2);
  if (intent.plugin === 'ovn') {
    groups.push('neutron_ovn_controller');
    // Before Zed every OVN controller was a gateway chassis; since, only neutron_ovn_gateway hosts.
    if (intent.release.major >= 26) groups.push('neutron_ovn_gateway');
  }
  return groups;
}

/** The spec value in the form the release's nova.conf template renders correctly. */
export function deviceSpecValue(intent: Intent, specs: readonly PlannedDeviceSpec[]): Plain {
  const dicts = specs.map((s) => jsonDumps(s as unknown as PyValue));
  switch (pciTemplate(intent.release)) {
    case 'passthrough_whitelist':
    case 'device_spec_plain':
      return dicts.length === 1 ? dicts[0]! : `[${dicts.join(', ')}]`;
    case 'device_spec_loop':
      return dicts;
    default:
      return specs.map((s) => ({ ...s }));
  }
}

type Net = Record<string, unknown>;

function networkOf(item: unknown): Net | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
  const n = (item as Record<string, unknown>).network;
  return typeof n === 'object' && n !== null && !Array.isArray(n) ? (n as Net) : null;
}

/** The entry that carries a physnet's SR-IOV mapping: the one with sriov_host_interfaces, or bound to the agent. */
function findEntry(items: readonly unknown[], physnet: string): number {
  const nets = items.map(networkOf);
  const same = nets.map((n, i) => (n && n.net_name === physnet ? i : -1)).filter((i) => i >= 0);
  const pick = (f: (n: Net) => boolean) => same.find((i) => f(nets[i]!));
  return (
    pick((n) => 'sriov_host_interfaces' in n) ??
    pick((n) => Array.isArray(n.group_binds) && n.group_binds.includes(SRIOV_AGENT)) ??
    pick((n) => n.type === 'vlan' || n.type === 'flat') ??
    -1
  );
}

interface EntryWant {
  physnet: string;
  type: 'vlan' | 'flat';
  range: string | null;
  /** "pf1,pf2", or null when this host (or list) maps no PF of the physnet. */
  ifaces: string | null;
  groups: string[];
  underscoreGroups: boolean;
}

function bridgeFor(physnet: string, taken: ReadonlySet<string>): string {
  const base = `br-${physnet}`.slice(0, 15);
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const name = `${base.slice(0, 15 - String(i).length)}${i}`;
    if (!taken.has(name)) return name;
  }
}

function nextInterface(nets: ReadonlyArray<Net | null>): string {
  const used = nets
    .map((n) =>
      typeof n?.container_interface === 'string' ? /^eth(\d+)$/.exec(n.container_interface) : null,
    )
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  return `eth${Math.max(11, ...used) + 1}`;
}

/** Makes the list at listPath carry the wanted entry for one physnet; edits only what differs. */
function applyEntry(e: YamlEditor, listPath: YamlPath, want: EntryWant): boolean {
  const raw = e.get(listPath);
  const items = Array.isArray(raw) ? raw : [];
  const idx = findEntry(items, want.physnet);
  if (idx < 0) {
    if (want.ifaces === null && !raw) return false;
    const nets = items.map(networkOf);
    const taken = new Set(nets.map((n) => String(n?.container_bridge ?? '')));
    const network: Record<string, Plain> = {
      container_bridge: bridgeFor(want.physnet, taken),
      container_type: 'veth',
      container_interface: nextInterface(nets),
      type: want.type,
      net_name: want.physnet,
      ...(want.range !== null ? { range: want.range } : {}),
      ...(want.ifaces !== null ? { sriov_host_interfaces: want.ifaces } : {}),
      group_binds: want.groups,
    };
    return e.append(listPath, { network });
  }
  const net = networkOf(items[idx])!;
  const p = [...listPath, idx, 'network'];
  let changed = false;
  const set = (k: string, v: Plain) => {
    if (net[k] !== v) changed = e.set([...p, k], v) || changed;
  };
  const drop = (k: string) => {
    if (k in net) changed = e.delete([...p, k]) || changed;
  };
  set('type', want.type);
  if (want.range === null) drop('range');
  else set('range', want.range);
  if (want.ifaces === null) drop('sriov_host_interfaces');
  else set('sriov_host_interfaces', want.ifaces);
  if (!('container_bridge' in net) && !('host_bind_override' in net)) {
    const taken = new Set(items.map((i) => String(networkOf(i)?.container_bridge ?? '')));
    set('container_bridge', bridgeFor(want.physnet, taken));
  }
  if (!('container_interface' in net)) set('container_interface', nextInterface(items.map(networkOf)));
  if (!('container_type' in net)) set('container_type', 'veth');
  const binds = Array.isArray(net.group_binds) ? net.group_binds.map(String) : [];
  if (want.underscoreGroups && binds.some((g) => g.includes('-'))) {
    const fixed = [...new Set([...binds.map((g) => g.replace(/-/g, '_')), ...want.groups])];
    changed = e.set([...p, 'group_binds'], fixed) || changed;
  } else {
    for (const g of want.groups)
      if (!binds.includes(g)) changed = e.append([...p, 'group_binds'], g) || changed;
  }
  return changed;
}

/** Where openstack_user_config.yml (or conf.d) defines a host's container_vars/host_vars entries. */
function inventoryVarPaths(
  model: DeploymentModel,
  ws: Workspace,
  appliesTo: (hostKey: string) => boolean,
  names: readonly string[],
): Array<{ file: string; path: YamlPath; name: string; hostKey: string }> {
  const out: Array<{ file: string; path: YamlPath; name: string; hostKey: string }> = [];
  for (const file of model.deploy.userConfigFiles) {
    const top = ws.open(file).get([]);
    if (typeof top !== 'object' || top === null) continue;
    for (const [group, hosts] of Object.entries(top as Record<string, unknown>)) {
      if (group === 'global_overrides' || typeof hosts !== 'object' || hosts === null) continue;
      for (const [hostKey, def] of Object.entries(hosts as Record<string, unknown>)) {
        if (typeof def !== 'object' || def === null) continue;
        for (const kind of ['host_vars', 'container_vars'] as const) {
          const vars = (def as Record<string, unknown>)[kind];
          if (typeof vars !== 'object' || vars === null || !appliesTo(hostKey)) continue;
          for (const name of names)
            if (name in (vars as Record<string, unknown>))
              out.push({ file, path: [group, hostKey, kind, name], name, hostKey });
        }
      }
    }
  }
  return out;
}

function extraVarFile(model: DeploymentModel, name: string): string | null {
  let file: string | null = null;
  for (const sf of model.deploy.extraVars) if (entry(sf.node, name)) file = sf.file;
  return file;
}

function hostVarsFile(ws: Workspace, host: string, model: DeploymentModel): string {
  // The name becomes a path: only an Ansible host name (no "/", no "..") gets there.
  assertInventoryHost(model, host);
  const asDir = join(ws.dir, 'host_vars', host);
  const file =
    existsSync(asDir) && statSync(asDir).isDirectory() ? join(asDir, 'osa-sriov.yml') : `${asDir}.yml`;
  ws.headers.set(
    file,
    `${host}: its own SR-IOV values (PCI addresses and NIC names differ between hosts).\nWritten by osa-sriov plan; per-host values belong here, not in user_variables.yml or container_vars.`,
  );
  return file;
}

const level = (r: HostRender, name: string): VarDef['level'] | null =>
  r.vars.get(name)?.winner?.level ?? null;

export function planEdits(intent: Intent, derived: DerivedPlan, model: DeploymentModel): PlanEdits {
  const dir = model.deploy.dir;
  const ws = new Workspace(dir);
  const problems: PlanProblem[] = [];
  const notes: string[] = [];
  const userVariables = join(dir, 'user_variables.yml');
  const rel = (f: string) => relative(dir, f);
  const planned = new Map(derived.hosts.map((h) => [h.host, h]));
  const renders = [...model.hosts.values()];
  const physical = renders.filter((r) => !model.inventory.hosts.get(r.name)?.isContainer);

  // The deployment must run the plugin the intent names.
  const wantPlugin = { ovn: ['ml2.ovn'], ovs: ['ml2.ovs', 'ml2.ovs.dvr'], lxb: ['ml2.lxb'] }[intent.plugin];
  const server = renders.find((r) => r.groups.includes('neutron_server')) ?? renders[0];
  const plugin = server?.vars.get('neutron_plugin_type')?.value;
  if (typeof plugin === 'string' && !wantPlugin.includes(plugin)) {
    problems.push({
      message: `the deployment's neutron_plugin_type is ${plugin}, not ${wantPlugin[0]}: write plugin: ${plugin.replace(/^ml2\.|\.dvr$/g, '').replace('linuxbridge', 'lxb')} in the intent, or change neutron_plugin_type first`,
      location: intent.at(['plugin']),
    });
  }

  // Planned hosts must run the SR-IOV NIC agent.
  const sriovHosts = physical.filter((r) => r.groups.includes(SRIOV_AGENT));
  for (const h of derived.hosts) {
    if (sriovHosts.some((r) => r.name === h.host)) continue;
    const pi = intent.physnets.findIndex((p) => h.pfs.some((x) => x.physnet === p.name));
    problems.push({
      host: h.host,
      message: `${h.host} is not in the ${SRIOV_AGENT} group, so no SR-IOV agent runs there: list it under compute_hosts${intent.plugin === 'ovn' && intent.release.major < 26 ? ` (OSA ${intent.release.series} with OVN also needs ${SRIOV_AGENT} in env.d nova_compute_container contains)` : ''}`,
      location: intent.at(['physnets', Math.max(pi, 0), 'hosts']),
    });
  }

  // --- provider_networks ---------------------------------------------------------------
  const globalEntry = entry(entry(model.deploy.userConfig, 'global_overrides')?.value, 'provider_networks');
  const pnExtra = extraVarFile(model, 'provider_networks');
  const globalFile = pnExtra ?? globalEntry?.keyLoc?.file ?? join(dir, 'openstack_user_config.yml');
  const globalPath: YamlPath = pnExtra ? ['provider_networks'] : ['global_overrides', 'provider_networks'];
  // The L2 agent group is added to a physnet's entry only when the intent asks (and never
  // removed): the physnets whose entries bind it already (in any host's provider_networks).
  const l2 = l2AgentGroup(intent);
  const bridgedNow = new Set<string>();
  for (const r of renders) {
    const list = r.vars.get('provider_networks')?.value;
    if (Array.isArray(list))
      for (const item of list) {
        const n = networkOf(item);
        if (
          typeof n?.net_name === 'string' &&
          Array.isArray(n.group_binds) &&
          l2 &&
          n.group_binds.includes(l2)
        )
          bridgedNow.add(n.net_name);
      }
  }
  const bridged = (p: IntentPhysnet) => p.bridgeMapping === true;
  const underscore = intent.release.major >= 33;
  const desired = (host: string, physnet: string): string | null =>
    planned.get(host)?.mappings[physnet]?.join(',') ?? null;
  const wants = (ifaces: (physnet: string) => string | null): EntryWant[] =>
    intent.physnets.map((p) => ({
      physnet: p.name,
      type: p.type,
      range: p.type === 'vlan' && p.vlanRanges && p.vlanRanges.length > 0 ? p.vlanRanges.join(',') : null,
      ifaces: ifaces(p.name),
      groups: requiredGroupBinds(intent, bridged(p)),
      underscoreGroups: underscore,
    }));
  // The shared entry carries the NIC names most SR-IOV hosts have; the others get their own copy.
  const globalIfaces = new Map<string, string | null>();
  for (const p of intent.physnets) {
    // Hosts that map no PF of the physnet count too (ties go to a NIC name).
    const counts = new Map<string | null, number>();
    for (const r of sriovHosts) {
      const v = desired(r.name, p.name);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const [v, n] of counts) {
      const bestN = counts.get(best) ?? 0;
      if (n > bestN || (n === bestN && best === null)) best = v;
    }
    globalIfaces.set(p.name, best);
  }
  for (const want of wants((p) => globalIfaces.get(p) ?? null)) {
    ws.edit(globalFile, `provider_networks: the ${want.physnet} entry`, (e) =>
      applyEntry(e, globalPath, want),
    );
  }
  const editedGlobal = ws.open(globalFile).get(globalPath);
  for (const p of intent.physnets) {
    if (!l2 || bridged(p) || bridgedNow.has(p.name)) continue;
    const dhcp = physical.filter((r) => r.groups.includes('neutron_dhcp_agent')).map((r) => r.name);
    notes.push(
      `${p.name} is used only by SR-IOV: its entry binds ${SRIOV_AGENT} only, so no ${l2} host gets a bridge mapping for it (bridgeMapping: true in the intent asks for one). SR-IOV guests on it get DHCP only from a DHCP agent host${dhcp.length > 0 ? ` (${dhcp.join(', ')})` : ''} whose ${l2} maps ${p.name} to a bridge with an uplink on the same ${p.type === 'vlan' ? 'VLANs' : 'network'}: give those hosts a provider_networks entry for ${p.name} bound to ${l2} with container_bridge and network_interface (the uplink port), or create its subnets with --no-dhcp and use a config drive. OSA still gives the SR-IOV hosts themselves a mapping of ${p.name} to the entry's container_bridge (its provider_networks module maps every entry a host is bound to), ${l2 === 'neutron_openvswitch_agent' ? 'an OVS bridge it creates with no port' : 'a bridge that must exist on them for the Linux bridge agent to start'}`,
    );
  }
  // The intent is the whole truth for its physnets: hosts it leaves out lose their mappings there.
  for (const p of intent.physnets) {
    const losing = sriovHosts
      .filter((r) => desired(r.name, p.name) === null)
      .filter((r) =>
        (r.providerNetworks?.network_sriov_mappings ?? '').split(',').some((m) => m.startsWith(`${p.name}:`)),
      )
      .map((r) => r.name);
    if (losing.length > 0)
      notes.push(
        `${losing.join(', ')} ${losing.length === 1 ? 'maps' : 'map'} SR-IOV PFs on ${p.name} today and the intent gives ${losing.length === 1 ? 'it' : 'them'} none: after these edits ${losing.length === 1 ? 'it no longer does' : 'they no longer do'} (list ${losing.length === 1 ? 'it' : 'them'} in the intent to keep ${losing.length === 1 ? 'its mappings' : 'their mappings'})`,
      );
  }

  const ownCopies: string[] = [];
  for (const r of sriovHosts) {
    const pnLevel = level(r, 'provider_networks');
    const differs = intent.physnets.some(
      (p) => desired(r.name, p.name) !== (globalIfaces.get(p.name) ?? null),
    );
    const ownSource =
      pnLevel !== null && pnLevel !== 'global_overrides' && pnLevel !== 'extra vars (user_*.yml)';
    if (!differs && !ownSource) continue;
    if (pnExtra) {
      problems.push({
        host: r.name,
        message: `${r.name} needs its own SR-IOV interfaces in provider_networks, but provider_networks is set in ${rel(pnExtra)} (extra vars), which masks every per-host value: move it to global_overrides in openstack_user_config.yml`,
        location: { file: pnExtra, line: 1, column: 1 },
      });
      continue;
    }
    const file = hostVarsFile(ws, r.name, model);
    const winner = r.vars.get('provider_networks')?.winner;
    const inPlace = pnLevel === 'host_vars file' && winner?.loc?.file === file;
    const why = `provider_networks: ${r.name}'s own copy (its SR-IOV NICs differ from the shared entry's)`;
    if (!inPlace) {
      const base = (ownSource ? winner?.value : editedGlobal) as Plain;
      ws.edit(file, why, (e) =>
        e.set(
          ['provider_networks'],
          base,
          `osa-sriov plan: ${r.name}'s copy of provider_networks with its own sriov_host_interfaces;\nkeep its other entries in step with global_overrides.provider_networks`,
        ),
      );
    }
    for (const want of wants((p) => desired(r.name, p))) {
      ws.edit(file, why, (e) => applyEntry(e, ['provider_networks'], want));
    }
    ownCopies.push(r.name);
  }
  if (ownCopies.length > 0) {
    notes.push(
      `host_vars of ${ownCopies.join(', ')} hold a copy of provider_networks (their SR-IOV NIC names differ from the shared entry's): a later change to global_overrides.provider_networks must be made there too`,
    );
  }

  // Hand-written neutron_provider_networks skips OSA's module: the entries above would not apply.
  for (const h of derived.hosts) {
    const r = model.hosts.get(h.host);
    if (r?.providerNetworksSource !== 'neutron_provider_networks') continue;
    const lv = level(r, 'neutron_provider_networks');
    const winner = r.vars.get('neutron_provider_networks')?.winner;
    const why = `neutron_provider_networks of ${h.host} removed: a hand-written value skips OSA's provider_networks module`;
    if (lv === 'host_vars file' && winner?.loc) {
      ws.edit(winner.loc.file, why, (e) =>
        e.delete(['neutron_provider_networks'], 'provider_networks now gives the mappings'),
      );
    } else if (lv && INVENTORY_LEVELS.has(lv)) {
      // removed with the other inventory values below
    } else {
      problems.push({
        host: h.host,
        message: `${h.host}: neutron_provider_networks is set${winner?.loc ? ` in ${rel(winner.loc.file)}:${winner.loc.line}` : ''} (${lv}); it skips OSA's provider_networks module, so the planned mappings would not apply: remove it`,
        location: winner?.loc
          ? { file: winner.loc.file, line: winner.loc.line, column: winner.loc.column }
          : intent.at(['physnets']),
      });
    }
  }

  // --- Nova device_spec, excluded devices --------------------------------------------------
  const specName = specVarName(intent.release);
  for (const h of derived.hosts) {
    const file = hostVarsFile(ws, h.host, model);
    ws.edit(file, `${specName}: the VFs of ${h.host}'s planned PFs, by PCI address`, (e) =>
      e.set([specName], deviceSpecValue(intent, h.deviceSpec)),
    );
    if (specName === 'nova_device_spec') {
      ws.edit(file, 'nova_pci_passthrough_whitelist removed: replaced by nova_device_spec', (e) =>
        e.delete(['nova_pci_passthrough_whitelist']),
      );
    }
    const r = model.hosts.get(h.host);
    const current = r?.vars.get('neutron_sriov_excluded_devices');
    if (h.excludedDevices) {
      ws.edit(file, `neutron_sriov_excluded_devices: VFs ${h.host} uses itself`, (e) =>
        e.set(['neutron_sriov_excluded_devices'], h.excludedDevices),
      );
    } else if (current?.value && current.winner?.loc?.file === file) {
      ws.edit(file, 'neutron_sriov_excluded_devices removed: the host uses none of the planned VFs', (e) =>
        e.delete(['neutron_sriov_excluded_devices']),
      );
    } else if (current?.value && current.winner?.level !== 'role default') {
      ws.edit(file, 'neutron_sriov_excluded_devices emptied: the host uses none of the planned VFs', (e) =>
        e.set(['neutron_sriov_excluded_devices'], ''),
      );
    }
  }
  // Inventory values of planned hosts: container_vars leak by name prefix and all would be
  // masked by host_vars/<host>.yml anyway.
  const invDefs = inventoryVarPaths(model, ws, (key) => planned.has(key), [
    ...SPEC_NAMES,
    'neutron_provider_networks',
  ]);
  for (const d of invDefs) {
    const why = `the SR-IOV values of ${d.hostKey} are in host_vars/${d.hostKey}.yml`;
    const names = invDefs.filter((x) => x.hostKey === d.hostKey && x.file === d.file).map((x) => x.name);
    const reason = `${d.hostKey}: ${names.join(', ')} removed from its ${d.path[2]} (host_vars/${d.hostKey}.yml now holds the plan's values; container_vars also leak to hosts whose name starts with ${d.hostKey})`;
    ws.edit(d.file, reason, (e) => {
      // When every key goes, the mapping goes at once, with one note.
      const parent = d.path.slice(0, -1);
      const keys = Object.keys((e.get(parent) as Record<string, unknown> | null) ?? {});
      const all = keys.every((k) =>
        invDefs.some((x) => x.file === d.file && x.path.join('\0') === [...parent, k].join('\0')),
      );
      return all ? e.delete(parent, why) : e.delete(d.path, why);
    });
  }
  if (model.deploy.inventory) {
    const stale = invDefs.filter((d) => d.name === 'neutron_provider_networks');
    for (const d of stale) {
      if (model.deploy.inventory.hostvars[d.hostKey]?.neutron_provider_networks !== undefined)
        notes.push(
          `${rel(model.deploy.inventory.file)} keeps ${d.hostKey}'s neutron_provider_networks after it is removed from ${rel(d.file)} (OSA never deletes inventory host vars): remove it there too, e.g. with jq 'del(._meta.hostvars["${d.hostKey}"].neutron_provider_networks)', or the planned mappings will not apply`,
        );
    }
  }
  // A device spec in user_*.yml masks every host's own: move it out, keeping other computes' value.
  for (const name of SPEC_NAMES) {
    const file = extraVarFile(model, name);
    if (!file) continue;
    for (const r of physical.filter((x) => x.groups.includes('nova_compute') && !planned.has(x.name))) {
      const v = r.vars.get(name);
      if (v?.winner?.level === 'extra vars (user_*.yml)' && v.value)
        ws.edit(
          hostVarsFile(ws, r.name, model),
          `${name}: ${r.name} keeps the value it had from ${rel(file)}`,
          (e) => e.set([name], v.value as Plain),
        );
    }
    for (const sf of model.deploy.extraVars.filter((s) => entry(s.node, name))) {
      ws.edit(sf.file, `${name} removed: an extra var masks every host's own value`, (e) =>
        e.delete([name], 'as an extra var it masked the per-host values in host_vars/'),
      );
    }
  }

  // --- ml2.sriov ---------------------------------------------------------------------------
  const typesFile = extraVarFile(model, 'neutron_plugin_types');
  const types = server?.vars.get('neutron_plugin_types')?.value;
  const typeList = Array.isArray(types)
    ? types.map(String)
    : typeof types === 'string' && types
      ? [types]
      : [];
  if (!typeList.includes('ml2.sriov') || !typesFile) {
    const file = typesFile ?? userVariables;
    ws.edit(file, 'neutron_plugin_types: ml2.sriov enables the SR-IOV mechanism driver and agent', (e) => {
      const cur = e.get(['neutron_plugin_types']);
      if (Array.isArray(cur))
        return cur.includes('ml2.sriov') ? false : e.append(['neutron_plugin_types'], 'ml2.sriov');
      return e.set(['neutron_plugin_types'], [...typeList.filter((t) => t !== 'ml2.sriov'), 'ml2.sriov']);
    });
  }

  // --- PciPassthroughFilter ----------------------------------------------------------------
  const scheduler =
    renders.find((r) => r.groups.includes('nova_scheduler') && r.ini['nova.conf']?.filter_scheduler) ?? null;
  const enabled = scheduler?.ini['nova.conf']?.filter_scheduler?.enabled_filters;
  const enabledText = Array.isArray(enabled) ? (enabled.at(-1) ?? '') : (enabled ?? '');
  const filters = enabledText
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (scheduler && !filters.includes(FILTER)) {
    const source = scheduler.iniSources['nova.conf']?.filter_scheduler?.enabled_filters?.[0] ?? '';
    if (source.startsWith('nova_nova_conf_overrides')) {
      const loc = scheduler.vars.get('nova_nova_conf_overrides')?.winner?.loc;
      problems.push({
        message: `nova_nova_conf_overrides sets [filter_scheduler] enabled_filters itself: add ${FILTER} to that list`,
        location: loc
          ? { file: loc.file, line: loc.line, column: loc.column }
          : { file: userVariables, line: 1, column: 1 },
      });
    } else if (intent.release.major >= 20) {
      const file = extraVarFile(model, 'nova_scheduler_extra_filters') ?? userVariables;
      const cur = scheduler.vars.get('nova_scheduler_extra_filters')?.value;
      const list = Array.isArray(cur) ? cur.map(String) : [];
      ws.edit(
        file,
        `nova_scheduler_extra_filters: ${FILTER} makes the scheduler honour PCI requests`,
        (e) => {
          const here = e.get(['nova_scheduler_extra_filters']);
          return Array.isArray(here)
            ? e.append(['nova_scheduler_extra_filters'], FILTER)
            : e.set(['nova_scheduler_extra_filters'], [...list, FILTER]);
        },
      );
    } else {
      const file = extraVarFile(model, 'nova_scheduler_default_filters') ?? userVariables;
      ws.edit(
        file,
        `nova_scheduler_default_filters: ${FILTER} added (OSA ${intent.release.series} has no nova_scheduler_extra_filters)`,
        (e) => e.set(['nova_scheduler_default_filters'], [...filters, FILTER].join(',')),
      );
    }
  }

  return { changes: ws.changes(), problems, notes };
}
