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
}

/**
 * PciDeviceStats._filter_pools without NUMA or placement (steps 1, 3, 4, 5 of §2.4): the pools
 * that can serve the request, or null when they hold fewer devices than it asks for.
 */
export function filterPools(pools: readonly PciPool[], request: PciRequestSpec): PciPool[] | null {
  const need = request.count ?? 1;
  const enough = (ps: PciPool[]) => ps.reduce((n, p) => n + p.count, 0) >= need;
  let out = pools.filter((p) => pciDevicePropMatch(p, request.spec));
  if (!enough(out)) return null;
  if (!request.spec.some((s) => s.dev_type === 'type-PF')) out = out.filter((p) => p.dev_type !== 'type-PF');
  if (!enough(out)) return null;
  if (!request.spec.some((s) => s.dev_type === 'vdpa')) out = out.filter((p) => p.dev_type !== 'vdpa');
  if (!enough(out)) return null;
  // "...remote-managed devices whichwe have not requested" (sic, Nova's debug log).
  if (!request.spec.some((s) => boolFromString(s.remote_managed)))
    out = out.filter((p) => !boolFromString(p.remote_managed));
  if (!enough(out)) return null;
  return out;
}

/**
 * PciDeviceStats.support_requests as the PciPassthroughFilter runs it: requests are applied in
 * turn to a copy of the pools, counts only decremented (the compute claim also removes a VF's
 * parent PF, so it can still fail where the scheduler passed).
 */
export function supportRequests(pools: readonly PciPool[], requests: readonly PciRequestSpec[]): boolean {
  const copy = pools.map((p) => ({ ...p }));
  for (const r of requests) {
    const usable = filterPools(copy, r);
    if (!usable) return false;
    let left = r.count ?? 1;
    for (const p of usable) {
      const take = Math.min(left, p.count);
      p.count -= take;
      left -= take;
      if (left === 0) break;
    }
  }
  return true;
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
