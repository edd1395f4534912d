// `fit`: which hosts can take a server of this flavor (and image) with N SR-IOV ports on a
// physnet, and for each other host exactly why not. Each host's PCI pools are Nova's (the
// device_spec of the deployment, or the agents' mappings, over the host's facts: capacity's
// offers), minus the devices in use (the cloud's bound ports, which win, or the VFs the facts show
// a guest holds: guestHold); the decision is src/openstack/nova-fit.ts, i.e. Nova's own rules. Pure.
import type { CheckContext } from '../deployment/context.js';
import { poolsOf } from '../deployment/pci-pools.js';
import type { HostFacts } from '../facts/host-facts.js';
import { guestHold } from '../openstack/neutron-eswitch.js';
import {
  countServers,
  type FitVerdict,
  fitOnHost,
  type HostFit,
  type HostPci,
  type ServerAsk,
  type ServerShape,
  serverShape,
} from '../openstack/nova-fit.js';
import { NUMA_AFFINITY_POLICIES, type NumaAffinityPolicy } from '../openstack/nova-pci-match.js';
import { type CapacitySource, type HostOffer, offerFinder } from './capacity.js';
import type { CloudSnapshot } from './types.js';
import { pciSlot, portsHoldingVfs } from './vf-map.js';

export const FIT_SCHEMA = 'osa-sriov/fit@1';

/**
 * Whether Neutron stores a port's numa_affinity_policy: with the port_numa_affinity_policy
 * extension driver every port carries the key (null when unset). The API extension alias is no
 * evidence: Zed's ML2 lists port-numa-affinity-policy whatever the extension drivers, and then
 * accepts numa_affinity_policy on a new port and silently drops it (seen on the live stack).
 * null when there is no port to tell.
 */
export function portNumaPolicyStored(cloud: CloudSnapshot): boolean | null {
  if (cloud.ports.length === 0) return null;
  return cloud.ports.some((p) => 'numa_affinity_policy' in p);
}

export const PORT_POLICY_NOTE =
  "a port's numa_affinity_policy needs Neutron's port_numa_affinity_policy extension driver ([ml2] extension_drivers), which OSA does not enable by default: add it (OSA: neutron_ml2_conf_ini_overrides, keeping the drivers already listed, then os-neutron-install.yml), or set hw:pci_numa_affinity_policy on the flavor instead";

/** The host's NUMA cells as Nova's NUMACell (id, socket), from the facts; null when the facts have none. */
export function hostCells(facts: HostFacts | null): HostPci['cells'] {
  return facts?.numa ? facts.numa.nodes.map((n) => ({ id: n.id, socket: n.socket })) : null;
}

/** VFs the facts show a guest holds (neutron-eswitch guestHold: the one facts-based answer). */
export function usedFromFacts(facts: HostFacts | null): Set<string> {
  const out = new Set<string>();
  for (const pf of facts?.pfs ?? [])
    for (const vf of pf.vfs) if (vf.pciAddress && guestHold(vf) !== null) out.add(vf.pciAddress);
  return out;
}

/**
 * The host's free PCI pools as the scheduler holds them (PciDeviceStats, built by pci-pools.ts as
 * for SRIOV-NUMA-001), from the offer's devices minus those in use. Like Nova's tracker, a PF
 * with a VF in use is not available, nor are the VFs of a PF in use. null without facts.
 */
export function hostPci(offer: HostOffer, used: ReadonlySet<string>): HostPci | null {
  if (offer.slots === null) return null;
  const pfsWithVfUsed = new Set(
    offer.slots.filter((s) => s.devType === 'type-VF' && used.has(s.address)).map((s) => s.pfAddress),
  );
  const free = offer.slots.filter(
    (s) =>
      !used.has(s.address) &&
      !(s.devType === 'type-PF' && pfsWithVfUsed.has(s.address)) &&
      !(s.devType === 'type-VF' && s.pfAddress !== null && used.has(s.pfAddress)),
  );
  const pools = poolsOf(free.map((s) => s.nova));
  return { pools, cells: hostCells(offer.facts) };
}

/** The devices in use on each offered host: the cloud's bound SR-IOV ports, by their pci_slot. */
export function usedFromCloud(
  offers: readonly HostOffer[],
  cloud: CloudSnapshot,
): (o: HostOffer) => Set<string> {
  const find = offerFinder(offers);
  const used = new Map<HostOffer, Set<string>>();
  for (const p of portsHoldingVfs(cloud)) {
    const o = find(p['binding:host_id']);
    if (o) used.set(o, (used.get(o) ?? new Set()).add(pciSlot(p)!));
  }
  return (o) => used.get(o) ?? new Set();
}

/** Hosts the scheduler skips: nova-compute down or disabled (ComputeFilter), or no nova-compute at all. */
export function refusedServices(cloud: CloudSnapshot, offers: readonly HostOffer[]): Map<string, string> {
  const out = new Map<string, string>();
  const find = offerFinder(offers);
  const served = new Set<HostOffer>();
  for (const s of cloud.computeServices ?? []) {
    const o = find(s.host);
    if (!o) continue;
    served.add(o);
    if (s.state !== 'up')
      out.set(o.host, `nova-compute on ${s.host} is ${s.state}: the scheduler skips it (ComputeFilter)`);
    else if (s.status !== 'enabled')
      out.set(o.host, `nova-compute on ${s.host} is ${s.status}: the scheduler skips it (ComputeFilter)`);
  }
  // Without a compute endpoint the services are unknown: no host is refused for it.
  if (cloud.computeServices !== null)
    for (const o of offers)
      if (!served.has(o))
        out.set(o.host, `no nova-compute service reports host ${o.host}: Nova schedules nothing there`);
  return out;
}

/**
 * What the deployment's scheduler filters change (nova.conf [filter_scheduler] enabled_filters on
 * the scheduler hosts, as OSA renders it): without NUMATopologyFilter the scheduler does no PCI
 * NUMA filtering and the compute claim does it instead (numa_fit_instance_to_host in
 * instance_claim), so a refused server ends "Exceeded maximum number of retries", not "No valid
 * host"; without PciPassthroughFilter the scheduler ignores PCI requests altogether.
 */
export function schedulerNotes(ctx: CheckContext | null): string[] {
  const sched = ctx?.hosts().find((h) => h.groups.has('nova_scheduler'));
  const filters = sched?.option('nova.conf', 'filter_scheduler', 'enabled_filters').at(-1);
  if (filters === undefined) return [];
  const names = filters.split(',').map((f) => f.trim());
  const out: string[] = [];
  if (!names.includes('PciPassthroughFilter'))
    out.push(
      'the deployment does not enable PciPassthroughFilter: the scheduler ignores PCI requests, and the compute claim refuses a host without the VFs (the server then fails with "Exceeded maximum number of retries"; see SRIOV-SCHED-001)',
    );
  if (!names.includes('NUMATopologyFilter'))
    out.push(
      'the deployment does not enable NUMATopologyFilter: the scheduler does not filter by NUMA node; the compute claim does (numa_fit_instance_to_host), so a host refused here fails the claim and the server ends "Exceeded maximum number of retries" rather than "No valid host"',
    );
  return out;
}

export interface FitHostRow extends HostFit {
  host: string;
}

export interface FitReport {
  source: CapacitySource;
  /** Where the devices in use come from: the cloud's ports, or the facts' VF MACs. */
  usage: 'cloud' | 'facts';
  flavor: { name: string; vcpus: number; extraSpecs: Record<string, string> };
  image: { name: string; properties: Record<string, unknown> } | null;
  physnet: string;
  ports: number;
  vnicType: ServerAsk['vnicType'];
  numaTopology: ServerShape['topology'];
  policy: ServerShape['policy'];
  hosts: FitHostRow[];
  /** The hosts whose verdict is fits. */
  fits: string[];
  notes: string[];
}

export interface FitInput {
  offers: readonly HostOffer[];
  source: CapacitySource;
  usage: 'cloud' | 'facts';
  /** The PCI addresses in use on a host. */
  usedOn: (offer: HostOffer) => ReadonlySet<string>;
  /** Hosts the scheduler does not consider, with why (nova-compute down or disabled). */
  refused?: ReadonlyMap<string, string>;
  flavorName: string;
  imageName: string | null;
  /** Whether Neutron stores the ports' NUMA policy (null: unknown, offline). */
  portPolicyExtension: boolean | null;
  notes?: string[];
}

/** The fit report; throws NovaNumaError when Nova refuses the flavor/image combination itself. */
export function fitServer(asked: ServerAsk, input: FitInput): FitReport {
  const notes = [...(input.notes ?? [])];
  let ask = asked;
  if (asked.portPolicy !== null) {
    if (input.portPolicyExtension === false) {
      // Neutron drops the attribute: Nova sees ports without a policy.
      ask = { ...asked, portPolicy: null };
      notes.push(
        `--numa-policy ${asked.portPolicy} is not what Nova would see: this cloud's ports carry no numa_affinity_policy, so the port_numa_affinity_policy extension driver is not enabled (Neutron accepts the attribute on a new port and drops it); evaluated without it. ${PORT_POLICY_NOTE}`,
      );
    } else if (input.portPolicyExtension === null)
      notes.push(
        `--numa-policy ${asked.portPolicy} is evaluated as the ports' own policy: ${PORT_POLICY_NOTE}`,
      );
  }
  const shape = serverShape(ask);
  if (shape.topology !== null)
    notes.push(
      'NUMA placement is decided for the PCI devices only: the chosen NUMA node must also have room for the server’s CPUs and memory, which this emulation does not check',
    );
  const rows: FitHostRow[] = [];
  for (const offer of input.offers) {
    const refused = input.refused?.get(offer.host);
    const base = { host: offer.host, instanceCells: null, freePerNode: [], remedies: [] };
    if (refused) {
      rows.push({ ...base, verdict: 'no', reasons: [refused] });
      continue;
    }
    if (
      !offer.physnets.includes(ask.physnet) &&
      !(offer.slots ?? []).some((s) => s.physnet === ask.physnet)
    ) {
      rows.push({
        ...base,
        verdict: 'no',
        reasons: [
          input.source === 'device_spec'
            ? `its Nova device_spec tags no device with physical_network ${ask.physnet}`
            : `its NIC Switch agent maps no PF to ${ask.physnet}`,
        ],
      });
      continue;
    }
    const pci = hostPci(offer, input.usedOn(offer));
    if (pci === null) {
      rows.push({
        ...base,
        verdict: 'unknown',
        reasons: [
          `no facts for ${offer.host}: its devices and NUMA topology are unknown (give its snapshot with --facts)`,
        ],
      });
      continue;
    }
    if (shape.topology !== null && pci.cells === null) {
      rows.push({
        ...base,
        verdict: 'unknown',
        reasons: [
          `the server has a NUMA topology (${shape.topology.because.join(', ')}) and the facts of ${offer.host} carry no NUMA topology (a snapshot from an older collector or pasted outputs): collect it again`,
        ],
      });
      continue;
    }
    rows.push({ host: offer.host, ...fitOnHost(pci, ask, shape) });
  }
  return {
    source: input.source,
    usage: input.usage,
    flavor: { name: input.flavorName, vcpus: ask.flavor.vcpus, extraSpecs: { ...ask.flavor.extraSpecs } },
    image: input.imageName === null ? null : { name: input.imageName, properties: { ...ask.image } },
    physnet: ask.physnet,
    ports: ask.ports,
    vnicType: ask.vnicType,
    numaTopology: shape.topology,
    policy: shape.policy,
    hosts: rows,
    fits: rows.filter((r) => r.verdict === 'fits').map((r) => r.host),
    notes,
  };
}

/** Servers of a flavor that still fit on one host under each policy (null: unknown). */
export type PolicyCounts = Record<NumaAffinityPolicy, number | null>;

/**
 * capacity --flavor: per host, how many servers of the flavor (N ports each) still fit under each
 * PCI NUMA policy, placing them one after another as Nova does (nova-fit countServers). Without a
 * NUMA topology every policy gives the same count (Nova filters no NUMA node then).
 */
export function serversPerPolicy(
  offer: HostOffer,
  used: ReadonlySet<string>,
  ask: Omit<ServerAsk, 'portPolicy' | 'physnet'>,
  physnet: string,
): { counts: PolicyCounts; why: string | null } {
  const none = Object.fromEntries(NUMA_AFFINITY_POLICIES.map((p) => [p, null])) as PolicyCounts;
  const pci = hostPci(offer, used);
  if (pci === null) return { counts: none, why: 'no facts' };
  const counts = { ...none };
  for (const policy of NUMA_AFFINITY_POLICIES) {
    const shape = serverShape({ ...ask, physnet, portPolicy: policy });
    if (shape.topology !== null && pci.cells === null)
      return { counts: none, why: 'no NUMA topology in the facts' };
    counts[policy] = countServers(pci, shape.topology, shape.requests);
  }
  return { counts, why: null };
}

export const VERDICTS: readonly FitVerdict[] = ['fits', 'no', 'unknown'];
