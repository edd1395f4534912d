// How a PF's VFs are re-created at every boot: ONE artefact, whoever advises it. The host-setup
// playbook of `plan --host-setup` installs it; `probe` and `check` (SRIOV-HOST-006) print the same
// files as their fix. A script reads a list of PCI address / VF count lines and sets each PF's
// sriov_numvfs; a systemd unit runs it at boot before the network, the SR-IOV agent and
// nova-compute; a udev rule sets a count from 0 when a PF reappears (hot-plug, driver reload).

/** One PF and the VF count it must have at boot. */
export interface PersistedPf {
  netdev: string;
  pciAddress: string;
  numVfs: number;
}

export const SCRIPT = '/usr/local/sbin/osa-sriov-numvfs';
export const CONF = '/etc/osa-sriov/numvfs.conf';
export const UNIT = 'osa-sriov-numvfs.service';
export const UDEV_RULES = '/etc/udev/rules.d/70-osa-sriov.rules';
export const MAX_VFS = 256;

const DO_NOT_EDIT = "Installed by osa-sriov's sriov-host-setup.yml: do not edit, re-run the playbook.";

/** A PF's line of CONF. */
export function numvfsLine(pf: PersistedPf): string {
  return `${pf.pciAddress} ${pf.numVfs} ${pf.netdev}`;
}

/** A PF's rule of UDEV_RULES: set its VF count when its netdev appears with none. */
export function udevRule(pf: PersistedPf): string {
  return `ACTION=="add", SUBSYSTEM=="net", KERNELS=="${pf.pciAddress}", ATTR{device/sriov_numvfs}=="0", ATTR{device/sriov_numvfs}="${pf.numVfs}"`;
}

export function numvfsConf(pfs: readonly PersistedPf[]): string {
  // The leading comment also keeps Ansible from reading the templated value as JSON.
  const lines = [`# ${DO_NOT_EDIT}`, '# PCI-ADDRESS VF-COUNT NETDEV (read by osa-sriov-numvfs)'];
  for (const pf of pfs) lines.push(numvfsLine(pf));
  return `${lines.join('\n')}\n`;
}

export function udevRules(pfs: readonly PersistedPf[]): string {
  const lines = [
    `# ${DO_NOT_EDIT}`,
    "# When a PF's network device appears (boot, hot-plug, driver reload) without VFs, create them.",
    "# KERNELS matches the PF's PCI address among the device's ancestors; a VF's network device",
    '# descends from its own PCI address, so it never matches. A count is only set from 0: changing',
    '# a non-zero count destroys the VFs, and instances using them lose their NIC.',
  ];
  for (const pf of pfs) {
    lines.push(`# ${pf.netdev}`, udevRule(pf));
  }
  return `${lines.join('\n')}\n`;
}

// POSIX sh, run at boot by the unit and by the playbook. `${` is escaped for the template literal.
export const NUMVFS_SCRIPT = `#!/bin/sh
# osa-sriov-numvfs: creates the SR-IOV virtual functions listed in CONFIG.
# ${DO_NOT_EDIT}
# Run at boot by ${UNIT} and by the playbook.
#
#   osa-sriov-numvfs [--wait SECONDS] [CONFIG]
#
# CONFIG (default ${CONF}) has one PF a line, "PCI-ADDRESS VF-COUNT [NETDEV]", and
# # comments. A PF is found by its PCI address, which NIC renames do not change. A PF that has
# its count already is left alone. Another count is set by writing 0 to sriov_numvfs first:
# the kernel refuses to change a non-zero count to another non-zero one. Doing so destroys
# the PF's VFs, and instances using them lose their NIC.
# --wait: at boot a PF's driver may still be loading; wait up to SECONDS in all for it.
# Prints one line per PF it changed; exits 1 if some PF could not be set, 2 on bad usage.
set -u
me=osa-sriov-numvfs
# Overridable for the tests only.
sysfs=\${OSA_SRIOV_SYSFS:-/sys}
conf=${CONF}
budget=0

usage() { echo "usage: $me [--wait SECONDS] [CONFIG]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --wait) [ $# -ge 2 ] || usage; budget=$2; shift 2 ;;
    -*) usage ;;
    *) conf=$1; shift ;;
  esac
done
case $budget in ''|*[!0-9]*) usage ;; esac
[ -r "$conf" ] || { echo "$me: cannot read $conf" >&2; exit 2; }

rc=0
fail() { printf '%s: %s\\n' "$me" "$*" >&2; rc=1; }
# The only writes to sysfs, in one place (sh -x shows each one).
put() { printf '%s\\n' "$2" > "$1"; }

# set_vfs ADDRESS COUNT LABEL
set_vfs() {
  pf=$3 dev=$sysfs/bus/pci/devices/$1
  # PCI devices are all known before this runs: only a driver may still be binding.
  if [ ! -e "$dev" ]; then fail "PF $pf: no such PCI device on this host"; return; fi
  while [ ! -e "$dev/driver" ] && [ "$budget" -gt 0 ]; do sleep 1; budget=$((budget - 1)); done
  if [ ! -e "$dev/sriov_numvfs" ]; then fail "PF $pf: the device has no SR-IOV capability (no sriov_numvfs)"; return; fi
  if [ ! -e "$dev/driver" ]; then fail "PF $pf: no driver is bound to the device, so it cannot have VFs"; return; fi
  # cat, not read: read takes one byte at a time, which some kernel files answer wrongly.
  cur=$(cat "$dev/sriov_numvfs")
  case $cur in ''|*[!0-9]*) fail "PF $pf: cannot read $dev/sriov_numvfs"; return ;; esac
  [ "$cur" -eq "$2" ] && return
  total=$(cat "$dev/sriov_totalvfs" 2>/dev/null)
  case $total in
    ''|*[!0-9]*) ;;
    *) if [ "$2" -gt "$total" ]; then fail "PF $pf: $2 VFs asked, the device offers at most $total"; return; fi ;;
  esac
  if [ "$cur" -ne 0 ] && ! put "$dev/sriov_numvfs" 0; then
    fail "PF $pf: removing its $cur VFs (writing 0 to $dev/sriov_numvfs) failed; see dmesg"
    return
  fi
  if ! put "$dev/sriov_numvfs" "$2"; then
    fail "PF $pf: writing $2 to $dev/sriov_numvfs failed, the PF has no VFs now; see dmesg"
    return
  fi
  echo "PF $pf: $cur -> $2 VFs"
}

# Validated: the address becomes a sysfs path, the count a value the kernel reads in base 0.
n=0
while read -r addr count name extra || [ -n "$addr" ]; do
  n=$((n + 1))
  case $addr in ''|'#'*) continue ;; esac
  ok=1
  case $addr in [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[01][0-9a-f].[0-7]) ;; *) ok=0 ;; esac
  case $count in 0|[1-9]|[1-9][0-9]|[1-9][0-9][0-9]) [ "$count" -le ${MAX_VFS} ] || ok=0 ;; *) ok=0 ;; esac
  case $name in *[!A-Za-z0-9_.-]*) ok=0 ;; esac
  [ -z "$extra" ] || ok=0
  if [ $ok = 0 ]; then
    fail "$conf:$n: expected PCI-ADDRESS (like 0000:3b:00.0) VF-COUNT (0-${MAX_VFS}) [NETDEV]"
    continue
  fi
  if [ -n "$name" ]; then set_vfs "$addr" "$count" "$name ($addr)"; else set_vfs "$addr" "$count" "$addr"; fi
done < "$conf"
exit $rc
`;

export const NUMVFS_UNIT = `# ${DO_NOT_EDIT}
# Creates the SR-IOV VFs listed in ${CONF} (each PF's sriov_numvfs, by PCI address) at
# boot, before the network is configured and before the Neutron SR-IOV agent and nova-compute
# start: they only see the VFs that exist when they start.
# No default dependencies: with them (After=sysinit.target basic.target) and Before=network-pre
# the unit closes an ordering cycle through cloud-init on Ubuntu, which systemd breaks at random.
[Unit]
Description=osa-sriov: create the SR-IOV virtual functions (sriov_numvfs)
DefaultDependencies=no
After=local-fs.target systemd-udev-trigger.service systemd-udev-settle.service systemd-modules-load.service
Before=network-pre.target neutron-sriov-nic-agent.service nova-compute.service shutdown.target
Wants=network-pre.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${SCRIPT} --wait 60 ${CONF}
TimeoutStartSec=180

[Install]
WantedBy=multi-user.target
`;

// Values that go into the files unquoted: only what the kernel and the script accept.
const NETDEV = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/;
const PCI = /^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/;

/**
 * The fix `probe` and `check` give for a PF whose VFs nothing re-creates at boot: the files
 * the host setup installs, with this PF's lines, as a block of lines (never joined). A PF with
 * no known PCI address or an out-of-range count gets the recipe without its lines.
 */
export function persistenceFix(
  pf: { netdev: string | null; pciAddress: string | null },
  numVfs: number,
): string {
  const pci = pf.pciAddress?.toLowerCase() ?? '';
  const ok = PCI.test(pci) && Number.isInteger(numVfs) && numVfs >= 1 && numVfs <= MAX_VFS;
  // The script and the rule find the PF by address; the name is a label, left out when unsafe.
  const p: PersistedPf = {
    netdev: pf.netdev && NETDEV.test(pf.netdev) ? pf.netdev : '',
    pciAddress: pci,
    numVfs,
  };
  const indent = (text: string) =>
    text
      .trimEnd()
      .split('\n')
      .map((l) => (l === '' ? '' : `  ${l}`));
  return [
    `re-create the VFs at boot with the files \`osa-sriov plan --host-setup\` installs (run its playbook, or install them by hand):`,
    ok
      ? `${CONF}, one line per PF:`
      : `${CONF}, one line per PF: PCI-ADDRESS VF-COUNT NETDEV (this PF's PCI address is not known: read it with ethtool -i)`,
    ...(ok ? indent(numvfsLine(p).trimEnd()) : []),
    `${UDEV_RULES}, one rule per PF (only from 0 VFs: changing a count destroys the VFs):`,
    ...(ok
      ? indent(udevRule(p))
      : indent(
          'ACTION=="add", SUBSYSTEM=="net", KERNELS=="PCI-ADDRESS", ATTR{device/sriov_numvfs}=="0", ATTR{device/sriov_numvfs}="VF-COUNT"',
        )),
    `/etc/systemd/system/${UNIT}:`,
    ...indent(NUMVFS_UNIT),
    `${SCRIPT} (mode 0755): the script that unit runs, files/osa-sriov-numvfs of the host setup`,
    `then: systemctl daemon-reload && systemctl enable --now ${UNIT} && udevadm control --reload`,
  ].join('\n');
}
