// A human reading of one [pci] device_spec value: what it normalises to, what it will and will
// not match, and the mistakes Nova accepts silently.
import {
  addressSelects,
  describeDevice,
  type HostDevice,
  hostDevices,
  idsSelect,
  matchingDevices,
  pfIdInsteadOfVfId,
} from '../deployment/devspec-helpers.js';
import type { HostFacts } from '../facts/host-facts.js';
import { isDict, jsonLoads } from '../python.js';
import { type DeviceSpec, KNOWN_TAGS, NO_HOST, NovaError, parseDeviceSpecs } from './nova-devspec.js';
import { novaHostFromFacts } from './nova-host.js';

export interface Explanation {
  error: { class: string; message: string } | null;
  /** The host the value was evaluated against (--facts), or null. */
  host: string | null;
  specs: Array<{
    normalized: Record<string, unknown>;
    matches: string[];
    /** What the value does that is easy to overlook, though it may be intended. */
    notes: string[];
    warnings: string[];
  }>;
}

type Described = { matches: string[]; notes: string[]; warnings: string[] };

const ANY = '*';

/** "8 VFs (0-7) of ens1f0 (0000:3b:02.0 … 0000:3b:02.7)" for the VFs of one PF. */
function vfRange(pfName: string, vfs: HostDevice[]): string {
  const idx = vfs.map((d) => d.vf?.index ?? -1).sort((a, b) => a - b);
  const first = vfs[0]!.address;
  const last = vfs[vfs.length - 1]!.address;
  const which = idx.length === 1 ? `VF ${idx[0]}` : `${vfs.length} VFs (${idx[0]}-${idx[idx.length - 1]})`;
  return `${which} of ${pfName} (${vfs.length === 1 ? first : `${first} … ${last}`})`;
}

/** One line per PF's VFs, one per other device; VFs grouped by their PF. */
function deviceLines(devices: HostDevice[]): { lines: string[]; vfsByPf: Map<string, HostDevice[]> } {
  const vfsByPf = new Map<string, HostDevice[]>();
  const others: HostDevice[] = [];
  for (const d of devices) {
    if (d.dev_type === 'type-VF' && d.pf) {
      const key = d.pf.pciAddress ?? '';
      vfsByPf.set(key, [...(vfsByPf.get(key) ?? []), d]);
    } else others.push(d);
  }
  const lines = [...vfsByPf.values()].map((vfs) =>
    vfRange(vfs[0]!.pf!.netdev ?? vfs[0]!.pf!.pciAddress ?? '?', vfs),
  );
  return { lines: [...lines, ...others.map(describeDevice)], vfsByPf };
}

/** What the spec selects on a host whose facts we have, as nova-compute would decide there. */
function describeOnHost(spec: DeviceSpec, devices: HostDevice[]): Described {
  const matches: string[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  const hit = matchingDevices(spec, devices);
  if (hit.length === 0 && spec.remoteManaged) {
    // Nova also needs a VPD card serial number of a remote_managed device (a DPU's VF), which the
    // facts do not record: say what the ids and address select, and that the rest is unknown.
    const candidates = devices.filter((d) => idsSelect(spec, d) && addressSelects(spec, d));
    if (candidates.length > 0) {
      for (const l of deviceLines(candidates).lines)
        matches.push(`${l} (each only if it reports a VPD card serial number)`);
      notes.push(
        'Nova matches a remote_managed device only when it reports a VPD card serial number (a DPU), which the facts do not record',
      );
      return { matches, notes, warnings };
    }
  }
  if (hit.length === 0) {
    const pfIds = pfIdInsteadOfVfId(spec, devices);
    const why = spec.devname
      ? `no netdev ${spec.devname} on this host (Nova looks it up in /sys/class/net)`
      : pfIds.length > 0
        ? `product_id ${spec.productId} is the PF's device id; its VFs are ${pfIds[0]!.pf!.vfDeviceId}`
        : 'no device has this address and these ids';
    warnings.push(`matches no device on this host: ${why}; Nova offers nothing from it`);
    return { matches, notes, warnings };
  }
  const { lines, vfsByPf } = deviceLines(hit);
  matches.push(...lines);
  const pfs = hit.filter((d) => d.dev_type === 'type-PF');
  for (const pf of pfs) {
    const ownVfs = vfsByPf.get(pf.address) ?? [];
    notes.push(
      `the PF ${pf.netdev ?? pf.address} itself is assignable too (a type-PF device, used only by direct-physical ports)` +
        (ownVfs.length > 0
          ? `, besides its VFs: a VF in use takes the PF out of the pools, and the PF in use takes all its VFs`
          : ''),
    );
    // A glob names devices by their own address only: over the PF's slot it selects the PF, not
    // the VFs (which sit at other addresses and are not matched through their parent).
    const vfsOnHost = devices.filter((d) => d.parent_addr === pf.address);
    if (ownVfs.length > 0 || vfsOnHost.length === 0) continue;
    const name = pf.netdev ?? pf.address;
    const vfId = pf.pf?.vfDeviceId ?? null;
    if (spec.productId !== ANY && spec.productId === pf.product_id && vfId && vfId !== pf.product_id)
      warnings.push(
        `product_id ${spec.productId} is the PF's device id: it selects the PF ${name}, not its ${vfsOnHost.length} VFs, whose product id is ${vfId}`,
      );
    else if (spec.address && !spec.address.isPhysicalFunction && spec.address.kind !== 'physical')
      warnings.push(
        `the address ${spec.address.toString()} selects the PF ${name} but none of its ${vfsOnHost.length} VFs (${vfsOnHost[0]!.address} …): a wildcard address is matched against each device's own address, never through its parent; give the PF's full address (${pf.address}), the VFs' address glob, or the VF product id${vfId ? ` (${vfId})` : ''}`,
      );
  }
  return { matches, notes, warnings };
}

/** What the spec selects in general, when no host is given. */
function describeOffline(spec: DeviceSpec): Described {
  const matches: string[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  const ids = `vendor ${spec.vendorId === ANY ? 'any' : spec.vendorId}, product ${spec.productId === ANY ? 'any' : spec.productId}`;
  const pfNote =
    'if it is a PF (sriov_totalvfs > 0), Nova matches its VFs through their parent and the PF itself too: the PF becomes assignable as a type-PF device (to direct-physical ports), besides its VFs';
  if (spec.devname) {
    matches.push(`the device behind netdev ${spec.devname} (${ids})`);
    notes.push(pfNote);
  } else if (spec.address) {
    const a = spec.address;
    const f = a.fields;
    if (a.kind === 'regex') {
      matches.push(
        `devices whose address fields match the regexes domain ${f.domain}, bus ${f.bus}, slot ${f.slot}, function ${f.func} (anchored at the start only), ${ids}`,
      );
      for (const [k, v] of Object.entries(f)) {
        if (/^[0-9a-fA-F]+$/.test(v) && v.length < (k === 'domain' ? 4 : k === 'func' ? 1 : 2)) {
          warnings.push(
            `the ${k} regex "${v}" also matches longer values that start with it (re.match is not anchored at the end: write "${v}$")`,
          );
        }
        if (/[A-F]/.test(v))
          warnings.push(
            `the ${k} regex "${v}" has upper-case hex: device addresses are lower case, so it never matches`,
          );
      }
    } else {
      const all = f.domain === ANY && f.bus === ANY && f.slot === ANY && f.func === ANY;
      const single = ![f.domain, f.bus, f.slot, f.func].includes(ANY);
      if (all) matches.push(`every PCI device with ${ids}, at any address`);
      else if (single) {
        matches.push(`the device at ${a.toString()} (${ids})`);
        notes.push(pfNote);
      } else {
        matches.push(`devices whose own address matches ${a.toString()} (* = any), ${ids}`);
        notes.push(
          'a wildcard address is matched against each device’s own address, never through its PF: over the VFs’ slot it selects the VFs; over the PF’s slot, the PF (give --facts to see which)',
        );
      }
      if (all && spec.vendorId === ANY && spec.productId === ANY)
        warnings.push('no vendor, product or address: every PCI device of the host becomes assignable');
    }
  }
  return { matches, notes, warnings };
}

/** Warnings that do not depend on the host: tags and id spelling. */
function tagWarnings(spec: DeviceSpec, raw: Record<string, unknown>, d: Described): void {
  for (const tag of Object.keys(spec.tags)) {
    if (!KNOWN_TAGS.includes(tag))
      d.warnings.push(
        `unknown tag "${tag}" is kept but Nova ignores it (a typo of ${KNOWN_TAGS.slice(0, 3).join(', ')}…?)`,
      );
  }
  // A remote-managed (DPU) device serves ports on tunnelled networks: the documented spec has
  // "physical_network": null, and no physnet is what those ports request.
  if (spec.remoteManaged) {
    if (typeof spec.tags.physical_network === 'string')
      d.notes.push(
        `remote_managed devices serve ports on tunnelled networks, which request no physnet: Nova documents "physical_network": null for them, and a port on a network without physnet ${spec.tags.physical_network} does not match this pool`,
      );
  } else if (!('physical_network' in spec.tags))
    d.warnings.push(
      'no physical_network tag: Neutron SR-IOV ports on VLAN or flat networks (which request their physnet) cannot use these devices; only ports on tunnelled networks (hardware offload) can',
    );
  else if (spec.tags.physical_network === null)
    d.notes.push(
      '"physical_network": null: only ports on tunnelled networks (VXLAN/Geneve hardware offload) can use these devices, not ports on VLAN or flat networks',
    );
  for (const tag of ['trusted', 'remote_managed']) {
    const v = spec.tags[tag];
    if (v !== undefined && v !== 'true' && v !== 'false') {
      d.warnings.push(
        `${tag} is ${JSON.stringify(v)}: ports request the strings "true"/"false", so only exactly "true" matches a request${typeof v === 'boolean' ? ' (a JSON boolean passes the scheduler but fails the compute claim)' : ''}`,
      );
    }
  }
  for (const k of ['vendor_id', 'product_id']) {
    const v = raw[k];
    if (typeof v === 'string' && v !== ANY && !/^[0-9a-f]{4}$/.test(v))
      d.warnings.push(
        `${k} "${v}" is accepted but normalised to ${k === 'vendor_id' ? spec.vendorId : spec.productId}; write 4 lower-case hex digits`,
      );
  }
  if (spec.devname)
    d.warnings.push(
      `devname is looked up in /sys/class/net on every match: if ${spec.devname} is renamed, moved to another namespace or its PF is bound to vfio-pci, the spec silently matches nothing; an address is sturdier`,
    );
}

/**
 * Explains one raw option value (a JSON dict or list of dicts); with a host's facts, as
 * nova-compute on that host reads it (devname and PF addresses resolved, the devices it selects).
 */
export function explainDeviceSpec(value: string, facts: HostFacts | null = null): Explanation {
  const host = facts ? novaHostFromFacts(facts) : NO_HOST;
  const name = facts ? (facts.hostname ?? 'the host of --facts') : null;
  let specs: DeviceSpec[];
  try {
    specs = parseDeviceSpecs([value], host);
  } catch (e) {
    if (e instanceof NovaError) {
      const crash = e.upstreamCrash ? ` (upstream Nova crashes here with ${e.upstreamCrash})` : '';
      return { error: { class: e.errorClass, message: `${e.message}${crash}` }, host: name, specs: [] };
    }
    throw e;
  }
  const parsed = jsonLoads(value) as unknown;
  const raws = (Array.isArray(parsed) ? parsed : [parsed]).filter(isDict);
  const devices = facts ? hostDevices(facts) : null;
  return {
    error: null,
    host: name,
    specs: specs.map((s, i) => {
      const d = devices ? describeOnHost(s, devices) : describeOffline(s);
      tagWarnings(s, raws[i] ?? {}, d);
      return { normalized: s.normalized(), ...d };
    }),
  };
}

export function renderExplanation(x: Explanation): string {
  const on = x.host ? ` on ${x.host}` : '';
  if (x.error) return `invalid${on}: ${x.error.class}: ${x.error.message}\n`;
  const out: string[] = x.host ? [`on ${x.host} (from its facts):`] : [];
  x.specs.forEach((s, i) => {
    if (x.specs.length > 1) out.push(`spec ${i + 1} of ${x.specs.length}`);
    out.push(`normalised: ${JSON.stringify(s.normalized)}`);
    for (const m of s.matches) out.push(`matches: ${m}`);
    for (const n of s.notes) out.push(`note: ${n}`);
    for (const w of s.warnings) out.push(`warning: ${w}`);
  });
  return `${out.join('\n')}\n`;
}
