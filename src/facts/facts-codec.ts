// HostFacts as one compact line of JSON, for the facts cache (src/cli/facts-cache.ts): each
// VF as an array of its values in VfSchema's order instead of an object, which halves a
// host's size (VFs are most of it). decodeFacts(encodeFacts(f)) is f, key order included.
import type { HostFacts, Vf } from './host-facts.js';

/** VfSchema's keys in order: a cache written with another list is not read. */
export const VF_KEYS = [
  'index',
  'pciAddress',
  'driver',
  'netdev',
  'mac',
  'vlan',
  'qos',
  'spoofCheck',
  'trust',
  'linkState',
  'maxTxRateMbps',
  'minTxRateMbps',
  'iommuGroup',
  'uppers',
] as const;

type VfRow = [
  Vf['index'],
  Vf['pciAddress'],
  Vf['driver'],
  Vf['netdev'],
  Vf['mac'],
  Vf['vlan'],
  Vf['qos'],
  Vf['spoofCheck'],
  Vf['trust'],
  Vf['linkState'],
  Vf['maxTxRateMbps'],
  Vf['minTxRateMbps'],
  Vf['iommuGroup'],
  Vf['uppers'],
];

function vfRow(v: Vf): VfRow {
  return [
    v.index,
    v.pciAddress,
    v.driver,
    v.netdev,
    v.mac,
    v.vlan,
    v.qos,
    v.spoofCheck,
    v.trust,
    v.linkState,
    v.maxTxRateMbps,
    v.minTxRateMbps,
    v.iommuGroup,
    v.uppers,
  ];
}

/**
 * One string for each distinct value: a fleet's hosts repeat the same VF addresses, drivers
 * and netdev names, and thousands of copies of each would be kept (and copied by every
 * young-generation GC) for the whole run.
 */
const INTERNED = new Map<string, string>();
function intern(v: string | null): string | null {
  if (v === null) return null;
  const known = INTERNED.get(v);
  if (known !== undefined) return known;
  if (INTERNED.size >= 200_000) INTERNED.clear();
  INTERNED.set(v, v);
  return v;
}

/** VFs without upper devices (almost all) share one frozen empty list. */
const NO_UPPERS: string[] = Object.freeze([]) as unknown as string[];

/** A row back to a VF; throws CodecError unless it has the row's length. */
function vfOf(r: VfRow): Vf {
  if (!Array.isArray(r) || r.length !== VF_KEYS.length) throw new CodecError('a VF row of the wrong length');
  const uppers = r[13];
  return {
    index: r[0],
    pciAddress: intern(r[1]),
    driver: intern(r[2]),
    netdev: intern(r[3]),
    mac: r[4],
    vlan: r[5],
    qos: r[6],
    spoofCheck: r[7],
    trust: r[8],
    linkState: r[9],
    maxTxRateMbps: r[10],
    minTxRateMbps: r[11],
    iommuGroup: r[12],
    uppers: Array.isArray(uppers) && uppers.length === 0 ? NO_UPPERS : uppers,
  };
}

/** A line that is not what encodeFacts writes. */
export class CodecError extends Error {}

export function encodeFacts(facts: HostFacts): string {
  return JSON.stringify({ ...facts, pfs: facts.pfs.map((pf) => ({ ...pf, vfs: pf.vfs.map(vfRow) })) });
}

/**
 * The facts of one encodeFacts line. It checks the shape it rebuilds (an object with PFs whose
 * VFs are rows), not the values: the cache that holds the line proves it wrote it (a digest of
 * its content) and wrote only facts that passed the schema.
 */
export function decodeFacts(line: string): HostFacts {
  const f = JSON.parse(line) as HostFacts;
  if (typeof f !== 'object' || f === null || !Array.isArray(f.pfs)) throw new CodecError('not encoded facts');
  return {
    ...f,
    pfs: f.pfs.map((pf) => {
      if (typeof pf !== 'object' || pf === null || !Array.isArray(pf.vfs)) throw new CodecError('not a PF');
      return { ...pf, vfs: (pf.vfs as unknown as VfRow[]).map(vfOf) };
    }),
  };
}
