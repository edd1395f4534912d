// Parser for `lspci -vvv [-nn]` output: devices, their ids, driver and SR-IOV capability.

import type { SriovCapability } from './host-facts.js';
import { normalisePciAddress } from './parse-ethtool.js';

export interface LspciDevice {
  pciAddress: string;
  classId: string | null;
  className: string;
  description: string;
  vendorId: string | null;
  deviceId: string | null;
  subsystem: string | null;
  subsystemVendorId: string | null;
  subsystemDeviceId: string | null;
  iommuGroup: number | null;
  numaNode: number | null;
  driverInUse: string | null;
  modules: string[];
  sriov: SriovCapability | null;
  /** lspci run without root prints "Capabilities: <access denied>": the SR-IOV capability is hidden. */
  capabilitiesDenied: boolean;
}

const HEADER = /^((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+(.*)$/;

function hex4(s: string | undefined): string | null {
  return s && /^[0-9a-fA-F]{4}$/.test(s) ? s.toLowerCase() : null;
}

function int(s: string | undefined): number | null {
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : null;
}

type LineRule = [RegExp, (dev: LspciDevice, m: RegExpMatchArray) => void];

const DEVICE_LINES: LineRule[] = [
  [
    /^Subsystem:\s+(.*)$/,
    (d, m) => {
      const ids = m[1]!.match(/\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]/);
      d.subsystem = m[1]!.replace(/\s*\[[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\]/, '').trim();
      d.subsystemVendorId = hex4(ids?.[1]);
      d.subsystemDeviceId = hex4(ids?.[2]);
    },
  ],
  [/^IOMMU group:\s+(\d+)/, (d, m) => (d.iommuGroup = Number(m[1]))],
  [/^NUMA node:\s+(\d+)/, (d, m) => (d.numaNode = Number(m[1]))],
  [/^Kernel driver in use:\s+(\S+)/, (d, m) => (d.driverInUse = m[1]!)],
  [/^Kernel modules:\s+(.*)$/, (d, m) => (d.modules = m[1]!.split(/,\s*/).filter(Boolean))],
];

const SRIOV_LINES: LineRule[] = [
  [
    /Initial VFs:\s*(\d+),\s*Total VFs:\s*(\d+),\s*Number of VFs:\s*(\d+)/,
    (d, m) => Object.assign(d.sriov!, { initialVfs: int(m[1]), totalVfs: int(m[2]), numVfs: int(m[3]) }),
  ],
  [
    /VF offset:\s*(\d+),\s*stride:\s*(\d+),\s*Device ID:\s*([0-9a-fA-F]{4})/,
    (d, m) => Object.assign(d.sriov!, { vfOffset: int(m[1]), vfStride: int(m[2]), vfDeviceId: hex4(m[3]) }),
  ],
];

/** Parses every device block of `lspci -vvv` (with or without -nn and -D). */
export function parseLspci(text: string): LspciDevice[] {
  const devices: LspciDevice[] = [];
  let cur: LspciDevice | null = null;
  let inSriov = false;
  for (const raw of text.split(/\r?\n/)) {
    const header = raw.match(HEADER);
    if (header) {
      const pciAddress = normalisePciAddress(header[1]!);
      if (!pciAddress) continue;
      // "Ethernet controller [0200]: Intel Corporation 82576 ... [8086:10c9] (rev 01)"
      const rest = header[2]!;
      const cls = rest.match(/^([^:[]+?)(?:\s+\[([0-9a-fA-F]{4})\])?:\s+(.*)$/);
      const desc = cls ? cls[3]! : rest;
      const ids = desc.match(/\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]/);
      cur = {
        pciAddress,
        classId: hex4(cls?.[2]),
        className: cls ? cls[1]!.trim() : '',
        description: desc.replace(/\s*\[[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\]/, '').trim(),
        vendorId: hex4(ids?.[1]),
        deviceId: hex4(ids?.[2]),
        subsystem: null,
        subsystemVendorId: null,
        subsystemDeviceId: null,
        iommuGroup: null,
        numaNode: null,
        driverInUse: null,
        modules: [],
        sriov: null,
        capabilitiesDenied: false,
      };
      devices.push(cur);
      inSriov = false;
      continue;
    }
    if (!cur) continue;
    const line = raw.trim();
    if (/^Capabilities:/.test(line)) {
      if (/<access denied>/.test(line)) cur.capabilitiesDenied = true;
      inSriov = /Single Root I\/O Virtualization \(SR-IOV\)/.test(line);
      if (inSriov) {
        cur.sriov = {
          initialVfs: null,
          totalVfs: null,
          numVfs: null,
          vfOffset: null,
          vfStride: null,
          vfDeviceId: null,
        };
      }
      continue;
    }
    const rules = inSriov ? [...DEVICE_LINES, ...SRIOV_LINES] : DEVICE_LINES;
    for (const [re, apply] of rules) {
      const m = line.match(re);
      if (m) {
        apply(cur, m);
        break;
      }
    }
  }
  return devices;
}

/**
 * The PCI address of VF `index` under a PF, by the PCIe SR-IOV routing-ID rule:
 * RID(VF i) = RID(PF) + offset + stride × i, where RID = bus << 8 | device << 3 | function.
 * Same domain; null if the result leaves the bus range.
 */
export function vfAddressFromCapability(
  pf: string,
  offset: number,
  stride: number,
  index: number,
): string | null {
  const m = pf.match(/^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/);
  if (!m) return null;
  const rid = (Number.parseInt(m[2]!, 16) << 8) | (Number.parseInt(m[3]!, 16) << 3) | Number(m[4]);
  const vf = rid + offset + stride * index;
  if (vf > 0xffff) return null;
  const bus = (vf >> 8).toString(16).padStart(2, '0');
  const dev = ((vf >> 3) & 0x1f).toString(16).padStart(2, '0');
  return `${m[1]}:${bus}:${dev}.${vf & 7}`;
}
