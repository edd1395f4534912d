// `osa-sriov plan` on the bundled lab: the summary, its exit codes, and a round trip: the
// device_spec it derives, written where it belongs, leaves check's Nova rules silent.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatSpecValue } from '../../src/checks/devspec-helpers.js';
import { parseRelease } from '../../src/osa/releases.js';
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

  test('round trip: the derived device_spec, in host_vars, satisfies check', () => {
    const json = JSON.parse(
      cli('plan', INTENT, '--deploy', LAB, '--facts', FACTS, '--format', 'json').stdout,
    ) as PlanJson;
    const dir = mkdtempSync(join(tmpdir(), 'osa-plan-lab-'));
    cpSync(LAB, dir, { recursive: true });
    // What plan will edit: drop the global whitelist (it masks host values) and the
    // container_vars copies, and put each host's value in its host_vars file.
    writeFileSync(join(dir, 'user_variables.yml'), 'neutron_plugin_types:\n  - ml2.sriov\n');
    const config = readFileSync(join(dir, 'openstack_user_config.yml'), 'utf8').replace(
      /\n {8}nova_pci_passthrough_whitelist: .*/g,
      '',
    );
    writeFileSync(join(dir, 'openstack_user_config.yml'), config);
    mkdirSync(join(dir, 'host_vars'));
    for (const h of json.hosts)
      writeFileSync(
        join(dir, `host_vars/${h.host}.yml`),
        `${formatSpecValue(parseRelease('rocky')!, h.deviceSpec)}\n`,
      );
    const r = cli('check', dir, '--release', 'rocky', '--facts', join(dir, 'facts'), '--format', 'json');
    const out = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; severity: string }> };
    const nova = out.findings.filter((f) => /^SRIOV-(DEVSPEC|PHYSNET|VARS)-/.test(f.ruleId));
    assert.deepEqual(nova, [], r.stdout);
  });
});
