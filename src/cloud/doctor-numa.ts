// doctor: a server in ERROR with "No valid host" whose flavor or image gives it a NUMA topology,
// explained per candidate host by running `fit`'s emulation of Nova (src/cloud/fit.ts) on what the
// cloud, the deployment and the facts say now. Nova logs which filter refused a host only at
// DEBUG and the API says nothing, so the explanation is a reconstruction: it says so.
import type { CheckContext } from '../deployment/context.js';
import { policySourceText, type ServerAsk } from '../openstack/nova-fit.js';
import { NovaNumaError, serverNumaTopology } from '../openstack/nova-numa-request.js';
import { NUMA_AFFINITY_POLICIES, type NumaAffinityPolicy } from '../openstack/nova-pci-match.js';
import { devspecOffers } from './capacity.js';
import { fitServer, PORT_POLICY_NOTE, portNumaPolicyStored, refusedServices, usedFromCloud } from './fit.js';
import { type CloudPort, type CloudServer, type CloudSnapshot, EmbeddedFlavorSchema } from './types.js';

export interface NumaExplanation {
  why: string[];
  evidence: string[];
  fix: string | null;
}

const policyOf = (p: CloudPort | undefined): NumaAffinityPolicy | null => {
  const v = (p as Record<string, unknown> | undefined)?.numa_affinity_policy;
  return typeof v === 'string' && (NUMA_AFFINITY_POLICIES as readonly string[]).includes(v)
    ? (v as NumaAffinityPolicy)
    : null;
};

/** Whether the flavor embedded in the server gives it a NUMA topology (image properties aside). */
export function hasNumaTopology(server: CloudServer): boolean {
  const embedded = EmbeddedFlavorSchema.safeParse((server as Record<string, unknown>).flavor);
  if (!embedded.success) return false;
  try {
    return serverNumaTopology({ vcpus: embedded.data.vcpus, extraSpecs: embedded.data.extra_specs }) !== null;
  } catch (e) {
    if (e instanceof NovaNumaError) return false;
    throw e;
  }
}

/**
 * The NUMA side of a "No valid host": null when the server has no NUMA topology (or its flavor is
 * not embedded: a Nova older than microversion 2.47), so NUMA filtering played no part.
 */
export function explainNumaRefusal(
  server: CloudServer,
  cloud: CloudSnapshot,
  deploy: CheckContext | null,
  opts: {
    /** The image's properties, when the image could be read. */
    image: Record<string, unknown> | null;
    /** The server's SR-IOV ports still attached, per physnet; empty when they are no longer known. */
    portsPerPhysnet: ReadonlyMap<string, number>;
    ports: readonly CloudPort[];
  },
): NumaExplanation | null {
  const embedded = EmbeddedFlavorSchema.safeParse((server as Record<string, unknown>).flavor);
  if (!embedded.success) return null;
  const flavor = { vcpus: embedded.data.vcpus, extraSpecs: embedded.data.extra_specs };
  const image = opts.image ?? {};
  let topology: ReturnType<typeof serverNumaTopology>;
  try {
    topology = serverNumaTopology(flavor, image);
  } catch (e) {
    if (e instanceof NovaNumaError) return null; // Nova would have refused it at the API.
    throw e;
  }
  if (topology === null) return null;
  const flavorName = embedded.data.original_name ?? '(flavor)';
  const why = [
    `it has a NUMA topology (${topology.because.join(', ')}; flavor ${flavorName}), so Nova gave it only PCI devices its NUMA policy allows; Nova does not say which filter refused each host: the per-host explanation below is reconstructed by osa-sriov from the cloud, the deployment and the facts as they are now`,
  ];
  if (opts.image === null)
    why.push("its image's properties could not be read: a hw_* property of the image may change this");
  if (!deploy)
    return {
      why: [...why, 'give --deploy and --facts to explain it host by host (free VFs per NUMA node)'],
      evidence: [],
      fix: `see osa-sriov fit --flavor ${flavorName} --physnet PHYSNET --deploy DIR --facts DIR, or give a flavor without NUMA topology`,
    };
  const notes: string[] = [];
  const offers = devspecOffers(deploy, notes);
  const known = opts.portsPerPhysnet.size > 0;
  const physnets = known
    ? [...opts.portsPerPhysnet.keys()].sort()
    : [...new Set(offers.flatMap((o) => o.physnets))].sort();
  const portPolicy = policyOf(opts.ports[0]);
  const stored = portNumaPolicyStored(cloud);
  const evidence: string[] = [];
  let fix: string | null = null;
  for (const physnet of physnets) {
    const ask: ServerAsk = {
      flavor,
      image,
      physnet,
      ports: opts.portsPerPhysnet.get(physnet) ?? 1,
      vnicType: 'direct',
      portPolicy,
    };
    let r: ReturnType<typeof fitServer>;
    try {
      r = fitServer(ask, {
        offers,
        source: 'device_spec',
        usage: 'cloud',
        usedOn: usedFromCloud(offers, cloud),
        refused: refusedServices(cloud, offers),
        flavorName,
        imageName: null,
        portPolicyExtension: stored,
      });
    } catch (e) {
      if (e instanceof NovaNumaError) return null;
      throw e;
    }
    const head = known ? physnet : `if its port was on ${physnet}`;
    evidence.push(
      `${head}: policy ${r.policy.policy} from ${policySourceText(r.policy)}${stored === false ? ' (a port policy is impossible here: the port_numa_affinity_policy extension driver is not enabled)' : ''}; fits now on ${r.fits.length > 0 ? r.fits.join(', ') : 'no host'}`,
    );
    for (const h of r.hosts) {
      const free = h.freePerNode
        .map((x) => `${x.node === null ? 'node ?' : `node ${x.node}`}: ${x.free}`)
        .join(', ');
      evidence.push(
        `  ${h.host}: ${h.verdict === 'fits' ? 'fits now' : h.verdict === 'no' ? 'refused' : 'unknown'}${free ? ` (free VFs ${free})` : ''}${h.reasons.length > 0 ? `: ${h.reasons.join('; ')}` : ''}`,
      );
      for (const m of h.remedies) evidence.push(`    would fit with: ${m}`);
      if (!fix && h.verdict === 'no' && h.remedies.length > 0)
        fix = `on ${h.host}, for ${physnet}: ${h.remedies[0]}${h.remedies.length > 1 ? ' (the evidence lists the other ways)' : ''}; then delete the server and create it again`;
    }
  }
  if (portPolicy !== null && stored !== true) why.push(PORT_POLICY_NOTE);
  return { why, evidence, fix };
}
