// The ML2 mechanism driver `sriovnicswitch` (mech_driver.py): whether it binds a port, to which
// segment, with which vif_type/vif_details and status (../shared/spec/nova-neutron.md §4).

export const SRIOV_AGENT_TYPE = 'NIC Switch agent';
export const SRIOV_SUPPORTED_VNIC_TYPES = [
  'direct',
  'macvtap',
  'direct-physical',
  'accelerator-direct',
] as const;
export const SRIOV_NETWORK_TYPES = ['flat', 'vlan'] as const;

export interface Segment {
  id?: string;
  network_type: string;
  physical_network?: string | null;
  segmentation_id?: number | null;
}

export interface Agent {
  agent_type: string;
  alive?: boolean;
  host?: string;
  /** device_mappings: {physnet: [devices]} as agents report it (a list of physnets in some tests). */
  configurations: { device_mappings?: Record<string, unknown> | string[] };
}

export interface VifDetails {
  port_filter: false;
  connectivity: 'l2';
  vlan: string;
}

export interface Binding {
  segment_id: string | undefined;
  vif_type: 'hw_veb' | 'hostdev_physical';
  vif_details: VifDetails;
  status: 'ACTIVE' | 'DOWN';
}

export class SriovUnsupportedNetworkType extends Error {
  override readonly name = 'SriovUnsupportedNetworkType';
  constructor(networkType: string) {
    super(`Unsupported network type ${networkType}.`);
  }
}

/** _get_vif_details: the VLAN as a string, "0" on flat; any other type is an error. */
export function vifDetails(segment: Segment): VifDetails {
  if (segment.network_type === 'flat') return { port_filter: false, connectivity: 'l2', vlan: '0' };
  if (segment.network_type === 'vlan')
    return { port_filter: false, connectivity: 'l2', vlan: String(segment.segmentation_id) };
  throw new SriovUnsupportedNetworkType(segment.network_type);
}

function physnets(agent: Agent): string[] {
  const m = agent.configurations.device_mappings;
  if (!m) return [];
  return Array.isArray(m) ? m : Object.keys(m);
}

/** check_segment_for_agent: a flat/vlan segment whose physnet the agent maps (no agent: any flat/vlan). */
export function checkSegmentForAgent(segment: Segment, agent: Agent | null): boolean {
  if (!(SRIOV_NETWORK_TYPES as readonly string[]).includes(segment.network_type)) return false;
  if (agent === null) return true;
  if (agent.agent_type !== SRIOV_AGENT_TYPE) return false;
  return physnets(agent).includes(segment.physical_network ?? '');
}

/** [SRIOV_DRIVER] vnic_type_prohibit_list → the vnic types the driver still supports. */
export function supportedVnicTypes(prohibited: readonly string[]): string[] {
  const valid: readonly string[] = SRIOV_SUPPORTED_VNIC_TYPES;
  if (!prohibited.every((p) => valid.includes(p))) {
    throw new Error(
      `Not all of the items from vnic_type_prohibit_list are valid vnic_types for NIC Switch agent mechanism driver. The valid values are: [${valid.map((v) => `'${v}'`).join(', ')}].`,
    );
  }
  const left = valid.filter((v) => !prohibited.includes(v));
  if (left.length === 0)
    throw new Error('All possible vnic_types were prohibited for NIC Switch agent mechanism driver!');
  return left;
}

export interface BindRequest {
  vnicType: string;
  bindingProfile: { capabilities?: string[] } & Record<string, unknown>;
  agentsOnHost: readonly Agent[];
  segments: readonly Segment[];
  /** The port's fixed-ip subnets: only their segments are tried (routed networks); null segment_id allows all. */
  fixedIpSubnets?: ReadonlyArray<{ segment_id: string | null }>;
  prohibited?: readonly string[];
}

/** bind_port: the binding this driver makes, or null when it leaves the port unbound (binding_failed if no other driver binds). */
export function bindPort(req: BindRequest): Binding | null {
  if (req.vnicType === 'direct' && (req.bindingProfile.capabilities ?? []).includes('switchdev')) return null;
  if (!supportedVnicTypes(req.prohibited ?? []).includes(req.vnicType)) return null;
  let segments = req.segments;
  const subnets = req.fixedIpSubnets ?? [];
  if (subnets.length > 0 && !subnets.some((s) => s.segment_id === null)) {
    const ids = new Set(subnets.map((s) => s.segment_id));
    segments = segments.filter((s) => ids.has(s.id ?? null));
  }
  const bind = (agent: Agent | null): Binding | null => {
    for (const s of segments) {
      if (!checkSegmentForAgent(s, agent)) continue;
      return {
        segment_id: s.id,
        vif_type: req.vnicType === 'direct-physical' ? 'hostdev_physical' : 'hw_veb',
        vif_details: vifDetails(s),
        status: req.vnicType === 'direct-physical' ? 'ACTIVE' : 'DOWN',
      };
    }
    return null;
  };
  if (req.vnicType === 'direct-physical') return bind(null);
  for (const agent of req.agentsOnHost) {
    if (agent.agent_type !== SRIOV_AGENT_TYPE) continue;
    // "Attempting to bind with dead agent: ..."
    if (agent.alive === false) continue;
    const b = bind(agent);
    if (b) return b;
  }
  return null;
}
