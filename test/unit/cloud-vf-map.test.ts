// vf-map: SR-IOV ports joined with the PF VF tables of host facts, on a cloud shaped like real
// Neutron/Nova answers (test/fixtures/cloud/base.json) and the sriov-vm igb host's facts; every
// discrepancy kind, FQDN vs short host names, missing facts; the CLI's bad-input paths (exit 2).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  AgentSchema,
  type CloudPort,
  type CloudSnapshot,
  ComputeServiceSchema,
  NetworkSchema,
  PortSchema,
  ServerSchema,
} from '../../src/cloud/types.js';
import { type VfMapRow, vfMap, vfMapSummary } from '../../src/cloud/vf-map.js';
import type { HostFacts } from '../../src/facts/host-facts.js';
import { readHostFacts } from '../../src/facts/load.js';
import { renderVfMapText, vfMapJson } from '../../src/report/vf-map-text.js';
import { cliAsync } from '../cli-helpers.js';
import { FIXTURES } from '../helpers.js';

const BASE_FACTS = join(FIXTURES, 'rules/_base-facts');
const VM1_PORT = '7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c01';
const VM1_MAC = '02:11:22:33:44:55';

interface RawCloud {
  agents: unknown[];
  networks: unknown[];
  ports: unknown[];
  servers: unknown[];
  services: unknown[];
}

/** The fixture validated item by item with the schemas readCloud uses. */
function loadCloud(): CloudSnapshot {
  const raw = JSON.parse(readFileSync(join(FIXTURES, 'cloud/base.json'), 'utf8')) as RawCloud;
  return {
    agents: raw.agents.map((a) => AgentSchema.parse(a)),
    networks: raw.networks.map((n) => NetworkSchema.parse(n)),
    ports: raw.ports.map((p) => PortSchema.parse(p)),
    servers: raw.servers.map((s) => ServerSchema.parse(s)),
    computeServices: raw.services.map((s) => ComputeServiceSchema.parse(s)),
  };
}

function loadFacts(name: string): HostFacts {
  return readHostFacts(readFileSync(join(BASE_FACTS, `${name}.json`)));
}

const factsOf = (...names: string[]) => new Map(names.map((n) => [n, loadFacts(n)]));

function portNamed(c: CloudSnapshot, name: string): CloudPort {
  const p = c.ports.find((x) => x.name === name);
  assert.ok(p, `no port ${name} in the fixture`);
  return p;
}

/** A direct port bound to a host at a slot, as Nova leaves it after a successful boot. */
function boundPort(
  id: string,
  host: string,
  slot: string,
  mac: string,
  over: Partial<CloudPort> = {},
): CloudPort {
  return PortSchema.parse({
    id,
    name: id,
    network_id: '8c4b0d5e-1f2a-4b3c-9d8e-7f6a5b4c3d21',
    mac_address: mac,
    status: 'ACTIVE',
    device_id: '',
    device_owner: '',
    'binding:vnic_type': 'direct',
    'binding:host_id': host,
    'binding:vif_type': 'hw_veb',
    'binding:profile': { pci_vendor_info: '8086:10ca', pci_slot: slot, physical_network: 'physnet1' },
    'binding:vif_details': { port_filter: false, vlan: '101', connectivity: 'l2' },
    ...over,
  });
}

const kinds = (r: VfMapRow) => r.problems.map((p) => p.kind);

describe('vf-map: the join', () => {
  test('a server holding VF 0 of eth0: one clean row with PF, VF, MAC, VLAN, port and server', () => {
    const m = vfMap(loadCloud(), factsOf('compute1'));
    assert.equal(m.rows.length, 1, JSON.stringify(m.rows, null, 2));
    const r = m.rows[0]!;
    assert.deepEqual(
      {
        host: r.host,
        pf: r.pf,
        pfPciAddress: r.pfPciAddress,
        vfIndex: r.vfIndex,
        vfPciAddress: r.vfPciAddress,
        mac: r.mac,
        vfMac: r.vfMac,
        vlan: r.vlan,
        expectedVlan: r.expectedVlan,
        physnet: r.physnet,
        portId: r.portId,
        portStatus: r.portStatus,
        vnicType: r.vnicType,
        serverName: r.serverName,
        serverId: r.serverId,
        serverStatus: r.serverStatus,
      },
      {
        host: 'compute1',
        pf: 'eth0',
        pfPciAddress: '0000:01:00.0',
        vfIndex: 0,
        vfPciAddress: '0000:01:10.0',
        mac: VM1_MAC,
        vfMac: VM1_MAC,
        vlan: 101,
        expectedVlan: 101,
        physnet: 'physnet1',
        portId: VM1_PORT,
        portStatus: 'ACTIVE',
        vnicType: 'direct',
        serverName: 'vm1',
        serverId: '3f1e2d3c-4b5a-4968-8776-655443322110',
        serverStatus: 'ACTIVE',
      },
    );
    assert.deepEqual(r.problems, []);
    assert.deepEqual(m.notes, []);
    assert.deepEqual(m.hosts, [{ host: 'compute1', facts: 'compute1', collectedAt: '2026-11-20T09:00:00Z' }]);
    assert.deepEqual(vfMapSummary(m), { rows: 1, errors: 0, warnings: 0 });
  });

  test('normal ports and unbound direct ports are not rows; free VFs (zero MAC, VLAN 0) neither', () => {
    const m = vfMap(loadCloud(), factsOf('compute1'));
    assert.deepEqual(
      m.rows.map((r) => r.portId),
      [VM1_PORT],
    );
  });

  test('FQDN binding host and short facts name (and the reverse) are joined', () => {
    const c = loadCloud();
    portNamed(c, 'vm1-direct')['binding:host_id'] = 'compute1.example.org';
    const m = vfMap(c, factsOf('compute1'));
    assert.equal(m.rows[0]!.host, 'compute1.example.org');
    assert.equal(m.rows[0]!.vfIndex, 0);
    assert.deepEqual(m.rows[0]!.problems, []);
    assert.equal(m.hosts[0]!.host, 'compute1.example.org', 'the host is named as the cloud names it');

    const fqdnFacts = loadFacts('compute1');
    fqdnFacts.hostname = 'compute1.example.org';
    const m2 = vfMap(loadCloud(), new Map([['compute1.example.org', fqdnFacts]]));
    assert.equal(m2.rows[0]!.pf, 'eth0');
    assert.deepEqual(m2.rows[0]!.problems, []);
  });

  test('the recorded hostname matches when the file stem does not', () => {
    const m = vfMap(loadCloud(), new Map([['snapshot-2026-11-20', loadFacts('compute1')]]));
    assert.equal(m.rows[0]!.pf, 'eth0');
    assert.deepEqual(m.hosts[0], {
      host: 'compute1',
      facts: 'snapshot-2026-11-20',
      collectedAt: '2026-11-20T09:00:00Z',
    });
  });

  test('two facts with the same short name: ambiguous, so the host counts as without facts', () => {
    const c = loadCloud();
    const a = loadFacts('compute1');
    a.hostname = 'compute1.dc1.example.org';
    const b = loadFacts('compute1');
    b.hostname = 'compute1.dc2.example.org';
    const m = vfMap(
      c,
      new Map([
        ['compute1.dc1.example.org', a],
        ['compute1.dc2.example.org', b],
      ]),
    );
    const row = m.rows.find((r) => r.portId === VM1_PORT)!;
    assert.equal(row.pf, null);
    assert.match(m.notes.join('\n'), /no facts for host compute1:/);
  });

  test('without facts for the host: the row comes from the port, PF/VF unknown, and a note says so', () => {
    const m = vfMap(loadCloud(), new Map());
    assert.equal(m.rows.length, 1);
    const r = m.rows[0]!;
    assert.equal(r.pf, null);
    assert.equal(r.vfIndex, null);
    assert.equal(r.vlan, null);
    assert.equal(r.vfPciAddress, '0000:01:10.0');
    assert.equal(r.portId, VM1_PORT);
    assert.equal(r.serverName, 'vm1');
    assert.deepEqual(r.problems, [], 'missing facts is a note, not a discrepancy');
    assert.match(m.notes[0]!, /^no facts for host compute1: its PF, VF index, VF MAC and VLAN are unknown/);
    assert.deepEqual(m.hosts, [{ host: 'compute1', facts: null, collectedAt: null }]);
  });

  test('a direct-physical port holds a whole PF: a row on the PF, no VF index, no problem', () => {
    const c = loadCloud();
    c.ports.push(
      boundPort('dp-1', 'compute1', '0000:03:00.0', 'fa:16:3e:00:00:33', {
        'binding:vnic_type': 'direct-physical',
        'binding:vif_type': 'hostdev_physical',
      }),
    );
    const r = vfMap(c, factsOf('compute1')).rows.find((x) => x.portId === 'dp-1')!;
    assert.equal(r.pf, 'eth2');
    assert.equal(r.vfIndex, null);
    assert.deepEqual(r.problems, []);
    assert.match(renderVfMapText(vfMap(c, factsOf('compute1')), { color: false }), /eth2 +PF +0000:03:00\.0/);
  });

  test('a multi-segment network: the VLAN of the segment on the port physnet is expected', () => {
    const c = loadCloud();
    const net = NetworkSchema.parse({
      id: 'multi',
      name: 'multi',
      status: 'ACTIVE',
      segments: [
        {
          'provider:network_type': 'vlan',
          'provider:physical_network': 'physnet2',
          'provider:segmentation_id': 202,
        },
        {
          'provider:network_type': 'vlan',
          'provider:physical_network': 'physnet1',
          'provider:segmentation_id': 101,
        },
      ],
    });
    c.networks.push(net);
    const p = portNamed(c, 'vm1-direct');
    p.network_id = 'multi';
    p['binding:vif_details'] = { port_filter: false };
    const r = vfMap(c, factsOf('compute1')).rows[0]!;
    assert.equal(r.expectedVlan, 101);
    assert.deepEqual(r.problems, []);
  });

  test('--host keeps the rows of that host, by short name too', () => {
    const c = loadCloud();
    const m = vfMap(c, factsOf('compute1', 'compute2'), { host: ['compute2.example.org'] });
    assert.deepEqual([...new Set(m.rows.map((r) => r.host))], ['compute2']);
    assert.deepEqual(
      m.hosts.map((h) => h.host),
      ['compute2'],
    );
  });

  test('no compute endpoint: server ids from the port, names unknown, a note', () => {
    const c = loadCloud();
    c.servers = null;
    const m = vfMap(c, factsOf('compute1'));
    assert.equal(m.rows[0]!.serverId, '3f1e2d3c-4b5a-4968-8776-655443322110');
    assert.equal(m.rows[0]!.serverName, null);
    assert.deepEqual(m.rows[0]!.problems, []);
    assert.match(m.notes.join('\n'), /no compute endpoint/);
  });
});

describe('vf-map: discrepancies', () => {
  test('leaked: a VF still carries the MAC of a port bound on another host (moved)', () => {
    // compute2's facts show the same VF table as compute1: VF 0 with vm1-direct's MAC.
    const m = vfMap(loadCloud(), factsOf('compute1', 'compute2'));
    const r = m.rows.find((x) => x.host === 'compute2')!;
    assert.equal(r.portId, null);
    assert.equal(r.pf, 'eth0');
    assert.equal(r.vfIndex, 0);
    assert.equal(r.mac, VM1_MAC);
    assert.deepEqual(kinds(r), ['leaked']);
    assert.equal(r.problems[0]!.severity, 'error');
    assert.match(
      r.problems[0]!.message,
      new RegExp(`port ${VM1_PORT} \\(direct\\), which is bound to compute1 at 0000:01:10\\.0`),
    );
    assert.deepEqual(vfMapSummary(m), { rows: 2, errors: 1, warnings: 0 });
  });

  test('leaked: a VF carries the MAC of a port that is now unbound', () => {
    const c = loadCloud();
    const p = portNamed(c, 'vm1-direct');
    p['binding:host_id'] = '';
    p['binding:profile'] = {};
    p.device_id = '';
    p.device_owner = '';
    const m = vfMap(c, factsOf('compute1'));
    assert.equal(m.rows.length, 1);
    assert.deepEqual(kinds(m.rows[0]!), ['leaked']);
    assert.match(m.rows[0]!.problems[0]!.message, /which is unbound/);
  });

  test('no-port: a configured VF whose MAC no port has (a warning)', () => {
    const c = loadCloud();
    c.ports = c.ports.filter((p) => p.name !== 'vm1-direct');
    const m = vfMap(c, factsOf('compute1'));
    assert.equal(m.rows.length, 1, 'only VF 0 is configured; VFs 1 and 2 are free');
    const r = m.rows[0]!;
    assert.deepEqual(kinds(r), ['no-port']);
    assert.equal(r.problems[0]!.severity, 'warning');
    assert.match(r.problems[0]!.message, /configured \(MAC 02:11:22:33:44:55, VLAN 101\)/);
    assert.deepEqual(vfMapSummary(m), { rows: 1, errors: 0, warnings: 1 });
  });

  test('no-port: a VLAN left on a VF without a MAC is configured too', () => {
    const c = loadCloud();
    const f = loadFacts('compute1');
    f.pfs[1]!.vfs[1]!.vlan = 300;
    const r = vfMap(c, new Map([['compute1', f]])).rows.find((x) => x.vfPciAddress === '0000:02:10.2')!;
    assert.deepEqual(kinds(r), ['no-port']);
  });

  test('mac-mismatch: the VF the port holds shows another MAC', () => {
    const c = loadCloud();
    portNamed(c, 'vm1-direct').mac_address = 'FA:16:3E:00:00:99';
    const m = vfMap(c, factsOf('compute1'));
    assert.equal(m.rows.length, 1, 'the VF is held: no extra leaked row');
    assert.deepEqual(kinds(m.rows[0]!), ['mac-mismatch']);
    assert.match(
      m.rows[0]!.problems[0]!.message,
      /carries MAC 02:11:22:33:44:55, not the port's fa:16:3e:00:00:99/,
    );
  });

  test('a stopped server: its VF went back to the host, so its MAC and VLAN are not judged', () => {
    const c = loadCloud();
    portNamed(c, 'vm1-direct').mac_address = 'FA:16:3E:00:00:99';
    for (const sv of c.servers ?? []) sv.status = 'SHUTOFF';
    const m = vfMap(c, factsOf('compute1'));
    assert.equal(m.rows.length, 1, 'the claim still holds the VF');
    assert.deepEqual(kinds(m.rows[0]!), []);
  });

  test('mac-mismatch names the port whose MAC the VF carries', () => {
    const c = loadCloud();
    portNamed(c, 'spare-direct').mac_address = VM1_MAC;
    portNamed(c, 'vm1-direct').mac_address = 'fa:16:3e:00:00:99';
    const r = vfMap(c, factsOf('compute1')).rows[0]!;
    assert.match(r.problems[0]!.message, /is port 7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c03's/);
  });

  test('vlan-mismatch: the VF VLAN is not the one Neutron bound the port with', () => {
    const c = loadCloud();
    portNamed(c, 'vm1-direct')['binding:vif_details'] = {
      port_filter: false,
      vlan: '102',
      connectivity: 'l2',
    };
    const net = c.networks.find((n) => n.name === 'sriov-vlan101')!;
    net['provider:segmentation_id'] = 102;
    const r = vfMap(c, factsOf('compute1')).rows[0]!;
    assert.deepEqual(kinds(r), ['vlan-mismatch'], 'one problem, not also network-vlan');
    assert.equal(r.expectedVlan, 102);
    assert.match(r.problems[0]!.message, /VLAN 101, but Neutron bound the port with VLAN 102/);
  });

  test("network-vlan: the VF VLAN is not the network's segmentation id", () => {
    const c = loadCloud();
    portNamed(c, 'vm1-direct')['binding:vif_details'] = { port_filter: false };
    c.networks.find((n) => n.name === 'sriov-vlan101')!['provider:segmentation_id'] = 102;
    const r = vfMap(c, factsOf('compute1')).rows[0]!;
    assert.deepEqual(kinds(r), ['network-vlan']);
    assert.match(r.problems[0]!.message, /network sriov-vlan101 has segmentation id 102/);
  });

  test('network-vlan: the bound VLAN itself is stale (the network says otherwise)', () => {
    const c = loadCloud();
    c.networks.find((n) => n.name === 'sriov-vlan101')!['provider:segmentation_id'] = 102;
    const r = vfMap(c, factsOf('compute1')).rows[0]!;
    assert.deepEqual(kinds(r), ['network-vlan']);
  });

  test('network-vlan: a flat network expects no VLAN tag', () => {
    const c = loadCloud();
    const p = portNamed(c, 'vm1-direct');
    p.network_id = c.networks.find((n) => n.name === 'sriov-flat')!.id;
    p['binding:profile'] = { ...p['binding:profile'], physical_network: 'physnet2' };
    p['binding:vif_details'] = { port_filter: false };
    const r = vfMap(c, factsOf('compute1')).rows[0]!;
    assert.equal(r.expectedVlan, 0);
    assert.deepEqual(kinds(r), ['network-vlan']);
    assert.match(r.problems[0]!.message, /network sriov-flat is flat \(no VLAN tag\)/);
  });

  test('unknown-vf: a pci_slot no PF owns; the VF with its MAC is then leaked', () => {
    const c = loadCloud();
    const p = portNamed(c, 'vm1-direct');
    p['binding:profile'] = { ...p['binding:profile'], pci_slot: '0000:05:10.0' };
    const m = vfMap(c, factsOf('compute1'));
    const held = m.rows.find((r) => r.portId === VM1_PORT)!;
    assert.deepEqual(kinds(held), ['unknown-vf']);
    assert.equal(held.pf, null);
    assert.match(held.problems[0]!.message, /no PF on compute1 has a VF at 0000:05:10\.0/);
    const vf = m.rows.find((r) => r.vfPciAddress === '0000:01:10.0')!;
    assert.deepEqual(kinds(vf), ['leaked']);
    assert.match(vf.problems[0]!.message, /which holds 0000:05:10\.0 instead/);
  });

  test('unknown-vf: a pci_slot that is a NIC without SR-IOV', () => {
    const c = loadCloud();
    const f = loadFacts('compute1');
    f.otherNics.push({
      pciAddress: '0000:00:03.0',
      driver: 'virtio-pci',
      vendorId: '1af4',
      deviceId: '1000',
      netdevs: ['ens3'],
      physfn: null,
    });
    c.ports.push(boundPort('p-nic', 'compute1', '0000:00:03.0', 'fa:16:3e:00:00:44'));
    const r = vfMap(c, new Map([['compute1', f]])).rows.find((x) => x.portId === 'p-nic')!;
    assert.deepEqual(kinds(r), ['unknown-vf']);
    assert.match(r.problems[0]!.message, /a NIC without SR-IOV \(driver virtio-pci\)/);
  });

  test('shared-vf: two ports hold one VF', () => {
    const c = loadCloud();
    c.ports.push(boundPort('p-two', 'compute1', '0000:01:10.0', VM1_MAC));
    const rows = vfMap(c, factsOf('compute1')).rows.filter((r) => r.vfPciAddress === '0000:01:10.0');
    assert.equal(rows.length, 2);
    for (const r of rows) assert.ok(kinds(r).includes('shared-vf'), JSON.stringify(r.problems));
  });

  test('no-server: a port holds a VF for a server Nova does not list', () => {
    const c = loadCloud();
    c.servers = [];
    const r = vfMap(c, factsOf('compute1')).rows[0]!;
    assert.deepEqual(kinds(r), ['no-server']);
    assert.equal(r.problems[0]!.severity, 'warning');
  });

  test('the summary counts the problems of every row by severity', () => {
    const c = loadCloud();
    c.ports.push(boundPort('p-two', 'compute1', '0000:01:10.0', VM1_MAC));
    c.ports.push(boundPort('p-bad', 'compute1', '0000:05:10.0', 'fa:16:3e:00:00:55'));
    const m = vfMap(c, factsOf('compute1', 'compute2'));
    const s = vfMapSummary(m);
    assert.equal(s.errors, m.rows.flatMap((r) => r.problems).filter((p) => p.severity === 'error').length);
    assert.ok(s.errors >= 4, JSON.stringify(s));
  });
});

describe('vf-map: output', () => {
  test('table: one line per row, the problems under it with their messages', () => {
    const text = renderVfMapText(vfMap(loadCloud(), factsOf('compute1', 'compute2')), { color: false });
    assert.match(text, /^ {2}HOST +PF +VF +PCI +MAC +VLAN +PORT +STATUS +VNIC +SERVER +PROBLEMS$/m);
    assert.match(
      text,
      new RegExp(
        `^ {2}compute1 +eth0 +0 +0000:01:10\\.0 +${VM1_MAC} +101 +${VM1_PORT} +ACTIVE +direct +vm1 \\(3f1e2d3c-4b5a-4968-8776-655443322110\\) +-$`,
        'm',
      ),
    );
    assert.match(text, /^ {2}compute2 +eth0 +0 +0000:01:10\.0 +02:11:22:33:44:55 +101 +- +- +- +- +leaked$/m);
    assert.match(text, /^Problems:\n {2}error {3}leaked {2}compute2 0000:01:10\.0\n {10}VF 0 of eth0/m);
    assert.match(text, /1 port holding a VF, 1 configured VF without a port; 1 error, 0 warnings\n$/);
    assert.ok(!text.includes('\u001b['), 'no colour unless asked');
    assert.ok(
      renderVfMapText(vfMap(loadCloud(), factsOf('compute2')), { color: true }).includes('\u001b[31m'),
    );
  });

  test('json: the versioned schema with summary, hosts, rows and notes', () => {
    const j = vfMapJson(vfMap(loadCloud(), factsOf('compute1', 'compute2')));
    assert.equal(j.schema, 'osa-sriov/vf-map@1');
    assert.deepEqual(j.summary, { rows: 2, errors: 1, warnings: 0 });
    assert.deepEqual(Object.keys(j), ['schema', 'tool', 'summary', 'hosts', 'rows', 'notes']);
    assert.deepEqual(Object.keys(j.rows[0]!), [
      'host',
      'pf',
      'pfPciAddress',
      'vfIndex',
      'vfPciAddress',
      'mac',
      'vfMac',
      'vlan',
      'expectedVlan',
      'physnet',
      'portId',
      'portStatus',
      'vnicType',
      'serverId',
      'serverName',
      'serverStatus',
      'problems',
    ]);
  });
});

/** The commands in-process: main() of src/cli/main.ts. */
const run = (...args: string[]) => cliAsync(args);

describe('vf-map and capacity: bad input exits 2 before the cloud is asked', () => {
  test('--facts that does not exist', async () => {
    for (const cmd of ['vf-map', 'capacity']) {
      const r = await run(cmd, '--facts', '/nonexistent/facts');
      assert.equal(r.status, 2);
      assert.match(r.stderr, /cannot read facts/);
    }
  });

  test('two facts files for one host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-vfmap-'));
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    const text = readFileSync(join(BASE_FACTS, 'compute1.json'));
    writeFileSync(join(dir, 'a/compute1.json'), text);
    writeFileSync(join(dir, 'b/compute1.json'), text);
    const r = await run('vf-map', '--facts', join(dir, 'a'), '--facts', join(dir, 'b'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /several facts files describe host compute1/);
  });

  test('an unknown --format', async () => {
    const r = await run('vf-map', '--format', 'yaml');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Allowed choices are table, json/);
  });

  test('a bad cloud flag', async () => {
    const r = await run('capacity', '--timeout', 'soon');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--timeout must be a number of seconds/);
  });

  test('capacity: --release without --deploy, an unknown release, a missing deploy dir', async () => {
    assert.match((await run('capacity', '--release', 'rocky')).stderr, /--release needs --deploy/);
    const bad = await run('capacity', '--deploy', join(FIXTURES, 'rules/_base'), '--release', 'nosuch');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown OSA release "nosuch"/);
    const missing = await run('capacity', '--deploy', '/nonexistent/openstack_deploy');
    assert.equal(missing.status, 2);
  });

  test('no such cloud in clouds.yaml: one error line, exit 2', async () => {
    // The CLI reads the environment it is given, not this process's.
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.keys(process.env)
        .filter((k) => k.startsWith('OS_'))
        .map((k) => [k, undefined]),
    );
    env.OS_CLIENT_CONFIG_FILE = '/nonexistent/clouds.yaml';
    for (const cmd of ['vf-map', 'capacity']) {
      const r = await cliAsync([cmd, '--os-cloud', 'nosuch'], { env });
      assert.equal(r.status, 2);
      assert.match(
        r.stderr,
        /cloud "nosuch" asked for, but OS_CLIENT_CONFIG_FILE=\/nonexistent\/clouds\.yaml does not exist/,
      );
    }
  });
});
