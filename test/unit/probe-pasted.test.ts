// `probe --lspci/--ethtool/--ip-link`: real-format outputs of X710, ConnectX-5, X520 and
// BCM57810 hosts (test/fixtures/pasted/README.md) joined as a snapshot is, field by field.
// Expected PCI addresses follow the SR-IOV routing-ID rule from each PF's VF offset/stride.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ethtoolArg } from '../../src/cli/probe.js';
import type { HostFacts, Pf } from '../../src/facts/host-facts.js';
import { ethtoolIfaceHint, splitEthtoolOutputs } from '../../src/facts/parse-ethtool.js';
import { parseIpLinkText } from '../../src/facts/parse-ip-link.js';
import { parseLspci } from '../../src/facts/parse-lspci.js';
import {
  PASTE_COMMANDS,
  PastedInputError,
  type PastedResult,
  pastedFacts,
  pathNameAddress,
} from '../../src/facts/pasted.js';
import { assessReadiness } from '../../src/facts/readiness.js';
import { assertUserError, cli } from '../cli-helpers.js';
import { FIXTURES, REPO, seed } from '../helpers.js';

const DIR = join(FIXTURES, 'pasted');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
const file = (name: string) => ({ text: read(name), fileName: name.split('/').pop()! });
const pf = (f: HostFacts, addr: string): Pf => {
  const p = f.pfs.find((x) => x.pciAddress === addr);
  assert.ok(p, `PF ${addr} in ${f.pfs.map((x) => x.pciAddress).join(' ')}`);
  return p;
};
const codes = (f: HostFacts, subject: string) =>
  assessReadiness(f)
    .verdicts.filter((v) => v.subject?.startsWith(subject))
    .map((v) => v.code);
const noteText = (r: PastedResult) => r.notes.map((n) => `${n.message} / ${n.fix}`).join('\n');

describe('parsers', () => {
  test('ip -d link: parentbus/parentdev at the end of the link/ether line and of the openvswitch_slave line', () => {
    const x710 = parseIpLinkText(read('x710/ip-d-link-show.txt'));
    const ens3f0 = x710.find((l) => l.name === 'ens3f0')!;
    assert.equal(ens3f0.parentBus, 'pci');
    assert.equal(ens3f0.parentDev, '0000:3b:00.0');
    assert.equal(ens3f0.mac, '3c:fd:fe:a0:b1:c0');
    assert.deepEqual(ens3f0.altnames, ['enp59s0f0']);
    assert.equal(ens3f0.vfs.length, 4);
    const cx = parseIpLinkText(read('connectx5/ip-d-link-show.txt'));
    const p0 = cx.find((l) => l.name === 'ens2f0np0')!;
    assert.equal(p0.parentDev, '0000:5e:00.0');
    assert.equal(p0.slaveKind, 'openvswitch');
    assert.equal(cx.find((l) => l.name === 'ens2f0v3')!.parentDev, '0000:5e:00.5');
  });

  test('ip -o link: one line per link, "\\" for its line breaks', () => {
    const oneline = read('x710/ip-d-link-show.txt')
      .replace(/\n(?= {4})/g, '\\')
      .replace(/\\\s*$/, '');
    const links = parseIpLinkText(oneline);
    assert.equal(links.find((l) => l.name === 'ens3f0')?.parentDev, '0000:3b:00.0');
    assert.equal(links.find((l) => l.name === 'ens3f0')?.vfs.length, 4);
  });

  test('lspci: the VFs have entries of their own, with their driver', () => {
    const devs = parseLspci(read('x710/lspci-nn-vvv.txt'));
    assert.deepEqual(
      devs.map((d) => [d.pciAddress, d.driverInUse, d.sriov !== null]),
      [
        ['0000:3b:00.0', 'i40e', true],
        ['0000:3b:00.1', 'i40e', true],
        ['0000:3b:02.0', 'vfio-pci', false],
        ['0000:3b:02.1', 'iavf', false],
        ['0000:3b:02.2', 'iavf', false],
        ['0000:3b:02.3', 'vfio-pci', false],
      ],
    );
  });

  test('ethtool: several outputs in one paste, each named by its command line; names from file names', () => {
    const blocks = splitEthtoolOutputs(read('x710/ethtool-loop.txt'));
    assert.deepEqual(
      blocks.map((b) => [b.iface, b.info.busInfo, b.info.driver]),
      [
        ['ens3f0', '0000:3b:00.0', 'i40e'],
        ['ens3f1', '0000:3b:00.1', 'i40e'],
      ],
    );
    assert.equal(ethtoolIfaceHint('x710/ethtool-i-ens3f0.txt'), 'ens3f0');
    assert.equal(ethtoolIfaceHint('ethtool_ens1f1.out'), 'ens1f1');
    assert.equal(ethtoolIfaceHint('port-a.txt'), null);
    assert.deepEqual(splitEthtoolOutputs(read('README.md')), []);
  });

  test('predictable names: en[P<domain>]p<bus>s<slot>[f<function>] in decimal', () => {
    assert.equal(pathNameAddress('enp59s0f0'), '0000:3b:00.0');
    assert.equal(pathNameAddress('enp94s0f1np1'), '0000:5e:00.1');
    assert.equal(pathNameAddress('enP2p1s0'), '0002:01:00.0');
    assert.equal(pathNameAddress('enp4s16f7d1'), '0000:04:10.7');
    for (const n of ['ens3f0', 'eno1', 'enp59s0f0v1', 'enp300s0', 'enp1s32', 'bond1'])
      assert.equal(pathNameAddress(n), null, n);
  });
});

describe('Intel X710 (i40e PF, iavf VFs)', () => {
  const r = pastedFacts({
    lspci: read('x710/lspci-nn-vvv.txt'),
    ethtool: [file('x710/ethtool-i-ens3f0.txt'), file('x710/ethtool-i-ens3f1.txt')],
    ipLink: read('x710/ip-d-link-show.txt'),
  });
  const f = r.facts;

  test('each PF once, every column from the output that has it', () => {
    assert.deepEqual(
      f.pfs.map((p) => p.pciAddress),
      ['0000:3b:00.0', '0000:3b:00.1'],
    );
    const p0 = pf(f, '0000:3b:00.0');
    assert.equal(p0.netdev, 'ens3f0'); // ip -d parentdev
    assert.deepEqual(p0.altnames, ['enp59s0f0']);
    assert.equal(p0.driver, 'i40e'); // lspci
    assert.equal(p0.driverVersion, '5.15.0-91-generic'); // ethtool
    assert.equal(p0.firmwareVersion, '9.20 0x8000d8c5 1.3353.0');
    assert.deepEqual(
      [p0.vendorId, p0.deviceId, p0.subsystemVendorId, p0.subsystemDeviceId, p0.vfDeviceId],
      ['8086', '1572', '8086', '0007', '154c'],
    );
    assert.deepEqual([p0.numVfs, p0.totalVfs, p0.numaNode, p0.iommuGroup], [4, 64, 0, 33]);
    assert.deepEqual([p0.mtu, p0.mac, p0.operState, p0.master], [9000, '3c:fd:fe:a0:b1:c0', 'up', null]);
    const p1 = pf(f, '0000:3b:00.1');
    assert.deepEqual(
      [p1.netdev, p1.numVfs, p1.operState, p1.mtu, p1.vfs.length],
      ['ens3f1', 0, 'down', 1500, 0],
    );
  });

  test('the VFs: address by offset 16/stride 1, driver from their own lspci entry, netdev from their parentdev', () => {
    const vfs = pf(f, '0000:3b:00.0').vfs;
    assert.deepEqual(
      vfs.map((v) => [
        v.index,
        v.pciAddress,
        v.driver,
        v.netdev,
        v.iommuGroup,
        v.mac,
        v.vlan,
        v.trust,
        v.linkState,
      ]),
      [
        [0, '0000:3b:02.0', 'vfio-pci', null, 132, 'fa:16:3e:1c:7a:02', 120, false, 'auto'],
        [1, '0000:3b:02.1', 'iavf', 'ens3f0v1', 133, '00:00:00:00:00:00', 0, false, 'auto'],
        [2, '0000:3b:02.2', 'iavf', 'ens3f0v2', 134, '00:00:00:00:00:00', 0, false, 'auto'],
        [3, '0000:3b:02.3', 'vfio-pci', null, 135, 'fa:16:3e:5b:90:d4', 121, true, 'enable'],
      ],
    );
  });

  test('verdicts: VFs on vfio-pci, the second port without VFs and down; VF netdevs are not PFs', () => {
    assert.deepEqual(codes(f, 'ens3f0'), ['pf.vfs-in-guest']); // both VFs carry a Neutron port MAC (fa:16:3e)
    assert.deepEqual(codes(f, 'ens3f1'), ['pf.no-vfs', 'pf.link-down']);
    assert.equal(f.otherNics.length, 0);
    assert.equal(assessReadiness(f).guestDrivers[0]?.vfDriver, 'iavf');
  });

  test('the result says which host checks pasted outputs cannot support', () => {
    assert.match(
      noteText(r),
      /not checked from pasted outputs: CPU virtualization, the IOMMU.*VF persistence/,
    );
    assert.doesNotMatch(noteText(r), /cannot tell|without -nn/);
  });

  test('plain ip link show: joined by the ethtool file names, or by the altname without them', () => {
    const byFiles = pastedFacts({
      lspci: read('x710/lspci-nn-vvv.txt'),
      ethtool: [file('x710/ethtool-i-ens3f0.txt'), file('x710/ethtool-i-ens3f1.txt')],
      ipLink: read('x710/ip-link-show.txt'),
    });
    const byAltname = pastedFacts({
      lspci: read('x710/lspci-nn-vvv.txt'),
      ipLink: read('x710/ip-link-show.txt'),
    });
    for (const g of [byFiles, byAltname]) {
      assert.deepEqual(
        g.facts.pfs.map((p) => [p.pciAddress, p.netdev, p.vfs.length]),
        [
          ['0000:3b:00.0', 'ens3f0', 4],
          ['0000:3b:00.1', 'ens3f1', 0],
        ],
      );
      assert.equal(pf(g.facts, '0000:3b:00.0').vfs[3]!.vlan, 121);
      // No parentdev for the VF netdevs either, but their altnames (enp59s2f1) place them.
      assert.equal(pf(g.facts, '0000:3b:00.0').vfs[1]!.netdev, 'ens3f0v1');
    }
    assert.match(
      noteText(byAltname),
      /predictable interface names: ens3f0 → 0000:3b:00.0 \(from enp59s0f0\)/,
    );
  });

  test('one file with a loop of ethtool -i outputs', () => {
    const g = pastedFacts({
      lspci: read('x710/lspci-nn-vvv.txt'),
      ethtool: [file('x710/ethtool-loop.txt')],
      ipLink: read('x710/ip-d-link-show.txt'),
    });
    assert.deepEqual(
      g.facts.pfs.map((p) => [p.netdev, p.firmwareVersion]),
      [
        ['ens3f0', '9.20 0x8000d8c5 1.3353.0'],
        ['ens3f1', '9.20 0x8000d8c5 1.3353.0'],
      ],
    );
  });

  test('lspci without -nn: ids unknown, and the result asks for lspci -nn -vvv', () => {
    const g = pastedFacts({
      lspci: read('x710/lspci-vvv-no-nn.txt'),
      ipLink: read('x710/ip-d-link-show.txt'),
    });
    const p0 = pf(g.facts, '0000:3b:00.0');
    assert.deepEqual([p0.vendorId, p0.deviceId, p0.vfDeviceId], [null, null, '154c']);
    assert.equal(p0.vfs[0]!.driver, 'vfio-pci');
    assert.match(noteText(g), /vendor:device ids are unknown.*without -nn.*sudo lspci -nn -vvv/s);
  });

  test('lspci without root: the capabilities are hidden, and the result says so', () => {
    const denied = read('x710/lspci-nn-vvv.txt').replace(
      /\tCapabilities: .*\n(\t\t.*\n)*/g,
      '\tCapabilities: <access denied>\n',
    );
    const g = pastedFacts({ lspci: denied, ipLink: read('x710/ip-d-link-show.txt') });
    assert.match(noteText(g), /without root.*<access denied>/);
    // The VF tables still show the PF with VFs; the port without VFs cannot be told from any NIC.
    assert.deepEqual(
      g.facts.pfs.map((p) => [p.pciAddress, p.netdev]),
      [['0000:3b:00.0', 'ens3f0']],
    );
  });
});

describe('Mellanox ConnectX-5 (mlx5_core)', () => {
  const f = pastedFacts({
    lspci: read('connectx5/lspci-nn-vvv.txt'),
    ethtool: [file('connectx5/ethtool-i-ens2f0np0.txt'), file('connectx5/ethtool-i-ens2f1np1.txt')],
    ipLink: read('connectx5/ip-d-link-show.txt'),
  }).facts;

  test('PFs joined by the parentdev after openvswitch_slave, VFs at offset 2/stride 1', () => {
    assert.deepEqual(
      f.pfs.map((p) => p.pciAddress),
      ['0000:5e:00.0', '0000:5e:00.1'],
    );
    const p0 = pf(f, '0000:5e:00.0');
    assert.deepEqual(
      [
        p0.netdev,
        p0.driver,
        p0.firmwareVersion,
        p0.vendorId,
        p0.deviceId,
        p0.vfDeviceId,
        p0.numVfs,
        p0.totalVfs,
        p0.numaNode,
      ],
      ['ens2f0np0', 'mlx5_core', '16.35.2000 (MT_0000000080)', '15b3', '1017', '1018', 4, 8, 1],
    );
    assert.deepEqual(p0.master, { kind: 'ovs', name: 'ovs-system' });
    assert.deepEqual(
      p0.vfs.map((v) => [v.pciAddress, v.driver, v.netdev, v.vlan, v.spoofCheck]),
      [
        ['0000:5e:00.2', 'mlx5_core', 'ens2f0v0', 300, true],
        ['0000:5e:00.3', 'mlx5_core', 'ens2f0v1', 0, false],
        ['0000:5e:00.4', 'mlx5_core', 'ens2f0v2', 0, false],
        ['0000:5e:00.5', 'mlx5_core', 'ens2f0v3', 0, false],
      ],
    );
    assert.deepEqual([pf(f, '0000:5e:00.1').netdev, pf(f, '0000:5e:00.1').numVfs], ['ens2f1np1', 0]);
    assert.equal(f.otherNics.length, 0);
  });

  test('switchdev: a representor with the PF as its parentdev does not take the PF', () => {
    const rep =
      '3: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master ovs-system state UP mode DEFAULT group default qlen 1000\n' +
      '    link/ether 6a:81:7c:2b:11:02 brd ff:ff:ff:ff:ff:ff promiscuity 1 minmtu 68 maxmtu 9978 \n' +
      '    openvswitch_slave addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 portname pf0vf0 switchid 30124af6ceb8 parentbus pci parentdev 0000:5e:00.0 \n';
    const g = pastedFacts({
      lspci: read('connectx5/lspci-nn-vvv.txt'),
      ipLink: rep + read('connectx5/ip-d-link-show.txt'),
    }).facts;
    assert.equal(pf(g, '0000:5e:00.0').netdev, 'ens2f0np0');
    assert.equal(pf(g, '0000:5e:00.0').vfs.length, 4);
  });

  test('verdicts: shared with OVS; the second port without VFs', () => {
    assert.deepEqual(codes(f, 'ens2f0np0'), ['pf.shared-with-switch']);
    assert.deepEqual(codes(f, 'ens2f1np1'), ['pf.no-vfs']);
  });
});

describe('Intel X520 (ixgbe) in a bond, plain ip link show', () => {
  const lspci = read('ixgbe/lspci-nn-vvv.txt');
  const ipLink = read('ixgbe/ip-link-show.txt');

  test('--ethtool IFACE=FILE joins them; SLAVE … master bond1 is a bond member', () => {
    const f = pastedFacts({
      lspci,
      ipLink,
      ethtool: [
        { ...file('ixgbe/port-a.txt'), iface: 'ens1f0' },
        { ...file('ixgbe/port-b.txt'), iface: 'ens1f1' },
      ],
    }).facts;
    assert.deepEqual(
      f.pfs.map((p) => [p.pciAddress, p.netdev, p.driverVersion, p.master?.kind, p.master?.name]),
      [
        ['0000:04:00.0', 'ens1f0', '4.2.1-k', 'bond', 'bond1'],
        ['0000:04:00.1', 'ens1f1', '4.2.1-k', 'bond', 'bond1'],
      ],
    );
    // 82599: VF offset 128, stride 2, so the two PFs' VFs interleave.
    assert.deepEqual(
      pf(f, '0000:04:00.0').vfs.map((v) => [v.pciAddress, v.driver, v.mac, v.vlan]),
      [
        ['0000:04:10.0', 'ixgbevf', '00:00:00:00:00:00', 0],
        ['0000:04:10.2', 'ixgbevf', 'fa:16:3e:6d:2f:81', 210],
        ['0000:04:10.4', 'ixgbevf', '00:00:00:00:00:00', 0],
        ['0000:04:10.6', 'ixgbevf', '00:00:00:00:00:00', 0],
      ],
    );
    assert.deepEqual(
      pf(f, '0000:04:00.1').vfs.map((v) => [v.pciAddress, v.vlan]),
      [
        ['0000:04:10.1', 0],
        ['0000:04:10.3', 0],
        ['0000:04:10.5', 211],
        ['0000:04:10.7', 0],
      ],
    );
    assert.deepEqual(codes(f, 'ens1f0'), ['pf.bond-slave']);
    assert.deepEqual(codes(f, 'ens1f1'), ['pf.bond-slave']);
    assert.equal(pf(f, '0000:04:00.0').iommuGroup, null, 'pciutils 3.3 prints no IOMMU group');
  });

  test('no join possible: each PF once, and the outputs that would join them are named', () => {
    for (const ethtool of [[], [file('ixgbe/port-a.txt'), file('ixgbe/port-b.txt')]]) {
      const r = pastedFacts({ lspci, ipLink, ethtool });
      assert.deepEqual(
        r.facts.pfs.map((p) => [p.pciAddress, p.netdev]),
        [
          ['0000:04:00.0', null],
          ['0000:04:00.1', null],
        ],
      );
      assert.match(noteText(r), /cannot tell which PCI device ens1f0, ens1f1 are/);
      assert.match(
        noteText(r),
        /`ip -d link show`.*`ethtool -i` of each of ens1f0, ens1f1 \(`--ethtool ens1f0=FILE`/,
      );
      // Both links with VFs are in bond1 and both PFs have VFs: the bond verdict still applies.
      assert.deepEqual(
        assessReadiness(r.facts).verdicts.map((v) => v.code),
        ['pf.bond-slave', 'pf.bond-slave'],
      );
    }
  });
});

describe('Broadcom BCM57810 (bnx2x, the seed lab) and a tg3 seen only in ethtool -i', () => {
  const r = pastedFacts({
    lspci: seed('lspci-vvv-bcm57810.txt'),
    ethtool: [
      { text: seed('ethtool-i-ens2f1-host.txt'), fileName: 'ethtool-i-ens2f1-host.txt' },
      file('bnx2x/ethtool-i-eno1.txt'),
      { text: seed('ethtool-i-ens3-guest-macvtap.txt'), fileName: 'ethtool-i-ens3-guest-macvtap.txt' },
    ],
    ipLink: seed('ip-link-show-ens2f1-direct.txt'),
  });
  const f = r.facts;

  test('the bnx2x PF, named by the ethtool file name "ethtool-i-ens2f1-host.txt"', () => {
    assert.deepEqual(
      f.pfs.map((p) => [
        p.pciAddress,
        p.netdev,
        p.driver,
        p.firmwareVersion,
        p.vfDeviceId,
        p.numVfs,
        p.totalVfs,
      ]),
      [['0000:08:00.1', 'ens2f1', 'bnx2x', 'bc 7.14.62', '16af', 8, 64]],
    );
    assert.deepEqual(pf(f, '0000:08:00.1').master, { kind: 'ovs', name: 'ovs-system' });
    assert.equal(pf(f, '0000:08:00.1').vfs[1]!.pciAddress, '0000:08:09.1');
    assert.equal(pf(f, '0000:08:00.1').vfs[1]!.driver, null, 'the lspci paste has no VF entries');
    assert.match(noteText(r), /no entry for VFs 0000:08:09\.0, .*driver \(e\.g\. vfio-pci\) is unknown/);
    assert.match(noteText(r), /without -nn/);
  });

  test('tg3 and virtio_net are not SR-IOV PFs', () => {
    assert.deepEqual(
      f.otherNics.map((n) => [n.pciAddress, n.driver, n.netdevs]),
      [
        ['0000:02:00.0', 'tg3', ['eno1']],
        ['0000:00:03.0', 'virtio_net', []],
      ],
    );
    const alone = pastedFacts({ ethtool: [file('bnx2x/ethtool-i-eno1.txt')] });
    assert.deepEqual(alone.facts.pfs, []);
    assert.deepEqual(
      assessReadiness(alone.facts).verdicts.map((v) => v.code),
      ['host.no-sriov'],
    );
  });
});

describe('input that is not what the flag expects', () => {
  const refused = (input: Parameters<typeof pastedFacts>[0], which: string, why: RegExp) =>
    assert.throws(
      () => pastedFacts(input),
      (e: unknown) =>
        e instanceof PastedInputError && e.input === which && why.test(e.message) && /paste /.test(e.hint),
    );
  test('ip -j JSON, an empty file, a README', () => {
    refused({ ipLink: read('x710/ip-j-link.json') }, 'ipLink', /JSON \(`ip -j link`\)/);
    refused({ ipLink: '' }, 'ipLink', /empty/);
    refused({ ipLink: read('README.md') }, 'ipLink', /no `ip link show` output/);
    refused({ lspci: read('README.md') }, 'lspci', /no lspci output/);
    refused({ lspci: ' \n' }, 'lspci', /empty/);
    refused(
      { ethtool: [read('x710/ethtool-i-ens3f0.txt'), read('README.md')] },
      'ethtool',
      /no `ethtool -i` output/,
    );
  });

  test('lspci without -vvv', () => {
    const plain = read('x710/lspci-nn-vvv.txt')
      .split('\n')
      .filter((l) => !l.startsWith('\t'))
      .join('\n');
    refused({ lspci: plain }, 'lspci', /without -vvv/);
  });

  test('an interface said by IFACE= that the ip link output does not have', () => {
    const r = pastedFacts({
      ipLink: read('x710/ip-d-link-show.txt'),
      ethtool: [{ ...file('x710/ethtool-i-ens3f0.txt'), iface: 'ens9f0' }],
    });
    assert.match(noteText(r), /said to be of ens9f0, but the ip link output has no ens9f0/);
    // bus-info still places the output: the same PF as ens3f0's parentdev.
    assert.equal(pf(r.facts, '0000:3b:00.0').firmwareVersion, '9.20 0x8000d8c5 1.3353.0');
  });

  test('CLI: exit 2 with the flag, the file and the command to paste', () => {
    assertUserError(
      cli(
        'probe',
        '--lspci',
        join(DIR, 'x710/lspci-nn-vvv.txt'),
        '--ip-link',
        join(DIR, 'x710/ip-j-link.json'),
      ),
      /ip-j-link\.json: --ip-link: this is JSON[\s\S]*fix: paste the text output of `ip -d link show`/,
    );
    assertUserError(
      cli('probe', '--ethtool', `ens3f0=${join(DIR, 'README.md')}`),
      /README\.md: --ethtool: no `ethtool -i` output found[\s\S]*fix: paste the output of `ethtool -i IFACE`/,
    );
  });
});

describe('probe CLI with pasted outputs', () => {
  test('--ethtool IFACE=FILE', () => {
    assert.deepEqual(ethtoolArg('ens1f0=/tmp/port-a.txt'), { iface: 'ens1f0', path: '/tmp/port-a.txt' });
    assert.deepEqual(ethtoolArg('/tmp/a=b.txt'), { iface: null, path: '/tmp/a=b.txt' });
    assert.deepEqual(ethtoolArg('port-a.txt'), { iface: null, path: 'port-a.txt' });
    const r = cli(
      'probe',
      '--lspci',
      join(DIR, 'ixgbe/lspci-nn-vvv.txt'),
      '--ip-link',
      join(DIR, 'ixgbe/ip-link-show.txt'),
      '--ethtool',
      `ens1f0=${join(DIR, 'ixgbe/port-a.txt')}`,
      '--ethtool',
      `ens1f1=${join(DIR, 'ixgbe/port-b.txt')}`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\[warn\]\s+ens1f0 \(0000:04:00\.0\) is a slave of bond bond1/);
    assert.match(r.stdout, /^About the pasted outputs$/m);
    assert.match(r.stdout, /not checked from pasted outputs: CPU virtualization/);
  });

  test('--json: HostFacts on stdout, the warnings about the paste on stderr', () => {
    const r = cli(
      'probe',
      '--json',
      '--lspci',
      join(DIR, 'ixgbe/lspci-nn-vvv.txt'),
      '--ip-link',
      join(DIR, 'ixgbe/ip-link-show.txt'),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).pfs.length, 2);
    assert.match(r.stderr, /^osa-sriov: warning: cannot tell which PCI device ens1f0, ens1f1 are/m);
  });

  test('docs/probe.md lists the exact commands to paste', () => {
    const doc = readFileSync(join(REPO, 'docs/probe.md'), 'utf8');
    for (const c of Object.values(PASTE_COMMANDS)) assert.ok(doc.includes(c), c);
  });
});
