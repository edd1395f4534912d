// The PCI pools nova-compute would report for a host (PciDeviceStats), from its facts and its
// Nova device_spec: the devices libvirt reports that a spec selects, with the first matching
// spec's tags and the NUMA node libvirt gives Nova. What the scheduler's PCI NUMA filtering
// (src/openstack/nova-pci-match.ts) then runs on.
import type { HostFacts, Pf } from '../facts/host-facts.js';
import { DeviceMatcher, type DeviceSpec } from '../openstack/nova-devspec.js';
import { buildPools, type PciPool, type TrackedDevice } from '../openstack/nova-pci-match.js';
import { firstMatching, type HostDevice, hostDevices } from './devspec-helpers.js';

/**
 * The NUMA node Nova records for a device of this PF: libvirt writes `<numa node='N'/>` in the
 * node device XML only for a sysfs numa_node >= 0, and Nova reads its absence as None (unknown).
 * A VF's own numa_node is its PF's (same PCI root; the sriov-vm test checks it on a real kernel);
 * the facts keep only the PF's.
 */
export function novaNumaNode(pf: Pf | null): number | null {
  return pf && pf.numaNode !== null && pf.numaNode >= 0 ? pf.numaNode : null;
}

/** A device nova-compute tracks: the libvirt view, the facts behind it, the spec that selected it. */
export interface NovaTracked {
  tracked: TrackedDevice;
  device: HostDevice;
  /** Index of the first matching spec (its tags apply). */
  spec: number;
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
    if (spec === null) continue;
    out.push({
      device,
      spec,
      tracked: {
        address: device.address,
        vendor_id: device.vendor_id,
        product_id: device.product_id,
        numa_node: novaNumaNode(device.pf),
        dev_type: device.dev_type,
        parent_addr: device.parent_addr ?? null,
        // libvirt's _get_pcidev_info: a VF with a netdev carries its PF's netdev (a pool key).
        parent_ifname: device.dev_type === 'type-VF' && device.netdev ? (device.pf?.netdev ?? null) : null,
      },
    });
  }
  return out;
}

/** PciDeviceStats pools of the host: one per product, NUMA node, dev_type, tags and parent. */
export function hostPciPools(facts: HostFacts, specs: readonly DeviceSpec[]): PciPool[] {
  const tracked = trackedDevices(facts, specs);
  const tags = new Map(tracked.map((t) => [t.tracked, specs[t.spec]!.tags]));
  return buildPools(
    tracked.map((t) => t.tracked),
    (d) => tags.get(d) ?? null,
  );
}
