// nova/pci/utils.py pci_device_prop_match: does a pool satisfy any of a request's specs?
// Strings compare case-insensitively, a list value must be a subset of the pool's list, and a
// key the pool lacks reads as None (so physical_network=None matches untagged pools only).
import { boolFromString } from '../python.js';

type Value = unknown;

/** Python == between two JSON values (1 == True, as Python has it). */
function pyEq(a: Value, b: Value): boolean {
  const norm = (x: Value) => (x === true ? 1 : x === false ? 0 : x === undefined ? null : x);
  const x = norm(a);
  const y = norm(b);
  if (typeof x === 'object' || typeof y === 'object') return JSON.stringify(x) === JSON.stringify(y);
  return x === y;
}

function specMatches(pool: Readonly<Record<string, Value>>, spec: Readonly<Record<string, Value>>): boolean {
  for (const [k, v] of Object.entries(spec)) {
    const p = k in pool ? pool[k] : null;
    if (Array.isArray(v) && Array.isArray(p)) {
      if (!v.every((x) => p.some((y) => pyEq(x, y)))) return false;
      continue;
    }
    const a = typeof v === 'string' ? v.toLowerCase() : v;
    const b = typeof p === 'string' ? p.toLowerCase() : p;
    if (!pyEq(b, a)) return false;
  }
  return true;
}

/** True when the pool matches at least one of the specs (they are ORed). */
export function pciDevicePropMatch(
  pool: Readonly<Record<string, Value>>,
  specs: ReadonlyArray<Readonly<Record<string, Value>>>,
): boolean {
  return specs.some((s) => specMatches(pool, s));
}

export interface PciPool extends Record<string, unknown> {
  count: number;
}

export interface PciRequestSpec {
  spec: Array<Record<string, unknown>>;
  count?: number;
  alias_name?: string | null;
  request_id?: string | null;
  /** InstancePCIRequest.numa_policy; absent or null means Nova's default, legacy. */
  numa_policy?: NumaAffinityPolicy | null;
}

/** nova.objects.fields.PCINUMAAffinityPolicy. */
export const NUMA_AFFINITY_POLICIES = ['required', 'legacy', 'preferred', 'socket'] as const;
export type NumaAffinityPolicy = (typeof NUMA_AFFINITY_POLICIES)[number];

/** A host NUMA cell as the scheduler sees it (objects.NUMACell: id, socket). */
export interface HostNumaCell {
  id: number;
  socket: number | null;
}

/**
 * Where the server's NUMA cells landed: the host cell ids (InstanceNUMACell.id), and the host's own
 * cells for the socket policy. No instance cells (null or empty) means the server has no NUMA
 * topology, and then Nova does no PCI NUMA filtering at all. hostCells null is a host that
 * reports no NUMA topology.
 */
export interface NumaPlacement {
  instanceCells: readonly number[] | null;
  hostCells: readonly HostNumaCell[] | null;
}

/**
 * Nova's own failure while filtering (not a "does not fit"): the socket policy reads the host's
 * NUMA cells, and a host without a NUMA topology makes it raise AttributeError, which
 * support_requests does not catch.
 */
export class NovaPciError extends Error {
  constructor(
    readonly pyClass: string,
    message: string,
  ) {
    super(message);
  }
}

const onNode = (pool: PciPool, nodes: ReadonlyArray<number | null>) =>
  nodes.some((n) => pciDevicePropMatch(pool, [{ numa_node: n }]));
const total = (ps: readonly PciPool[]) => ps.reduce((n, p) => n + p.count, 0);

/**
 * PciDeviceStats._filter_pools_for_numa_cells (nova/pci/stats.py, Zed). Stricter passes are tried
 * first whatever the policy: the server's own nodes; then, unless the policy is required, socket
 * (only for the socket policy, and final), or its nodes plus devices of unknown node (final for
 * legacy); preferred finally takes every pool, local (or unknown) ones first.
 */
export function filterPoolsForNumaCells(
  pools: readonly PciPool[],
  request: PciRequestSpec,
  numa: NumaPlacement | undefined,
): PciPool[] {
  const cells = numa?.instanceCells;
  if (!cells || cells.length === 0) return [...pools];
  const policy: NumaAffinityPolicy = request.numa_policy || 'legacy';
  const count = request.count ?? 1;
  const ids: Array<number | null> = [...cells];
  let filtered = pools.filter((p) => onNode(p, ids));
  if (policy === 'required' || total(filtered) >= count) return filtered;
  if (policy === 'socket') return filterPoolsForSocketAffinity(pools, cells, numa.hostCells);
  ids.push(null);
  filtered = pools.filter((p) => onNode(p, ids));
  if (policy === 'legacy' || total(filtered) >= count) return filtered;
  // Python's sorted() is stable: False (local or unknown node) before True.
  const remote = (p: PciPool) => !ids.some((n) => n === (p.numa_node ?? null));
  return [...pools].sort((a, b) => Number(remote(a)) - Number(remote(b)));
}

/** PciDeviceStats._filter_pools_for_socket_affinity: the NUMA nodes of the server's sockets. */
function filterPoolsForSocketAffinity(
  pools: readonly PciPool[],
  cells: readonly number[],
  hostCells: readonly HostNumaCell[] | null,
): PciPool[] {
  if (hostCells === null)
    throw new NovaPciError('AttributeError', "'NoneType' object has no attribute 'cells'");
  // "No socket information in host NUMA cell(s)." (DEBUG): no device at all.
  if (hostCells.some((c) => c.socket === null)) return [];
  const sockets = new Set(hostCells.filter((h) => cells.includes(h.id)).map((h) => h.socket));
  const allowed = hostCells.filter((h) => sockets.has(h.socket)).map((h) => h.id);
  return pools.filter((p) => onNode(p, allowed));
}

/**
 * PciDeviceStats._filter_pools (steps of §2.4: spec, NUMA, PFs, vDPA, remote-managed; placement
 * and live migration do not apply to Neutron ports): the pools that can serve the request, or
 * null when they hold fewer devices than it asks for.
 */
export function filterPools(
  pools: readonly PciPool[],
  request: PciRequestSpec,
  numa?: NumaPlacement,
): PciPool[] | null {
  const need = request.count ?? 1;
  const enough = (ps: PciPool[]) => total(ps) >= need;
  let out = pools.filter((p) => pciDevicePropMatch(p, request.spec));
  if (!enough(out)) return null;
  out = filterPoolsForNumaCells(out, request, numa);
  if (!enough(out)) return null;
  if (!request.spec.some((s) => s.dev_type === 'type-PF')) out = out.filter((p) => p.dev_type !== 'type-PF');
  if (!enough(out)) return null;
  if (!request.spec.some((s) => s.dev_type === 'vdpa')) out = out.filter((p) => p.dev_type !== 'vdpa');
  // Nova checks the count after the vDPA step only together with the next one.
  // "...remote-managed devices whichwe have not requested" (sic, Nova's debug log).
  if (!request.spec.some((s) => boolFromString(s.remote_managed)))
    out = out.filter((p) => !boolFromString(p.remote_managed));
  if (!enough(out)) return null;
  return out;
}

export interface PciFit {
  fits: boolean;
  /** Devices taken from each pool, in the order the pools were given; null when it does not fit. */
  usedPerPool: number[] | null;
}

/**
 * PciDeviceStats.support_requests as the PciPassthroughFilter (and NUMATopologyFilter) run it:
 * the pools are sorted by their number of keys as PciDeviceStats keeps them, then each request is
 * applied in turn to a copy, counts only decremented (the compute claim also removes a VF's parent
 * PF, so it can still fail where the scheduler passed). Requests consume the pools cumulatively,
 * and the first one that cannot be served ends it. Throws NovaPciError where Nova itself raises.
 */
export function fitRequests(
  pools: readonly PciPool[],
  requests: readonly PciRequestSpec[],
  numa?: NumaPlacement,
): PciFit {
  const copies = pools.map((p, index) => ({ pool: { ...p }, index }));
  // PciDeviceStats.__init__: self.pools.sort(key=lambda item: len(item)), a stable sort.
  const ordered = [...copies].sort((a, b) => Object.keys(a.pool).length - Object.keys(b.pool).length);
  const indexOf = new Map(ordered.map((c) => [c.pool, c.index]));
  const used = pools.map(() => 0);
  let live = ordered.map((c) => c.pool);
  for (const r of requests) {
    const usable = filterPools(live, r, numa);
    // _apply_request: "if not filtered_pools: return False" (also for a request of count 0).
    if (!usable || usable.length === 0) return { fits: false, usedPerPool: null };
    let left = r.count ?? 1;
    for (const p of usable) {
      // _decrease_pool_count: a pool it empties leaves the list.
      const take = Math.min(left, p.count);
      if (p.count <= left) live = live.filter((q) => q !== p);
      p.count -= take;
      used[indexOf.get(p)!]! += take;
      left -= take;
      if (left === 0) break;
    }
  }
  return { fits: true, usedPerPool: used };
}

/** PciDeviceStats.support_requests: can this host serve the requests? */
export function supportRequests(
  pools: readonly PciPool[],
  requests: readonly PciRequestSpec[],
  numa?: NumaPlacement,
): boolean {
  return fitRequests(pools, requests, numa).fits;
}

/** A device as the compute node tracks it (libvirt's report). */
export interface TrackedDevice {
  address: string;
  vendor_id: string;
  product_id: string;
  numa_node?: number | null;
  dev_type?: string;
  parent_addr?: string | null;
  parent_ifname?: string | null;
}

const IGNORED_POOL_TAGS = ['resource_class', 'traits'];

/**
 * PciDeviceStats pools on the compute node: devices that match a spec grouped by product,
 * vendor, NUMA node, dev_type, the matching spec's tags (values not str-coerced here, unlike
 * the scheduler's copy), the parent address for VFs and the parent netdev. PF, VF and vDPA
 * pools without a remote_managed tag get remote_managed="false".
 */
export function buildPools(
  devices: readonly TrackedDevice[],
  tagsFor: (dev: TrackedDevice) => Record<string, unknown> | null,
): PciPool[] {
  const pools: PciPool[] = [];
  const keys: string[] = [];
  for (const dev of devices) {
    const tags = tagsFor(dev);
    if (tags === null) continue;
    const devType = dev.dev_type ?? 'type-PCI';
    const pool: Record<string, unknown> = {
      product_id: dev.product_id,
      vendor_id: dev.vendor_id,
      numa_node: dev.numa_node ?? null,
      dev_type: devType,
    };
    for (const [k, v] of Object.entries(tags)) if (!IGNORED_POOL_TAGS.includes(k)) pool[k] = v;
    pool.address = dev.parent_addr || dev.address;
    if (dev.parent_ifname) pool.parent_ifname = dev.parent_ifname;
    if (['type-PF', 'type-VF', 'vdpa'].includes(devType) && !('remote_managed' in pool))
      pool.remote_managed = 'false';
    const key = JSON.stringify(Object.entries(pool).sort(([a], [b]) => (a < b ? -1 : 1)));
    const i = keys.indexOf(key);
    if (i >= 0) pools[i]!.count++;
    else {
      keys.push(key);
      pools.push({ ...pool, count: 1 });
    }
  }
  // Nova keeps its pools sorted by their number of keys (a stable sort): untagged pools first.
  return pools
    .map((p, i) => [p, i] as const)
    .sort((a, b) => Object.keys(a[0]).length - Object.keys(b[0]).length || a[1] - b[1])
    .map(([p]) => p);
}

/**
 * The compute node's claim (PciDeviceStats.consume_requests): like the scheduler, but with the
 * devices themselves, and taking a VF removes its parent PF from the free devices while taking
 * a PF removes its VFs (_handle_device_dependents). So the scheduler can pass a host whose claim
 * then fails: "Insufficient compute resources: Claim pci failed."
 */
export function claimRequests(
  devices: readonly TrackedDevice[],
  tagsFor: (dev: TrackedDevice) => Record<string, unknown> | null,
  requests: readonly PciRequestSpec[],
): boolean {
  const tracked = devices.filter((d) => tagsFor(d) !== null);
  const free = new Set(tracked);
  const poolOf = new Map<TrackedDevice, string>();
  const members = new Map<string, TrackedDevice[]>();
  const poolByKey = new Map<string, PciPool>();
  for (const d of tracked) {
    const [pool] = buildPools([d], tagsFor);
    const { count: _, ...shape } = pool!;
    const key = JSON.stringify(Object.entries(shape).sort(([a], [b]) => (a < b ? -1 : 1)));
    poolOf.set(d, key);
    members.set(key, [...(members.get(key) ?? []), d]);
    if (!poolByKey.has(key)) poolByKey.set(key, { ...shape, count: 0 });
  }
  const pools = () =>
    [...poolByKey.entries()]
      .map(([key, p]) => ({ ...p, count: (members.get(key) ?? []).filter((d) => free.has(d)).length, key }))
      .sort((a, b) => Object.keys(a).length - Object.keys(b).length);
  const remove = (d: TrackedDevice) => free.delete(d);
  for (const r of requests) {
    const usable = filterPools(pools(), r) as Array<PciPool & { key: string }> | null;
    if (!usable) return false;
    let left = r.count ?? 1;
    for (const p of usable) {
      const available = (members.get(p.key) ?? []).filter((d) => free.has(d));
      const take = Math.min(left, available.length);
      for (const d of available.slice(available.length - take).reverse()) {
        remove(d);
        if ((d.dev_type ?? 'type-PCI') === 'type-PF') {
          for (const vf of tracked) if (vf.parent_addr === d.address) remove(vf);
        } else if (d.parent_addr) {
          for (const pf of tracked) if (pf.address === d.parent_addr) remove(pf);
        }
      }
      left -= take;
      if (left === 0) break;
    }
    if (left > 0) return false;
  }
  return true;
}
