// test/vectors/nova_pci_prop_match.json, nova_pci_scheduler_requests.json, nova_pci_compute_pools.json.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstMatch, type NovaDevice, parseDeviceSpecs } from '../../src/openstack/nova-devspec.js';
import {
  buildPools,
  claimRequests,
  type PciPool,
  type PciRequestSpec,
  pciDevicePropMatch,
  supportRequests,
  type TrackedDevice,
} from '../../src/openstack/nova-pci-match.js';
import { vectors } from '../helpers.js';

describe('nova_pci_prop_match vectors', () => {
  for (const v of vectors<
    Array<{
      id: string;
      pool: Record<string, unknown>;
      request_specs: Array<Record<string, unknown>>;
      expect: string;
    }>
  >('nova_pci_prop_match.json')) {
    test(v.id, () => assert.equal(pciDevicePropMatch(v.pool, v.request_specs), v.expect === 'match'));
  }
});

describe('nova_pci_scheduler_requests vectors (PciPassthroughFilter)', () => {
  for (const v of vectors<
    Array<{ id: string; pools: PciPool[]; requests: PciRequestSpec[]; expect: string }>
  >('nova_pci_scheduler_requests.json')) {
    test(v.id, () => assert.equal(supportRequests(v.pools, v.requests), v.expect === 'pass'));
  }
});

describe('nova_pci_compute_pools vectors (device_spec + devices → pools → requests)', () => {
  interface V {
    id: string;
    device_spec: string[];
    devices: TrackedDevice[];
    resulting_pools: PciPool[];
    requests: PciRequestSpec[];
    expect: string;
  }
  for (const v of vectors<V[]>('nova_pci_compute_pools.json')) {
    test(v.id, () => {
      const specs = parseDeviceSpecs(v.device_spec);
      // The vectors' devices come from upstream test fixtures on NUMA node 0.
      const devices = v.devices.map((d) => ({ numa_node: 0, ...d }));
      const pools = buildPools(devices, (d) => {
        const i = firstMatch(specs, d as NovaDevice);
        return i === null ? null : specs[i]!.tags;
      });
      assert.deepEqual(pools, v.resulting_pools);
      assert.equal(supportRequests(pools, v.requests), v.expect === 'pass');
      // The compute claim agrees, except where the vector records that it fails after the scheduler passed.
      const claim = claimRequests(
        devices,
        (d) => {
          const i = firstMatch(specs, d as NovaDevice);
          return i === null ? null : specs[i]!.tags;
        },
        v.requests,
      );
      assert.equal(claim, v.expect === 'pass' && !v.id.includes('compute_claim_fails'));
    });
  }
});
