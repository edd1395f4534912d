// Does a server get a NUMA topology, and which PCI NUMA affinity policy applies to its SR-IOV
// ports? nova/virt/hardware.py (Zed) numa_get_constraints and get_pci_numa_policy_constraint, and
// nova/network/neutron.py create_resource_requests (the port's policy wins). Only a server with a
// NUMA topology has its PCI devices filtered by NUMA node (nova/pci/stats.py).
import { NUMA_AFFINITY_POLICIES, type NumaAffinityPolicy } from './nova-pci-match.js';

/** An exception Nova raises for this flavor/image (the API refuses the server with it). */
export class NovaNumaError extends Error {
  constructor(
    readonly pyClass: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FlavorNumaInput {
  vcpus: number;
  /** The flavor's extra specs (values are strings in Nova). */
  extraSpecs: Readonly<Record<string, string>>;
}

/** An image's properties (values as the Image API returns them). */
export type ImageProperties = Readonly<Record<string, unknown>>;

export interface ServerNumaTopology {
  /** The number of NUMA cells the server gets (hw:numa_nodes, else 1). */
  cells: number;
  /** The properties that gave it a NUMA topology, e.g. "hw:cpu_policy=dedicated (flavor)". */
  because: string[];
}

const CPU_POLICIES = ['dedicated', 'shared', 'mixed'] as const;
const THREAD_POLICIES = ['prefer', 'isolate', 'require'] as const;
const pyTuple = (xs: readonly string[]) => `(${xs.map((x) => `'${x}'`).join(', ')})`;

function flavorImage(key: string, flavor: FlavorNumaInput, image: ImageProperties): [unknown, unknown] {
  return [flavor.extraSpecs[`hw:${key}`], image[`hw_${key}`]];
}

/** Python truthiness of a flavor or image value. */
const set = (v: unknown) => v !== undefined && v !== null && v !== '' && v !== 0 && v !== false;

/** get_cpu_policy_constraint */
function cpuPolicy(flavor: FlavorNumaInput, image: ImageProperties): string | null {
  const [f, i] = flavorImage('cpu_policy', flavor, image);
  for (const [v, source] of [
    [f, 'flavor extra specs'],
    [i, 'image properties'],
  ] as const) {
    if (set(v) && !CPU_POLICIES.includes(v as (typeof CPU_POLICIES)[number]))
      throw new NovaNumaError(
        'InvalidCPUAllocationPolicy',
        `CPU policy requested from '${source}' is invalid, given: '${String(v)}', available: '${pyTuple(CPU_POLICIES)}'.`,
      );
  }
  const pinningForbidden = () =>
    new NovaNumaError(
      'ImageCPUPinningForbidden',
      "Image property 'hw_cpu_policy' is not permitted to override CPU pinning policy set against the flavor",
    );
  if (f === 'dedicated') return 'dedicated';
  if (f === 'mixed') {
    if (i === 'dedicated') throw pinningForbidden();
    return 'mixed';
  }
  if (f === 'shared') {
    if (i === 'mixed' || i === 'dedicated') throw pinningForbidden();
    return 'shared';
  }
  return CPU_POLICIES.includes(i as (typeof CPU_POLICIES)[number]) ? (i as string) : null;
}

/** get_cpu_thread_policy_constraint */
function cpuThreadPolicy(flavor: FlavorNumaInput, image: ImageProperties): string | null {
  const [f, i] = flavorImage('cpu_thread_policy', flavor, image);
  for (const [v, source] of [
    [f, 'flavor extra specs'],
    [i, 'image properties'],
  ] as const) {
    if (set(v) && !THREAD_POLICIES.includes(v as (typeof THREAD_POLICIES)[number]))
      throw new NovaNumaError(
        'InvalidCPUThreadAllocationPolicy',
        `CPU thread policy requested from '${source}' is invalid, given: '${String(v)}', available: '${pyTuple(THREAD_POLICIES)}'.`,
      );
  }
  if (!set(f) || f === 'prefer') return set(f) ? (f as string) : set(i) ? (i as string) : null;
  if (set(i) && i !== f)
    throw new NovaNumaError(
      'ImageCPUThreadPolicyForbidden',
      "Image property 'hw_cpu_thread_policy' is not permitted to override CPU thread pinning policy set against the flavor",
    );
  return f as string;
}

/** _get_vcpu_pcpu_resources: resources[N]:VCPU / resources[N]:PCPU extra specs. */
function vcpuPcpuResources(flavor: FlavorNumaInput): [number, number] {
  let vcpu = 0;
  let pcpu = 0;
  for (const [k, v] of Object.entries(flavor.extraSpecs)) {
    const n = /^-?\d+$/.test(v.trim()) ? Number.parseInt(v, 10) : null;
    if (n === null) continue;
    if (/^resources([1-9][0-9]*)?:VCPU/.test(k)) vcpu += n;
    if (/^resources([1-9][0-9]*)?:PCPU/.test(k)) pcpu += n;
  }
  return [vcpu, pcpu];
}

/** _get_numa_node_count_constraint */
function numaNodes(flavor: FlavorNumaInput, image: ImageProperties): number | null {
  const [f, i] = flavorImage('numa_nodes', flavor, image);
  if (set(f) && set(i))
    throw new NovaNumaError(
      'ImageNUMATopologyForbidden',
      "Image property 'hw_numa_nodes' is not permitted to override NUMA configuration set against the flavor",
    );
  const nodes = set(f) ? f : i;
  if (nodes === undefined || nodes === null) return null;
  const text = String(nodes).trim();
  if (!/^[-+]?\d+$/.test(text) || Number.parseInt(text, 10) < 1)
    throw new NovaNumaError(
      'InvalidNUMANodesNumber',
      `The property 'numa_nodes' cannot be '${String(nodes)}'. It must be a number greater than 0`,
    );
  return Number.parseInt(text, 10);
}

/** _get_numa_pagesize_constraint: only whether a page size is asked for (any value is one). */
function pageSize(flavor: FlavorNumaInput, image: ImageProperties): string | null {
  const [f, i] = flavorImage('mem_page_size', flavor, image);
  const forbidden = (against: string) =>
    new NovaNumaError('MemoryPageSizeForbidden', `Page size ${String(i)} forbidden against '${against}'`);
  if (!set(f) && set(i)) throw forbidden('<empty>');
  if (!set(f)) return null;
  const valid = (x: string) =>
    ['any', 'large', 'small'].includes(x) || /^\d+$/.test(x) || /^\d+(\.\d+)?\s*[KMGT]i?B?$/i.test(x);
  if (!valid(String(f)))
    throw new NovaNumaError('MemoryPageSizeInvalid', `Invalid memory page size '${String(f)}'`);
  if (set(i)) {
    if (f !== 'any' && f !== 'large') throw forbidden(String(f));
    if (!valid(String(i)))
      throw new NovaNumaError('MemoryPageSizeInvalid', `Invalid memory page size '${String(i)}'`);
  }
  return String(f);
}

/**
 * numa_get_constraints, reduced to what decides PCI NUMA filtering: null when the server has no
 * NUMA topology; else its cell count and the properties that gave it one. Throws NovaNumaError
 * where Nova refuses the flavor/image combination (the server is never created).
 */
export function serverNumaTopology(
  flavor: FlavorNumaInput,
  image: ImageProperties = {},
): ServerNumaTopology | null {
  let policy = cpuPolicy(flavor, image);
  const threadPolicy = cpuThreadPolicy(flavor, image);
  const dedicatedMask = set(flavor.extraSpecs['hw:cpu_dedicated_mask']);
  const realtime = set(flavor.extraSpecs['hw:cpu_realtime']) || set(image.hw_cpu_realtime);
  const emulatorIsolate = flavor.extraSpecs['hw:emulator_threads_policy'] === 'isolate';
  const [vcpus, pcpus] = vcpuPcpuResources(flavor);
  const because: string[] = [];
  if (policy && (vcpus || pcpus))
    throw new NovaNumaError(
      'InvalidRequest',
      "It is not possible to use the 'resources:VCPU' or 'resources:PCPU' extra specs in combination with the 'hw:cpu_policy' extra spec or 'hw_cpu_policy' image metadata property; use one or the other",
    );
  if (vcpus && pcpus)
    throw new NovaNumaError(
      'InvalidRequest',
      "It is not possible to specify both 'resources:VCPU' and 'resources:PCPU' extra specs; use one or the other",
    );
  if (pcpus) {
    if (emulatorIsolate && flavor.vcpus + 1 !== pcpus)
      throw new NovaNumaError(
        'InvalidRequest',
        "You have requested 'hw:emulator_threads_policy=isolate' but have not requested sufficient PCPUs to handle this policy; you must allocate exactly flavor.vcpus + 1 PCPUs.",
      );
    if (!emulatorIsolate && flavor.vcpus !== pcpus)
      throw new NovaNumaError(
        'InvalidRequest',
        "There is a mismatch between the number of PCPUs requested via 'resourcesNN:PCPU' and the flavor); you must allocate exactly flavor.vcpus PCPUs",
      );
    policy = 'dedicated';
    because.push(`resources:PCPU=${pcpus} (flavor)`);
  }
  if (vcpus) policy = 'shared';
  if (policy === null || policy === 'shared') {
    if (threadPolicy)
      throw new NovaNumaError(
        'CPUThreadPolicyConfigurationInvalid',
        'Cannot set cpu thread pinning policy in a non dedicated cpu pinning policy',
      );
    if (emulatorIsolate)
      throw new NovaNumaError(
        'BadRequirementEmulatorThreadsPolicy',
        'An isolated CPU emulator threads option requires a dedicated CPU policy option.',
      );
    if (dedicatedMask)
      throw new NovaNumaError(
        'RequiredMixedInstancePolicy',
        "Cannot specify 'hw:cpu_dedicated_mask' without the 'mixed' policy.",
      );
    if (realtime)
      throw new NovaNumaError(
        'RealtimeConfigurationInvalid',
        'Cannot set realtime policy in a non dedicated cpu pinning policy',
      );
  } else if (policy === 'dedicated') {
    if (dedicatedMask)
      throw new NovaNumaError(
        'RequiredMixedInstancePolicy',
        "Cannot specify 'hw:cpu_dedicated_mask' without the 'mixed' policy.",
      );
  } else if (!(realtime || dedicatedMask) || (realtime && dedicatedMask)) {
    throw new NovaNumaError(
      'RequiredMixedOrRealtimeCPUMask',
      "Must specify either 'hw:cpu_realtime_mask' or 'hw:cpu_dedicated_mask' when using 'mixed' CPU policy instance.",
    );
  }
  const nodes = numaNodes(flavor, image);
  const pages = pageSize(flavor, image);
  const pmem = set(flavor.extraSpecs['hw:pmem']);
  if (policy === 'dedicated' || policy === 'mixed') {
    const [f] = flavorImage('cpu_policy', flavor, image);
    if (!pcpus)
      because.push(
        `${f === policy ? 'hw:cpu_policy' : 'hw_cpu_policy'}=${policy} (${f === policy ? 'flavor' : 'image'})`,
      );
  }
  if (nodes !== null) {
    const [f] = flavorImage('numa_nodes', flavor, image);
    because.push(set(f) ? `hw:numa_nodes=${nodes} (flavor)` : `hw_numa_nodes=${nodes} (image)`);
  }
  if (pages !== null) because.push(`hw:mem_page_size=${pages} (flavor)`);
  if (pmem) because.push(`hw:pmem=${flavor.extraSpecs['hw:pmem']} (flavor)`);
  if (because.length === 0) return null;
  return { cells: nodes ?? 1, because };
}

export interface PciNumaPolicy {
  policy: NumaAffinityPolicy;
  /** Where it came from: the port, the flavor, the image, or Nova's default. */
  source: 'port' | 'flavor' | 'image' | 'default';
}

/**
 * The policy of an SR-IOV port's PCI request: the port's numa_affinity_policy (only with Neutron's
 * port_numa_affinity_policy extension, which OSA does not enable by default), else the flavor's
 * hw:pci_numa_affinity_policy, else the image's hw_pci_numa_affinity_policy, else legacy.
 * get_pci_numa_policy_constraint refuses a flavor and an image that disagree, and unknown values.
 */
export function pciNumaPolicy(
  flavor: FlavorNumaInput,
  image: ImageProperties = {},
  portPolicy: string | null = null,
): PciNumaPolicy {
  const [f, i] = flavorImage('pci_numa_affinity_policy', flavor, image);
  if (set(f) && set(i) && f !== i)
    throw new NovaNumaError(
      'ImagePCINUMAPolicyForbidden',
      "Image property 'hw_pci_numa_affinity_policy' is not permitted to override the 'hw:pci_numa_affinity_policy' flavor extra spec.",
    );
  const asked = set(f) ? f : i;
  if (set(asked) && !NUMA_AFFINITY_POLICIES.includes(asked as NumaAffinityPolicy))
    throw new NovaNumaError(
      'InvalidPCINUMAAffinity',
      `Invalid PCI NUMA affinity configured: ${String(asked)}`,
    );
  if (portPolicy && NUMA_AFFINITY_POLICIES.includes(portPolicy as NumaAffinityPolicy))
    return { policy: portPolicy as NumaAffinityPolicy, source: 'port' };
  if (set(f)) return { policy: f as NumaAffinityPolicy, source: 'flavor' };
  if (set(i)) return { policy: i as NumaAffinityPolicy, source: 'image' };
  return { policy: 'legacy', source: 'default' };
}
