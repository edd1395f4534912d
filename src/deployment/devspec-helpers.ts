// Shared by the SRIOV-DEVSPEC rules: where a device_spec entry is written (the rendered lines are
// sorted by config_template, so entries are found by content), the value form the Nova PCI
// variable takes in each OSA release, the devices nova-compute's libvirt driver reports (built
// from HostFacts), and name suggestions for typos.

import type { FindingLocation } from '../checks/finding.js';
import type { HostFacts, Pf, Vf } from '../facts/host-facts.js';
import { ContentMemo, PairMemo } from '../memo.js';
import {
  DeviceMatcher,
  type DeviceSpec,
  type NovaDevice,
  type NovaError,
} from '../openstack/nova-devspec.js';
import { pfKey, specListKey as sharedListKey, whereKey } from '../openstack/nova-specs-shared.js';
import type { VarDef } from '../osa/inventory.js';
import { type Loc, toPlain, type YNode } from '../osa/pyyaml.js';
import type { Release } from '../osa/releases.js';
import { jsonDumps, type PciTemplate, pciTemplate } from '../osa/render.js';
import { isDict, jsonLoads, type PyValue } from '../python.js';
import { editDistance } from '../suggest.js';
import {
  type CheckContext,
  type DevspecEntry,
  type DevspecView,
  defLocation,
  type HostView,
  nodeAt,
  toLocation,
} from './context.js';

export { neutronPlaybook, novaPlaybook } from './playbooks.js';

/** The keys Nova pops out of a spec to match devices; every other key is a tag. */
export const MATCH_KEYS = ['vendor_id', 'product_id', 'address', 'devname'] as const;

/**
 * The Nova release (= OSA major) from which Nova reads each tag (git history of nova/pci):
 * trusted Rocky, remote_managed Yoga, resource_class/traits Zed (placement), managed and
 * live_migratable 2025.1, one_time_use 2025.2. Before that the key is an ordinary, unused tag.
 */
export const TAG_SINCE: Readonly<Record<string, number>> = {
  physical_network: 0,
  trusted: 18,
  remote_managed: 25,
  resource_class: 26,
  traits: 26,
  managed: 31,
  live_migratable: 31,
  one_time_use: 32,
};

/** One parsed spec with the JSON object it came from (same order as Nova's list). */
export interface SpecEntry {
  entry: DevspecEntry;
  spec: DeviceSpec;
  /** 0-based position in Nova's list (first match wins). */
  index: number;
}

/** Nova's specs paired with their JSON objects; empty when Nova refuses the option. */
export function pairedSpecs(v: DevspecView | null): SpecEntry[] {
  if (!v?.specs || v.specs.length !== v.entries.length) return [];
  return v.specs.map((spec, index) => ({ entry: v.entries[index]!, spec, index }));
}

/** JSON with sorted keys, for comparing values whatever their key order. */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (isDict(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** Whether a YAML value (a mapping, or a JSON string of a mapping or list) holds this spec. */
function holdsSpec(item: unknown, raw: Record<string, unknown>): boolean {
  return heldSpecs(item).includes(rawCanon(raw));
}

/** canon() of the values a YAML value holds as specs (a mapping, or a JSON string of some). */
function heldSpecs(item: unknown): readonly string[] {
  if (isDict(item)) return [canon(item)];
  if (typeof item !== 'string') return [];
  return HELD_IN_TEXT.get(item, () => {
    try {
      const v = jsonLoads(item) as unknown;
      return Object.freeze(Array.isArray(v) ? v.map(canon) : [canon(v)]);
    } catch {
      return Object.freeze([]);
    }
  });
}

const HELD_IN_TEXT = new ContentMemo<readonly string[]>(10_000);

/** heldSpecs of a YAML node: the hosts that share a definition share its nodes. */
const HELD_IN_NODE = new WeakMap<YNode, readonly string[]>();

function nodeHolds(node: YNode, raw: Record<string, unknown>): boolean {
  let held = HELD_IN_NODE.get(node);
  if (held === undefined) {
    held = heldSpecs(toPlain(node));
    HELD_IN_NODE.set(node, held);
  }
  return held.includes(rawCanon(raw));
}

/** canon() of a device_spec entry's object (entries are frozen, and shared by hosts: context.ts). */
const RAW_CANON = new WeakMap<Record<string, unknown>, string>();

function rawCanon(raw: Record<string, unknown>): string {
  let c = RAW_CANON.get(raw);
  if (c === undefined) {
    c = canon(raw);
    RAW_CANON.set(raw, c);
  }
  return c;
}

/** Where the device_spec value is written: its variable, or the old name behind nova_device_spec's default. */
export interface SpecSource {
  name: string;
  def: VarDef | null;
  /** Path inside the variable (['pci', 'device_spec'] for nova_nova_conf_overrides). */
  path: Array<string | number>;
  /** nova_device_spec is OSA's default, which copies nova_pci_passthrough_whitelist. */
  viaDefault: boolean;
}

export function specSource(h: HostView): SpecSource | null {
  const v = h.devspec();
  const name = v?.varName;
  if (!v || !name) return null;
  if (name === 'nova_nova_conf_overrides')
    return { name, def: h.variable(name)?.winner ?? null, path: [v.section, v.option], viaDefault: false };
  const r = h.variable(name);
  if (name === 'nova_device_spec' && r?.winner?.level === 'role default') {
    const old = h.variable('nova_pci_passthrough_whitelist');
    if (old?.winner && old.winner.level !== 'role default')
      return { name: 'nova_pci_passthrough_whitelist', def: old.winner, path: [], viaDefault: true };
  }
  return { name, def: r?.winner ?? null, path: [], viaDefault: false };
}

/** The YAML node that holds one entry (a list item, a mapping, a set-syntax key), if any. */
export function entryNode(h: HostView, entry: DevspecEntry): { node: YNode | null; keyLoc: Loc | null } {
  const src = specSource(h);
  const base = src?.def ? nodeAt(src.def.node, src.path) : null;
  if (!base) return { node: null, keyLoc: null };
  if (base.kind === 'map' && src!.path.length > 0) {
    const e = base.entries.find((x) => holdsSpec(x.key, entry.raw));
    return { node: null, keyLoc: e?.keyLoc ?? null };
  }
  if (base.kind === 'seq')
    return { node: base.items.find((i) => nodeHolds(i, entry.raw)) ?? null, keyLoc: null };
  if (base.kind === 'map') return { node: base, keyLoc: null };
  return { node: null, keyLoc: null };
}

/** Where an entry (or one of its keys) is written; the variable when it is one JSON string. */
export function entryLocation(
  h: HostView,
  entry: DevspecEntry | null,
  tag?: string,
): FindingLocation | undefined {
  const src = specSource(h);
  if (!src?.def) return undefined;
  const fallback = defLocation(src.def, src.path);
  if (!entry) return fallback;
  const { node, keyLoc } = entryNode(h, entry);
  if (keyLoc) return toLocation(keyLoc) ?? fallback;
  if (node?.kind === 'map' && tag) {
    const t = node.entries.find((e) => e.key === tag);
    if (t) return toLocation(t.value.loc) ?? fallback;
  }
  return toLocation(node?.loc) ?? fallback;
}

/** The YAML scalar written for one key of an entry, when the entry is a YAML mapping. */
export function tagNode(h: HostView, entry: DevspecEntry, tag: string): YNode | null {
  const { node } = entryNode(h, entry);
  return node?.kind === 'map' ? (node.entries.find((e) => e.key === tag)?.value ?? null) : null;
}

/** A deploy-dir file as the operator knows it: /etc/openstack_deploy/<path>. */
export function osaPath(ctx: CheckContext, file: string): string {
  const root = ctx.model.deploy.dir.replace(/\/+$/, '');
  if (root !== '' && file.startsWith(`${root}/`))
    return `/etc/openstack_deploy/${file.slice(root.length + 1)}`;
  return file;
}

/** "user_variables.yml"-style file of a definition, or null for role defaults. */
export function defFile(ctx: CheckContext, def: VarDef | null | undefined): string | null {
  if (!def?.loc || def.loc.line <= 0) return null;
  return osaPath(ctx, def.loc.file);
}

/**
 * Where a fix should write a device spec now defined by `def` (of variable `name` on host h):
 * `in <its file>`, unless that file is an extra var (user_*.yml) and the value belongs to hosts
 * (it names a devname or an address, or hosts or groups set their own): an extra var masks every
 * per-host value, and SRIOV-VARS-001 says to delete it from there, so the fix says host_vars/
 * too. Fixes never contradict each other.
 */
export function specTarget(
  ctx: CheckContext,
  h: HostView,
  name: string,
  def: VarDef | null | undefined,
): string {
  const file = defFile(ctx, def);
  if (def?.level !== 'extra vars (user_*.yml)') return file ? ` in ${file}` : '';
  const perHost =
    /devname|address/.test(JSON.stringify(def.value)) ||
    (h.variable(name)?.overridden ?? []).some((d) => d.level !== 'role default' && d.level !== 'role vars');
  if (!perHost) return file ? ` in ${file}` : '';
  return ` in /etc/openstack_deploy/host_vars/<host>.yml of each compute, with its own devices, and delete it from ${file ?? 'the user_*.yml that sets it'}: an extra var there masks every per-host value (SRIOV-VARS-001)`;
}

/** The per-host file for host-specific values (PCI addresses differ per host). */
export function hostVarsFile(h: HostView): string {
  return `/etc/openstack_deploy/host_vars/${h.name}.yml`;
}

/** The OSA variable that holds the device spec in a release. */
export function specVarName(r: Release): 'nova_device_spec' | 'nova_pci_passthrough_whitelist' {
  return pciTemplate(r) === 'passthrough_whitelist' ? 'nova_pci_passthrough_whitelist' : 'nova_device_spec';
}

const FORMS: Readonly<Record<PciTemplate, string>> = {
  passthrough_whitelist: 'one JSON string, with a JSON list inside it for several devices',
  device_spec_plain:
    'one JSON string set in nova_device_spec itself, with a JSON list inside it for several devices',
  device_spec_loop: 'a YAML list of JSON strings, one per device; a plain string or a mapping breaks',
  device_spec_json: 'a YAML list of mappings (or of JSON strings), one per device',
};

/** The value form the release's nova.conf template writes correctly. */
export function specForm(r: Release): string {
  return FORMS[pciTemplate(r)];
}

const yamlQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A one-line YAML definition of the spec variable in the release's working form. */
export function formatSpecValue(r: Release, specs: ReadonlyArray<Record<string, unknown>>): string {
  const name = specVarName(r);
  const dicts = specs.map((s) => jsonDumps(s as PyValue));
  switch (pciTemplate(r)) {
    case 'passthrough_whitelist':
    case 'device_spec_plain':
      return `${name}: ${yamlQuote(dicts.length === 1 ? dicts[0]! : `[${dicts.join(', ')}]`)}`;
    case 'device_spec_loop':
      return `${name}: [${dicts.map(yamlQuote).join(', ')}]`;
    default:
      return `${name}: [${dicts.join(', ')}]`;
  }
}

/** A device as nova-compute's libvirt driver reports it (nova/virt/libvirt/host.py), from facts. */
export interface HostDevice extends NovaDevice {
  dev_type: 'type-PF' | 'type-VF' | 'type-PCI';
  netdev: string | null;
  /** The PF: the device itself for a PF, its parent for a VF (null for a plain NIC). */
  pf: Pf | null;
  vf: Vf | null;
  /** Both ids are known (pasted lspci -vvv has none): an unknown id is "" and matches only "*". */
  idsKnown: boolean;
  /** Its place in hostDevices() of its facts. */
  index: number;
}

/**
 * The host's network PCI devices as libvirt reports them: a NIC with sriov_totalvfs > 0 is a
 * type-PF (libvirt's virt_functions capability, even with no VF created), its VFs are type-VF
 * with parent_addr (vendor from the PF, product from sriov_vf_device), any other NIC type-PCI.
 * Ids the facts do not know are "" (idsKnown false): rules must not conclude from them.
 */
export function hostDevices(facts: HostFacts): HostDevice[] {
  return devicesOf(facts).devices;
}

/** A host's devices, and the runs of them that a PF and its VFs make. */
interface HostDevices {
  devices: HostDevice[];
  /** A PF and its VFs: devices[start] is the PF, then its VFs up to `end` (excluded). */
  pfRuns: Array<{ pf: Pf; start: number; end: number }>;
}

function devicesOf(facts: HostFacts): HostDevices {
  let cached = DEVICES.get(facts);
  if (!cached) {
    cached = computeHostDevices(facts);
    DEVICES.set(facts, cached);
    RUNS.set(cached.devices, cached);
  }
  return cached;
}

/** hostDevices' lists, to their runs (a list given to matchingDevices may be one). */
const RUNS = new WeakMap<readonly NovaDevice[], HostDevices>();

/**
 * A VF as libvirt reports it (vendor from the PF, product its sriov_vf_device, parent the PF):
 * its fields read from the facts rather than copied, since a fleet has hundreds of thousands.
 */
class VfDevice implements HostDevice {
  constructor(
    readonly pf: Pf,
    readonly vf: Vf,
    readonly index: number,
  ) {}

  get vendor_id(): string {
    return this.pf.vendorId ?? '';
  }

  get product_id(): string {
    return this.pf.vfDeviceId ?? '';
  }

  get address(): string {
    return this.vf.pciAddress!;
  }

  get parent_addr(): string | null {
    return this.pf.pciAddress;
  }

  get dev_type(): 'type-VF' {
    return 'type-VF';
  }

  get netdev(): string | null {
    return this.vf.netdev;
  }

  get idsKnown(): boolean {
    return this.pf.vendorId !== null && this.pf.vfDeviceId !== null;
  }
}

function computeHostDevices(facts: HostFacts): HostDevices {
  const out: HostDevice[] = [];
  const pfRuns: HostDevices['pfRuns'] = [];
  const dev = (
    address: string,
    vendor: string | null,
    product: string | null,
    rest: Omit<HostDevice, 'vendor_id' | 'product_id' | 'address' | 'idsKnown' | 'index'>,
  ): HostDevice => ({
    vendor_id: vendor ?? '',
    product_id: product ?? '',
    address,
    idsKnown: vendor !== null && product !== null,
    // Named, not spread: this runs for every VF of a fleet.
    parent_addr: rest.parent_addr,
    dev_type: rest.dev_type,
    netdev: rest.netdev,
    pf: rest.pf,
    vf: rest.vf,
    index: out.length,
  });
  for (const pf of facts.pfs) {
    if (!pf.pciAddress) continue;
    const start = out.length;
    out.push(
      dev(pf.pciAddress, pf.vendorId, pf.deviceId, {
        parent_addr: null,
        dev_type: (pf.totalVfs ?? 0) > 0 ? 'type-PF' : 'type-PCI',
        netdev: pf.netdev,
        pf,
        vf: null,
      }),
    );
    for (const vf of pf.vfs) if (vf.pciAddress) out.push(new VfDevice(pf, vf, out.length));
    pfRuns.push({ pf, start, end: out.length });
  }
  for (const nic of facts.otherNics) {
    out.push(
      dev(nic.pciAddress, nic.vendorId, nic.deviceId, {
        parent_addr: nic.physfn,
        dev_type: nic.physfn ? 'type-VF' : 'type-PCI',
        netdev: nic.netdevs.at(-1) ?? null,
        pf: null,
        vf: null,
      }),
    );
  }
  // Shared by the rules of a run and found again by matchingDevices (RUNS): never changed. Not
  // frozen: V8 (Node 20) iterates a frozen array through its slow path, one result per element.
  return { devices: out, pfRuns };
}

export function describeDevice(d: HostDevice): string {
  const ids = `${d.vendor_id || '?'}:${d.product_id || '?'}`;
  if (d.dev_type === 'type-VF' && d.vf && d.pf)
    return `VF ${d.vf.index} of ${d.pf.netdev ?? d.pf.pciAddress} (${d.address}, ${ids}${d.netdev ? `, netdev ${d.netdev}` : ''})`;
  if (d.dev_type === 'type-PF') return `PF ${d.netdev ?? '(no netdev)'} (${d.address}, ${ids})`;
  return `${d.netdev ?? 'device'} (${d.address}, ${ids}, ${d.dev_type})`;
}

/** spec.match, false where Nova would skip the device (an address it cannot parse). */
export function matches(spec: DeviceSpec, dev: NovaDevice): boolean {
  try {
    return spec.match(dev);
  } catch {
    return false;
  }
}

/** The devices a spec matches (the same decision as matches(), address parsed once per device). */
export function matchingDevices<D extends NovaDevice>(spec: DeviceSpec, devices: readonly D[]): D[] {
  const one = new DeviceMatcher([spec]);
  const key = oneSpecKey(spec);
  const selects = (d: NovaDevice) => {
    try {
      return one.match(d);
    } catch {
      return null;
    }
  };
  // A host's device list (hostDevices): one answer per PF and its VFs for every host alike.
  const runs = RUNS.get(devices as readonly NovaDevice[]);
  if (runs) {
    const hit: D[] = [];
    let done = 0;
    for (const { pf, start, end } of runs.pfRuns) {
      const answers = PF_SELECTS.get(key, pfKey(pf), () =>
        Object.freeze(devices.slice(start, end).map((d) => selects(d) !== null)),
      );
      for (let i = start; i < end; i++) if (answers[i - start]) hit.push(devices[i]!);
      done = end;
    }
    const known = done < devices.length ? memoFor(key) : null;
    for (let i = done; i < devices.length; i++) {
      const d = devices[i]!;
      if (known!.get(d, () => selects(d)) !== null) hit.push(d);
    }
    return hit;
  }
  const known = memoFor(key);
  return devices.filter((d) => known.get(d, () => selects(d)) !== null);
}

/** Whether one spec selects each device of a PF and its VFs, by spec and PF content. */
const PF_SELECTS = new PairMemo<readonly boolean[]>(10_000);

const ONE_SPEC_KEYS = new WeakMap<DeviceSpec, string>();

/** What decides the devices one spec matches: its normalized form and its address on the host. */
function oneSpecKey(spec: DeviceSpec): string {
  let key = ONE_SPEC_KEYS.get(spec);
  if (key === undefined) {
    key = `one\u0000${JSON.stringify(spec.normalized())}\u0000${whereKey(spec)}`;
    ONE_SPEC_KEYS.set(spec, key);
  }
  return key;
}

/** Whitelist.get_devspec: the index of the first spec that matches, or null. */
export function firstMatching(specs: readonly DeviceSpec[], dev: NovaDevice): number | null {
  for (let i = 0; i < specs.length; i++) if (matches(specs[i]!, dev)) return i;
  return null;
}

/** "entry 2 of 3" for messages, or "the spec" when there is one. */
export function entryLabel(index: number, total: number): string {
  return total > 1 ? `entry ${index + 1} of ${total}` : 'the spec';
}

/** The spec as written (JSON), for messages. */
export function specText(raw: Record<string, unknown>): string {
  return jsonDumps(raw as PyValue);
}

/** Names people write for a key, mapped to the key Nova reads. */
const SYNONYMS: Readonly<Record<string, string>> = {
  physnet: 'physical_network',
  physnets: 'physical_network',
  physical_net: 'physical_network',
  provider_network: 'physical_network',
  network: 'physical_network',
  trust: 'trusted',
  trusted_vf: 'trusted',
  vendor: 'vendor_id',
  vendorid: 'vendor_id',
  vid: 'vendor_id',
  product: 'product_id',
  productid: 'product_id',
  device_id: 'product_id',
  deviceid: 'product_id',
  device: 'product_id',
  pid: 'product_id',
  pci_address: 'address',
  pci_addr: 'address',
  addr: 'address',
  pci: 'address',
  dev_name: 'devname',
  device_name: 'devname',
  ifname: 'devname',
  interface: 'devname',
  netdev: 'devname',
  nic: 'devname',
};

/** The candidate a misspelt name most likely meant, or null when none is close. */
export function closestName(name: string, candidates: readonly string[]): string | null {
  const n = name.toLowerCase().replace(/[-\s]/g, '_');
  if (candidates.includes(n)) return n;
  const syn = SYNONYMS[n] ?? SYNONYMS[n.replace(/_/g, '')];
  if (syn && candidates.includes(syn)) return syn;
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dd = Math.min(editDistance(n, c), editDistance(n.replace(/_/g, ''), c.replace(/_/g, '')));
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  if (best === null) return null;
  const prefix = best.startsWith(n) || n.startsWith(best);
  return bestD <= Math.max(2, Math.floor(best.length / 3)) || (prefix && n.length >= 4) ? best : null;
}

/** The device specs an operator meant, from the variable's value (mappings, JSON strings, lists of them). */
export function intendedSpecs(value: unknown): Array<Record<string, unknown>> | null {
  const out: Array<Record<string, unknown>> = [];
  const add = (v: unknown): boolean => {
    if (isDict(v)) {
      out.push(v);
      return true;
    }
    if (typeof v === 'string') {
      try {
        return add(jsonLoads(v) as unknown);
      } catch {
        return false;
      }
    }
    if (Array.isArray(v)) return v.every(add);
    return false;
  };
  return add(value) && out.length > 0 ? out : null;
}

/** A host's devices with the spec each one gets (Nova's first match), for the facts rules. */
export interface MatchedHost {
  pairs: SpecEntry[];
  devices: HostDevice[];
  /** Index into pairs of the spec Nova applies to each device, or null when none matches. */
  first: FirstMatches;
}

/** The first match of each of a host's devices (undefined for a device of another host). */
export class FirstMatches {
  constructor(
    private readonly devices: readonly HostDevice[],
    private readonly byIndex: ReadonlyArray<number | null>,
  ) {}

  get(d: HostDevice): number | null | undefined {
    return this.devices[d.index] === d ? this.byIndex[d.index] : undefined;
  }
}

// Several rules read the same matching; hosts and facts are immutable during a run.
const MATCHED = new WeakMap<HostView, MatchedHost | null>();
const DEVICES = new WeakMap<HostFacts, HostDevices>();

export function matchHost(h: HostView): MatchedHost | null {
  if (MATCHED.has(h)) return MATCHED.get(h)!;
  const m = computeMatchHost(h);
  MATCHED.set(h, m);
  return m;
}

function computeMatchHost(h: HostView): MatchedHost | null {
  if (!h.facts) return null;
  const view = h.devspec()!;
  const pairs = pairedSpecs(view);
  if (pairs.length === 0) return null;
  const specs = pairs.map((p) => p.spec);
  const { devices, pfRuns } = devicesOf(h.facts);
  const matcher = new DeviceMatcher(specs);
  const first = (d: HostDevice) => {
    try {
      return matcher.match(d);
    } catch {
      return firstMatching(specs, d);
    }
  };
  const listKey = specListKey(view, specs);
  const byIndex: Array<number | null> = new Array(devices.length).fill(null);
  // A PF and its VFs: one answer per distinct spec list and PF (its address, ids and VFs'
  // addresses are all its devices' fields), the matching then grows with a fleet's distinct
  // configurations, not with its hosts.
  let done = 0;
  for (const { pf, start, end } of pfRuns) {
    const answers = PF_FIRST.get(listKey, pfKey(pf), () =>
      Object.freeze(devices.slice(start, end).map(first)),
    );
    for (let i = start; i < end; i++) byIndex[i] = answers[i - start]!;
    done = end;
  }
  // Other NICs, each its own: by device.
  const known = done < devices.length ? memoFor(`list\u0000${listKey}`) : null;
  for (let i = done; i < devices.length; i++) {
    const d = devices[i]!;
    byIndex[i] = known!.get(d, () => first(d));
  }
  return { pairs, devices, first: new FirstMatches(devices, byIndex) };
}

/** First matches of a PF's devices (the PF, then its VFs) by spec list and PF content. */
const PF_FIRST = new PairMemo<ReadonlyArray<number | null>>(10_000);

/**
 * Nova's first match depends on the device's ids and addresses and on the spec list: the
 * rendered values, and what the host says of the addresses they name (a devname's address, an
 * address that is a PF). Hosts with the same of both share one answer per device, so the
 * matching grows with the distinct configurations of a fleet, not with its hosts.
 */
const FIRST_MATCH = new Map<string, DeviceMemo>();

/**
 * Answers per device, by its ids, address and parent address: maps nested by field, not one
 * key string per device (that string would be built and hashed for every device of every
 * host; the fields are strings already seen, whose hashes V8 keeps).
 */
class DeviceMemo {
  private readonly root: Nested = new Map();

  /** The answer for D, computed by `compute` the first time its key is seen. */
  get(d: NovaDevice, compute: () => number | null): number | null {
    const byParent = step(this.root, d.address);
    const byVendor = step(byParent, d.parent_addr ?? '');
    const byProduct = step(byVendor, d.vendor_id);
    let v = byProduct.get(d.product_id) as number | null | undefined;
    if (v === undefined) {
      v = compute();
      byProduct.set(d.product_id, v);
    }
    return v;
  }
}

type Nested = Map<string, Nested | number | null>;

function step(m: Nested, k: string): Nested {
  let next = m.get(k) as Nested | undefined;
  if (next === undefined) {
    next = new Map();
    m.set(k, next);
  }
  return next;
}

/**
 * What decides how a host's parsed spec list matches devices (nova-specs-shared.ts): hosts
 * that read the same text with the same answers share one list, and its key.
 */
export function specListKey(view: DevspecView, specs: readonly DeviceSpec[]): string {
  return sharedListKey(view.lines, view.reportInPlacement, view.specs ?? specs);
}

function memoFor(key: string): DeviceMemo {
  let known = FIRST_MATCH.get(key);
  if (!known) {
    if (FIRST_MATCH.size >= 256) FIRST_MATCH.clear();
    known = new DeviceMemo();
    FIRST_MATCH.set(key, known);
  }
  return known;
}

/** A spec meant for Neutron SR-IOV ports: it has a physical_network key (even null) or a devname. */
export function isNetworkSpec(raw: Record<string, unknown>): boolean {
  return 'physical_network' in raw || Boolean(raw.devname);
}

/** Whether the spec's address (or devname) part alone selects the device. */
export function addressSelects(spec: DeviceSpec, dev: NovaDevice): boolean {
  try {
    const a = spec.addressObject();
    return a?.match(dev.address, dev.parent_addr) ?? false;
  } catch {
    return false;
  }
}

/** Whether the spec's vendor and product ids alone select the device. */
export function idsSelect(spec: DeviceSpec, dev: NovaDevice): boolean {
  return (
    (spec.vendorId === '*' || spec.vendorId === dev.vendor_id) &&
    (spec.productId === '*' || spec.productId === dev.product_id)
  );
}

/**
 * The PFs whose own device id the spec names as product_id while their VFs have another one
 * (and whose address the spec covers): the spec selects the PF instead of its VFs.
 */
export function pfIdInsteadOfVfId(spec: DeviceSpec, devices: readonly HostDevice[]): HostDevice[] {
  if (spec.productId === '*') return [];
  // A host's device list: its type-PF devices are the first of its PF runs (others are not PFs).
  const runs = RUNS.get(devices);
  const candidates = runs ? runs.pfRuns.map((r) => devices[r.start]!) : devices;
  return candidates.filter(
    (d) =>
      d.dev_type === 'type-PF' &&
      d.pf?.vfDeviceId &&
      d.pf.vfDeviceId !== d.product_id &&
      d.product_id === spec.productId &&
      (spec.vendorId === '*' || spec.vendorId === d.vendor_id) &&
      addressSelects(spec, d),
  );
}

/** "physnet1", or a description when the spec has no physnet, for messages. */
export function physnetOf(raw: Record<string, unknown>): string {
  const p = raw.physical_network;
  return typeof p === 'string' && p !== '' ? p : 'a network without a physnet';
}

/**
 * Where a per-host device_spec fix goes: the defining file when it is the host's own, else the
 * host's host_vars file (a value in user_*.yml applies to every host and masks per-host ones).
 */
export function fixTarget(ctx: CheckContext, h: HostView): string {
  const src = specSource(h);
  const name =
    src?.name === 'nova_nova_conf_overrides' ? 'nova_nova_conf_overrides' : specVarName(ctx.release);
  const file = defFile(ctx, src?.def);
  if (file?.endsWith(`/host_vars/${h.name}.yml`)) return `${name} in ${file}`;
  return `${name} in ${hostVarsFile(h)}${file ? ` (and take it out of ${file}, which ${file.includes('/user_') ? 'applies to every host and masks per-host values' : 'is not this host’s own file'})` : ''}`;
}

/** The keys that select a PF's VFs: its address, vendor and VF device id (placeholders when unknown). */
export function vfKeys(pf: Pf): string {
  return [
    `"address": "${pf.pciAddress ?? '<PF address>'}"`,
    ...(pf.vendorId ? [`"vendor_id": "${pf.vendorId}"`] : []),
    `"product_id": "${pf.vfDeviceId ?? '<VF device id: sriov_vf_device>'}"`,
  ].join(', ');
}

/** Nova's message as the release prints it: before Zed (26) the class was PciConfigInvalidWhitelist. */
export function novaMessage(r: Release, err: NovaError): string {
  return r.major < 26 && err.errorClass === 'PciConfigInvalidSpec'
    ? `Invalid PCI devices Whitelist config: ${err.detail}`
    : err.message;
}
