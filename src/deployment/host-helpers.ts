// Shared by the host-facts rules (SRIOV-HOST-*): which PFs matter on a host (those the SR-IOV
// agent maps and those the Nova device_spec selects), how a mapped name resolves against the
// host's facts, VF persistence per PF, and the L2 agent's FDB extension. Pure: no I/O.

import type { FindingLocation } from '../checks/finding.js';
import type { HostFacts, OtherNic, PersistenceEvidence, Pf, Vf } from '../facts/host-facts.js';
import {
  hostVerdicts,
  type PfVerdictInputs,
  pfLabel,
  pfVerdictInputs,
  pfVerdicts,
  type Verdict,
} from '../facts/readiness.js';
import { PairMemo } from '../memo.js';
import {
  AgentConfigError,
  iniValue,
  parseListOpt,
  parseMultiMappings,
} from '../openstack/neutron-agent-config.js';
import { pfSelection } from '../openstack/nova-specs-shared.js';
import type { Release } from '../osa/releases.js';
import { pciTemplate } from '../osa/render.js';
import { isDict, type PyValue, pyStr } from '../python.js';
import type { DevspecEntry, HostView } from './context.js';
import { specListKey } from './devspec-helpers.js';

export { pfLabel };

/** What a user sees when Nova places an instance on a VF the SR-IOV agent does not manage (its port never goes ACTIVE). */
export const VIF_TIMEOUT =
  'nova-compute waits for network-vif-plugged until vif_plugging_timeout (300 s), logs "Timeout waiting for [(\'network-vif-plugged\', …)]" and "Virtual Interface creation failed", and the instance ends in ERROR with "Build of instance … aborted: Failed to allocate the network(s), not rescheduling."';

/**
 * The readiness verdict with this code about this PF (or about the host when pf is null): the
 * first of assessReadiness(f).verdicts with that code and subject, found among the verdicts about the
 * host, or about the PFs with that label, each judged once (not the whole host's readiness).
 */
export function verdict(f: HostFacts, pf: Pf | null, code: string): Verdict | undefined {
  if (pf === null) return hostVerdictsOf(f).find((v) => v.code === code);
  const subject = pfLabel(pf);
  for (const p of f.pfs) {
    if (pfLabel(p) !== subject) continue;
    const found = pfVerdictsOf(f, p).find((v) => v.code === code);
    if (found) return found;
  }
  return undefined;
}

const HOST_VERDICTS = new WeakMap<HostFacts, Verdict[]>();
const PF_INPUTS = new WeakMap<HostFacts, PfVerdictInputs>();
const PF_VERDICTS = new WeakMap<Pf, Verdict[]>();

function hostVerdictsOf(f: HostFacts): Verdict[] {
  let v = HOST_VERDICTS.get(f);
  if (!v) {
    v = hostVerdicts(f);
    HOST_VERDICTS.set(f, v);
  }
  return v;
}

function pfVerdictsOf(f: HostFacts, pf: Pf): Verdict[] {
  let v = PF_VERDICTS.get(pf);
  if (!v) {
    let inputs = PF_INPUTS.get(f);
    if (!inputs) {
      inputs = pfVerdictInputs(f);
      PF_INPUTS.set(f, inputs);
    }
    v = pfVerdicts(pf, inputs);
    PF_VERDICTS.set(pf, v);
  }
  return v;
}

/** One line saying where the facts came from, for evidence. */
export function factsLine(h: HostView): string {
  const f = h.facts!;
  const when = f.source.collectedAt ? `, collected ${f.source.collectedAt}` : '';
  return `facts: ${h.factsSource ?? 'given'} (${f.source.kind}${when})`;
}

/** physnet → netdevs the SR-IOV agent on this host maps ({} when none or unreadable). */
export function agentMappings(h: HostView): Record<string, string[]> {
  return h.agent()?.mappings ?? {};
}

/** Mapped netdev → the physnets mapping it, in the agent's order (read only: hosts share it). */
export function mappedDevices(h: HostView): ReadonlyMap<string, readonly string[]> {
  const mappings = h.agent()?.mappings;
  if (!mappings) return NO_DEVICES;
  // The agent's reading is shared by the hosts that render the same section (context.ts).
  let out = MAPPED.get(mappings);
  if (!out) {
    const m = new Map<string, string[]>();
    for (const [physnet, devs] of Object.entries(mappings))
      for (const d of devs) m.set(d, [...(m.get(d) ?? []), physnet]);
    out = m;
    MAPPED.set(mappings, out);
  }
  return out;
}

const MAPPED = new WeakMap<Record<string, string[]>, ReadonlyMap<string, readonly string[]>>();
const NO_DEVICES: ReadonlyMap<string, readonly string[]> = new Map();

/** A compute host where SR-IOV is configured (agent mappings or a device_spec) and facts exist. */
export function isSriovCompute(h: HostView): boolean {
  return (
    h.facts !== null && h.isCompute && (mappedDevices(h).size > 0 || (h.devspec()?.entries.length ?? 0) > 0)
  );
}

/** What a netdev name named in the mappings is on the host. */
export type Resolved =
  | { kind: 'pf'; pf: Pf }
  | { kind: 'altname'; pf: Pf }
  | { kind: 'vf'; pf: Pf; vf: Vf }
  | { kind: 'other'; nic: OtherNic }
  | { kind: 'master'; masterKind: string; slaves: Pf[] }
  | { kind: 'missing'; renamedTo: Pf | null };

/** A predictable-name suffix a newer driver/udev may append (ens7f0 → ens7f0np0). */
const RENAME_SUFFIX = /^(np\d+|n\d+|d\d+|v\d+)$/;

export function resolveDevice(f: HostFacts, name: string): Resolved {
  const pf = f.pfs.find((p) => p.netdev === name);
  if (pf) return { kind: 'pf', pf };
  const alt = f.pfs.find((p) => p.altnames.includes(name));
  if (alt) return { kind: 'altname', pf: alt };
  for (const p of f.pfs) {
    const vf = p.vfs.find((v) => v.netdev === name);
    if (vf) return { kind: 'vf', pf: p, vf };
  }
  const other = f.otherNics.find((n) => n.netdevs.includes(name));
  if (other) return { kind: 'other', nic: other };
  const slaves = f.pfs.filter((p) => p.master?.name === name);
  if (slaves.length > 0) return { kind: 'master', masterKind: slaves[0]!.master!.kind, slaves };
  const renamedTo =
    f.pfs.find((p) => p.netdev?.startsWith(name) && RENAME_SUFFIX.test(p.netdev.slice(name.length))) ?? null;
  return { kind: 'missing', renamedTo };
}

export interface DevspecSelection {
  /** Entries that match the PF itself (type-PF: direct-physical). */
  pf: DevspecEntry[];
  /** Entries that match its VFs (those that exist, or VF 0 where it would be). */
  vfs: DevspecEntry[];
}

/** Which Nova device_spec entries select this PF or its VFs, as Nova matches them (facts-based sysfs). */
export function devspecSelection(h: HostView, pf: Pf): DevspecSelection {
  const spec = h.isCompute ? h.devspec() : null;
  if (!spec?.specs || spec.specs.length !== spec.entries.length) return { pf: [], vfs: [] };
  // The same spec list (as the host resolves it) and the same PF and VF ids and addresses
  // select the same entries: computed once per distinct pair in a fleet.
  const picked = pfSelection(specListKey(spec, spec.specs), spec.specs, pf);
  return { pf: picked.pf.map((i) => spec.entries[i]!), vfs: picked.vfs.map((i) => spec.entries[i]!) };
}

/** A PF that matters on an SR-IOV compute host. */
export interface HostPf {
  pf: Pf;
  /** The name the agent mappings use for it (its netdev), or null when only the device_spec selects it. */
  mappedAs: string | null;
  physnets: string[];
  devspec: DevspecSelection;
}

/** The PFs that matter on a host: mapped by the SR-IOV agent (found by netdev) or selected by the device_spec. */
const HOST_PFS = new WeakMap<HostView, HostPf[]>();

export function hostPfs(h: HostView): HostPf[] {
  let cached = HOST_PFS.get(h);
  if (!cached) {
    cached = computeHostPfs(h);
    HOST_PFS.set(h, cached);
  }
  return cached;
}

function computeHostPfs(h: HostView): HostPf[] {
  const f = h.facts;
  if (!f) return [];
  const mapped = mappedDevices(h);
  const out: HostPf[] = [];
  for (const pf of f.pfs) {
    const physnets = pf.netdev ? (mapped.get(pf.netdev) ?? []) : [];
    const devspec = devspecSelection(h, pf);
    if (physnets.length === 0 && devspec.pf.length === 0 && devspec.vfs.length === 0) continue;
    out.push({ pf, mappedAs: physnets.length > 0 ? pf.netdev : null, physnets: [...physnets], devspec });
  }
  return out;
}

/** Where the agent mapping of a physnet comes from: the provider network entry, or the override variable. */
export function mappingLocation(h: HostView, physnet: string): FindingLocation | undefined {
  const v = h.agent()?.mappingsVar;
  if (!v || v === 'provider_networks' || v === 'neutron_provider_networks')
    return h.providerNetworkLocation(physnet);
  return h.varLocation(v);
}

/** Where a PF is named: its agent mapping, else the device_spec entry selecting it. */
export function pfLocation(h: HostView, hp: HostPf): FindingLocation | undefined {
  if (hp.physnets.length > 0) return mappingLocation(h, hp.physnets[0]!);
  const entry = hp.devspec.vfs[0] ?? hp.devspec.pf[0] ?? null;
  return entry ? h.devspecLocation(entry) : undefined;
}

/** The variable that holds this host's Nova PCI device list (the one that wins, else the release's name). */
export function novaListVar(h: HostView, release: Release): string {
  return (
    h.devspec()?.varName ??
    (pciTemplate(release) === 'passthrough_whitelist' ? 'nova_pci_passthrough_whitelist' : 'nova_device_spec')
  );
}

/** "physnet1:eth0" style, for evidence. */
export function mappingText(h: HostView): string {
  return `sriov_nic_agent.ini [sriov_nic] physical_device_mappings = ${h.agent()?.mappingsText ?? ''}`;
}

/** Short description of how the PF is used, for messages. */
export function usedAs(hp: HostPf): string {
  const parts: string[] = [];
  if (hp.physnets.length > 0) parts.push(`mapped to ${hp.physnets.join(', ')} by the SR-IOV agent`);
  if (hp.devspec.vfs.length > 0) parts.push('its VFs selected by the Nova device_spec');
  if (hp.devspec.pf.length > 0) parts.push('selected itself (type-PF) by the Nova device_spec');
  return parts.join('; ');
}

export function numvfsPath(pf: Pf): string {
  return pf.pciAddress
    ? `/sys/bus/pci/devices/${pf.pciAddress}/sriov_numvfs`
    : `/sys/class/net/${pf.netdev}/device/sriov_numvfs`;
}

// ---- VF persistence ----------------------------------------------------------------------

export interface PersistenceForPf {
  /** Lines that name this PF (netdev, altname, PCI address, or its driver for module options / udev driver matches). */
  covering: PersistenceEvidence[];
  /** Lines that name no known device: they may or may not be about this PF (netplan, NetworkManager, scripts with variables). */
  unattributed: PersistenceEvidence[];
}

const NAME_CHAR = '[A-Za-z0-9_-]';
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiled once per distinct word or glob: every host of a fleet asks about the same names. */
const WORD_RES = new Map<string, RegExp>();
const GLOB_RES = new Map<string, RegExp>();

function once(memo: Map<string, RegExp>, key: string, make: (k: string) => RegExp): RegExp {
  let re = memo.get(key);
  if (!re) {
    re = make(key);
    if (memo.size >= 10_000) memo.clear();
    memo.set(key, re);
  }
  return re;
}

function mentions(text: string, word: string): boolean {
  return once(WORD_RES, word, (w) => new RegExp(`(^|[^A-Za-z0-9_-])${escapeRe(w)}(?!${NAME_CHAR})`)).test(
    text,
  );
}

/** udev glob (*, ?, [..], | alternatives) → RegExp (not global: test() keeps no state). */
function udevGlob(pattern: string): RegExp {
  return once(GLOB_RES, pattern, compileUdevGlob);
}

function compileUdevGlob(pattern: string): RegExp {
  const alts = pattern.split('|').map((p) =>
    p
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c === '[' || c === ']' ? c : escapeRe(c)))
      .join(''),
  );
  try {
    return new RegExp(`^(?:${alts.join('|')})$`);
  } catch {
    return /^$/;
  }
}

/** The identifiers an evidence line can name for a PF. */
function pfNames(pf: Pf): string[] {
  const names = [pf.netdev, ...pf.altnames].filter((n): n is string => !!n);
  if (pf.pciAddress) names.push(pf.pciAddress, pf.pciAddress.slice(5));
  return names;
}

/** Does this evidence line say something about this PF? true: yes, false: it names another device, null: cannot tell. */
function lineCovers(e: PersistenceEvidence, pf: Pf, f: HostFacts): boolean | null {
  const text = e.text;
  const file = e.file.split('/').at(-1) ?? e.file;
  if (pfNames(pf).some((n) => mentions(text, n) || mentions(file, n))) return true;
  // udev: KERNEL/KERNELS/NAME globs against the netdev or PCI address, driver matches.
  if (e.kind === 'udev') {
    const keys = [...text.matchAll(/\b(KERNELS?|NAME)=="([^"]*)"/g)].map((m) => m[2]!);
    if (keys.some((k) => [pf.netdev, pf.pciAddress].some((n) => n && udevGlob(k).test(n)))) return true;
    const drivers = [...text.matchAll(/\b(?:DRIVERS?|ENV\{ID_NET_DRIVER\})=="([^"]*)"/g)].map((m) => m[1]!);
    if (pf.driver && drivers.some((d) => udevGlob(d).test(pf.driver!))) return true;
    if (keys.length > 0 || drivers.length > 0) return false;
  }
  // modprobe: "options <driver> max_vfs=… / num_vfs=…" applies to every PF of that driver.
  if (e.kind === 'modprobe') {
    const m = text.match(/^\s*options\s+(\S+)/);
    if (m) return pf.driver !== null && m[1]!.replace(/-/g, '_') === pf.driver.replace(/-/g, '_');
  }
  // It names another known device explicitly: not about this PF.
  const others = f.pfs.filter((p) => p !== pf).flatMap(pfNames);
  if (others.some((n) => mentions(text, n) || mentions(file, n))) return false;
  return null;
}

export function persistenceFor(f: HostFacts, pf: Pf): PersistenceForPf | null {
  if (f.persistence === null) return null;
  const evidence = f.persistence.evidence;
  const at = f.pfs.indexOf(pf);
  // What lineCovers reads (the lines, every PF's names and driver) is the same on most hosts
  // of a fleet: judged once per distinct host content and PF.
  const answers =
    at < 0
      ? evidence.map((e) => lineCovers(e, pf, f))
      : COVERS.get(persistenceKey(f), String(at), () =>
          Object.freeze(evidence.map((e) => lineCovers(e, pf, f))),
        );
  const out: PersistenceForPf = { covering: [], unattributed: [] };
  evidence.forEach((e, i) => {
    const c = answers[i];
    if (c === true) out.covering.push(e);
    else if (c === null) out.unattributed.push(e);
  });
  return out;
}

/** lineCovers of each evidence line, by the host's persistenceKey and the PF's place in it. */
const COVERS = new PairMemo<ReadonlyArray<boolean | null>>(10_000);
const PERSISTENCE_KEYS = new WeakMap<HostFacts, string>();

function persistenceKey(f: HostFacts): string {
  let key = PERSISTENCE_KEYS.get(f);
  if (key === undefined) {
    key = JSON.stringify([
      (f.persistence?.evidence ?? []).map((e) => [e.kind, e.file, e.text]),
      f.pfs.map((p) => [p.netdev, p.altnames, p.pciAddress, p.driver]),
    ]);
    PERSISTENCE_KEYS.set(f, key);
  }
  return key;
}

export const evidenceLine = (e: PersistenceEvidence) => `${e.kind} ${e.file}:${e.line}: ${e.text}`;

// ---- FDB extension ------------------------------------------------------------------------

export const OVS_INI = 'plugins/ml2/openvswitch_agent.ini';
export const LXB_INI = 'plugins/ml2/linuxbridge_agent.ini';

export interface FdbView {
  /** The L2 agent on this host that could run the FDB extension. */
  agent: 'openvswitch' | 'linuxbridge' | 'ovn' | 'none';
  file: string | null;
  /** [agent] extensions contains fdb. */
  enabled: boolean;
  /** [FDB] shared_physical_device_mappings, parsed (physnet → devices); null when absent or invalid. */
  mappings: Record<string, string[]> | null;
  /** The raw texts read, for evidence. */
  evidence: string[];
  /** The variable that set the values (an override), when not OSA's template. */
  overrideVar: string | null;
  /** OSA's template for this release writes no [FDB] for this agent: only an override can. */
  templateLacksFdb: boolean;
}

/** An option from the rendered ini, section name compared case-insensitively (as oslo.config does). */
function iniOption(h: HostView, file: string, section: string, option: string): string | undefined {
  const secs = h.render.ini[file] ?? {};
  const key = Object.keys(secs).find((s) => s.toLowerCase() === section.toLowerCase());
  const v = key ? secs[key]?.[option] : undefined;
  return v === undefined ? undefined : Array.isArray(v) ? v.at(-1) : v;
}

/** The same from a config_template overrides dict (used where OSA's template has no such section). */
function overrideOption(v: PyValue | undefined, section: string, option: string): string | undefined {
  if (!isDict(v)) return undefined;
  const key = Object.keys(v).find((s) => s.toLowerCase() === section.toLowerCase());
  const sec = key ? v[key] : undefined;
  if (!isDict(sec) || !(option in sec)) return undefined;
  const val = sec[option]!;
  return Array.isArray(val) ? val.map(pyStr).join(',') : pyStr(val);
}

function parseFdb(text: string | undefined): Record<string, string[]> | null {
  if (text === undefined) return null;
  try {
    return parseMultiMappings(parseListOpt(iniValue(text)));
  } catch (e) {
    if (e instanceof AgentConfigError) return null;
    throw e;
  }
}

export function fdbView(h: HostView, release: { major: number }): FdbView {
  const pluginType = String(h.variable('neutron_plugin_type')?.value ?? '');
  const drivers = h.mechanismDrivers();
  const base: FdbView = {
    agent: 'none',
    file: null,
    enabled: false,
    mappings: null,
    evidence: [],
    overrideVar: null,
    templateLacksFdb: false,
  };
  if (pluginType === 'ml2.ovn' || drivers.includes('ovn')) return { ...base, agent: 'ovn' };
  if (
    (pluginType === 'ml2.ovs' || pluginType === 'ml2.ovs.dvr') &&
    h.groups.has('neutron_openvswitch_agent')
  ) {
    const view: FdbView = { ...base, agent: 'openvswitch', file: OVS_INI };
    let ext: string | undefined;
    let map: string | undefined;
    const ovr = 'neutron_openvswitch_agent_ini_overrides';
    if (release.major >= 25) {
      ext = iniOption(h, OVS_INI, 'agent', 'extensions');
      map = iniOption(h, OVS_INI, 'FDB', 'shared_physical_device_mappings');
      if (
        h.optionVar(OVS_INI, 'agent', 'extensions') === ovr ||
        h.optionVar(OVS_INI, 'FDB', 'shared_physical_device_mappings') === ovr
      )
        view.overrideVar = ovr;
    } else {
      // Before Yoga OSA's openvswitch_agent.ini has no fdb extension and no [FDB]: only overrides add them.
      view.templateLacksFdb = true;
      const o = h.variable(ovr)?.value;
      ext = overrideOption(o, 'agent', 'extensions');
      map = overrideOption(o, 'FDB', 'shared_physical_device_mappings');
      if (ext !== undefined || map !== undefined) view.overrideVar = ovr;
    }
    view.enabled = parseListOpt(ext ?? '').includes('fdb');
    view.mappings = parseFdb(map);
    view.evidence = [
      `openvswitch_agent.ini [agent] extensions = ${ext ?? '(not set)'}`,
      `openvswitch_agent.ini [FDB] shared_physical_device_mappings = ${map ?? '(not set)'}`,
    ];
    return view;
  }
  if (pluginType === 'ml2.lxb' && h.groups.has('neutron_linuxbridge_agent')) {
    // OSA's LXB template writes extensions = fdb and [FDB] on nova_compute hosts when ml2.sriov is on.
    const map = iniOption(h, LXB_INI, 'FDB', 'shared_physical_device_mappings');
    const ext = iniOption(h, LXB_INI, 'agent', 'extensions');
    return {
      ...base,
      agent: 'linuxbridge',
      file: LXB_INI,
      enabled: map !== undefined && (ext === undefined || parseListOpt(ext).includes('fdb')),
      mappings: parseFdb(map),
      evidence: [`linuxbridge_agent.ini [FDB] shared_physical_device_mappings = ${map ?? '(not set)'}`],
    };
  }
  return base;
}

/** Whether the FDB extension on this host populates the PF's FDB for every SR-IOV physnet of it. */
export function fdbCovers(view: FdbView, pf: Pf, physnets: readonly string[]): boolean {
  if (!view.enabled || !view.mappings || !pf.netdev) return false;
  const nets = physnets.length > 0 ? physnets : Object.keys(view.mappings);
  return nets.length > 0 && nets.every((p) => (view.mappings![p] ?? []).includes(pf.netdev!));
}
