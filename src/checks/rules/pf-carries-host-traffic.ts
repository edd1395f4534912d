import { hostTrafficOn } from '../../facts/host-traffic.js';
import type { HostFinding, Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-HOST-007',
  severity: 'warning',
  title: "A mapped PF carries the host's own traffic",
  rationale:
    'Changing the VF count of a PF resets it on most drivers, so a PF that carries the management address or the default route takes the host off the network whenever VFs are (re)created.',
  needs: 'facts',
  scope: 'host',
  runHost(_ctx, h) {
    const out: HostFinding[] = [];
    const net = h.facts?.network;
    const agent = h.agent();
    if (!net || !agent?.mappings) return [];
    for (const [physnet, devs] of Object.entries(agent.mappings)) {
      for (const dev of devs) {
        const traffic = hostTrafficOn(net, dev, h.managementAddress);
        if (!traffic) continue;
        const { stack, carried: what } = traffic;
        const loc = h.providerNetworkLocation(physnet);
        out.push({
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
    return out;
  },
};
