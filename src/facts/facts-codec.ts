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

/** A row back to a VF; throws CodecError unless it has the row's length. */
function vfOf(r: VfRow): Vf {
  if (!Array.isArray(r) || r.length !== VF_KEYS.length) throw new CodecError('a VF row of the wrong length');
  return {
    index: r[0],
    pciAddress: r[1],
    driver: r[2],
    netdev: r[3],
    mac: r[4],
    vlan: r[5],
    qos: r[6],
    spoofCheck: r[7],
    trust: r[8],
    linkState: r[9],
    maxTxRateMbps: r[10],
    minTxRateMbps: r[11],
    iommuGroup: r[12],
    uppers: r[13],
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
