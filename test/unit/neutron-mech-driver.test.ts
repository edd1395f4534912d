// test/vectors/neutron_sriov_mech_driver.json: binding decisions and helpers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Agent,
  bindPort,
  checkSegmentForAgent,
  type Segment,
  supportedVnicTypes,
  vifDetails,
} from '../../src/openstack/neutron-mech-driver.js';
import { vectors } from '../helpers.js';

interface BindingVector {
  id: string;
  vnic_type: string;
  binding_profile: Record<string, unknown>;
  agents_on_host: Agent[];
  segments: Segment[];
  fixed_ip_subnets?: Array<{ segment_id: string | null }>;
  expect: unknown;
  resulting_port_vif_type_if_no_other_driver_binds: string;
}

interface HelperVector {
  id: string;
  kind: string;
  segment?: Segment;
  agent?: Agent | null;
  input?: string[];
  expect: unknown;
  error_message?: string;
}

const file = vectors<{ binding: BindingVector[]; helpers: HelperVector[] }>('neutron_sriov_mech_driver.json');

describe('neutron_sriov_mech_driver binding vectors', () => {
  for (const v of file.binding) {
    test(v.id, () => {
      const b = bindPort({
        vnicType: v.vnic_type,
        bindingProfile: v.binding_profile,
        agentsOnHost: v.agents_on_host,
        segments: v.segments,
        ...(v.fixed_ip_subnets ? { fixedIpSubnets: v.fixed_ip_subnets } : {}),
      });
      assert.deepEqual(b ?? 'unbound', v.expect);
      assert.equal(b ? b.vif_type : 'binding_failed', v.resulting_port_vif_type_if_no_other_driver_binds);
    });
  }
});

describe('neutron_sriov_mech_driver helper vectors', () => {
  for (const v of file.helpers) {
    test(v.id, () => {
      if (v.kind === 'check_segment_for_agent')
        assert.equal(checkSegmentForAgent(v.segment!, v.agent ?? null), v.expect);
      else if (v.kind === '_get_vif_details') {
        if (typeof v.expect === 'string')
          assert.throws(() => vifDetails(v.segment!), { name: v.expect, message: v.error_message });
        else assert.deepEqual(vifDetails(v.segment!), v.expect);
      } else if (v.kind === 'vnic_type_prohibit_list') {
        if (v.expect === 'ValueError')
          assert.throws(() => supportedVnicTypes(v.input!), { message: v.error_message });
        else assert.deepEqual(supportedVnicTypes(v.input!), v.expect);
      } else assert.fail(`unknown kind ${v.kind}`);
    });
  }
});
