// The host-setup playbook of `plan --host-setup`: its structure, the refusal of every value
// that could change it, the numvfs script run for real under sh/dash/busybox on a fake sysfs,
// and the playbook checked and its templates evaluated by the real ansible-playbook.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import {
  HostSetupError,
  type HostSetupHost,
  kernelArgsFor,
  rebootNeeded,
  renderHostSetup,
} from '../../src/plan/host-setup.js';

const INTEL: HostSetupHost = {
  host: 'compute1',
  cpuVendor: 'GenuineIntel',
  cmdline: 'BOOT_IMAGE=/vmlinuz ro quiet',
  pfs: [
    { netdev: 'ens1f0', pciAddress: '0000:3B:00.0', numVfs: 8 },
    { netdev: 'ens1f1', pciAddress: '0000:3b:00.1', numVfs: 4 },
  ],
};
const AMD: HostSetupHost = {
  host: 'compute-2.lab',
  cpuVendor: 'AuthenticAMD',
  cmdline: 'ro iommu=pt',
  pfs: [{ netdev: 'enp65s0f0np0', pciAddress: '0000:41:00.0', numVfs: 16 }],
};
const HYGON: HostSetupHost = {
  host: 'compute_3',
  cpuVendor: 'HygonGenuine',
  cmdline: null,
  pfs: [{ netdev: 'eth2', pciAddress: '0001:af:1f.7', numVfs: 256 }],
};
const HOSTS = [INTEL, AMD, HYGON];

interface Task {
  name: string;
  tags?: string[];
  when?: string | string[];
  vars?: Record<string, unknown>;
  [module: string]: unknown;
}
interface HostVars {
  kernel_args: string[];
  pfs: { netdev: string; pci_address: string; num_vfs: number }[];
  numvfs_conf: string;
  udev_rules: string;
}
interface Play {
  name: string;
  hosts: string;
  become: boolean;
  vars: { osa_sriov_hosts: Record<string, HostVars>; [k: string]: unknown };
  tasks: Task[];
  handlers: Task[];
}

function render(hosts: readonly HostSetupHost[] = HOSTS) {
  const files = renderHostSetup(hosts);
  const playbook = files.get('sriov-host-setup.yml');
  assert.ok(playbook, 'the playbook is rendered');
  const plays = parse(playbook) as Play[];
  assert.equal(plays.length, 1, 'one play');
  return { files, playbook, play: plays[0]! };
}

function task(play: Play, name: string): Task {
  const t = play.tasks.find((x) => x.name === name);
  assert.ok(t, `task "${name}"`);
  return t;
}

function moduleOf(t: Task): string {
  const keys = Object.keys(t).filter((k) => k.includes('.'));
  assert.equal(keys.length, 1, `one module in ${t.name}: ${keys.join(', ')}`);
  return keys[0]!;
}

/** Writes the rendered files under a new temporary directory. */
function writeOut(files: Map<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-host-setup-'));
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('renderHostSetup: the playbook', () => {
  test('one play on exactly the planned hosts, as root, with per-host vars', () => {
    const { files, play } = render();
    assert.deepEqual(
      [...files.keys()],
      ['sriov-host-setup.yml', 'files/osa-sriov-numvfs', 'files/osa-sriov-numvfs.service', 'README.md'],
    );
    assert.equal(play.hosts, 'compute1:compute-2.lab:compute_3');
    assert.equal(play.become, true);
    assert.deepEqual(Object.keys(play.vars.osa_sriov_hosts), ['compute1', 'compute-2.lab', 'compute_3']);
    assert.equal(play.vars.osa_sriov, '{{ osa_sriov_hosts[inventory_hostname] }}');
    const c1 = play.vars.osa_sriov_hosts.compute1!;
    // PCI addresses lower-cased, counts as integers.
    assert.deepEqual(c1.pfs, [
      { netdev: 'ens1f0', pci_address: '0000:3b:00.0', num_vfs: 8 },
      { netdev: 'ens1f1', pci_address: '0000:3b:00.1', num_vfs: 4 },
    ]);
    const confLines = c1.numvfs_conf.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(confLines, ['0000:3b:00.0 8 ens1f0', '0000:3b:00.1 4 ens1f1']);
    assert.equal(play.vars.osa_sriov_hosts.compute_3!.pfs[0]!.num_vfs, 256);
  });

  test('kernel arguments by CPU vendor: Intel VT-d on, AMD/Hygon passthrough only', () => {
    const { play } = render();
    const args = (h: string) => play.vars.osa_sriov_hosts[h]!.kernel_args;
    assert.deepEqual(args('compute1'), ['intel_iommu=on', 'iommu=pt']);
    assert.deepEqual(args('compute-2.lab'), ['iommu=pt']);
    assert.deepEqual(args('compute_3'), ['iommu=pt']);
    assert.ok(!JSON.stringify(play).includes('amd_iommu=on'), 'amd_iommu=on is not a kernel option');
    assert.deepEqual(kernelArgsFor('GenuineIntel'), ['intel_iommu=on', 'iommu=pt']);
    assert.deepEqual(kernelArgsFor('AuthenticAMD'), ['iommu=pt']);
    assert.deepEqual(kernelArgsFor('HygonGenuine'), ['iommu=pt']);
    assert.throws(
      () => kernelArgsFor(null),
      (e) => e instanceof HostSetupError && /osa-sriov collect/.test(e.message),
    );
    assert.throws(() => kernelArgsFor('CentaurHauls'), HostSetupError);
    assert.throws(() => kernelArgsFor('constructor'), HostSetupError);
    assert.throws(
      () => renderHostSetup([{ ...INTEL, cpuVendor: null }]),
      (e) => e instanceof HostSetupError && /compute1/.test(e.message) && /osa-sriov collect/.test(e.message),
    );
  });

  test('the udev rule: one line per PF, matched by PCI address, only from 0 VFs', () => {
    const { play } = render();
    const rules = play.vars.osa_sriov_hosts
      .compute1!.udev_rules.split('\n')
      .filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(rules, [
      'ACTION=="add", SUBSYSTEM=="net", KERNELS=="0000:3b:00.0", ATTR{device/sriov_numvfs}=="0", ATTR{device/sriov_numvfs}="8"',
      'ACTION=="add", SUBSYSTEM=="net", KERNELS=="0000:3b:00.1", ATTR{device/sriov_numvfs}=="0", ATTR{device/sriov_numvfs}="4"',
    ]);
    const t = task(play, 'VFs: udev rule for hot-plug and driver reloads');
    assert.deepEqual(t['ansible.builtin.copy'], {
      dest: '/etc/udev/rules.d/70-osa-sriov.rules',
      content: '{{ osa_sriov.udev_rules }}',
      owner: 'root',
      group: 'root',
      mode: '0644',
    });
    assert.equal(t.notify, 'osa-sriov: reload udev rules');
    const h = play.handlers.find((x) => x.name === 'osa-sriov: reload udev rules');
    assert.deepEqual(h?.['ansible.builtin.command'], { argv: ['udevadm', 'control', '--reload'] });
  });

  test('the boot unit runs before networking, the SR-IOV agent and nova-compute', () => {
    const { files, play } = render();
    const unit = files.get('files/osa-sriov-numvfs.service')!;
    const lines = unit.split('\n');
    const value = (key: string) =>
      lines.filter((l) => l.startsWith(`${key}=`)).flatMap((l) => l.slice(key.length + 1).split(' '));
    assert.deepEqual(value('Type'), ['oneshot']);
    assert.deepEqual(value('RemainAfterExit'), ['yes']);
    for (const u of ['neutron-sriov-nic-agent.service', 'nova-compute.service', 'network-pre.target']) {
      assert.ok(value('Before').includes(u), `Before= ${u}`);
    }
    assert.ok(value('After').includes('systemd-udev-settle.service'));
    assert.ok(value('After').includes('systemd-modules-load.service'));
    assert.deepEqual(value('Wants'), ['network-pre.target']);
    assert.deepEqual(value('WantedBy'), ['multi-user.target']);
    assert.deepEqual(value('ExecStart'), [
      '/usr/local/sbin/osa-sriov-numvfs',
      '--wait',
      '60',
      '/etc/osa-sriov/numvfs.conf',
    ]);
    // The collector recognises the unit, the script and the rule as VF persistence.
    assert.match(unit, /sriov_numvfs/);
    const systemd = task(play, 'VFs: enable and start the boot-time unit')['ansible.builtin.systemd'];
    assert.deepEqual(systemd, {
      name: 'osa-sriov-numvfs.service',
      enabled: true,
      state: 'started',
      daemon_reload: '{{ osa_sriov_unit is changed }}',
    });
  });

  test('every module is fully qualified, every file has a mode, every scalar is quoted', () => {
    const { playbook, play } = render();
    for (const t of [...play.tasks, ...play.handlers]) {
      const m = moduleOf(t);
      assert.match(m, /^ansible\.builtin\.[a-z_]+$/, t.name);
      if (m === 'ansible.builtin.copy' || m === 'ansible.builtin.file') {
        const args = t[m] as Record<string, unknown>;
        assert.match(String(args.mode), /^0[0-7]{3}$/, `${t.name}: mode`);
        assert.equal(args.owner, 'root', `${t.name}: owner`);
      }
    }
    // Outside comments, a value is a quoted string, a flow list or map, a boolean, or absent.
    for (const line of playbook.split('\n')) {
      const m = line.match(/^\s*(?:- )?[A-Za-z_.]+: (.*)$/);
      if (!m || line.trim().startsWith('#')) continue;
      assert.match(m[1]!, /^(".*"|\[.*\]|\{.*\}|true|false)$/, line);
    }
  });

  test('kernel arguments: GRUB drop-in on Debian/Ubuntu, grubby on the RedHat family, never a reboot', () => {
    const { play } = render();
    const dropin = task(play, 'Kernel arguments: GRUB drop-in (Debian/Ubuntu)');
    assert.equal(
      (dropin['ansible.builtin.copy'] as { dest: string }).dest,
      '/etc/default/grub.d/99-osa-sriov.cfg',
    );
    // update-grub is a task right after the drop-in, not a handler a failing task could lose.
    assert.equal(dropin.register, 'osa_sriov_grub_dropin');
    const update = task(play, 'Kernel arguments: update-grub after a change of the drop-in (Debian/Ubuntu)');
    assert.deepEqual((update['ansible.builtin.command'] as { argv: string[] }).argv, ['update-grub']);
    assert.match(String(update.when), /osa_sriov_grub_dropin is changed/);
    assert.ok(play.tasks.indexOf(update) === play.tasks.indexOf(dropin) + 1);
    const grubby = task(play, 'Kernel arguments: grubby (RedHat family)');
    assert.deepEqual((grubby['ansible.builtin.command'] as { argv: string[] }).argv.slice(0, 2), [
      'grubby',
      '--update-kernel=ALL',
    ]);
    for (const t of [...play.tasks, ...play.handlers]) {
      assert.notEqual(moduleOf(t), 'ansible.builtin.reboot', t.name);
      const argv = (t['ansible.builtin.command'] as { argv?: string[] } | undefined)?.argv ?? [];
      assert.ok(!argv.some((a) => /reboot|shutdown|kexec/.test(a)), t.name);
    }
    const notice = task(play, 'Reboot notice');
    assert.match(String((notice['ansible.builtin.debug'] as { msg: string }).msg), /^REBOOT NEEDED on /);
  });

  test('deterministic: the same input gives the same files, whatever the case of the addresses', () => {
    const a = renderHostSetup(HOSTS);
    const b = renderHostSetup(structuredClone(HOSTS));
    assert.deepEqual([...a], [...b]);
    const upper = renderHostSetup([
      { ...INTEL, pfs: INTEL.pfs.map((p) => ({ ...p, pciAddress: p.pciAddress.toUpperCase() })) },
    ]);
    const lower = renderHostSetup([
      { ...INTEL, pfs: INTEL.pfs.map((p) => ({ ...p, pciAddress: p.pciAddress.toLowerCase() })) },
    ]);
    assert.deepEqual([...upper], [...lower]);
  });

  test('the README says how to run it and that a VF count change destroys VFs', () => {
    const readme = render().files.get('README.md')!;
    assert.match(readme, /openstack-ansible sriov-host-setup\.yml/);
    assert.match(readme, /ansible-playbook -i INVENTORY sriov-host-setup\.yml/);
    assert.match(readme, /--limit/);
    assert.match(readme, /--check/);
    assert.match(readme, /lose their NIC/);
    assert.match(readme, /drained/);
    assert.match(readme, /compute1: intel_iommu=on iommu=pt; ens1f0 \(0000:3b:00\.0\): 8 VFs/);
  });
});

describe('renderHostSetup refuses what could change the playbook', () => {
  const refuses = (hosts: HostSetupHost[], what: RegExp) =>
    assert.throws(
      () => renderHostSetup(hosts),
      (e) => e instanceof HostSetupError && what.test(e.message),
    );
  const nasty = [
    '$(reboot)',
    '`reboot`',
    'a"b',
    "a'b",
    'a\nb',
    'a;reboot',
    'a b',
    '{{ x }}',
    'a/b',
    'a:b',
    '',
  ];

  test('host names', () => {
    for (const host of [...nasty, '-x', 'all', 'a,b', 'a*', 'x'.repeat(254)]) {
      refuses([{ ...INTEL, host }], /host name/);
    }
    refuses([INTEL, { ...AMD, host: 'compute1' }], /compute1 is listed twice/);
    refuses([], /no hosts/);
  });

  test('interface names', () => {
    for (const netdev of [...nasty, 'a,b', '.', '..', 'x'.repeat(16)]) {
      refuses([{ ...INTEL, pfs: [{ netdev, pciAddress: '0000:3b:00.0', numVfs: 2 }] }], /interface name/);
    }
    refuses(
      [{ ...INTEL, pfs: [INTEL.pfs[0]!, { ...INTEL.pfs[1]!, netdev: 'ens1f0' }] }],
      /interface ens1f0 is listed twice/,
    );
  });

  test('PCI addresses', () => {
    for (const pciAddress of [
      '0000:3b:00.0\n',
      '0000:3b:00.0;reboot',
      '0000:3b:00.0 ',
      ' 0000:3b:00.0',
      '0000:3b:00.8',
      '0000:3b:20.0',
      '3b:00.0',
      '0000:3b:00',
      '../../../x',
      '0000:3b:00.0/../..',
    ]) {
      refuses([{ ...INTEL, pfs: [{ netdev: 'ens1f0', pciAddress, numVfs: 2 }] }], /PCI address/);
    }
    refuses(
      [{ ...INTEL, pfs: [INTEL.pfs[0]!, { ...INTEL.pfs[1]!, pciAddress: '0000:3b:00.0' }] }],
      /PCI address 0000:3b:00\.0 is listed twice/,
    );
  });

  test('VF counts', () => {
    for (const numVfs of [0, 257, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, '8' as unknown as number]) {
      refuses([{ ...INTEL, pfs: [{ netdev: 'ens1f0', pciAddress: '0000:3b:00.0', numVfs }] }], /VF count/);
    }
  });
});

describe('rebootNeeded', () => {
  const needs = (cpuVendor: string, cmdline: string | null) => rebootNeeded({ ...INTEL, cpuVendor, cmdline });
  test("the running kernel has the arguments, with the kernel's own reading of repeated ones", () => {
    assert.equal(needs('GenuineIntel', 'ro quiet'), true);
    assert.equal(needs('GenuineIntel', 'ro intel_iommu=on iommu=pt quiet'), false);
    assert.equal(needs('GenuineIntel', 'intel_iommu=on,sm_on iommu=pt'), false);
    assert.equal(needs('GenuineIntel', 'intel_iommu=on iommu=pt intel_iommu=off'), true);
    assert.equal(needs('GenuineIntel', 'iommu=pt'), true);
    assert.equal(needs('GenuineIntel', 'xintel_iommu=on iommu=pt'), true);
    assert.equal(needs('AuthenticAMD', 'ro iommu=pt'), false);
    assert.equal(needs('AuthenticAMD', 'ro amd_iommu=on'), true);
    assert.equal(needs('HygonGenuine', 'iommu=pt\n'), false);
    assert.equal(needs('GenuineIntel', null), true, 'unknown: nothing shows the arguments are active');
    assert.throws(() => rebootNeeded({ ...INTEL, cpuVendor: null }), HostSetupError);
  });
});

// The numvfs script on a fake sysfs, where sriov_numvfs is a plain file.
const SCRIPT = renderHostSetup(HOSTS).get('files/osa-sriov-numvfs')!;
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const SHELLS: [string, string[], string | false][] = [
  ['sh', ['sh'], false],
  ['dash', ['dash'], has('dash') ? false : 'dash is not installed (apt-get install dash)'],
  ['busybox ash', ['busybox', 'sh'], has('busybox') ? false : 'busybox is not installed'],
];

interface FakePf {
  address: string;
  numvfs: number;
  total?: number;
  driver?: boolean;
}

function fakeSysfs(pfs: FakePf[]): string {
  const root = mkdtempSync(join(tmpdir(), 'osa-sriov-sysfs-'));
  for (const pf of pfs) {
    const dev = join(root, 'bus/pci/devices', pf.address);
    mkdirSync(dev, { recursive: true });
    writeFileSync(join(dev, 'sriov_numvfs'), `${pf.numvfs}\n`);
    writeFileSync(join(dev, 'sriov_totalvfs'), `${pf.total ?? 7}\n`);
    if (pf.driver !== false) mkdirSync(join(dev, 'driver'));
  }
  return root;
}

const numvfs = (root: string, address: string) =>
  readFileSync(join(root, 'bus/pci/devices', address, 'sriov_numvfs'), 'utf8');

function runScript(shell: string[], root: string, conf: string, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-numvfs-'));
  writeFileSync(join(dir, 'osa-sriov-numvfs'), SCRIPT);
  writeFileSync(join(dir, 'numvfs.conf'), conf);
  // -x traces every command: the sysfs writes show as "+ put FILE VALUE", in order.
  const r = spawnSync(
    shell[0]!,
    [...shell.slice(1), '-x', join(dir, 'osa-sriov-numvfs'), ...args, join(dir, 'numvfs.conf')],
    {
      encoding: 'utf8',
      env: { ...process.env, OSA_SRIOV_SYSFS: root },
      timeout: 20_000,
    },
  );
  const trace = r.stderr.split('\n');
  const writes = trace
    .map((l) => l.match(/^\+ put '?(\S+?)'? '?(\d+)'?$/))
    .filter((m) => m !== null)
    .map((m) => `${m[1]!.slice(root.length)} ${m[2]}`);
  const errors = trace.filter((l) => l.startsWith('osa-sriov-numvfs: ')).join('\n');
  return { status: r.status, stdout: r.stdout, errors, writes };
}

const A = '0000:3b:00.0';
const B = '0000:3b:00.1';
const W = (address: string, n: number) => `/bus/pci/devices/${address}/sriov_numvfs ${n}`;

for (const [name, shell, skip] of SHELLS) {
  describe(`osa-sriov-numvfs under ${name}`, { skip }, () => {
    test('0 → N, then a rerun changes nothing', () => {
      const root = fakeSysfs([
        { address: A, numvfs: 0 },
        { address: B, numvfs: 0 },
      ]);
      const conf = renderHostSetup([
        {
          ...INTEL,
          pfs: [
            { netdev: 'ens1f0', pciAddress: A, numVfs: 3 },
            { netdev: 'ens1f1', pciAddress: B, numVfs: 7 },
          ],
        },
      ]);
      const text = (parse(conf.get('sriov-host-setup.yml')!) as Play[])[0]!.vars.osa_sriov_hosts.compute1!
        .numvfs_conf;
      const first = runScript(shell, root, text);
      assert.equal(first.status, 0, first.errors);
      assert.deepEqual(first.writes, [W(A, 3), W(B, 7)]);
      assert.equal(first.stdout, `PF ens1f0 (${A}): 0 -> 3 VFs\nPF ens1f1 (${B}): 0 -> 7 VFs\n`);
      assert.equal(numvfs(root, A), '3\n');
      assert.equal(numvfs(root, B), '7\n');
      const again = runScript(shell, root, text);
      assert.equal(again.status, 0, again.errors);
      assert.deepEqual(again.writes, [], 'nothing written when the counts are right');
      assert.equal(again.stdout, '');
    });

    test('N → M writes 0 first, as the kernel requires', () => {
      const root = fakeSysfs([{ address: A, numvfs: 3 }]);
      const r = runScript(shell, root, `${A} 5 ens1f0\n`);
      assert.equal(r.status, 0, r.errors);
      assert.deepEqual(r.writes, [W(A, 0), W(A, 5)]);
      assert.equal(numvfs(root, A), '5\n');
      assert.equal(r.stdout, `PF ens1f0 (${A}): 3 -> 5 VFs\n`);
    });

    test('a missing device, no driver, too many VFs: non-zero exit naming the PF, the others still set', () => {
      const root = fakeSysfs([
        { address: A, numvfs: 0, driver: false },
        { address: B, numvfs: 0, total: 4 },
        { address: '0000:3b:00.2', numvfs: 0 },
      ]);
      const r = runScript(shell, root, `0000:5e:00.0 2 gone\n${A} 2\n${B} 5 big\n0000:3b:00.2 1 fine\n`);
      assert.equal(r.status, 1);
      assert.match(r.errors, /PF gone \(0000:5e:00\.0\): no such PCI device/);
      assert.match(r.errors, /PF 0000:3b:00\.0: no driver is bound/);
      assert.match(r.errors, /PF big \(0000:3b:00\.1\): 5 VFs asked, the device offers at most 4/);
      assert.deepEqual(r.writes, [W('0000:3b:00.2', 1)]);
    });

    test('a write the kernel refuses: non-zero exit naming the PF', () => {
      // A sysctl file stands in for sriov_numvfs: readable, and unwritable even by root.
      const root = fakeSysfs([]);
      mkdirSync(join(root, 'bus/pci/devices', A, 'driver'), { recursive: true });
      symlinkSync('/proc/sys/kernel/ngroups_max', join(root, 'bus/pci/devices', A, 'sriov_numvfs'));
      const r = runScript(shell, root, `${A} 2 ens1f0\n`);
      assert.equal(r.status, 1);
      assert.match(
        r.errors,
        /PF ens1f0 \(0000:3b:00\.0\): removing its \d+ VFs \(writing 0 to .*sriov_numvfs\) failed/,
      );
    });

    test('configuration lines that are not an address, a count and a name are refused, unused', () => {
      const root = fakeSysfs([{ address: A, numvfs: 0 }]);
      const bad = [
        `${A} 2 $(reboot)`,
        `${A} 2 a b`,
        `${A} 02`,
        `${A} 257`,
        `${A} -1`,
        `../../../../tmp 2`,
        `0000:3B:00.0 2`,
        `${A}`,
      ];
      const r = runScript(shell, root, `# comment\n\n${bad.join('\n')}\n`);
      assert.equal(r.status, 1);
      assert.deepEqual(r.writes, []);
      assert.equal(r.errors.split('\n').length, bad.length, r.errors);
      assert.match(r.errors, /numvfs\.conf:3: expected PCI-ADDRESS/);
    });

    test('--wait: waits for the PF driver to appear', async () => {
      const root = fakeSysfs([{ address: A, numvfs: 0, driver: false }]);
      const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-numvfs-'));
      writeFileSync(join(dir, 'osa-sriov-numvfs'), SCRIPT);
      writeFileSync(join(dir, 'numvfs.conf'), `${A} 2 ens1f0`); // no final newline either
      const child = spawn(
        shell[0]!,
        [...shell.slice(1), join(dir, 'osa-sriov-numvfs'), '--wait', '10', join(dir, 'numvfs.conf')],
        {
          env: { ...process.env, OSA_SRIOV_SYSFS: root },
        },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      setTimeout(() => mkdirSync(join(root, 'bus/pci/devices', A, 'driver')), 300);
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(status, 0);
      assert.equal(stdout, `PF ens1f0 (${A}): 0 -> 2 VFs\n`);
      assert.equal(numvfs(root, A), '2\n');
    });
  });
}

test('the GRUB drop-in appends the arguments to what /etc/default/grub set', () => {
  const { play } = render();
  const content = (
    task(play, 'Kernel arguments: GRUB drop-in (Debian/Ubuntu)')['ansible.builtin.copy'] as {
      content: string;
    }
  ).content.replace("{{ osa_sriov.kernel_args | join(' ') }}", 'intel_iommu=on iommu=pt');
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-grub-'));
  writeFileSync(join(dir, '99-osa-sriov.cfg'), content);
  // grub-mkconfig sources /etc/default/grub, then /etc/default/grub.d/*.cfg, with sh.
  const r = spawnSync(
    'sh',
    [
      '-c',
      `GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"; . "$1"; printf %s "$GRUB_CMDLINE_LINUX_DEFAULT"`,
      'sh',
      join(dir, '99-osa-sriov.cfg'),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.stdout, 'quiet splash intel_iommu=on iommu=pt');
});

test('the unit file parses cleanly for systemd-analyze', {
  skip: has('systemd-analyze') ? false : 'no systemd-analyze here',
}, () => {
  const dir = writeOut(render().files);
  const r = spawnSync(
    'systemd-analyze',
    ['verify', '--man=no', join(dir, 'files/osa-sriov-numvfs.service')],
    {
      encoding: 'utf8',
    },
  );
  // The script is not installed on this machine: that one complaint is expected.
  const problems = r.stderr
    .split('\n')
    .filter((l) => /Failed to parse|Unknown (key|section)|Invalid|Missing '='|bad-setting/i.test(l));
  assert.deepEqual(problems, []);
});

// ansible-playbook: the real parser and templating engine. Required in CI.
const ANSIBLE = has('ansible-playbook');
if (!ANSIBLE && process.env.CI)
  throw new Error('CI must have ansible-playbook (apt-get install ansible-core)');
const noAnsible = ANSIBLE ? false : 'ansible-playbook is not installed (apt-get install ansible-core)';

function ansible(dir: string, args: string[]) {
  return spawnSync('ansible-playbook', args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      ANSIBLE_HOME: join(dir, '.ansible'),
      ANSIBLE_LOCAL_TEMP: join(dir, '.ansible/tmp'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: '0',
    },
  });
}

describe('ansible-playbook', { skip: noAnsible }, () => {
  test('--syntax-check accepts the playbook', () => {
    const dir = writeOut(render().files);
    writeFileSync(join(dir, 'inventory'), `${HOSTS.map((h) => h.host).join('\n')}\n`);
    const r = ansible(dir, ['-i', 'inventory', '--syntax-check', 'sriov-host-setup.yml']);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /WARNING/, r.stderr);
  });

  test('its templates evaluate as intended (only debug, set_fact and fail tasks, on no host)', () => {
    // The real playbook would change this machine: these are its template-only tasks, run
    // against a fake inventory host with a local connection, with their inputs set by hand.
    const { files, play } = render();
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const bare = (name: string, extra: Record<string, unknown> = {}) => {
      const { tags: _tags, ...t } = task(play, name);
      return { ...t, ...extra };
    };
    const content = (name: string) =>
      (task(play, name)['ansible.builtin.copy'] as { content: string }).content;
    const cmdlines = [
      'BOOT_IMAGE=/vmlinuz ro quiet',
      'ro intel_iommu=on iommu=pt',
      'intel_iommu=on,sm_on iommu=pt',
      'intel_iommu=on iommu=pt intel_iommu=off',
      'xintel_iommu=on iommu=pt',
    ];
    const evalPlay = {
      name: 'template evaluation',
      hosts: 'all',
      gather_facts: false,
      vars: play.vars,
      tasks: [
        {
          name: 'missing args per command line',
          'ansible.builtin.set_fact': {
            missing: '{{ missing | default([]) + [osa_sriov_missing_args | trim] }}',
          },
          loop: cmdlines,
          vars: { osa_sriov_words: '{{ item }}' },
        },
        {
          'ansible.builtin.set_fact': {
            osa_sriov_proc_cmdline: { content: b64('ro quiet intel_iommu=on\n') },
          },
        },
        bare('Reboot notice', { register: 'notice' }),
        {
          'ansible.builtin.set_fact': {
            osa_sriov_grubby_info: {
              stdout_lines: ['index=0', 'kernel="/boot/vmlinuz"', 'args="ro crashkernel=auto iommu=pt"'],
            },
          },
        },
        {
          name: 'grubby argv',
          'ansible.builtin.set_fact': {
            grubby: (
              task(play, 'Kernel arguments: grubby (RedHat family)')['ansible.builtin.command'] as {
                argv: string[];
              }
            ).argv,
          },
          vars: task(play, 'Kernel arguments: grubby (RedHat family)').vars,
        },
        {
          'ansible.builtin.set_fact': {
            osa_sriov_current: {
              results: [
                { item: { netdev: 'ens1f0', pci_address: '0000:3b:00.0', num_vfs: 8 }, content: b64('8\n') },
                { item: { netdev: 'ens1f1', pci_address: '0000:3b:00.1', num_vfs: 4 }, content: b64('0\n') },
                { item: { netdev: 'ens2', pci_address: '0000:5e:00.0', num_vfs: 4 }, content: b64('3\n') },
                {
                  item: { netdev: 'ens3', pci_address: '0000:5e:00.1', num_vfs: 2 },
                  msg: 'file not found: /sys/x',
                },
              ],
            },
          },
        },
        bare('Every planned PF is on this host and offers SR-IOV', {
          register: 'missing_pf',
          ignore_errors: true,
        }),
        bare('A VF count in use is only changed when asked', { register: 'change', ignore_errors: true }),
        bare('A VF count in use is only changed when asked', {
          register: 'allowed',
          vars: { osa_sriov_allow_vf_count_change: 'true' },
        }),
        {
          name: 'the copied contents',
          'ansible.builtin.set_fact': {
            grub: content('Kernel arguments: GRUB drop-in (Debian/Ubuntu)'),
            conf: content("VFs: this host's PFs and VF counts"),
            udev: content('VFs: udev rule for hot-plug and driver reloads'),
          },
        },
        {
          name: 'report',
          'ansible.builtin.debug': {
            msg: `RESULT {{ {'missing': missing, 'notice': notice.msg | default(''), 'grubby': grubby,
              'missing_pf': missing_pf.results | map(attribute='msg', default='') | list,
              'change': change.results | map(attribute='msg', default='') | list,
              'allowed': allowed.results | map(attribute='skipped', default=false) | list,
              'grub': grub, 'conf': conf, 'udev': udev} | to_json }}`,
          },
        },
      ],
    };
    const dir = writeOut(files);
    writeFileSync(join(dir, 'eval.yml'), JSON.stringify([evalPlay]));
    const r = ansible(dir, ['-i', 'compute1,', '-c', 'local', 'eval.yml']);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const m = r.stdout.match(/"msg": ("RESULT .*")$/m);
    assert.ok(m, r.stdout);
    const out = JSON.parse((JSON.parse(m[1]!) as string).slice('RESULT '.length)) as Record<string, unknown>;
    assert.deepEqual(out.missing, ['intel_iommu=on iommu=pt', '', '', 'intel_iommu=on', 'intel_iommu=on']);
    assert.match(
      String(out.notice),
      /^REBOOT NEEDED on compute1: kernel arguments iommu=pt are not active yet/,
    );
    assert.deepEqual(out.grubby, ['grubby', '--update-kernel=ALL', '--args=intel_iommu=on']);
    assert.deepEqual(out.missing_pf, [
      '',
      '',
      '',
      "PF ens3 (0000:5e:00.1): file not found: /sys/x. The host's PCI devices differ from the facts the plan was made with: collect them again (osa-sriov collect) and re-plan.",
    ]);
    const change = out.change as string[];
    assert.deepEqual(change.slice(0, 2), ['', '']);
    assert.match(
      change[2]!,
      /^PF ens2 \(0000:5e:00\.0\) has 3 VFs and the plan wants 4\. .*lose their NIC.*-e osa_sriov_allow_vf_count_change=true$/,
    );
    assert.deepEqual(out.allowed, [true, true, true, true]);
    const vars = play.vars.osa_sriov_hosts.compute1!;
    assert.equal(out.conf, vars.numvfs_conf);
    assert.equal(out.udev, vars.udev_rules);
    assert.match(
      String(out.grub),
      /^GRUB_CMDLINE_LINUX_DEFAULT="\$\{GRUB_CMDLINE_LINUX_DEFAULT\} intel_iommu=on iommu=pt"$/m,
    );
  });
});
