// test/vectors/nova_pci_numa_affinity.json: PCI NUMA affinity as the scheduler decides it
// (unmodified nova/pci/stats.py of Zed, support_requests then apply_requests).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pciFit } from '../../src/cli/pci.js';
import {
  fitRequests,
  type HostNumaCell,
  type PciPool,
  type PciRequestSpec,
} from '../../src/openstack/nova-pci-match.js';
import { assertUserError, cliProcess, withStdin } from '../cli-helpers.js';
import { vectors } from '../helpers.js';

interface NumaVector {
  id: string;
  pools: PciPool[];
  host_cells: HostNumaCell[] | null;
  instance_numa_cells: number[] | null;
  requests: PciRequestSpec[];
  expect: 'pass' | 'fail';
  used_per_pool: number[] | null;
}

describe('nova_pci_numa_affinity vectors', () => {
  const all = vectors<{ vectors: NumaVector[] }>('nova_pci_numa_affinity.json').vectors;
  test('all 211 vectors are there', () => assert.equal(all.length, 211));
  for (const v of all) {
    test(v.id, () => {
      const r = fitRequests(v.pools, v.requests, {
        instanceCells: v.instance_numa_cells,
        hostCells: v.host_cells,
      });
      assert.equal(r.fits, v.expect === 'pass');
      assert.deepEqual(r.usedPerPool, v.used_per_pool);
    });
  }
});

describe('osa-sriov pci fit (the machine interface)', () => {
  const all = vectors<{ vectors: NumaVector[] }>('nova_pci_numa_affinity.json').vectors;
  test('every vector, given whole as the command reads it, gives the vector answer', () => {
    for (const v of all) {
      const out = pciFit(JSON.stringify(v), '<stdin>');
      assert.deepEqual(out, { fits: v.expect === 'pass', used_per_pool: v.used_per_pool, error: null }, v.id);
    }
  });

  test('the command reads each vector on stdin and prints its answer as one JSON line, exit 0', () => {
    for (const v of all) {
      const r = withStdin(JSON.stringify(v), 'pci', 'fit');
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(
        JSON.parse(r.stdout),
        { fits: v.expect === 'pass', used_per_pool: v.used_per_pool, error: null },
        v.id,
      );
    }
  });

  test('the executable answers the same (a few named vectors through a real process)', () => {
    for (const id of ['numa.legacy_default_remote_node', 'numa.preferred_remote_ok']) {
      const v = all.find((x) => x.id === id)!;
      const r = cliProcess(['pci', 'fit'], { input: JSON.stringify(v) });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), {
        fits: v.expect === 'pass',
        used_per_pool: v.used_per_pool,
        error: null,
      });
    }
  });

  test('the socket policy on a host without a NUMA topology is an error of Nova itself', () => {
    // Checked against Nova Zed's PciDeviceStats(None, ...).support_requests: AttributeError escapes
    // _filter_pools_for_socket_affinity (the stricter local pass finds nothing on node 0 first).
    const input = {
      pools: [{ count: 1, numa_node: 1, physical_network: 'p' }],
      host_cells: null,
      instance_numa_cells: [0],
      requests: [{ spec: [{ physical_network: 'p' }], numa_policy: 'socket', count: 1 }],
    };
    const r = withStdin(JSON.stringify(input), 'pci', 'fit');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      fits: false,
      used_per_pool: null,
      error: { class: 'AttributeError', message: "'NoneType' object has no attribute 'cells'" },
    });
    // With enough local devices the socket pass is never reached, so no error.
    input.pools[0]!.numa_node = 0;
    assert.deepEqual(JSON.parse(withStdin(JSON.stringify(input), 'pci', 'fit').stdout).fits, true);
  });

  test('bad input is exit 2 with what was expected', () => {
    for (const [text, pattern] of [
      ['not json', /not JSON/],
      ['{"pools": []}', /bad input at requests/],
      ['{"pools": [{"count": -1}], "requests": []}', /bad input at pools\.0/],
      ['{"pools": [], "requests": [{"spec": [{}], "numa_policy": "strict"}]}', /numa_policy/],
      ['[]', /bad input/],
    ] as const) {
      assertUserError(withStdin(text, 'pci', 'fit'), pattern);
    }
  });
});
