// The one answer to "which devices does nova-compute track on this host, and which PCI pools does
// it report" (PciDeviceStats), from the host's facts: the devices libvirt reports (hostDevices)
// that a Nova device_spec selects, with the first matching spec's tags and the NUMA node libvirt
// gives Nova. SRIOV-NUMA-001 (numa-placement.ts), capacity, fit and doctor's NUMA explanation all
// read it; the scheduler's PCI NUMA filtering (src/openstack/nova-pci-match.ts) then runs on the
// pools. Without a deployment (capacity/fit from the cloud's agents alone) the agents'
// device_mappings stand in for the device_spec: the mapped PFs' VFs, tagged with the physnet.
import type { HostFacts, Pf } from '../facts/host-facts.js';
import { DeviceMatcher, type DeviceSpec } from '../openstack/nova-devspec.js';
import { buildPools, type PciPool, type TrackedDevice } from '../openstack/nova-pci-match.js';
import type { HostView } from './context.js';
import { firstMatching, type HostDevice, hostDevices, matchHost } from './devspec-helpers.js';
import { resolveDevice } from './host-helpers.js';

/**
 * The NUMA node Nova records for a device of this PF: libvirt writes `<numa node='N'/>` in the
 * node device XML only for a sysfs numa_node >= 0, and Nova reads its absence as None (unknown).
 * A VF's own numa_node is its PF's (same PCI root; the sriov-vm test checks it on a real kernel);
 * the facts keep only the PF's.
 */
export function novaNumaNode(pf: Pf | null): number | null {
  return pf && pf.numaNode !== null && pf.numaNode >= 0 ? pf.numaNode : null;
}

/** A device nova-compute tracks: the libvirt view, the facts behind it, the tags Nova gives it. */
export interface NovaTracked {
  tracked: TrackedDevice;
  device: HostDevice;
  /** The first matching spec's tags (or, from agent mappings, {physical_network}). */
  tags: Readonly<Record<string, unknown>>;
}

/**
 * The device as nova-compute records it (libvirt's _get_pcidev_info): ids, NUMA node, type,
 * parent PF address, and for a VF with a netdev its PF's netdev as parent_ifname (a pool key).
 */
function trackedOf(device: HostDevice, tags: Readonly<Record<string, unknown>>): NovaTracked {
  return {
    device,
    tags,
    tracked: {
      address: device.address,
      vendor_id: device.vendor_id,
      product_id: device.product_id,
      numa_node: novaNumaNode(device.pf),
      dev_type: device.dev_type,
      parent_addr: device.parent_addr ?? null,
      parent_ifname: device.dev_type === 'type-VF' && device.netdev ? (device.pf?.netdev ?? null) : null,
    },
  };
}

/**
 * The host's devices a spec selects (Whitelist.device_assignable: first match wins). The specs
 * must be parsed for this host (HostView.devspec()): a PF address selects its VFs only when the
 * parser knows the address is a PF's.
 */
export function trackedDevices(facts: HostFacts, specs: readonly DeviceSpec[]): NovaTracked[] {
  const matcher = new DeviceMatcher(specs);
  const out: NovaTracked[] = [];
  for (const device of hostDevices(facts)) {
    let spec: number | null;
    try {
      spec = matcher.match(device);
    } catch {
      spec = firstMatching(specs, device);
    }
    if (spec !== null) out.push(trackedOf(device, specs[spec]!.tags));
  }
  return out;
}

/**
 * The same for a deployment host, from its rendered device_spec and the matching the SRIOV-DEVSPEC
 * rules share (matchHost, memoised per host). null without facts or without a spec Nova accepts.
 */
export function trackedOnHost(h: HostView): NovaTracked[] | null {
  const m = matchHost(h);
  if (!m) return null;
  const out: NovaTracked[] = [];
  for (const device of m.devices) {
    const i = m.first.get(device);
    if (i !== null && i !== undefined) out.push(trackedOf(device, m.pairs[i]!.spec.tags));
  }
  return out;
}

/**
 * The PF of the facts a device_mappings entry names (its netdev, or an altname: SRIOV-HOST-002
 * says the agent cannot use one, but an agent that reports it names that PF); null when none.
 * The name is resolved as the SRIOV-HOST rules resolve it (host-helpers resolveDevice).
 */
export function mappedPf(facts: HostFacts, dev: string): Pf | null {
  const r = resolveDevice(facts, dev);
  return r.kind === 'pf' || r.kind === 'altname' ? r.pf : null;
}

/**
 * Without a deployment: the VFs of the PFs a NIC Switch agent maps to a physnet, as Nova would
 * track them under a device_spec that selects those PFs' VFs with that physical_network.
 * `missing` hears of every mapped device the facts have no PF for.
 */
export function trackedFromMappings(
  facts: HostFacts,
  mappings: Readonly<Record<string, readonly string[]>>,
  missing: (physnet: string, dev: string) => void,
): NovaTracked[] {
  const out: NovaTracked[] = [];
  const devices = hostDevices(facts);
  for (const [physnet, devs] of Object.entries(mappings)) {
    const tags = { physical_network: physnet };
    for (const dev of devs) {
      const pf = mappedPf(facts, dev);
      if (!pf) {
        missing(physnet, dev);
        continue;
      }
      for (const d of devices) if (d.dev_type === 'type-VF' && d.pf === pf) out.push(trackedOf(d, tags));
    }
  }
  return out;
}

/** PciDeviceStats pools of these devices: one per product, NUMA node, dev_type, tags and parent. */
export function poolsOf(tracked: readonly NovaTracked[]): PciPool[] {
  const tags = new Map(tracked.map((t) => [t.tracked, t.tags]));
  return buildPools(
    tracked.map((t) => t.tracked),
    (d) => (tags.get(d) as Record<string, unknown> | undefined) ?? null,
  );
}

/** PciDeviceStats pools of the host under these specs. */
export function hostPciPools(facts: HostFacts, specs: readonly DeviceSpec[]): PciPool[] {
  return poolsOf(trackedDevices(facts, specs));
}
