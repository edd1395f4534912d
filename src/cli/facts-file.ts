// One facts file (a snapshot or HostFacts JSON) to HostFacts: the one parse of --facts, on the
// main thread and in the parse workers of the cold path (src/cli/facts-pool.ts) alike.
import type { HostFacts } from '../facts/host-facts.js';
import { readHostFacts } from '../facts/load.js';
import { MAX_BYTES, readRegularFile } from '../read-input.js';

export function parseFactsFile(file: string): HostFacts {
  // A transient read: the parsers copy what they keep.
  return readHostFacts(readRegularFile(file, 'a facts file', MAX_BYTES.facts, undefined, true), file);
}
