// Fleet collection with the real ansible-playbook (Debian's ansible-core, installed by .ci/run):
// an OSA-shaped inventory served by an inventory script, two hosts collected on this machine
// (local connection), one unreachable, one whose collector output is truncated; then --limit,
// and check reading the collected directory as is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { cli, withEnv } from '../cli-helpers.js';
import { FIXTURES } from '../helpers.js';

const ansible = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).status === 0;
if (!ansible && process.env.CI) throw new Error('CI must run the Ansible tests: ansible-playbook is missing');
const skip = ansible
  ? false
  : 'ansible-playbook is not installed (apt-get install ansible-core enables these tests)';

/** The fixture inventory, with this machine as the computes' connection, behind a script. */
function inventory(dir: string): { script: string; seen: string } {
  const inv = JSON.parse(readFileSync(join(FIXTURES, 'inventory/openstack_inventory.json'), 'utf8')) as {
    _meta: { hostvars: Record<string, Record<string, unknown>> };
  };
  const hv = inv._meta.hostvars;
  Object.assign(hv.compute1!, { ansible_connection: 'local' });
  Object.assign(hv.compute2!, { ansible_connection: 'local' });
  Object.assign(hv.compute3!, { ansible_host: '127.0.0.1', ansible_port: 1, ansible_user: 'nobody' });
  const truncated = join(dir, 'truncated.sh');
  writeFileSync(truncated, '#!/bin/sh\nprintf "osa-sriov-snapshot 1\\nv meta.collector cut\\n"\n');
  Object.assign(hv.compute4!, { ansible_connection: 'local', osa_sriov_collector: truncated });
  // The infra host would be collected if the group pattern were wrong: it cannot be reached.
  Object.assign(hv.infra1!, { ansible_host: '127.0.0.1', ansible_port: 1 });
  const json = join(dir, 'openstack_inventory.json');
  writeFileSync(json, JSON.stringify(inv));
  const seen = join(dir, 'seen-config-dir');
  const script = join(dir, 'dynamic_inventory.py');
  writeFileSync(
    script,
    `#!/bin/sh\nprintf '%s' "$OSA_CONFIG_DIR" > '${seen}'\n[ "$1" = --host ] && { echo '{}'; exit 0; }\ncat '${json}'\n`,
  );
  chmodSync(script, 0o755);
  return { script, seen };
}

describe('collect --ansible (real Ansible)', { skip }, () => {
  test('per-host snapshots, failures reported per host, --limit refreshes one, check reads the directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-collect-'));
    const out = join(dir, 'facts');
    const { script, seen } = inventory(dir);
    const r = cli(
      'collect',
      '--ansible',
      '-i',
      script,
      '-o',
      out,
      '--osa-config-dir',
      '/srv/osa-config',
      '--forks',
      '4',
    );
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.equal(readFileSync(seen, 'utf8'), '/srv/osa-config', "OSA's inventory gets OSA_CONFIG_DIR");
    assert.match(r.stdout, /^collected 2 of 4 host\(s\) into .*facts, unreachable 1, failed 1$/m);
    assert.match(r.stdout, /^ {2}unreachable compute3: .*(Connection refused|connect)/m);
    assert.match(r.stdout, /^ {2}failed {6}compute4: the collector's output is not a complete snapshot/m);
    assert.doesNotMatch(r.stdout, /infra1/, 'only the SR-IOV agents and computes are collected');
    // Progress lines (stderr is not a TTY here).
    assert.match(r.stderr, /^collecting from 4 host\(s\)$/m);
    assert.match(r.stderr, /^collected compute1$/m);
    assert.deepEqual(readdirSync(out).sort(), ['compute1.snapshot', 'compute2.snapshot'], 'no partial file');
    const hostname = spawnSync('hostname', { encoding: 'utf8' }).stdout.trim();
    for (const h of ['compute1', 'compute2']) {
      const snap = parseSnapshot(readFileSync(join(out, `${h}.snapshot`), 'utf8'));
      assert.equal(snap.attr('meta.origin'), `ansible ${hostname} ${h}`);
      assert.match(snap.attr('meta.date') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }

    // --limit: only compute1's snapshot is taken again.
    const before2 = readFileSync(join(out, 'compute2.snapshot'));
    const again = cli('collect', '--ansible', '-i', script, '-o', out, '--limit', 'compute1');
    assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
    assert.match(again.stdout, /^collected 1 of 1 host\(s\)/m);
    const refreshed = Date.now();
    assert.deepEqual(readFileSync(join(out, 'compute2.snapshot')), before2);

    // check takes the directory as is: files match inventory hosts by name, nothing unmatched.
    const checked = cli('check', join(FIXTURES, 'rules/_base'), '--facts', out, '--format', 'json');
    assert.ok(checked.status === 0 || checked.status === 1, checked.stderr);
    assert.doesNotMatch(checked.stderr, /no inventory host named/);
    const findings = (JSON.parse(checked.stdout) as { findings: Array<{ ruleId: string; host?: string }> })
      .findings;
    assert.deepEqual(
      findings.filter((f) => f.ruleId === 'SRIOV-FACTS-001' && f.host !== 'infra1').map((f) => f.host),
      [],
      'both computes have facts',
    );
    // Fresh snapshots are not old: with the default age, no SRIOV-FACTS-002.
    const aged = withEnv(
      { OSA_SRIOV_MAX_FACTS_AGE: '7d' },
      'check',
      join(FIXTURES, 'rules/_base'),
      '--facts',
      out,
      '--format',
      'json',
    );
    const stale = (r: ReturnType<typeof cli>) =>
      (JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; host?: string }> }).findings
        .filter((f) => f.ruleId === 'SRIOV-FACTS-002')
        .map((f) => f.host);
    assert.deepEqual(stale(aged), []);
    // compute1's snapshot, taken again just now, must be over 1 s old for --max-facts-age 1s: on
    // a fast machine the two checks above take less than that.
    const wait = refreshed + 1100 - Date.now();
    if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
    const old = withEnv(
      { OSA_SRIOV_MAX_FACTS_AGE: '7d' },
      'check',
      join(FIXTURES, 'rules/_base'),
      '--facts',
      out,
      '--max-facts-age',
      '1s',
      '--format',
      'json',
    );
    assert.deepEqual(stale(old), ['compute1', 'compute2']);
  });

  test('usage errors: no -o, no ansible-playbook, no OSA inventory, bad --forks', () => {
    const bad = (r: ReturnType<typeof cli>, re: RegExp) => {
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    };
    bad(cli('collect', '--ansible'), /needs -o DIR/);
    bad(cli('collect', '--ansible', '-o', tmpdir(), '--forks', '0'), /--forks must be a whole number/);
    bad(
      withEnv({ PATH: '/nonexistent' }, 'collect', '--ansible', '-o', tmpdir()),
      /ansible-playbook not found/,
    );
    bad(cli('collect', '--ansible', '-o', tmpdir(), '-i', '/nonexistent/inventory'), /no such inventory/);
    bad(cli('collect', '--limit', 'compute1'), /--limit only applies with --ansible/);
  });
});
