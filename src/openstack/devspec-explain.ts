// A human reading of one [pci] device_spec value: what it normalises to, what it will and will
// not match, and the mistakes Nova accepts silently.
import { isDict, jsonLoads } from '../python.js';
import { type DeviceSpec, KNOWN_TAGS, NO_HOST, NovaError, parseDeviceSpecs } from './nova-devspec.js';

export interface Explanation {
  error: { class: string; message: string } | null;
  specs: Array<{ normalized: Record<string, unknown>; matches: string[]; warnings: string[] }>;
}

function describe(spec: DeviceSpec, raw: Record<string, unknown>): { matches: string[]; warnings: string[] } {
  const matches: string[] = [];
  const warnings: string[] = [];
  const ids = `vendor ${spec.vendorId === '*' ? 'any' : spec.vendorId}, product ${spec.productId === '*' ? 'any' : spec.productId}`;
  if (spec.devname) {
    matches.push(`the device behind netdev ${spec.devname} (${ids}); if it is a PF, also its VFs`);
    warnings.push(
      `devname is looked up in /sys/class/net on every match: if ${spec.devname} is renamed, moved to another namespace or its PF is bound to vfio-pci, the spec silently matches nothing; an address is sturdier`,
    );
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
      const all = f.domain === '*' && f.bus === '*' && f.slot === '*' && f.func === '*';
      matches.push(
        all ? `every PCI device on the host (${ids})` : `devices at ${a.toString()} (* = any), ${ids}`,
      );
      if (!all && !a.isPhysicalFunction && f.func === '*' && f.slot !== '*') {
        warnings.push(
          `a wildcard address never matches VFs through their parent: VFs usually sit on other slots than their PF (e.g. ${f.bus}:10.x for a PF at ${f.bus}:00.0); give the PF's full address, or the VF product id`,
        );
      }
      if (all && spec.vendorId === '*' && spec.productId === '*')
        warnings.push('no vendor, product or address: every PCI device of the host becomes assignable');
    }
  }
  for (const tag of Object.keys(spec.tags)) {
    if (!KNOWN_TAGS.includes(tag))
      warnings.push(
        `unknown tag "${tag}" is kept but Nova ignores it (a typo of ${KNOWN_TAGS.slice(0, 3).join(', ')}…?)`,
      );
  }
  if (!('physical_network' in spec.tags))
    warnings.push(
      'no physical_network tag: Neutron SR-IOV ports (which request a physnet) cannot use these devices',
    );
  for (const tag of ['trusted', 'remote_managed']) {
    const v = spec.tags[tag];
    if (v !== undefined && v !== 'true' && v !== 'false') {
      warnings.push(
        `${tag} is ${JSON.stringify(v)}: ports request the strings "true"/"false", so only exactly "true" matches a request${typeof v === 'boolean' ? ' (a JSON boolean passes the scheduler but fails the compute claim)' : ''}`,
      );
    }
  }
  for (const k of ['vendor_id', 'product_id']) {
    const v = raw[k];
    if (typeof v === 'string' && v !== '*' && !/^[0-9a-f]{4}$/.test(v))
      warnings.push(
        `${k} "${v}" is accepted but normalised to ${k === 'vendor_id' ? spec.vendorId : spec.productId}; write 4 lower-case hex digits`,
      );
  }
  return { matches, warnings };
}

/** Explains one raw option value (a JSON dict or list of dicts). */
export function explainDeviceSpec(value: string): Explanation {
  let specs: DeviceSpec[];
  try {
    specs = parseDeviceSpecs([value], NO_HOST);
  } catch (e) {
    if (e instanceof NovaError) {
      const crash = e.upstreamCrash ? ` (upstream Nova crashes here with ${e.upstreamCrash})` : '';
      return { error: { class: e.errorClass, message: `${e.message}${crash}` }, specs: [] };
    }
    throw e;
  }
  const parsed = jsonLoads(value) as unknown;
  const raws = (Array.isArray(parsed) ? parsed : [parsed]).filter(isDict);
  return {
    error: null,
    specs: specs.map((s, i) => ({ normalized: s.normalized(), ...describe(s, raws[i] ?? {}) })),
  };
}

export function renderExplanation(x: Explanation): string {
  if (x.error) return `invalid: ${x.error.class}: ${x.error.message}\n`;
  const out: string[] = [];
  x.specs.forEach((s, i) => {
    if (x.specs.length > 1) out.push(`spec ${i + 1} of ${x.specs.length}`);
    out.push(`normalised: ${JSON.stringify(s.normalized)}`);
    for (const m of s.matches) out.push(`matches: ${m}`);
    for (const w of s.warnings) out.push(`warning: ${w}`);
  });
  return `${out.join('\n')}\n`;
}
