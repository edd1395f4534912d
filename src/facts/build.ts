// Turns a collector snapshot, or outputs an operator pasted, into HostFacts.
import { neutronFromSnapshot, osaFromSnapshot } from './deployed.js';
import {
  HOST_FACTS_SCHEMA,
  type HostFacts,
  type Master,
  type OtherNic,
  type PersistenceEvidence,
  type Pf,
  type Vf,
} from './host-facts.js';
import { parseIni, sectionRecord } from './ini.js';
import { numaFromSnapshot } from './numa.js';
import { normalisePciAddress, parseEthtoolInfo } from './parse-ethtool.js';
import { parseDefaultRoutes, parseIpAddrOneline } from './parse-ip-addr.js';
import { IpJsonError, type IpLink, type IpVf, parseIpLinkJson, parseIpLinkText } from './parse-ip-link.js';
import { type LspciDevice, parseLspci } from './parse-lspci.js';
import type { Snapshot } from './snapshot.js';

const DEVICES = '/sys/bus/pci/devices/';
const PCI = (addr: string) => `${DEVICES}${addr}`;
const DIGITS = /^\d+$/;
const NET = (dev: string) => `/sys/class/net/${dev}`;

/** A PCI id from sysfs: "0x8086" (vendor, device) or "10ca" (sriov_vf_device has no 0x). */
function hexId(v: string | null): string | null {
  if (v === null) return null;
  const m = v.match(/^(?:0x)?([0-9a-fA-F]{1,4})$/);
  return m ? m[1]!.toLowerCase().padStart(4, '0') : null;
}

function int(v: string | null): number | null {
  return v !== null && /^-?\d+$/.test(v) ? Number(v) : null;
}

function nonNegative(v: number | null): number | null {
  return v !== null && v >= 0 ? v : null;
}

/** Kernel command-line words that configure the IOMMU. */
export function iommuWords(cmdline: string): string[] {
  return cmdline.split(/\s+/).filter((w) => /^(intel_iommu|amd_iommu|iommu)([.=]|$)/.test(w));
}

/** The VF table of a PF netdev from `ip -j -d link` (preferred) or `ip -d link` text. */
function ipLinks(snap: Snapshot): { links: Map<string, IpLink>; json: boolean | null; ip: boolean | null } {
  const links = new Map<string, IpLink>();
  let json: boolean | null = null;
  const jsonText = snap.text('cmd.ip-j-d-link');
  if (snap.looked('cmd.ip-j-d-link')) json = false;
  if (jsonText !== null && jsonText.trim() !== '') {
    try {
      for (const l of parseIpLinkJson(jsonText)) links.set(l.name, l);
      json = true;
    } catch (e) {
      if (!(e instanceof IpJsonError)) throw e;
    }
  }
  const text = links.size === 0 ? snap.text('cmd.ip-d-link') : null;
  if (text !== null) for (const l of parseIpLinkText(text)) links.set(l.name, l);
  const ip = snap.looked('cmd.ip-d-link') ? snap.has('cmd.ip-d-link') : null;
  return { links, json, ip };
}

/** The netdevs stacked on a netdev: its "upper_<name>" entries (one loop, no filter and map per VF). */
function uppersOf(entries: string[]): string[] {
  const uppers: string[] = [];
  for (const e of entries) if (e.startsWith('upper_')) uppers.push(e.slice('upper_'.length));
  return uppers;
}

function masterOf(snap: Snapshot, netdev: string, link: IpLink | undefined): Master | null {
  const name = snap.linkBase(`${NET(netdev)}/master`) ?? link?.master ?? null;
  if (name === null) return null;
  const marks = snap.list(NET(name));
  if (marks.includes('bonding') || link?.slaveKind === 'bond') return { kind: 'bond', name };
  if (marks.includes('bridge') || link?.slaveKind === 'bridge') return { kind: 'bridge', name };
  if (name === 'ovs-system' || link?.slaveKind === 'openvswitch') return { kind: 'ovs', name };
  return { kind: 'other', name };
}

type VfPlace = Pick<Vf, 'pciAddress' | 'driver' | 'netdev' | 'iommuGroup' | 'uppers'>;

const NO_PLACE: VfPlace = { pciAddress: null, driver: null, netdev: null, iommuGroup: null, uppers: [] };

/** One VF from its PF's VF table entry and where it sits; one literal (spreading per VF is slow). */
export function vfFromTable(index: number, t: IpVf | undefined, place: VfPlace = NO_PLACE): Vf {
  // In VfSchema's key order, the order of `probe --json` (what the schema returns).
  return {
    index,
    pciAddress: place.pciAddress,
    driver: place.driver,
    netdev: place.netdev,
    mac: t?.mac ?? null,
    vlan: t ? t.vlan : null,
    qos: t ? t.qos : null,
    spoofCheck: t?.spoofCheck ?? null,
    trust: t?.trust ?? null,
    linkState: t?.linkState ?? null,
    maxTxRateMbps: t ? t.maxTxRateMbps : null,
    minTxRateMbps: t ? t.minTxRateMbps : null,
    iommuGroup: place.iommuGroup,
    uppers: place === NO_PLACE ? [] : place.uppers,
  };
}

function lspciOf(snap: Snapshot, addr: string): LspciDevice | null {
  const text = snap.text(`cmd.lspci-vvv-nn.${addr}`);
  if (text === null) return null;
  return parseLspci(text).find((d) => d.pciAddress === addr) ?? null;
}

function persistence(snap: Snapshot): HostFacts['persistence'] {
  const kinds = [
    'udev',
    'systemd',
    'scripts',
    'netplan',
    'networkmanager',
    'os-net-config',
    'modprobe',
  ] as const;
  if (!kinds.some((k) => snap.looked(`persist.${k}.searched`))) return null;
  const evidence: PersistenceEvidence[] = [];
  let filesSearched = 0;
  for (const kind of kinds) {
    filesSearched += int(snap.attr(`persist.${kind}.searched`)) ?? 0;
    for (let i = 0; snap.looked(`persist.${kind}.${i}.file`); i++) {
      const file = snap.text(`persist.${kind}.${i}.file`) ?? '';
      for (const line of (snap.text(`persist.${kind}.${i}.lines`) ?? '').split('\n')) {
        const m = line.match(/^(\d+):(.*)$/);
        if (m) evidence.push({ kind, file, line: Number(m[1]), text: m[2]!.trim() });
      }
    }
  }
  return { evidence, filesSearched };
}

function network(snap: Snapshot, links: Map<string, IpLink>): HostFacts['network'] {
  const addr = snap.text('cmd.ip-o-addr');
  if (addr === null) return null;
  const routes = [
    ...parseDefaultRoutes(snap.text('cmd.ip-route-default') ?? '', 'inet'),
    ...parseDefaultRoutes(snap.text('cmd.ip6-route-default') ?? '', 'inet6'),
  ];
  return {
    addresses: parseIpAddrOneline(addr),
    defaultRoutes: routes,
    links: [...links.values()].map((l) => ({ name: l.name, master: l.master, lower: l.peer })),
  };
}

/** Builds HostFacts from a parsed collector snapshot. */
export function factsFromSnapshot(snap: Snapshot): HostFacts {
  // collect.sh 3 keeps only some parameters (docs/snapshot-format.md): none kept is an empty line.
  const cmdline = snap.line('kernel.cmdline') ?? snap.attr('kernel.cmdline');
  const cpuInfo = new Map<string, string>();
  for (const line of (snap.text('cpu.info') ?? '').split('\n')) {
    const m = line.match(/^([a-z_]+)=(.*)$/);
    if (m && m[2] !== '') cpuInfo.set(m[1]!, m[2]!);
  }
  const virt = cpuInfo.get('virtualization');
  const units = snap.looked('/sys/class/iommu') ? snap.list('/sys/class/iommu') : null;
  const groups = int(snap.attr('count./sys/kernel/iommu_groups'));
  const { links, json, ip } = ipLinks(snap);

  // VF links of each PF: "/sys/bus/pci/devices/<pf>/virtfn<N>" → VF address.
  const virtfns = new Map<string, Map<number, string>>();
  // Names /^\/sys\/bus\/pci\/devices\/([^/]+)\/virtfn(\d+)$/, read from the snapshot's bytes.
  for (const [pf, index, target] of snap.linksUnder(DEVICES, 'virtfn')) {
    if (!DIGITS.test(index)) continue;
    const vfAddr = normalisePciAddress(target.slice(target.lastIndexOf('/') + 1));
    if (!vfAddr) continue;
    const map = virtfns.get(pf) ?? new Map<number, string>();
    map.set(Number(index), vfAddr);
    virtfns.set(pf, map);
  }

  const devices = snap.list('pci.net');
  const pfAddrs = devices.filter((a) => (int(snap.attr(PCI(a), '/sriov_totalvfs')) ?? 0) > 0);
  const vfOwner = new Map<string, string>();
  for (const pf of pfAddrs) for (const vf of virtfns.get(pf)?.values() ?? []) vfOwner.set(vf, pf);

  const pfs: Pf[] = pfAddrs.map((addr) => {
    const P = PCI(addr);
    const netdevs = snap.list(`${P}/net`);
    const netdev = netdevs[0] ?? null;
    const link = netdev === null ? undefined : links.get(netdev);
    const ethtool = netdev === null ? null : snap.text(`cmd.ethtool-i.${netdev}`);
    const eth = ethtool === null ? null : parseEthtoolInfo(ethtool);
    const lspci = lspciOf(snap, addr);
    const table = new Map((link?.vfs ?? []).map((v) => [v.index, v]));
    const vfs: Vf[] = [...(virtfns.get(addr) ?? new Map<number, string>()).entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, vfAddr]) => {
        // Names as a start and a suffix: no string made per name (snapshot.ts).
        const VP = PCI(vfAddr);
        const vfNetdev = snap.list(VP, '/net')[0] ?? null;
        return vfFromTable(index, link ? table.get(index) : undefined, {
          pciAddress: vfAddr,
          driver: snap.linkBase(VP, '/driver'),
          netdev: vfNetdev,
          iommuGroup: nonNegative(int(snap.linkBase(VP, '/iommu_group'))),
          uppers: vfNetdev === null ? [] : uppersOf(snap.list('/sys/class/net/', vfNetdev)),
        });
      });
    const autoprobe = snap.attr(`${P}/sriov_drivers_autoprobe`);
    const carrier = netdev === null ? null : snap.attr(`${NET(netdev)}/carrier`);
    const mac = netdev === null ? null : snap.attr(`${NET(netdev)}/address`);
    return {
      pciAddress: addr,
      netdev,
      altnames: link?.altnames ?? [],
      driver: snap.linkBase(`${P}/driver`),
      driverVersion: eth?.version ?? null,
      firmwareVersion: eth?.firmwareVersion ?? null,
      description: lspci?.description ?? null,
      vendorId: hexId(snap.attr(`${P}/vendor`)),
      deviceId: hexId(snap.attr(`${P}/device`)),
      subsystemVendorId: hexId(snap.attr(`${P}/subsystem_vendor`)),
      subsystemDeviceId: hexId(snap.attr(`${P}/subsystem_device`)),
      vfDeviceId: hexId(snap.attr(`${P}/sriov_vf_device`)) ?? lspci?.sriov?.vfDeviceId ?? null,
      totalVfs: nonNegative(int(snap.attr(`${P}/sriov_totalvfs`))),
      numVfs: nonNegative(int(snap.attr(`${P}/sriov_numvfs`))),
      driversAutoprobe: autoprobe === null ? null : autoprobe === '1',
      numaNode: int(snap.attr(`${P}/numa_node`)),
      iommuGroup: nonNegative(int(snap.linkBase(`${P}/iommu_group`))),
      mtu: netdev === null ? null : int(snap.attr(`${NET(netdev)}/mtu`)),
      mac: mac !== null && /^[0-9a-f]{2}(:[0-9a-f]{2})+$/.test(mac) ? mac : null,
      operState: netdev === null ? null : snap.attr(`${NET(netdev)}/operstate`),
      carrier: carrier === null ? null : carrier === '1',
      physPortName: netdev === null ? null : snap.attr(`${NET(netdev)}/phys_port_name`),
      master: netdev === null ? null : masterOf(snap, netdev, link),
      sriovCapability: lspci?.sriov ?? null,
      vfs,
    };
  });

  const otherNics: OtherNic[] = devices
    .filter((a) => !pfAddrs.includes(a) && !vfOwner.has(a))
    .map((a) => ({
      pciAddress: a,
      driver: snap.linkBase(`${PCI(a)}/driver`),
      vendorId: hexId(snap.attr(`${PCI(a)}/vendor`)),
      deviceId: hexId(snap.attr(`${PCI(a)}/device`)),
      netdevs: snap.list(`${PCI(a)}/net`),
      physfn: normalisePciAddress(snap.linkBase(`${PCI(a)}/physfn`) ?? ''),
    }));

  const agentText = snap.text('conf.sriov_nic_agent');
  const novaText = snap.text('conf.nova');
  const nova = novaText === null ? null : parseIni(novaText);

  const facts: HostFacts = {
    schema: HOST_FACTS_SCHEMA,
    source: {
      kind: 'snapshot',
      collector: snap.attr('meta.collector'),
      collectedAt: snap.attr('meta.date'),
      origin: snap.attr('meta.origin'),
    },
    hostname: snap.attr('host.hostname'),
    kernel: { release: snap.attr('kernel.release'), cmdline },
    cpu: {
      vendor: cpuInfo.get('vendor_id') ?? null,
      virtualization: virt === 'vmx' || virt === 'svm' ? virt : null,
    },
    iommu: {
      enabled: units === null || groups === null ? null : units.length > 0 && groups > 0,
      units,
      cmdline: cmdline === null ? null : iommuWords(cmdline),
      groups,
    },
    pfs,
    otherNics,
    network: network(snap, links),
    persistence: persistence(snap),
    neutronSriovAgent:
      agentText === null
        ? null
        : {
            path: '/etc/neutron/plugins/ml2/sriov_nic_agent.ini',
            sriovNic: sectionRecord(parseIni(agentText), 'sriov_nic'),
          },
    nova:
      nova === null
        ? null
        : {
            path: '/etc/nova/nova.conf',
            host: nova.get('default')?.get('host')?.at(-1) ?? null,
            pci: sectionRecord(nova, 'pci'),
            filterScheduler: sectionRecord(nova, 'filter_scheduler'),
          },
    osa: osaFromSnapshot(snap),
    neutron: neutronFromSnapshot(snap),
    numa: numaFromSnapshot(snap),
    tools: {
      ip,
      ipJson: json,
      ethtool: pfs.some((p) => p.netdev !== null && snap.looked(`cmd.ethtool-i.${p.netdev}`))
        ? pfs.some((p) => p.netdev !== null && snap.has(`cmd.ethtool-i.${p.netdev}`))
        : null,
      lspci: pfAddrs.length > 0 ? pfAddrs.some((a) => snap.has(`cmd.lspci-vvv-nn.${a}`)) : null,
    },
  };
  // Built field by field from validated parts (test/unit/snapshot.test.ts checks the result
  // against the schema); re-validating 128 VFs per PF costs more than building them.
  return facts;
}

export {
  type EthtoolPaste,
  factsFromPasted,
  PASTE_COMMANDS,
  type PastedInput,
  PastedInputError,
  type PastedNote,
  type PastedOutputs,
  type PastedResult,
  pastedFacts,
} from './pasted.js';
