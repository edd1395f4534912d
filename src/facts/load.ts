// One entry for facts input: a collector snapshot or a HostFacts JSON document.
import type { ZodType } from 'zod';
import { InputError } from '../errors.js';
import { parseJsonInput } from '../json-input.js';
import { factsFromSnapshot } from './build.js';
import { type HostFacts, HostFactsSchema, isValidVf } from './host-facts.js';
import { parseSnapshotBorrowing } from './snapshot.js';

/** Facts that are neither a snapshot nor HostFacts JSON; snapshots' own errors are SnapshotErrors. */
export class FactsInputError extends InputError {
  constructor(message: string, line: number | null, hint: string, code = 'facts-invalid') {
    super(code, message, null, hint);
    this.atLine(line);
  }
}

/**
 * Reads a snapshot (from `osa-sriov collect`) or HostFacts JSON (from `probe --json`). `file`
 * names the input in errors (both kinds are InputErrors).
 */
export function readHostFacts(data: Buffer, file?: string): HostFacts {
  try {
    return parseFacts(data);
  } catch (e) {
    if (e instanceof InputError && file !== undefined) e.inFile(file);
    throw e;
  }
}

function parseFacts(data: Buffer): HostFacts {
  const head = data.subarray(0, 64).toString('latin1').trimStart();
  if (head.startsWith('{')) {
    // The file name is added by readHostFacts (inFile); the line is kept.
    const json = parseJsonInput(
      data.toString('utf8'),
      '',
      'give a snapshot or the JSON of `osa-sriov probe --json`',
    );
    const parsed = HostFactsSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue ? issue.path.join('.') : '';
      const value = valueAt(json, issue?.path ?? []);
      throw new FactsInputError(
        `not HostFacts (${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'})`,
        typeof value === 'string' ? lineOf(data, JSON.stringify(value)) : null,
        'give a snapshot or the JSON of `osa-sriov probe --json` (schema osa-sriov/host-facts@1)',
      );
    }
    return possible(parsed.data);
  }
  // The Snapshot is dropped here, before another parse: it may borrow DATA and scratch space.
  return checkBuilt(possible(factsFromSnapshot(parseSnapshotBorrowing(data))), data);
}

/**
 * A snapshot is as external as a JSON document: what was built from it must pass the same
 * schema (names the kernel cannot have, forged ids), located at the line that holds the value.
 */
function checkBuilt(facts: HostFacts, data: Buffer): HostFacts {
  // The VFs, most of a host's facts, by isValidVf; the rest by the schema. Any doubt goes
  // to the whole schema, which gives the error (and the output key order, kept here).
  if (facts.pfs.every((pf) => pf.vfs.every(isValidVf))) {
    const parsed = parsedByField({ ...facts, pfs: facts.pfs.map((pf) => ({ ...pf, vfs: [] })) });
    if (parsed !== null)
      return { ...parsed, pfs: parsed.pfs.map((pf, i) => ({ ...pf, vfs: facts.pfs[i]!.vfs })) };
  }
  const parsed = HostFactsSchema.safeParse(facts);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  const value = valueAt(facts, path);
  throw new FactsInputError(
    `impossible facts (${path.join('.')}: ${issue?.message ?? 'invalid'})`,
    typeof value === 'string' ? lineOf(data, ` ${value}\n`, `/${value}/`, value) : null,
    'collect the host again with `osa-sriov collect`: a real host cannot report this',
  );
}

/** HostFactsSchema's fields, each with its own schema. */
const FIELDS = Object.entries(HostFactsSchema.shape) as Array<[keyof HostFacts, ZodType]>;

/**
 * What HostFactsSchema gives for FACTS when every field passes its own schema, in the schema's
 * key order; null when one does not (the whole schema then says why). Field by field is about
 * three times faster than zod's parse of the whole object, for the same result.
 */
function parsedByField(facts: HostFacts): HostFacts | null {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of FIELDS) {
    const parsed = schema.safeParse(facts[key]);
    if (!parsed.success) return null;
    out[key] = parsed.data;
  }
  return out as HostFacts;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const k of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[k];
  }
  return value;
}

/** The line of the first occurrence of a value in the file, for the error's location. */
function lineOf(data: Buffer, ...needles: string[]): number | null {
  for (const needle of needles) {
    const at = needle === '' ? -1 : data.indexOf(needle);
    if (at >= 0) return data.subarray(0, at).toString('latin1').split('\n').length;
  }
  return null;
}

/** PCIe SR-IOV TotalVFs is a 16-bit field. */
const MAX_VFS_PER_PF = 65_535;
/** Far above any host (8 PFs of 256 VFs is a big one); bounds the work of every command. */
export const MAX_VFS_PER_HOST = 65_536;

/**
 * Facts no host can have are refused, never shown as facts: a VF count beyond what PCIe can
 * express (a corrupted `sriov_totalvfs` of 1e+23), more VFs than any host, a PF listed twice.
 */
function possible(facts: HostFacts): HostFacts {
  const impossible = (message: string) =>
    new FactsInputError(
      message,
      null,
      'collect the facts again with `osa-sriov collect` (a hand-edited or corrupted file?)',
      'facts-impossible',
    );
  let vfs = 0;
  const seen = new Map<string, number>();
  facts.pfs.forEach((pf, i) => {
    for (const [name, v] of [
      ['totalVfs', pf.totalVfs],
      ['numVfs', pf.numVfs],
      ['sriovCapability.totalVfs', pf.sriovCapability?.totalVfs ?? null],
      ['sriovCapability.numVfs', pf.sriovCapability?.numVfs ?? null],
    ] as const) {
      if (v !== null && (!Number.isSafeInteger(v) || v < 0 || v > MAX_VFS_PER_PF))
        throw impossible(`pfs.${i}.${name}: ${v} VFs is impossible (PCIe allows 0 to ${MAX_VFS_PER_PF})`);
    }
    const prev = pf.pciAddress === null ? undefined : seen.get(pf.pciAddress);
    if (prev !== undefined)
      throw impossible(`pfs.${i}: PF ${pf.pciAddress} is listed twice (also pfs.${prev})`);
    if (pf.pciAddress !== null) seen.set(pf.pciAddress, i);
    vfs += pf.vfs.length;
    if (vfs > MAX_VFS_PER_HOST)
      throw new FactsInputError(
        `pfs.${i}: more than ${MAX_VFS_PER_HOST} VFs in one host`,
        null,
        'give the facts of one host (no host has this many VFs)',
        'facts-too-large',
      );
  });
  return facts;
}
