// Can a server with SR-IOV ports land on a host, as far as Nova's PCI and PCI NUMA decisions go?
// This composes the emulations of Nova's own rules, and re-implements none of them:
// serverNumaTopology/pciNumaPolicy (nova/virt/hardware.py numa_get_constraints,
// get_pci_numa_policy_constraint; the port's policy wins), pciRequestForPort
// (nova/network/neutron.py create_resource_requests) and fitRequests (nova/pci/stats.py
// support_requests with _filter_pools_for_numa_cells). What it adds is the loop Nova runs in
// numa_fit_instance_to_host (nova/virt/hardware.py, Zed): the server's cells are tried on
// permutations of the host's cells, the cells with the most PCI devices first, and the first
// permutation whose PCI requests fit wins. CPU and memory of each cell are not modelled here
// (neither the pinned CPUs in use nor free huge pages are known to the API): a "fits" means the
// PCI devices do not stand in the way, provided the chosen cell(s) also have room for the
// server's CPUs and memory.

import {
  type FlavorNumaInput,
  type ImageProperties,
  type PciNumaPolicy,
  pciNumaPolicy,
  type ServerNumaTopology,
  serverNumaTopology,
} from './nova-numa-request.js';
import {
  fitRequests,
  type HostNumaCell,
  NovaPciError,
  NUMA_AFFINITY_POLICIES,
  type NumaAffinityPolicy,
  type PciPool,
  type PciRequestSpec,
  pciDevicePropMatch,
} from './nova-pci-match.js';
import { pciRequestForPort } from './nova-port-requests.js';

/** What the server asks for: its flavor and image, and N SR-IOV ports on one physnet. */
export interface ServerAsk {
  flavor: FlavorNumaInput;
  image: ImageProperties;
  physnet: string;
  ports: number;
  vnicType: 'direct' | 'macvtap' | 'direct-physical';
  /** The ports' numa_affinity_policy (Neutron's port_numa_affinity_policy extension), or null. */
  portPolicy: NumaAffinityPolicy | null;
}

/** The server as Nova sees it before scheduling. Throws NovaNumaError where the API refuses it. */
export interface ServerShape {
  topology: ServerNumaTopology | null;
  policy: PciNumaPolicy;
  /** One InstancePCIRequest per port, numa_policy set as Nova sets it. */
  requests: PciRequestSpec[];
}

export function serverShape(ask: ServerAsk): ServerShape {
  const topology = serverNumaTopology(ask.flavor, ask.image);
  const policy = pciNumaPolicy(ask.flavor, ask.image, ask.portPolicy);
  return { topology, policy, requests: requestsFor(ask, policy.policy) };
}

function requestsFor(ask: ServerAsk, policy: NumaAffinityPolicy): PciRequestSpec[] {
  const one = pciRequestForPort({ vnicType: ask.vnicType, physnet: ask.physnet })!;
  return Array.from({ length: ask.ports }, () => ({ spec: one.spec, count: 1, numa_policy: policy }));
}

/** One host as the scheduler holds it: its free PCI pools and its NUMA cells (null when unknown). */
export interface HostPci {
  pools: PciPool[];
  cells: HostNumaCell[] | null;
}

export interface Placement {
  fits: boolean;
  /** The host cells the server's cells landed on (null: no NUMA topology, or it does not fit). */
  instanceCells: number[] | null;
  usedPerPool: number[] | null;
  /** Nova's own exception where it raises instead of answering. */
  error: { class: string; message: string } | null;
}

function* permutations<T>(xs: readonly T[], k: number, prefix: T[] = []): Generator<T[]> {
  if (prefix.length === k) {
    yield prefix;
    return;
  }
  for (const x of xs) if (!prefix.includes(x)) yield* permutations(xs, k, [...prefix, x]);
}

/**
 * numa_fit_instance_to_host's order of host cells for a server with PCI requests on a host with
 * more cells than the server: the cells with the most PCI devices (every pool, any physnet) first.
 * Nova sorts by free memory and free pinned CPUs before that (stable sorts); those are not known
 * here, so cells with equal PCI counts keep their id order.
 */
export function cellOrder(
  pools: readonly PciPool[],
  cells: readonly HostNumaCell[],
  k: number,
): HostNumaCell[] {
  if (cells.length <= k) return [...cells];
  const perCell = new Map<number | null, number>();
  for (const p of pools) {
    const n = (p.numa_node ?? null) as number | null;
    perCell.set(n, (perCell.get(n) ?? 0) + p.count);
  }
  return [...cells].sort((a, b) => (perCell.get(b.id) ?? 0) - (perCell.get(a.id) ?? 0));
}

/** Where Nova would put the server on this host (PCI and NUMA only), with these requests. */
export function placeOnHost(
  host: HostPci,
  topology: ServerNumaTopology | null,
  requests: readonly PciRequestSpec[],
): Placement {
  const attempt = (instanceCells: number[] | null): Placement => {
    try {
      const r = fitRequests(host.pools, requests, { instanceCells, hostCells: host.cells });
      return {
        fits: r.fits,
        instanceCells: r.fits ? instanceCells : null,
        usedPerPool: r.usedPerPool,
        error: null,
      };
    } catch (e) {
      if (e instanceof NovaPciError)
        return {
          fits: false,
          instanceCells: null,
          usedPerPool: null,
          error: { class: e.pyClass, message: e.message },
        };
      throw e;
    }
  };
  if (topology === null) return attempt(null);
  // NUMATopologyFilter: a server with a NUMA topology never lands on a host without one.
  if (host.cells === null || host.cells.length < topology.cells)
    return { fits: false, instanceCells: null, usedPerPool: null, error: null };
  // The PCI filtering depends on the set of cells only: a set that failed fails in any order.
  const failed = new Set<string>();
  for (const perm of permutations(cellOrder(host.pools, host.cells, topology.cells), topology.cells)) {
    const ids = perm.map((c) => c.id);
    const key = [...ids].sort((a, b) => a - b).join(',');
    if (failed.has(key)) continue;
    const p = attempt(ids);
    if (p.fits || p.error) return p;
    failed.add(key);
  }
  return { fits: false, instanceCells: null, usedPerPool: null, error: null };
}

/** Whether the requests fit with the server's cells on exactly these host cells. */
function fitsOnCells(host: HostPci, instanceCells: number[], requests: readonly PciRequestSpec[]): boolean {
  try {
    return fitRequests(host.pools, requests, { instanceCells, hostCells: host.cells }).fits;
  } catch (e) {
    if (e instanceof NovaPciError) return false;
    throw e;
  }
}

/** Free devices per NUMA node (null: unknown node) in the pools that match the request's spec. */
export function freeByNode(pools: readonly PciPool[], request: PciRequestSpec): Map<number | null, number> {
  const wantPf = request.spec.some((s) => s.dev_type === 'type-PF');
  const out = new Map<number | null, number>();
  for (const p of pools) {
    if (!pciDevicePropMatch(p, request.spec)) continue;
    if (!wantPf && p.dev_type === 'type-PF') continue;
    const n = (p.numa_node ?? null) as number | null;
    out.set(n, (out.get(n) ?? 0) + p.count);
  }
  return out;
}

/**
 * How many more such servers the host takes, each placed as Nova places it, one after another
 * (each boot's claim applied before the next is scheduled).
 */
export function countServers(
  host: HostPci,
  topology: ServerNumaTopology | null,
  requests: readonly PciRequestSpec[],
  limit = 10_000,
): number {
  if (requests.length === 0) return 0;
  let pools = host.pools.map((p) => ({ ...p }));
  let n = 0;
  while (n < limit) {
    const p = placeOnHost({ pools, cells: host.cells }, topology, requests);
    if (!p.fits || !p.usedPerPool) break;
    const used = p.usedPerPool;
    pools = pools.map((q, i) => ({ ...q, count: q.count - used[i]! }));
    // The compute claim then makes the dependents unavailable (_handle_device_dependents): a
    // VF's parent PF, or a PF's VFs. Pools carry the parent address of VFs and the PF's own.
    const taken = (type: string) =>
      new Set(pools.filter((q, i) => used[i]! > 0 && q.dev_type === type).map((q) => q.address));
    const vfParents = taken('type-VF');
    const pfs = taken('type-PF');
    pools = pools.map((q) =>
      (q.dev_type === 'type-PF' && vfParents.has(q.address)) ||
      (q.dev_type === 'type-VF' && pfs.has(q.address))
        ? { ...q, count: 0 }
        : q,
    );
    n++;
  }
  return n;
}

export type FitVerdict = 'fits' | 'no' | 'unknown';

export interface HostFit {
  verdict: FitVerdict;
  /** Host cells the server would land on (Nova's first permutation that fits), when it has a NUMA topology. */
  instanceCells: number[] | null;
  /** Free VFs (or PFs, for direct-physical) of the physnet per NUMA node ("unknown" for null). */
  freePerNode: Array<{ node: number | null; free: number }>;
  /** Why not (or why it only fits on some nodes), one sentence each. */
  reasons: string[];
  /** What would make it fit, each checked with the same emulation. */
  remedies: string[];
}

const nodeName = (n: number | null) => (n === null ? 'an unknown NUMA node (-1)' : `NUMA node ${n}`);
const nodesText = (ns: ReadonlyArray<number | null>) =>
  ns.length === 0 ? 'no NUMA node' : ns.map(nodeName).join(' and ');
const deviceWord = (ask: ServerAsk, n: number) =>
  ask.vnicType === 'direct-physical' ? (n === 1 ? 'PF' : 'PFs') : n === 1 ? 'VF' : 'VFs';

/** Where the policy came from, in words. */
export function policySourceText(p: PciNumaPolicy): string {
  switch (p.source) {
    case 'port':
      return "the ports' numa_affinity_policy";
    case 'flavor':
      return "the flavor's hw:pci_numa_affinity_policy";
    case 'image':
      return "the image's hw_pci_numa_affinity_policy";
    default:
      return "Nova's default, as nothing sets one";
  }
}

/**
 * The whole answer for one host whose pools and cells are known: the verdict, and for a host
 * that cannot take the server, exactly why and what would change it, each alternative decided
 * by running the same emulation again.
 */
export function fitOnHost(host: HostPci, ask: ServerAsk, shape: ServerShape = serverShape(ask)): HostFit {
  const { topology, policy, requests } = shape;
  const free = freeByNode(host.pools, requests[0]!);
  const freePerNode = [...free]
    .map(([node, n]) => ({ node, free: n }))
    .sort((a, b) => (a.node ?? -1) - (b.node ?? -1));
  const totalFree = freePerNode.reduce((n, x) => n + x.free, 0);
  const placed = placeOnHost(host, topology, requests);
  const dev = (n: number) => deviceWord(ask, n);
  const reasons: string[] = [];
  const remedies: string[] = [];
  const out = (verdict: FitVerdict): HostFit => ({
    verdict,
    instanceCells: placed.instanceCells,
    freePerNode,
    reasons,
    remedies,
  });
  if (placed.fits) {
    if (topology !== null && host.cells !== null && host.cells.length > topology.cells) {
      // Which cells could take it at all, as far as PCI goes: the others need their CPUs/memory.
      const ok = host.cells.filter((c) => fitsOnCells(host, [c.id], requests));
      if (topology.cells === 1 && ok.length < host.cells.length)
        reasons.push(
          `only if Nova puts the server on ${nodesText(ok.map((c) => c.id))} (policy ${policy.policy}): its CPUs and memory must fit there, which this emulation does not check`,
        );
    }
    const usedUnknown = placed.usedPerPool?.some(
      (n, i) => n > 0 && (host.pools[i]!.numa_node ?? null) === null,
    );
    if (topology !== null && usedUnknown)
      reasons.push(
        `it gets ${dev(2)} whose NUMA node is unknown (sysfs numa_node -1): policy ${policy.policy} accepts them${policy.policy === 'required' ? '' : '; required would not'}`,
      );
    return out('fits');
  }
  if (placed.error) {
    reasons.push(`Nova itself fails on this host: ${placed.error.class}: ${placed.error.message}`);
    return out('no');
  }
  const need = ask.ports;
  if (totalFree === 0) {
    reasons.push(`no ${dev(2)} of physnet ${ask.physnet} free here`);
    return out('no');
  }
  if (totalFree < need) {
    reasons.push(
      `${totalFree} ${dev(totalFree)} of physnet ${ask.physnet} free here, the server needs ${need}`,
    );
    return out('no');
  }
  // Enough devices: the NUMA filtering is what refuses it.
  if (topology === null) {
    reasons.push(
      `Nova's PCI filter refuses the request although ${totalFree} ${dev(totalFree)} are free (a PF pool that the request does not take, or a tag of the request such as remote_managed)`,
    );
    return out('no');
  }
  const because = topology.because.join(', ');
  if (host.cells === null) {
    reasons.push(`the server has a NUMA topology (${because}) and the host reports none`);
    return out('no');
  }
  if (host.cells.length < topology.cells) {
    reasons.push(
      `the server asks for ${topology.cells} NUMA nodes (${because}); the host has ${host.cells.length}`,
    );
    return out('no');
  }
  const where = freePerNode.map((x) => `${x.free} on ${nodeName(x.node)}`).join(', ');
  if (policy.policy === 'socket' && host.cells.some((c) => c.socket === null))
    reasons.push(
      `policy socket (from ${policySourceText(policy)}) needs the socket of every host NUMA cell, and ${host.cells
        .filter((c) => c.socket === null)
        .map((c) => nodeName(c.id))
        .join(', ')} has none: Nova gives no device at all ("No socket information in host NUMA cell(s).")`,
    );
  else
    reasons.push(
      `free ${dev(2)} of physnet ${ask.physnet}: ${where}; the server has a NUMA topology (${because}) and under policy ${policy.policy} (from ${policySourceText(policy)}) ${policyRule(policy.policy)}: no ${topology.cells === 1 ? 'NUMA node' : `set of ${topology.cells} NUMA nodes`} of this host has the ${need} ${dev(need)} it needs`,
    );
  // What would make it fit, each decided by the emulation.
  for (const alt of NUMA_AFFINITY_POLICIES) {
    if (alt === policy.policy) continue;
    if (placeOnHost(host, topology, requestsFor(ask, alt)).fits)
      remedies.push(
        `policy ${alt}: hw:pci_numa_affinity_policy=${alt} on the flavor${policy.source === 'flavor' ? '' : ` (or hw_pci_numa_affinity_policy=${alt} on the image)`}${policy.source === 'port' ? `, with the ports' own policy unset or also ${alt}` : ''}`,
      );
  }
  if (placeOnHost(host, null, requests).fits)
    remedies.push(`a flavor and image without a NUMA topology (none of ${because})`);
  if (topology.cells === 1) {
    const now = host.cells.map((c) => `node ${c.id} has ${free.get(c.id) ?? 0}`).join(', ');
    remedies.push(
      `${need} free ${dev(need)} of physnet ${ask.physnet} on one NUMA node (now ${now}${free.has(null) ? `, ${free.get(null)} on an unknown node` : ''}): VFs freed there, more VFs on its PF, or another PF of that physnet in a slot of that node`,
    );
  }
  return out('no');
}

function policyRule(p: NumaAffinityPolicy): string {
  switch (p) {
    case 'required':
      return 'it takes only devices on its own NUMA node(s)';
    case 'legacy':
      return 'it takes devices on its own NUMA node(s), or of an unknown node, never a remote one';
    case 'preferred':
      return 'it prefers its own NUMA node(s) but takes any';
    default:
      return 'it takes devices on the NUMA nodes of its own socket(s)';
  }
}
