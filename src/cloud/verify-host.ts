// verify's on-host check, as the field guide does it with `ip link show PF`: the VF at the port's
// pci_slot carries the port's MAC and the network's VLAN. The join of a port to a host's VF table
// is vf-map's (one implementation); this adds the guest driver the image needs for that VF.
import type { HostFacts } from '../facts/host-facts.js';
import { guestVfDriver } from '../facts/vf-drivers.js';
import type { CloudNetwork, CloudPort } from './types.js';
import type { OnHostCheck, VerifyCase } from './verify.js';
import { factsFinder, locate, pciSlot, vfMap } from './vf-map.js';

export function checkOnHost(
  facts: ReadonlyMap<string, HostFacts>,
  c: VerifyCase,
  port: CloudPort,
  network: CloudNetwork | undefined,
  /** Where the facts came from: the user's --facts, or a snapshot --ansible just took. */
  from: 'facts' | 'ansible' = 'facts',
): OnHostCheck {
  const entry = factsFinder(facts)(c.host);
  const out: OnHostCheck = {
    factsHost: entry?.key ?? c.host,
    pf: null,
    vfIndex: null,
    vfMac: null,
    vfVlan: null,
    expectedVlan: null,
    vfPciId: null,
    guestDriver: null,
    problems: [],
  };
  if (!entry) {
    out.problems.push(
      from === 'ansible'
        ? `no snapshot of ${c.host} through Ansible (see collect's messages above): is it in the inventory under that name, and reachable?`
        : `no facts for ${c.host} among --facts: take a snapshot of it while the server runs`,
    );
    return out;
  }
  // Only this port (and its network) in the snapshot: the rows are about it alone.
  const map = vfMap(
    { agents: [], networks: network ? [network] : [], ports: [port], servers: null, computeServices: null },
    new Map([[entry.key, entry.facts]]),
    { host: [entry.key, c.host] },
  );
  const row = map.rows.find((r) => r.portId === port.id);
  const slot = pciSlot(port);
  if (!row || slot === null) {
    out.problems.push('the port has no pci_slot to look up on the host');
    return out;
  }
  out.pf = row.pf;
  out.vfIndex = row.vfIndex;
  out.vfMac = row.vfMac;
  out.vfVlan = row.vlan;
  out.expectedVlan = row.expectedVlan;
  out.problems.push(...row.problems.map((p) => p.message));
  const where = locate(entry.facts, slot);
  if (where.kind === 'vf') {
    const vendor = where.pf.vendorId;
    const device = where.pf.vfDeviceId ?? where.pf.sriovCapability?.vfDeviceId ?? null;
    out.vfPciId = vendor && device ? `${vendor}:${device}` : null;
    // A macvtap port gives the guest a virtio NIC, not the VF.
    out.guestDriver = c.vnicType === 'macvtap' ? 'virtio_net' : guestVfDriver(where.pf.driver);
    if (c.vnicType !== 'macvtap' && row.problems.length === 0) {
      // `ip link` shows an unset VF as MAC 00:00:… / no vlan: the agent has not configured it.
      if (row.vfMac === null)
        out.problems.push(
          `VF ${row.vfIndex} of ${row.pf} (${slot}) shows no MAC: the facts do not show the agent's settings`,
        );
      if (row.vlan === null && (row.expectedVlan ?? 0) > 0)
        out.problems.push(
          `VF ${row.vfIndex} of ${row.pf} (${slot}) shows no VLAN, the network has ${row.expectedVlan}`,
        );
    }
  } else if (where.kind === 'pf') {
    out.vfPciId = where.pf.vendorId && where.pf.deviceId ? `${where.pf.vendorId}:${where.pf.deviceId}` : null;
    out.guestDriver = where.pf.driver; // direct-physical: the guest drives the PF itself
  }
  return out;
}
