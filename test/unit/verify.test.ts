// verify without a cloud: case planning on API-shaped data, the image/flavor/network picks, the
// failure explanations (doctor's rules), the output formats, and the on-host VF check on a real
// snapshot (igb-3nic: VF 0 of eth0 at 0000:01:10.0 carries MAC 02:11:22:33:44:55 on VLAN 101,
// set with `ip link set eth0 vf 0 mac … vlan 101` when it was taken; see its .setup.txt).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  AgentSchema,
  type CloudSnapshot,
  ComputeServiceSchema,
  NetworkSchema,
  PortSchema,
  ServerSchema,
} from '../../src/cloud/types.js';
import {
  emptyResult,
  explainFailure,
  givenNetwork,
  pickFlavor,
  pickImage,
  planCases,
  plannedResources,
  usableNetwork,
  VERIFY_SCHEMA,
  type VerifyReport,
} from '../../src/cloud/verify.js';
import { checkOnHost } from '../../src/cloud/verify-host.js';
import { verifyJson, verifyJunit, verifyText } from '../../src/cloud/verify-report.js';
import { readHostFacts } from '../../src/facts/load.js';
import { FIXTURES } from '../helpers.js';

const agent = (host: string, mappings: Record<string, string[]>, alive = true) =>
  AgentSchema.parse({
    id: `a-${host}`,
    agent_type: 'NIC Switch agent',
    host,
    alive,
    configurations: { device_mappings: mappings },
  });
const compute = (host: string, state = 'up') =>
  ComputeServiceSchema.parse({ id: host, binary: 'nova-compute', host, state, status: 'enabled' });
const net = (id: string, physnet: string, seg: number, extra: Record<string, unknown> = {}) =>
  NetworkSchema.parse({
    id,
    name: id,
    'provider:network_type': 'vlan',
    'provider:physical_network': physnet,
    'provider:segmentation_id': seg,
    ...extra,
  });

function cloud(): CloudSnapshot {
  return {
    agents: [
      agent('cs1', { physnet1: ['ens1f0'], physnet2: ['ens2f0'] }),
      agent('cs2', { physnet2: ['ens3f0'] }), // no nova-compute
      agent('cs3', { physnet4: ['ens4f0'] }, false), // dead
    ],
    networks: [],
    ports: [],
    servers: [],
    computeServices: [compute('cs1'), compute('cs3')],
  };
}

describe('verify: case planning', () => {
  test('default: one alive SR-IOV host with nova-compute per physnet its agent maps, direct', () => {
    const p = planCases(cloud(), { hosts: [], allHosts: false, physnets: [], vnicTypes: [] });
    assert.deepEqual(p.cases, [
      { host: 'cs1', physnet: 'physnet1', vnicType: 'direct' },
      { host: 'cs1', physnet: 'physnet2', vnicType: 'direct' },
    ]);
  });

  test('--physnet no agent maps: tried on an alive host, with a note', () => {
    const p = planCases(cloud(), {
      hosts: [],
      allHosts: false,
      physnets: ['physnet3'],
      vnicTypes: ['macvtap'],
    });
    assert.deepEqual(p.cases, [{ host: 'cs1', physnet: 'physnet3', vnicType: 'macvtap' }]);
    assert.match(p.notes[0]!, /no alive NIC Switch agent maps physnet3: it is tried on cs1/);
  });

  test('--host × its mappings × vnic types; --all-hosts takes hosts with an agent and nova-compute', () => {
    const p = planCases(cloud(), {
      hosts: ['cs1'],
      allHosts: false,
      physnets: [],
      vnicTypes: ['direct', 'macvtap'],
    });
    assert.equal(p.cases.length, 4);
    const all = planCases(cloud(), { hosts: [], allHosts: true, physnets: [], vnicTypes: [] });
    assert.deepEqual(
      all.cases.map((c) => `${c.host}/${c.physnet}`),
      ['cs1/physnet1', 'cs1/physnet2', 'cs3/physnet4'],
    );
  });

  test('a host without an agent needs --physnet; a cloud without Nova is refused', () => {
    assert.throws(
      () => planCases(cloud(), { hosts: ['cs9'], allHosts: false, physnets: [], vnicTypes: [] }),
      /no NIC Switch agent reports host cs9/,
    );
    const p = planCases(cloud(), { hosts: ['cs9'], allHosts: false, physnets: ['physnet1'], vnicTypes: [] });
    assert.match(p.notes[0]!, /cs9 has no nova-compute service/);
    assert.throws(
      () =>
        planCases(
          { ...cloud(), computeServices: null },
          { hosts: [], allHosts: false, physnets: [], vnicTypes: [] },
        ),
      /no compute endpoint/,
    );
  });
});

describe('verify: what a case uses', () => {
  test('image: by name or id; default a public active cirros; none: refused with the list', () => {
    const images = [
      { id: 'i1', name: 'ubuntu', visibility: 'public', status: 'active' },
      { id: 'i2', name: 'cirros-0.6.2', visibility: 'private', status: 'active' },
      { id: 'i3', name: 'cirros-0.6.1', visibility: 'public', status: 'active' },
    ];
    assert.deepEqual(pickImage(images, undefined), { id: 'i3', name: 'cirros-0.6.1', picked: true });
    assert.equal(pickImage(images, 'ubuntu').id, 'i1');
    assert.equal(pickImage(images, 'i2').picked, false);
    assert.throws(() => pickImage([images[0]!], undefined), /no public image whose name contains "cirros"/);
    assert.throws(() => pickImage(images, 'nope'), /--image nope: no such image/);
  });

  test('flavor: the smallest by RAM, then vCPUs, then disk', () => {
    const f = [
      { id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20 },
      { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 },
      { id: '9', name: 'weird', ram: 512, vcpus: 2, disk: 0 },
    ];
    assert.deepEqual(pickFlavor(f, undefined), { id: '1', name: 'm1.tiny', picked: true });
    assert.equal(pickFlavor(f, 'm1.small').id, '2');
  });

  test("network: shared or the project's, oldest first, never a verify network; --network checked", () => {
    const c = cloud();
    c.networks = [
      net('other-project', 'physnet1', 10, { project_id: 'p2', created_at: '2020-01-01T00:00:00Z' }),
      net('mine-new', 'physnet1', 11, { project_id: 'p1', created_at: '2025-01-01T00:00:00Z' }),
      net('shared-old', 'physnet1', 12, {
        shared: true,
        project_id: 'p2',
        created_at: '2021-01-01T00:00:00Z',
      }),
      net('osa-sriov-verify-x-net', 'physnet1', 13, { shared: true, created_at: '2000-01-01T00:00:00Z' }),
      NetworkSchema.parse({ id: 'tun', name: 'tun', 'provider:network_type': 'vxlan' }),
    ];
    assert.deepEqual(usableNetwork(c, 'physnet1', 'p1'), {
      kind: 'existing',
      id: 'shared-old',
      name: 'shared-old',
      physnet: 'physnet1',
      vlan: 12,
    });
    assert.equal(usableNetwork(c, 'physnet2', 'p1'), null);
    assert.equal(givenNetwork(c, 'mine-new').vlan, 11);
    assert.throws(() => givenNetwork(c, 'tun'), /binds only vlan and flat/);
    assert.throws(() => givenNetwork(c, 'nope'), /no such network/);
    const planned = plannedResources({ host: 'cs1', physnet: 'physnet2', vnicType: 'direct' }, 'run1', {
      kind: 'temporary',
      physnet: 'physnet2',
    });
    assert.deepEqual(
      planned.resources.map((r) => `${r.kind} ${r.name}`),
      [
        'network osa-sriov-verify-run1-net-cs1-physnet2-direct',
        'subnet osa-sriov-verify-run1-subnet-cs1-physnet2-direct',
        'port osa-sriov-verify-run1-port-cs1-physnet2-direct',
        'server osa-sriov-verify-run1-vm-cs1-physnet2-direct',
      ],
    );
  });
});

describe("verify: failures explained with doctor's rules", () => {
  const failed = ServerSchema.parse({
    id: 'srv-1',
    name: 'osa-sriov-verify-r-vm',
    status: 'ERROR',
    fault: { message: 'Insufficient compute resources: Claim pci failed.' },
  });
  const detached = (network: string) =>
    PortSchema.parse({
      id: 'port-1',
      network_id: network,
      mac_address: 'fa:16:3e:00:00:01',
      status: 'DOWN',
      'binding:vnic_type': 'direct',
    });

  test("a physnet the agent does not map: Nova's claim fails and Neutron would not bind", () => {
    const c = cloud();
    c.networks = [net('n3', 'physnet3', 301)];
    c.servers = [failed];
    const e = explainFailure(
      c,
      { host: 'cs1', physnet: 'physnet3', vnicType: 'direct' },
      'srv-1',
      detached('n3'),
      'Claim pci failed.',
    );
    assert.match(
      e.reason,
      /srv-1.*is in ERROR: "Insufficient compute resources: Claim pci failed."; 0 VF\(s\) of physnet3 are held by other ports \[SRIOV-LIVE-SERVER-001\]/,
    );
    assert.match(
      e.reason,
      /Neutron would not bind the port there either: the agent on cs1 maps physnet1:ens1f0,physnet2:ens2f0, not the network's physnet physnet3/,
    );
    assert.match(e.fix, /^map physnet3 to a PF on cs1/);
  });

  test('VF exhaustion: the VFs held on the physnet are counted', () => {
    const c = cloud();
    c.networks = [net('n1', 'physnet1', 101)];
    c.servers = [failed, ServerSchema.parse({ id: 'holder', name: 'holder', status: 'ACTIVE' })];
    c.ports = [
      PortSchema.parse({
        id: 'held',
        network_id: 'n1',
        mac_address: 'fa:16:3e:00:00:02',
        status: 'ACTIVE',
        device_id: 'holder',
        'binding:vnic_type': 'direct',
        'binding:host_id': 'cs1',
        'binding:vif_type': 'hw_veb',
        'binding:profile': { pci_slot: '0000:02:00.1', physical_network: 'physnet1' },
      }),
    ];
    const e = explainFailure(
      c,
      { host: 'cs1', physnet: 'physnet1', vnicType: 'direct' },
      'srv-1',
      detached('n1'),
      'Claim pci failed.',
    );
    assert.match(e.reason, /1 VF\(s\) of physnet1 are held by other ports/);
    assert.doesNotMatch(e.reason, /would not bind/);
    assert.match(e.fix, /free VFs of physnet1/);
  });

  test("a binding failure on a dead agent's host", () => {
    const c = cloud();
    c.networks = [net('n4', 'physnet4', 401)];
    const p = { ...detached('n4'), 'binding:host_id': 'cs3', 'binding:vif_type': 'binding_failed' };
    const e = explainFailure(
      c,
      { host: 'cs3', physnet: 'physnet4', vnicType: 'direct' },
      'srv-1',
      p,
      'PortBindingFailed: Binding failed for port',
    );
    assert.match(e.reason, /could not bind on cs3.*the NIC Switch agent on cs3 is dead/);
    assert.match(e.fix, /systemctl restart neutron-sriov-nic-agent/);
  });
});

describe('verify: the on-host VF check (facts taken while the server runs)', () => {
  const facts = new Map([
    [
      'compute-sriov-1',
      readHostFacts(readFileSync(join(FIXTURES, 'snapshots/igb-3nic.dash.snapshot')), 'igb-3nic'),
    ],
  ]);
  const port = (mac: string, slot: string) =>
    PortSchema.parse({
      id: 'p1',
      network_id: 'n1',
      mac_address: mac,
      status: 'ACTIVE',
      'binding:vnic_type': 'direct',
      'binding:host_id': 'compute-sriov-1',
      'binding:vif_type': 'hw_veb',
      'binding:profile': { pci_slot: slot, physical_network: 'physnet1' },
    });
  const c = { host: 'compute-sriov-1', physnet: 'physnet1', vnicType: 'direct' as const };

  test("the VF at the pci_slot carries the port's MAC and the network's VLAN; igb VFs need igbvf", () => {
    const r = checkOnHost(facts, c, port('02:11:22:33:44:55', '0000:01:10.0'), net('n1', 'physnet1', 101));
    assert.deepEqual(r.problems, []);
    assert.equal(r.pf, 'eth0');
    assert.equal(r.vfIndex, 0);
    assert.equal(r.vfMac, '02:11:22:33:44:55');
    assert.equal(r.vfVlan, 101);
    assert.equal(r.vfPciId, '8086:10ca');
    assert.equal(r.guestDriver, 'igbvf');
  });

  test('another MAC, another VLAN, an unset VF, a slot that is no VF, no facts: each said', () => {
    const mac = checkOnHost(facts, c, port('fa:16:3e:aa:bb:cc', '0000:01:10.0'), net('n1', 'physnet1', 101));
    assert.match(
      mac.problems.join('\n'),
      /VF 0 of eth0 \(0000:01:10.0\) carries MAC 02:11:22:33:44:55, not the port's fa:16:3e:aa:bb:cc/,
    );
    const vlan = checkOnHost(facts, c, port('02:11:22:33:44:55', '0000:01:10.0'), net('n1', 'physnet1', 202));
    assert.match(vlan.problems.join('\n'), /is on VLAN 101, but network n1 has segmentation id 202/);
    const unset = checkOnHost(
      facts,
      c,
      port('fa:16:3e:aa:bb:cc', '0000:01:10.2'),
      net('n1', 'physnet1', 101),
    );
    assert.match(unset.problems.join('\n'), /VF 1 of eth0 \(0000:01:10.2\) carries MAC 00:00:00:00:00:00/);
    const none = checkOnHost(facts, c, port('02:11:22:33:44:55', '0000:09:00.1'), net('n1', 'physnet1', 101));
    assert.match(none.problems.join('\n'), /no PF on compute-sriov-1 has a VF at 0000:09:00.1/);
    const other = checkOnHost(
      facts,
      { ...c, host: 'cs9' },
      port('02:11:22:33:44:55', '0000:01:10.0'),
      undefined,
    );
    assert.match(other.problems.join('\n'), /no facts for cs9/);
    const macvtap = checkOnHost(
      facts,
      { ...c, vnicType: 'macvtap' },
      port('02:11:22:33:44:55', '0000:01:10.0'),
      net('n1', 'physnet1', 101),
    );
    assert.equal(macvtap.guestDriver, 'virtio_net');
  });
});

describe('verify: outputs', () => {
  const report = (): VerifyReport => {
    const pass = {
      ...emptyResult({ host: 'cs1', physnet: 'physnet2', vnicType: 'direct' }),
      result: 'pass' as const,
      seconds: 12.3,
      pciSlot: '0000:02:00.1',
    };
    const fail = {
      ...emptyResult({ host: 'cs1', physnet: 'physnet3', vnicType: 'macvtap' }),
      result: 'fail' as const,
      seconds: 4,
      reason: 'server x is in ERROR: "a <b> & \u001b[31mred"',
      fix: 'map physnet3',
    };
    return {
      schema: VERIFY_SCHEMA,
      runId: 'r1',
      tag: 'osa-sriov-verify:r1',
      dryRun: false,
      interrupted: false,
      image: { id: 'i', name: 'cirros', picked: true },
      flavor: { id: '1', name: 'm1.tiny', picked: true },
      notes: [],
      cases: [pass, fail],
      leftovers: [],
      summary: { passed: 1, failed: 1, planned: 0 },
    };
  };

  test('text: the table, each failure with its fix, no control characters', () => {
    const t = verifyText(report());
    assert.match(t, /^HOST\s+PHYSNET\s+VNIC TYPE\s+RESULT\s+PCI_SLOT\s+SECONDS$/m);
    assert.match(t, /^cs1\s+physnet2\s+direct\s+PASS\s+0000:02:00\.1\s+12\.3$/m);
    assert.match(t, /^cs1\s+physnet3\s+macvtap\s+FAIL\s+-\s+4\.0$/m);
    assert.match(t, /\n {2}fix: map physnet3\n/);
    assert.ok(!t.includes('\u001b'), 'no ESC');
    assert.match(t, /1 passed, 1 failed\n$/);
  });

  test('JSON is the report; JUnit has one testcase per case, escaped', () => {
    const j = JSON.parse(verifyJson(report())) as VerifyReport;
    assert.equal(j.schema, 'osa-sriov/verify@1');
    assert.equal(j.cases[1]!.reason, 'server x is in ERROR: "a <b> & \u001b[31mred"');
    const x = verifyJunit(report());
    assert.match(x, /<testsuites name="osa-sriov verify" tests="2" failures="1" skipped="0"/);
    assert.match(x, /<testcase classname="cs1" name="physnet2 direct" time="12.3">/);
    assert.match(x, /<failure message="server x is in ERROR: &quot;a &lt;b&gt; &amp; \?\[31mred&quot;">/);
    assert.ok(!x.includes('\u001b'), 'no ESC');
  });
});

describe('verify: usage checked before the cloud is asked', () => {
  test('--all-hosts --keep-on-failure needs --yes; bad vnic type, timeout, parallel: exit 2', async () => {
    const { cli, assertUserError } = await import('../cli-helpers.js');
    assertUserError(
      cli('verify', '--all-hosts', '--keep-on-failure'),
      /--all-hosts with --keep-on-failure.*\n\s+fix: add --yes/,
    );
    assertUserError(cli('verify', '--vnic-type', 'normal'), /--vnic-type normal: not an SR-IOV vnic type/);
    assertUserError(cli('verify', '--timeout', '0'), /--timeout must be a number/);
    assertUserError(cli('verify', '--parallel', '1.5'), /--parallel must be a whole number/);
    assertUserError(cli('verify', '--cleanup', '--dry-run'), /--cleanup removes the leftovers/);
    assertUserError(cli('verify', '--ansible', '--facts', 'x'), /--ansible takes the snapshots itself/);
    assertUserError(cli('verify', '-i', 'inventory'), /-i\/--inventory is the inventory of --ansible/);
  });
});
