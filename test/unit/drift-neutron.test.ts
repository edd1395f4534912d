// The Neutron drift rules (SRIOV-DRIFT-003..005) end to end: a snapshot the real collector takes
// of a drifted neutron server is judged; what the facts do not have is never a difference (an
// older collector's snapshot, a file the host does not have), while a file that is there but
// sets nothing means the service's defaults; and nothing is compared with a render OSA's own
// run cannot produce.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { runChecks } from '../../src/checks/run.js';
import { readFactsPaths } from '../../src/cli/facts-input.js';
import { matchFacts } from '../../src/deployment/facts-match.js';
import { collectorPath } from '../../src/facts/run-collector.js';
import { loadDeployDir } from '../../src/osa/load.js';
import { buildModel } from '../../src/osa/model.js';
import { NEWEST_RELEASE, parseRelease } from '../../src/osa/releases.js';
import { FIXTURES } from '../helpers.js';
import { RULE_FIXTURES } from '../rule-fixtures.js';

const NEUTRON_DRIFT = ['SRIOV-DRIFT-002', 'SRIOV-DRIFT-003', 'SRIOV-DRIFT-004', 'SRIOV-DRIFT-005'];

/** check with the Neutron drift rules on a deploy dir and a directory of facts files. */
function check(deploy: string, factsDir: string, release = NEWEST_RELEASE) {
  const model = buildModel(loadDeployDir(deploy), release);
  const facts = matchFacts(model.inventory, readFactsPaths([factsDir])).byHost;
  return runChecks(model, facts, { rules: [...NEUTRON_DRIFT, 'SRIOV-OSA-001', 'SRIOV-PN-002'] }).findings;
}

/** The real collector on a fake root that has only a host name and the given files. */
function collect(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'osa-sriov-drift-root-'));
  const put = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  put('/proc/sys/kernel/hostname', 'infra1\n');
  for (const [path, text] of Object.entries(files)) put(path, text);
  const r = spawnSync('sh', [collectorPath()], {
    env: { ...process.env, OSA_SRIOV_ROOT: root },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** A snapshot without some records, as a collector that did not know them wrote it. */
function without(snapshot: string, records: readonly string[]): string {
  const out: string[] = [];
  let dropping = false;
  for (const line of snapshot.split('\n')) {
    const m = line.match(/^([a-z]) (\S+)/);
    if (m && m[1] !== 'x') dropping = records.includes(m[2]!);
    if (!dropping) out.push(line);
  }
  return out.join('\n');
}

function factsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-drift-facts-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

// A neutron server whose ML2 file predates ml2.sriov (and a narrower VLAN range), written the
// way an operator might: [ML2] in capitals, secrets next to the options.
const DRIFTED_ML2 = [
  '[DEFAULT]',
  'transport_url = rabbit://neutron:SECRET@10.0.0.1//',
  '[ML2]',
  'type_drivers = geneve,vlan,flat',
  'project_network_types = vlan',
  'mechanism_drivers = ovn',
  'extension_drivers = port_security,qos',
  '[ml2_type_vlan]',
  'network_vlan_ranges = physnet1:101:150',
  '[database]',
  'connection = mysql+pymysql://neutron:SECRET@10.0.0.1/neutron',
  '',
].join('\n');
const ML2 = '/etc/neutron/plugins/ml2/ml2_conf.ini';
const DEPLOY_003 = resolve(RULE_FIXTURES, 'SRIOV-DRIFT-003', 'fail');

describe('Neutron drift from a real snapshot', () => {
  const snapshot = collect({ [ML2]: DRIFTED_ML2 });

  test('the collector keeps the options and no secret; each differing setting is one finding', () => {
    assert.doesNotMatch(snapshot, /SECRET|534543524554/i);
    const got = check(DEPLOY_003, factsDir({ 'infra1.snapshot': snapshot })).filter(
      (f) => f.ruleId === 'SRIOV-DRIFT-003',
    );
    assert.deepEqual(
      got.map((f) => [f.severity, f.message.split(' in ')[0]]),
      [
        ['error', '[ml2] mechanism_drivers'],
        ['warning', '[ml2_type_vlan] network_vlan_ranges'],
        // The file has no [ml2_type_flat]: Neutron then allows every flat physnet ('*'), OSA
        // writes an empty list.
        ['warning', '[ml2_type_flat] flat_networks'],
      ],
    );
    assert.ok(got[0]!.evidence?.includes(`deployed (${ML2} [ml2]): mechanism_drivers = ovn`));
    assert.match(got[0]!.fix ?? '', /re-run openstack-ansible openstack\.osa\.neutron --limit infra1/);
  });

  test('a snapshot of a collector before collect.sh 3 (no Neutron records) gives no finding', () => {
    const old = without(snapshot, [
      'conf.ml2',
      'conf.openvswitch_agent',
      'conf.linuxbridge_agent',
      'osa.openstack-release',
      'meta.collector',
    ]).replace(/^(v meta\.date .*)$/m, 'v meta.collector collect.sh 2\n$1');
    assert.doesNotMatch(old, /conf\.ml2/);
    assert.deepEqual(check(DEPLOY_003, factsDir({ 'infra1.snapshot': old })), []);
  });

  test('a host without the file is not judged; a file that sets nothing means the defaults', () => {
    const none = collect({});
    assert.match(none, /^m conf\.ml2$/m);
    assert.deepEqual(check(DEPLOY_003, factsDir({ 'infra1.snapshot': none })), []);
    const empty = collect({ [ML2]: '[ml2]\n' });
    const got = check(DEPLOY_003, factsDir({ 'infra1.snapshot': empty }));
    // No mechanism drivers at all (error), project networks of type 'local', no VLAN ranges,
    // every flat physnet.
    assert.deepEqual(
      got.map((f) => [f.ruleId, f.severity, f.message.split(' in ')[0]]),
      [
        ['SRIOV-DRIFT-003', 'error', '[ml2] mechanism_drivers'],
        ['SRIOV-DRIFT-003', 'warning', '[ml2] project_network_types'],
        // Neutron's default type_drivers changed between releases: unset differs from any list.
        ['SRIOV-DRIFT-003', 'warning', '[ml2] type_drivers'],
        // The fixture's neutron_ml2_conf_ini_overrides writes it.
        ['SRIOV-DRIFT-003', 'warning', '[ml2] extension_drivers'],
        ['SRIOV-DRIFT-003', 'warning', '[ml2_type_vlan] network_vlan_ranges'],
        ['SRIOV-DRIFT-003', 'warning', '[ml2_type_flat] flat_networks'],
      ],
    );
  });
});

describe('Neutron drift and what the facts do not say', () => {
  test("an older collector's real snapshot (collect.sh 1) on an SR-IOV compute gives no Neutron drift", () => {
    const old = readFileSync(resolve(FIXTURES, 'snapshots/igb-3nic.dash.snapshot'), 'utf8');
    assert.match(old, /^v meta\.collector collect\.sh 1$/m);
    for (const id of ['SRIOV-DRIFT-004', 'SRIOV-DRIFT-005']) {
      const dir = factsDir({ 'compute1.snapshot': old, 'compute2.snapshot': old });
      assert.deepEqual(check(resolve(RULE_FIXTURES, id, 'fail'), dir), [], id);
    }
  });

  test('no Neutron file is compared when OSA fails before writing it (provider_networks module)', () => {
    // SRIOV-DRIFT-002's fixture too: without this, the agent's mappings would be "removed".
    for (const id of ['SRIOV-DRIFT-003', 'SRIOV-DRIFT-002']) {
      const deploy = mkdtempSync(join(tmpdir(), 'osa-sriov-drift-deploy-'));
      cpSync(resolve(RULE_FIXTURES, id, 'fail'), deploy, { recursive: true });
      const config = join(deploy, 'openstack_user_config.yml');
      // A vlan network without net_name: the module raises KeyError and os_neutron stops.
      const text = readFileSync(config, 'utf8');
      assert.ok(text.includes('        net_name: physnet1\n'));
      writeFileSync(config, text.replace('        net_name: physnet1\n', ''));
      const got = check(deploy, resolve(RULE_FIXTURES, id, 'fail-facts'));
      assert.ok(
        check(resolve(RULE_FIXTURES, id, 'fail'), resolve(RULE_FIXTURES, id, 'fail-facts')).some(
          (f) => f.ruleId === id,
        ),
      );
      // Only the failure itself is reported.
      assert.deepEqual([...new Set(got.map((f) => `${f.ruleId} ${f.severity}`))], ['SRIOV-PN-002 error'], id);
    }
  });
});

describe('mechanism_drivers: the reverse drift and the order', () => {
  /** The DRIFT-003 fail fixture with infra1's mechanism_drivers and the deploy dir edited. */
  function run(mechanisms: string, editConfig: (userVariables: string) => string = (t) => t) {
    const deploy = mkdtempSync(join(tmpdir(), 'osa-sriov-drift-deploy-'));
    cpSync(DEPLOY_003, deploy, { recursive: true });
    const uv = join(deploy, 'user_variables.yml');
    writeFileSync(uv, editConfig(readFileSync(uv, 'utf8')));
    const facts = JSON.parse(
      readFileSync(resolve(RULE_FIXTURES, 'SRIOV-DRIFT-003', 'pass-facts', 'infra1.json'), 'utf8'),
    ) as { neutron: { ml2: { sections: { ml2: Record<string, string[]> } } } };
    facts.neutron.ml2.sections.ml2.mechanism_drivers = [mechanisms];
    return check(deploy, factsDir({ 'infra1.json': JSON.stringify(facts) })).filter(
      (f) => f.ruleId === 'SRIOV-DRIFT-003',
    );
  }

  test('sriovnicswitch on the host but no longer in the deploy directory: a warning', () => {
    const got = run('ovn,sriovnicswitch', (t) => t.replace(/neutron_plugin_types:\n {2}- ml2\.sriov\n/, ''));
    assert.equal(got.length, 1, JSON.stringify(got, null, 2));
    assert.equal(got[0]!.severity, 'warning');
    assert.match(
      got[0]!.message,
      /binds SR-IOV ports with the sriovnicswitch driver the deploy directory does not enable; the next os_neutron run replaces it/,
    );
    assert.ok(got[0]!.evidence?.some((e) => e.endsWith('): mechanism_drivers = ovn')));
  });

  test('the same drivers in another order are a difference (the first that binds wins)', () => {
    const got = run('sriovnicswitch,ovn');
    assert.equal(got.length, 1);
    assert.equal(got[0]!.severity, 'warning');
    assert.match(got[0]!.message, /calls its mechanism drivers in the order of this list/);
  });

  test('spacing, quotes and an empty item are not', () => {
    assert.deepEqual(run('"ovn,, sriovnicswitch"'), []);
  });
});

describe('the Linux bridge agent (2024.2)', () => {
  test('[FDB] naming another PF is located at the entry; extensions, which the render does not write, are not compared', () => {
    const deploy = mkdtempSync(join(tmpdir(), 'osa-sriov-drift-deploy-'));
    cpSync(resolve(RULE_FIXTURES, 'SRIOV-DRIFT-005', 'fail'), deploy, { recursive: true });
    const uv = join(deploy, 'user_variables.yml');
    writeFileSync(
      uv,
      readFileSync(uv, 'utf8').replace('neutron_plugin_type: ml2.ovs', 'neutron_plugin_type: ml2.lxb'),
    );
    const config = join(deploy, 'openstack_user_config.yml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('- neutron_openvswitch_agent\n', '- neutron_linuxbridge_agent\n'),
    );
    const lxb = (mappings: string) =>
      JSON.stringify({
        ...JSON.parse(
          readFileSync(resolve(RULE_FIXTURES, 'SRIOV-DRIFT-005', 'fail-facts', 'compute1.json'), 'utf8'),
        ),
        neutron: {
          ml2: null,
          sriovAgent: null,
          openvswitchAgent: null,
          linuxbridgeAgent: {
            path: '/etc/neutron/plugins/ml2/linuxbridge_agent.ini',
            sections: {
              agent: { extensions: ['qos'] },
              fdb: { shared_physical_device_mappings: [mappings] },
            },
          },
        },
      });
    const release = parseRelease('2024.2')!;
    const got = check(
      deploy,
      factsDir({ 'compute1.json': lxb('physnet1:eth1'), 'compute2.json': lxb(' physnet1:eth0 ') }),
      release,
    );
    assert.deepEqual(
      got.map((f) => [f.ruleId, f.host, f.location?.line]),
      [['SRIOV-DRIFT-005', 'compute1', 33]],
    );
    assert.match(
      got[0]!.message,
      /^\[FDB\] shared_physical_device_mappings in \/etc\/neutron\/plugins\/ml2\/linuxbridge_agent\.ini differs/,
    );
    assert.match(got[0]!.fix ?? '', /re-run openstack-ansible openstack\.osa\.neutron --limit compute1/);
  });
});
