import type { HostNetwork } from '../../facts/host-facts.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

/** The netdevs stacked on dev (bond, bridge, VLAN, macvlan…), dev first. */
function stackAbove(net: HostNetwork, dev: string): string[] {
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

export const rule: Rule = {
  id: 'SRIOV-HOST-007',
  severity: 'warning',
  title: "A mapped PF carries the host's own traffic",
  rationale:
    'Changing the VF count of a PF resets it on most drivers, so a PF that carries the management address or the default route takes the host off the network whenever VFs are (re)created.',
  needs: 'facts',
  run(ctx) {
    const out: RuleFinding[] = [];
    for (const h of ctx.hosts()) {
      const net = h.facts?.network;
      const agent = h.agent();
      if (!net || !agent?.mappings) continue;
      for (const [physnet, devs] of Object.entries(agent.mappings)) {
        for (const dev of devs) {
          const stack = stackAbove(net, dev);
          // The OSA management address, and any global address (tunnel, storage…), count.
          const addrs = net.addresses.filter(
            (a) => stack.includes(a.dev) && (a.address === h.managementAddress || a.scope === 'global'),
          );
          // Routes learned from router advertisements come with any port on a network that sends
          // them; the host did not choose them, and they move with the RA.
          const routes = net.defaultRoutes.filter(
            (r) => r.dev !== null && stack.includes(r.dev) && r.proto !== 'ra',
          );
          if (addrs.length === 0 && routes.length === 0) continue;
          const loc = h.providerNetworkLocation(physnet);
          const what = [
            ...addrs.map(
              (a) =>
                `${a.address === h.managementAddress ? 'the management address' : 'address'} ${a.address}/${a.prefixLength} on ${a.dev}`,
            ),
            ...routes.map((r) => `the default route${r.via ? ` via ${r.via}` : ''} on ${r.dev}`),
          ];
          out.push({
            host: h.name,
            severity: 'warning',
            message: `${dev}, mapped to ${physnet} for SR-IOV, carries this host's own traffic (${what.join(', ')}): writing sriov_numvfs resets the PF on most drivers, so creating or changing VFs cuts the host off the network, and guests' VF traffic shares the port with it`,
            ...(loc ? { location: loc } : {}),
            evidence: [
              `netdevs on ${dev}: ${stack.join(' → ')}`,
              ...what,
              `sriov_nic_agent.ini physical_device_mappings = ${agent.mappingsText}`,
            ],
            fix: `give SR-IOV a PF the host does not use for its own addresses: move the management network (br-mgmt, the default route) to another NIC, or map another PF in sriov_host_interfaces of the ${physnet} entry (openstack_user_config.yml)`,
          });
        }
      }
    }
    return out;
  },
};
