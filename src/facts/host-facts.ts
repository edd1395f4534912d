// HostFacts: the public, versioned description of one host's SR-IOV hardware and readiness.
// Documented in docs/host-facts.md. Unknown or missing data is null, never guessed.
import { z } from 'zod';
import { kernelAltnameProblem, kernelIfnameProblem, reportedHostnameProblem, showName } from '../names.js';

export const HOST_FACTS_SCHEMA = 'osa-sriov/host-facts@1';

const pciAddress = z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
const hexId = z.string().regex(/^[0-9a-f]{4}$/);
const mac = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2})*$/);
/** Names from a host are external input: a name the kernel cannot have is a forged or broken file. */
const named = (what: string, problem: (n: string) => string | null) =>
  z.string().superRefine((n, ctx) => {
    const p = problem(n);
    if (p) ctx.addIssue({ code: 'custom', message: `${what} ${showName(n)} ${p}` });
  });
const ifname = named('interface name', kernelIfnameProblem);

export const LinkStateSchema = z.enum(['auto', 'enable', 'disable']);

export const MasterSchema = z.object({
  kind: z.enum(['bond', 'bridge', 'ovs', 'other']),
  name: ifname,
});

export const VfSchema = z.object({
  index: z.number().int().nonnegative(),
  pciAddress: pciAddress.nullable(),
  driver: z.string().nullable(),
  netdev: ifname.nullable(),
  /** The administrative MAC from the PF's VF table (what Neutron sets), not the VF netdev's own. */
  mac: mac.nullable(),
  vlan: z.number().int().nonnegative().nullable(),
  qos: z.number().int().nonnegative().nullable(),
  spoofCheck: z.boolean().nullable(),
  trust: z.boolean().nullable(),
  linkState: LinkStateSchema.nullable(),
  maxTxRateMbps: z.number().int().nonnegative().nullable(),
  minTxRateMbps: z.number().int().nonnegative().nullable(),
  iommuGroup: z.number().int().nonnegative().nullable(),
  /** Netdevs stacked on the VF's netdev (macvtap0 for a macvtap port). */
  uppers: z.array(ifname),
});

export const SriovCapabilitySchema = z.object({
  initialVfs: z.number().int().nullable(),
  totalVfs: z.number().int().nullable(),
  numVfs: z.number().int().nullable(),
  vfOffset: z.number().int().nullable(),
  vfStride: z.number().int().nullable(),
  vfDeviceId: hexId.nullable(),
});

export const PfSchema = z.object({
  pciAddress: pciAddress.nullable(),
  netdev: ifname.nullable(),
  altnames: z.array(named('interface altname', kernelAltnameProblem)),
  driver: z.string().nullable(),
  driverVersion: z.string().nullable(),
  firmwareVersion: z.string().nullable(),
  description: z.string().nullable(),
  vendorId: hexId.nullable(),
  deviceId: hexId.nullable(),
  subsystemVendorId: hexId.nullable(),
  subsystemDeviceId: hexId.nullable(),
  vfDeviceId: hexId.nullable(),
  totalVfs: z.number().int().nonnegative().nullable(),
  numVfs: z.number().int().nonnegative().nullable(),
  driversAutoprobe: z.boolean().nullable(),
  numaNode: z.number().int().nullable(),
  iommuGroup: z.number().int().nonnegative().nullable(),
  mtu: z.number().int().positive().nullable(),
  mac: mac.nullable(),
  operState: z.string().nullable(),
  carrier: z.boolean().nullable(),
  physPortName: z.string().nullable(),
  master: MasterSchema.nullable(),
  sriovCapability: SriovCapabilitySchema.nullable(),
  vfs: z.array(VfSchema),
});

export const OtherNicSchema = z.object({
  pciAddress: pciAddress,
  driver: z.string().nullable(),
  vendorId: hexId.nullable(),
  deviceId: hexId.nullable(),
  netdevs: z.array(ifname),
  /** Set when this is a VF whose PF was not found among the devices (should not happen). */
  physfn: pciAddress.nullable(),
});

export const PersistenceEvidenceSchema = z.object({
  kind: z.enum(['udev', 'systemd', 'scripts', 'netplan', 'networkmanager', 'os-net-config', 'modprobe']),
  file: z.string(),
  line: z.number().int().positive(),
  text: z.string(),
});

export const NetworkSchema = z.object({
  /** Every address (`ip -o addr show`). */
  addresses: z.array(
    z.object({
      dev: ifname,
      family: z.enum(['inet', 'inet6']),
      address: z.string(),
      prefixLength: z.number().int().nonnegative(),
      scope: z.string().nullable(),
    }),
  ),
  /** Default routes (`ip route show default`, `ip -6 route show default`). */
  defaultRoutes: z.array(
    z.object({
      dev: ifname.nullable(),
      family: z.enum(['inet', 'inet6']),
      via: z.string().nullable(),
      /** "ra" for a route learned from a router advertisement; null when ip shows none. */
      proto: z.string().nullable().default(null),
    }),
  ),
  /** How netdevs stack: each link's master (bond, bridge, ovs-system) and lower device (VLAN, macvtap). */
  links: z.array(z.object({ name: ifname, master: ifname.nullable(), lower: ifname.nullable() })),
});

/** One NUMA node of the host (`/sys/devices/system/node/nodeN`). */
export const NumaNodeSchema = z.object({
  id: z.number().int().nonnegative(),
  /** The node's CPUs (`cpulist`); empty for a node with memory only; null when it could not be read. */
  cpus: z.array(z.number().int().nonnegative()).nullable(),
  /**
   * The socket (`physical_package_id`) of the node's CPUs; null when the node has no CPUs, one
   * of them has no readable topology, or they are not all on the same socket.
   */
  socket: z.number().int().nonnegative().nullable(),
  /** Huge pages of each size on this node (`hugepages/hugepages-<size>kB`), smallest size first. */
  hugepages: z.array(
    z.object({
      sizeKb: z.number().int().positive(),
      /** `nr_hugepages`; null when it could not be read. */
      total: z.number().int().nonnegative().nullable(),
      /** `free_hugepages`; null when it could not be read. */
      free: z.number().int().nonnegative().nullable(),
    }),
  ),
});

export const NumaSchema = z.object({ nodes: z.array(NumaNodeSchema) });

export const IniSectionSchema = z.record(z.string(), z.array(z.string()));

/**
 * The options the collector keeps from one oslo.config file: section (lowercase, as oslo.config
 * compares them) → option → values as written (quotes kept; repeated options accumulate).
 */
export const IniFileSchema = z.object({
  path: z.string(),
  sections: z.record(z.string(), IniSectionSchema),
});

/** What OSA left on the host: its release file and its virtualenvs. */
export const OsaSchema = z.object({
  /** `/etc/openstack-release` (OSA's openstack_hosts role writes it); null when the file is absent. */
  release: z
    .object({
      path: z.string(),
      /** DISTRIB_ID: "OSA" */
      id: z.string().nullable(),
      /** DISTRIB_RELEASE: the OSA version, e.g. "18.1.6" (Rocky) */
      release: z.string().nullable(),
      /** DISTRIB_CODENAME: e.g. "Rocky" */
      codename: z.string().nullable(),
      /** DISTRIB_DESCRIPTION: "OpenStack-Ansible" */
      description: z.string().nullable(),
    })
    .nullable(),
  /** Directory names under `/openstack/venvs` ("nova-18.1.6"); null when there is no such directory. */
  venvs: z.array(z.string()).nullable(),
});

/** The deployed Neutron settings that SR-IOV depends on (an allow-list of options; see docs/host-facts.md). */
export const NeutronConfigSchema = z.object({
  ml2: IniFileSchema.nullable(),
  sriovAgent: IniFileSchema.nullable(),
  openvswitchAgent: IniFileSchema.nullable(),
  linuxbridgeAgent: IniFileSchema.nullable(),
});

export const HostFactsSchema = z.object({
  schema: z.literal(HOST_FACTS_SCHEMA),
  source: z.object({
    kind: z.enum(['snapshot', 'pasted']),
    collector: z.string().nullable(),
    collectedAt: z.string().nullable(),
    /** Who took it: the fleet playbook writes "ansible <controller> <inventory_hostname>". */
    origin: z.string().nullable().default(null),
  }),
  hostname: named('host name', reportedHostnameProblem).nullable(),
  kernel: z.object({ release: z.string().nullable(), cmdline: z.string().nullable() }),
  cpu: z.object({
    vendor: z.string().nullable(),
    virtualization: z.enum(['vmx', 'svm']).nullable(),
  }),
  iommu: z.object({
    /** An IOMMU unit is registered and devices were put in groups; null when not collected. */
    enabled: z.boolean().nullable(),
    units: z.array(z.string()).nullable(),
    cmdline: z.array(z.string()).nullable(),
    groups: z.number().int().nonnegative().nullable(),
  }),
  pfs: z.array(PfSchema),
  otherNics: z.array(OtherNicSchema),
  /** null when not collected (older snapshots, pasted outputs). */
  network: NetworkSchema.nullable().default(null),
  persistence: z
    .object({
      evidence: z.array(PersistenceEvidenceSchema),
      filesSearched: z.number().int().nonnegative(),
    })
    .nullable(),
  neutronSriovAgent: z.object({ path: z.string(), sriovNic: IniSectionSchema }).nullable(),
  nova: z
    .object({
      path: z.string(),
      host: z.string().nullable(),
      pci: IniSectionSchema,
      filterScheduler: IniSectionSchema,
    })
    .nullable(),
  /** null when not collected (snapshots before `collect.sh 3`, pasted outputs). Optional on input. */
  osa: OsaSchema.nullable().default(null),
  /** null when not collected (snapshots before `collect.sh 3`, pasted outputs). Optional on input. */
  neutron: NeutronConfigSchema.nullable().default(null),
  /** null when not collected (snapshots before NUMA records, pasted outputs, kernels without NUMA). Optional on input. */
  numa: NumaSchema.nullable().default(null),
  tools: z.object({
    ip: z.boolean().nullable(),
    ipJson: z.boolean().nullable(),
    ethtool: z.boolean().nullable(),
    lspci: z.boolean().nullable(),
  }),
});

export type HostFacts = z.infer<typeof HostFactsSchema>;
export type Pf = z.infer<typeof PfSchema>;
export type Vf = z.infer<typeof VfSchema>;
export type Master = z.infer<typeof MasterSchema>;
export type LinkState = z.infer<typeof LinkStateSchema>;
export type SriovCapability = z.infer<typeof SriovCapabilitySchema>;
export type OtherNic = z.infer<typeof OtherNicSchema>;
export type PersistenceEvidence = z.infer<typeof PersistenceEvidenceSchema>;
export type HostNetwork = z.infer<typeof NetworkSchema>;
export type IniFile = z.infer<typeof IniFileSchema>;
export type OsaFacts = z.infer<typeof OsaSchema>;
export type NeutronConfig = z.infer<typeof NeutronConfigSchema>;
export type NumaFacts = z.infer<typeof NumaSchema>;
export type NumaNode = z.infer<typeof NumaNodeSchema>;

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2})*$/;
/** Interface names already accepted: a fleet's VFs repeat the same few hundred names. */
const acceptedIfnames = new Set<string>();

function isIfname(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (acceptedIfnames.has(v)) return true;
  if (kernelIfnameProblem(v) !== null) return false;
  if (acceptedIfnames.size > 100_000) acceptedIfnames.clear();
  acceptedIfnames.add(v);
  return true;
}

const count = (v: unknown) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0);
const flag = (v: unknown) => v === null || typeof v === 'boolean';

/**
 * Whether VfSchema accepts this VF, decided without zod: a host has hundreds of VFs and
 * parsing each through the schema costs more than building it. It accepts no VF that the
 * schema refuses (test/unit/facts-schema.test.ts compares both on altered VFs); a VF it
 * refuses is checked by the schema itself, which says why.
 */
export function isValidVf(v: Vf): boolean {
  return (
    Number.isSafeInteger(v.index) &&
    v.index >= 0 &&
    (v.pciAddress === null || (typeof v.pciAddress === 'string' && PCI_ADDRESS.test(v.pciAddress))) &&
    (v.driver === null || typeof v.driver === 'string') &&
    (v.netdev === null || isIfname(v.netdev)) &&
    (v.mac === null || (typeof v.mac === 'string' && MAC.test(v.mac))) &&
    count(v.vlan) &&
    count(v.qos) &&
    flag(v.spoofCheck) &&
    flag(v.trust) &&
    (v.linkState === null ||
      v.linkState === 'auto' ||
      v.linkState === 'enable' ||
      v.linkState === 'disable') &&
    count(v.maxTxRateMbps) &&
    count(v.minTxRateMbps) &&
    count(v.iommuGroup) &&
    Array.isArray(v.uppers) &&
    v.uppers.every(isIfname)
  );
}
