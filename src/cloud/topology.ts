// Names and topology read from API objects, shared by doctor, vf-map and capacity.
import type { CloudAgent, CloudNetwork } from './types.js';

export const short = (host: string): string => host.split('.')[0]!;

/** The segments of a network: its provider attributes, or the segments of a multi-segment one. */
export function segmentsOf(
  n: CloudNetwork,
): Array<{ type: string | null; physnet: string | null; segId: number | null }> {
  if (n.segments && n.segments.length > 0)
    return n.segments.map((s) => ({
      type: s['provider:network_type'],
      physnet: s['provider:physical_network'],
      segId: s['provider:segmentation_id'],
    }));
  return [
    {
      type: n['provider:network_type'],
      physnet: n['provider:physical_network'],
      segId: n['provider:segmentation_id'],
    },
  ];
}

/** The agent's reported mappings: configurations.device_mappings, physnet → devices. */
export function agentMappings(a: CloudAgent): Record<string, string[]> {
  const raw = a.configurations.device_mappings;
  const out: Record<string, string[]> = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [net, devs] of Object.entries(raw as Record<string, unknown>)) {
    out[net] = Array.isArray(devs) ? devs.map(String) : typeof devs === 'string' ? [devs] : [];
  }
  return out;
}
