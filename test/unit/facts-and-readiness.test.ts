import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { factsFromPasted, factsFromSnapshot } from '../../src/facts/build.js';
import type { HostFacts } from '../../src/facts/host-facts.js';
import { assessReadiness } from '../../src/facts/readiness.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { guestVfDriver } from '../../src/facts/vf-drivers.js';
import { renderProbeText } from '../../src/report/facts-text.js';
import { assertMatchesSysfs } from '../facts-truth.js';
import { fixture, keyValues, REPO, seed } from '../helpers.js';

const snapshotFacts = (name: string) =>
  factsFromSnapshot(parseSnapshot(fixture(`snapshots/${name}.dash.snapshot`)));
const codes = (f: HostFacts) => assessReadiness(f).verdicts.map((v) => v.code);

describe('facts from snapshots captured in the sriov-vm', () => {
  test('igb-3nic: every PF and VF field matches what the guest read from sysfs', () => {
    assertMatchesSysfs(snapshotFacts('igb-3nic'), keyValues(fixture('snapshots/igb-3nic.truth.txt')));
  });
  test('igb-1nic-noiommu: the same on a host without an IOMMU', () => {
    const facts = snapshotFacts('igb-1nic-noiommu');
    assertMatchesSysfs(facts, keyValues(fixture('snapshots/igb-1nic-noiommu.truth.txt')));
    assert.equal(facts.iommu.enabled, false);
  });
});

describe('readiness', () => {
  test('the igb lab: bond slave, vfio-pci VF, PF without VFs, persistence found', () => {
    const facts = snapshotFacts('igb-3nic');
    const c = codes(facts);
    for (const code of [
      'cpu.virtualization',
      'iommu.enabled',
      'pf.bond-slave',
      'pf.vfs-on-vfio',
      'pf.no-vfs',
      'host.vfs-persistent',
    ]) {
      assert.ok(c.includes(code), `${code} in ${c.join(' ')}`);
    }
    assert.ok(!c.includes('pf.vfs-not-persistent'));
    assert.deepEqual(
      assessReadiness(facts).guestDrivers.map((g) => g.vfDriver),
      facts.pfs.map(() => 'igbvf'),
    );
  });

  test('blog lab hp02: a VF on vfio-pci with a port MAC is in use by a guest (info, no unbind fix)', () => {
    const facts = factsFromSnapshot(
      parseSnapshot(readFileSync(resolve(REPO, 'examples/blog-lab/facts/hp02-qlogic.snapshot'))),
    );
    const vf1 = facts.pfs.find((p) => p.netdev === 'ens2f1')!.vfs.find((v) => v.index === 1)!;
    assert.equal(vf1.driver, 'vfio-pci');
    assert.match(vf1.mac ?? '', /^fa:16:3e:/);
    const v = assessReadiness(facts).verdicts;
    const inGuest = v.find((x) => x.code === 'pf.vfs-in-guest');
    assert.equal(inGuest?.level, 'info');
    assert.equal(inGuest?.fix, null);
    assert.ok(!v.some((x) => x.code === 'pf.vfs-on-vfio'), 'no unbind advice for a guest VF');
  });

  test('blog lab: PFs that neither the agent nor Nova uses get no "has no VFs" warning', () => {
    for (const [file, unused] of [
      ['hp02-qlogic', 'ens2f0'],
      ['hp03-2x520', 'ens1f1'],
    ] as const) {
      const facts = factsFromSnapshot(
        parseSnapshot(readFileSync(resolve(REPO, `examples/blog-lab/facts/${file}.snapshot`))),
      );
      const pf = facts.pfs.find((p) => p.netdev === unused)!;
      assert.equal(pf.numVfs, 0);
      assert.ok((pf.totalVfs ?? 0) > 0);
      assert.ok(!assessReadiness(facts).verdicts.some((x) => x.code === 'pf.no-vfs'), file);
      // The same PF, once the host's agent maps it, is warned about.
      const mapped: HostFacts = {
        ...facts,
        neutronSriovAgent: {
          path: 'sriov_nic_agent.ini',
          sriovNic: { physical_device_mappings: [`"vlan:${unused}"`] },
        },
      };
      const w = assessReadiness(mapped).verdicts.find((x) => x.code === 'pf.no-vfs');
      assert.equal(w?.level, 'warning', file);
      assert.match(w?.fix ?? '', /sriov_numvfs/);
    }
  });

  test('without persistence evidence every PF with VFs is warned about', () => {
    const facts = snapshotFacts('igb-3nic');
    const bare: HostFacts = { ...facts, persistence: { evidence: [], filesSearched: 12 } };
    const warned = assessReadiness(bare).verdicts.filter((v) => v.code === 'pf.vfs-not-persistent');
    assert.equal(warned.length, facts.pfs.filter((p) => (p.numVfs ?? 0) > 0).length);
    assert.match(warned[0]!.fix ?? '', /ATTR\{device\/sriov_numvfs\}=/);
  });

  test('IOMMU verdicts: off, asked for but no hardware, on without passthrough', () => {
    const facts = snapshotFacts('igb-1nic-noiommu');
    const off = assessReadiness(facts).verdicts.find((v) => v.code === 'iommu.disabled');
    assert.equal(off?.level, 'error');
    assert.match(off?.fix ?? '', /iommu=pt/);
    const asked: HostFacts = { ...facts, iommu: { ...facts.iommu, cmdline: ['intel_iommu=on'] } };
    assert.ok(codes(asked).includes('iommu.no-hardware'));
    const intel: HostFacts = { ...facts, cpu: { vendor: 'GenuineIntel', virtualization: 'vmx' } };
    assert.match(
      assessReadiness(intel).verdicts.find((v) => v.code === 'iommu.disabled')?.fix ?? '',
      /intel_iommu=on iommu=pt/,
    );
    const on: HostFacts = {
      ...facts,
      iommu: { enabled: true, units: ['dmar0'], cmdline: ['intel_iommu=on'], groups: 40 },
    };
    assert.ok(codes(on).includes('iommu.no-passthrough'));
  });

  test('no CPU virtualization flag is an error with a BIOS fix', () => {
    const facts = snapshotFacts('igb-1nic-noiommu');
    const v = assessReadiness({
      ...facts,
      cpu: { vendor: 'GenuineIntel', virtualization: null },
    }).verdicts.find((x) => x.code === 'cpu.no-virtualization');
    assert.match(v?.fix ?? '', /BIOS/);
  });

  test('a host with no SR-IOV hardware gets a clean report', () => {
    const facts = snapshotFacts('igb-1nic-noiommu');
    const laptop: HostFacts = { ...facts, pfs: [], otherNics: [] };
    const c = codes(laptop);
    assert.ok(c.includes('host.no-sriov'));
    assert.ok(!c.some((x) => x.startsWith('pf.')));
    const text = renderProbeText(laptop, assessReadiness(laptop));
    assert.match(text, /no SR-IOV capable network device found/);
    assert.doesNotMatch(text, /Physical functions/);
  });
});

describe('facts from pasted outputs (the seed lab)', () => {
  const facts = factsFromPasted({
    lspci: seed('lspci-vvv-bcm57810.txt'),
    ethtool: [seed('ethtool-i-ens2f1-host.txt')],
    ipLink: seed('ip-link-show-ens2f1-direct.txt'),
  });

  test('one PF joined from the three outputs', () => {
    assert.equal(facts.source.kind, 'pasted');
    assert.equal(facts.pfs.length, 1);
    const pf = facts.pfs[0]!;
    assert.equal(pf.pciAddress, '0000:08:00.1');
    assert.equal(pf.netdev, 'ens2f1');
    assert.equal(pf.driver, 'bnx2x');
    assert.equal(pf.firmwareVersion, 'bc 7.14.62');
    assert.equal(pf.vfDeviceId, '16af');
    assert.equal(pf.totalVfs, 64);
    assert.equal(pf.numVfs, 8);
    assert.equal(pf.mtu, 9000);
    assert.deepEqual(pf.master, { kind: 'ovs', name: 'ovs-system' });
    assert.equal(pf.vfs.length, 8);
    assert.equal(pf.vfs[1]!.pciAddress, '0000:08:09.1');
    assert.equal(pf.vfs[1]!.mac, 'fa:16:3e:30:1b:66');
    assert.equal(pf.vfs[1]!.driver, null, 'not in the pasted outputs');
    assert.equal(facts.iommu.enabled, null);
  });

  test('no host verdicts from pasted outputs, and the bnx2x guest driver', () => {
    const r = assessReadiness(facts);
    assert.ok(!r.verdicts.some((v) => v.code.startsWith('iommu') || v.code.startsWith('cpu')));
    assert.ok(r.verdicts.some((v) => v.code === 'pf.shared-with-switch'));
    assert.equal(r.guestDrivers[0]?.vfDriver, 'bnx2x');
  });

  test('lspci alone still locates the VFs', () => {
    const only = factsFromPasted({ lspci: seed('lspci-vvv-bcm57810.txt') });
    assert.deepEqual(
      only.pfs[0]!.vfs.map((v) => v.pciAddress),
      [
        '0000:08:09.0',
        '0000:08:09.1',
        '0000:08:09.2',
        '0000:08:09.3',
        '0000:08:09.4',
        '0000:08:09.5',
        '0000:08:09.6',
        '0000:08:09.7',
      ],
    );
    assert.equal(only.pfs[0]!.vfs[0]!.mac, null);
  });
});

test('guest VF drivers', () => {
  assert.equal(guestVfDriver('ixgbe'), 'ixgbevf');
  assert.equal(guestVfDriver('i40e'), 'iavf');
  assert.equal(guestVfDriver('ice'), 'iavf');
  assert.equal(guestVfDriver('mlx5_core'), 'mlx5_core');
  assert.equal(guestVfDriver('e1000e'), null);
  assert.equal(guestVfDriver(null), null);
});
