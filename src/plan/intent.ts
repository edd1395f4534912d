// The plan intent: a short YAML file saying which PFs of which hosts serve which physnet, with
// how many VFs. Validated with a schema; every error names its file:line:col (docs/intent.md).
import { type Document, isCollection, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { physnetProblem, writableIfnameProblem } from '../names.js';
import { parseRelease, RELEASES, type Release } from '../osa/releases.js';
import { closest } from '../suggest.js';

/** A rule of src/names.ts as a zod refinement, its reason as the message. */
const ruled = (what: string, problem: (n: string) => string | null) =>
  z.string().superRefine((n, ctx) => {
    const p = problem(n);
    if (p) ctx.addIssue({ code: 'custom', message: `${what} ${JSON.stringify(n)} ${p}` });
  });
const PCI = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;
/** A host group, a host name, or a glob over host names (Ansible-ish: letters, digits, - _ . * ?). */
const SELECTOR = /^[A-Za-z0-9_.*?[\]-]+$/;

const InterfaceSchema = z.union([
  // The same rule as the names in the facts (src/names.ts): the kernel's, no ",", no Jinja.
  ruled('the interface name', writableIfnameProblem),
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
    name: ruled('the physnet name', physnetProblem),
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

function releaseGuess(text: string): string {
  const guess = closest(
    text,
    RELEASES.map((r) => r.series),
  );
  return guess ? ` (did you mean ${guess}?)` : '';
}

/** Every key the intent schema knows, at any level: what a misspelt key is compared with. */
const INTENT_KEYS = [
  'osaRelease',
  'plugin',
  'physnets',
  'name',
  'type',
  'vlanRanges',
  'hosts',
  'interfaces',
  'numVfs',
  'trusted',
  'pciAddress',
  'vendorId',
  'deviceId',
];

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
  let plain: unknown;
  try {
    // eemeli/yaml refuses aliases that expand too much (maxAliasCount): a "billion laughs".
    plain = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new IntentError(
      `${(e as Error).message.replace(/\.$/, '')} (aliases expand too much)`,
      { file, line: 1, column: 1 },
      'write the intent without aliases (docs/intent.md has a complete example)',
      'yaml-too-large',
    );
  }
  const parsed = IntentSchema.safeParse(plain);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    // An unknown key is shown where it is written; a missing one at the mapping that lacks it.
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
    const path = unknown ? [...issue.path, unknown] : missing ? issue.path.slice(0, -1) : issue.path;
    const guess = unknown ? closest(unknown, INTENT_KEYS) : null;
    throw new IntentError(
      missing
        ? `${where}missing (a required key)`
        : `${where}${issue.message}${guess ? ` (did you mean ${guess}?)` : ''}`,
      locate(doc, lines, file, path, unknown !== undefined || missing),
      'see docs/intent.md for every field of the intent file',
    );
  }
  const release = parseRelease(parsed.data.osaRelease);
  if (!release)
    throw new IntentError(
      `osaRelease: unknown OSA release "${parsed.data.osaRelease}"${releaseGuess(parsed.data.osaRelease)}`,
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
