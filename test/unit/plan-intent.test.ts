// The plan intent file: what is accepted, and every refusal located at its line and column.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IntentError, parseIntent } from '../../src/plan/intent.js';

const EXAMPLE = `osaRelease: "2025.1"
plugin: ovn
physnets:
  - name: sriovnet1
    type: vlan
    vlanRanges: ["101:200", "301:400"]
    hosts:
      compute_hosts:
        interfaces: [ens2f1]
        numVfs: 8
      "compute-a*":
        interfaces:
          - pciAddress: "0000:08:00.1"
          - {vendorId: "8086", deviceId: "1572"}
        numVfs: 16
        trusted: true
  - name: sriovflat
    type: flat
    hosts:
      compute9:
        interfaces: [ens3f0]
        numVfs: 4
`;

function refused(text: string, line: number, column: number, message: RegExp) {
  assert.throws(
    () => parseIntent(text, 'intent.yml'),
    (e: unknown) => {
      assert.ok(e instanceof IntentError, String(e));
      assert.match(e.message, message);
      assert.deepEqual(e.location, { file: 'intent.yml', line, column });
      assert.ok(e.hint.length > 0);
      return true;
    },
  );
}

describe('plan intent', () => {
  test('the documented example', () => {
    const i = parseIntent(EXAMPLE, 'intent.yml');
    assert.equal(i.release.major, 31);
    assert.equal(i.plugin, 'ovn');
    assert.equal(i.physnets.length, 2);
    const hosts = i.physnets[0]!.hosts;
    assert.deepEqual(hosts.compute_hosts, { interfaces: ['ens2f1'], numVfs: 8, trusted: false });
    assert.deepEqual(hosts['compute-a*']!.interfaces, [
      { pciAddress: '0000:08:00.1' },
      { vendorId: '8086', deviceId: '1572' },
    ]);
    assert.equal(hosts['compute-a*']!.trusted, true);
    assert.equal(parseIntent(EXAMPLE.replace('"2025.1"', '29'), 'intent.yml').release.major, 29);
  });

  test('unknown keys, with their location', () => {
    refused(
      EXAMPLE.replace('        numVfs: 8\n', '        numVfs: 8\n        numvfs: 8\n'),
      11,
      9,
      /unrecognized key|numvfs/i,
    );
    refused(`${EXAMPLE}extra: 1\n`, 23, 1, /extra/);
  });

  test('values that would inject or break generated files are refused', () => {
    refused(EXAMPLE.replace('[ens2f1]', '["ens2f1; reboot"]'), 9, 22, /interface name|pciAddress|vendorId/);
    refused(EXAMPLE.replace('name: sriovnet1', 'name: "sriov:net"'), 4, 11, /physnets\.0\.name/);
    refused(EXAMPLE.replace('"0000:08:00.1"', '"08:00.1"'), 13, 25, /interface|PCI address/);
  });

  test('ranges, counts and structure', () => {
    refused(EXAMPLE.replace('"301:400"', '"400:301"'), 6, 29, /first ≤ last/);
    refused(EXAMPLE.replace('"301:400"', '"301:5000"'), 6, 29, /4094/);
    refused(EXAMPLE.replace('numVfs: 8', 'numVfs: 0'), 10, 17, /numVfs/);
    refused(
      EXAMPLE.replace('    type: flat\n', '    type: flat\n    vlanRanges: ["1:2"]\n'),
      19,
      5,
      /flat physnet has no VLAN ranges/,
    );
    refused(EXAMPLE.replace('name: sriovflat', 'name: sriovnet1'), 17, 11, /defined twice/);
    refused('osaRelease: "2025.1"\nplugin: ovn\nphysnets: []\n', 3, 1, /at least one physnet/);
  });

  test('release and plugin must exist together', () => {
    refused(EXAMPLE.replace('"2025.1"', 'folsom'), 1, 13, /unknown OSA release "folsom"/);
    refused(EXAMPLE.replace('plugin: ovn', 'plugin: lxb'), 2, 9, /Linux bridge/);
    refused(EXAMPLE.replace('"2025.1"', 'rocky'), 2, 9, /no OVN plugin/);
    // Before Xena the provider_networks module needs a range on every vlan entry.
    const bare = EXAMPLE.replace('plugin: ovn', 'plugin: ovs').replace(/ {4}vlanRanges: .*\n/, '');
    refused(bare.replace('"2025.1"', 'wallaby'), 4, 11, /needs vlanRanges on OSA wallaby/);
    assert.equal(parseIntent(bare.replace('"2025.1"', 'xena'), 'i.yml').physnets[0]!.vlanRanges, undefined);
  });

  test('YAML syntax errors', () => {
    refused('osaRelease: "2025.1"\nplugin: [ovn\n', 3, 1, /not valid YAML/);
    refused('osaRelease: 1\nosaRelease: 2\n', 2, 1, /not valid YAML/);
  });
});
