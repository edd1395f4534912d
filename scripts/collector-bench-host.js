// A fake compute host for timing the collector (scripts/bench.js, `collector-seconds`): a
// root tree for OSA_SRIOV_ROOT and a bin directory of stand-ins for ip, ethtool and lspci.
//
// What it holds is what makes a real collection slow: 2 PFs with 64 VFs each, every VF with
// a netdev (iavf), so 128 netdevs whose `carrier` (link down) and `phys_port_name` (not
// supported) fail to read — directories here, so that reading them fails as on a host; 200
// other PCI devices and their IOMMU groups; and a full userland's candidate files for VF
// persistence: 90 udev rules, 250 systemd units, scripts and 3 MiB binaries in
// /usr/local/bin, modprobe.d, NetworkManager and netplan files, plus OSA's config files.
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const PFS = 2;
const VFS = 64;

export function collectorBenchHost() {
  const root = mkdtempSync(join(tmpdir(), 'osa-sriov-bench-root-'));
  const bin = mkdtempSync(join(tmpdir(), 'osa-sriov-bench-bin-'));
  const put = (path, content) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const link = (path, target) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    symlinkSync(target, join(root, path));
  };
  const dir = (path) => mkdirSync(join(root, path), { recursive: true });

  put('/proc/sys/kernel/hostname', 'compute-bench\n');
  put('/proc/sys/kernel/osrelease', '5.15.0-91-generic\n');
  put('/proc/cmdline', 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt quiet\n');
  const cpu = [];
  for (let p = 0; p < 64; p++) {
    cpu.push(
      `processor\t: ${p}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid dca sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm abm\n`,
    );
  }
  put('/proc/cpuinfo', cpu.join('\n'));
  dir('/sys/class/iommu/dmar0');
  dir('/sys/class/iommu/dmar1');

  // 200 PCI devices that are not network devices, each with its IOMMU group.
  for (let i = 0; i < 200; i++) {
    const a = `0000:${(0x80 + (i >> 3)).toString(16)}:00.${i & 7}`;
    put(`/sys/bus/pci/devices/${a}/class`, '0x060400\n');
    dir(`/sys/kernel/iommu_groups/${i}`);
  }

  const vfTable = [];
  const vfJson = [];
  for (let p = 0; p < PFS; p++) {
    const bus = (0x3b + p).toString(16);
    const pfAddr = `0000:${bus}:00.0`;
    const pf = `/sys/bus/pci/devices/${pfAddr}`;
    const pfDev = `ens${p + 1}f0`;
    const attrs = {
      class: '0x020000',
      vendor: '0x8086',
      device: '0x1572',
      subsystem_vendor: '0x8086',
      subsystem_device: '0x0001',
      numa_node: `${p}`,
      sriov_totalvfs: '64',
      sriov_numvfs: `${VFS}`,
      sriov_drivers_autoprobe: '1',
      sriov_vf_device: '154c',
      sriov_offset: '16',
      sriov_stride: '1',
    };
    for (const [k, v] of Object.entries(attrs)) put(`${pf}/${k}`, `${v}\n`);
    link(`${pf}/driver`, '../../../bus/pci/drivers/i40e');
    link(`${pf}/iommu_group`, `../../../kernel/iommu_groups/${300 + p}`);
    dir(`${pf}/net/${pfDev}`);
    const N = `/sys/class/net/${pfDev}`;
    put(`${N}/operstate`, 'up\n');
    put(`${N}/carrier`, '1\n');
    put(`${N}/mtu`, '9000\n');
    put(`${N}/address`, `3c:fd:fe:00:0${p}:00\n`);
    dir(`${N}/phys_port_name`);
    put(`${N}/ifindex`, `${10 + p}\n`);
    const vfs = [];
    for (let v = 0; v < VFS; v++) {
      const vfAddr = `0000:${bus}:${(2 + (v >> 3)).toString(16).padStart(2, '0')}.${v & 7}`;
      const V = `/sys/bus/pci/devices/${vfAddr}`;
      const vfDev = `${pfDev}v${v}`;
      link(`${pf}/virtfn${v}`, `../${vfAddr}`);
      put(`${V}/class`, '0x020000\n');
      put(`${V}/vendor`, '0x8086\n');
      put(`${V}/device`, '0x154c\n');
      put(`${V}/subsystem_vendor`, '0x8086\n');
      put(`${V}/subsystem_device`, '0x0000\n');
      put(`${V}/numa_node`, `${p}\n`);
      link(`${V}/driver`, '../../../bus/pci/drivers/iavf');
      link(`${V}/iommu_group`, `../../../kernel/iommu_groups/${400 + p * VFS + v}`);
      link(`${V}/physfn`, `../${pfAddr}`);
      dir(`${V}/net/${vfDev}`);
      const VN = `/sys/class/net/${vfDev}`;
      put(`${VN}/operstate`, 'down\n');
      dir(`${VN}/carrier`);
      put(`${VN}/mtu`, '1500\n');
      put(
        `${VN}/address`,
        `02:00:00:00:${p.toString(16).padStart(2, '0')}:${v.toString(16).padStart(2, '0')}\n`,
      );
      dir(`${VN}/phys_port_name`);
      put(`${VN}/ifindex`, `${100 + p * VFS + v}\n`);
      dir(`/sys/kernel/iommu_groups/${400 + p * VFS + v}`);
      vfs.push(
        `    vf ${v}     link/ether fa:16:3e:00:${p}${v >> 4}:${(v & 15).toString(16)}0 brd ff:ff:ff:ff:ff:ff, vlan ${100 + v}, spoof checking on, link-state auto, trust off`,
      );
      vfJson.push({ vf: v, address: 'fa:16:3e:00:00:01', vlan_list: [{ vlan: 100 + v }], spoofchk: true });
    }
    vfTable.push(
      `${10 + p}: ${pfDev}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc mq state UP mode DEFAULT group default qlen 1000\n    link/ether 3c:fd:fe:00:0${p}:00 brd ff:ff:ff:ff:ff:ff promiscuity 0 parentbus pci parentdev ${pfAddr}\n${vfs.join('\n')}`,
    );
  }

  // A full userland's candidate files for VF persistence; one udev rule that does it.
  for (let i = 0; i < 90; i++) {
    put(
      `/lib/udev/rules.d/${10 + i}-vendor-${i}.rules`,
      `# rules ${i}\n${'SUBSYSTEM=="block", KERNEL=="sd*", ENV{ID_SERIAL}=="?*", SYMLINK+="disk/by-id/$env{ID_BUS}-$env{ID_SERIAL}"\n'.repeat(40)}`,
    );
  }
  put(
    '/etc/udev/rules.d/70-sriov.rules',
    'ACTION=="add", SUBSYSTEM=="net", KERNELS=="0000:3b:00.0", ATTR{device/sriov_numvfs}="64"\nACTION=="add", SUBSYSTEM=="net", KERNELS=="0000:3c:00.0", ATTR{device/sriov_numvfs}="64"\n',
  );
  for (let i = 0; i < 250; i++) {
    put(
      `/lib/systemd/system/unit-${i}.service`,
      `[Unit]\nDescription=Unit ${i}\nAfter=network.target\n\n[Service]\nType=simple\nExecStart=/usr/bin/daemon-${i} --config /etc/daemon-${i}.conf\nRestart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n`,
    );
  }
  for (let i = 0; i < 30; i++) {
    put(`/etc/systemd/system/local-${i}.service`, `[Service]\nExecStart=/usr/local/bin/tool-${i}\n`);
  }
  for (let i = 0; i < 10; i++) put(`/usr/local/bin/tool-${i}`, `#!/bin/sh\nexec /usr/bin/env true "$@"\n`);
  // Binaries: what made a grep per file slow.
  const blob = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 2654435761) >>> 24;
  for (let i = 0; i < 3; i++) put(`/usr/local/bin/binary-${i}`, blob);
  for (let i = 0; i < 12; i++)
    put(`/etc/modprobe.d/m${i}.conf`, `blacklist mod${i}\noptions mod${i} debug=0\n`);
  put(
    '/etc/netplan/50-cloud-init.yaml',
    'network:\n  version: 2\n  ethernets:\n    eno1:\n      dhcp4: true\n',
  );
  put('/etc/rc.local', '#!/bin/sh -e\nexit 0\n');

  // OSA's files, with the secrets a real host has in them.
  const novaLines = [
    '[DEFAULT]',
    'host = compute-bench',
    'transport_url = rabbit://nova:secret@10.0.0.1:5672//',
  ];
  for (let i = 0; i < 150; i++) novaLines.push(`option_${i} = value_${i}`);
  novaLines.push(
    '[database]',
    'connection = mysql+pymysql://nova:secret@10.0.0.2/nova',
    '[pci]',
    'passthrough_whitelist = {"devname": "ens1f0", "physical_network": "physnet1"}',
    'alias = {"name": "vf", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}',
    '[filter_scheduler]',
    'enabled_filters = ComputeFilter,PciPassthroughFilter',
    '[keystone_authtoken]',
    'password = secret',
  );
  put('/etc/nova/nova.conf', `${novaLines.join('\n')}\n`);
  put(
    '/etc/neutron/plugins/ml2/sriov_nic_agent.ini',
    '[agent]\nextensions = qos\n[securitygroup]\nfirewall_driver = neutron.agent.firewall.NoopFirewallDriver\n[sriov_nic]\nphysical_device_mappings = "physnet1:ens1f0,physnet2:ens2f0"\nexclude_devices = ""\n',
  );
  put(
    '/etc/neutron/plugins/ml2/ml2_conf.ini',
    '[ml2]\ntype_drivers = flat,vlan,vxlan\ntenant_network_types = vxlan,vlan\nmechanism_drivers = openvswitch,sriovnicswitch,l2population\n[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:200,physnet2:100:200\n',
  );
  put(
    '/etc/neutron/plugins/ml2/openvswitch_agent.ini',
    '[agent]\nextensions = qos,fdb\n[ovs]\nbridge_mappings = physnet1:br-vlan\n[FDB]\nshared_physical_device_mappings = physnet1:ens1f0\n',
  );
  put(
    '/etc/openstack-release',
    '# Ansible managed\n\nDISTRIB_ID="OSA"\nDISTRIB_RELEASE="29.0.2"\nDISTRIB_CODENAME="Caracal"\nDISTRIB_DESCRIPTION="OpenStack-Ansible"\n',
  );
  for (const v of ['nova', 'neutron', 'utility', 'ceilometer']) dir(`/openstack/venvs/${v}-29.0.2`);

  const script = (name, body) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  writeFileSync(join(bin, 'ip-d-link.txt'), `${vfTable.join('\n')}\n`);
  writeFileSync(
    join(bin, 'ip-j-d-link.json'),
    JSON.stringify([
      { ifindex: 10, ifname: 'ens1f0', vfinfo_list: vfJson.slice(0, VFS) },
      { ifindex: 11, ifname: 'ens2f0', vfinfo_list: vfJson.slice(VFS) },
    ]),
  );
  script(
    'ip',
    `case "$*" in
  *-j*) exec cat "${bin}/ip-j-d-link.json" ;;
  *-o*) echo '1: lo    inet 127.0.0.1/8 scope host lo' ;;
  *route*) echo 'default via 10.0.0.1 dev eno1 proto static' ;;
  *) exec cat "${bin}/ip-d-link.txt" ;;
esac`,
  );
  script(
    'ethtool',
    `printf 'driver: i40e\\nversion: 5.15.0\\nfirmware-version: 8.70\\nbus-info: 0000:3b:00.0\\n'`,
  );
  script(
    'lspci',
    `printf '3b:00.0 Ethernet controller [0200]: Intel Corporation Ethernet Controller X710 [8086:1572]\\n'`,
  );
  return { root, bin, vfs: PFS * VFS };
}
