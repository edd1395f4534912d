import { factsLine, isSriovCompute, verdict } from '../../deployment/host-helpers.js';
import type { HostFacts } from '../../facts/host-facts.js';
import type { HostFinding, Rule } from '../rule.js';

const GRUB =
  'to GRUB_CMDLINE_LINUX in /etc/default/grub, then run update-grub (Debian/Ubuntu) or grub2-mkconfig -o /boot/grub2/grub.cfg (RHEL family; or grubby --update-kernel=ALL --args="…"), and reboot the host (disable its nova-compute service and move its instances first)';

const SYMPTOM =
  'VFs cannot be given to guests: libvirt refuses to start them with "unsupported configuration: host doesn\'t support passthrough of host PCI devices" (QEMU\'s vfio: "no iommu_group found"), Nova tries other hosts and the instance ends with "Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures" — only macvtap ports work without an IOMMU';

/** Which IOMMU the host has or would have: from the registered units, else the CPU vendor. */
function vendorOf(f: HostFacts): 'intel' | 'amd' | null {
  const units = f.iommu.units ?? [];
  if (units.some((u) => u.startsWith('dmar'))) return 'intel';
  if (units.some((u) => u.startsWith('ivhd'))) return 'amd';
  if (f.cpu.vendor === 'GenuineIntel') return 'intel';
  if (f.cpu.vendor === 'AuthenticAMD' || f.cpu.vendor === 'HygonGenuine') return 'amd';
  return null;
}

const OFF_WORDS = /^(intel_iommu=off|amd_iommu=off|iommu=off)$/;

export const rule: Rule = {
  id: 'SRIOV-HOST-001',
  severity: 'error',
  title: 'The IOMMU is off on an SR-IOV compute host',
  rationale:
    'Direct and direct-physical ports hand a VF or PF to the guest through VFIO, which needs an active IOMMU (Intel VT-d / AMD-Vi). With it off, libvirt refuses every such instance.',
  needs: 'facts',
  scope: 'host',
  runHost(_ctx, h) {
    const out: HostFinding[] = [];
    if (!h.facts || !isSriovCompute(h)) return [];
    const f = h.facts;
    // null: not collected (pasted facts) — nothing to judge; true: on.
    if (f.iommu.enabled !== false) return [];
    const words = f.iommu.cmdline ?? [];
    const units = f.iommu.units ?? [];
    const shown = words.length > 0 ? words.join(' ') : 'no IOMMU words';
    const vendor = vendorOf(f);
    const args =
      vendor === 'amd'
        ? 'iommu=pt'
        : vendor === 'intel'
          ? 'intel_iommu=on iommu=pt'
          : 'intel_iommu=on iommu=pt (Intel; AMD needs only iommu=pt)';
    const off = words.filter((w) => OFF_WORDS.test(w));
    const noHardware = verdict(f, null, 'iommu.no-hardware');
    const code = noHardware ? 'iommu.no-hardware' : 'iommu.disabled';
    let why: string;
    let fix: string;
    if (off.length > 0) {
      why = `the kernel command line turns it off (${off.join(' ')})`;
      const add = args
        .split(' ')
        .filter((a) => a.includes('=') && !words.includes(a))
        .join(' ');
      const edit = add
        ? `remove ${off.join(' ')} and add ${add} ${GRUB}`
        : `remove ${off.join(' ')} ${GRUB.replace(/^to /, 'from ')}`;
      fix = `${edit}; VT-d/AMD-Vi must also be enabled in the BIOS/UEFI setup`;
    } else if (noHardware) {
      const hw = vendor === 'intel' ? 'VT-d' : vendor === 'amd' ? 'AMD-Vi (IOMMU)' : 'VT-d / AMD-Vi';
      why = `the kernel was booted with ${shown} but no IOMMU unit registered: ${hw} is disabled or absent in the firmware (a virtual machine needs a virtual IOMMU from its hypervisor)`;
      fix = `enable ${hw}, and SR-IOV, in the BIOS/UEFI setup and reboot; the kernel arguments are already there`;
    } else if (units.length > 0) {
      why = `IOMMU unit(s) ${units.join(', ')} are registered but there are no IOMMU groups, so DMA remapping is not active (kernel command line: ${shown})`;
      fix = `add ${args} ${GRUB}`;
    } else if (vendor === 'amd') {
      why = `no IOMMU unit registered (kernel command line: ${shown}); AMD's IOMMU driver starts by itself when the firmware enables AMD-Vi, so it is disabled in the BIOS/UEFI setup`;
      fix = `enable IOMMU/AMD-Vi (and SR-IOV) in the BIOS/UEFI setup; add iommu=pt ${GRUB} (amd_iommu=on, often recommended, is not an option the kernel knows and changes nothing)`;
    } else {
      why = `no IOMMU unit registered and the kernel command line lacks intel_iommu=on (${shown}); most distribution kernels leave VT-d off without it. If it is already in /etc/default/grub, the host has not been rebooted since: /proc/cmdline is the running kernel's`;
      fix = `add ${args} ${GRUB}; VT-d must also be enabled in the BIOS/UEFI setup`;
    }
    out.push({
      severity: 'error',
      message: `IOMMU off: ${why}. ${SYMPTOM}`,
      evidence: [
        `/proc/cmdline: ${f.kernel.cmdline ?? '(not collected)'}`,
        `/sys/class/iommu: ${units.length > 0 ? units.join(', ') : 'empty'}; IOMMU groups: ${f.iommu.groups ?? 'unknown'}`,
        `CPU: ${f.cpu.vendor ?? 'unknown'} (${f.cpu.virtualization ?? 'no vmx/svm'})`,
        `readiness: ${code}`,
        factsLine(h),
      ],
      fix,
    });
    return out;
  },
};
