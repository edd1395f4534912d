// factsFromSnapshot builds HostFacts without re-validating them: every snapshot we have must
// still produce a document the public schema accepts unchanged.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { factsFromSnapshot } from '../../src/facts/build.js';
import { HostFactsSchema } from '../../src/facts/host-facts.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { FIXTURES, REPO } from '../helpers.js';

const dirs = [
  join(FIXTURES, 'snapshots'),
  join(REPO, 'examples/snapshots'),
  join(REPO, 'examples/blog-lab/facts'),
];

test('every bundled snapshot gives HostFacts that the schema accepts as they are', () => {
  let n = 0;
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.snapshot'));
    } catch {
      continue;
    }
    for (const name of names) {
      const facts = factsFromSnapshot(parseSnapshot(readFileSync(join(dir, name))));
      assert.deepEqual(HostFactsSchema.parse(JSON.parse(JSON.stringify(facts))), facts, name);
      n++;
    }
  }
  assert.ok(n >= 3, `${n} snapshots checked`);
});
