// A PF whose sysfs numa_node is -1 (unknown), end to end: the snapshot the sriov-vm NUMA test
// captured (test/fixtures/snapshots/igb-2nic-numa: eth0 on pcie.0 at -1, eth1 behind an expander
// on node 1, two VFs each) → HostFacts → the pools nova-compute would report for a device_spec
// that takes every VF → Nova's PCI NUMA filtering. Expectations from Nova's rules
// (nova/pci/stats.py _filter_pools_for_numa_cells, docs/numa.md), not from our output: a device
// with an unknown node is no NUMA constraint under legacy and preferred, and never "local" under
// required.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostPciPools, trackedDevices } from '../../src/deployment/pci-pools.js';
import { factsFromSnapshot } from '../../src/facts/build.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { parseDeviceSpecs } from '../../src/openstack/nova-devspec.js';
import {
  fitRequests,
  type NumaAffinityPolicy,
  type NumaPlacement,
} from '../../src/openstack/nova-pci-match.js';
import { pciRequestForPort } from '../../src/openstack/nova-port-requests.js';
import { fixture, keyValues } from '../helpers.js';

const facts = factsFromSnapshot(parseSnapshot(fixture('snapshots/igb-2nic-numa.dash.snapshot')));
const truth = keyValues(fixture('snapshots/igb-2nic-numa.truth.txt'));
// igbvf VFs (8086:10ca) of both PFs, on physnet1.
const specs = parseDeviceSpecs([
  '{"vendor_id": "8086", "product_id": "10ca", "physical_network": "physnet1"}',
]);
const pools = hostPciPools(facts, specs);
const hostCells = facts.numa!.nodes.map((n) => ({ id: n.id, socket: n.socket }));

/** n direct ports on physnet1 under a policy, for a server whose NUMA cells are on these host cells. */
function fits(ports: number, policy: NumaAffinityPolicy, instanceCells: number[] | null) {
  const request = pciRequestForPort({ vnicType: 'direct', physnet: 'physnet1' })!;
  const requests = Array.from({ length: ports }, () => ({ ...request, numa_policy: policy }));
  const numa: NumaPlacement = { instanceCells, hostCells };
  return fitRequests(pools, requests, numa).fits;
}

describe('a PF with an unknown NUMA node (-1), from the VM snapshot to Nova', () => {
  test('the facts and the pools: the unknown node is null for Nova, the expander PF is on node 1', () => {
    assert.equal(truth.get('pf.eth0.numa_node'), '-1');
    assert.equal(truth.get('pf.eth1.numa_node'), '1');
    const nodeOf = new Map(trackedDevices(facts, specs).map((t) => [t.tracked.address, t.tracked.numa_node]));
    for (const i of [0, 1]) {
      assert.equal(nodeOf.get(truth.get(`vf.eth0.${i}.address`)!), null);
      assert.equal(nodeOf.get(truth.get(`vf.eth1.${i}.address`)!), 1);
    }
    assert.equal(nodeOf.size, 4, 'only the four VFs match the spec');
    // Pools group VFs per parent PF: two VFs each.
    assert.deepEqual(pools.map((p) => [p.address, p.numa_node, p.count]).sort(), [
      [truth.get('pf.eth0.address'), null, 2],
      [truth.get('pf.eth1.address'), 1, 2],
    ]);
    assert.deepEqual(hostCells, [
      { id: 0, socket: 0 },
      { id: 1, socket: 1 },
    ]);
  });

  test('legacy: a server on node 0 gets the unknown-node VFs, never node 1 ones', () => {
    assert.equal(fits(1, 'legacy', [0]), true);
    assert.equal(fits(2, 'legacy', [0]), true);
    assert.equal(fits(3, 'legacy', [0]), false, 'only 2 VFs are local or unknown to node 0');
    // On node 1: its own 2 VFs, then the 2 unknown ones.
    assert.equal(fits(4, 'legacy', [1]), true);
  });

  test('required: an unknown node is not local', () => {
    assert.equal(fits(1, 'required', [0]), false);
    assert.equal(fits(2, 'required', [1]), true);
    assert.equal(fits(3, 'required', [1]), false);
  });

  test('preferred takes any VF; no NUMA topology means no NUMA filtering at all', () => {
    assert.equal(fits(3, 'preferred', [0]), true);
    assert.equal(fits(4, 'required', null), true);
  });

  test('socket: node 0 and node 1 are different sockets here, so like legacy without the unknown ones', () => {
    // _filter_pools_for_socket_affinity keeps the pools on nodes of the server's sockets; a pool
    // with an unknown node has no socket.
    assert.equal(fits(1, 'socket', [0]), false);
    assert.equal(fits(2, 'socket', [1]), true);
  });
});
