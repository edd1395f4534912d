// ../shared/spec/vectors/nova_pci_prop_match.json.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pciDevicePropMatch } from '../../src/openstack/nova-pci-match.js';
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
