// What osa-sriov reads from a live cloud: the Neutron and Nova resources SR-IOV troubleshooting
// needs, validated at the API boundary (src/cloud/client.ts) and plain data afterwards.
import { z } from 'zod';

const nullableString = z
  .string()
  .nullable()
  .optional()
  .transform((v) => v ?? null);

export const AgentSchema = z
  .object({
    id: z.string(),
    agent_type: z.string(),
    binary: z
      .string()
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    host: z.string(),
    alive: z.boolean(),
    admin_state_up: z.boolean().optional().default(true),
    heartbeat_timestamp: nullableString,
    configurations: z.record(z.string(), z.unknown()).optional().default({}),
  })
  .loose();
export type CloudAgent = z.infer<typeof AgentSchema>;

export const SegmentSchema = z.object({
  'provider:network_type': z
    .string()
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  'provider:physical_network': nullableString,
  'provider:segmentation_id': z
    .number()
    .int()
    .nullable()
    .optional()
    .transform((v) => v ?? null),
});

/** A name the API may give as null or leave out (Neutron, Nova, Glance): '' then. */
const optionalName = z
  .string()
  .nullable()
  .optional()
  .transform((v) => v ?? '');

export const NetworkSchema = z
  .object({
    id: z.string(),
    name: optionalName,
    status: z.string().optional().default(''),
    // A single-segment network carries its segment's provider attributes itself: read as a segment's.
    ...SegmentSchema.shape,
    /** Multi-segment networks (the segments extension) list their segments here instead. */
    segments: z.array(SegmentSchema).optional(),
  })
  .loose();
export type CloudNetwork = z.infer<typeof NetworkSchema>;

export const PortSchema = z
  .object({
    id: z.string(),
    name: optionalName,
    network_id: z.string(),
    mac_address: z.string(),
    status: z.string(),
    device_id: z
      .string()
      .nullable()
      .optional()
      .transform((v) => v ?? ''),
    device_owner: z
      .string()
      .nullable()
      .optional()
      .transform((v) => v ?? ''),
    'binding:vnic_type': z.string().optional().default('normal'),
    'binding:host_id': z
      .string()
      .nullable()
      .optional()
      .transform((v) => v ?? ''),
    'binding:vif_type': z
      .string()
      .nullable()
      .optional()
      .transform((v) => v ?? ''),
    'binding:profile': z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .transform((v) => v ?? {}),
    'binding:vif_details': z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .transform((v) => v ?? {}),
    port_security_enabled: z
      .boolean()
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    security_groups: z.array(z.string()).optional().default([]),
  })
  .loose();
export type CloudPort = z.infer<typeof PortSchema>;

export const ServerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    'OS-EXT-SRV-ATTR:host': nullableString,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': nullableString,
    fault: z
      .object({
        message: z.string().optional().default(''),
        code: z.number().optional(),
        details: z.string().optional(),
      })
      .nullable()
      .optional()
      .transform((v) => v ?? null),
  })
  .loose();
export type CloudServer = z.infer<typeof ServerSchema>;

export const ComputeServiceSchema = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    binary: z.string(),
    host: z.string(),
    state: z.string(),
    status: z.string(),
  })
  .loose();
export type CloudComputeService = z.infer<typeof ComputeServiceSchema>;

/** Everything doctor, vf-map and capacity look at, read once per run. */
export interface CloudSnapshot {
  agents: CloudAgent[];
  networks: CloudNetwork[];
  ports: CloudPort[];
  /** null when the cloud has no compute endpoint in the catalog (Neutron-only). */
  servers: CloudServer[] | null;
  computeServices: CloudComputeService[] | null;
}

/** The SR-IOV vnic types (Neutron's sriovnicswitch mechanism driver). */
export const SRIOV_VNIC_TYPES = ['direct', 'macvtap', 'direct-physical'] as const;

export function isSriovPort(p: CloudPort): boolean {
  return (SRIOV_VNIC_TYPES as readonly string[]).includes(p['binding:vnic_type']);
}

/** A Nova flavor (microversion 2.61+ embeds extra_specs; older answers are completed from os-extra_specs). */
export const FlavorSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    vcpus: z.number().int().nonnegative(),
    ram: z.number().optional(),
    extra_specs: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type CloudFlavor = z.infer<typeof FlavorSchema>;

/** A Glance v2 image: its properties are top-level keys (hw_* among them). */
export const ImageSchema = z
  .object({
    id: z.string(),
    name: optionalName,
  })
  .loose();
export type CloudImage = z.infer<typeof ImageSchema>;

/** The flavor a server was built with, as embedded in a server since microversion 2.47. */
export const EmbeddedFlavorSchema = z
  .object({
    vcpus: z.number().int().nonnegative(),
    original_name: z.string().optional(),
    extra_specs: z.record(z.string(), z.string()).optional().default({}),
  })
  .loose();
