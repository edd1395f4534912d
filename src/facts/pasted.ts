// HostFacts from outputs an operator pasted (`lspci -nn -vvv`, `ethtool -i IFACE`,
// `ip -d link show`), joined as a snapshot would be: by PCI address. Each output is
// checked to be what its flag expects; what cannot be joined, or was not pasted, is
// said in notes with the outputs that would tell it.

import { vfFromTable } from './build.js';
import {
  HOST_FACTS_SCHEMA,
  type HostFacts,
  HostFactsSchema,
  type Master,
  type OtherNic,
  type Pf,
  type SriovCapability,
  type Vf,
} from './host-facts.js';
import {
  type EthtoolInfo,
  ethtoolIfaceHint,
  hintNames,
  normalisePciAddress,
  splitEthtoolOutputs,
} from './parse-ethtool.js';
import { type IpLink, type IpVf, parseIpLinkText } from './parse-ip-link.js';
import { type LspciDevice, parseLspci, vfAddressFromCapability } from './parse-lspci.js';

/** The commands whose outputs `probe --lspci/--ethtool/--ip-link` read (docs/probe.md). */
export const PASTE_COMMANDS = {
  lspci: 'sudo lspci -nn -vvv',
  ethtool: 'ethtool -i IFACE',
  ipLink: 'ip -d link show',
} as const;

export interface EthtoolPaste {
  text: string;
  /** The interface it was run on (`--ethtool IFACE=FILE`); null when not said. */
  iface?: string | null;
  /** The file it came from: a name like "ethtool-i-ens3f0.txt" names the interface. */
  fileName?: string | null;
}

export interface PastedOutputs {
  lspci?: string;
  /** One entry per pasted file; a file may hold several outputs (a loop over interfaces). */
  ethtool?: Array<string | EthtoolPaste>;
  ipLink?: string;
}

export type PastedInput = 'lspci' | 'ethtool' | 'ipLink';

/** A pasted output that is not what its flag expects. */
export class PastedInputError extends Error {
  constructor(
    readonly input: PastedInput,
    /** Which of the --ethtool files (0 for the others). */
    readonly index: number,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export interface PastedNote {
  level: 'info' | 'warning';
  message: string;
  fix: string | null;
}

export interface PastedResult {
  facts: HostFacts;
  /** What could not be joined or was not pasted, and which outputs would tell it. */
  notes: PastedNote[];
}

const EXPECTED: Record<PastedInput, { what: string; example: string }> = {
  lspci: {
    what: `the output of \`${PASTE_COMMANDS.lspci}\``,
    example: 'lines like "3b:00.0 Ethernet controller [0200]: Intel Corporation … [8086:1572]"',
  },
  ethtool: {
    what: `the output of \`${PASTE_COMMANDS.ethtool}\``,
    example: 'lines "driver: i40e" and "bus-info: 0000:3b:00.0"',
  },
  ipLink: {
    what: `the text output of \`${PASTE_COMMANDS.ipLink}\` (or \`ip link show\`)`,
    example: 'lines like "4: ens3f0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 …"',
  },
};

function refuse(input: PastedInput, index: number, text: string, what: string): never {
  const t = text.trimStart();
  const why =
    t === ''
      ? 'the file is empty'
      : t.startsWith('[') || t.startsWith('{')
        ? `this is JSON${input === 'ipLink' ? ' (`ip -j link`)' : ''}, not ${what}`
        : `no ${what} found in it (${EXPECTED[input].example})`;
  throw new PastedInputError(input, index, why, `paste ${EXPECTED[input].what}`);
}

interface EthtoolEntry {
  info: EthtoolInfo;
  /** Said explicitly: IFACE=FILE, or an "ethtool -i IFACE" line in the paste. */
  iface: string | null;
  /** From the file name; matched against the pasted interface names. */
  hint: string | null;
  link: IpLink | null;
}

function ethtoolEntries(pastes: Array<string | EthtoolPaste>): EthtoolEntry[] {
  return pastes.flatMap((p, index) => {
    const paste = typeof p === 'string' ? { text: p } : p;
    const blocks = splitEthtoolOutputs(paste.text);
    if (blocks.length === 0) refuse('ethtool', index, paste.text, '`ethtool -i` output');
    const hint = blocks.length === 1 && paste.fileName ? ethtoolIfaceHint(paste.fileName) : null;
    return blocks.map((b) => ({
      info: b.info,
      iface: (blocks.length === 1 ? paste.iface : null) ?? b.iface,
      hint,
      link: null,
    }));
  });
}

/**
 * The PCI address in a systemd "path" interface name, en[P<domain>]p<bus>s<slot>[f<fn>]
 * (udev's net_id builtin: decimal numbers, the function omitted for function 0 of a
 * single-function device), with an optional n<port name> or d<dev_port> suffix.
 */
export function pathNameAddress(name: string): string | null {
  const m = name.match(/^en(?:P(\d+))?p(\d+)s(\d+)(?:f(\d+))?(?:n[a-z0-9]+|d\d+)?$/);
  if (!m) return null;
  const [domain, bus, slot, fn] = [Number(m[1] ?? 0), Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  if (domain > 0xffff || bus > 0xff || slot > 0x1f || fn > 7) return null;
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(domain, 4)}:${hex(bus, 2)}:${hex(slot, 2)}.${fn}`;
}

function emptyPf(pciAddress: string | null): Pf {
  return {
    pciAddress,
    netdev: null,
    altnames: [],
    driver: null,
    driverVersion: null,
    firmwareVersion: null,
    description: null,
    vendorId: null,
    deviceId: null,
    subsystemVendorId: null,
    subsystemDeviceId: null,
    vfDeviceId: null,
    totalVfs: null,
    numVfs: null,
    driversAutoprobe: null,
    numaNode: null,
    iommuGroup: null,
    mtu: null,
    mac: null,
    operState: null,
    carrier: null,
    physPortName: null,
    master: null,
    sriovCapability: null,
    vfs: [],
  };
}

function pfFromLspci(d: LspciDevice, sriov: SriovCapability | null): Pf {
  return {
    ...emptyPf(d.pciAddress),
    driver: d.driverInUse,
    description: d.description,
    vendorId: d.vendorId,
    deviceId: d.deviceId,
    subsystemVendorId: d.subsystemVendorId,
    subsystemDeviceId: d.subsystemDeviceId,
    vfDeviceId: sriov?.vfDeviceId ?? null,
    totalVfs: sriov?.totalVfs ?? null,
    numVfs: sriov?.numVfs ?? null,
    numaNode: d.numaNode,
    iommuGroup: d.iommuGroup,
    sriovCapability: sriov,
  };
}

/**
 * The kind of a link's master. IFF_SLAVE ("SLAVE" in the flags) is set by the bonding
 * driver on its members, and IFF_MASTER ("MASTER") on the bond, so plain `ip link show`
 * tells a bond member as well as `-d` ("bond_slave") does; a bridge or OVS port needs `-d`.
 */
function masterOf(link: IpLink, links: IpLink[]): Master | null {
  if (link.master === null) return null;
  const m = links.find((l) => l.name === link.master);
  const name = link.master;
  if (link.slaveKind === 'bond' || link.flags.includes('SLAVE') || m?.kind === 'bond')
    return { kind: 'bond', name };
  if (m?.flags.includes('MASTER')) return { kind: 'bond', name };
  if (name === 'ovs-system' || link.slaveKind === 'openvswitch') return { kind: 'ovs', name };
  if (link.slaveKind === 'bridge' || m?.kind === 'bridge') return { kind: 'bridge', name };
  return { kind: 'other', name };
}

function vfOf(
  index: number,
  t: IpVf | undefined,
  addr: string | null,
  dev: LspciDevice | undefined,
  netdev: string | null,
): Vf {
  return vfFromTable(index, t, {
    pciAddress: addr,
    driver: dev?.driverInUse ?? null,
    netdev,
    iommuGroup: dev?.iommuGroup ?? null,
    uppers: [],
  });
}

/** A list for a message: the first few, then how many in all. */
function some(items: string[], max = 4): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')}, … (${items.length} in all)`;
}

const NETWORK_CLASS = /^(Ethernet|Network) controller$/;

/** Builds HostFacts, and notes on what they lack, from outputs an operator pasted. */
export function pastedFacts(input: PastedOutputs): PastedResult {
  const notes: PastedNote[] = [];
  const note = (level: PastedNote['level'], message: string, fix: string | null = null) =>
    notes.push({ level, message, fix });

  const devices = input.lspci === undefined ? null : parseLspci(input.lspci);
  if (input.lspci !== undefined && devices!.length === 0) refuse('lspci', 0, input.lspci, 'lspci output');
  // Plain `lspci` (no -v) lists devices but none of their capabilities or drivers.
  if (
    input.lspci !== undefined &&
    !/^[ \t]+(Capabilities|Kernel driver in use|Subsystem):/m.test(input.lspci)
  )
    throw new PastedInputError(
      'lspci',
      0,
      'this is lspci without -vvv: it shows no capabilities, so no SR-IOV',
      `paste the output of \`${PASTE_COMMANDS.lspci}\``,
    );
  const links = input.ipLink === undefined ? null : parseIpLinkText(input.ipLink);
  if (input.ipLink !== undefined && links!.length === 0)
    refuse('ipLink', 0, input.ipLink, '`ip link show` output');
  const ethtools = ethtoolEntries(input.ethtool ?? []);
  const allLinks = links ?? [];
  const deviceAt = new Map((devices ?? []).map((d) => [d.pciAddress, d]));

  // Which link each ethtool output is about: said (IFACE=FILE, a pasted command line) or
  // hinted by the file name; the longest matching name wins (ens3f0 over ens3).
  const named = (n: string) => allLinks.find((l) => l.name === n || l.altnames.includes(n)) ?? null;
  for (const e of ethtools) {
    if (e.iface !== null) {
      e.link = named(e.iface);
      if (links !== null && e.link === null)
        note(
          'warning',
          `an ethtool -i output is said to be of ${e.iface}, but the ip link output has no ${e.iface}`,
        );
    } else if (e.hint !== null) {
      const hint = e.hint;
      const matches = allLinks.filter((l) => [l.name, ...l.altnames].some((n) => hintNames(hint, n)));
      e.link = matches.sort((a, b) => b.name.length - a.name.length)[0] ?? null;
    }
  }
  const ethtoolNetdev = (e: EthtoolEntry): string | null =>
    e.link?.name ??
    e.iface ??
    // A file-name hint names the interface by itself only when it is one word ("eno1").
    (e.hint !== null && /^[A-Za-z0-9]{1,15}$/.test(e.hint) ? e.hint : null);

  // Where each link sits: parentdev (ip -d, iproute2 ≥ 5.x), the bus-info of its ethtool -i,
  // or its predictable name when lspci shows a device at that address.
  const byName: string[] = [];
  const addressOf = (l: IpLink): string | null => {
    if (l.parentDev !== null && (l.parentBus === null || l.parentBus === 'pci')) {
      const a = normalisePciAddress(l.parentDev);
      if (a !== null) return a;
    }
    const e = ethtools.find((x) => x.link === l && x.info.busInfo !== null);
    if (e) return e.info.busInfo;
    for (const n of [l.name, ...l.altnames]) {
      const a = pathNameAddress(n);
      if (a !== null && deviceAt.has(a)) {
        if (l.vfs.length > 0 || deviceAt.get(a)?.sriov) byName.push(`${l.name} → ${a} (from ${n})`);
        return a;
      }
    }
    return null;
  };
  const linkAt = new Map<string, IpLink>();
  const unplaced: IpLink[] = [];
  for (const l of allLinks) {
    const a = addressOf(l);
    // Switchdev representors share their PF's parentdev: the link with the VF table wins.
    if (a !== null && (!linkAt.has(a) || (linkAt.get(a)!.vfs.length === 0 && l.vfs.length > 0)))
      linkAt.set(a, l);
    else if (a === null && l.vfs.length > 0) unplaced.push(l);
  }

  const pfs: Pf[] = [];
  const pfAt = new Map<string, Pf>();
  const addPf = (pf: Pf) => {
    pfs.push(pf);
    if (pf.pciAddress !== null) pfAt.set(pf.pciAddress, pf);
  };
  for (const d of devices ?? []) if (d.sriov) addPf(pfFromLspci(d, d.sriov));
  // A link with a VF table is a PF even where lspci was not pasted (or cut short).
  for (const [a, l] of linkAt) {
    if (!pfAt.has(a) && l.vfs.length > 0) {
      const d = deviceAt.get(a);
      addPf(d ? pfFromLspci(d, null) : emptyPf(a));
    }
  }

  const linkOf = new Map<Pf, IpLink>();
  for (const pf of pfs) {
    const l = pf.pciAddress === null ? undefined : linkAt.get(pf.pciAddress);
    if (l) linkOf.set(pf, l);
  }
  const free = pfs.filter((p) => !linkOf.has(p));
  if (unplaced.length > 0) {
    const only = unplaced[0]!;
    const pf = free[0];
    const names = unplaced.map((l) => l.name).join(', ');
    if (
      unplaced.length === 1 &&
      free.length === 1 &&
      (pf!.numVfs === null || pf!.numVfs === only.vfs.length)
    ) {
      linkOf.set(pf!, only);
      note(
        'info',
        `${only.name} was taken to be ${pf!.pciAddress}: the only PF with VFs in the ip link output and the only one in the lspci output`,
        `to be sure, paste \`${PASTE_COMMANDS.ipLink}\` (it prints parentdev) or \`ethtool -i ${only.name}\``,
      );
    } else if (free.length === 0) {
      for (const l of unplaced) {
        const p = emptyPf(null);
        addPf(p);
        linkOf.set(p, l);
      }
      if (devices !== null)
        note(
          'warning',
          `${names} ha${unplaced.length === 1 ? 's' : 've'} VFs but no PF of the lspci output is left for ${unplaced.length === 1 ? 'it' : 'them'}: was the lspci output cut short?`,
          `paste all of \`${PASTE_COMMANDS.lspci}\``,
        );
    } else {
      const bonds = [
        ...new Set(
          unplaced
            .map((l) => masterOf(l, allLinks))
            .filter((m) => m?.kind === 'bond')
            .map((m) => m!.name),
        ),
      ];
      // Which link is which PF is unknown, but when every link with VFs is in the same bond
      // and as many PFs have VFs, every one of those PFs is in that bond.
      const withVfs = free.filter((p) => (p.numVfs ?? 0) > 0);
      const allInBond = bonds.length === 1 && unplaced.every((l) => masterOf(l, allLinks)?.kind === 'bond');
      if (allInBond && withVfs.length === unplaced.length)
        for (const p of withVfs) p.master = { kind: 'bond', name: bonds[0]! };
      note(
        'warning',
        `cannot tell which PCI device ${names} ${unplaced.length === 1 ? 'is' : 'are'} (the ip link output does not say, and no ethtool -i output names ${unplaced.length === 1 ? 'it' : 'them'}); ${free.map((p) => p.pciAddress).join(', ')} ${free.length === 1 ? 'is' : 'are'} shown without interface, VF MACs and VLANs` +
          (allInBond && withVfs.length === unplaced.length
            ? `; every link with VFs (${names}) is a member of bond ${bonds[0]}, so ${withVfs.length === 1 ? 'is the PF with VFs' : 'are the PFs with VFs'}`
            : bonds.length > 0
              ? `; ${names} ${unplaced.length === 1 ? 'is a member' : 'are members'} of bond ${bonds.join(', ')}, and the VFs of a bonded PF bypass the bond`
              : ''),
        `paste \`${PASTE_COMMANDS.ipLink}\` (iproute2 ≥ 5.x prints each device's parentdev), or \`ethtool -i\` of each of ${names} (\`--ethtool ${unplaced[0]!.name}=FILE\`, or files named ethtool-i-${unplaced[0]!.name}.txt)`,
      );
    }
  }
  if (byName.length > 0)
    note(
      'info',
      `placed by their predictable interface names: ${some(byName)}`,
      `to be sure, paste \`${PASTE_COMMANDS.ipLink}\` (it prints parentdev)`,
    );

  // VF netdevs: `ip -d` prints a VF netdev's own PCI address as its parentdev.
  const netdevAt = new Map<string, string>();
  for (const [a, l] of linkAt) netdevAt.set(a, l.name);
  const vfAddrs = new Set<string>();
  const vfsWithoutEntry: string[] = [];
  for (const pf of pfs) {
    const link = linkOf.get(pf);
    if (link) {
      pf.netdev = link.name;
      pf.altnames = link.altnames;
      pf.mtu = link.mtu;
      pf.mac = link.mac;
      pf.operState = link.operState === null ? null : link.operState.toLowerCase();
      pf.master = masterOf(link, allLinks);
      pf.numVfs = pf.numVfs ?? link.vfs.length;
    }
    const cap = pf.sriovCapability;
    const table = new Map((link?.vfs ?? []).map((v) => [v.index, v]));
    // The VF table and lspci's "Number of VFs" together: iproute2 cuts long VF lists short.
    const indices = new Set(table.keys());
    for (let i = 0; i < (cap?.numVfs ?? 0); i++) indices.add(i);
    pf.vfs = [...indices]
      .sort((a, b) => a - b)
      .map((i) => {
        const addr =
          cap && pf.pciAddress !== null && cap.vfOffset !== null && cap.vfStride !== null
            ? vfAddressFromCapability(pf.pciAddress, cap.vfOffset, cap.vfStride, i)
            : null;
        if (addr !== null) vfAddrs.add(addr);
        if (addr !== null && devices !== null && !deviceAt.has(addr)) vfsWithoutEntry.push(addr);
        return vfOf(
          i,
          table.get(i),
          addr,
          addr === null ? undefined : deviceAt.get(addr),
          addr === null ? null : (netdevAt.get(addr) ?? null),
        );
      });
  }
  if (vfsWithoutEntry.length > 0)
    note(
      'info',
      `the lspci output has no entry for ${vfsWithoutEntry.length === 1 ? 'VF' : 'VFs'} ${some(vfsWithoutEntry)}, so ${vfsWithoutEntry.length === 1 ? 'its' : 'their'} driver (e.g. vfio-pci) is unknown`,
      `paste all of \`${PASTE_COMMANDS.lspci}\`, not only the PF`,
    );

  // ethtool -i: versions for PFs; a device seen only there is not known to do SR-IOV.
  const otherNics: OtherNic[] = [];
  for (const e of ethtools) {
    const a = e.info.busInfo;
    const netdev = ethtoolNetdev(e);
    const pf = a === null ? undefined : pfAt.get(a);
    if (pf) {
      pf.driver = pf.driver ?? e.info.driver;
      pf.driverVersion = e.info.version;
      pf.firmwareVersion = e.info.firmwareVersion;
      pf.netdev = pf.netdev ?? netdev;
      continue;
    }
    const vf = a === null ? undefined : pfs.flatMap((p) => p.vfs).find((v) => v.pciAddress === a);
    if (vf) {
      vf.driver = vf.driver ?? e.info.driver;
      vf.netdev = vf.netdev ?? netdev;
      continue;
    }
    if (a === null || deviceAt.has(a)) continue;
    otherNics.push({
      pciAddress: a,
      driver: e.info.driver,
      vendorId: null,
      deviceId: null,
      netdevs: netdev ? [netdev] : [],
      physfn: null,
    });
    note(
      'info',
      `${netdev === null ? a : `${netdev} (${a})`}, driver ${e.info.driver ?? 'unknown'}, is only in the ethtool -i output: nothing pasted says it can do SR-IOV`,
      null,
    );
  }
  for (const d of devices ?? []) {
    if (pfAt.has(d.pciAddress) || vfAddrs.has(d.pciAddress) || !NETWORK_CLASS.test(d.className)) continue;
    // A VF whose PF is not in the paste still says what it is.
    if (/Virtual Function/i.test(d.description)) continue;
    otherNics.push({
      pciAddress: d.pciAddress,
      driver: d.driverInUse,
      vendorId: d.vendorId,
      deviceId: d.deviceId,
      netdevs: netdevAt.has(d.pciAddress) ? [netdevAt.get(d.pciAddress)!] : [],
      physfn: null,
    });
  }

  // What the pasted outputs cannot say.
  if (devices?.some((d) => d.capabilitiesDenied))
    note(
      'warning',
      'lspci was run without root: its capabilities show as <access denied>, so it cannot show which devices can do SR-IOV',
      `paste the output of \`${PASTE_COMMANDS.lspci}\` (as root)`,
    );
  if (
    devices !== null &&
    pfs.some((p) => p.pciAddress !== null && deviceAt.has(p.pciAddress) && p.vendorId === null)
  )
    note(
      'warning',
      'vendor:device ids are unknown: the lspci output was taken without -nn (Nova device_spec and OSA match on vendor_id and product_id)',
      `paste the output of \`${PASTE_COMMANDS.lspci}\``,
    );
  if (devices === null)
    note(
      'info',
      "no lspci output: PCI ids, total VFs, NUMA nodes and the VFs' PCI addresses and drivers are unknown",
      `add --lspci with the output of \`${PASTE_COMMANDS.lspci}\``,
    );
  if (links === null)
    note(
      'info',
      'no ip link output: VF MACs, VLANs, spoof checking, trust, link state and bond/OVS membership are unknown',
      `add --ip-link with the output of \`${PASTE_COMMANDS.ipLink}\``,
    );
  if (ethtools.length === 0 && pfs.length > 0)
    note(
      'info',
      'no ethtool -i output: driver and firmware versions are unknown',
      `add --ethtool IFACE=FILE with the output of \`${PASTE_COMMANDS.ethtool}\` for each PF`,
    );
  note(
    'info',
    'not checked from pasted outputs: CPU virtualization, the IOMMU (units, groups, kernel command line), VF persistence across reboots, sriov_drivers_autoprobe, link carrier, and the Neutron SR-IOV agent and Nova settings',
    'run `osa-sriov collect -o HOST.snapshot` on the host, then `osa-sriov probe --from HOST.snapshot`',
  );

  const facts = HostFactsSchema.parse({
    schema: HOST_FACTS_SCHEMA,
    source: { kind: 'pasted', collector: null, collectedAt: null, origin: null },
    hostname: null,
    kernel: { release: null, cmdline: null },
    cpu: { vendor: null, virtualization: null },
    iommu: { enabled: null, units: null, cmdline: null, groups: null },
    pfs,
    otherNics,
    network: null,
    persistence: null,
    neutronSriovAgent: null,
    nova: null,
    osa: null,
    neutron: null,
    numa: null,
    // Whether the host has the tools is not known from pasted text.
    tools: { ip: null, ipJson: null, ethtool: null, lspci: null },
  } satisfies HostFacts);
  return { facts, notes };
}

/** Builds HostFacts from pasted outputs (see pastedFacts for the notes on what they lack). */
export function factsFromPasted(input: PastedOutputs): HostFacts {
  return pastedFacts(input).facts;
}
