// Where a server of a NUMA-aware flavor can go on a host, and whether an SR-IOV port still
// fits there: the part of Nova's NUMATopologyFilter (nova/virt/hardware.py
// numa_fit_instance_to_host) that decides PCI NUMA affinity. Nova tries the host's cells in
// every order (itertools.permutations) and keeps the first set that holds the server's cells
// and, with PCI requests, passes pci_stats.support_requests for those cells. So a pinned server
// goes to the node of the VFs when it fits there; it is refused only when no such set exists.
//
// What the facts cannot say is never used to exclude a node: a node is ruled out only when even
// all its CPUs (`cpulist`) or all its huge pages of the requested size (`nr_hugepages`) are too
// few for one cell. That is an upper bound of what Nova finds free (cpu_dedicated_set, reserved
// memory and other servers only take away), so a refusal found here is certain on an empty host.
import type { NumaNode } from '../facts/host-facts.js';
import {
  NovaNumaError,
  type PciNumaPolicy,
  pciNumaPolicy,
  type ServerNumaTopology,
  serverNumaTopology,
} from '../openstack/nova-numa-request.js';
import {
  fitRequests,
  type HostNumaCell,
  type NumaAffinityPolicy,
  type PciPool,
} from '../openstack/nova-pci-match.js';
import { pciRequestForPort } from '../openstack/nova-port-requests.js';
import { type OsaFlavor, type OsaFlavors, osaFlavors } from '../osa/flavors.js';
import type { DeploymentModel } from '../osa/model.js';
import type { CheckContext, HostView } from './context.js';
import { poolsOf, trackedOnHost } from './pci-pools.js';

/** One NUMA cell of the server: its vCPUs and memory (MiB); null when the flavor sets cells by hand. */
export interface ServerCell {
  vcpus: number | null;
  ramMiB: number | null;
}

/** A flavor with a NUMA topology, read as Nova reads it. */
export interface NumaFlavor {
  flavor: OsaFlavor;
  topology: ServerNumaTopology;
  policy: PciNumaPolicy;
  cells: ServerCell[];
  /** hw:mem_page_size in KiB, "large", or null (small, any, or none: no huge page bound). */
  pageKb: number | 'large' | null;
}

/**
 * _get_numa_pagesize_constraint's value as a bound: an explicit size in KiB (a bare number is
 * KiB; otherwise oslo string_to_bytes, IEC), "large" for any huge page size.
 */
export function pageSizeKb(text: string | undefined): number | 'large' | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === 'large') return 'large';
  if (t === 'small' || t === 'any' || t === '') return null;
  if (/^\d+$/.test(t)) return Number(t);
  const m = t.match(/^(\d+(?:\.\d+)?)\s*([KMGT])i?B?$/i);
  if (!m) return null;
  const exp = 'KMGT'.indexOf(m[2]!.toUpperCase());
  return (Number(m[1]) * 1024 ** (exp + 1)) / 1024;
}

/**
 * The server's cells (_get_numa_topology_auto: vCPUs and memory split evenly over hw:numa_nodes,
 * refused when they do not divide); null when Nova refuses the flavor. Cells written by hand
 * (hw:numa_cpus.N, hw:numa_mem.N) are not sized here.
 */
function serverCells(flavor: OsaFlavor, cells: number): ServerCell[] | null {
  const manual = Object.keys(flavor.extraSpecs).some((k) => /^hw:numa_(cpus|mem)\.\d+$/.test(k));
  if (manual) return Array.from({ length: cells }, () => ({ vcpus: null, ramMiB: null }));
  if (flavor.vcpus % cells !== 0 || flavor.ram % cells !== 0) return null;
  return Array.from({ length: cells }, () => ({ vcpus: flavor.vcpus / cells, ramMiB: flavor.ram / cells }));
}

/** The flavors that give a server a NUMA topology (flavors Nova refuses are left to Nova). */
export function numaFlavors(flavors: OsaFlavors | null): NumaFlavor[] {
  const out: NumaFlavor[] = [];
  for (const flavor of flavors?.flavors ?? []) {
    try {
      const input = { vcpus: flavor.vcpus, extraSpecs: flavor.extraSpecs };
      const topology = serverNumaTopology(input);
      if (!topology) continue;
      const cells = serverCells(flavor, topology.cells);
      if (!cells) continue;
      const policy = pciNumaPolicy(input);
      out.push({
        flavor,
        topology,
        policy,
        cells,
        pageKb: pageSizeKb(flavor.extraSpecs['hw:mem_page_size']),
      });
    } catch (e) {
      if (!(e instanceof NovaNumaError)) throw e;
    }
  }
  return out;
}

/** Why a host node cannot hold one server cell, or null when it might. */
export function cellDoesNotFit(
  cell: ServerCell,
  node: NumaNode,
  pageKb: number | 'large' | null,
): string | null {
  if (cell.vcpus !== null && node.cpus !== null && node.cpus.length < cell.vcpus)
    return `node ${node.id} has ${node.cpus.length} CPU(s), a cell needs ${cell.vcpus}`;
  if (pageKb !== null && cell.ramMiB !== null) {
    const sizes = node.hugepages.filter((h) => (pageKb === 'large' ? h.sizeKb > 4 : h.sizeKb === pageKb));
    const mib = sizes.reduce((n, h) => n + ((h.total ?? Number.POSITIVE_INFINITY) * h.sizeKb) / 1024, 0);
    const what = pageKb === 'large' ? 'huge pages' : `${pageKb} KiB pages`;
    if (sizes.every((h) => h.total !== null) && mib < cell.ramMiB)
      return `node ${node.id} has ${mib} MiB of ${what}, a cell needs ${cell.ramMiB} MiB`;
  }
  return null;
}

/** More node sets than this (a server of many cells on a host of many nodes) is not enumerated. */
export const MAX_PLACEMENTS = 20000;

/**
 * Ordered sets of distinct host nodes, one per server cell, where every cell might fit; null when
 * there are more than MAX_PLACEMENTS (then the rule says nothing rather than guess).
 */
export function placements(f: NumaFlavor, nodes: readonly NumaNode[]): number[][] | null {
  const out: number[][] = [];
  let over = false;
  const walk = (i: number, used: number[]) => {
    if (over) return;
    if (i === f.cells.length) {
      out.push(used);
      over = out.length > MAX_PLACEMENTS;
      return;
    }
    for (const n of nodes) {
      if (used.includes(n.id) || cellDoesNotFit(f.cells[i]!, n, f.pageKb) !== null) continue;
      walk(i + 1, [...used, n.id]);
    }
  };
  walk(0, []);
  return over ? null : out;
}

/** One flavor × physnet on one host. */
export interface NumaFitCase {
  physnet: string;
  flavor: NumaFlavor;
  policy: NumaAffinityPolicy;
  /** Nova's node of each of the physnet's device pools (null: unknown), with its free count. */
  vfNodes: Array<{ node: number | null; count: number }>;
  /** Placements that hold the server's cells (without the port). */
  fit: number[][];
  /** Those where one SR-IOV port on the physnet fits too. */
  withPort: number[][];
  /** Why some nodes cannot hold a cell. */
  excluded: string[];
}

export interface HostNumaAnalysis {
  host: HostView;
  nodes: NumaNode[];
  cases: NumaFitCase[];
}

const FLAVORS = new WeakMap<DeploymentModel, NumaFlavor[]>();
const HOSTS = new WeakMap<HostView, HostNumaAnalysis | null>();

/** The deployment's NUMA-aware flavors (openstack_user_compute, src/osa/flavors.ts). */
export function deploymentNumaFlavors(ctx: CheckContext): NumaFlavor[] {
  let f = FLAVORS.get(ctx.model);
  if (!f) {
    f = numaFlavors(osaFlavors(ctx.model.deploy, ctx.model.inventory, ctx.release));
    FLAVORS.set(ctx.model, f);
  }
  return f;
}

function physnetsOf(pools: readonly PciPool[]): string[] {
  return [
    ...new Set(pools.map((p) => p.physical_network).filter((p): p is string => typeof p === 'string')),
  ].sort();
}

/**
 * For a compute host with NUMA facts and a device_spec: every NUMA-aware flavor × physnet whose
 * VFs the host offers, with where the server fits and where its SR-IOV port fits too.
 */
export function analyseHostNuma(ctx: CheckContext, h: HostView): HostNumaAnalysis | null {
  if (HOSTS.has(h)) return HOSTS.get(h)!;
  const r = compute(ctx, h);
  HOSTS.set(h, r);
  return r;
}

function compute(ctx: CheckContext, h: HostView): HostNumaAnalysis | null {
  const nodes = h.facts?.numa?.nodes ?? [];
  if (!h.facts || !h.isCompute || nodes.length === 0) return null;
  const flavors = deploymentNumaFlavors(ctx);
  if (flavors.length === 0) return null;
  // The devices nova-compute tracks under the specs as it parses them on this host (a PF address
  // selects its VFs): the same answer capacity and fit use.
  const tracked = trackedOnHost(h);
  if (tracked === null) return null;
  const pools = poolsOf(tracked);
  const hostCells: HostNumaCell[] = nodes.map((n) => ({ id: n.id, socket: n.socket }));
  const cases: NumaFitCase[] = [];
  for (const physnet of physnetsOf(pools)) {
    const request = pciRequestForPort({ vnicType: 'direct', physnet })!;
    // Without NUMA: the port does not fit at all (no VF on this physnet): other rules say so.
    if (!fitRequests(pools, [request]).fits) continue;
    const vfNodes = pools
      .filter((p) => p.physical_network === physnet && p.dev_type === 'type-VF')
      .map((p) => ({ node: (p.numa_node as number | null) ?? null, count: p.count }));
    for (const f of flavors) {
      const fit = placements(f, nodes);
      if (fit === null) continue;
      const req = { ...request, numa_policy: f.policy.policy };
      const withPort = fit.filter((cells) => {
        try {
          return fitRequests(pools, [req], { instanceCells: cells, hostCells }).fits;
        } catch {
          return false;
        }
      });
      const excluded = f.cells.flatMap((c) =>
        nodes.map((n) => cellDoesNotFit(c, n, f.pageKb)).filter((x): x is string => x !== null),
      );
      cases.push({
        physnet,
        flavor: f,
        policy: f.policy.policy,
        vfNodes,
        fit,
        withPort,
        excluded: [...new Set(excluded)],
      });
    }
  }
  return { host: h, nodes, cases };
}

/** The host nodes a set of placements uses. */
export function nodesUsed(placements: readonly number[][]): number[] {
  return [...new Set(placements.flat())].sort((a, b) => a - b);
}
