// fit and capacity --flavor against the real services of ../shared/live-openstack (tier C): a
// pinned flavor created for the test (and deleted), the seeded image, the real ports and compute
// services. The stack's nova-compute runs Nova's fake driver, which reports no NUMA topology and
// no NUMA node worth the name (every device on node 0), and NUMATopologyFilter is not enabled, so
// the cloud itself never refuses a server for PCI NUMA affinity: the hosts' devices and NUMA
// topology come from facts written for compute-sriov-1 (test/fixtures/fit/live, see its README).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CloudSession, connect } from '../../src/cloud/client.js';
import { withEnv } from '../cli-helpers.js';
import { FIXTURES } from '../helpers.js';
import { LIVE_CLOUD, liveEnv, liveSkip, novaUnavailable } from './live-stack.js';

const skip = liveSkip(novaUnavailable());
const FACTS = join(FIXTURES, 'fit/live');
const HOST = 'compute-sriov-1';
/** The VF of ens2f0 (physnet2) in the facts: the fake driver's 0000:02:00.1, on NUMA node 1 there. */
const PHYSNET2_VF = '0000:02:00.1';

const cli = (...args: string[]) => withEnv({ ...liveEnv(), OS_CLOUD: LIVE_CLOUD }, ...args);

interface Port {
  'binding:host_id'?: string;
  'binding:profile'?: { pci_slot?: string } | null;
  numa_affinity_policy?: unknown;
}

describe('fit and capacity --flavor on the live cloud', { skip }, () => {
  let s: CloudSession;
  let flavorId = '';
  const flavorName = `i19fit-live-${Date.now().toString(36)}`;
  let held = false;
  let portsCarryPolicy = false;

  before(async () => {
    s = await connect({ cloud: LIVE_CLOUD }, liveEnv());
    const f = (await s.post('compute', '/flavors', {
      flavor: { name: flavorName, ram: 64, vcpus: 1, disk: 1 },
    })) as { flavor: { id: string } };
    flavorId = f.flavor.id;
    await s.post('compute', `/flavors/${flavorId}/os-extra_specs`, {
      extra_specs: { 'hw:cpu_policy': 'dedicated', 'hw:pci_numa_affinity_policy': 'required' },
    });
    // The stack is shared: another test's server may hold the physnet2 VF right now.
    const ports = (await s.list('network', '/v2.0/ports', 'ports')) as Port[];
    held = ports.some((p) => p['binding:host_id'] === HOST && p['binding:profile']?.pci_slot === PHYSNET2_VF);
    portsCarryPolicy = ports.some((p) => 'numa_affinity_policy' in p);
  });

  const made = { servers: [] as string[], ports: [] as string[], networks: [] as string[] };

  after(async () => {
    if (!s) return;
    for (const id of made.servers) await s.delete('compute', `/servers/${id}`).catch(() => {});
    // The server's deletion releases the port's binding first.
    for (let i = 0; i < 30 && made.servers.length > 0; i++) {
      const left = await Promise.all(
        made.servers.map((id) =>
          s.get('compute', `/servers/${id}`).then(
            () => true,
            () => false,
          ),
        ),
      );
      if (!left.some(Boolean)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const id of made.ports) await s.delete('network', `/v2.0/ports/${id}`).catch(() => {});
    for (const id of made.networks) await s.delete('network', `/v2.0/networks/${id}`).catch(() => {});
    if (flavorId) await s.delete('compute', `/flavors/${flavorId}`);
    s.close();
  });

  test("fit reads the flavor with its extra specs, and places the server on the VF's NUMA node", () => {
    const r = cli(
      'fit',
      '--flavor',
      flavorName,
      '--image',
      'tiny',
      '--physnet',
      'physnet2',
      '--facts',
      FACTS,
      '--host',
      HOST,
      '--format',
      'json',
    );
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    const j = JSON.parse(r.stdout) as {
      mode: string;
      flavor: { name: string; extraSpecs: Record<string, string> };
      image: { name: string };
      policy: { policy: string; source: string };
      numaTopology: { cells: number } | null;
      hosts: Array<{
        host: string;
        verdict: string;
        instanceCells: number[] | null;
        freePerNode: unknown[];
        reasons: string[];
      }>;
    };
    assert.equal(j.mode, 'cloud');
    assert.equal(j.flavor.name, flavorName);
    assert.deepEqual(j.flavor.extraSpecs, {
      'hw:cpu_policy': 'dedicated',
      'hw:pci_numa_affinity_policy': 'required',
    });
    assert.equal(j.image.name, 'tiny');
    assert.deepEqual(j.policy, { policy: 'required', source: 'flavor' });
    assert.equal(j.numaTopology?.cells, 1);
    const h = j.hosts.find((x) => x.host === HOST)!;
    if (held) {
      assert.equal(h.verdict, 'no');
      assert.match(h.reasons[0]!, /no VFs of physnet physnet2 free here/);
    } else {
      // ens2f0 sits on node 1 in the facts: required only lets the server be there.
      assert.equal(h.verdict, 'fits', JSON.stringify(h));
      assert.deepEqual(h.instanceCells, [1]);
      assert.deepEqual(h.freePerNode, [{ node: 1, free: 1 }]);
      assert.match(h.reasons[0]!, /only if Nova puts the server on NUMA node 1/);
    }
    assert.equal(r.status, held ? 1 : 0);
  });

  test('--numa-policy: the live Neutron has no port_numa_affinity_policy extension driver, and fit says so', () => {
    const r = cli(
      'fit',
      '--flavor',
      flavorName,
      '--physnet',
      'physnet2',
      '--numa-policy',
      'preferred',
      '--facts',
      FACTS,
      '--host',
      HOST,
      '--format',
      'json',
    );
    const j = JSON.parse(r.stdout) as { policy: { source: string }; notes: string[] };
    assert.equal(portsCarryPolicy, false, 'the stack enables only the port_security extension driver');
    assert.equal(j.policy.source, 'flavor');
    assert.ok(
      j.notes.some((n) => n.includes('--numa-policy preferred is not what Nova would see')),
      j.notes.join('\n'),
    );
  });

  test('capacity --flavor counts the servers that still fit per physnet and policy', () => {
    const r = cli('capacity', '--flavor', flavorName, '--facts', FACTS, '--host', HOST, '--format', 'json');
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    const j = JSON.parse(r.stdout) as {
      flavorFit: {
        flavor: string;
        rows: Array<{ host: string; physnet: string; servers: Record<string, number | null> }>;
      };
    };
    assert.equal(j.flavorFit.flavor, flavorName);
    const row = j.flavorFit.rows.find((x) => x.host === HOST && x.physnet === 'physnet2')!;
    const n = held ? 0 : 1;
    // One VF on node 1, both nodes on one socket: every policy places one server (on node 1).
    assert.deepEqual(row.servers, { required: n, legacy: n, preferred: n, socket: n });
  });

  test('an unknown flavor is exit 2 naming it', () => {
    const r = cli('fit', '--flavor', `${flavorName}-nosuch`, '--physnet', 'physnet2');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Nova has no flavor with the id or name/);
  });

  test('doctor: a pinned server in "No valid host" is said to have a NUMA topology, read from the live Nova', async () => {
    // A port on physnet3, which no device_spec of the stack tags: the scheduler finds no host.
    const suffix = Date.now().toString(36);
    const seg = 3500 + Math.floor(Math.random() * 400);
    const net = (
      (await s.post('network', '/v2.0/networks', {
        network: {
          name: `i19fit-physnet3-${suffix}`,
          'provider:network_type': 'vlan',
          'provider:physical_network': 'physnet3',
          'provider:segmentation_id': seg,
        },
      })) as { network: { id: string } }
    ).network.id;
    made.networks.push(net);
    await s.post('network', '/v2.0/subnets', {
      subnet: { network_id: net, ip_version: 4, cidr: `10.${seg % 250}.7.0/24`, enable_dhcp: false },
    });
    const port = (
      (await s.post('network', '/v2.0/ports', {
        port: { network_id: net, name: `i19fit-port-${suffix}`, 'binding:vnic_type': 'direct' },
      })) as { port: { id: string } }
    ).port.id;
    made.ports.push(port);
    const image = (
      (await s.get('image', '/v2/images', { query: { name: 'tiny' } })) as { images: Array<{ id: string }> }
    ).images[0]!.id;
    const sv = (
      (await s.post('compute', '/servers', {
        server: { name: `i19fit-vm-${suffix}`, imageRef: image, flavorRef: flavorId, networks: [{ port }] },
      })) as { server: { id: string } }
    ).server.id;
    made.servers.push(sv);
    let status = '';
    for (let i = 0; i < 75 && status !== 'ERROR' && status !== 'ACTIVE'; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      status = ((await s.get('compute', `/servers/${sv}`)) as { server: { status: string } }).server.status;
    }
    assert.equal(status, 'ERROR');
    const r = cli('doctor', '--format', 'json');
    const j = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; message: string; fix: string }> };
    const f = j.findings.find((x) => x.ruleId === 'SRIOV-LIVE-SERVER-001' && x.message.includes(sv));
    assert.ok(f, r.stdout);
    assert.match(f.message, /No valid host was found/);
    assert.match(
      f.message,
      new RegExp(`it has a NUMA topology \\(hw:cpu_policy=dedicated \\(flavor\\); flavor ${flavorName}\\)`),
    );
    assert.match(f.message, /reconstructed/);
    // Without the deployment and the facts there are no hosts' devices to explain it with.
    assert.match(f.message, /give --deploy and --facts to explain it host by host/);
  });
});
