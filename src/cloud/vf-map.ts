// `vf-map`: which VF each SR-IOV port holds. Nova writes the VF's PCI address into the port's
// binding:profile.pci_slot; the host's facts say which PF owns that address and what the PF's VF
// table holds for it (the admin MAC and VLAN Nova/libvirt set). Once a guest holds a VF it has
// no netdev on the host, so this join is the only way to see the port ↔ VF ↔ server chain, and
// the places where Neutron, Nova and the NIC disagree. Pure: the cloud and facts were read before.
import type { HostFacts, Pf, Vf } from '../facts/host-facts.js';
import { segmentsOf, short } from './topology.js';
import type { CloudNetwork, CloudPort, CloudServer, CloudSnapshot } from './types.js';
import { isSriovPort } from './types.js';

export const VF_MAP_SCHEMA = 'osa-sriov/vf-map@1';

export type VfProblemKind =
  | 'leaked'
  | 'no-port'
  | 'mac-mismatch'
  | 'vlan-mismatch'
  | 'network-vlan'
  | 'unknown-vf'
  | 'shared-vf'
  | 'no-server';

export interface VfProblem {
  kind: VfProblemKind;
  /** error: traffic of a port is (or will be) wrong; warning: worth a look, may be benign. */
  severity: 'error' | 'warning';
  message: string;
}

export interface VfMapRow {
  /** The port's binding:host_id; for a VF without a port, the host's name as the cloud knows it. */
  host: string;
  /** PF netdev (or its PCI address when it has no netdev); null without facts for the host. */
  pf: string | null;
  pfPciAddress: string | null;
  /** null without facts, or for a direct-physical port (the whole PF). */
  vfIndex: number | null;
  /** The port's pci_slot, or the VF's address for a VF without a port. */
  vfPciAddress: string;
  /** The port's MAC; for a VF without a port, the MAC the VF carries. */
  mac: string | null;
  /** The admin MAC in the PF's VF table; null without facts. */
  vfMac: string | null;
  /** The VLAN in the PF's VF table (0 = none); null without facts. */
  vlan: number | null;
  /** The VLAN the port should have: Neutron's bound VLAN, else the network's segment (flat = 0). */
  expectedVlan: number | null;
  physnet: string | null;
  portId: string | null;
  portStatus: string | null;
  vnicType: string | null;
  serverId: string | null;
  serverName: string | null;
  serverStatus: string | null;
  problems: VfProblem[];
}

export interface VfMapHost {
  host: string;
  /** Which facts describe it (their --facts key: file stem), or null. */
  facts: string | null;
  collectedAt: string | null;
}

export interface VfMap {
  rows: VfMapRow[];
  hosts: VfMapHost[];
  /** Why some columns are empty (missing facts, no compute endpoint). Not discrepancies. */
  notes: string[];
}

export interface VfMapOptions {
  /** Only these hosts (exact or short name). */
  host?: readonly string[];
}

const ZERO_MAC = /^(00:)*00$/;

/** A VF whose table entry has no MAC and no VLAN: what the PF driver shows for an unused VF. */
export function isFreeVf(vf: Vf): boolean {
  return (vf.mac === null || ZERO_MAC.test(vf.mac)) && (vf.vlan ?? 0) === 0;
}

const lower = (s: string) => s.trim().toLowerCase();

/** binding:profile.pci_slot, the VF (or PF, for direct-physical) Nova claimed; null when unset. */
export function pciSlot(p: CloudPort): string | null {
  const v = p['binding:profile'].pci_slot;
  return typeof v === 'string' && v.trim() !== '' ? lower(v) : null;
}

/** The SR-IOV ports that hold a device on a host: bound, with a pci_slot. */
export function portsHoldingVfs(cloud: CloudSnapshot): CloudPort[] {
  return cloud.ports.filter((p) => isSriovPort(p) && p['binding:host_id'] !== '' && pciSlot(p) !== null);
}

export interface FactsEntry {
  /** The key the caller gave (the facts file stem). */
  key: string;
  facts: HostFacts;
}

/**
 * Finds a host's facts by name, as `check` matches facts to inventory hosts but without an
 * inventory: the key (file stem) or the recorded hostname, exactly, then by short name when only
 * one entry fits. Nova and the agents may use the FQDN while collect wrote the short name.
 */
export function factsFinder(facts: ReadonlyMap<string, HostFacts>): (host: string) => FactsEntry | null {
  const entries = [...facts].map(([key, f]) => ({ key, facts: f }));
  const names = (e: FactsEntry) => [e.key, e.facts.hostname].filter((n): n is string => !!n);
  return (host: string) => {
    const exact = entries.filter((e) => names(e).includes(host));
    if (exact.length === 1) return exact[0]!;
    if (exact.length > 1) return null;
    const loose = entries.filter((e) => names(e).some((n) => short(n) === short(host)));
    return loose.length === 1 ? loose[0]! : null;
  };
}

/** Whether a host name is selected by --host values (exact or short name). */
export function hostSelected(host: string, only: readonly string[] | undefined): boolean {
  return !only || only.length === 0 || only.some((h) => h === host || short(h) === short(host));
}

type Located =
  | { kind: 'vf'; pf: Pf; vf: Vf }
  | { kind: 'pf'; pf: Pf }
  | { kind: 'other'; driver: string | null }
  | { kind: 'none' };

/** What the host has at a PCI address: a PF's VF, a PF (direct-physical), another NIC, nothing. */
export function locate(facts: HostFacts, address: string): Located {
  for (const pf of facts.pfs) {
    if (pf.pciAddress === address) return { kind: 'pf', pf };
    const vf = pf.vfs.find((v) => v.pciAddress === address);
    if (vf) return { kind: 'vf', pf, vf };
  }
  const nic = facts.otherNics.find((n) => n.pciAddress === address);
  return nic ? { kind: 'other', driver: nic.driver } : { kind: 'none' };
}

const pfName = (pf: Pf) => pf.netdev ?? pf.pciAddress ?? '(unknown PF)';

function toInt(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

/** The physnet the port's VF serves: Nova's profile entry, else the network's only flat/vlan segment. */
export function portPhysnet(p: CloudPort, net: CloudNetwork | undefined): string | null {
  const fromProfile = p['binding:profile'].physical_network;
  if (typeof fromProfile === 'string' && fromProfile !== '') return fromProfile;
  const segs = net ? segmentsOf(net).filter((s) => s.type === 'vlan' || s.type === 'flat') : [];
  const physnets = [...new Set(segs.map((s) => s.physnet).filter((x): x is string => !!x))];
  return physnets.length === 1 ? physnets[0]! : null;
}

/** The VLAN the network's segment on the port's physnet carries: its segmentation id, 0 for flat. */
function networkVlan(net: CloudNetwork | undefined, physnet: string | null): number | null {
  if (!net) return null;
  const segs = segmentsOf(net).filter(
    (s) => (s.type === 'vlan' || s.type === 'flat') && (physnet === null || s.physnet === physnet),
  );
  if (segs.length !== 1) return null;
  const s = segs[0]!;
  return s.type === 'flat' ? 0 : s.segId;
}

interface Lookup {
  networks: Map<string, CloudNetwork>;
  servers: Map<string, CloudServer> | null;
  portsByMac: Map<string, CloudPort[]>;
}

function portRow(p: CloudPort, look: Lookup, facts: FactsEntry | null): VfMapRow {
  const slot = pciSlot(p)!;
  const net = look.networks.get(p.network_id);
  const physnet = portPhysnet(p, net);
  const boundVlan = toInt(p['binding:vif_details'].vlan);
  const netVlan = networkVlan(net, physnet);
  const isServer = p.device_owner.startsWith('compute:') && p.device_id !== '';
  const server = look.servers?.get(p.device_id) ?? null;
  const row: VfMapRow = {
    host: p['binding:host_id'],
    pf: null,
    pfPciAddress: null,
    vfIndex: null,
    vfPciAddress: slot,
    mac: lower(p.mac_address),
    vfMac: null,
    vlan: null,
    expectedVlan: boundVlan ?? netVlan,
    physnet,
    portId: p.id,
    portStatus: p.status,
    vnicType: p['binding:vnic_type'],
    serverId: server?.id ?? (isServer ? p.device_id : null),
    serverName: server?.name ?? null,
    serverStatus: server?.status ?? null,
    problems: [],
  };
  if (look.servers && isServer && !server)
    row.problems.push({
      kind: 'no-server',
      severity: 'warning',
      message: `the port holds ${slot} for server ${p.device_id}, which Nova does not list: Nova may have freed the VF and give it to another instance while Neutron still binds this port to it`,
    });
  if (!facts) return row;
  const where = locate(facts.facts, slot);
  if (where.kind === 'none' || where.kind === 'other') {
    row.problems.push({
      kind: 'unknown-vf',
      severity: 'error',
      message:
        where.kind === 'other'
          ? `${slot} is a NIC without SR-IOV (driver ${where.driver ?? 'none'}) on ${row.host}, not a VF: the facts are stale or the port's binding:profile is wrong`
          : `no PF on ${row.host} has a VF at ${slot}: the VFs were re-created with other addresses, the facts are stale, or the port's binding:profile is wrong`,
    });
    return row;
  }
  row.pf = pfName(where.pf);
  row.pfPciAddress = where.pf.pciAddress;
  if (where.kind === 'pf') return row; // direct-physical: the whole PF, no VF table entry.
  const vf = where.vf;
  row.vfIndex = vf.index;
  row.vfMac = vf.mac;
  row.vlan = vf.vlan;
  const at = `VF ${vf.index} of ${row.pf} (${slot})`;
  // A stopped guest gives its VF back to the host (libvirt restores the MAC and VLAN it had)
  // while Nova keeps the claim: only a running server's VF must carry the port's settings.
  const running = row.serverStatus === null || row.serverStatus === 'ACTIVE';
  if (!running) return row;
  if (vf.mac !== null && lower(vf.mac) !== row.mac) {
    const owner = (look.portsByMac.get(lower(vf.mac)) ?? []).find((o) => o.id !== p.id);
    row.problems.push({
      kind: 'mac-mismatch',
      severity: 'error',
      message: `${at} carries MAC ${vf.mac}, not the port's ${row.mac}${owner ? ` (${vf.mac} is port ${owner.id}'s)` : ''}: the guest's traffic is dropped by the VF's anti-spoofing or sent with the wrong address`,
    });
  }
  if (vf.vlan !== null) {
    if (boundVlan !== null && vf.vlan !== boundVlan)
      row.problems.push({
        kind: 'vlan-mismatch',
        severity: 'error',
        message: `${at} is on VLAN ${vf.vlan}, but Neutron bound the port with VLAN ${boundVlan} (binding:vif_details): the guest is on the wrong network`,
      });
    else if (netVlan !== null && vf.vlan !== netVlan)
      row.problems.push({
        kind: 'network-vlan',
        severity: 'error',
        message: `${at} is on VLAN ${vf.vlan}, but network ${net?.name || p.network_id} ${netVlan === 0 ? 'is flat (no VLAN tag)' : `has segmentation id ${netVlan}`}: the guest is on the wrong network`,
      });
  }
  return row;
}

/** A configured VF that no port bound here holds: leaked when some port has its MAC. */
function strayVfRow(host: string, pf: Pf, vf: Vf, look: Lookup): VfMapRow {
  const mac = vf.mac && !ZERO_MAC.test(vf.mac) ? lower(vf.mac) : null;
  const owners = mac ? (look.portsByMac.get(mac) ?? []) : [];
  const owner = owners[0];
  const at = `VF ${vf.index} of ${pfName(pf)} (${vf.pciAddress})`;
  const ownerWhere = owner
    ? owner['binding:host_id'] === ''
      ? 'which is unbound'
      : pciSlot(owner) && owner['binding:host_id'] === host
        ? `which holds ${pciSlot(owner)} instead`
        : `which is bound to ${owner['binding:host_id']}${pciSlot(owner) ? ` at ${pciSlot(owner)}` : ''}`
    : '';
  const problem: VfProblem = owner
    ? {
        kind: 'leaked',
        severity: 'error',
        message: `${at} still carries the MAC of port ${owner.id} (${owner['binding:vnic_type']}), ${ownerWhere}, and no port on ${host} holds this VF: it was not cleaned up when the port left, so the same MAC may be live twice`,
      }
    : {
        kind: 'no-port',
        severity: 'warning',
        message: `${at} is configured (MAC ${vf.mac ?? 'none'}, VLAN ${vf.vlan ?? 0}) but no Neutron port has this MAC or holds this VF: left over from a deleted port, set by hand, or the facts are older than the cloud`,
      };
  return {
    host,
    pf: pfName(pf),
    pfPciAddress: pf.pciAddress,
    vfIndex: vf.index,
    vfPciAddress: vf.pciAddress ?? '',
    mac,
    vfMac: vf.mac,
    vlan: vf.vlan,
    expectedVlan: null,
    physnet: null,
    portId: null,
    portStatus: null,
    vnicType: null,
    serverId: null,
    serverName: null,
    serverStatus: null,
    problems: [problem],
  };
}

function compareRows(a: VfMapRow, b: VfMapRow): number {
  const key = (r: VfMapRow) => [r.host, r.pf ?? '\uffff', String(r.vfIndex ?? 1e9).padStart(10, '0')];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return a.vfPciAddress < b.vfPciAddress ? -1 : a.vfPciAddress > b.vfPciAddress ? 1 : 0;
}

export function vfMap(
  cloud: CloudSnapshot,
  facts: ReadonlyMap<string, HostFacts>,
  opts: VfMapOptions = {},
): VfMap {
  const findFacts = factsFinder(facts);
  const portsByMac = new Map<string, CloudPort[]>();
  for (const p of cloud.ports) {
    const m = lower(p.mac_address);
    portsByMac.set(m, [...(portsByMac.get(m) ?? []), p]);
  }
  const look: Lookup = {
    networks: new Map(cloud.networks.map((n) => [n.id, n])),
    servers: cloud.servers ? new Map(cloud.servers.map((s) => [s.id, s])) : null,
    portsByMac,
  };
  const notes: string[] = [];
  if (!cloud.servers)
    notes.push('the cloud has no compute endpoint in its catalog: server names are unknown');

  const rows: VfMapRow[] = [];
  // Cloud host name → facts key, and the reverse, to name VF-only rows as the cloud does.
  const hostFacts = new Map<string, FactsEntry | null>();
  const cloudName = new Map<string, string>();
  const holders = portsHoldingVfs(cloud).filter((p) => hostSelected(p['binding:host_id'], opts.host));
  for (const p of holders) {
    const host = p['binding:host_id'];
    if (!hostFacts.has(host)) hostFacts.set(host, findFacts(host));
    const f = hostFacts.get(host)!;
    if (f && !cloudName.has(f.key)) cloudName.set(f.key, host);
    rows.push(portRow(p, look, f));
  }
  for (const [host, f] of hostFacts)
    if (!f)
      notes.push(
        `no facts for host ${host}: its PF, VF index, VF MAC and VLAN are unknown (give its snapshot with --facts)`,
      );

  // Two ports on one VF: Nova's and Neutron's records disagree, one guest has no VF.
  const bySlot = new Map<string, VfMapRow[]>();
  for (const r of rows) {
    const k = `${r.host}\u0000${r.vfPciAddress}`;
    bySlot.set(k, [...(bySlot.get(k) ?? []), r]);
  }
  for (const group of bySlot.values()) {
    if (group.length < 2) continue;
    for (const r of group)
      r.problems.push({
        kind: 'shared-vf',
        severity: 'error',
        message: `${group.length} ports hold ${r.vfPciAddress} on ${r.host} (${group.map((g) => g.portId).join(', ')}): a VF serves one port, so one of them has no working VF`,
      });
  }

  // VFs the PF driver shows configured that no port bound here holds.
  const hosts: VfMapHost[] = [];
  const agents = cloud.agents.map((a) => a.host);
  for (const [key, f] of facts) {
    const entry = { key, facts: f };
    const host =
      cloudName.get(key) ??
      agents.find((a) => findFacts(a)?.key === key) ??
      (f.hostname && findFacts(f.hostname)?.key === key ? f.hostname : key);
    if (!hostSelected(host, opts.host) && !hostSelected(key, opts.host)) continue;
    hosts.push({ host, facts: key, collectedAt: f.source.collectedAt });
    const held = new Set(
      holders.filter((p) => hostFacts.get(p['binding:host_id'])?.key === entry.key).map((p) => pciSlot(p)!),
    );
    for (const pf of f.pfs)
      for (const vf of pf.vfs)
        if (vf.pciAddress && !held.has(vf.pciAddress) && !isFreeVf(vf))
          rows.push(strayVfRow(host, pf, vf, look));
  }
  for (const [host, f] of hostFacts) if (!f) hosts.push({ host, facts: null, collectedAt: null });
  hosts.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  rows.sort(compareRows);
  return { rows, hosts, notes };
}

/** Problem counts, for summaries and the exit status. */
export function vfMapSummary(m: VfMap): { rows: number; errors: number; warnings: number } {
  const all = m.rows.flatMap((r) => r.problems);
  return {
    rows: m.rows.length,
    errors: all.filter((p) => p.severity === 'error').length,
    warnings: all.filter((p) => p.severity === 'warning').length,
  };
}
