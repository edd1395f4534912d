// One entry for facts input: a collector snapshot or a HostFacts JSON document.
import { factsFromSnapshot } from './build.js';
import { type HostFacts, HostFactsSchema } from './host-facts.js';
import { parseSnapshot, SNAPSHOT_HEADER, SnapshotError } from './snapshot.js';

export class FactsInputError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Reads a snapshot (from `osa-sriov collect`) or HostFacts JSON (from `probe --json`). */
export function readHostFacts(data: Buffer): HostFacts {
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
  try {
    return factsFromSnapshot(parseSnapshot(data));
  } catch (e) {
    if (e instanceof SnapshotError) {
      throw new FactsInputError(
        e.message,
        e.line,
        `give a file written by \`osa-sriov collect\` (it starts with "${SNAPSHOT_HEADER}")`,
      );
    }
    throw e;
  }
}
