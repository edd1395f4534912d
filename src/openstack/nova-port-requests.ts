// Which PCI request Nova makes for a Neutron port (nova/network/neutron.py
// create_resource_requests), and how it finds the port's physnet (§2.3 of the spec).
import { boolFromString } from '../python.js';

export const VNIC_TYPES_SRIOV = [
  'direct',
  'macvtap',
  'direct-physical',
  'virtio-forwarder',
  'vdpa',
  'remote-managed',
] as const;
export const DEVICE_TYPE_FOR_VNIC_TYPE: Readonly<Record<string, string>> = {
  'direct-physical': 'type-PF',
  vdpa: 'vdpa',
};
export const L3_NETWORK_TYPES = ['vxlan', 'gre', 'geneve'];

export interface PciRequest {
  count: 1;
  spec: Array<Record<string, string | null>>;
  requester_id?: string;
}

/**
 * The InstancePCIRequest for a port, or null when its vnic_type needs none (normal, baremetal,
 * and the accelerator-* types, which go through Cyborg). `trusted` is set only when the port's
 * binding:profile has the key; values are the strings "True"/"False".
 */
export function pciRequestForPort(port: {
  id?: string;
  vnicType: string;
  physnet: string | null;
  bindingProfileTrusted?: unknown;
}): PciRequest | null {
  if (!(VNIC_TYPES_SRIOV as readonly string[]).includes(port.vnicType)) return null;
  const spec: Record<string, string | null> = {
    physical_network: port.physnet,
    remote_managed: port.vnicType === 'remote-managed' ? 'True' : 'False',
  };
  const devType = DEVICE_TYPE_FOR_VNIC_TYPE[port.vnicType];
  if (devType) spec.dev_type = devType;
  if (port.bindingProfileTrusted !== undefined && port.bindingProfileTrusted !== null)
    spec.trusted = boolFromString(port.bindingProfileTrusted) ? 'True' : 'False';
  return { count: 1, spec: [spec], ...(port.id ? { requester_id: port.id } : {}) };
}

export class NovaException extends Error {}

type Network = Record<string, unknown> & { segments?: Array<Record<string, unknown>> };

/** _get_physnet_tunneled_info: the first segment with a physnet, else the network's own provider fields. */
export function physnetOfNetwork(
  netId: string,
  network: Network,
  multiProviderExtension: boolean,
): { physnet: string | null; tunneled: boolean } {
  if (multiProviderExtension && Array.isArray(network.segments) && network.segments.length > 0) {
    for (const s of network.segments) {
      const physnet = s['provider:physical_network'];
      if (typeof physnet === 'string' && physnet !== '') return { physnet, tunneled: false };
    }
    throw new NovaException(`None of the segments of network ${netId} provides a physical_network`);
  }
  const physnet = network['provider:physical_network'];
  return {
    physnet: typeof physnet === 'string' ? physnet : null,
    tunneled: L3_NETWORK_TYPES.includes(String(network['provider:network_type'])),
  };
}
