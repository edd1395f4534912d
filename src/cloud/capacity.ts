// `capacity`: VFs total / in use / free per host × physnet (× NUMA node). Nova schedules a
// direct port on the VFs its device_spec offers for the network's physnet, so with the
// deployment the totals are those VFs, matched exactly as nova-compute matches them. Without it,
// the NIC Switch agents' reported device_mappings (physnet → PFs) and those PFs' VFs in the facts
// stand in for it. In use: the VFs that bound ports hold (binding:profile.pci_slot). Pure.
import { CheckContext, type HostView } from '../deployment/context.js';
import { matchFacts } from '../deployment/facts-match.js';
import { type NovaTracked, trackedFromMappings, trackedOnHost } from '../deployment/pci-pools.js';
import type { HostFacts, Pf } from '../facts/host-facts.js';
import { SRIOV_AGENT_TYPE } from '../openstack/neutron-mech-driver.js';
import { type ServerAsk, type ServerShape, serverShape } from '../openstack/nova-fit.js';
import type { DeploymentModel } from '../osa/model.js';
import { type PolicyCounts, serversPerPolicy } from './fit.js';
import { agentMappings, short } from './topology.js';
import type { CloudPort, CloudSnapshot } from './types.js';
import { factsFinder, hostSelected, pciSlot, portPhysnet, portsHoldingVfs } from './vf-map.js';

export const CAPACITY_SCHEMA = 'osa-sriov/capacity@1';

/** Where the totals come from: Nova's device_spec in the deployment, or the agents' mappings. */
export type CapacitySource = 'device_spec' | 'agent';

/** exhausted: no VF left; low: 1 left or ≤ 10 %; no-vfs: the physnet has no VF here; unknown: no facts. */
export type CapacityStatus = 'ok' | 'low' | 'exhausted' | 'no-vfs' | 'unknown';

export interface CapacityRow {
  host: string;
  physnet: string;
  /** The PFs' NUMA node; null when the facts do not say (or the kernel reports -1, no affinity). */
  numaNode: number | null;
  /** The PFs whose VFs are counted (netdev, or PCI address without one). */
  pfs: string[];
  /** null when the host has no facts. */
  total: number | null;
  inUse: number;
  free: number | null;
  status: CapacityStatus;
}

export interface PhysnetCapacity {
  physnet: string;
  hosts: number;
  /** Sums over the hosts whose totals are known (hosts without facts are only counted in unknownHosts). */
  total: number;
  inUse: number;
  free: number;
  /** Hosts without facts: their VFs are not in total/free. */
  unknownHosts: number;
}

export interface Capacity {
  source: CapacitySource;
  rows: CapacityRow[];
  physnets: PhysnetCapacity[];
  /** host × physnet with VFs and none free (over every NUMA node): the exit status 1. */
  exhausted: Array<{ host: string; physnet: string }>;
  /** With --flavor: how many servers of it still fit per host × physnet under each policy. */
  flavorFit: FlavorFit | null;
  notes: string[];
}

/** A flavor (and image) to count servers of: N SR-IOV ports each. */
export interface CapacityServer {
  flavorName: string;
  imageName: string | null;
  ask: Omit<ServerAsk, 'physnet' | 'portPolicy'>;
}

export interface FlavorFit {
  flavor: string;
  image: string | null;
  ports: number;
  vnicType: ServerAsk['vnicType'];
  numaTopology: ServerShape['topology'];
  /** The policy the flavor/image give (what a port without its own policy gets). */
  policy: ServerShape['policy'];
  rows: Array<{ host: string; physnet: string; servers: PolicyCounts; why: string | null }>;
}

export interface CapacityOptions {
  /** The OSA deployment: totals from each compute's Nova device_spec. */
  model?: DeploymentModel;
  /** Only these hosts (exact or short name). */
  hosts?: readonly string[];
  /** Count the servers of this flavor that still fit (Nova's PCI NUMA emulation, repeated). */
  server?: CapacityServer;
}

/**
 * One device a host offers for a physnet: a device nova-compute tracks (src/deployment/pci-pools.ts,
 * the one answer to what Nova tracks and pools) whose tags name a physical_network.
 */
export interface Slot {
  address: string;
  physnet: string;
  /** The NUMA node Nova records (null: unknown, or the kernel reports -1). */
  numa: number | null;
  pf: string;
  /** The PF's PCI address (Nova's pool key for a VF), null for a PF or when unknown. */
  pfAddress: string | null;
  /** type-VF, or type-PF for a PF the device_spec matches (direct-physical ports; not counted here). */
  devType: 'type-VF' | 'type-PF';
  /** The device as Nova tracks it, with its tags (the matching spec's, or the agent's physnet). */
  nova: NovaTracked;
}

/** A host's offer: its physnets, and its VFs (null when the host has no facts). */
export interface HostOffer {
  host: string;
  physnets: string[];
  slots: Slot[] | null;
  /** The facts the VFs come from (their NUMA topology too); null without facts. */
  facts: HostFacts | null;
}

const pfLabel = (pf: Pf) => pf.netdev ?? pf.pciAddress ?? '(unknown PF)';
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The slot of a tracked VF or PF tagged with a physnet; null for any other device. */
function slotOf(t: NovaTracked): Slot | null {
  const physnet = t.tags.physical_network;
  const d = t.device;
  if (typeof physnet !== 'string' || physnet === '') return null;
  if (d.dev_type !== 'type-VF' && d.dev_type !== 'type-PF') return null;
  return {
    address: d.address,
    physnet,
    numa: t.tracked.numa_node ?? null,
    pf: d.pf ? pfLabel(d.pf) : (d.parent_addr ?? '(unknown PF)'),
    pfAddress: d.dev_type === 'type-PF' ? null : (d.parent_addr ?? null),
    devType: d.dev_type,
    nova: t,
  };
}

/** The physnets the device_spec entries name (even those that match nothing). */
function specPhysnets(h: HostView): string[] {
  const out = (h.devspec()?.entries ?? [])
    .map((e) => e.raw.physical_network)
    .filter((p): p is string => typeof p === 'string' && p !== '');
  return [...new Set(out)];
}

/** The deployment with the facts matched to its hosts as `check` matches them; unused facts noted. */
export function deploymentWithFacts(
  model: DeploymentModel,
  facts: ReadonlyMap<string, HostFacts>,
  notes: string[],
): CheckContext {
  const match = matchFacts(
    model.inventory,
    [...facts].map(([key, f]) => ({ file: key, stem: key, facts: f })),
  );
  for (const f of match.unmatched)
    notes.push(
      `facts ${f.stem}: no inventory host has this name${f.facts.hostname && f.facts.hostname !== f.stem ? ` or ${f.facts.hostname}` : ''}; not used`,
    );
  for (const c of match.conflicts)
    notes.push(`several facts describe ${c.host} (${c.files.join(', ')}): none is used for it`);
  return new CheckContext(model, match.byHost);
}

/** The VFs each compute's device_spec gives a physnet: the spec Nova applies is the first that matches. */
export function devspecOffers(ctx: CheckContext, notes: string[]): HostOffer[] {
  const model = ctx.model;
  const offers: HostOffer[] = [];
  for (const h of ctx.allHosts()) {
    if (model.inventory.hosts.get(h.name)?.isContainer || !h.isCompute) continue;
    const view = h.devspec();
    if (!view) continue;
    const physnets = specPhysnets(h);
    if (view.error && !view.errorNeedsFacts) {
      notes.push(
        `nova-compute on ${h.name} refuses its device_spec (${view.error.message}): it offers no VF`,
      );
      offers.push({ host: h.name, physnets, slots: [], facts: h.facts ?? null });
      continue;
    }
    const tracked = h.facts ? trackedOnHost(h) : null;
    if (!tracked) {
      offers.push({ host: h.name, physnets, slots: null, facts: h.facts ?? null });
      continue;
    }
    // A PF the spec matches is for direct-physical ports (kept for fit, not counted here).
    const slots = tracked.map(slotOf).filter((s): s is Slot => s !== null);
    offers.push({
      host: h.name,
      physnets: [
        ...new Set([...physnets, ...slots.filter((s) => s.devType === 'type-VF').map((s) => s.physnet)]),
      ],
      slots,
      facts: h.facts ?? null,
    });
  }
  return offers;
}

/** The VFs of the PFs each NIC Switch agent reports in configurations.device_mappings. */
export function agentOffers(
  cloud: CloudSnapshot,
  facts: ReadonlyMap<string, HostFacts>,
  notes: string[],
): HostOffer[] {
  const findFacts = factsFinder(facts);
  const offers: HostOffer[] = [];
  for (const a of cloud.agents) {
    if (a.agent_type !== SRIOV_AGENT_TYPE) continue;
    if (!a.alive)
      notes.push(`the NIC Switch agent on ${a.host} is dead: Neutron binds no new SR-IOV port there`);
    const mappings = agentMappings(a);
    const physnets = Object.keys(mappings);
    const f = findFacts(a.host);
    if (!f) {
      offers.push({ host: a.host, physnets, slots: null, facts: null });
      continue;
    }
    const tracked = trackedFromMappings(f.facts, mappings, (physnet, dev) =>
      notes.push(
        `the agent on ${a.host} maps ${physnet} to ${dev}, which its facts (${f.key}) do not have as a PF`,
      ),
    );
    const slots = tracked.map(slotOf).filter((s): s is Slot => s !== null);
    offers.push({ host: a.host, physnets, slots, facts: f.facts });
  }
  return offers;
}

function statusOf(total: number | null, free: number | null): CapacityStatus {
  if (total === null || free === null) return 'unknown';
  if (total === 0) return 'no-vfs';
  if (free === 0) return 'exhausted';
  return free <= 1 || free <= total * 0.1 ? 'low' : 'ok';
}

/** The offer a port's binding:host_id belongs to: the same name, else the only one with its short name. */
export function offerFinder(offers: readonly HostOffer[]): (host: string) => HostOffer | null {
  return (host) => {
    const exact = offers.find((o) => o.host === host);
    if (exact) return exact;
    const loose = offers.filter((o) => short(o.host) === short(host));
    return loose.length === 1 ? loose[0]! : null;
  };
}

function hostRows(
  offer: HostOffer,
  ports: readonly CloudPort[],
  cloud: CloudSnapshot,
  notes: string[],
): CapacityRow[] {
  const networks = new Map(cloud.networks.map((n) => [n.id, n]));
  const rows: CapacityRow[] = [];
  if (offer.slots === null) {
    // Without facts the VFs are unknown, but the ports still say how many are taken.
    const physnets = new Set(offer.physnets);
    const counts = new Map<string, Set<string>>();
    for (const p of ports) {
      const physnet = portPhysnet(p, networks.get(p.network_id));
      if (!physnet) {
        notes.push(
          `port ${p.id} holds ${pciSlot(p)} on ${offer.host}, but its physnet is unknown: not counted`,
        );
        continue;
      }
      physnets.add(physnet);
      counts.set(physnet, (counts.get(physnet) ?? new Set()).add(pciSlot(p)!));
    }
    notes.push(`no facts for ${offer.host}: its VF totals are unknown (give its snapshot with --facts)`);
    for (const physnet of [...physnets].sort(byName))
      rows.push({
        host: offer.host,
        physnet,
        numaNode: null,
        pfs: [],
        total: null,
        inUse: counts.get(physnet)?.size ?? 0,
        free: null,
        status: 'unknown',
      });
    return rows;
  }
  const groupKey = (s: { physnet: string; numa: number | null }) => `${s.physnet}\u0000${s.numa ?? ''}`;
  const groups = new Map<
    string,
    { physnet: string; numa: number | null; slots: Slot[]; used: Set<string> }
  >();
  const slotGroup = new Map<string, string>();
  for (const s of offer.slots) {
    if (s.devType !== 'type-VF') continue;
    const k = groupKey(s);
    if (!groups.has(k)) groups.set(k, { physnet: s.physnet, numa: s.numa, slots: [], used: new Set() });
    groups.get(k)!.slots.push(s);
    slotGroup.set(s.address, k);
  }
  for (const p of ports) {
    const slot = pciSlot(p)!;
    const k = slotGroup.get(slot);
    if (k) groups.get(k)!.used.add(slot);
    else
      notes.push(
        `port ${p.id} holds ${slot} on ${offer.host}, which is not a VF counted for any physnet there: the facts are stale, or the device_spec/mappings changed since the port was bound`,
      );
  }
  for (const physnet of offer.physnets)
    if (![...groups.values()].some((g) => g.physnet === physnet))
      groups.set(groupKey({ physnet, numa: null }), { physnet, numa: null, slots: [], used: new Set() });
  for (const g of groups.values()) {
    const total = g.slots.length;
    const free = total - g.used.size; // used ⊆ slots: never negative
    rows.push({
      host: offer.host,
      physnet: g.physnet,
      numaNode: g.numa,
      pfs: [...new Set(g.slots.map((s) => s.pf))],
      total,
      inUse: g.used.size,
      free,
      status: statusOf(total, free),
    });
  }
  rows.sort((a, b) => byName(a.physnet, b.physnet) || (a.numaNode ?? -1) - (b.numaNode ?? -1));
  return rows;
}

export function capacity(
  cloud: CloudSnapshot,
  facts: ReadonlyMap<string, HostFacts>,
  opts: CapacityOptions = {},
): Capacity {
  const notes: string[] = [];
  const source: CapacitySource = opts.model ? 'device_spec' : 'agent';
  const offers = (
    opts.model
      ? devspecOffers(deploymentWithFacts(opts.model, facts, notes), notes)
      : agentOffers(cloud, facts, notes)
  ).filter((o) => hostSelected(o.host, opts.hosts));
  const offerOf = offerFinder(offers);
  const portsOf = new Map<HostOffer, CloudPort[]>();
  const strays = new Map<string, number>();
  for (const p of portsHoldingVfs(cloud)) {
    const host = p['binding:host_id'];
    if (!hostSelected(host, opts.hosts)) continue;
    const o = offerOf(host);
    if (o) portsOf.set(o, [...(portsOf.get(o) ?? []), p]);
    else strays.set(host, (strays.get(host) ?? 0) + 1);
  }
  for (const [host, n] of strays)
    notes.push(
      `${n} port${n === 1 ? '' : 's'} hold${n === 1 ? 's' : ''} a VF on ${host}, which ${source === 'device_spec' ? 'is no compute with a device_spec in the deployment' : 'no NIC Switch agent reports'}: not counted`,
    );
  const rows = offers
    .sort((a, b) => byName(a.host, b.host))
    .flatMap((o) => hostRows(o, portsOf.get(o) ?? [], cloud, notes));

  const exhausted: Capacity['exhausted'] = [];
  const perHost = new Map<string, CapacityRow[]>();
  for (const r of rows) {
    const k = `${r.host}\u0000${r.physnet}`;
    perHost.set(k, [...(perHost.get(k) ?? []), r]);
  }
  for (const rs of perHost.values()) {
    const total = rs.reduce((n, r) => n + (r.total ?? 0), 0);
    const free = rs.reduce((n, r) => n + (r.free ?? 0), 0);
    if (rs.every((r) => r.total !== null) && total > 0 && free === 0)
      exhausted.push({ host: rs[0]!.host, physnet: rs[0]!.physnet });
  }

  const physnets = new Map<string, PhysnetCapacity & { hostSet: Set<string>; unknownSet: Set<string> }>();
  for (const r of rows) {
    const p = physnets.get(r.physnet) ?? {
      physnet: r.physnet,
      hosts: 0,
      total: 0,
      inUse: 0,
      free: 0,
      unknownHosts: 0,
      hostSet: new Set<string>(),
      unknownSet: new Set<string>(),
    };
    p.hostSet.add(r.host);
    if (r.total === null) p.unknownSet.add(r.host);
    else {
      p.total += r.total;
      p.inUse += r.inUse;
      p.free += r.free ?? 0;
    }
    physnets.set(r.physnet, p);
  }
  let flavorFit: FlavorFit | null = null;
  if (opts.server) {
    const { ask } = opts.server;
    // Throws NovaNumaError when Nova refuses the flavor/image itself (the caller reports it).
    const shape = serverShape({ ...ask, physnet: '', portPolicy: null });
    const fitRows: FlavorFit['rows'] = [];
    for (const o of offers) {
      const used = new Set((portsOf.get(o) ?? []).map((p) => pciSlot(p)!));
      for (const physnet of [...o.physnets].sort(byName)) {
        const r = serversPerPolicy(o, used, ask, physnet);
        fitRows.push({ host: o.host, physnet, servers: r.counts, why: r.why });
      }
    }
    flavorFit = {
      flavor: opts.server.flavorName,
      image: opts.server.imageName,
      ports: ask.ports,
      vnicType: ask.vnicType,
      numaTopology: shape.topology,
      policy: shape.policy,
      rows: fitRows,
    };
  }
  return {
    source,
    rows,
    flavorFit,
    physnets: [...physnets.values()]
      .sort((a, b) => byName(a.physnet, b.physnet))
      .map(({ hostSet, unknownSet, ...p }) => ({ ...p, hosts: hostSet.size, unknownHosts: unknownSet.size })),
    exhausted,
    notes,
  };
}
