// factsFromSnapshot builds HostFacts without re-validating them, and readHostFacts checks VFs
// with isValidVf: every bundled snapshot must give a document the schema accepts unchanged, and
// isValidVf must accept no VF the schema refuses.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { factsFromSnapshot } from '../../src/facts/build.js';
import { HostFactsSchema, isValidVf, VfSchema } from '../../src/facts/host-facts.js';
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

test('isValidVf accepts no VF that VfSchema refuses, and accepts the VFs snapshots give', () => {
  const facts = factsFromSnapshot(
    parseSnapshot(readFileSync(join(FIXTURES, 'snapshots/igb-3nic.dash.snapshot'))),
  );
  const vfs = facts.pfs.flatMap((p) => p.vfs);
  assert.ok(vfs.length > 0);
  for (const vf of vfs) assert.ok(isValidVf(vf) && VfSchema.safeParse(vf).success);
  // Values each field may take: good ones, and ones the schema refuses.
  const values: Record<string, unknown[]> = {
    index: [0, 7, -1, 1.5, '1', null, Number.NaN, 2 ** 60],
    pciAddress: [null, '0000:01:10.0', '0000:01:10.8', '0000:1:10.0', 'ABCD:01:10.0', 7, ''],
    driver: [null, 'igbvf', '', 3, undefined],
    netdev: [null, 'eth3', '', 'a'.repeat(16), 'a'.repeat(15), 'e/1', 'e:1', 'e 1', 'e\u0001', '.', '..', 5],
    mac: [null, 'fa:16:3e:00:00:01', 'FA:16:3E:00:00:01', 'fa:16', 'fa-16', ''],
    vlan: [null, 0, 4095, -1, 1.5, '100'],
    qos: [null, 0, -3],
    spoofCheck: [null, true, false, 'on', 0],
    trust: [null, true, 1],
    linkState: [null, 'auto', 'enable', 'disable', 'on', ''],
    maxTxRateMbps: [null, 0, 100, -1, Number.POSITIVE_INFINITY],
    minTxRateMbps: [null, 10, 0.5],
    iommuGroup: [null, 0, 12, -1],
    uppers: [[], ['macvtap0'], ['bad name'], [''], 'macvtap0', [null], ['x'.repeat(16)]],
  };
  let refused = 0;
  for (const base of vfs.slice(0, 2)) {
    for (const [key, options] of Object.entries(values)) {
      for (const v of options) {
        const vf = { ...base, [key]: v } as typeof base;
        const schema = VfSchema.safeParse(vf).success;
        if (isValidVf(vf))
          assert.ok(schema, `isValidVf accepts ${key} = ${JSON.stringify(v)}, the schema does not`);
        else refused++;
      }
    }
    const { mac: _mac, ...missing } = base;
    assert.equal(isValidVf(missing as typeof base), false, 'a missing field');
  }
  assert.ok(refused > 40, `${refused} altered VFs refused`);
});
