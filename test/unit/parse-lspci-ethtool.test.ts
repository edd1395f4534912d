import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalisePciAddress, parseEthtoolInfo } from '../../src/facts/parse-ethtool.js';
import { parseIpLinkText } from '../../src/facts/parse-ip-link.js';
import { parseLspci, vfAddressFromCapability } from '../../src/facts/parse-lspci.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { fixture, seed } from '../helpers.js';

describe('lspci -vvv', () => {
  test('the seed BCM57810: SR-IOV capability, driver, subsystem', () => {
    const [dev, ...rest] = parseLspci(seed('lspci-vvv-bcm57810.txt'));
    assert.equal(rest.length, 0);
    assert.ok(dev);
    assert.equal(dev.pciAddress, '0000:08:00.1');
    assert.equal(dev.className, 'Ethernet controller');
    assert.equal(dev.description, 'Broadcom Corporation NetXtreme II BCM57810 10 Gigabit Ethernet (rev 10)');
    assert.equal(dev.subsystem, 'Hewlett-Packard Company Ethernet 10Gb 2-port 530SFP+ Adapter');
    assert.equal(dev.vendorId, null, 'without -nn lspci prints no ids');
    assert.equal(dev.driverInUse, 'bnx2x');
    assert.deepEqual(dev.modules, ['bnx2x']);
    assert.deepEqual(dev.sriov, {
      initialVfs: 64,
      totalVfs: 64,
      numVfs: 8,
      vfOffset: 71,
      vfStride: 1,
      vfDeviceId: '16af',
    });
  });

  test('VF addresses from offset and stride agree with the lab: VF 1 is enp8s9f1 (08:09.1)', () => {
    // macvtap0@enp8s9f1 carries VF 1's MAC (see the ip link test); its name encodes bus 8, slot 9, function 1.
    const macvtap = parseIpLinkText(seed('ip-d-link-show-macvtap0.txt'))[0]!;
    const m = macvtap.peer!.match(/^enp(\d+)s(\d+)f(\d+)$/)!;
    const fromName = `0000:${Number(m[1]).toString(16).padStart(2, '0')}:${Number(m[2]).toString(16).padStart(2, '0')}.${m[3]}`;
    assert.equal(vfAddressFromCapability('0000:08:00.1', 71, 1, 1), fromName);
  });

  test('-nn output from the sriov-vm igb: ids, IOMMU group, and VF addresses that match sysfs', () => {
    const snap = parseSnapshot(fixture('snapshots/igb-3nic.dash.snapshot'));
    const text = snap.text('cmd.lspci-vvv-nn.0000:01:00.0');
    assert.ok(text, 'lspci ran in the guest');
    const dev = parseLspci(text)[0]!;
    assert.equal(dev.vendorId, '8086');
    assert.equal(dev.deviceId, '10c9');
    assert.equal(dev.classId, '0200');
    assert.equal(dev.subsystemVendorId, '1af4');
    assert.equal(dev.iommuGroup, Number(snap.linkBase('/sys/bus/pci/devices/0000:01:00.0/iommu_group')));
    assert.equal(dev.sriov?.vfDeviceId, snap.attr('/sys/bus/pci/devices/0000:01:00.0/sriov_vf_device'));
    assert.equal(dev.sriov?.vfOffset, Number(snap.attr('/sys/bus/pci/devices/0000:01:00.0/sriov_offset')));
    for (let i = 0; i < 3; i++) {
      const link = snap.link(`/sys/bus/pci/devices/0000:01:00.0/virtfn${i}`)!;
      assert.equal(
        vfAddressFromCapability('0000:01:00.0', dev.sriov!.vfOffset!, dev.sriov!.vfStride!, i),
        link.replace('../', ''),
      );
    }
  });
});

describe('ethtool -i', () => {
  test('host PF, with the note the operator left after bus-info', () => {
    assert.deepEqual(parseEthtoolInfo(seed('ethtool-i-ens2f1-host.txt')), {
      driver: 'bnx2x',
      version: '1.712.30-0',
      firmwareVersion: 'bc 7.14.62',
      busInfo: '0000:08:00.1',
    });
  });
  test('inside guests: a VF on a direct port, virtio_net on a macvtap port', () => {
    assert.equal(parseEthtoolInfo(seed('ethtool-i-ens5-guest-vf.txt')).driver, 'bnx2x');
    const virtio = parseEthtoolInfo(seed('ethtool-i-ens3-guest-macvtap.txt'));
    assert.equal(virtio.driver, 'virtio_net');
    assert.equal(virtio.busInfo, '0000:00:03.0');
    assert.equal(virtio.firmwareVersion, null);
  });
  test('PCI address normalisation', () => {
    assert.equal(normalisePciAddress('08:00.1'), '0000:08:00.1');
    assert.equal(normalisePciAddress('0000:AF:00.7'), '0000:af:00.7');
    assert.equal(normalisePciAddress('0000:af:00.8'), null);
    assert.equal(normalisePciAddress('tap0'), null);
  });
});
