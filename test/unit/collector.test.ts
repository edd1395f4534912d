// The collector script on a fake host tree (OSA_SRIOV_ROOT) with fake ip/ethtool/lspci,
// under dash, bash and busybox ash: encoding, filtering of config files, time limits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { factsFromSnapshot } from '../../src/facts/build.js';
import { collectorPath } from '../../src/facts/run-collector.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';

const MARKER_TEXT = 'end\nx 00\nosa-sriov-snapshot 1\nm /sys\n';
const BINARY = Buffer.from([0x70, 0x30, 0x00, 0x01, 0xff, 0x0a, 0x65, 0x6e, 0x64]); // no trailing newline

function put(root: string, path: string, content: string | Buffer) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
function link(root: string, path: string, target: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  symlinkSync(target, join(root, path));
}
function dir(root: string, path: string) {
  mkdirSync(join(root, path), { recursive: true });
}

/** A compute host: one ixgbe PF (2 VFs, one on vfio-pci) in a bond, one plain NIC. */
function fakeHost(): { root: string; bin: string } {
  const root = mkdtempSync(join(tmpdir(), 'osa-sriov-root-'));
  const bin = mkdtempSync(join(tmpdir(), 'osa-sriov-bin-'));
  put(root, '/proc/sys/kernel/hostname', 'compute-7\n');
  put(root, '/proc/sys/kernel/osrelease', '5.15.0-91-generic\n');
  put(root, '/proc/cmdline', 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt quiet\n');
  put(
    root,
    '/proc/cpuinfo',
    'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse msr vmx smx est\n\nprocessor\t: 1\n',
  );
  dir(root, '/sys/class/iommu/dmar0');
  dir(root, '/sys/class/iommu/dmar1');
  for (let g = 0; g < 5; g++) dir(root, `/sys/kernel/iommu_groups/${g}`);

  const pf = '/sys/bus/pci/devices/0000:3b:00.0';
  const attrs: Record<string, string> = {
    class: '0x020000',
    vendor: '0x8086',
    device: '0x10fb',
    subsystem_vendor: '0x8086',
    subsystem_device: '0x000c',
    numa_node: '0',
    sriov_totalvfs: '63',
    sriov_numvfs: '2',
    sriov_drivers_autoprobe: '1',
    sriov_vf_device: '10ed',
  };
  for (const [k, v] of Object.entries(attrs)) put(root, `${pf}/${k}`, `${v}\n`);
  link(root, `${pf}/driver`, '../../../bus/pci/drivers/ixgbe');
  link(root, `${pf}/iommu_group`, '../../../kernel/iommu_groups/3');
  link(root, `${pf}/virtfn0`, '../0000:3b:10.0');
  link(root, `${pf}/virtfn1`, '../0000:3b:10.2');
  dir(root, `${pf}/net/ens1f0`);
  for (const [vf, drv, netdev, group] of [
    ['0000:3b:10.0', 'ixgbevf', 'ens1f0v0', '4'],
    ['0000:3b:10.2', 'vfio-pci', null, '5'],
  ] as const) {
    const p = `/sys/bus/pci/devices/${vf}`;
    put(root, `${p}/class`, '0x020000\n');
    put(root, `${p}/vendor`, '0x8086\n');
    put(root, `${p}/device`, '0x10ed\n');
    link(root, `${p}/driver`, `../../../bus/pci/drivers/${drv}`);
    link(root, `${p}/iommu_group`, `../../../kernel/iommu_groups/${group}`);
    link(root, `${p}/physfn`, '../0000:3b:00.0');
    if (netdev) dir(root, `${p}/net/${netdev}`);
  }
  const nic = '/sys/bus/pci/devices/0000:00:1f.6';
  put(root, `${nic}/class`, '0x020000\n');
  put(root, `${nic}/vendor`, '0x8086\n');
  put(root, `${nic}/device`, '0x15bb\n');
  link(root, `${nic}/driver`, '../../../bus/pci/drivers/e1000e');
  dir(root, `${nic}/net/eno1`);
  put(root, '/sys/bus/pci/devices/0000:00:00.0/class', '0x060000\n');

  put(root, '/sys/class/net/ens1f0/operstate', 'up\n');
  put(root, '/sys/class/net/ens1f0/carrier', '1\n');
  put(root, '/sys/class/net/ens1f0/mtu', '9000\n');
  put(root, '/sys/class/net/ens1f0/address', '90:e2:ba:00:00:01\n');
  put(root, '/sys/class/net/ens1f0/phys_port_name', BINARY);
  link(root, '/sys/class/net/ens1f0/master', '../bond0');
  link(root, '/sys/class/net/ens1f0/upper_bond0', '../bond0');
  dir(root, '/sys/class/net/bond0/bonding');
  put(root, '/sys/class/net/ens1f0v0/operstate', 'down\n');
  put(root, '/sys/class/net/ens1f0v0/address', 'de:ad:be:ef:00:01\n');
  link(root, '/sys/class/net/ens1f0v0/upper_macvtap0', '../macvtap0');
  put(root, '/sys/class/net/eno1/operstate', 'up\n');
  put(root, '/sys/class/net/eno1/phys_port_name', MARKER_TEXT);

  put(
    root,
    '/etc/nova/nova.conf',
    [
      '[DEFAULT]',
      'host = compute-7',
      'transport_url = rabbit://nova:SECRET-RABBIT@10.0.0.1:5672//',
      '[database]',
      'connection = mysql+pymysql://nova:SECRET-DB@10.0.0.2/nova',
      '[pci]',
      'device_spec = {"devname": "ens1f0", "physical_network": "vlan"}',
      'device_spec = {"vendor_id": "8086", "product_id": "10ed",',
      '  "physical_network": "vlan"}',
      'alias = {"name": "x520", "vendor_id": "8086", "product_id": "10ed", "device_type": "type-VF"}',
      '[Filter_Scheduler]',
      'enabled_filters = ComputeFilter,PciPassthroughFilter',
      '[keystone_authtoken]',
      'password = SECRET-KEYSTONE',
      '',
    ].join('\n'),
  );
  put(
    root,
    '/etc/neutron/plugins/ml2/sriov_nic_agent.ini',
    '[DEFAULT]\ntransport_url = rabbit://n:SECRET-AGENT@h//\n[sriov_nic]\nphysical_device_mappings = vlan:ens1f0\nexclude_devices =\n[agent]\nextensions = qos\n',
  );
  put(
    root,
    '/etc/udev/rules.d/70 sriov vfs.rules',
    '# VFs\nACTION=="add", KERNEL=="ens1f0", ATTR{device/sriov_numvfs}="2"\n',
  );
  put(root, '/etc/udev/rules.d/99-other.rules', 'SUBSYSTEM=="block", RUN+="/bin/true"\n');
  put(root, '/etc/modprobe.d/ixgbe.conf', 'options ixgbe max_vfs=8\n');
  put(
    root,
    '/etc/NetworkManager/system-connections/wifi.nmconnection',
    '[wifi-security]\npsk=SECRET-WIFI\n[sriov]\ntotal-vfs=4\n',
  );

  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script(
    'ip',
    `case "$*" in
  *-j*) printf '[{"ifindex":4,"ifname":"ens1f0","mtu":9000,"master":"bond0","operstate":"UP","address":"90:e2:ba:00:00:01","vfinfo_list":[{"vf":0,"address":"fa:16:3e:00:00:01","vlan_list":[{"vlan":101}],"rate":{"max_tx":0,"min_tx":0},"spoofchk":true,"link_state":"auto","trust":false},{"vf":1,"address":"00:00:00:00:00:00","vlan_list":[{}],"rate":{"max_tx":0,"min_tx":0},"spoofchk":true,"link_state":"enable","trust":true}]}]' ;;
  *) printf '4: ens1f0: <BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP> mtu 9000 qdisc mq master bond0 state UP\\n    link/ether 90:e2:ba:00:00:01 brd ff:ff:ff:ff:ff:ff\\nend\\n\\001\\000' ;;
esac`,
  );
  script(
    'ethtool',
    `printf 'driver: ixgbe\\nversion: 5.15.0\\nfirmware-version: 0x800003df\\nbus-info: 0000:3b:00.0'`,
  );
  script('lspci', 'sleep 600; echo late');
  return { root, bin };
}

function run(shell: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(shell[0]!, [...shell.slice(1), collectorPath()], {
    env,
    encoding: 'buffer',
    // A hang is still caught; a run on a loaded machine (30 s at load 10) is not cut short.
    timeout: 400_000,
  });
}

const shells: Array<[string, string[]]> = [
  ['dash', ['dash']],
  ['bash', ['bash']],
  ['busybox ash', ['busybox', 'sh']],
];
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

for (const [label, shell] of shells) {
  const missing = !have(shell[0]!);
  if (missing && process.env.CI) throw new Error(`CI must have ${shell[0]} for the collector tests`);
  describe(`collect.sh under ${label}`, {
    skip: missing ? `${shell[0]} is not installed (apt-get install ${shell[0]})` : false,
  }, () => {
    const { root, bin } = fakeHost();
    const started = Date.now();
    const r = run(shell, {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      OSA_SRIOV_ROOT: root,
      // Tight enough that lspci's 600 s is cut, loose enough that a loaded CI machine (the
      // test runner beside the VM and the live stack) starts the quick stubs (ip, ethtool,
      // awk) within it: at 1 s and 3 s they timed out under load.
      OSA_SRIOV_TIMEOUT: '8',
    });
    const elapsed = Date.now() - started;
    const raw = r.stdout.toString('latin1');

    test('exits 0 and prints a complete snapshot', () => {
      assert.equal(r.status, 0, r.stderr.toString());
      assert.ok(raw.startsWith('osa-sriov-snapshot 1\n'));
      assert.ok(raw.endsWith('\nend\n'));
    });

    test('file and command contents survive byte for byte: binary, no newline, the marker text', () => {
      const snap = parseSnapshot(r.stdout);
      const ppn = snap.records.get('/sys/class/net/ens1f0/phys_port_name');
      assert.ok(ppn && ppn.kind === 'blob');
      assert.deepEqual(ppn.bytes, BINARY);
      assert.equal(snap.text('/sys/class/net/eno1/phys_port_name'), MARKER_TEXT);
      const ipText = snap.records.get('cmd.ip-d-link');
      assert.ok(ipText && ipText.kind === 'blob');
      assert.ok(ipText.bytes.subarray(-3).equals(Buffer.from([0x0a, 0x01, 0x00])));
      assert.equal(snap.text('cmd.ethtool-i.ens1f0')?.endsWith('bus-info: 0000:3b:00.0'), true);
    });

    test('a command that outlives its time limit is recorded as a timeout, and the run goes on', () => {
      const snap = parseSnapshot(r.stdout);
      assert.equal(snap.status('cmd.lspci-vvv-nn.0000:3b:00.0'), 'timeout');
      // lspci would take 600 s: the run ends long before, whatever the load of the machine.
      assert.ok(elapsed < 300_000, `took ${elapsed} ms`);
    });

    test('config files: only the SR-IOV sections and persistence lines, never secrets', () => {
      const decoded = [...parseSnapshot(r.stdout).records.values()]
        .map((rec) =>
          rec.kind === 'value' ? rec.text : rec.kind === 'blob' ? rec.bytes.toString('latin1') : '',
        )
        .join('\n');
      assert.doesNotMatch(decoded, /SECRET/);
      assert.doesNotMatch(raw, /SECRET/);
    });

    test('facts from the fake host', () => {
      const facts = factsFromSnapshot(parseSnapshot(r.stdout));
      assert.equal(facts.hostname, 'compute-7');
      assert.equal(facts.kernel.release, '5.15.0-91-generic');
      assert.deepEqual(facts.cpu, { vendor: 'GenuineIntel', virtualization: 'vmx' });
      assert.deepEqual(facts.iommu, {
        enabled: true,
        units: ['dmar0', 'dmar1'],
        cmdline: ['intel_iommu=on', 'iommu=pt'],
        groups: 5,
      });
      assert.equal(facts.pfs.length, 1);
      const pf = facts.pfs[0]!;
      assert.equal(pf.netdev, 'ens1f0');
      assert.equal(pf.pciAddress, '0000:3b:00.0');
      assert.equal(pf.driver, 'ixgbe');
      assert.equal(pf.vendorId, '8086');
      assert.equal(pf.deviceId, '10fb');
      assert.equal(pf.vfDeviceId, '10ed');
      assert.equal(pf.totalVfs, 63);
      assert.equal(pf.numVfs, 2);
      assert.equal(pf.numaNode, 0);
      assert.equal(pf.iommuGroup, 3);
      assert.equal(pf.mtu, 9000);
      assert.equal(pf.carrier, true);
      assert.equal(pf.physPortName, null, 'a binary phys_port_name is not a name');
      assert.deepEqual(pf.master, { kind: 'bond', name: 'bond0' });
      assert.equal(pf.firmwareVersion, '0x800003df');
      assert.equal(pf.sriovCapability, null, 'lspci timed out');
      assert.deepEqual(
        pf.vfs.map((v) => [
          v.index,
          v.pciAddress,
          v.driver,
          v.netdev,
          v.iommuGroup,
          v.mac,
          v.vlan,
          v.trust,
          v.linkState,
          v.uppers,
        ]),
        [
          [
            0,
            '0000:3b:10.0',
            'ixgbevf',
            'ens1f0v0',
            4,
            'fa:16:3e:00:00:01',
            101,
            false,
            'auto',
            ['macvtap0'],
          ],
          [1, '0000:3b:10.2', 'vfio-pci', null, 5, '00:00:00:00:00:00', 0, true, 'enable', []],
        ],
      );
      assert.deepEqual(
        facts.otherNics.map((n) => [n.pciAddress, n.driver, n.netdevs]),
        [['0000:00:1f.6', 'e1000e', ['eno1']]],
      );
      assert.deepEqual(
        facts.persistence?.evidence.map((e) => [e.kind, e.file, e.line, e.text]),
        [
          [
            'udev',
            '/etc/udev/rules.d/70 sriov vfs.rules',
            2,
            'ACTION=="add", KERNEL=="ens1f0", ATTR{device/sriov_numvfs}="2"',
          ],
          ['networkmanager', '/etc/NetworkManager/system-connections/wifi.nmconnection', 3, '[sriov]'],
          ['networkmanager', '/etc/NetworkManager/system-connections/wifi.nmconnection', 4, 'total-vfs=4'],
          ['modprobe', '/etc/modprobe.d/ixgbe.conf', 1, 'options ixgbe max_vfs=8'],
        ],
      );
      assert.deepEqual(facts.nova, {
        path: '/etc/nova/nova.conf',
        host: 'compute-7',
        pci: {
          device_spec: [
            '{"devname": "ens1f0", "physical_network": "vlan"}',
            '{"vendor_id": "8086", "product_id": "10ed",\n"physical_network": "vlan"}',
          ],
          alias: ['{"name": "x520", "vendor_id": "8086", "product_id": "10ed", "device_type": "type-VF"}'],
        },
        filterScheduler: { enabled_filters: ['ComputeFilter,PciPassthroughFilter'] },
      });
      assert.deepEqual(facts.neutronSriovAgent, {
        path: '/etc/neutron/plugins/ml2/sriov_nic_agent.ini',
        sriovNic: { physical_device_mappings: ['vlan:ens1f0'], exclude_devices: [''] },
      });
    });
  });
}
