// Deriving per-host PFs, mappings and a VF-only device_spec from an intent, the inventory and
// real facts (the sriov-vm's igb host: eth0 7 VFs max with 3 made, eth1 a bond slave).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { hostDevices } from '../../src/deployment/devspec-helpers.js';
import type { HostFacts } from '../../src/facts/host-facts.js';
import { HostFactsSchema } from '../../src/facts/host-facts.js';
import { DeviceMatcher, parseDeviceSpecs } from '../../src/openstack/nova-devspec.js';
import { novaHostFromFacts } from '../../src/openstack/nova-host.js';
import { loadDeployDir } from '../../src/osa/load.js';
import { buildModel } from '../../src/osa/model.js';
import { parseRelease } from '../../src/osa/releases.js';
import { derivePlan, selectHosts } from '../../src/plan/derive.js';
import { parseIntent } from '../../src/plan/intent.js';
import { FIXTURES } from '../helpers.js';

const BASE = join(FIXTURES, 'rules/_base');
const inventory = buildModel(loadDeployDir(BASE), parseRelease('33')!).inventory;

function facts(host: string, edit?: (f: HostFacts) => void): HostFacts {
  const f = HostFactsSchema.parse(
    JSON.parse(readFileSync(join(FIXTURES, 'rules/_base-facts/compute1.json'), 'utf8')),
  );
  f.hostname = host;
  edit?.(f);
  return f;
}

const intent = (hosts: string) =>
  parseIntent(
    `osaRelease: "2026.1"\nplugin: ovn\nphysnets:\n  - name: physnet1\n    type: vlan\n    vlanRanges: ["101:200"]\n    hosts:\n${hosts}`,
    'intent.yml',
  );

const both = new Map([
  ['compute1', facts('compute1')],
  ['compute2', facts('compute2')],
]);

describe('plan derivation', () => {
  test('host selectors: a group, a host, a glob', () => {
    assert.deepEqual(selectHosts(inventory, 'compute_hosts'), ['compute1', 'compute2']);
    assert.deepEqual(selectHosts(inventory, 'compute2'), ['compute2']);
    assert.deepEqual(selectHosts(inventory, 'comp*1'), ['compute1']);
    assert.deepEqual(selectHosts(inventory, 'storage_hosts'), []);
  });

  test('a PF by name: its mapping, and a device_spec Nova matches to exactly its VFs', () => {
    const plan = derivePlan(
      intent('      compute_hosts:\n        interfaces: [eth0]\n        numVfs: 3\n'),
      inventory,
      both,
    );
    assert.deepEqual(plan.problems, []);
    assert.equal(plan.hosts.length, 2);
    const h = plan.hosts[0]!;
    assert.deepEqual(h.mappings, { physnet1: ['eth0'] });
    assert.deepEqual(h.deviceSpec, [
      { address: '0000:01:00.0', vendor_id: '8086', product_id: '10ca', physical_network: 'physnet1' },
    ]);
    assert.equal(h.excludedDevices, '');
    // What nova-compute would do with it on this host: every VF of eth0, not the PF, nothing else.
    const f = both.get('compute1')!;
    const matcher = new DeviceMatcher(
      parseDeviceSpecs(
        h.deviceSpec.map((s) => JSON.stringify(s)),
        novaHostFromFacts(f),
      ),
    );
    const matched = hostDevices(f)
      .filter((d) => matcher.match(d) !== null)
      .map((d) => d.address);
    assert.deepEqual(
      matched,
      f.pfs[0]!.vfs.map((v) => v.pciAddress),
    );
  });

  test('VFs the host uses are listed out of Nova and excluded from the agent', () => {
    const used = new Map([
      [
        'compute1',
        facts('compute1', (f) => {
          const vf0 = f.pfs[0]!.vfs[0]!;
          f.network!.addresses.push({
            dev: vf0.netdev!,
            family: 'inet',
            address: '10.9.0.5',
            prefixLength: 24,
            scope: 'global',
          });
        }),
      ],
    ]);
    const plan = derivePlan(
      intent(
        '      compute1:\n        interfaces: [{pciAddress: "0000:01:00.0"}]\n        numVfs: 3\n        trusted: true\n',
      ),
      inventory,
      used,
    );
    assert.deepEqual(plan.problems, []);
    const h = plan.hosts[0]!;
    assert.deepEqual(
      h.deviceSpec.map((s) => [s.address, s.trusted]),
      [
        ['0000:01:10.2', 'true'],
        ['0000:01:10.4', 'true'],
      ],
    );
    assert.equal(h.excludedDevices, 'eth0:0000:01:10.0');
  });

  test('a PF whose first numVfs VFs the host all uses is refused at numVfs', () => {
    const used = new Map([
      [
        'compute1',
        facts('compute1', (f) => {
          f.pfs[0]!.vfs[0]!.uppers = ['bond5'];
        }),
      ],
    ]);
    const plan = derivePlan(
      intent('      compute1:\n        interfaces: [eth0]\n        numVfs: 1\n'),
      inventory,
      used,
    );
    assert.equal(plan.problems.length, 1);
    assert.match(
      plan.problems[0]!.message,
      /the host itself uses its VF among the first 1 \(eth3\).*raise numVfs above 1/,
    );
    assert.deepEqual([plan.problems[0]!.location.line, plan.problems[0]!.location.column], [10, 17]);
  });

  test('more VFs than exist today: the addresses follow the PF capability (offset, stride)', () => {
    const plan = derivePlan(
      intent('      compute1:\n        interfaces: [eth0]\n        numVfs: 5\n'),
      inventory,
      new Map([
        [
          'compute1',
          facts('compute1', (f) =>
            f.network!.addresses.push({
              dev: f.pfs[0]!.vfs[0]!.netdev!,
              family: 'inet',
              address: '10.9.0.5',
              prefixLength: 24,
              scope: 'global',
            }),
          ),
        ],
      ]),
    );
    assert.deepEqual(
      plan.hosts[0]!.deviceSpec.map((s) => s.address),
      ['0000:01:10.2', '0000:01:10.4', '0000:01:10.6', '0000:01:11.0'],
    );
  });

  test('refusals, each located in the intent', () => {
    const cases: Array<[string, RegExp, number]> = [
      [
        '      compute9:\n        interfaces: [eth0]\n        numVfs: 3\n',
        /"compute9" is no host, group or glob/,
        8,
      ],
      [
        '      compute1:\n        interfaces: [ens9f0]\n        numVfs: 3\n',
        /compute1 has no SR-IOV PF ens9f0/,
        9,
      ],
      ['      compute1:\n        interfaces: [eth1]\n        numVfs: 2\n', /slave of bond bond0/, 9],
      [
        '      compute1:\n        interfaces: [eth0]\n        numVfs: 8\n',
        /supports 7 VFs \(sriov_totalvfs\), not 8/,
        10,
      ],
    ];
    for (const [hosts, message, line] of cases) {
      const plan = derivePlan(intent(hosts), inventory, both);
      assert.equal(plan.problems.length, 1, JSON.stringify(plan.problems));
      assert.match(plan.problems[0]!.message, message);
      assert.equal(plan.problems[0]!.location.line, line, hosts);
    }
    const noFacts = derivePlan(
      intent('      compute1:\n        interfaces: [eth0]\n        numVfs: 3\n'),
      inventory,
      new Map(),
    );
    assert.match(noFacts.problems[0]!.message, /no facts for compute1/);
  });

  test('the same PF on two physnets', () => {
    const i = parseIntent(
      'osaRelease: "2026.1"\nplugin: ovn\nphysnets:\n  - name: a\n    type: flat\n    hosts:\n      compute1: {interfaces: [eth0], numVfs: 2}\n  - name: b\n    type: flat\n    hosts:\n      compute_hosts: {interfaces: [eth0], numVfs: 2}\n',
      'intent.yml',
    );
    const plan = derivePlan(i, inventory, both);
    assert.equal(plan.problems.length, 1);
    assert.match(plan.problems[0]!.message, /eth0 on compute1 is given to two physnets \(a and b\)/);
    assert.equal(plan.problems[0]!.location.line, 11);
  });
});
