// Nova's sysfs helpers (nova/pci/utils.py) over a path-level reader, and NovaHost views built
// from them or from collected HostFacts, so device_spec matching runs offline.
import type { HostFacts, Pf } from '../facts/host-facts.js';
import { vfAddressFromCapability } from '../facts/parse-lspci.js';
import { type NovaDevice, NovaError, type NovaHost } from './nova-devspec.js';

/** Path-level sysfs reads, as Nova makes them. */
export interface SysfsReader {
  isDir(path: string): boolean;
  readLink(path: string): string | null;
  /** File content, or null when missing or unreadable. */
  read(path: string): string | null;
  listDir(path: string): string[] | null;
  glob(pattern: string): string[];
}

const notFound = (id: string) =>
  new NovaError('PciDeviceNotFoundById', `PCI device ${id} not found`, { code: 'device-not-found' });

/** Python's str.strip("./"). */
const stripDotSlash = (s: string) => s.replace(/^[./]+|[./]+$/g, '');

function totalVfsPositive(fs: SysfsReader, path: string): boolean {
  const t = fs.read(path);
  if (t === null) return false;
  const n = /^\s*[+-]?\d+\s*$/.test(t) ? Number(t) : Number.NaN;
  return n > 0;
}

export function getFunctionByIfname(fs: SysfsReader, ifname: string): [string | null, boolean] {
  const dev = `/sys/class/net/${ifname}/device`;
  if (!fs.isDir(dev)) return [null, false];
  const link = fs.readLink(dev);
  return [link === null ? null : stripDotSlash(link), totalVfsPositive(fs, `${dev}/sriov_totalvfs`)];
}

export function isPhysicalFunction(fs: SysfsReader, address: string): boolean {
  const dev = `/sys/bus/pci/devices/${address}/`;
  return fs.isDir(dev) && totalVfsPositive(fs, `${dev}sriov_totalvfs`);
}

/** get_ifname_by_pci_address: the LAST entry of the net/ listing (os.listdir().pop()). */
export function getIfnameByPciAddress(fs: SysfsReader, address: string, pfInterface = false): string {
  const list = fs.listDir(`/sys/bus/pci/devices/${address}/${pfInterface ? 'physfn/net' : 'net'}`);
  if (!list || list.length === 0) throw notFound(address);
  return list[list.length - 1]!;
}

export function getMacByPciAddress(fs: SysfsReader, address: string, pfInterface = false): string {
  const ifname = getIfnameByPciAddress(fs, address, pfInterface);
  const mac =
    fs
      .read(`/sys/bus/pci/devices/${address}/${pfInterface ? 'physfn/net' : 'net'}/${ifname}/address`)
      ?.trim() ?? '';
  if (mac === '') throw notFound(address);
  return mac;
}

/** get_vf_num_by_pci_address: the address is used as a regex against the virtfn link targets (upstream quirk). */
export function getVfNumByPciAddress(fs: SysfsReader, address: string): number {
  const re = new RegExp(address);
  for (const path of fs.glob(`/sys/bus/pci/devices/${address}/physfn/virtfn*`)) {
    const target = fs.readLink(path);
    const m = path.match(/virtfn(\d+)/);
    if (target !== null && re.test(target) && m) return Number(m[1]);
  }
  throw notFound(address);
}

/** NovaHost over sysfs. */
export function novaHostFromSysfs(fs: SysfsReader): NovaHost {
  return {
    isPhysicalFunction: (a) => isPhysicalFunction(fs, a),
    functionByIfname: (i) => getFunctionByIfname(fs, i),
    vfProductIdOfPf: (pf) => fs.read(`/sys/bus/pci/devices/${pf}/sriov_vf_device`)?.trim() ?? null,
    pciIds: (a) => {
      const v = fs.read(`/sys/bus/pci/devices/${a}/vendor`);
      const d = fs.read(`/sys/bus/pci/devices/${a}/device`);
      return v === null || d === null ? null : [v.trim().replace(/^0x/, ''), d.trim().replace(/^0x/, '')];
    },
  };
}

/** NovaHost over collected HostFacts: what sysfs said when the snapshot was taken. */
export function novaHostFromFacts(facts: HostFacts): NovaHost {
  const pfByAddr = new Map(facts.pfs.filter((p) => p.pciAddress).map((p) => [p.pciAddress!, p]));
  return {
    isPhysicalFunction: (a) => (pfByAddr.get(a)?.totalVfs ?? 0) > 0,
    functionByIfname: (ifname) => {
      for (const pf of facts.pfs) {
        if (pf.netdev === ifname) return [pf.pciAddress, (pf.totalVfs ?? 0) > 0];
        const vf = pf.vfs.find((v) => v.netdev === ifname);
        if (vf) return [vf.pciAddress, false];
      }
      const other = facts.otherNics.find((n) => n.netdevs.includes(ifname));
      return other ? [other.pciAddress, false] : [null, false];
    },
    vfProductIdOfPf: (a) => pfByAddr.get(a)?.vfDeviceId ?? null,
    pciIds: (a) => {
      const pf = pfByAddr.get(a);
      return pf?.vendorId && pf.deviceId ? [pf.vendorId, pf.deviceId] : null;
    },
  };
}

/** The NovaDevice libvirt reports for a PF, and for one of its VFs. */
export function pfDevice(pf: Pf): NovaDevice | null {
  if (!pf.pciAddress || !pf.vendorId || !pf.deviceId) return null;
  return { vendor_id: pf.vendorId, product_id: pf.deviceId, address: pf.pciAddress, parent_addr: null };
}

export function vfDevice(pf: Pf, address: string | null): NovaDevice | null {
  const product = pf.vfDeviceId ?? pf.sriovCapability?.vfDeviceId ?? null;
  if (!address || !pf.pciAddress || !pf.vendorId || !product) return null;
  return { vendor_id: pf.vendorId, product_id: product, address, parent_addr: pf.pciAddress };
}

/** The addresses of the PF's VFs, or where VF 0 would be when none exist yet (PCIe routing-ID rule). */
export function vfAddresses(pf: Pf): string[] {
  const have = pf.vfs.map((v) => v.pciAddress).filter((a): a is string => a !== null);
  if (have.length > 0) return have;
  const cap = pf.sriovCapability;
  if (!pf.pciAddress || !cap || cap.vfOffset === null || cap.vfStride === null) return [];
  const first = vfAddressFromCapability(pf.pciAddress, cap.vfOffset, cap.vfStride, 0);
  return first ? [first] : [];
}
