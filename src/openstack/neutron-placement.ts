// Placement names the SR-IOV mechanism driver uses: the device resource provider uuid and
// the physnet / vnic_type traits (neutron_lib placement utils, os-traits normalisation).
import { createHash } from 'node:crypto';

/** RFC 4122 uuid5 (SHA-1, name-based), as Python's uuid.uuid5. */
export function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** neutron_lib's namespace for agent resource providers. */
export const RP_NAMESPACE = '87f1895c-73bb-11e8-9008-c4d987b2a692';

/** The resource provider of a PF on a host: uuid5(namespace, "<host>:<device>"). */
export function deviceResourceProviderUuid(host: string, device: string, namespace = RP_NAMESPACE): string {
  return uuid5(namespace, `${host}:${device}`);
}

/** os_traits.normalize_name with a CUSTOM_ prefix: upper case, anything else than [A-Z0-9_] → "_". */
function customTrait(prefix: string, name: string): string {
  return `CUSTOM_${prefix}${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

export const physnetTrait = (physnet: string) => customTrait('PHYSNET_', physnet);
export const vnicTypeTrait = (vnicType: string) => customTrait('VNIC_TYPE_', vnicType);
