// One entry for facts input: a collector snapshot or a HostFacts JSON document.
import { InputError } from '../errors.js';
import { factsFromSnapshot } from './build.js';
import { type HostFacts, HostFactsSchema } from './host-facts.js';
import { parseSnapshot } from './snapshot.js';

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
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch (e) {
      throw new FactsInputError(
        `not valid JSON: ${(e as Error).message}`,
        null,
        'give a snapshot or the JSON of `osa-sriov probe --json`',
      );
    }
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
    return parsed.data;
  }
  return checkBuilt(factsFromSnapshot(parseSnapshot(data)), data);
}

/**
 * A snapshot is as external as a JSON document: what was built from it must pass the same
 * schema (names the kernel cannot have, forged ids), located at the line that holds the value.
 */
function checkBuilt(facts: HostFacts, data: Buffer): HostFacts {
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
