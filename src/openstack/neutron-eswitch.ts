// The SR-IOV agent's view of a PF (eswitch_manager.py): its VFs from sysfs, which VFs count as
// assigned, VF rate conversion, and when a PF joins the agent's switch map.
// Sysfs is read through SysfsView, so this runs on collected facts as well as in tests.
import type { Vf } from '../facts/host-facts.js';

/** The few sysfs reads the agent makes, by path under /sys/class/net/<pf>/device. */
export interface SysfsView {
  isDir(path: string): boolean;
  /** os.listdir order; null when the directory is missing. */
  listDir(path: string): string[] | null;
  readLink(path: string): string | null;
  readFile(path: string): string | null;
  glob(pattern: string): string[];
}

export class InvalidDeviceError extends Error {
  constructor(readonly device: string) {
    super(`Invalid Device ${device}: Device not found`);
  }
}

/** PciOsWrapper.scan_vf_devices: [pci slot, VF index] for every virtfnN link, in listdir order. */
export function scanVfDevices(sysfs: SysfsView, pf: string): Array<[string, number]> {
  const dir = `/sys/class/net/${pf}/device`;
  const entries = sysfs.isDir(dir) ? sysfs.listDir(dir) : null;
  if (entries === null) throw new InvalidDeviceError(pf);
  const out: Array<[string, number]> = [];
  for (const name of entries) {
    const m = name.match(/^virtfn(\d+)/);
    const target = m ? sysfs.readLink(`${dir}/${name}`) : null;
    if (m && target !== null) out.push([target.split('/').pop() ?? target, Number(m[1])]);
  }
  return out;
}

/** PciOsWrapper.get_numvfs: sriov_numvfs, or -1 when it cannot be read. */
export function getNumVfs(sysfs: SysfsView, pf: string): number {
  const text = sysfs.readFile(`/sys/class/net/${pf}/device/sriov_numvfs`);
  const n = text === null ? Number.NaN : Number.parseInt(text.trim(), 10);
  return Number.isNaN(n) ? -1 : n;
}

/** A direct port's VF is assigned when its netdev is gone (bound to vfio-pci, given to a guest). */
export function isAssignedVfDirect(sysfs: SysfsView, pf: string, vfIndex: number): boolean {
  return !sysfs.isDir(`/sys/class/net/${pf}/device/virtfn${vfIndex}/net`);
}

/** A macvtap port's VF is assigned when a macvtap device sits on its netdev. */
export function isAssignedVfMacvtap(sysfs: SysfsView, pf: string, vfIndex: number): boolean {
  return sysfs.glob(`/sys/class/net/${pf}/device/virtfn${vfIndex}/net/*/upper_macvtap*`).length > 0;
}

/** The macvtap devices stacked on a VF (upper_macvtap0 → macvtap0). */
export function macvtapUpperDevs(globResult: readonly string[]): string[] {
  return globResult.map((p) => (p.split('/').pop() ?? p).replace(/^upper_/, ''));
}

/** Neutron's default port MAC prefix (base_mac fa:16:3e:00:00:00): a VF with it was set up for a port. */
export const PORT_MAC = /^fa:16:3e:/;

/**
 * An upper device of a VF's netdev that the agent takes for a guest's macvtap port
 * (is_assigned_vf_macvtap globs upper_macvtap*). Any other upper (a bridge, bond, OVS, VLAN) is
 * the host's own use of the VF: a different question (SRIOV-DEVSPEC-009).
 */
export function isMacvtapUpper(name: string): boolean {
  return name.startsWith('macvtap');
}

/** How a guest holds a VF: a direct port (the VF itself, on vfio-pci) or a macvtap port. */
export type GuestHold = 'direct' | 'macvtap';

/**
 * The one facts-based answer to "is this VF in use by a guest" (fit offline, the HTML report,
 * probe's readiness): what the SR-IOV agent reports as an assigned device that is a Neutron
 * port's. The agent (eswitch_manager get_assigned_devices_info) reports a VF under a macvtap
 * (is_assigned_vf_macvtap: upper_macvtap* on its netdev) and a VF whose netdev is gone
 * (is_assigned_vf_direct), with its MAC; Neutron then finds the port by that MAC. A netdev is
 * gone for a guest only on vfio-pci (libvirt's managed hostdev), and the admin MAC there is the
 * port's, which libvirt set: fa:16:3e (Neutron's default base_mac) tells it. A VF on vfio-pci
 * without it was bound by hand (probe warns pf.vfs-on-vfio). The MAC alone is no proof: Nova's
 * macvtap unplug leaves the port's MAC on the VF ("The ip utility doesn't accept the MAC
 * 00:00:00:00:00:00"), so a freed macvtap VF keeps fa:16:3e on its own driver.
 * When the cloud is read, its ports' binding:profile.pci_slot win over this (Nova allocates from
 * its own records, and facts are a snapshot): fit and capacity count those instead.
 */
export function guestHold(vf: Pick<Vf, 'driver' | 'mac' | 'uppers'>): GuestHold | null {
  if (vf.uppers.some(isMacvtapUpper)) return 'macvtap';
  if (vf.driver === 'vfio-pci' && vf.mac !== null && PORT_MAC.test(vf.mac)) return 'direct';
  return null;
}

export interface VfRates {
  max_tx_rate?: number | null;
  min_tx_rate?: number | null;
}

/** kbps (Neutron QoS) → Mbps (the VF): 0 < r < 1000 gives 1, else round half up; 0 stays unlimited. */
export function kbpsToMbps(kbps: number): number {
  if (kbps > 0 && kbps < 1000) return 1;
  return Math.floor(kbps / 1000 + 0.5);
}

/**
 * EmbSwitch.set_device_rate: the rates to write. Setting one of max/min re-applies the other's
 * current value when it is non-zero (LP#1962844); a NIC without min_tx_rate reports null.
 */
export function deviceRatesToSet(requestKbps: Readonly<VfRates>, currentMbps: Readonly<VfRates>): VfRates {
  const out: VfRates = {};
  for (const [k, v] of Object.entries(requestKbps) as Array<[keyof VfRates, number]>) out[k] = kbpsToMbps(v);
  for (const k of ['max_tx_rate', 'min_tx_rate'] as const) {
    const cur = currentMbps[k];
    if (!(k in out) && cur) out[k] = cur;
  }
  return out;
}

/** ESwitchManager._create_emb_switch across polling passes: when a PF is taken into the map. */
export class EmbSwitchRegistry {
  readonly skipped = new Set<string>();
  readonly pciSlotMap = new Map<string, string>();

  /** One pass for one PF; returns whether the PF was added this time. */
  add(
    pf: string,
    numVfs: number,
    scanned: ReadonlyArray<readonly [string, number]>,
    exclude: readonly string[] = [],
  ): boolean {
    if (numVfs === 0) {
      if (!this.skipped.has(pf)) {
        // "Device %s has 0 VFs configured. Skipping for now to let the device initialize"
        this.skipped.add(pf);
        return false;
      }
    } else if (numVfs >= 0 && numVfs > scanned.length) {
      // "Not all VFs were initialized on device %(device)s: expected - %(expected)s, actual - %(actual)s. Skipping."
      this.skipped.add(pf);
      return false;
    }
    for (const [slot] of scanned) if (!exclude.includes(slot)) this.pciSlotMap.set(slot, pf);
    this.skipped.delete(pf);
    return true;
  }
}
