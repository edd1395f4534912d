// ../shared/spec/vectors/nova_pci_numa_affinity.json: PCI NUMA affinity as the scheduler decides it
// (unmodified nova/pci/stats.py of Zed, support_requests then apply_requests).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  fitRequests,
  type HostNumaCell,
  type PciPool,
  type PciRequestSpec,
} from '../../src/openstack/nova-pci-match.js';
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
