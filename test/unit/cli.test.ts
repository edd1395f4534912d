// The command line as users run it: exit codes, error messages, no partial files.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { HostFactsSchema } from '../../src/facts/host-facts.js';
import { assertUserError, cli, withStdin } from '../cli-helpers.js';
import { FIXTURES, REPO, SEED } from '../helpers.js';

const SNAP = join(FIXTURES, 'snapshots/igb-3nic.dash.snapshot');

describe('osa-sriov probe', () => {
  test('--from a snapshot prints the readiness report', () => {
    const r = cli('probe', '--from', SNAP);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Physical functions \(SR-IOV capable\)$/m);
    assert.match(r.stdout, /^Virtual functions of eth0 \(0000:01:00\.0\)$/m);
    assert.match(r.stdout, /\[warn\]\s+eth1 \(0000:02:00\.0\) is a slave of bond bond0/);
  });

  test('--json prints valid HostFacts, which --from reads back to the same report', () => {
    const r = cli('probe', '--from', SNAP, '--json');
    assert.equal(r.status, 0, r.stderr);
    const facts = HostFactsSchema.parse(JSON.parse(r.stdout));
    assert.equal(facts.schema, 'osa-sriov/host-facts@1');
    const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-cli-'));
    writeFileSync(join(dir, 'facts.json'), r.stdout);
    assert.equal(cli('probe', '--from', join(dir, 'facts.json')).stdout, cli('probe', '--from', SNAP).stdout);
  });

  test('pasted outputs', () => {
    const r = cli(
      'probe',
      '--json',
      '--lspci',
      join(SEED, 'lspci-vvv-bcm57810.txt'),
      '--ethtool',
      join(SEED, 'ethtool-i-ens2f1-host.txt'),
      '--ip-link',
      join(SEED, 'ip-link-show-ens2f1-direct.txt'),
    );
    assert.equal(r.status, 0, r.stderr);
    const facts = HostFactsSchema.parse(JSON.parse(r.stdout));
    assert.equal(facts.pfs[0]?.netdev, 'ens2f1');
    assert.equal(facts.pfs[0]?.vfs.length, 8);
  });

  test('bad input: status 2, the file and line, a fix, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-cli-'));
    writeFileSync(join(dir, 'garbage'), 'hello\n');
    assertUserError(
      cli('probe', '--from', join(dir, 'garbage')),
      /garbage:1:1: not an osa-sriov snapshot[\s\S]*fix: /,
    );
    const truncated = readFileSync(SNAP, 'utf8').replace(/end\n$/, '');
    writeFileSync(join(dir, 'truncated'), truncated);
    assertUserError(
      cli('probe', '--from', join(dir, 'truncated')),
      /truncated:\d+:1: the snapshot is truncated/,
    );
    writeFileSync(join(dir, 'bad.json'), '{"schema": "osa-sriov/host-facts@1"}');
    assertUserError(cli('probe', '--from', join(dir, 'bad.json')), /bad\.json: not HostFacts/);
    assertUserError(
      cli('probe', '--from', join(dir, 'nope')),
      /nope: cannot read the snapshot: no such file/,
    );
    assertUserError(cli('probe', '--from', dir), /is a directory/);
  });

  test('bad usage: status 2', () => {
    assertUserError(cli('probe', '--bogus'), /unknown option '--bogus'/);
    assertUserError(cli('probe', '--from', SNAP, '--lspci', SNAP), /cannot be combined/);
    assertUserError(cli('frobnicate'), /unknown command/);
  });

  test('--help and --version exit 0', () => {
    const help = cli('probe', '--help');
    assert.equal(help.status, 0);
    for (const flag of ['--from', '--json', '--lspci', '--ethtool', '--ip-link'])
      assert.match(help.stdout, new RegExp(flag));
    assert.equal(cli('--version').status, 0);
  });
});

describe('osa-sriov collect', () => {
  test('-o writes a complete snapshot, with no temporary file left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-cli-'));
    const r = cli('collect', '-o', join(dir, 'host.snapshot'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(join(dir, 'host.snapshot'), 'utf8'), /^osa-sriov-snapshot 1\n[\s\S]*\nend\n$/);
    assert.deepEqual(readdirSync(dir), ['host.snapshot']);
  });

  test('an unwritable output: status 2 and no file', () => {
    const target = join(tmpdir(), 'osa-sriov-no-such-dir', 'x.snapshot');
    assertUserError(cli('collect', '-o', target), /cannot write the output/);
    assert.equal(existsSync(target), false);
  });
});

describe('osa-sriov render', () => {
  const LAB = join(REPO, 'examples/blog-lab');

  test('the blog lab on Rocky: the per-host container_vars and the masking user_variables.yml', () => {
    const r = cli('render', LAB, '--release', 'rocky', '--format', 'json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      release: { major: number };
      hosts: Record<
        string,
        {
          providerNetworks: Record<string, string> | null;
          ini: Record<string, Record<string, Record<string, unknown>>>;
          vars: Record<string, { level: string; overridden: Array<{ level: string }> }>;
        }
      >;
    };
    assert.equal(out.release.major, 18);
    const hp03 = out.hosts['hp03-2x520']!;
    assert.equal(hp03.providerNetworks?.network_sriov_mappings, 'vlan:ens1f0');
    assert.equal(
      hp03.ini['plugins/ml2/sriov_nic_agent.ini']?.sriov_nic?.physical_device_mappings,
      '"vlan:ens1f0"',
    );
    // user_variables.yml wins over the host's container_vars: hp03 is told about ens2f1.
    assert.match(String(hp03.ini['nova.conf']?.pci?.passthrough_whitelist), /"devname":"ens2f1"/);
    assert.equal(hp03.vars.nova_pci_passthrough_whitelist?.level, 'extra vars (user_*.yml)');
    assert.equal(hp03.vars.nova_pci_passthrough_whitelist?.overridden[0]?.level, 'inventory container_vars');
    assert.equal(out.hosts.infra1?.providerNetworks?.network_vlan_ranges, 'vlan:101:200,vlan:301:400');
  });

  test('ini format shows every value with where it came from', () => {
    const r = cli('render', LAB, '--release', '18', '--host', 'hp02-qlogic');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^### host hp02-qlogic/m);
    assert.match(
      r.stdout,
      /^# from neutron_provider_networks \(inventory container_vars, .*openstack_user_config\.yml:\d+:\d+\)\nphysical_device_mappings = "vlan:ens2f1"$/m,
    );
    assert.doesNotMatch(r.stdout, /### host hp03/);
  });

  test('unknown host, unknown release, a missing dir: status 2 with a fix', () => {
    assertUserError(
      cli('render', LAB, '--host', 'nope'),
      /unknown host nope[\s\S]*fix: hosts in this inventory: .*hp02-qlogic/,
    );
    assertUserError(
      cli('render', LAB, '--release', 'kilo'),
      /unknown OSA release "kilo"[\s\S]*fix: use one of 18\/rocky/,
    );
    assertUserError(cli('render', join(LAB, 'nope')), /not a directory/);
    assertUserError(cli('render', LAB, '--format', 'xml'), /invalid/);
  });

  test('a YAML error: file:line:col', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-cli-'));
    writeFileSync(join(dir, 'openstack_user_config.yml'), 'compute_hosts:\n  c1: {ip: [\n');
    assertUserError(cli('render', dir), /openstack_user_config\.yml:\d+:\d+: /);
  });
});

describe('osa-sriov devspec', () => {
  test('match: PF address covers its VF, first match wins, match-time errors per device', () => {
    const r = withStdin(
      JSON.stringify({
        specs: [
          '{"address": "0000:0a:00.0", "physical_network": "physnet1"}',
          '[{"vendor_id": "8086", "managed": "yes"}]',
        ],
        devices: [
          { address: '0000:0a:10.1', vendor_id: '8086', product_id: '1515', parent_addr: '0000:0a:00.0' },
          { address: '0000:0b:00.0', vendor_id: '8086', product_id: '1017' },
          { address: '0000:0c:00.0', vendor_id: '15b3', product_id: '1017' },
          { address: '10000:00:00.0', vendor_id: '8086', product_id: '1017' },
        ],
        pfs: { '0000:0a:00.0': 64 },
      }),
      'devspec',
      'match',
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.error, null);
    assert.deepEqual(out.matches, [
      { device: 0, spec: 0, tags: { physical_network: 'physnet1' } },
      { device: 1, spec: 1, tags: { managed: 'true' } },
      null,
      null,
    ]);
    assert.equal(out.deviceErrors[0].device, 3);
    assert.match(
      out.deviceErrors[0].message,
      /property domain \(10000\) is greater than the maximum allowable value \(FFFF\)/,
    );
  });

  test('match: a VF whose parent PF has a 32-bit (VMD) domain raises at match time, as Nova parses the parent first', () => {
    const vf = (address: string, parent_addr: string) => ({
      vendor_id: '8086',
      product_id: '154c',
      address,
      parent_addr,
    });
    const out = JSON.parse(
      withStdin(
        JSON.stringify({
          specs: ['{"address": "0000:81:00.0", "physical_network": "p1"}'],
          pfs: { '0000:81:00.0': 8 },
          devices: [
            vf('0000:82:10.0', '10000:00:01.0'), // the parent is parsed first: PciConfigInvalidSpec
            vf('10000:82:10.1', '0000:81:00.0'), // the parent matches: its own address is never parsed
            vf('0000:82:10.2', '0000:81:00.0'),
          ],
        }),
        'devspec',
        'match',
      ).stdout,
    );
    assert.deepEqual(
      out.matches.map((m: { spec: number } | null) => m?.spec ?? null),
      [null, 0, 0],
    );
    assert.deepEqual(
      out.deviceErrors.map((e: { device: number; class: string }) => [e.device, e.class]),
      [[0, 'PciConfigInvalidSpec']],
    );
    assert.match(
      out.deviceErrors[0].message,
      /property domain \(10000\) is greater than the maximum allowable value \(FFFF\)/,
    );
    // A spec that is not a PF never reads the parent: only the device's own address counts.
    const plain = JSON.parse(
      withStdin(
        JSON.stringify({ specs: ['{"vendor_id": "8086"}'], devices: [vf('0000:82:10.0', '10000:00:01.0')] }),
        'devspec',
        'match',
      ).stdout,
    );
    assert.deepEqual(plain.deviceErrors, []);
    assert.equal(plain.matches[0].spec, 0);
  });

  test("match: an invalid spec is Nova's error; bad JSON is status 2", () => {
    const bad = JSON.parse(
      withStdin(JSON.stringify({ specs: ['{"address": "0000:0a:00.8"}'], devices: [] }), 'devspec', 'match')
        .stdout,
    );
    assert.deepEqual(bad.error, {
      class: 'PciConfigInvalidSpec',
      message:
        'Invalid [pci]device_spec config: property func (8) is greater than the maximum allowable value (7).',
    });
    const r = withStdin('not json', 'devspec', 'match');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not JSON/);
  });

  test('explain: warnings, and status 1 for a value Nova rejects', () => {
    const r = cli(
      'devspec',
      'explain',
      '{"address": "0000:81:00.*", "physical_network": "physnet1", "trusted": "yes"}',
    );
    assert.equal(r.status, 0);
    // Without a host it cannot tell the VFs' slot from the PF's: a note, not a warning.
    assert.match(
      r.stdout,
      /note: a wildcard address is matched against each device’s own address, never through its PF/,
    );
    assert.doesNotMatch(r.stdout, /warning: .*wildcard/);
    assert.match(r.stdout, /trusted is "yes"/);
    const bad = cli('devspec', 'explain', '{"devname": "p1", "address": "0000:81:00.0"}');
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /PciDeviceInvalidDeviceName/);
  });
});
