// Parsers for `ip [-d] link show` output: the text form in both VF-line formats of
// iproute2 (before 5.3: "vf 1 MAC aa:..., vlan 101, ..."; since 5.3, commit 0f48f9f4:
// "vf 1     link/ether aa:... brd ff:..., vlan 101, ...") and the JSON form of `ip -j`.
//
// iproute2 prints vlan, qos and rates only when they are non-zero, and spoof checking,
// trust and link-state only when the driver reports them. So on a VF line that exists, a
// missing vlan/qos/rate is 0 and a missing spoof checking/trust/link-state is unknown (null).
import { z } from 'zod';
import type { LinkState } from './host-facts.js';

export interface IpVf {
  index: number;
  mac: string | null;
  vlan: number;
  qos: number;
  vlanProtocol: string | null;
  /** Legacy IFLA_VF_TX_RATE ("tx rate N (Mbps)"), the same value as maxTxRateMbps on kernels with both. */
  txRateMbps: number;
  maxTxRateMbps: number;
  minTxRateMbps: number;
  spoofCheck: boolean | null;
  trust: boolean | null;
  linkState: LinkState | null;
  queryRss: boolean | null;
}

export interface IpLink {
  ifindex: number | null;
  name: string;
  /** The part after '@' in "macvtap0@enp8s9f1": the lower device, or null. */
  peer: string | null;
  flags: string[];
  mtu: number | null;
  master: string | null;
  operState: string | null;
  linkType: string | null;
  mac: string | null;
  altnames: string[];
  /** parentdev from `ip -d` (iproute2 ≥ 5.x): the PCI address of the device. */
  parentDev: string | null;
  /** parentbus from `ip -d` (iproute2 ≥ 5.x): "pci" for a PCI device. */
  parentBus: string | null;
  /** "bond", "bridge", "openvswitch", "macvtap"… from `ip -d`; null when not shown. */
  kind: string | null;
  slaveKind: string | null;
  vfs: IpVf[];
}

function lower(mac: string): string {
  return mac.toLowerCase();
}

function asLinkState(word: string | undefined): LinkState | null {
  return word === 'auto' || word === 'enable' || word === 'disable' ? word : null;
}

/** The comma-separated fields of a VF line and where each one goes. */
const VF_FIELDS: Array<[RegExp, (vf: IpVf, value: string) => void]> = [
  [/^vlan (\d+)$/, (vf, v) => (vf.vlan = Number(v))],
  [/^qos (\d+)$/, (vf, v) => (vf.qos = Number(v))],
  [/^vlan protocol (\S+)$/, (vf, v) => (vf.vlanProtocol = v)],
  [/^tx rate (\d+) \(Mbps\)$/, (vf, v) => (vf.txRateMbps = Number(v))],
  [/^max_tx_rate (\d+)Mbps$/, (vf, v) => (vf.maxTxRateMbps = Number(v))],
  [/^min_tx_rate (\d+)Mbps$/, (vf, v) => (vf.minTxRateMbps = Number(v))],
  [/^spoof checking (on|off)$/, (vf, v) => (vf.spoofCheck = v === 'on')],
  [/^link-state (\w+)$/, (vf, v) => (vf.linkState = asLinkState(v))],
  [/^trust (on|off)$/, (vf, v) => (vf.trust = v === 'on')],
  [/^query_rss (on|off)$/, (vf, v) => (vf.queryRss = v === 'on')],
];

/** Parses the fields of one VF line, after its "vf N" prefix and MAC part. */
function parseVfFields(index: number, mac: string | null, rest: string): IpVf {
  const vf: IpVf = {
    index,
    mac,
    vlan: 0,
    qos: 0,
    vlanProtocol: null,
    txRateMbps: 0,
    maxTxRateMbps: 0,
    minTxRateMbps: 0,
    spoofCheck: null,
    trust: null,
    linkState: null,
    queryRss: null,
  };
  for (const raw of rest.split(',')) {
    const field = raw.trim();
    for (const [re, apply] of VF_FIELDS) {
      const m = field.match(re);
      if (m) {
        apply(vf, m[1]!);
        break;
      }
    }
  }
  // Kernels before IFLA_VF_RATE (3.16) only have the legacy rate, which is the max rate.
  if (vf.maxTxRateMbps === 0 && vf.txRateMbps > 0) vf.maxTxRateMbps = vf.txRateMbps;
  return vf;
}

const MAC_RE = '[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})+';
const OLD_VF = new RegExp(`^vf\\s+(\\d+)\\s+MAC\\s+(${MAC_RE})(.*)$`);
const NEW_VF = new RegExp(`^vf\\s+(\\d+)\\s+link/\\S+\\s+(${MAC_RE})(?:\\s+brd\\s+${MAC_RE})?(.*)$`);

/** Parses one VF line of `ip link show` in either iproute2 format; null if it is not one. */
export function parseVfLine(line: string): IpVf | null {
  const text = line.trim();
  const m = text.match(OLD_VF) ?? text.match(NEW_VF);
  if (m) return parseVfFields(Number(m[1]), lower(m[2]!), m[3]!);
  // A VF line without a MAC (some drivers): "vf 3 link-state auto" or "vf 3, spoof checking on".
  const bare = text.match(/^vf\s+(\d+)(?:\s+|,|$)(.*)$/);
  return bare ? parseVfFields(Number(bare[1]), null, bare[2]!) : null;
}

const HEADER = /^(\d+):\s+([^\s:@]+)(?:@([^\s:]+))?:\s+<([^>]*)>(.*)$/;

function emptyLink(ifindex: number | null, name: string, peer: string | null): IpLink {
  return {
    ifindex,
    name,
    peer,
    flags: [],
    mtu: null,
    master: null,
    operState: null,
    linkType: null,
    mac: null,
    altnames: [],
    parentDev: null,
    parentBus: null,
    kind: null,
    slaveKind: null,
    vfs: [],
  };
}

/** Words of the form "key value" in a line, for the header and detail lines. */
function wordAfter(text: string, key: string): string | null {
  const m = text.match(new RegExp(`(?:^|\\s)${key}\\s+(\\S+)`));
  return m ? m[1]! : null;
}

const DETAIL_KINDS = new Set([
  'bond',
  'bridge',
  'openvswitch',
  'macvtap',
  'macvlan',
  'vlan',
  'vxlan',
  'veth',
  'team',
  'dummy',
  'tun',
]);

/**
 * Parses `ip link show` / `ip -d link show` text: every link with its VF table.
 * Lines it does not understand are ignored; operators paste partial output with "..." and
 * comments, so the parser is lenient and only trusts what it recognises.
 */
export function parseIpLinkText(text: string): IpLink[] {
  const links: IpLink[] = [];
  let cur: IpLink | null = null;
  // `ip -o link` puts a whole link on one line, its line breaks printed as "\".
  for (const rawLine of text.split(/\r?\n|\\(?= {4})/)) {
    const header = rawLine.match(HEADER);
    if (header) {
      cur = emptyLink(Number(header[1]), header[2]!, header[3] ?? null);
      cur.flags = header[4]!.split(',').filter(Boolean);
      const rest = header[5]!;
      const mtu = wordAfter(rest, 'mtu');
      cur.mtu = mtu !== null && /^\d+$/.test(mtu) ? Number(mtu) : null;
      cur.master = wordAfter(rest, 'master');
      cur.operState = wordAfter(rest, 'state');
      links.push(cur);
      continue;
    }
    if (!cur) continue;
    const line = rawLine.trim();
    // With -d and no link kind, iproute2 prints the details (…, parentbus pci parentdev
    // 0000:3b:00.0) at the end of the link/ether line; with a kind or a slave kind they
    // end the "bond_slave …" line instead (ip/ipaddress.c, print_linkinfo).
    const parentDev = wordAfter(line, 'parentdev');
    if (parentDev) cur.parentDev = parentDev;
    const parentBus = wordAfter(line, 'parentbus');
    if (parentBus) cur.parentBus = parentBus;
    const link = line.match(new RegExp(`^link/(\\S+)(?:\\s+(${MAC_RE}))?`));
    if (link) {
      cur.linkType = link[1]!;
      cur.mac = link[2] ? lower(link[2]) : null;
      continue;
    }
    const alt = line.match(/^altname\s+(\S+)/);
    if (alt) {
      cur.altnames.push(alt[1]!);
      continue;
    }
    if (/^vf\s+\d+/.test(line)) {
      const vf = parseVfLine(line);
      if (vf) cur.vfs.push(vf);
      continue;
    }
    const first = line.split(/\s+/)[0] ?? '';
    if (DETAIL_KINDS.has(first) && cur.kind === null) cur.kind = first;
    const slave = first.match(/^(\w+)_slave$/);
    if (slave) cur.slaveKind = slave[1]!;
  }
  return links;
}

// `ip -j -d link show`: validated at the boundary, lenient about keys we do not use.
const JsonVf = z
  .object({
    vf: z.number().int().nonnegative(),
    address: z.string().optional(),
    mac: z.string().optional(),
    vlan_list: z
      .array(
        z.object({
          vlan: z.number().optional(),
          qos: z.number().optional(),
          protocol: z.string().optional(),
        }),
      )
      .optional(),
    vlan: z.number().optional(),
    qos: z.number().optional(),
    tx_rate: z.number().optional(),
    rate: z.object({ max_tx: z.number().optional(), min_tx: z.number().optional() }).optional(),
    spoofchk: z.boolean().optional(),
    link_state: z.string().optional(),
    trust: z.boolean().optional(),
    query_rss_en: z.boolean().optional(),
  })
  .loose();

const JsonLink = z
  .object({
    ifindex: z.number().int().optional(),
    ifname: z.string(),
    link: z.string().nullable().optional(),
    flags: z.array(z.string()).optional(),
    mtu: z.number().int().optional(),
    master: z.string().optional(),
    operstate: z.string().optional(),
    link_type: z.string().optional(),
    address: z.string().optional(),
    altnames: z.array(z.string()).optional(),
    parentdev: z.string().optional(),
    parentbus: z.string().optional(),
    linkinfo: z
      .object({ info_kind: z.string().optional(), info_slave_kind: z.string().optional() })
      .loose()
      .optional(),
    vfinfo_list: z.array(JsonVf).optional(),
  })
  .loose();

/** The schema of `ip -j [-d] link show` output, as far as it is read. */
export const JsonLinks = z.array(JsonLink);
type JsonLinkData = z.infer<typeof JsonLink>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown) => v === undefined || typeof v === 'string';
const optNumber = (v: unknown) => v === undefined || typeof v === 'number';
const optInt = (v: unknown) => v === undefined || Number.isSafeInteger(v);
const optBoolean = (v: unknown) => v === undefined || typeof v === 'boolean';
/** Whether V is an array whose every element (holes too: `every` skips them) passes TEST. */
function arrayOf(v: unknown, test: (x: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!test(v[i])) return false;
  return true;
}
const optStrings = (v: unknown) => v === undefined || arrayOf(v, (x) => typeof x === 'string');
const isJsonVlan = (x: unknown) =>
  isObject(x) && optNumber(x.vlan) && optNumber(x.qos) && optString(x.protocol);

function isJsonVf(v: unknown): boolean {
  if (!isObject(v)) return false;
  const vlans = v.vlan_list;
  const rate = v.rate;
  return (
    Number.isSafeInteger(v.vf) &&
    (v.vf as number) >= 0 &&
    optString(v.address) &&
    optString(v.mac) &&
    (vlans === undefined || arrayOf(vlans, isJsonVlan)) &&
    optNumber(v.vlan) &&
    optNumber(v.qos) &&
    optNumber(v.tx_rate) &&
    (rate === undefined || (isObject(rate) && optNumber(rate.max_tx) && optNumber(rate.min_tx))) &&
    optBoolean(v.spoofchk) &&
    optString(v.link_state) &&
    optBoolean(v.trust) &&
    optBoolean(v.query_rss_en)
  );
}

/**
 * Whether JsonLink accepts every link, decided without zod (a PF's VF table is a hundred
 * objects that zod would copy); it accepts nothing the schema refuses (test/unit/ip-link.test.ts
 * compares both). The schema reads what it refuses, so that the error is its own.
 */
export function isJsonLinks(data: unknown): data is JsonLinkData[] {
  if (!Array.isArray(data)) return false;
  for (let i = 0; i < data.length; i++) {
    const j: unknown = data[i];
    if (!isObject(j)) return false;
    const info = j.linkinfo;
    const vfs = j.vfinfo_list;
    if (
      !(
        optInt(j.ifindex) &&
        typeof j.ifname === 'string' &&
        (j.link === null || optString(j.link)) &&
        optStrings(j.flags) &&
        optInt(j.mtu) &&
        optString(j.master) &&
        optString(j.operstate) &&
        optString(j.link_type) &&
        optString(j.address) &&
        optStrings(j.altnames) &&
        optString(j.parentdev) &&
        optString(j.parentbus) &&
        (info === undefined ||
          (isObject(info) && optString(info.info_kind) && optString(info.info_slave_kind))) &&
        (vfs === undefined || arrayOf(vfs, isJsonVf))
      )
    )
      return false;
  }
  return true;
}

export class IpJsonError extends Error {}

const MAC_ONLY = new RegExp(`^${MAC_RE}$`);

/** Parses `ip -j [-d] link show` output. Throws IpJsonError when it is not that JSON. */
export function parseIpLinkJson(text: string): IpLink[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new IpJsonError(`not JSON: ${(e as Error).message}`);
  }
  let links: JsonLinkData[];
  if (isJsonLinks(data)) links = data;
  else {
    const parsed = JsonLinks.safeParse(data);
    if (!parsed.success)
      throw new IpJsonError(`unexpected ip -j output: ${parsed.error.issues[0]?.message ?? ''}`);
    links = parsed.data;
  }
  return links.map((j) => {
    const link = emptyLink(j.ifindex ?? null, j.ifname, j.link ?? null);
    link.flags = j.flags ?? [];
    link.mtu = j.mtu ?? null;
    link.master = j.master ?? null;
    link.operState = j.operstate ?? null;
    link.linkType = j.link_type ?? null;
    link.mac = j.address && MAC_ONLY.test(j.address) ? lower(j.address) : null;
    link.altnames = j.altnames ?? [];
    link.parentDev = j.parentdev ?? null;
    link.parentBus = j.parentbus ?? null;
    link.kind = j.linkinfo?.info_kind ?? null;
    link.slaveKind = j.linkinfo?.info_slave_kind ?? null;
    link.vfs = (j.vfinfo_list ?? []).map((v) => {
      const vlan0 = v.vlan_list?.[0];
      const mac = v.address ?? v.mac ?? null;
      const tx = v.tx_rate ?? 0;
      const max = v.rate?.max_tx ?? 0;
      return {
        index: v.vf,
        mac: mac && MAC_ONLY.test(mac) ? lower(mac) : null,
        vlan: vlan0?.vlan ?? v.vlan ?? 0,
        qos: vlan0?.qos ?? v.qos ?? 0,
        vlanProtocol: vlan0?.protocol ?? null,
        txRateMbps: tx,
        maxTxRateMbps: max === 0 && tx > 0 ? tx : max,
        minTxRateMbps: v.rate?.min_tx ?? 0,
        spoofCheck: v.spoofchk ?? null,
        trust: v.trust ?? null,
        linkState: asLinkState(v.link_state),
        queryRss: v.query_rss_en ?? null,
      };
    });
    return link;
  });
}
