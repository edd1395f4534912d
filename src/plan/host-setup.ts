// The host setup of `osa-sriov plan --host-setup DIR`: one Ansible playbook that puts the IOMMU
// kernel arguments on each planned host and re-creates its VFs at every boot (a systemd unit
// ordered before the SR-IOV agent and nova-compute, and a udev rule for hot-plug and driver
// reloads). Pure: it returns the files' text, the caller writes them (docs/host-setup.md).
import { InputError } from '../errors.js';
import {
  CONF,
  MAX_VFS,
  NUMVFS_SCRIPT,
  NUMVFS_UNIT,
  numvfsConf,
  type PersistedPf,
  SCRIPT,
  UDEV_RULES,
  UNIT,
  udevRules,
} from '../vf-persistence.js';

export type HostSetupPf = PersistedPf;

export interface HostSetupHost {
  /** Ansible inventory_hostname. */
  host: string;
  /** /proc/cpuinfo vendor_id: "GenuineIntel", "AuthenticAMD", "HygonGenuine", or null if unknown. */
  cpuVendor: string | null;
  /** The host's current /proc/cmdline, null if unknown. */
  cmdline: string | null;
  /** The IOMMU is on now (facts: iommu.enabled); null or absent if unknown. */
  iommuOn?: boolean | null;
  pfs: HostSetupPf[];
}

/** Any name or value that cannot go into the playbook; the message says which and why. */
export class HostSetupError extends InputError {
  override name = 'HostSetupError';
  constructor(message: string) {
    super('host-setup-invalid', message, null, 'fix the names in the facts or the intent');
  }
}

export const HOST_SETUP_PLAYBOOK = 'sriov-host-setup.yml';
const GRUB_DROPIN = '/etc/default/grub.d/99-osa-sriov.cfg';
const TAG_KERNEL = 'osa-sriov-kernel-args';
const TAG_VFS = 'osa-sriov-vfs';
/** The extra var that lets the playbook change a PF's non-zero VF count. */
const ALLOW_CHANGE = 'osa_sriov_allow_vf_count_change';

// Whitelists, not blacklists: every value ends up in YAML, Jinja, shell and udev syntax.
const HOST = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$/;
const NETDEV = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/;
/** domain:bus:device.function; a PCI device number has 5 bits (00–1f). */
const PCI = /^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/;

const INTEL = ['intel_iommu=on', 'iommu=pt'];
// The AMD IOMMU is on whenever AMD-Vi is enabled in the firmware: the kernel has no
// amd_iommu=on (amd_iommu= takes fullflush, off, force_isolation…), so only passthrough.
const AMD = ['iommu=pt'];
const VENDORS: Readonly<Record<string, readonly string[]>> = {
  GenuineIntel: INTEL,
  AuthenticAMD: AMD,
  HygonGenuine: AMD,
};

/** The kernel arguments a host needs for SR-IOV, by CPU vendor (/proc/cpuinfo vendor_id). */
export function kernelArgsFor(cpuVendor: string | null): string[] {
  if (cpuVendor === null) {
    throw new HostSetupError(
      "the CPU vendor is unknown, so the IOMMU kernel arguments are too: collect the host's facts with `osa-sriov collect` (a snapshot has /proc/cpuinfo) and plan with them",
    );
  }
  const args = Object.hasOwn(VENDORS, cpuVendor) ? VENDORS[cpuVendor] : undefined;
  if (!args) {
    throw new HostSetupError(
      `CPU vendor ${JSON.stringify(cpuVendor)} has no known IOMMU kernel arguments (known: ${Object.keys(VENDORS).join(', ')}); set the host up by hand`,
    );
  }
  return [...args];
}

/**
 * Whether `arg` (key=option) is in effect on a command line: the kernel applies its parameters
 * in order, so the last `key=` word decides, and it may list options ("intel_iommu=on,sm_on").
 * The playbook's reboot notice applies the same rule (MISSING_ARGS below).
 */
function active(words: readonly string[], arg: string): boolean {
  const eq = arg.indexOf('=');
  const key = arg.slice(0, eq + 1);
  const last = words.filter((w) => w.startsWith(key)).at(-1);
  const options = last === undefined ? [] : last.slice(key.length).split(',');
  return options.includes(arg.slice(eq + 1));
}

/** kernelArgsFor(its vendor) that the host's running kernel lacks (all of them when unknown). */
export function missingKernelArgs(h: HostSetupHost): string[] {
  const args = kernelArgsFor(h.cpuVendor);
  if (h.cmdline === null) return args;
  const words = h.cmdline.split(/\s+/).filter(Boolean);
  return args.filter((a) => !active(words, a));
}

/**
 * True when the host must be rebooted (and so drained) for SR-IOV: its IOMMU is not known to be
 * on and the running kernel lacks some kernel arguments. An unknown cmdline counts as lacking
 * them: nothing shows they are active. With the IOMMU on, SR-IOV works: a missing iommu=pt (host
 * DMA untranslated, faster host networking) is optional and waits for the next reboot
 * (optionalKernelArgs). Throws HostSetupError when the vendor is unknown.
 */
export function rebootNeeded(h: HostSetupHost): boolean {
  return h.iommuOn !== true && missingKernelArgs(h).length > 0;
}

/** The kernel arguments missing on a host whose IOMMU is on: no reboot is needed for them. */
export function optionalKernelArgs(h: HostSetupHost): string[] {
  return h.iommuOn === true ? missingKernelArgs(h) : [];
}

interface CheckedHost {
  host: string;
  kernelArgs: string[];
  pfs: HostSetupPf[];
}

function checkPf(host: string, pf: HostSetupPf): HostSetupPf {
  const where = `host ${host}`;
  if (typeof pf.netdev !== 'string' || !NETDEV.test(pf.netdev)) {
    throw new HostSetupError(
      `${where}: interface name ${JSON.stringify(pf.netdev)}: 1 to 15 letters, digits, ".", "_" or "-" are expected`,
    );
  }
  const pciAddress = typeof pf.pciAddress === 'string' ? pf.pciAddress.toLowerCase() : '';
  if (!PCI.test(pciAddress)) {
    throw new HostSetupError(
      `${where}, ${pf.netdev}: PCI address ${JSON.stringify(pf.pciAddress)}: domain:bus:device.function such as 0000:3b:00.0 is expected`,
    );
  }
  if (!Number.isInteger(pf.numVfs) || pf.numVfs < 1 || pf.numVfs > MAX_VFS) {
    throw new HostSetupError(
      `${where}, ${pf.netdev} (${pciAddress}): VF count ${JSON.stringify(pf.numVfs)}: a whole number from 1 to ${MAX_VFS} is expected`,
    );
  }
  return { netdev: pf.netdev, pciAddress, numVfs: pf.numVfs };
}

function checkHost(h: HostSetupHost): CheckedHost {
  if (typeof h.host !== 'string' || !HOST.test(h.host)) {
    throw new HostSetupError(
      `host name ${JSON.stringify(h.host)}: an Ansible inventory name of letters, digits, ".", "_" and "-" is expected`,
    );
  }
  // As a play's host pattern these select groups, not one host.
  if (h.host === 'all' || h.host === 'ungrouped') {
    throw new HostSetupError(`host name "${h.host}" is an Ansible group pattern, not a host`);
  }
  let kernelArgs: string[];
  try {
    kernelArgs = kernelArgsFor(h.cpuVendor);
  } catch (e) {
    throw new HostSetupError(`host ${h.host}: ${(e as Error).message}`);
  }
  const pfs = h.pfs.map((pf) => checkPf(h.host, pf));
  for (const [i, pf] of pfs.entries()) {
    const before = pfs.slice(0, i);
    if (before.some((p) => p.pciAddress === pf.pciAddress)) {
      throw new HostSetupError(`host ${h.host}: PCI address ${pf.pciAddress} is listed twice`);
    }
    if (before.some((p) => p.netdev === pf.netdev)) {
      throw new HostSetupError(`host ${h.host}: interface ${pf.netdev} is listed twice`);
    }
  }
  return { host: h.host, kernelArgs, pfs };
}

function check(hosts: readonly HostSetupHost[]): CheckedHost[] {
  if (hosts.length === 0) throw new HostSetupError('no hosts to set up');
  const checked = hosts.map(checkHost);
  for (const [i, h] of checked.entries()) {
    if (checked.slice(0, i).some((o) => o.host === h.host)) {
      throw new HostSetupError(`host ${h.host} is listed twice`);
    }
  }
  return checked;
}

/** A YAML double-quoted scalar: JSON strings are valid YAML, and nothing inside can escape. */
const q = (s: string): string => JSON.stringify(s);
const list = (items: readonly string[]): string => `[${items.map(q).join(', ')}]`;

/**
 * Jinja: the words of kernel_args not in effect in `osa_sriov_words` (a command line), as
 * "word word " — the same rule as active() above. Lazy: each task sets osa_sriov_words.
 */
const MISSING_ARGS =
  "{% set words = osa_sriov_words.split() %}{% for arg in osa_sriov.kernel_args if arg.split('=', 1)[1] not in (words | select('match', arg.split('=', 1)[0] ~ '=') | list | last | default('=')).split('=', 1)[1].split(',') %}{{ arg }} {% endfor %}";

const GRUB_CFG =
  "# Installed by osa-sriov's sriov-host-setup.yml: do not edit, re-run the playbook.\n" +
  '# The IOMMU kernel arguments SR-IOV needs; update-grub reads this after /etc/default/grub.\n' +
  `GRUB_CMDLINE_LINUX_DEFAULT="\${GRUB_CMDLINE_LINUX_DEFAULT} {{ osa_sriov.kernel_args | join(' ') }}"\n`;

function hostVars(h: CheckedHost): string[] {
  const pfs = h.pfs.map(
    (pf) => `          - {netdev: ${q(pf.netdev)}, pci_address: ${q(pf.pciAddress)}, num_vfs: ${pf.numVfs}}`,
  );
  return [
    `      ${q(h.host)}:`,
    `        kernel_args: ${list(h.kernelArgs)}`,
    ...(pfs.length > 0 ? ['        pfs:', ...pfs] : ['        pfs: []']),
    `        numvfs_conf: ${q(numvfsConf(h.pfs))}`,
    `        udev_rules: ${q(udevRules(h.pfs))}`,
  ];
}

function playbook(hosts: readonly CheckedHost[]): string {
  const names = hosts.map((h) => h.host);
  const kernel = `      tags: ${list([TAG_KERNEL])}`;
  const vfs = `      tags: ${list([TAG_VFS])}`;
  const lines = [
    '---',
    '# Generated by `osa-sriov plan --host-setup`: regenerate it rather than editing it.',
    '# SR-IOV host setup: the IOMMU kernel arguments (a reboot activates them; the playbook never',
    '# reboots) and the VFs, created now and at every boot before the SR-IOV agent and nova-compute.',
    "# Changing a PF's VF count destroys its VFs: the playbook refuses unless run with",
    `# -e ${ALLOW_CHANGE}=true, on a drained host. See README.md beside this file.`,
    `- name: ${q('osa-sriov: SR-IOV host setup (IOMMU kernel arguments, VFs at boot)')}`,
    `  hosts: ${q(names.join(':'))}`,
    '  become: true',
    "  # os_family is all the playbook needs from the hosts; the rest comes from osa-sriov's facts.",
    '  gather_facts: true',
    `  gather_subset: ${list(['!all', 'min'])}`,
    '  vars:',
    '    osa_sriov_hosts:',
    ...hosts.flatMap(hostVars),
    `    osa_sriov: ${q('{{ osa_sriov_hosts[inventory_hostname] }}')}`,
    `    osa_sriov_missing_args: ${q(MISSING_ARGS)}`,
    '  tasks:',
    // Guards first: nothing is written on a host whose PFs are not the planned ones.
    `    - name: ${q("Read each PF's current VF count")}`,
    '      ansible.builtin.slurp:',
    `        src: ${q('/sys/bus/pci/devices/{{ item.pci_address }}/sriov_numvfs')}`,
    `      loop: ${q('{{ osa_sriov.pfs }}')}`,
    '      loop_control:',
    `        label: ${q('{{ item.netdev }} ({{ item.pci_address }})')}`,
    '      register: "osa_sriov_current"',
    '      failed_when: false',
    vfs,
    `    - name: ${q('Every planned PF is on this host and offers SR-IOV')}`,
    '      ansible.builtin.fail:',
    `        msg: ${q("PF {{ item.item.netdev }} ({{ item.item.pci_address }}): {{ item.msg | default('no sriov_numvfs') }}. The host's PCI devices differ from the facts the plan was made with: collect them again (osa-sriov collect) and re-plan.")}`,
    `      loop: ${q('{{ osa_sriov_current.results }}')}`,
    '      loop_control:',
    `        label: ${q('{{ item.item.netdev }} ({{ item.item.pci_address }})')}`,
    `      when: ${q('item.content is not defined')}`,
    vfs,
    `    - name: ${q('A VF count in use is only changed when asked')}`,
    '      ansible.builtin.fail:',
    `        msg: ${q(`PF {{ item.item.netdev }} ({{ item.item.pci_address }}) has {{ item.content | b64decode | trim }} VFs and the plan wants {{ item.item.num_vfs }}. Changing the count destroys every VF of the PF first, and instances using them lose their NIC: disable this host's nova-compute service, migrate its instances away, then re-run with -e ${ALLOW_CHANGE}=true`)}`,
    `      loop: ${q('{{ osa_sriov_current.results }}')}`,
    '      loop_control:',
    `        label: ${q('{{ item.item.netdev }} ({{ item.item.pci_address }})')}`,
    `      when: ${list([
      'item.content is defined',
      '(item.content | b64decode | trim | int) not in [0, item.item.num_vfs | int]',
      `not (${ALLOW_CHANGE} | default(false) | bool)`,
    ])}`,
    vfs,
    `    - name: ${q('Kernel arguments: the OS family is one this playbook knows')}`,
    '      ansible.builtin.fail:',
    `        msg: ${q(`No way to set kernel arguments on OS family {{ ansible_facts['os_family'] }}: add {{ osa_sriov.kernel_args | join(' ') }} to the kernel command line by hand, then re-run with --skip-tags ${TAG_KERNEL}`)}`,
    `      when: ${q("ansible_facts['os_family'] not in ['Debian', 'RedHat']")}`,
    kernel,
    `    - name: ${q('Kernel arguments: the GRUB drop-in directory (Debian/Ubuntu)')}`,
    '      ansible.builtin.file:',
    `        path: ${q('/etc/default/grub.d')}`,
    `        state: ${q('directory')}`,
    '        owner: "root"',
    '        group: "root"',
    `        mode: ${q('0755')}`,
    `      when: ${q("ansible_facts['os_family'] == 'Debian'")}`,
    kernel,
    `    - name: ${q('Kernel arguments: GRUB drop-in (Debian/Ubuntu)')}`,
    '      ansible.builtin.copy:',
    `        dest: ${q(GRUB_DROPIN)}`,
    `        content: ${q(GRUB_CFG)}`,
    '        owner: "root"',
    '        group: "root"',
    `        mode: ${q('0644')}`,
    `      when: ${q("ansible_facts['os_family'] == 'Debian'")}`,
    '      register: "osa_sriov_grub_dropin"',
    kernel,
    // A task, not a handler: a handler is lost for good when a later task fails first.
    `    - name: ${q('Kernel arguments: update-grub after a change of the drop-in (Debian/Ubuntu)')}`,
    '      ansible.builtin.command:',
    `        argv: ${list(['update-grub'])}`,
    `      when: ${q("ansible_facts['os_family'] == 'Debian' and osa_sriov_grub_dropin is changed")}`,
    kernel,
    `    - name: ${q('Kernel arguments: read the default boot entry (RedHat family)')}`,
    '      ansible.builtin.command:',
    `        argv: ${list(['grubby', '--info=DEFAULT'])}`,
    '      register: "osa_sriov_grubby_info"',
    '      changed_when: false',
    '      check_mode: false',
    `      when: ${q("ansible_facts['os_family'] == 'RedHat'")}`,
    kernel,
    `    - name: ${q('Kernel arguments: grubby (RedHat family)')}`,
    '      ansible.builtin.command:',
    `        argv: ${list(['grubby', '--update-kernel=ALL', '--args={{ osa_sriov_missing_args | trim }}'])}`,
    `      when: ${list(["ansible_facts['os_family'] == 'RedHat'", 'osa_sriov_missing_args | trim | length > 0'])}`,
    '      vars:',
    `        osa_sriov_words: ${q("{{ (osa_sriov_grubby_info.stdout_lines | select('match', 'args=') | first | default('args='))[5:] | replace('\"', ' ') }}")}`,
    kernel,
    `    - name: ${q("VFs: the script that sets each PF's VF count")}`,
    '      ansible.builtin.copy:',
    `        src: ${q('osa-sriov-numvfs')}`,
    `        dest: ${q(SCRIPT)}`,
    '        owner: "root"',
    '        group: "root"',
    `        mode: ${q('0755')}`,
    vfs,
    `    - name: ${q('VFs: the configuration directory')}`,
    '      ansible.builtin.file:',
    `        path: ${q('/etc/osa-sriov')}`,
    `        state: ${q('directory')}`,
    '        owner: "root"',
    '        group: "root"',
    `        mode: ${q('0755')}`,
    vfs,
    `    - name: ${q("VFs: this host's PFs and VF counts")}`,
    '      ansible.builtin.copy:',
    `        dest: ${q(CONF)}`,
    `        content: ${q('{{ osa_sriov.numvfs_conf }}')}`,
    '        owner: "root"',
    '        group: "root"',
    `        mode: ${q('0644')}`,
    vfs,
    `    - name: ${q('VFs: udev rule for hot-plug and driver reloads')}`,
    '      ansible.builtin.copy:',
    `        dest: ${q(UDEV_RULES)}`,
    `        content: ${q('{{ osa_sriov.udev_rules }}')}`,
    '        owner: "root"',
    '        group: "root"',
    `        mode: ${q('0644')}`,
    `      notify: ${q('osa-sriov: reload udev rules')}`,
    vfs,
    `    - name: ${q('VFs: the boot-time unit')}`,
    '      ansible.builtin.copy:',
    `        src: ${q(UNIT)}`,
    `        dest: ${q(`/etc/systemd/system/${UNIT}`)}`,
    '        owner: "root"',
    '        group: "root"',
    `        mode: ${q('0644')}`,
    '      register: "osa_sriov_unit"',
    vfs,
    // Run here rather than through the unit, so that a failure shows its message in Ansible's output.
    `    - name: ${q('VFs: set the VF counts now')}`,
    '      ansible.builtin.command:',
    `        argv: ${list([SCRIPT, CONF])}`,
    '      register: "osa_sriov_numvfs"',
    `      changed_when: ${q('osa_sriov_numvfs.stdout | length > 0')}`,
    vfs,
    `    - name: ${q('VFs: enable and start the boot-time unit')}`,
    '      ansible.builtin.systemd:',
    `        name: ${q(UNIT)}`,
    '        enabled: true',
    '        state: "started"',
    `        daemon_reload: ${q('{{ osa_sriov_unit is changed }}')}`,
    // In check mode the unit was not copied, so systemd does not know it yet.
    `      ignore_errors: ${q('{{ ansible_check_mode }}')}`,
    vfs,
    `    - name: ${q("Read the running kernel's command line")}`,
    '      ansible.builtin.slurp:',
    `        src: ${q('/proc/cmdline')}`,
    '      register: "osa_sriov_proc_cmdline"',
    kernel,
    // IOMMU groups exist only when the IOMMU is on; then SR-IOV works and iommu=pt can wait.
    `    - name: ${q('Is the IOMMU on (IOMMU groups exist)?')}`,
    '      ansible.builtin.find:',
    `        paths: ${q('/sys/kernel/iommu_groups')}`,
    `        file_type: ${q('directory')}`,
    '      register: "osa_sriov_iommu_groups"',
    kernel,
    `    - name: ${q('Reboot notice')}`,
    '      ansible.builtin.debug:',
    `        msg: ${q("REBOOT NEEDED on {{ inventory_hostname }}: kernel arguments {{ osa_sriov_missing_args | trim }} are not active yet (they are in the boot configuration now). Disable the host's nova-compute service, migrate its instances away and reboot it: this playbook never reboots.")}`,
    `      when: ${list(['osa_sriov_missing_args | trim | length > 0', '(osa_sriov_iommu_groups.matched | default(0) | int) == 0'])}`,
    '      vars:',
    `        osa_sriov_words: ${q('{{ osa_sriov_proc_cmdline.content | b64decode }}')}`,
    kernel,
    `    - name: ${q('Optional kernel arguments notice')}`,
    '      ansible.builtin.debug:',
    `        msg: ${q('No reboot needed on {{ inventory_hostname }}: the IOMMU is on, so SR-IOV works now. Kernel arguments {{ osa_sriov_missing_args | trim }} (iommu=pt: host DMA untranslated, faster host networking) are optional; they take effect at the next reboot, whenever that is.')}`,
    `      when: ${list(['osa_sriov_missing_args | trim | length > 0', '(osa_sriov_iommu_groups.matched | default(0) | int) > 0'])}`,
    '      vars:',
    `        osa_sriov_words: ${q('{{ osa_sriov_proc_cmdline.content | b64decode }}')}`,
    kernel,
    '  handlers:',
    `    - name: ${q('osa-sriov: reload udev rules')}`,
    '      ansible.builtin.command:',
    `        argv: ${list(['udevadm', 'control', '--reload'])}`,
    '      changed_when: true',
  ];
  return `${lines.join('\n')}\n`;
}

function readme(hosts: readonly CheckedHost[]): string {
  const rows = hosts.map((h) => {
    const pfs = h.pfs.map((pf) => `${pf.netdev} (${pf.pciAddress}): ${pf.numVfs} VFs`).join('; ');
    return `- ${h.host}: ${h.kernelArgs.join(' ')}${pfs ? `; ${pfs}` : ''}`;
  });
  return `# SR-IOV host setup

Generated by \`osa-sriov plan --host-setup\`; regenerate it rather than editing it.

\`${HOST_SETUP_PLAYBOOK}\` sets up, on each host below, the IOMMU kernel arguments and the VFs:

${rows.join('\n')}

On each host it installs ${SCRIPT}, ${CONF}, /etc/systemd/system/${UNIT}
(run at boot before networking, neutron-sriov-nic-agent and nova-compute) and
${UDEV_RULES}; on Debian/Ubuntu ${GRUB_DROPIN} then \`update-grub\`, on the
RedHat family \`grubby --update-kernel=ALL --args=…\`. It creates the VFs right away.

## Run it

From the deploy host, in this directory (OSA's inventory and SSH settings):

    openstack-ansible ${HOST_SETUP_PLAYBOOK}

or with any inventory that names the hosts as OSA does:

    ansible-playbook -i INVENTORY ${HOST_SETUP_PLAYBOOK}

- \`--limit HOST\` runs it on some hosts only, e.g. one at a time.
- \`--check --diff\` shows what it would change without changing anything.
- \`--tags ${TAG_VFS}\` or \`--tags ${TAG_KERNEL}\` runs one half.

Running it again changes nothing when nothing changed.

## Changing a VF count destroys the VFs

The kernel changes a PF's VF count only from or to 0, so a new count first removes every VF of
the PF: instances using them lose their NIC. The playbook refuses to change a non-zero count
unless run with \`-e ${ALLOW_CHANGE}=true\`. Do that on drained hosts only: disable the
host's nova-compute service and migrate its instances away first.

## Reboot

New kernel arguments take effect at the next boot. The playbook never reboots. A reboot is
needed only where the IOMMU is off: the playbook prints "REBOOT NEEDED on HOST" for each such
host whose running kernel lacks the arguments. Drain such a host, then reboot it. Where the
IOMMU is on already, SR-IOV works without a reboot: a missing \`iommu=pt\` (faster host
networking) is optional and takes effect at the host's next reboot, whenever that is.
`;
}

/**
 * The host-setup files, relative file name → content: the playbook, the files it copies and a
 * README. Pure and deterministic; throws HostSetupError on any invalid name or value.
 */
export function renderHostSetup(hosts: readonly HostSetupHost[]): Map<string, string> {
  const checked = check(hosts);
  return new Map([
    [HOST_SETUP_PLAYBOOK, playbook(checked)],
    ['files/osa-sriov-numvfs', NUMVFS_SCRIPT],
    [`files/${UNIT}`, NUMVFS_UNIT],
    ['README.md', readme(checked)],
  ]);
}
