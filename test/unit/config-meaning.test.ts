// Drift compares meanings, not text: what Nova and the SR-IOV agent would read from a value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { novaJsonListMeaning, optionMeaning } from '../../src/openstack/config-meaning.js';

describe('Nova device list meaning', () => {
  test('key order, spacing, outer quotes and a one-item list are the same list', () => {
    const a = novaJsonListMeaning(['{"address": "0000:01:00.0", "physical_network": "physnet1"}']);
    for (const same of [
      '{ "physical_network":"physnet1",   "address":"0000:01:00.0" }',
      '"{"physical_network": "physnet1", "address": "0000:01:00.0"}"',
      '[{"physical_network": "physnet1", "address": "0000:01:00.0"}]',
    ])
      assert.equal(novaJsonListMeaning([same]), a, same);
  });
  test('entry order matters (the first matching entry gives the tags), and so do value types', () => {
    const x = '{"address": "0000:01:00.0", "physical_network": "a"}';
    const y = '{"address": "0000:01:00.*", "physical_network": "b"}';
    assert.notEqual(novaJsonListMeaning([x, y]), novaJsonListMeaning([y, x]));
    assert.equal(novaJsonListMeaning([x, y]), novaJsonListMeaning([`[${x}, ${y}]`]));
    assert.notEqual(
      novaJsonListMeaning(['{"vendor_id": "8086"}']),
      novaJsonListMeaning(['{"vendor_id": 8086}']),
    );
  });
  test('lines Nova cannot parse compare by their text', () => {
    assert.equal(novaJsonListMeaning(["{'a': 1}"]), novaJsonListMeaning(["  {'a':  1} "]));
    assert.notEqual(novaJsonListMeaning(["{'a': 1}"]), novaJsonListMeaning(['{"a": 1}']));
  });
});

describe('SR-IOV agent option meaning', () => {
  const m = (o: string, v: string) => optionMeaning('sriov_nic', o, [v]);
  test('physical_device_mappings is a physnet → set of devices (parse_mappings, unique_keys=False)', () => {
    assert.equal(
      m('physical_device_mappings', '"a:p1,b:p2"'),
      m('physical_device_mappings', 'b : p2, a:p1,a:p1'),
    );
    assert.notEqual(m('physical_device_mappings', 'a:p1'), m('physical_device_mappings', 'a:p2'));
    assert.notEqual(m('physical_device_mappings', 'a:p1'), m('physical_device_mappings', 'a:p1,a:p2'));
  });
  test('exclude_devices is a device → set of VF addresses', () => {
    assert.equal(
      m('exclude_devices', 'p1:0000:01:10.0;0000:01:10.2'),
      m('exclude_devices', '"p1:0000:01:10.2; 0000:01:10.0"'),
    );
    assert.equal(m('exclude_devices', '""'), m('exclude_devices', ''));
  });
  test('the last of a repeated option wins (oslo.config)', () => {
    assert.equal(
      optionMeaning('sriov_nic', 'physical_device_mappings', ['a:p9', 'a:p1']),
      m('physical_device_mappings', 'a:p1'),
    );
  });
  test('ListOpts keep their order; booleans are read as oslo reads them', () => {
    assert.equal(optionMeaning('ml2', 'mechanism_drivers', ['ovn, sriovnicswitch']), 'ovn,sriovnicswitch');
    assert.notEqual(
      optionMeaning('ml2', 'mechanism_drivers', ['sriovnicswitch,ovn']),
      optionMeaning('ml2', 'mechanism_drivers', ['ovn,sriovnicswitch']),
    );
    assert.equal(
      optionMeaning('pci', 'report_in_placement', ['True']),
      optionMeaning('pci', 'report_in_placement', ['1']),
    );
  });
});

describe('Neutron ML2 and L2 agent option meaning', () => {
  const m = (section: string, o: string, v: string) => optionMeaning(section, o, [v]);
  test('agent extensions are a set: order, spacing, quotes and the section spelling do not count', () => {
    assert.equal(m('agent', 'extensions', 'qos,fdb'), m('agent', 'extensions', '"fdb, qos"'));
    assert.equal(m('AGENT', 'extensions', 'fdb,,qos'), m('agent', 'extensions', 'qos,fdb'));
    assert.notEqual(m('agent', 'extensions', 'fdb'), m('agent', 'extensions', 'fdb,qos'));
    // Loaded twice by stevedore (name_order=True): a duplicate is not the same list.
    assert.notEqual(m('agent', 'extensions', 'qos,qos'), m('agent', 'extensions', 'qos'));
  });
  test('project network types keep their order (allocation tries them in turn)', () => {
    assert.notEqual(
      m('ml2', 'project_network_types', 'vxlan,vlan'),
      m('ml2', 'project_network_types', 'vlan,vxlan'),
    );
    assert.equal(
      m('ml2', 'tenant_network_types', ' vlan , vxlan'),
      m('ml2', 'tenant_network_types', 'vlan,vxlan'),
    );
  });
  test('network_vlan_ranges: the VLAN ids of each physnet, however the ranges are cut', () => {
    const v = (x: string) => m('ml2_type_vlan', 'network_vlan_ranges', x);
    assert.equal(v('physnet1:101:200,physnet2:5:6'), v('physnet2:5:6, physnet1:101:150,physnet1:140:200'));
    assert.equal(v('physnet1:101:150,physnet1:151:200'), v('physnet1:101:200'));
    assert.notEqual(v('physnet1:101:150,physnet1:152:200'), v('physnet1:101:200'));
    assert.notEqual(v('physnet1:101:150'), v('physnet1:101:200'));
    // A bare physnet is every VLAN id, whatever ranges it also has (neutron_lib keeps 1-4094).
    assert.equal(v('physnet1'), v('physnet1:1:4094'));
    assert.equal(v('physnet1:10:20,physnet1'), v('physnet1'));
    assert.equal(v('physnet1,physnet1:10:20'), v('physnet1'));
    assert.equal(v(''), v('""'));
    // Values Neutron refuses compare by their text.
    assert.notEqual(v('physnet1:1'), v('physnet1:1:1'));
  });
  test("flat_networks is a set, and '*' anywhere is every physnet", () => {
    const f = (x: string) => m('ml2_type_flat', 'flat_networks', x);
    assert.equal(f('a,b'), f('b, a, a'));
    assert.equal(f('*'), f('a,*'));
    assert.notEqual(f(''), f('*'));
  });
  test('bridge and FDB mappings are physnet → devices, in any order', () => {
    assert.equal(
      m('ovs', 'bridge_mappings', 'a:br-a,b:br-b'),
      m('ovs', 'bridge_mappings', ' b : br-b , a:br-a'),
    );
    assert.notEqual(m('ovs', 'bridge_mappings', 'a:br-a'), m('ovs', 'bridge_mappings', 'a:br-b'));
    assert.equal(
      m('FDB', 'shared_physical_device_mappings', 'a:p1,a:p2'),
      m('fdb', 'shared_physical_device_mappings', 'a:p2, a:p1,a:p1'),
    );
  });
});

describe('ML2 driver and MTU option meaning', () => {
  const m = (o: string, v: string) => optionMeaning('ml2', o, [v]);
  test('type_drivers is a set (the TypeManager keys its drivers by type)', () => {
    assert.equal(m('type_drivers', 'vlan,flat,geneve'), m('type_drivers', 'geneve, flat,vlan'));
    assert.notEqual(m('type_drivers', 'vlan,flat'), m('type_drivers', 'vlan'));
  });
  test('extension_drivers keep their order (name_order=True)', () => {
    assert.notEqual(m('extension_drivers', 'qos,port_security'), m('extension_drivers', 'port_security,qos'));
  });
  test('MTUs compare as numbers, per physnet', () => {
    assert.equal(m('physical_network_mtus', 'a:9000,b:1500'), m('physical_network_mtus', 'b: 1500 , a:9000'));
    assert.notEqual(m('physical_network_mtus', 'a:9000'), m('physical_network_mtus', 'a:1500'));
    assert.equal(m('path_mtu', ' 9000'), m('path_mtu', '9000'));
  });
});
