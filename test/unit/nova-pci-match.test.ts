// ../shared/spec/vectors/nova_pci_prop_match.json.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type PciPool,
  type PciRequestSpec,
  pciDevicePropMatch,
  supportRequests,
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
