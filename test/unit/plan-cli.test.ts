// `osa-sriov plan` on the bundled lab: the summary, its exit codes, and a round trip: the
// device_spec it derives, written where it belongs, leaves check's Nova rules silent.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WriteError, writeChanges } from '../../src/plan/apply.js';
import { assertUserError, cli } from '../cli-helpers.js';
import { REPO } from '../helpers.js';

const LAB = join(REPO, 'examples/blog-lab');
const INTENT = join(LAB, 'intent.yml');
const FACTS = join(LAB, 'facts');

interface PlanJson {
  problems: Array<{ message: string; location: { line: number } }>;
  hosts: Array<{
    host: string;
    deviceSpec: Array<Record<string, string>>;
    mappings: Record<string, string[]>;
  }>;
}

describe('plan', () => {
  test('the lab: one VF-only spec per host by PCI address, in the release form; exit 0', () => {
    const r = cli('plan', INTENT, '--deploy', LAB, '--facts', FACTS);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^host hp02-qlogic$/m);
    assert.match(
      r.stdout,
      /nova_pci_passthrough_whitelist: '\{"address": "0000:08:00\.1", "vendor_id": "14e4", "product_id": "16af", "physical_network": "vlan"\}'/,
    );
    assert.match(r.stdout, /physical_device_mappings = vlan:ens1f0/);
    const json = JSON.parse(
      cli('plan', INTENT, '--deploy', LAB, '--facts', FACTS, '--format', 'json').stdout,
    ) as PlanJson;
    assert.deepEqual(json.problems, []);
    assert.deepEqual(
      json.hosts.map((h) => [h.host, h.mappings]),
      [
        ['hp02-qlogic', { vlan: ['ens2f1'] }],
        ['hp03-2x520', { vlan: ['ens1f0'] }],
      ],
    );
  });

  test('an intent that cannot be satisfied: exit 1, each reason at its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-plan-'));
    const bad = readFileSync(INTENT, 'utf8').replace('interfaces: [ens1f0]', 'interfaces: [ens2f1]');
    writeFileSync(join(dir, 'intent.yml'), bad);
    const r = cli('plan', join(dir, 'intent.yml'), '--deploy', LAB, '--facts', FACTS);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /intent\.yml:14:22: hp03-2x520: hp03-2x520 has no SR-IOV PF ens2f1/);
  });

  test('a bad intent file or usage: exit 2 with the location', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-plan-'));
    writeFileSync(join(dir, 'intent.yml'), readFileSync(INTENT, 'utf8').replace('numVfs: 8', 'numVFs: 8'));
    assertUserError(
      cli('plan', join(dir, 'intent.yml'), '--deploy', LAB),
      /intent\.yml:10:7: physnets\.0\.hosts\.hp02-qlogic\.numVfs: missing \(a required key\)/,
    );
    assertUserError(cli('plan', join(dir, 'missing.yml'), '--deploy', LAB), /cannot read the intent file/);
    assert.equal(cli('plan', INTENT).status, 2);
  });

  test('the lab, written: check finds no error, a second plan changes nothing, backups kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-plan-lab-'));
    cpSync(LAB, dir, { recursive: true });
    const originals = new Map(
      ['openstack_user_config.yml', 'user_variables.yml'].map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
    );
    const dry = cli('plan', INTENT, '--deploy', dir, '--facts', FACTS);
    assert.equal(dry.status, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /^dry run: nothing was written; apply with --write$/m);
    // infra1 (Rocky: a network host in neutron_sriov_nic_agent) mapped the lab's ens2f1 too.
    assert.match(dry.stdout, /^note: infra1 maps SR-IOV PFs on vlan today and the intent gives it none/m);
    assert.match(dry.stdout, /^--- a\/user_variables\.yml\n\+\+\+ b\/user_variables\.yml$/m);
    assert.match(dry.stdout, /^\+nova_scheduler_default_filters: ".*,PciPassthroughFilter"$/m);
    for (const [f, text] of originals)
      assert.equal(readFileSync(join(dir, f), 'utf8'), text, `${f} untouched by a dry run`);

    const w = cli('plan', INTENT, '--deploy', dir, '--facts', FACTS, '--write');
    assert.equal(w.status, 0, w.stdout + w.stderr);
    assert.match(w.stdout, /^wrote 5 files; backups: /m);
    for (const [f, text] of originals) {
      const backups = readdirSync(dir).filter((n) => n.startsWith(`${f}.osa-sriov-`) && n.endsWith('.bak'));
      assert.equal(backups.length, 1, `one backup of ${f}`);
      assert.equal(readFileSync(join(dir, backups[0]!), 'utf8'), text);
    }
    assert.deepEqual(readdirSync(join(dir, 'host_vars')).sort(), [
      'hp02-qlogic.yml',
      'hp03-2x520.yml',
      'infra1.yml',
    ]);
    assert.ok(!readdirSync(dir).some((n) => n.endsWith('.tmp')), 'no temporary file left');
    // The edits keep the comments of the lab files.
    assert.ok(
      readFileSync(join(dir, 'openstack_user_config.yml'), 'utf8').startsWith(
        originals.get('openstack_user_config.yml')!.split('\n').slice(0, 3).join('\n'),
      ),
    );

    const checked = cli('check', dir, '--release', 'rocky', '--facts', FACTS, '--format', 'json');
    assert.equal(checked.status, 0, checked.stdout);
    const findings = (JSON.parse(checked.stdout) as { findings: Array<{ ruleId: string; severity: string }> })
      .findings;
    assert.deepEqual(
      findings.filter((f) => f.severity === 'error'),
      [],
    );
    // What remains is host state and the OVS FDB quirk of Rocky, not configuration mistakes, and
    // the drift until os-nova-install.yml runs (hp02's nova.conf still has the devname whitelist).
    assert.deepEqual([...new Set(findings.map((f) => f.ruleId))].sort(), [
      'SRIOV-DRIFT-001',
      'SRIOV-FACTS-001',
      'SRIOV-HOST-005',
      'SRIOV-HOST-006',
    ]);

    const again = cli('plan', INTENT, '--deploy', dir, '--facts', FACTS, '--write');
    assert.equal(again.status, 0, again.stdout);
    assert.match(again.stdout, /^no changes needed: /m);
    assert.doesNotMatch(again.stdout, /^(---|\+\+\+) /m, 'an empty diff');
    const json = JSON.parse(
      cli('plan', INTENT, '--deploy', dir, '--facts', FACTS, '--format', 'json').stdout,
    ) as {
      changes: unknown[];
      diff: string;
      valid: boolean;
    };
    assert.deepEqual([json.changes, json.diff, json.valid], [[], '', true]);
  });

  test('nothing is written when the intent cannot be satisfied or a file cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-plan-lab-'));
    cpSync(LAB, dir, { recursive: true });
    const snapshot = () => readdirSync(dir, { recursive: true }).map(String).sort();
    const before = snapshot();
    const bad = join(dir, 'bad-intent.yml');
    writeFileSync(
      bad,
      readFileSync(INTENT, 'utf8').replace('numVfs: 8\n      hp03', 'numVfs: 99\n      hp03'),
    );
    const r = cli(
      'plan',
      bad,
      '--deploy',
      dir,
      '--facts',
      FACTS,
      '--write',
      '--host-setup',
      join(dir, 'setup'),
    );
    assert.equal(r.status, 1, r.stdout);
    assert.match(
      r.stdout,
      /bad-intent\.yml:12:17: hp02-qlogic: ens2f1 on hp02-qlogic supports \d+ VFs \(sriov_totalvfs\), not 99/,
    );
    assert.match(r.stdout, /nothing was written/);
    assert.deepEqual(snapshot(), [...before, 'bad-intent.yml'].sort());
    // host_vars as a file is bad input: exit 2, located, nothing written.
    writeFileSync(join(dir, 'host_vars'), 'not a directory\n');
    assertUserError(
      cli('plan', INTENT, '--deploy', dir, '--facts', FACTS, '--write'),
      /host_vars: not a directory/,
    );
    assert.deepEqual(snapshot(), [...before, 'bad-intent.yml', 'host_vars'].sort());
  });

  test('a write that fails half way leaves every file as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-plan-write-'));
    writeFileSync(join(dir, 'a.yml'), 'a: 1\n');
    writeFileSync(join(dir, 'blocker'), 'a file where a directory is needed\n');
    const changes = [
      { file: join(dir, 'a.yml'), before: 'a: 1\n', after: 'a: 2\n', reasons: [] },
      { file: join(dir, 'blocker/host.yml'), before: null, after: 'b: 1\n', reasons: [] },
    ];
    assert.throws(() => writeChanges(changes, 'T'), WriteError);
    assert.deepEqual(readdirSync(dir).sort(), ['a.yml', 'blocker']);
    assert.equal(readFileSync(join(dir, 'a.yml'), 'utf8'), 'a: 1\n');
    assert.deepEqual(writeChanges(changes.slice(0, 1), 'T'), [join(dir, 'a.yml.osa-sriov-T.bak')]);
    assert.equal(readFileSync(join(dir, 'a.yml'), 'utf8'), 'a: 2\n');
    assert.equal(readFileSync(join(dir, 'a.yml.osa-sriov-T.bak'), 'utf8'), 'a: 1\n');
  });

  test('--host-setup writes the playbook for the planned hosts', () => {
    const out = mkdtempSync(join(tmpdir(), 'osa-plan-setup-'));
    const r = cli('plan', INTENT, '--deploy', LAB, '--facts', FACTS, '--host-setup', out);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const playbook = readFileSync(join(out, 'sriov-host-setup.yml'), 'utf8');
    assert.match(playbook, /hp02-qlogic/);
    assert.match(playbook, /0000:04:00\.0/);
    assert.match(r.stdout, /run the host setup: cd /);
  });
});
