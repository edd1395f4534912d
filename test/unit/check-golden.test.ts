// The report on the bundled lab (the README's main command), in all three formats, against
// reviewed golden files. After a deliberate change: OSA_SRIOV_UPDATE_GOLDEN=1 npm run test:unit,
// then review the diff of test/fixtures/golden/ like code.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cli } from '../cli-helpers.js';
import { FIXTURES } from '../helpers.js';

// --max-facts-age 7d is check's default, given here because the test helper turns it off.
const LAB = [
  'check',
  'examples/blog-lab',
  '--release',
  'rocky',
  '--facts',
  'examples/blog-lab/facts',
  '--max-facts-age',
  '7d',
];

function golden(name: string, actual: string) {
  const file = join(FIXTURES, 'golden', name);
  if (process.env.OSA_SRIOV_UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from the golden file`);
}

describe('the blog lab report (golden)', () => {
  test('text', () => {
    const r = cli(...LAB);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, '');
    golden('blog-lab.txt', r.stdout);
  });
  test('json', () => {
    const r = cli(...LAB, '--format', 'json');
    assert.equal(r.status, 1, r.stderr);
    golden('blog-lab.json', r.stdout);
  });
  test('sarif', () => {
    const r = cli(...LAB, '--format', 'sarif');
    assert.equal(r.status, 1, r.stderr);
    golden('blog-lab.sarif', r.stdout);
  });
  test('the lab report shows the problems the lab is known for', () => {
    const out = JSON.parse(cli(...LAB, '--format', 'json').stdout) as {
      hosts: { withFacts: string[] };
      findings: Array<{ ruleId: string; host?: string; message: string }>;
    };
    assert.deepEqual(out.hosts.withFacts.sort(), ['hp02-qlogic', 'hp03-2x520']);
    const ids = (host: string | undefined) =>
      out.findings.filter((f) => host === undefined || f.host === host).map((f) => f.ruleId);
    const all = ids(undefined);
    // No PciPassthroughFilter (Rocky's default filter string lacks it).
    assert.ok(all.includes('SRIOV-SCHED-001'), all.join(' '));
    // The whitelist by devname, and the global value masking hp03-2x520's own.
    assert.ok(all.includes('SRIOV-DEVSPEC-004'), all.join(' '));
    assert.ok(ids('hp03-2x520').includes('SRIOV-VARS-001'), all.join(' '));
    // The PF is an Open vSwitch port, and nothing re-creates the VFs at boot.
    assert.ok(all.includes('SRIOV-HOST-005'), all.join(' '));
    assert.ok(ids('hp02-qlogic').includes('SRIOV-HOST-006'), all.join(' '));
    // hp03-2x520's whitelist names a NIC it does not have.
    assert.ok(ids('hp03-2x520').includes('SRIOV-DEVSPEC-007'), all.join(' '));
  });
});
