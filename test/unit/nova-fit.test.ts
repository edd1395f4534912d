// nova-fit: a server's SR-IOV ports on a host, as Nova's scheduler decides with PCI NUMA affinity.
// The pool filtering itself is checked on the 211 vectors of nova-pci-numa.test.ts; these check
// what is composed on top of it, each expectation derived from Nova's code (cited).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cellOrder,
  countServers,
  fitOnHost,
  type HostPci,
  placeOnHost,
  type ServerAsk,
  serverShape,
} from '../../src/openstack/nova-fit.js';
import { NovaNumaError } from '../../src/openstack/nova-numa-request.js';
import { buildPools, type PciPool, type TrackedDevice } from '../../src/openstack/nova-pci-match.js';

/** VFs of one PF: Nova's pools as PciDeviceStats builds them (one pool per parent PF). */
function vfs(pf: string, node: number | null, n: number, physnet = 'physnet1'): TrackedDevice[] {
  return Array.from({ length: n }, (_, i) => ({
    address: `${pf.slice(0, -1)}${i + 1}`,
    vendor_id: '8086',
    product_id: '10ca',
    numa_node: node,
    dev_type: 'type-VF',
    parent_addr: pf,
    physnet,
  })) as TrackedDevice[];
}

function host(devices: TrackedDevice[], cells: HostPci['cells']): HostPci {
  const pools: PciPool[] = buildPools(devices, (d) => ({
    physical_network: (d as TrackedDevice & { physnet: string }).physnet,
  }));
  return { pools, cells };
}

const TWO_SOCKETS = [
  { id: 0, socket: 0 },
  { id: 1, socket: 1 },
];
const ONE_SOCKET = [
  { id: 0, socket: 0 },
  { id: 1, socket: 0 },
];

function ask(extraSpecs: Record<string, string>, more: Partial<ServerAsk> = {}): ServerAsk {
  return {
    flavor: { vcpus: 2, extraSpecs },
    image: {},
    physnet: 'physnet1',
    ports: 1,
    vnicType: 'direct',
    portPolicy: null,
    ...more,
  };
}
const PINNED = { 'hw:cpu_policy': 'dedicated' };

describe('placing a server as numa_fit_instance_to_host does (PCI side)', () => {
  test('no NUMA topology: no NUMA filtering at all, whatever the policy (stats.py: no instance cells)', () => {
    const h = host(vfs('0000:01:00.0', 1, 1), TWO_SOCKETS);
    const a = ask({ 'hw:pci_numa_affinity_policy': 'required' });
    const p = placeOnHost(h, serverShape(a).topology, serverShape(a).requests);
    assert.deepEqual([p.fits, p.instanceCells], [true, null]);
  });

  test('a pinned server lands on the node with the VFs: the cell loop tries every host cell', () => {
    const h = host(vfs('0000:01:00.0', 1, 1), TWO_SOCKETS);
    const s = serverShape(ask(PINNED));
    assert.deepEqual(placeOnHost(h, s.topology, s.requests).instanceCells, [1]);
  });

  test('cells with more PCI devices first (hardware.py: sorted by total_pci_in_cell, reverse)', () => {
    const pools = host([...vfs('0000:01:00.0', 0, 1), ...vfs('0000:02:00.0', 1, 3)], TWO_SOCKETS).pools;
    assert.deepEqual(
      cellOrder(pools, TWO_SOCKETS, 1).map((c) => c.id),
      [1, 0],
    );
    // As many cells as the server: no sorting, the host's order.
    assert.deepEqual(
      cellOrder(pools, TWO_SOCKETS, 2).map((c) => c.id),
      [0, 1],
    );
  });

  test('a server with a NUMA topology never lands on a host without one (NUMATopologyFilter)', () => {
    const s = serverShape(ask(PINNED));
    assert.equal(placeOnHost(host(vfs('0000:01:00.0', 0, 2), null), s.topology, s.requests).fits, false);
  });

  test('hw:numa_nodes=2 needs two host cells', () => {
    const s = serverShape(ask({ 'hw:numa_nodes': '2' }));
    const one = host(vfs('0000:01:00.0', 0, 2), [{ id: 0, socket: 0 }]);
    assert.equal(placeOnHost(one, s.topology, s.requests).fits, false);
    const p = placeOnHost(host(vfs('0000:01:00.0', 0, 2), TWO_SOCKETS), s.topology, s.requests);
    assert.deepEqual(p.instanceCells, [0, 1]);
  });
});

describe('why a host cannot take the server, and what would make it fit', () => {
  // Two ports, one free VF on each node: no single node has both.
  const split = [...vfs('0000:01:00.0', 0, 1), ...vfs('0000:02:00.0', 1, 1)];

  test('legacy: refused, with the free VFs per node, the policy and where it came from', () => {
    const f = fitOnHost(host(split, TWO_SOCKETS), ask(PINNED, { ports: 2 }));
    assert.equal(f.verdict, 'no');
    assert.deepEqual(f.freePerNode, [
      { node: 0, free: 1 },
      { node: 1, free: 1 },
    ]);
    assert.match(f.reasons[0]!, /1 on NUMA node 0, 1 on NUMA node 1/);
    assert.match(f.reasons[0]!, /policy legacy \(from Nova's default/);
    assert.match(f.reasons[0]!, /hw:cpu_policy=dedicated \(flavor\)/);
    // preferred takes any node once local ones are too few; socket: nodes 0 and 1 are two sockets.
    assert.deepEqual(
      f.remedies.map((r) => r.split(':')[0]),
      [
        'policy preferred',
        'a flavor and image without a NUMA topology (none of hw',
        '2 free VFs of physnet physnet1 on one NUMA node (now node 0 has 1, node 1 has 1)',
      ],
    );
  });

  test('socket: fits when both nodes are on one socket; no socket information means no device', () => {
    const sock = ask({ ...PINNED, 'hw:pci_numa_affinity_policy': 'socket' }, { ports: 2 });
    assert.equal(fitOnHost(host(split, ONE_SOCKET), sock).verdict, 'fits');
    assert.equal(fitOnHost(host(split, TWO_SOCKETS), sock).verdict, 'no');
    const unknown = fitOnHost(
      host(split, [
        { id: 0, socket: null },
        { id: 1, socket: 0 },
      ]),
      sock,
    );
    assert.equal(unknown.verdict, 'no');
    assert.match(unknown.reasons[0]!, /No socket information in host NUMA cell\(s\)/);
  });

  test('the port policy wins over the flavor (neutron.py create_resource_requests)', () => {
    const f = fitOnHost(
      host(split, TWO_SOCKETS),
      ask({ ...PINNED, 'hw:pci_numa_affinity_policy': 'legacy' }, { ports: 2, portPolicy: 'preferred' }),
    );
    assert.equal(f.verdict, 'fits');
  });

  test('VFs of an unknown NUMA node (-1): legacy takes them, required does not', () => {
    const h = host(vfs('0000:01:00.0', null, 2), TWO_SOCKETS);
    const legacy = fitOnHost(h, ask(PINNED));
    assert.equal(legacy.verdict, 'fits');
    assert.match(legacy.reasons[0]!, /NUMA node is unknown .*required would not/);
    const required = fitOnHost(h, ask({ ...PINNED, 'hw:pci_numa_affinity_policy': 'required' }));
    assert.equal(required.verdict, 'no');
    assert.ok(required.remedies.some((r) => r.startsWith('policy legacy')));
  });

  test('not enough VFs at all is said before any NUMA reason', () => {
    const f = fitOnHost(host(vfs('0000:01:00.0', 0, 1), TWO_SOCKETS), ask(PINNED, { ports: 2 }));
    assert.deepEqual(f.reasons, ['1 VF of physnet physnet1 free here, the server needs 2']);
    assert.deepEqual(f.remedies, []);
  });

  test('a pinned server fits only where the VFs are: said, since CPUs and memory are not checked', () => {
    const f = fitOnHost(host(vfs('0000:01:00.0', 1, 2), TWO_SOCKETS), ask(PINNED));
    assert.equal(f.verdict, 'fits');
    assert.match(f.reasons[0]!, /only if Nova puts the server on NUMA node 1/);
  });

  test('a flavor Nova refuses is an error, not a verdict', () => {
    assert.throws(() => serverShape(ask({ 'hw:cpu_policy': 'pinned' })), NovaNumaError);
  });
});

describe('servers that still fit, placed one after another', () => {
  const h = host([...vfs('0000:01:00.0', 0, 2), ...vfs('0000:02:00.0', 1, 1)], TWO_SOCKETS);
  const count = (extra: Record<string, string>, ports = 1) => {
    const s = serverShape(ask(extra, { ports }));
    return countServers(h, s.topology, s.requests);
  };

  test('one port each: every VF serves one server, whatever the policy', () => {
    for (const p of ['required', 'legacy', 'preferred', 'socket'])
      assert.equal(count({ ...PINNED, 'hw:pci_numa_affinity_policy': p }), 3, p);
  });

  test('two ports each: legacy and required only where one node has two; preferred spans nodes', () => {
    assert.equal(count({ ...PINNED, 'hw:pci_numa_affinity_policy': 'required' }, 2), 1);
    assert.equal(count(PINNED, 2), 1);
    // After the first server (node 0's two VFs), one VF is left: preferred cannot make two.
    assert.equal(count({ ...PINNED, 'hw:pci_numa_affinity_policy': 'preferred' }, 2), 1);
    // Without NUMA topology: 3 VFs, two per server.
    assert.equal(count({}, 2), 1);
  });

  test('two ports each with VFs split 1+1: only preferred (or no NUMA topology) places one', () => {
    const split = host([...vfs('0000:01:00.0', 0, 1), ...vfs('0000:02:00.0', 1, 1)], TWO_SOCKETS);
    const n = (extra: Record<string, string>) => {
      const s = serverShape(ask(extra, { ports: 2 }));
      return countServers(split, s.topology, s.requests);
    };
    assert.equal(n(PINNED), 0);
    assert.equal(n({ ...PINNED, 'hw:pci_numa_affinity_policy': 'preferred' }), 1);
    assert.equal(n({}), 1);
  });
});
