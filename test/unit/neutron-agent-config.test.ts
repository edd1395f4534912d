// test/vectors/neutron_sriov_agent_config.json: every case, as the agent parses it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AgentConfigError,
  parseDictOpt,
  parseExcludeDevices,
  parseListOpt,
  parsePhysicalDeviceMappings,
  parseRpBandwidths,
  parseRpInventoryDefaults,
  readAgentConfig,
  validateAgentConfig,
} from '../../src/openstack/neutron-agent-config.js';
import { vectors } from '../helpers.js';

interface Vector {
  id: string;
  option: string;
  ini_value?: string;
  oslo_parsed: unknown;
  expect?: unknown;
  expect_error?: boolean;
  error_class?: string;
  error_message?: string;
}

const sortDeep = (v: unknown): unknown =>
  Array.isArray(v)
    ? [...v].sort()
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortDeep(x)]))
      : v;

function run(v: Vector): unknown {
  const list = () => (v.ini_value !== undefined ? parseListOpt(v.ini_value) : (v.oslo_parsed as string[]));
  switch (v.option) {
    case 'physical_device_mappings':
      return parsePhysicalDeviceMappings(list());
    case 'exclude_devices':
      return parseExcludeDevices(list());
    case 'resource_provider_bandwidths':
      return parseRpBandwidths(list());
    case 'resource_provider_inventory_defaults':
      return parseRpInventoryDefaults(
        v.ini_value !== undefined ? parseDictOpt(v.ini_value) : (v.oslo_parsed as Record<string, unknown>),
      );
    case 'SriovNicAgentConfigParser._validate': {
      const [dm, ex, bw] = v.oslo_parsed as [
        Record<string, string[]>,
        Record<string, string[]>,
        Record<string, { egress: number; ingress: number }>,
      ];
      validateAgentConfig(dm, ex, bw);
      return 'ok';
    }
    default:
      throw new Error(`unknown option ${v.option}`);
  }
}

describe('neutron_sriov_agent_config vectors', () => {
  for (const v of vectors<Vector[]>('neutron_sriov_agent_config.json')) {
    test(v.id, () => {
      if (v.ini_value !== undefined && Array.isArray(v.oslo_parsed))
        assert.deepEqual(parseListOpt(v.ini_value), v.oslo_parsed, 'oslo ListOpt');
      if (v.expect_error) {
        assert.throws(
          () => run(v),
          (e: unknown) =>
            e instanceof AgentConfigError && e.errorClass === v.error_class && e.message === v.error_message,
        );
      } else {
        assert.deepEqual(sortDeep(run(v)), sortDeep(v.expect));
      }
    });
  }
});

test('OSA writes the value in double quotes; oslo strips them', () => {
  assert.deepEqual(parseListOpt('"physnet1:p1p1,physnet1: p1p2"'), ['physnet1:p1p1', 'physnet1: p1p2']);
  assert.deepEqual(parseListOpt('""'), []);
});

describe('readAgentConfig says which option, which check and which item stopped the agent', () => {
  const cases: Array<[section: Record<string, string>, option: string, code: string, item: string | null]> = [
    [{ physical_device_mappings: 'physnet1' }, 'physical_device_mappings', 'invalid-mapping', 'physnet1'],
    [{ physical_device_mappings: 'a:b:c' }, 'physical_device_mappings', 'invalid-mapping', 'a:b:c'],
    [{ physical_device_mappings: ' :p1' }, 'physical_device_mappings', 'missing-key', ':p1'],
    [{ physical_device_mappings: 'p:x, ,q:' }, 'physical_device_mappings', 'missing-value', 'q:'],
    [{ physical_device_mappings: 'p:x', exclude_devices: 'x' }, 'exclude_devices', 'invalid-mapping', 'x'],
    [
      { physical_device_mappings: 'p:x', exclude_devices: 'x:1,x:2' },
      'exclude_devices',
      'device-not-unique',
      'x:2',
    ],
    [
      { physical_device_mappings: 'p:x', exclude_devices: 'y:0000:00:00.1' },
      'exclude_devices',
      'device-not-mapped',
      'y',
    ],
    [
      { physical_device_mappings: 'p:x', resource_provider_bandwidths: 'x:a:1' },
      'resource_provider_bandwidths',
      'bad-value',
      null,
    ],
    [
      { physical_device_mappings: 'p:x', resource_provider_bandwidths: 'y:1:1' },
      'resource_provider_bandwidths',
      'device-not-mapped',
      'y',
    ],
    [
      { physical_device_mappings: 'p:x', resource_provider_inventory_defaults: 'nocolon' },
      'resource_provider_inventory_defaults',
      'not-key-value',
      'nocolon',
    ],
    [
      { physical_device_mappings: 'p:x', resource_provider_inventory_defaults: 'reserved:-1' },
      'resource_provider_inventory_defaults',
      'bad-value',
      null,
    ],
  ];
  for (const [section, option, code, item] of cases) {
    test(`${JSON.stringify(section)} → ${option} ${code}`, () => {
      assert.throws(
        () => readAgentConfig(section),
        (e: unknown) => {
          assert.ok(e instanceof AgentConfigError);
          assert.deepEqual([e.option, e.code, e.item], [option, code, item], e.message);
          return true;
        },
      );
    });
  }
});
