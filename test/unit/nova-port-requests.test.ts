// test/vectors/nova_port_pci_requests.json.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEVICE_TYPE_FOR_VNIC_TYPE,
  L3_NETWORK_TYPES,
  NovaException,
  pciRequestForPort,
  physnetOfNetwork,
  VNIC_TYPES_SRIOV,
} from '../../src/openstack/nova-port-requests.js';
import { vectors } from '../helpers.js';

interface File {
  pci_requests_from_ports: Array<{
    id: string;
    request?: string;
    vnic_type: string;
    binding_profile_trusted: unknown;
    network_physnet: string | null;
    expect_pci_request: unknown;
  }>;
  physnet_resolution: Array<{
    id: string;
    multi_provider_extension: boolean;
    network: Record<string, unknown>;
    expect?: unknown;
    expect_error?: boolean;
    error_message?: string;
  }>;
  constants: {
    VNIC_TYPES_SRIOV: string[];
    DEVICE_TYPE_FOR_VNIC_TYPE: Record<string, string>;
    L3_NETWORK_TYPES: string[];
  };
}

const file = vectors<File>('nova_port_pci_requests.json');

describe('nova_port_pci_requests vectors', () => {
  for (const v of file.pci_requests_from_ports) {
    test(v.id, () => {
      const id = v.request?.startsWith('port ') ? v.request.slice(5) : undefined;
      const got = pciRequestForPort({
        ...(id ? { id } : {}),
        vnicType: v.vnic_type,
        physnet: v.network_physnet,
        ...(v.binding_profile_trusted !== null ? { bindingProfileTrusted: v.binding_profile_trusted } : {}),
      });
      assert.deepEqual(got, v.expect_pci_request);
    });
  }
  for (const v of file.physnet_resolution) {
    test(v.id, () => {
      if (v.expect_error)
        assert.throws(
          () => physnetOfNetwork('test-net', v.network, v.multi_provider_extension),
          (e: unknown) => e instanceof NovaException && e.message === v.error_message,
        );
      else assert.deepEqual(physnetOfNetwork('test-net', v.network, v.multi_provider_extension), v.expect);
    });
  }
  test('constants', () => {
    assert.deepEqual([...VNIC_TYPES_SRIOV], file.constants.VNIC_TYPES_SRIOV);
    assert.deepEqual(DEVICE_TYPE_FOR_VNIC_TYPE, file.constants.DEVICE_TYPE_FOR_VNIC_TYPE);
    assert.deepEqual(L3_NETWORK_TYPES, file.constants.L3_NETWORK_TYPES);
  });
});
