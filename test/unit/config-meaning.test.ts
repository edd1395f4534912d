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
