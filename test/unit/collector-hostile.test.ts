// The collector on hostile hosts, under dash, bash and busybox ash (issue 13 §4, §5):
// - passwords and CHAP secrets in nova.conf, the Neutron files, the kernel command line,
//   NetworkManager, netplan, modprobe, udev, systemd and rc.local never reach the snapshot:
//   only allow-listed options, parameters and parts of lines do; sections are recognised as
//   oslo.config recognises them ([PCI] is [pci], [ pci ] is not, a lone \r ends a line);
// - an attribute that blocks in open() (a FIFO here) is recorded as a timeout and the run
//   goes on;
// - the OSA release file, the venvs and the Neutron settings become HostFacts.osa/.neutron.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { factsFromSnapshot } from '../../src/facts/build.js';
import { HostFactsSchema } from '../../src/facts/host-facts.js';
import { collectorPath } from '../../src/facts/run-collector.js';
import { parseSnapshot, type Snapshot } from '../../src/facts/snapshot.js';

function tree() {
  const root = mkdtempSync(join(tmpdir(), 'osa-sriov-hostile-'));
  const bin = mkdtempSync(join(tmpdir(), 'osa-sriov-hostile-bin-'));
  const put = (path: string, content: string | Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const link = (path: string, target: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    symlinkSync(target, join(root, path));
  };
  const fifo = (path: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    assert.equal(spawnSync('mkfifo', [join(root, path)]).status, 0);
  };
  return { root, bin, put, link, fifo };
}

/** One ixgbe PF with one VF, so that there are sysfs attributes, links and a netdev. */
function sysfs(t: ReturnType<typeof tree>) {
  t.put('/proc/sys/kernel/hostname', 'compute-9\n');
  t.put('/proc/sys/kernel/osrelease', '5.15.0-91-generic\n');
  const pf = '/sys/bus/pci/devices/0000:3b:00.0';
  for (const [k, v] of Object.entries({
    class: '0x020000',
    vendor: '0x8086',
    device: '0x10fb',
    sriov_totalvfs: '63',
    sriov_numvfs: '1',
  }))
    t.put(`${pf}/${k}`, `${v}\n`);
  t.link(`${pf}/driver`, '../../../bus/pci/drivers/ixgbe');
  t.link(`${pf}/virtfn0`, '../0000:3b:10.0');
  mkdirSync(join(t.root, pf, 'net/ens1f0'), { recursive: true });
  const vf = '/sys/bus/pci/devices/0000:3b:10.0';
  t.put(`${vf}/class`, '0x020000\n');
  t.link(`${vf}/driver`, '../../../bus/pci/drivers/ixgbevf');
  t.link(`${vf}/physfn`, '../0000:3b:00.0');
  t.put('/sys/class/net/ens1f0/mtu', '9000\n');
}

/** A host whose files hold secrets everywhere the collector looks. */
function secretHost() {
  const t = tree();
  sysfs(t);
  t.put(
    '/proc/cmdline',
    'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro ISCSI_INITIATOR=iqn.2019-04.lab:c9 ISCSI_TARGET_NAME=iqn.t ' +
      'ISCSI_USERNAME=chap ISCSI_PASSWORD=SECRET-CMDLINE-CHAP rd.iscsi.password=SECRET-CMDLINE-RD ' +
      'netroot=iscsi:chap:SECRET-CMDLINE-NETROOT@10.0.0.5::3260::iqn.t intel_iommu=on iommu=pt ' +
      'pci=realloc hugepages=16 ixgbe.max_vfs=8 iommu.passthrough=1 rootpw=SECRET-CMDLINE-PW\n',
  );
  // CRLF, a lone CR before [database], upper-case PASSWORD=, spaced password =, a secret
  // inside [PCI] under a key that is not on the allow-list, and a [ pci ] section that
  // oslo.config does not take for [pci].
  t.put(
    '/etc/nova/nova.conf',
    [
      '[DEFAULT]\r\n',
      'host = compute-9\r\n',
      'transport_url = rabbit://nova:SECRET-NOVA-RABBIT@10.0.0.1:5672//\r\n',
      'PASSWORD=SECRET-NOVA-UPPER\r\n',
      '[keystone_authtoken]\r\n',
      'password   =   SECRET-NOVA-SPACED\r\n',
      '[PCI]\r\n',
      'passthrough_whitelist = {"devname": "ens1f0", "physical_network": "vlan"}\r\n',
      'password = SECRET-NOVA-IN-PCI\r\n',
      'alias = {"name": "a1", "device_type": "type-VF"}\r[database]\rconnection = mysql+pymysql://nova:SECRET-NOVA-DB-CR@db/nova\r\n',
      '[ pci ]\n',
      'device_spec = {"devname": "NOT-THE-PCI-SECTION"}\n',
      '[pci]\n',
      'device_spec = {"vendor_id": "8086",\n',
      '    "physical_network": "vlan"}\n',
      'device_spec_password = SECRET-NOVA-PREFIX\n',
      '[database]\r\n',
      'connection = mysql+pymysql://nova:SECRET-NOVA-DB-CRLF@db/nova\n',
      '  SECRET-NOVA-CONTINUATION\n',
      '[filter_scheduler]\n',
      'enabled_filters = ComputeFilter,PciPassthroughFilter\n',
      '[iscsi]\n',
      'chap_password: SECRET-NOVA-CHAP\n',
    ].join(''),
  );
  t.put(
    '/etc/neutron/plugins/ml2/sriov_nic_agent.ini',
    '[DEFAULT]\ntransport_url = rabbit://n:SECRET-AGENT-RABBIT@h//\n[agent]\nextensions = qos\n[sriov_nic]\nphysical_device_mappings = "vlan:ens1f0"\nexclude_devices = ""\nadmin_password = SECRET-AGENT-IN-SECTION\n[securitygroup]\nfirewall_driver = neutron.agent.firewall.NoopFirewallDriver\n',
  );
  t.put(
    '/etc/neutron/plugins/ml2/ml2_conf.ini',
    '[ML2]\ntype_drivers = flat,vlan\ntenant_network_types = vxlan\nmechanism_drivers = openvswitch,sriovnicswitch\n[ml2_type_vlan]\nnetwork_vlan_ranges = vlan:100:200\n[database]\nconnection = SECRET-ML2-DB\n',
  );
  t.put(
    '/etc/neutron/plugins/ml2/openvswitch_agent.ini',
    '[DEFAULT]\ntransport_url = SECRET-OVS-RABBIT\n[agent]\nextensions = qos,fdb\n[ovs]\nbridge_mappings = vlan:br-vlan\novsdb_connection = tcp:127.0.0.1:6640\n[FDB]\nshared_physical_device_mappings = vlan:ens1f0\n',
  );
  t.put(
    '/etc/openstack-release',
    '# Ansible managed\n\nDISTRIB_ID="OSA"\nDISTRIB_RELEASE="18.1.6"\nDISTRIB_CODENAME="Rocky"\nDISTRIB_DESCRIPTION="OpenStack-Ansible"\nPASSWORD="SECRET-RELEASE"\n',
  );
  for (const v of ['nova-18.1.6', 'neutron-18.1.6', 'utility-18.1.6'])
    mkdirSync(join(t.root, '/openstack/venvs', v), { recursive: true });
  t.put('/etc/iscsi/iscsid.conf', 'node.session.auth.password = SECRET-ISCSID\n');
  t.put(
    '/etc/NetworkManager/system-connections/sriov.nmconnection',
    '[connection]\nid=sriov\n[802-1x]\npassword=SECRET-NM-8021X\n[sriov]\ntotal-vfs=4 password=SECRET-NM-SAMELINE\nvfs=0 mac=00:11:22:33:44:55\n',
  );
  t.put(
    '/etc/rc.local',
    [
      '#!/bin/sh -e',
      'echo 8 > /sys/class/net/ens1f0/device/sriov_numvfs; mysql -uroot -pSECRET-RC-MYSQL -e "select 1"',
      'iscsiadm -m node -o update -n node.session.auth.password -v SECRET-RC-CHAP && echo "$N" | tee /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs',
      'PASSWORD=SECRET-RC-UPPER /opt/bin/tool --numvfs-file=/sys/class/net/ens1f0/device/sriov_numvfs',
      'exit 0',
      '',
    ].join('\n'),
  );
  t.put(
    '/etc/udev/rules.d/70-vfs.rules',
    'ACTION=="add", SUBSYSTEM=="net", KERNEL=="ens1f0", ATTR{device/sriov_numvfs}="1", RUN+="/usr/bin/curl -u admin:SECRET-UDEV-RUN http://x/", ENV{PASSWORD}="SECRET-UDEV-ENV"\n',
  );
  t.put(
    '/etc/systemd/system/vfs.service',
    "[Service]\nEnvironment=PASSWORD=SECRET-UNIT-ENV\nExecStart=/bin/sh -c 'echo 8 > /sys/class/net/ens1f0/device/sriov_numvfs; PASSWORD=SECRET-UNIT-EXEC /opt/x'\n",
  );
  t.put('/etc/modprobe.d/ixgbe.conf', 'options ixgbe max_vfs=8,8 password=SECRET-MODPROBE\n');
  t.put(
    '/etc/netplan/60-sriov.yaml',
    'network:\n  ethernets:\n    ens1f0:\n      virtual-function-count: 8 # pass SECRET-NETPLAN-COMMENT\n  wifis:\n    wl0:\n      access-points:\n        lab:\n          password: SECRET-NETPLAN-WIFI\n',
  );
  t.put(
    '/etc/os-net-config/config.json',
    '{"network_config": [{"type": "sriov_pf", "name": "ens1f0", "numvfs": 8, "password": "SECRET-ONC"}]}\n',
  );
  return t;
}

/** A python3 that has oslo.config (Debian: python3-oslo.config), or null. */
function osloPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import oslo_config']).status === 0) return py;
  }
  return null;
}

/** What oslo.config itself reads from FILE for the nova options the collector keeps. */
const OSLO_NOVA = `
import json, sys
from oslo_config import cfg
c = cfg.ConfigOpts()
c.register_opt(cfg.StrOpt('host'))
c.register_opts([cfg.MultiStrOpt(n) for n in ('passthrough_whitelist', 'device_spec', 'alias')], group='pci')
c.register_opts([cfg.StrOpt('enabled_filters')], group='filter_scheduler')
c(args=[], default_config_files=[sys.argv[1]])
print(json.dumps({'host': c.host, 'pci': {n: getattr(c.pci, n) for n in ('passthrough_whitelist', 'device_spec', 'alias')},
                  'enabled_filters': c.filter_scheduler.enabled_filters}))
`;

const shells: Array<[string, string[]]> = [
  ['dash', ['dash']],
  ['bash', ['bash']],
  ['busybox ash', ['busybox', 'sh']],
];
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Runs the collector; timeout: OSA_SRIOV_TIMEOUT, else the collector's own limits. */
function collect(shell: string[], t: { root: string; bin: string }, timeout?: string) {
  const started = Date.now();
  const r = spawnSync(shell[0]!, [...shell.slice(1), collectorPath()], {
    env: {
      ...process.env,
      PATH: `${t.bin}:${process.env.PATH}`,
      OSA_SRIOV_ROOT: t.root,
      ...(timeout === undefined ? {} : { OSA_SRIOV_TIMEOUT: timeout }),
    },
    encoding: 'buffer',
    // A hang is still caught; a run on a loaded machine (30 s at load 10) is not cut short.
    timeout: 300_000,
  });
  return { r, ms: Date.now() - started };
}

/** Every byte the snapshot carries: its raw text and each record decoded. */
function everything(raw: Buffer, snap: Snapshot): string {
  const decoded = [...snap.records.values()].map((rec) =>
    rec.kind === 'value' ? rec.text : rec.kind === 'blob' ? rec.bytes.toString('latin1') : '',
  );
  return [raw.toString('latin1'), ...decoded].join('\n');
}

for (const [label, shell] of shells) {
  const missing = !have(shell[0]!);
  if (missing && process.env.CI) throw new Error(`CI must have ${shell[0]} for the collector tests`);
  const skip = missing ? `${shell[0]} is not installed (apt-get install ${shell[0]})` : false;

  describe(`collect.sh on a host full of secrets, under ${label}`, { skip }, () => {
    const t = secretHost();
    const { r } = collect(shell, t);

    test('no secret reaches the snapshot', () => {
      assert.equal(r.status, 0, r.stderr.toString());
      const all = everything(r.stdout, parseSnapshot(r.stdout));
      assert.deepEqual(all.match(/SECRET[-A-Z0-9]*/gi) ?? [], []);
      assert.doesNotMatch(all, /NOT-THE-PCI-SECTION/, '[ pci ] is not the [pci] section');
    });

    test('what is kept is what the checks read', () => {
      const facts = HostFactsSchema.parse(
        JSON.parse(JSON.stringify(factsFromSnapshot(parseSnapshot(r.stdout)))),
      );
      assert.equal(
        facts.kernel.cmdline,
        'intel_iommu=on iommu=pt pci=realloc hugepages=16 ixgbe.max_vfs=8 iommu.passthrough=1',
        `the kernel.cmdline record: ${JSON.stringify(
          r.stdout
            .toString('latin1')
            .split('\n')
            .find((l) => / kernel\.cmdline( |$)/.test(l)),
        )}; stderr: ${r.stderr.toString()}`,
      );
      assert.deepEqual(facts.iommu.cmdline, ['intel_iommu=on', 'iommu=pt', 'iommu.passthrough=1']);
      assert.deepEqual(facts.nova, {
        path: '/etc/nova/nova.conf',
        host: 'compute-9',
        pci: {
          passthrough_whitelist: ['{"devname": "ens1f0", "physical_network": "vlan"}'],
          alias: ['{"name": "a1", "device_type": "type-VF"}'],
          device_spec: ['{"vendor_id": "8086",\n"physical_network": "vlan"}'],
        },
        filterScheduler: { enabled_filters: ['ComputeFilter,PciPassthroughFilter'] },
      });
      assert.deepEqual(facts.neutronSriovAgent?.sriovNic, {
        physical_device_mappings: ['"vlan:ens1f0"'],
        exclude_devices: ['""'],
      });
      assert.deepEqual(facts.neutron, {
        ml2: {
          path: '/etc/neutron/plugins/ml2/ml2_conf.ini',
          sections: {
            ml2: {
              type_drivers: ['flat,vlan'],
              tenant_network_types: ['vxlan'],
              mechanism_drivers: ['openvswitch,sriovnicswitch'],
            },
            ml2_type_vlan: { network_vlan_ranges: ['vlan:100:200'] },
          },
        },
        sriovAgent: {
          path: '/etc/neutron/plugins/ml2/sriov_nic_agent.ini',
          sections: {
            agent: { extensions: ['qos'] },
            sriov_nic: { physical_device_mappings: ['"vlan:ens1f0"'], exclude_devices: ['""'] },
            securitygroup: { firewall_driver: ['neutron.agent.firewall.NoopFirewallDriver'] },
          },
        },
        openvswitchAgent: {
          path: '/etc/neutron/plugins/ml2/openvswitch_agent.ini',
          sections: {
            agent: { extensions: ['qos,fdb'] },
            ovs: { bridge_mappings: ['vlan:br-vlan'] },
            fdb: { shared_physical_device_mappings: ['vlan:ens1f0'] },
          },
        },
        linuxbridgeAgent: null,
      });
      assert.deepEqual(facts.osa, {
        release: {
          path: '/etc/openstack-release',
          id: 'OSA',
          release: '18.1.6',
          codename: 'Rocky',
          description: 'OpenStack-Ansible',
        },
        venvs: ['neutron-18.1.6', 'nova-18.1.6', 'utility-18.1.6'],
      });
      assert.deepEqual(
        facts.persistence?.evidence.map((e) => [e.kind, e.file, e.line, e.text]),
        [
          [
            'udev',
            '/etc/udev/rules.d/70-vfs.rules',
            1,
            'ACTION=="add", SUBSYSTEM=="net", KERNEL=="ens1f0", ATTR{device/sriov_numvfs}="1"',
          ],
          [
            'systemd',
            '/etc/systemd/system/vfs.service',
            3,
            'echo 8 > /sys/class/net/ens1f0/device/sriov_numvfs',
          ],
          ['scripts', '/etc/rc.local', 2, 'echo 8 > /sys/class/net/ens1f0/device/sriov_numvfs'],
          ['scripts', '/etc/rc.local', 3, 'echo $N > /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs'],
          ['scripts', '/etc/rc.local', 4, '/sys/class/net/ens1f0/device/sriov_numvfs'],
          ['netplan', '/etc/netplan/60-sriov.yaml', 4, 'virtual-function-count: 8'],
          ['networkmanager', '/etc/NetworkManager/system-connections/sriov.nmconnection', 5, '[sriov]'],
          ['networkmanager', '/etc/NetworkManager/system-connections/sriov.nmconnection', 6, 'total-vfs=4'],
          ['os-net-config', '/etc/os-net-config/config.json', 1, 'numvfs: 8'],
          ['modprobe', '/etc/modprobe.d/ixgbe.conf', 1, 'options ixgbe max_vfs=8,8'],
        ],
      );
    });
  });

  describe(`collect.sh with attributes that block in open(), under ${label}`, { skip }, () => {
    const t = tree();
    sysfs(t);
    t.put('/proc/cmdline', 'ro intel_iommu=on\n');
    // FIFOs: open() for reading waits for a writer that never comes.
    t.fifo('/sys/class/net/ens1f0/operstate');
    t.fifo('/sys/bus/pci/devices/0000:3b:00.0/numa_node');
    t.fifo('/sys/bus/pci/devices/0000:99:00.0/class');
    t.fifo('/etc/udev/rules.d/80-fifo.rules');
    t.fifo('/etc/nova/nova.conf');
    // 4 s: short, yet the quick commands (ls of the links, awk of the command line) still
    // run within it on a loaded CI machine; at 1 s and 2 s they timed out under load.
    const { r, ms } = collect(shell, t, '4');

    test('each blocked read is a timeout record, everything else is there, and the run ends', () => {
      assert.equal(r.status, 0, r.stderr.toString());
      const snap = parseSnapshot(r.stdout);
      for (const name of [
        '/sys/class/net/ens1f0/operstate',
        '/sys/bus/pci/devices/0000:3b:00.0/numa_node',
        '/sys/bus/pci/devices/0000:99:00.0/class',
      ]) {
        assert.equal(snap.status(name), 'timeout', name);
      }
      // The reads after each blocked one still happened.
      assert.equal(snap.attr('/sys/bus/pci/devices/0000:3b:00.0/sriov_totalvfs'), '63');
      assert.equal(snap.attr('/sys/class/net/ens1f0/mtu'), '9000');
      assert.equal(snap.link('/sys/bus/pci/devices/0000:3b:00.0/driver'), '../../../bus/pci/drivers/ixgbe');
      // Not regular files: not read at all.
      assert.equal(snap.looked('conf.nova'), true);
      assert.equal(snap.has('conf.nova'), false);
      assert.equal(snap.attr('persist.udev.searched'), '0');
      // Three blocked reads at OSA_SRIOV_TIMEOUT=4 cost about 5 s each; a FIFO blocks forever.
      assert.ok(ms < 200_000, `took ${ms} ms`);
    });
  });
}

const oslo = osloPython();
if (oslo === null && process.env.CI)
  throw new Error('CI must have python3-oslo.config for the collector tests');
test("the collector finds nova.conf's options where oslo.config finds them", {
  skip: oslo === null ? 'no python3 with oslo.config (apt-get install python3-oslo.config)' : false,
}, () => {
  const t = secretHost();
  const r = spawnSync('sh', [collectorPath()], {
    env: { ...process.env, OSA_SRIOV_ROOT: t.root },
    encoding: 'buffer',
  });
  assert.equal(r.status, 0, r.stderr.toString());
  const nova = factsFromSnapshot(parseSnapshot(r.stdout)).nova!;
  const o = spawnSync(oslo!, ['-c', OSLO_NOVA, join(t.root, 'etc/nova/nova.conf')], { encoding: 'utf8' });
  assert.equal(o.status, 0, o.stderr);
  const want = JSON.parse(o.stdout) as {
    host: string;
    pci: Record<string, string[]>;
    enabled_filters: string;
  };
  assert.equal(nova.host, want.host);
  for (const [k, v] of Object.entries(want.pci)) assert.deepEqual(nova.pci[k] ?? [], v, k);
  assert.deepEqual(nova.filterScheduler.enabled_filters, [want.enabled_filters]);
});
