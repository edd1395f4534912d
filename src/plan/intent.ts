// The plan intent: a short YAML file saying which PFs of which hosts serve which physnet, with
// how many VFs. Validated with a schema; every error names its file:line:col (docs/intent.md).
import { type Document, isCollection, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { parseRelease, type Release } from '../osa/releases.js';

/**
 * Linux IFNAMSIZ is 16 with the NUL: 15 characters. The kernel allows more characters, but
 * names end up in Neutron mappings (no ':' or ','), YAML, shell, systemd and udev: only the
 * characters interface names really use are accepted.
 */
const IFNAME = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/;
const PCI = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;
/** Neutron physnet names: no ':' or ',' (mapping separators), no whitespace. */
const PHYSNET = /^[A-Za-z0-9_.-]{1,64}$/;
/** A host group, a host name, or a glob over host names (Ansible-ish: letters, digits, - _ . * ?). */
const SELECTOR = /^[A-Za-z0-9_.*?[\]-]+$/;

const InterfaceSchema = z.union([
  z.string().regex(IFNAME, 'an interface name: at most 15 letters, digits, ".", "_" or "-"'),
  z.strictObject({ pciAddress: z.string().regex(PCI, 'a PCI address like 0000:3b:00.0') }),
  z.strictObject({
    vendorId: z.string().regex(HEX4, 'four hex digits, like "8086"'),
    deviceId: z.string().regex(HEX4, 'four hex digits, like "1572"'),
  }),
]);

const VlanRangeSchema = z
  .string()
  .regex(/^\d{1,4}:\d{1,4}$/, 'a quoted "first:last" VLAN range such as "101:200"')
  .refine((r) => {
    const [a, b] = r.split(':').map(Number) as [number, number];
    return a >= 1 && b <= 4094 && a <= b;
  }, 'VLAN ids go from 1 to 4094, first ≤ last');

const HostSpecSchema = z.strictObject({
  interfaces: z.array(InterfaceSchema).min(1, 'name at least one interface'),
  numVfs: z.number().int().min(1).max(256),
  trusted: z.boolean().default(false),
});

const PhysnetSchema = z
  .strictObject({
    name: z.string().regex(PHYSNET, 'letters, digits, "_", "-" or "." (no ":" or ",")'),
    type: z.enum(['vlan', 'flat']),
    vlanRanges: z.array(VlanRangeSchema).optional(),
    /** Bind the plugin's L2 agent (OVS / Linux bridge) to the physnet too; default: only if it has an entry already. */
    bridgeMapping: z.boolean().optional(),
    hosts: z
      .record(z.string().regex(SELECTOR, 'a host group, a host name or a glob'), HostSpecSchema)
      .refine((h) => Object.keys(h).length > 0, 'list at least one host, group or glob'),
  })
  .superRefine((p, c) => {
    if (p.type === 'flat' && p.vlanRanges)
      c.addIssue({ code: 'custom', path: ['vlanRanges'], message: 'a flat physnet has no VLAN ranges' });
  });

const IntentSchema = z
  .strictObject({
    osaRelease: z.union([z.string(), z.number()]).transform((v) => String(v)),
    plugin: z.enum(['ovn', 'ovs', 'lxb']),
    physnets: z.array(PhysnetSchema).min(1, 'define at least one physnet'),
  })
  .superRefine((i, c) => {
    const seen = new Map<string, number>();
    i.physnets.forEach((p, n) => {
      if (seen.has(p.name))
        c.addIssue({
          code: 'custom',
          path: ['physnets', n, 'name'],
          message: `physnet ${p.name} is defined twice`,
        });
      seen.set(p.name, n);
    });
  });

export type IntentInterface = z.infer<typeof InterfaceSchema>;
export type IntentHostSpec = z.infer<typeof HostSpecSchema>;
export type IntentPhysnet = z.infer<typeof PhysnetSchema>;

export interface Intent {
  release: Release;
  plugin: 'ovn' | 'ovs' | 'lxb';
  physnets: IntentPhysnet[];
  /** Where a value of the intent is written (for errors found later, against the deployment). */
  at(path: ReadonlyArray<string | number>): IntentLocation;
}

export interface IntentLocation {
  file: string;
  line: number;
  column: number;
}

export class IntentError extends InputError {
  declare readonly hint: string;
  declare location: IntentLocation;
  constructor(message: string, location: IntentLocation, hint: string, code = 'intent-invalid') {
    super(code, message, location, hint);
  }
}

function locate(
  doc: Document,
  lines: LineCounter,
  file: string,
  path: ReadonlyArray<PropertyKey>,
  atKey = false,
): IntentLocation {
  // The deepest node the path reaches (a missing key points at its parent).
  let node: unknown = doc.contents;
  for (let i = path.length; i >= 0; i--) {
    const n = doc.getIn(path.slice(0, i) as Array<string | number>, true);
    if (isNode(n)) {
      node = n;
      break;
    }
  }
  // A mapping or list under a key is shown at its key (the line that names it).
  const last = path.at(-1);
  if ((atKey || isCollection(node)) && typeof last === 'string') {
    const parent = doc.getIn(path.slice(0, -1) as Array<string | number>, true);
    const pair = isMap(parent)
      ? parent.items.find((p) => isScalar(p.key) && p.key.value === last)
      : undefined;
    if (pair && isNode(pair.key)) node = pair.key;
  }
  const offset = isNode(node) && node.range ? node.range[0] : 0;
  const { line, col } = lines.linePos(offset);
  return { file, line, column: col };
}

/** Reads and validates an intent file's text; throws IntentError with the location of the first problem. */
export function parseIntent(text: string, file: string): Intent {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const { line, col } = lines.linePos(yamlError.pos[0]);
    throw new IntentError(
      `not valid YAML: ${yamlError.message.split('\n')[0]}`,
      { file, line, column: col },
      'fix the YAML syntax (docs/intent.md has a complete example)',
    );
  }
  const parsed = IntentSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    // An unknown key is shown where it is written; a missing one at the mapping that lacks it.
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
    const path = unknown ? [...issue.path, unknown] : missing ? issue.path.slice(0, -1) : issue.path;
    throw new IntentError(
      missing ? `${where}missing (a required key)` : `${where}${issue.message}`,
      locate(doc, lines, file, path, unknown !== undefined || missing),
      'see docs/intent.md for every field of the intent file',
    );
  }
  const release = parseRelease(parsed.data.osaRelease);
  if (!release)
    throw new IntentError(
      `osaRelease: unknown OSA release "${parsed.data.osaRelease}"`,
      locate(doc, lines, file, ['osaRelease']),
      'give a major (18…33), a series (rocky…2026.1) or a point release (27.4.1)',
    );
  const { plugin, physnets } = parsed.data;
  if (plugin === 'lxb' && release.major >= 31)
    throw new IntentError(
      `plugin: Linux bridge (ml2.lxb) was removed from OSA in 2025.1; OSA ${release.series} offers ovn or ovs`,
      locate(doc, lines, file, ['plugin']),
      'use plugin: ovn or plugin: ovs',
    );
  if (plugin === 'ovn' && release.major < 19)
    throw new IntentError(
      `plugin: OSA ${release.series} has no OVN plugin (ml2.ovn arrived in Stein, 19.x)`,
      locate(doc, lines, file, ['plugin']),
      'use plugin: ovs or lxb, or a newer osaRelease',
    );
  // Before Xena the provider_networks module reads `range` of every vlan entry (KeyError).
  const bare = physnets.findIndex((p) => p.type === 'vlan' && (p.vlanRanges ?? []).length === 0);
  if (bare >= 0 && release.major < 24)
    throw new IntentError(
      `physnets.${bare}: a vlan physnet needs vlanRanges on OSA ${release.series}: its provider_networks module fails without a range (Xena, 24.x, made it optional)`,
      locate(doc, lines, file, ['physnets', bare, 'name']),
      'add vlanRanges: ["first:last"] to this physnet',
    );
  return { release, plugin, physnets, at: (path) => locate(doc, lines, file, path) };
}
