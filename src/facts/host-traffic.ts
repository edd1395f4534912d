// Which of a host's own traffic a netdev carries: its addresses and default routes, directly
// or through the bond, bridge, VLAN or macvlan stacked on it. One answer for `check`
// (SRIOV-HOST-007) and `plan` (which refuses such a PF). Pure: reads HostFacts only.
import type { HostNetwork } from './host-facts.js';

export interface HostTraffic {
  /** The netdevs stacked on the device (bond, bridge, VLAN, macvlan…), the device first. */
  stack: string[];
  /** What it carries, one phrase each ("the management address 10.0.0.2/24 on br-mgmt"). */
  carried: string[];
}

/** The netdevs stacked on dev (bond, bridge, VLAN, macvlan…), dev first. */
export function stackAbove(net: HostNetwork, dev: string): string[] {
  const seen = [dev];
  const add = (name: string | null | undefined) => {
    if (name && !seen.includes(name)) seen.push(name);
  };
  for (let i = 0; i < seen.length; i++) {
    const d = seen[i];
    add(net.links.find((l) => l.name === d)?.master);
    for (const l of net.links) if (l.lower === d) add(l.name);
  }
  return seen;
}

/**
 * The host's own traffic on dev; null when it carries none. The OSA management address and any
 * global address (tunnel, storage…) count; so does a default route, except one learned from a
 * router advertisement (it comes with any port on a network that sends them, and moves with it).
 */
export function hostTrafficOn(
  net: HostNetwork,
  dev: string,
  managementAddress: string | null,
): HostTraffic | null {
  const stack = stackAbove(net, dev);
  const addrs = net.addresses.filter(
    (a) => stack.includes(a.dev) && (a.address === managementAddress || a.scope === 'global'),
  );
  const routes = net.defaultRoutes.filter((r) => r.dev !== null && stack.includes(r.dev) && r.proto !== 'ra');
  if (addrs.length === 0 && routes.length === 0) return null;
  return {
    stack,
    carried: [
      ...addrs.map(
        (a) =>
          `${a.address === managementAddress ? 'the management address' : 'address'} ${a.address}/${a.prefixLength} on ${a.dev}`,
      ),
      ...routes.map((r) => `the default route${r.via ? ` via ${r.via}` : ''} on ${r.dev}`),
    ],
  };
}
