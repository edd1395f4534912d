// test/vectors/neutron_pci_lib_pyroute2.json and neutron_ip_link_legacy_regex.json.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  getAssignedMacs,
  getVfState,
  LEGACY_VF_REGEX,
  legacyAssignedMacs,
  legacyParsedLines,
  legacyVfState,
  type NetlinkVf,
  spoofcheckConfig,
  vfStateConfig,
  vfStateFromIpLink,
} from '../../src/openstack/neutron-vf-state.js';
import { vectors } from '../helpers.js';

interface Pyroute2Vector {
  id: string;
  kind: string;
  vfs?: Record<string, NetlinkVf>;
  vf_index?: number;
  vf_list?: number[];
  admin_state_up?: boolean;
  propagate_uplink_status?: boolean;
  port_security_enabled?: boolean;
  expect?: unknown;
  expect_vf_config?: unknown;
}

describe('neutron_pci_lib_pyroute2 vectors', () => {
  for (const v of vectors<Pyroute2Vector[]>('neutron_pci_lib_pyroute2.json')) {
    test(v.id, () => {
      if (v.kind === 'get_vf_state') assert.equal(getVfState(v.vfs!, v.vf_index!), v.expect);
      else if (v.kind === 'get_assigned_macs')
        assert.deepEqual(getAssignedMacs(v.vfs!, v.vf_list!), v.expect);
      else if (v.kind === 'set_vf_state')
        assert.deepEqual(vfStateConfig(1, v.admin_state_up!, v.propagate_uplink_status!), v.expect_vf_config);
      else if (v.kind === 'set_vf_spoofcheck')
        assert.deepEqual(spoofcheckConfig(1, v.port_security_enabled!), v.expect_vf_config);
      else assert.fail(`unknown kind ${v.kind}`);
    });
  }
});

interface LegacyVector {
  id: string;
  ip_link_show_output: string;
  vf_list: number[];
  regex: string;
  parsed_lines: object[];
  expect_assigned_macs: Record<string, string>;
  expect_vf_state: Record<string, string>;
}

describe('neutron_ip_link_legacy_regex vectors (the pre-pyroute2 agent)', () => {
  for (const v of vectors<LegacyVector[]>('neutron_ip_link_legacy_regex.json')) {
    test(v.id, () => {
      // Python's (?P<name>…) groups, as a JavaScript regex: the same pattern.
      assert.equal(LEGACY_VF_REGEX.source, v.regex.replace(/\(\?P<\w+>/g, '('));
      assert.deepEqual(legacyParsedLines(v.ip_link_show_output, v.vf_list), v.parsed_lines);
      assert.deepEqual(legacyAssignedMacs(v.ip_link_show_output, v.vf_list), v.expect_assigned_macs);
      for (const [idx, state] of Object.entries(v.expect_vf_state)) {
        const got = legacyVfState(v.ip_link_show_output, Number(idx));
        assert.deepEqual(got, state.startsWith('EXC:') ? { crash: state.slice(4) } : state);
      }
    });
  }
});

test('VF state from ip link text: the iproute2 >= 5.3 format reads like the < 5.3 one did', () => {
  const all = vectors<LegacyVector[]>('neutron_ip_link_legacy_regex.json');
  const old = all.find((v) => v.id === 'legacy.iproute_lt_5_3_format')!;
  const neu = all.find((v) => v.id === 'legacy.iproute_ge_5_3_format_breaks_regex')!;
  for (const i of neu.vf_list)
    assert.equal(vfStateFromIpLink(neu.ip_link_show_output, i), old.expect_vf_state[String(i)]);
  for (const [i, s] of Object.entries(old.expect_vf_state))
    assert.equal(vfStateFromIpLink(old.ip_link_show_output, Number(i)), s);
  assert.equal(vfStateFromIpLink(old.ip_link_show_output, 99), 'disable');
});
