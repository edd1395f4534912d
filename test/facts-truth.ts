// Compares HostFacts with the sysfs ground truth a sriov-vm guest read with cat and readlink.
import assert from 'node:assert/strict';
import type { HostFacts, Pf } from '../src/facts/host-facts.js';

/** Compares every PF and VF field that sysfs shows directly against the guest's own reading. */
export function assertMatchesSysfs(facts: HostFacts, truth: Map<string, string>) {
  const pfNames = (truth.get('pfs') ?? '').split(' ').filter(Boolean);
  assert.deepEqual(facts.pfs.map((p) => p.netdev).sort(), [...pfNames].sort());
  for (const name of pfNames) {
    const pf = facts.pfs.find((p) => p.netdev === name) as Pf;
    const t = (k: string) => truth.get(`pf.${name}.${k}`);
    assert.equal(pf.pciAddress, t('address'));
    assert.equal(`0x${pf.vendorId}`, t('vendor'));
    assert.equal(`0x${pf.deviceId}`, t('device'));
    assert.equal(String(pf.totalVfs), t('sriov_totalvfs'));
    assert.equal(String(pf.numVfs), t('sriov_numvfs'));
    assert.equal(pf.vfDeviceId, t('sriov_vf_device'));
    assert.equal(String(pf.numaNode), t('numa_node'));
    assert.equal(String(pf.mtu), t('mtu'));
    assert.equal(pf.driver, t('driver'));
    assert.equal(String(pf.iommuGroup ?? ''), t('iommu_group') ?? '');
    assert.equal(pf.mac, t('mac'));
    assert.equal(pf.operState, t('operstate'));
    assert.equal(pf.master?.name ?? undefined, t('master'));
    assert.equal(pf.vfs.length, Number(t('sriov_numvfs')));
    for (const vf of pf.vfs) {
      const v = (k: string) => truth.get(`vf.${name}.${vf.index}.${k}`);
      assert.equal(vf.pciAddress, v('address'));
      assert.equal(vf.driver, v('driver'));
      assert.equal(vf.netdev ?? '', v('netdev'));
      assert.equal(String(vf.iommuGroup ?? ''), v('iommu_group') ?? '');
    }
  }
}
