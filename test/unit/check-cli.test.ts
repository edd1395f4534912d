// `osa-sriov check` as users run it: exit codes, the three formats (SARIF validated against
// the OASIS schema), facts matching, and bad input that must exit 2 with a location.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import ajvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { terminalText } from '../../src/report/style.js';
import { assertUserError, cli } from '../cli-helpers.js';
import { FIXTURES } from '../helpers.js';

const RULES = join(FIXTURES, 'rules');
const BASE = join(RULES, '_base');
const BASE_FACTS = join(RULES, '_base-facts');
const SCHED_FAIL = join(RULES, 'SRIOV-SCHED-001/fail');

function copyBase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'osa-check-'));
  cpSync(BASE, dir, { recursive: true });
  return dir;
}

// ajv-draft-04 is CommonJS: its class is the module's default property.
const Ajv04 = ajvDraft04.default;

function sarifValidator() {
  const schema = JSON.parse(readFileSync(join(FIXTURES, 'sarif/sarif-schema-2.1.0.json'), 'utf8'));
  const ajv = new Ajv04({ strict: false, allErrors: true });
  (addFormats as unknown as (a: InstanceType<typeof Ajv04>) => void)(ajv);
  return ajv.compile(schema);
}

describe('check: exit status and formats', () => {
  test('a clean deployment with facts: exit 0, "no findings"', () => {
    const r = cli('check', BASE, '--facts', BASE_FACTS);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no findings/);
    assert.match(r.stdout, /0 errors, 0 warnings, 0 info/);
    assert.ok(!r.stdout.includes('\u001b['), 'no colour when stdout is not a terminal');
  });

  test('an error finding: exit 1; --fail-on applies; text groups by host with location and fix', () => {
    const r = cli('check', SCHED_FAIL, '--facts', BASE_FACTS, '--rule', 'sriov-sched-001');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^host infra1-nova-api-container$/m);
    assert.match(r.stdout, /^ {2}error {3}SRIOV-SCHED-001 {2}PciPassthroughFilter is not/m);
    assert.match(
      r.stdout,
      /fix: add to \/etc\/openstack_deploy\/user_variables\.yml: nova_scheduler_extra_filters/,
    );
    assert.match(r.stdout, /1 error, 0 warnings, 0 info/);
    assert.equal(cli('check', SCHED_FAIL, '--skip', 'SRIOV-SCHED-001', '--facts', BASE_FACTS).status, 0);
  });

  test('info findings fail only with --fail-on info', () => {
    // No facts: SRIOV-FACTS-001 says which host checks were skipped.
    const r = cli('check', BASE, '--format', 'json');
    const out = JSON.parse(r.stdout);
    assert.ok(out.summary.info >= 1, r.stdout);
    assert.equal(out.summary.error, 0);
    assert.equal(r.status, 0);
    assert.equal(cli('check', BASE, '--fail-on', 'info').status, 1);
  });

  test('JSON: the documented shape', () => {
    const r = cli('check', SCHED_FAIL, '--format', 'json', '--facts', BASE_FACTS);
    const out = JSON.parse(r.stdout);
    assert.equal(out.schema, 'osa-sriov/findings@1');
    assert.equal(out.failOn, 'error');
    // Containers share their physical host's facts.
    assert.deepEqual(out.hosts.withFacts, [
      'infra1',
      'compute1',
      'compute2',
      'infra1-neutron-server-container',
      'infra1-nova-api-container',
    ]);
    const f = out.findings.find((x: { ruleId: string }) => x.ruleId === 'SRIOV-SCHED-001');
    assert.ok(f);
    assert.equal(f.severity, 'error');
    assert.equal(typeof f.message, 'string');
    assert.ok(Array.isArray(f.evidence));
    assert.deepEqual(Object.keys(out.summary), ['error', 'warning', 'info']);
    assert.ok(out.rules.length > 0 && out.rules.every((x: { id: string }) => /^SRIOV-/.test(x.id)));
  });

  test('SARIF: valid against the SARIF 2.1.0 schema, with locations for located findings', () => {
    const validate = sarifValidator();
    for (const dir of [SCHED_FAIL, join(RULES, 'SRIOV-PHYSNET-001/fail'), BASE]) {
      const r = cli('check', dir, '--format', 'sarif');
      const log = JSON.parse(r.stdout) as {
        version: string;
        runs: Array<{
          tool: { driver: { rules: Array<{ id: string }> } };
          results: Array<{ ruleId: string; ruleIndex: number }>;
        }>;
      };
      assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
      assert.equal(log.version, '2.1.0');
      const results = log.runs[0]!.results;
      for (const res of results) {
        assert.equal(log.runs[0]!.tool.driver.rules[res.ruleIndex]?.id, res.ruleId);
      }
    }
    const physnet = JSON.parse(
      cli('check', join(RULES, 'SRIOV-PHYSNET-001/fail'), '--format', 'sarif').stdout,
    );
    const located = physnet.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'SRIOV-PHYSNET-001');
    const loc = located.locations[0].physicalLocation;
    assert.match(loc.artifactLocation.uri, /SRIOV-PHYSNET-001\/fail\/host_vars\/compute2\.yml$/);
    assert.equal(loc.region.startLine, 3);
    // A broken log must fail the validator (the test can fail).
    const broken = JSON.parse(cli('check', SCHED_FAIL, '--format', 'sarif').stdout);
    broken.runs[0].results[0].level = 'fatal';
    assert.equal(validate(broken), false);
  });

  test('-o writes the report atomically', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'osa-check-out-')), 'report.sarif');
    const r = cli('check', SCHED_FAIL, '--format', 'sarif', '-o', out);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).version, '2.1.0');
  });
});

describe('check: facts matching', () => {
  test('by hostname inside the file when the file name is not the host (FQDN too)', () => {
    const facts = mkdtempSync(join(tmpdir(), 'osa-facts-'));
    const f = JSON.parse(readFileSync(join(BASE_FACTS, 'compute1.json'), 'utf8'));
    f.hostname = 'compute1.example.net';
    writeFileSync(join(facts, 'collected-1.json'), JSON.stringify(f));
    const r = cli('check', BASE, '--facts', facts, '--format', 'json');
    assert.deepEqual(JSON.parse(r.stdout).hosts.withFacts, ['compute1']);
  });

  test('a facts file for no inventory host is reported and ignored', () => {
    const facts = mkdtempSync(join(tmpdir(), 'osa-facts-'));
    cpSync(join(BASE_FACTS, 'compute1.json'), join(facts, 'compute9.json'));
    const f = JSON.parse(readFileSync(join(facts, 'compute9.json'), 'utf8'));
    f.hostname = 'compute9';
    writeFileSync(join(facts, 'compute9.json'), JSON.stringify(f));
    const r = cli('check', BASE, '--facts', facts);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /compute9\.json: no inventory host named compute9; these facts are not used/);
  });

  test('two facts files for one host: exit 2', () => {
    const facts = mkdtempSync(join(tmpdir(), 'osa-facts-'));
    cpSync(join(BASE_FACTS, 'compute1.json'), join(facts, 'compute1.json'));
    cpSync(join(FIXTURES, 'snapshots/igb-3nic.dash.snapshot'), join(facts, 'compute1.snapshot'));
    assertUserError(cli('check', BASE, '--facts', facts), /several facts files describe host compute1/);
  });
});

describe('check: bad input exits 2 with a location, never a stack trace', () => {
  test('malformed YAML', () => {
    const dir = copyBase();
    writeFileSync(join(dir, 'user_variables.yml'), 'neutron_plugin_types:\n  - ml2.sriov\n bad: [\n');
    assertUserError(cli('check', dir), /user_variables\.yml:\d+:\d+: /);
  });

  test('tabs in YAML (PyYAML refuses them)', () => {
    const dir = copyBase();
    writeFileSync(join(dir, 'user_variables.yml'), 'neutron_plugin_types:\n\t- ml2.sriov\n');
    assertUserError(cli('check', dir), /user_variables\.yml:2:\d+: /);
  });

  test('a directory with no OSA configuration, a missing directory', () => {
    assertUserError(cli('check', mkdtempSync(join(tmpdir(), 'osa-empty-'))), /no openstack_user_config\.yml/);
    assertUserError(cli('check', join(tmpdir(), 'no-such-osa-dir')), /no-such-osa-dir/);
  });

  test('an empty openstack_user_config.yml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-empty-'));
    writeFileSync(join(dir, 'openstack_user_config.yml'), '');
    assertUserError(cli('check', dir), /openstack_user_config\.yml/);
  });

  test('a facts file that is neither a snapshot nor HostFacts, and HostFacts with a wrong field', () => {
    const facts = mkdtempSync(join(tmpdir(), 'osa-facts-'));
    writeFileSync(join(facts, 'compute1.snapshot'), 'hello\n');
    assertUserError(
      cli('check', BASE, '--facts', facts),
      /compute1\.snapshot:1:1: not an osa-sriov snapshot/,
    );
    const json = mkdtempSync(join(tmpdir(), 'osa-facts-'));
    const f = JSON.parse(readFileSync(join(BASE_FACTS, 'compute1.json'), 'utf8'));
    f.pfs[0].numVfs = 'three';
    writeFileSync(join(json, 'compute1.json'), JSON.stringify(f));
    assertUserError(
      cli('check', BASE, '--facts', json),
      /compute1\.json(:1:\d+)?: not HostFacts \(pfs\.0\.numVfs/,
    );
  });

  test('unknown rule id, unknown host, unknown release, bad --format', () => {
    assertUserError(cli('check', BASE, '--rule', 'SRIOV-NOPE-001'), /unknown rule SRIOV-NOPE-001/);
    assertUserError(
      cli('check', BASE, '--skip', 'SRIOV-NUMA-01'),
      /unknown rule SRIOV-NUMA-01 \(did you mean SRIOV-NUMA-001\?\)/,
    );
    assertUserError(cli('check', BASE, '--host', 'compute7'), /unknown host compute7/);
    assertUserError(cli('check', BASE, '--release', 'folsom'), /unknown OSA release "folsom"/);
    assert.equal(cli('check', BASE, '--format', 'xml').status, 2);
  });

  test('--rule X --skip X leaves no rule: a usage error, not an empty report', () => {
    assertUserError(
      cli('check', BASE, '--rule', 'SRIOV-SCHED-001', '--skip', 'sriov-sched-001'),
      /leave no rule to run/,
    );
  });

  test('unknown keys are not input errors: OSA ignores them, and so does check', () => {
    const dir = copyBase();
    writeFileSync(
      join(dir, 'user_variables.yml'),
      `${readFileSync(join(BASE, 'user_variables.yml'), 'utf8')}my_site_flag: true\n`,
    );
    const r = cli('check', dir, '--facts', BASE_FACTS);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('a non-JSON device_spec is a located finding (exit 1), not unreadable input', () => {
    const dir = copyBase();
    mkdirSync(join(dir, 'host_vars'), { recursive: true });
    writeFileSync(
      join(dir, 'host_vars/compute1.yml'),
      "nova_device_spec:\n  - \"{'address': '0000:01:00.0'}\"\n",
    );
    const r = cli('check', dir, '--format', 'json');
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(
      out.findings.some((f: { location?: { file: string } }) =>
        f.location?.file.endsWith('host_vars/compute1.yml'),
      ),
      r.stdout,
    );
    assert.ok(existsSync(dir));
  });
});

describe('check: text colours', () => {
  test('severity colours only when asked (the CLI asks on a TTY without NO_COLOR)', async () => {
    const { renderFindingsText } = await import('../../src/report/findings-text.js');
    const result = {
      findings: [{ ruleId: 'SRIOV-SCHED-001', severity: 'error' as const, message: 'm', fix: 'f' }],
      rules: [],
      hosts: ['h'],
      hostsWithFacts: [],
    };
    const plain = renderFindingsText(result, { color: false, title: 't', failOn: 'error' });
    const coloured = terminalText(renderFindingsText(result, { color: true, title: 't', failOn: 'error' }), {
      color: true,
    });
    assert.ok(!plain.includes('\u001b['));
    assert.ok(coloured.includes('\u001b[31merror'));
    assert.equal(
      coloured
        .split(/\[\d+m/)
        .join('')
        .replaceAll('\u001b', ''),
      plain,
    );
  });
});

describe('check: no false alarms on correct variations', () => {
  test('--host takes both container name forms (OSA before 2024.1: host_group-suffix; since: host-group)', () => {
    // Rocky's generate.py: infra1_nova_api_container-<8 hex>; the lab has no openstack_inventory.json.
    for (const name of [
      'infra1_nova_api_container',
      'infra1-nova-api-container',
      'infra1_nova_api_container-1a2b3c4d',
    ]) {
      const r = cli(
        'check',
        'examples/blog-lab',
        '--release',
        'rocky',
        '--rule',
        'SRIOV-SCHED-001',
        '--host',
        name,
        '--format',
        'json',
      );
      assert.equal(r.status, 1, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).hosts.checked, ['infra1_nova_api_container'], name);
    }
    const r = cli('check', BASE, '--host', 'infra1_nova_api_container', '--format', 'json');
    assert.deepEqual(JSON.parse(r.stdout).hosts.checked, ['infra1-nova-api-container']);
  });

  test("--host: a finding of another host (the scheduler's) keeps its place; each host is one block", () => {
    const r = cli(
      'check',
      'examples/blog-lab',
      '--release',
      'rocky',
      '--facts',
      'examples/blog-lab/facts',
      '--host',
      'hp03-2x520',
      '--color',
      'never',
    );
    assert.equal(r.status, 1, r.stderr);
    const headers = r.stdout.split('\n').filter((l) => l.startsWith('host '));
    // SRIOV-SCHED-001 is the scheduler host's (infra1's container): it follows hp03 in inventory order.
    assert.deepEqual(headers, ['host hp03-2x520', 'host infra1_nova_api_container']);
  });

  test("LXC agents on a provider network without ip_from_q: OSA's inventory generator fails (KeyError: 'address', 27.0.0 on)", () => {
    const dir = copyBase();
    mkdirSync(join(dir, 'env.d'));
    writeFileSync(
      join(dir, 'env.d/neutron.yml'),
      '---\ncontainer_skel:\n  neutron_ovn_gateway_container:\n    properties:\n      is_metal: false\n',
    );
    const r = cli('check', dir, '--release', '2023.1', '--rule', 'SRIOV-OSA-001', '--format', 'json');
    assert.equal(r.status, 1, r.stderr);
    const [f] = JSON.parse(r.stdout).findings;
    assert.equal(f.host, undefined);
    assert.match(
      f.message,
      /inventory generator fails with KeyError: 'address'.*entry 2 \(net_name physnet1\) has no ip_from_q.*infra1_neutron_ovn_gateway_container/,
    );
    assert.deepEqual([f.location.file, f.location.line], [join(dir, 'openstack_user_config.yml'), 26]);
    const render = cli('render', dir, '--release', '2023.1');
    assert.equal(render.status, 1);
    assert.equal(render.stdout, '');
    assert.match(
      render.stderr,
      /openstack_user_config\.yml:26:\d+: OpenStack-Ansible's inventory generator fails with KeyError: 'address'/,
    );
    // Zed's generator did not read the address back; an ip_from_q gives one.
    assert.equal(cli('check', dir, '--release', 'zed', '--rule', 'SRIOV-OSA-001').status, 0);
    const conf = readFileSync(join(dir, 'openstack_user_config.yml'), 'utf8');
    writeFileSync(
      join(dir, 'openstack_user_config.yml'),
      conf.replace('        range: "101:200"\n', '        range: "101:200"\n        ip_from_q: management\n'),
    );
    assert.equal(cli('check', dir, '--release', '2023.1', '--rule', 'SRIOV-OSA-001').status, 0);
  });

  test('SRIOV-SCHED-001 is about the scheduler host whatever --host selects', () => {
    const hostsOf = (...args: string[]) =>
      JSON.parse(
        cli(
          'check',
          'examples/blog-lab',
          '--release',
          'rocky',
          '--rule',
          'SRIOV-SCHED-001',
          '--format',
          'json',
          ...args,
        ).stdout,
      ).findings.map((f: { host?: string }) => f.host);
    const all = hostsOf();
    assert.deepEqual(all, ['infra1_nova_api_container']);
    assert.deepEqual(hostsOf('--host', 'hp02-qlogic'), all);
    assert.deepEqual(hostsOf('--host', 'infra1_nova_api_container'), all);
  });

  test('--host selects whose findings are shown; rules still see the gateway, servers and schedulers', () => {
    for (const host of ['compute1', 'infra1-neutron-server-container', 'infra1-nova-api-container']) {
      const r = cli('check', BASE, '--facts', BASE_FACTS, '--host', host, '--format', 'json');
      assert.equal(r.status, 0, r.stdout);
      assert.deepEqual(JSON.parse(r.stdout).findings, [], host);
    }
  });

  test('a GPU-only device_spec on OVN without ml2.sriov needs no SR-IOV networking', () => {
    const dir = copyBase();
    writeFileSync(
      join(dir, 'user_variables.yml'),
      'nova_scheduler_extra_filters:\n  - PciPassthroughFilter\n',
    );
    writeFileSync(
      join(dir, 'openstack_user_config.yml'),
      readFileSync(join(BASE, 'openstack_user_config.yml'), 'utf8').replace(
        '        sriov_host_interfaces: "eth0"\n',
        '',
      ),
    );
    for (const h of ['compute1', 'compute2'])
      writeFileSync(
        join(dir, `host_vars/${h}.yml`),
        'nova_device_spec:\n  - vendor_id: "10de"\n    product_id: "20b5"\nnova_pci_alias:\n  - \'{"vendor_id": "10de", "product_id": "20b5", "name": "a100"}\'\n',
      );
    const r = cli('check', dir, '--format', 'json');
    const out = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; severity: string }> };
    assert.deepEqual(
      out.findings.filter((f) => f.severity !== 'info'),
      [],
      r.stdout,
    );
  });

  test('one list for all computes naming NICs only some of them have: info, not errors', () => {
    const dir = copyBase();
    writeFileSync(
      join(dir, 'openstack_user_config.yml'),
      readFileSync(join(BASE, 'openstack_user_config.yml'), 'utf8').replace(
        'sriov_host_interfaces: "eth0"',
        'sriov_host_interfaces: "eth0,ens9f0"',
      ),
    );
    for (const h of ['compute1', 'compute2'])
      writeFileSync(
        join(dir, `host_vars/${h}.yml`),
        [
          'nova_device_spec:',
          '  - {address: "0000:01:00.0", vendor_id: "8086", product_id: "10ca", physical_network: physnet1}',
          '  - {address: "0000:5e:00.0", vendor_id: "15b3", product_id: "1018", physical_network: physnet1}',
          '',
        ].join('\n'),
      );
    const r = cli(
      'check',
      dir,
      '--facts',
      BASE_FACTS,
      '--format',
      'json',
      '--rule',
      'SRIOV-HOST-002',
      '--rule',
      'SRIOV-DEVSPEC-007',
    );
    const out = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; severity: string }> };
    assert.equal(r.status, 0, r.stdout);
    assert.deepEqual([...new Set(out.findings.map((f) => `${f.ruleId} ${f.severity}`))].sort(), [
      'SRIOV-DEVSPEC-007 info',
      'SRIOV-HOST-002 info',
    ]);
  });
});
