// test/vectors/nova_sysfs_helpers.json, and NovaHost from HostFacts on a VM snapshot.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { factsFromSnapshot } from '../../src/facts/build.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { DeviceSpec, NovaError } from '../../src/openstack/nova-devspec.js';
import {
  getFunctionByIfname,
  getIfnameByPciAddress,
  getMacByPciAddress,
  getVfNumByPciAddress,
  isPhysicalFunction,
  novaHostFromFacts,
  type SysfsReader,
} from '../../src/openstack/nova-host.js';
import { fixture, vectors } from '../helpers.js';

type V = Record<string, unknown> & {
  id: string;
  expect?: unknown;
  expect_error?: boolean;
  error_class?: string;
  error_message?: string;
};

function reader(v: V): SysfsReader {
  const get = <T>(k: string): T | null => (k in v ? (v[k] as T) : null);
  return {
    isDir: (p) => get<boolean>(`isdir:${p}`) === true,
    readLink: (p) => get<string>(`readlink:${p}`),
    read: (p) => get<string>(`read:${p}`),
    listDir: (p) => get<string[]>(`listdir:${p}`),
    glob: (p) => get<string[]>(`glob:${p}`) ?? [],
  };
}

describe('nova_sysfs_helpers vectors', () => {
  for (const v of vectors<{ vectors: V[] }>('nova_sysfs_helpers.json').vectors) {
    test(v.id, () => {
      const fs = reader(v);
      const fn = v.id.split('.')[0];
      const run = () => {
        const addr = v.address as string;
        if (fn === 'get_function_by_ifname') return getFunctionByIfname(fs, v.ifname as string);
        if (fn === 'is_physical_function') return isPhysicalFunction(fs, addr);
        if (fn === 'get_ifname_by_pci_address')
          return getIfnameByPciAddress(fs, addr, v.pf_interface === true);
        if (fn === 'get_mac_by_pci_address') return getMacByPciAddress(fs, addr, v.pf_interface === true);
        if (fn === 'get_vf_num_by_pci_address') return getVfNumByPciAddress(fs, addr);
        throw new Error(`unknown helper ${fn}`);
      };
      if (v.expect_error) {
        assert.throws(
          run,
          (e: unknown) =>
            e instanceof NovaError &&
            e.errorClass === v.error_class &&
            (v.error_message === undefined || e.message === v.error_message),
        );
      } else assert.deepEqual(run(), v.expect);
    });
  }
});

test('NovaHost from the igb VM snapshot: a PF devname covers its VFs', () => {
  const facts = factsFromSnapshot(parseSnapshot(fixture('snapshots/igb-3nic.dash.snapshot')));
  const host = novaHostFromFacts(facts);
  const pf = facts.pfs.find((p) => p.netdev === 'eth0')!;
  assert.deepEqual(host.functionByIfname('eth0'), [pf.pciAddress, true]);
  assert.equal(host.isPhysicalFunction(pf.pciAddress!), true);
  assert.equal(host.vfProductIdOfPf(pf.pciAddress!), '10ca');
  const spec = new DeviceSpec({ devname: 'eth0', physical_network: 'physnet1' }, host);
  for (const vf of pf.vfs) {
    assert.equal(
      spec.match({
        vendor_id: '8086',
        product_id: '10ca',
        address: vf.pciAddress!,
        parent_addr: pf.pciAddress,
      }),
      true,
    );
  }
  const other = facts.pfs.find((p) => p.netdev === 'eth1')!;
  assert.equal(
    spec.match({
      vendor_id: '8086',
      product_id: '10ca',
      address: other.vfs[0]!.pciAddress!,
      parent_addr: other.pciAddress,
    }),
    false,
  );
});
