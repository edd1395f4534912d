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
      throw new FactsInputError(
        `not HostFacts (${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'})`,
        null,
        'give a snapshot or the JSON of `osa-sriov probe --json` (schema osa-sriov/host-facts@1)',
      );
    }
    return parsed.data;
  }
  return factsFromSnapshot(parseSnapshot(data));
}
