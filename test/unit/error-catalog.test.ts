// test/vectors/error_message_catalog.json: the messages our emulation produces fit
// the exact upstream templates, for every exception class we raise.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AgentConfigError, readAgentConfig } from '../../src/openstack/neutron-agent-config.js';
import { InvalidDeviceError, scanVfDevices } from '../../src/openstack/neutron-eswitch.js';
import {
  SriovUnsupportedNetworkType,
  supportedVnicTypes,
  vifDetails,
} from '../../src/openstack/neutron-mech-driver.js';
import { DeviceSpec, NovaError, parseDeviceSpecs } from '../../src/openstack/nova-devspec.js';
import { getIfnameByPciAddress } from '../../src/openstack/nova-host.js';
import { NovaException, physnetOfNetwork } from '../../src/openstack/nova-port-requests.js';
import { vectors } from '../helpers.js';

interface Entry {
  component: string;
  class?: string;
  template?: string;
  templates?: string[];
  reasons?: string[];
  causes?: string[];
}

/** A Python %-format template as a regex: %(name)s, %s, %d, %X match anything. */
function templateRe(t: string): RegExp {
  const parts = t.split(/%\([a-z_]+\)[sdX]|%[sdX]/);
  return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')}$`, 's');
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('expected an error');
}

const none = {
  isDir: () => false,
  readLink: () => null,
  read: () => null,
  listDir: () => null,
  glob: () => [],
};

// One message per class, produced by our own code.
const ours: Record<string, string[]> = {
  PciConfigInvalidSpec: [
    messageOf(() => parseDeviceSpecs(['{"address": "0000:0a:00.8"}'])),
    messageOf(() => parseDeviceSpecs(['{"vendor_id": "xyz"}'])),
    messageOf(() => parseDeviceSpecs(['{not json'])),
    messageOf(() => parseDeviceSpecs(['5'])),
    messageOf(() => parseDeviceSpecs(['[5]'])),
  ],
  PciDeviceWrongAddressFormat: [messageOf(() => parseDeviceSpecs(['{"address": "0000:0a:0b:00.5"}']))],
  PciDeviceInvalidDeviceName: [messageOf(() => new DeviceSpec({ devname: 'p1', address: '0000:0a:00.0' }))],
  PciDeviceRemoteManagedNotPresent: [
    messageOf(() => new DeviceSpec({ devname: 'nope', remote_managed: 'true' })),
  ],
  PciDeviceNotFoundById: [messageOf(() => getIfnameByPciAddress(none, '0000:00:00.1'))],
  NovaException: [
    messageOf(() => physnetOfNetwork('net1', { segments: [{ 'provider:physical_network': null }] }, true)),
  ],
  SriovUnsupportedNetworkType: [messageOf(() => vifDetails({ network_type: 'geneve' }))],
  InvalidDeviceError: [
    messageOf(() =>
      scanVfDevices(
        {
          isDir: () => false,
          listDir: () => null,
          readLink: () => null,
          readFile: () => null,
          glob: () => [],
        },
        'ens1f0',
      ),
    ),
  ],
  ValueError: [
    messageOf(() => supportedVnicTypes(['foo'])),
    messageOf(() => supportedVnicTypes(['direct', 'macvtap', 'direct-physical', 'accelerator-direct'])),
  ],
};

const catalog = vectors<{ messages: Entry[] }>('error_message_catalog.json').messages;

describe('error_message_catalog', () => {
  for (const [cls, messages] of Object.entries(ours)) {
    test(`${cls}: our messages fit the upstream template`, () => {
      const entries = catalog.filter((e) => e.class === cls);
      assert.ok(entries.length > 0, `${cls} is in the catalog`);
      const templates = entries.flatMap((e) => [...(e.template ? [e.template] : []), ...(e.templates ?? [])]);
      for (const m of messages)
        assert.ok(
          templates.some((t) => templateRe(t).test(m)),
          `${m} fits one of ${templates.join(' | ')}`,
        );
    });
  }

  test("PciConfigInvalidSpec reasons and the agent's parse causes are templates our messages fit", () => {
    const reasons = catalog.find((e) => e.class === 'PciConfigInvalidSpec')?.reasons ?? [];
    for (const m of ours.PciConfigInvalidSpec!) {
      const reason = m.replace('Invalid [pci]device_spec config: ', '');
      assert.ok(
        reasons.some((r) => templateRe(r).test(reason)),
        reason,
      );
    }
    const causes = catalog.find((e) => e.causes)?.causes ?? [];
    for (const bad of [
      { physical_device_mappings: 'physnet1' },
      { physical_device_mappings: 'p:x', exclude_devices: 'y:0000:00:00.1' },
    ]) {
      const m = messageOf(() => readAgentConfig(bad));
      assert.ok(
        causes.some((c) => templateRe(c).test(m)),
        `${m} fits one of ${causes.join(' | ')}`,
      );
    }
  });

  test('classes are what our errors report', () => {
    assert.ok(new NovaError('X', 'y', { code: 'invalid-entry' }) instanceof Error);
    assert.ok(new AgentConfigError('x', 'invalid-mapping').errorClass === 'ValueError');
    assert.ok(new InvalidDeviceError('d').message.startsWith('Invalid Device d'));
    assert.ok(new SriovUnsupportedNetworkType('x').name === 'SriovUnsupportedNetworkType');
    assert.ok(new NovaException('x') instanceof Error);
  });
});
