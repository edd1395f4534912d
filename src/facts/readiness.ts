// What an operator must know before SR-IOV can work on this host, judged from HostFacts
// alone: CPU virtualization, IOMMU, VFs, bonds, drivers, persistence. Pure: no I/O.
import {
  AgentConfigError,
  iniValue,
  parseListOpt,
  parsePhysicalDeviceMappings,
} from '../openstack/neutron-agent-config.js';
import { guestHold } from '../openstack/neutron-eswitch.js';
import { novaHostFromFacts } from '../openstack/nova-host.js';
import { pfSelection, readDeviceSpecs, specListKey } from '../openstack/nova-specs-shared.js';
import { persistenceFix } from '../vf-persistence.js';
import type { HostFacts, Pf, Vf } from './host-facts.js';
import { guestVfDriver } from './vf-drivers.js';

export type Level = 'ok' | 'info' | 'warning' | 'error';

export interface Verdict {
  level: Level;
  /** Stable identifier, e.g. "iommu.disabled". */
  code: string;
  /** The PF netdev or PCI address the verdict is about, or null for the host. */
  subject: string | null;
  message: string;
  fix: string | null;
}

export interface GuestDriverHint {
  pf: string;
  pfDriver: string | null;
  vfDriver: string | null;
}

export interface Readiness {
  verdicts: Verdict[];
  guestDrivers: GuestDriverHint[];
}

export function pfLabel(pf: Pf): string {
  if (pf.netdev && pf.pciAddress) return `${pf.netdev} (${pf.pciAddress})`;
  return pf.netdev ?? pf.pciAddress ?? 'unnamed PF';
}

const GRUB_HOWTO =
  'add them to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub (grub2-mkconfig -o /boot/grub2/grub.cfg on RHEL), and reboot';

function iommuArgs(vendor: string | null): string {
  // AMD's IOMMU is on whenever firmware enables AMD-Vi; the kernel has no amd_iommu=on.
  if (vendor === 'AuthenticAMD' || vendor === 'HygonGenuine') return 'iommu=pt';
  if (vendor === 'GenuineIntel') return 'intel_iommu=on iommu=pt';
  return 'intel_iommu=on iommu=pt (Intel) or iommu=pt (AMD, with AMD-Vi enabled in the firmware)';
}

function cpuVerdicts(f: HostFacts): Verdict[] {
  const { vendor, virtualization } = f.cpu;
  if (virtualization !== null) {
    const name = virtualization === 'vmx' ? 'Intel VT-x' : 'AMD-V';
    return [
      {
        level: 'ok',
        code: 'cpu.virtualization',
        subject: null,
        message: `CPU virtualization: ${name} (${virtualization})`,
        fix: null,
      },
    ];
  }
  if (vendor === null) {
    return [
      {
        level: 'info',
        code: 'cpu.unknown',
        subject: null,
        message: 'CPU virtualization: not collected',
        fix: null,
      },
    ];
  }
  return [
    {
      level: 'error',
      code: 'cpu.no-virtualization',
      subject: null,
      message: `CPU virtualization: the CPU (${vendor}) shows neither vmx nor svm, so KVM cannot run guests`,
      fix: 'enable Intel VT-x / AMD-V (SVM) in the BIOS or UEFI setup; on a virtual machine, enable nested virtualization',
    },
  ];
}

function iommuVerdicts(f: HostFacts): Verdict[] {
  const { enabled, units, groups, cmdline } = f.iommu;
  const args = iommuArgs(f.cpu.vendor);
  if (enabled === null) {
    return [
      { level: 'info', code: 'iommu.unknown', subject: null, message: 'IOMMU: not collected', fix: null },
    ];
  }
  const words = cmdline ?? [];
  const shown = words.length > 0 ? words.join(' ') : 'no iommu words';
  if (enabled) {
    const out: Verdict[] = [
      {
        level: 'ok',
        code: 'iommu.enabled',
        subject: null,
        message: `IOMMU: on (${(units ?? []).join(', ')}; ${groups} groups; kernel command line: ${shown})`,
        fix: null,
      },
    ];
    if (!words.some((w) => w === 'iommu=pt' || w === 'iommu.passthrough=1')) {
      out.push({
        level: 'info',
        code: 'iommu.no-passthrough',
        subject: null,
        message:
          'IOMMU: the host DMA is translated too (no iommu=pt); SR-IOV works, host networking is slower',
        fix: `add iommu=pt to the kernel command line: ${GRUB_HOWTO}`,
      });
    }
    return out;
  }
  const asked = words.some((w) => /^(intel_iommu|amd_iommu)=on/.test(w));
  if ((units ?? []).length === 0 && asked) {
    return [
      {
        level: 'error',
        code: 'iommu.no-hardware',
        subject: null,
        message: `IOMMU: off — the kernel was asked for it (${shown}) but no IOMMU unit registered`,
        fix: 'enable VT-d (Intel) or AMD-Vi/IOMMU (AMD), and SR-IOV, in the BIOS or UEFI setup, then reboot',
      },
    ];
  }
  return [
    {
      level: 'error',
      code: 'iommu.disabled',
      subject: null,
      message: `IOMMU: off (${(units ?? []).length} units, ${groups ?? 0} groups; kernel command line: ${shown}); VFs cannot be passed to guests`,
      fix: `add ${args} to the kernel command line: ${GRUB_HOWTO}; also enable VT-d/AMD-Vi and SR-IOV in the BIOS`,
    },
  ];
}

/**
 * The PFs the host's own deployed SR-IOV settings use: mapped by the agent's
 * physical_device_mappings, or selected (the PF or its VFs) by Nova's [pci] device list. null
 * when the facts carry neither file (pasted facts, a host not deployed yet): nothing is known.
 */
function pfsInUse(f: HostFacts): Set<Pf> | null {
  if (!f.neutronSriovAgent && !f.nova) return null;
  const used = new Set<Pf>();
  const mappings = f.neutronSriovAgent?.sriovNic.physical_device_mappings?.at(-1);
  if (mappings !== undefined) {
    try {
      const devices = Object.values(parsePhysicalDeviceMappings(parseListOpt(mappings))).flat();
      for (const pf of f.pfs)
        if (devices.some((d) => d === pf.netdev || pf.altnames.includes(d))) used.add(pf);
    } catch (e) {
      if (!(e instanceof AgentConfigError)) throw e;
    }
  }
  const pci = f.nova?.pci ?? {};
  const lines = [...(pci.passthrough_whitelist ?? []), ...(pci.device_spec ?? [])]
    .map(iniValue)
    .filter((l) => l.trim() !== '');
  if (lines.length > 0) {
    // Hosts that run the same list and answer Nova alike share its reading and selections.
    const { specs } = readDeviceSpecs(lines, novaHostFromFacts(f));
    if (specs) {
      const key = specListKey(lines, false, specs);
      for (const pf of f.pfs) {
        const picked = pfSelection(key, specs, pf);
        if (picked.pf.length > 0 || picked.vfs.length > 0) used.add(pf);
      }
    }
  }
  return used;
}

/**
 * What a PF's verdicts read besides the PF: whether anything re-creates VFs at boot, and the PFs
 * the host's deployed settings use (pfsInUse, computed only when a verdict needs it).
 */
export interface PfVerdictInputs {
  persisted: boolean | null;
  inUse: () => Set<Pf> | null;
}

export function pfVerdictInputs(f: HostFacts): PfVerdictInputs {
  const evidence = f.persistence?.evidence ?? [];
  let inUse: Set<Pf> | null | undefined;
  return {
    persisted: f.persistence === null ? null : evidence.length > 0,
    inUse: () => {
      if (inUse === undefined) inUse = pfsInUse(f);
      return inUse;
    },
  };
}

/** The verdicts about one PF (subject pfLabel(pf)), in assessReadiness's order. */
export function pfVerdicts(pf: Pf, { persisted, inUse: usedPfs }: PfVerdictInputs): Verdict[] {
  const out: Verdict[] = [];
  const who = pfLabel(pf);
  const sysfs = pf.netdev
    ? `/sys/class/net/${pf.netdev}/device/sriov_numvfs`
    : `/sys/bus/pci/devices/${pf.pciAddress}/sriov_numvfs`;
  if (pf.master?.kind === 'bond') {
    out.push({
      level: 'warning',
      code: 'pf.bond-slave',
      subject: who,
      message: `${who} is a slave of bond ${pf.master.name}: VFs of a bonded PF bypass the bond (no failover, the switch sees their MACs on one port only)`,
      fix: `use a PF that is not in a bond for sriov_host_interfaces, or give guests two VFs from two PFs and bond inside the guest`,
    });
  } else if (pf.master?.kind === 'ovs' || pf.master?.kind === 'bridge') {
    out.push({
      level: 'info',
      code: 'pf.shared-with-switch',
      subject: who,
      message: `${who} is also a port of ${pf.master.kind === 'ovs' ? 'Open vSwitch' : 'bridge'} ${pf.master.name}: traffic between its VFs and ${pf.master.kind === 'ovs' ? 'OVS' : 'bridge'} ports on this host needs the FDB extension ([FDB] shared_physical_device_mappings)`,
      fix: null,
    });
  }
  // A PF nothing uses for SR-IOV (often the management or storage NIC) needs no VFs.
  const inUse = pf.totalVfs !== null && pf.totalVfs > 0 && pf.numVfs === 0 ? usedPfs() : null;
  if (pf.totalVfs !== null && pf.totalVfs > 0 && pf.numVfs === 0 && (inUse === null || inUse.has(pf))) {
    out.push(
      inUse === null
        ? {
            level: 'info',
            code: 'pf.no-vfs',
            subject: who,
            message: `${who} can have ${pf.totalVfs} VFs but has none (no SR-IOV configuration on this host says whether it is meant for SR-IOV)`,
            fix: null,
          }
        : {
            level: 'warning',
            code: 'pf.no-vfs',
            subject: who,
            message: `${who} is used for SR-IOV on this host (its sriov_nic_agent.ini or nova.conf [pci]) and can have ${pf.totalVfs} VFs, but has none`,
            fix: `echo N > ${sysfs} (N ≤ ${pf.totalVfs}), and make it persistent`,
          },
    );
  }
  if (pf.numVfs !== null && pf.numVfs > 0 && pf.vfs.length > 0 && pf.vfs.length < pf.numVfs) {
    out.push({
      level: 'warning',
      code: 'pf.vfs-missing',
      subject: who,
      message: `${who}: sriov_numvfs is ${pf.numVfs} but only ${pf.vfs.length} VFs exist; the Neutron agent skips such a PF ("Not all VFs were initialized")`,
      fix: `reset the VFs: echo 0 > ${sysfs}; echo ${pf.numVfs} > ${sysfs}`,
    });
  }
  // A VF a guest holds (guestHold: a direct port's on vfio-pci, or under a macvtap) is use, not a fault.
  const inGuest = pf.vfs.filter((v) => guestHold(v) !== null);
  if (inGuest.length > 0) {
    const held = (v: Vf) =>
      guestHold(v) === 'macvtap'
        ? `${v.index} (under ${v.uppers.filter((u) => u.startsWith('macvtap')).join(', ')})`
        : `${v.index} (${v.mac})`;
    out.push({
      level: 'info',
      code: 'pf.vfs-in-guest',
      subject: who,
      message: `${who}: VF ${inGuest.map(held).join(', ')} in use by a guest (on vfio-pci with a Neutron port MAC, or under a macvtap)`,
      fix: null,
    });
  }
  const vfio = pf.vfs.filter((v) => v.driver === 'vfio-pci' && !inGuest.includes(v));
  if (vfio.length > 0) {
    out.push({
      level: 'warning',
      code: 'pf.vfs-on-vfio',
      subject: who,
      message: `${who}: VF ${vfio.map((v) => v.index).join(', ')} bound to vfio-pci; the SR-IOV agent counts a VF without a netdev as assigned to a guest`,
      fix: 'if no guest uses it, unbind it and give it back to its VF driver (echo ADDR > /sys/bus/pci/drivers/vfio-pci/unbind; echo ADDR > /sys/bus/pci/drivers_probe)',
    });
  }
  const unbound = pf.vfs.filter(
    (v) => v.driver === null && v.pciAddress !== null && pf.pciAddress !== null && v.netdev === null,
  );
  if (unbound.length > 0 && pf.driversAutoprobe !== null) {
    out.push({
      level: 'info',
      code: 'pf.vfs-unbound',
      subject: who,
      message: `${who}: VF ${unbound.map((v) => v.index).join(', ')} have no driver${pf.driversAutoprobe === false ? ' (sriov_drivers_autoprobe is 0)' : ''}`,
      fix: null,
    });
  }
  if (pf.operState !== null && pf.operState !== 'up' && pf.operState !== 'unknown') {
    out.push({
      level: 'warning',
      code: 'pf.link-down',
      subject: who,
      message: `${who}: link is ${pf.operState}${pf.carrier === false ? ' (no carrier)' : ''}; its VFs have no link either`,
      fix: `ip link set ${pf.netdev ?? 'PF'} up, and check the cable and switch port`,
    });
  }
  if (persisted === false && (pf.numVfs ?? 0) > 0) {
    out.push({
      level: 'warning',
      code: 'pf.vfs-not-persistent',
      subject: who,
      message: `${who}: nothing re-creates its ${pf.numVfs} VFs at boot (no udev rule, systemd unit, netplan, NetworkManager, os-net-config, modprobe option or rc.local line sets sriov_numvfs); they vanish on reboot`,
      fix: persistenceFix(pf, pf.numVfs ?? 0),
    });
  }
  return out;
}

/** The verdicts about the host itself (subject null), in assessReadiness's order. */
export function hostVerdicts(f: HostFacts): Verdict[] {
  return [...hostVerdictsBefore(f), ...hostVerdictsAfter(f)];
}

function hostVerdictsBefore(f: HostFacts): Verdict[] {
  const verdicts: Verdict[] = [];
  if (f.source.kind === 'snapshot') verdicts.push(...cpuVerdicts(f), ...iommuVerdicts(f));
  if (f.pfs.length === 0) {
    const others = f.otherNics.length;
    verdicts.push({
      level: 'info',
      code: 'host.no-sriov',
      subject: null,
      message: `no SR-IOV capable network device found${others > 0 ? ` (${others} other network device${others === 1 ? '' : 's'})` : ''}`,
      fix: null,
    });
  }
  return verdicts;
}

function hostVerdictsAfter(f: HostFacts): Verdict[] {
  const evidence = f.persistence?.evidence ?? [];
  if (f.persistence === null || evidence.length === 0) return [];
  return [
    {
      level: 'ok',
      code: 'host.vfs-persistent',
      subject: null,
      message: `VF persistence: ${evidence.map((e) => `${e.file}:${e.line}`).join(', ')}`,
      fix: null,
    },
  ];
}

/** Judges a host's SR-IOV readiness. */
export function assessReadiness(f: HostFacts): Readiness {
  const verdicts: Verdict[] = hostVerdictsBefore(f);
  const inputs = pfVerdictInputs(f);
  for (const pf of f.pfs) verdicts.push(...pfVerdicts(pf, inputs));
  verdicts.push(...hostVerdictsAfter(f));
  const guestDrivers = f.pfs.map((pf) => ({
    pf: pfLabel(pf),
    pfDriver: pf.driver,
    vfDriver: guestVfDriver(pf.driver),
  }));
  return { verdicts, guestDrivers };
}
