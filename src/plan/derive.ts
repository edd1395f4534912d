// From an intent, the deployment's inventory and the hosts' facts: per host, which PFs serve
// which physnet with how many VFs, the agent mappings, and a Nova device_spec that selects
// those VFs by PCI address (never the PF, never a VF the host itself uses). Pure: no I/O.
import type { HostFacts, Pf, Vf } from '../facts/host-facts.js';
import { hostTrafficOn } from '../facts/host-traffic.js';
import { vfAddressFromCapability } from '../facts/parse-lspci.js';
import type { Inventory } from '../osa/inventory.js';
import type { Intent, IntentInterface, IntentLocation } from './intent.js';

export interface PlannedPf {
  physnet: string;
  pf: Pf;
  numVfs: number;
  trusted: boolean;
  /** VF addresses left out of Nova and the agent because the host uses them. */
  hostUsedVfs: string[];
}

export interface PlannedDeviceSpec {
  address: string;
  vendor_id: string;
  product_id: string;
  physical_network: string;
  trusted?: 'true';
}

export interface HostPlan {
  host: string;
  pfs: PlannedPf[];
  /** physnet → PF netdevs, as physical_device_mappings will say. */
  mappings: Record<string, string[]>;
  deviceSpec: PlannedDeviceSpec[];
  /** neutron_sriov_excluded_devices value ("pf:vf;vf,pf2:vf"), or "" when none. */
  excludedDevices: string;
}

export interface PlanProblem {
  message: string;
  location: IntentLocation;
  host?: string;
}

const where = (l: IntentLocation) => `${l.file}:${l.line}:${l.column}`;

/** Why a PF cannot be given to SR-IOV on this host, whatever the intent says; null when it can. */
function unfitForSriov(pf: Pf, facts: HostFacts, managementAddress: string | null): string | null {
  if (pf.master?.kind === 'bond')
    return `is a slave of bond ${pf.master.name}: VFs bypass the bond (no LAG, no failover)`;
  const traffic =
    pf.netdev && facts.network ? hostTrafficOn(facts.network, pf.netdev, managementAddress) : null;
  if (traffic)
    return `carries this host's own traffic (${traffic.carried.join(', ')}${traffic.stack.length > 1 ? `; ${traffic.stack.join(' → ')}` : ''}): writing sriov_numvfs resets the PF on most drivers, so creating VFs cuts the host off the network (SRIOV-HOST-007)`;
  return null;
}

/** The host's PFs SR-IOV could use instead (with VFs, in no bond, carrying no host traffic). */
function alternativesTo(pf: Pf, facts: HostFacts, managementAddress: string | null): string {
  const fit = facts.pfs.filter(
    (p) => p !== pf && (p.totalVfs ?? 0) > 0 && unfitForSriov(p, facts, managementAddress) === null,
  );
  return fit.length > 0
    ? `give SR-IOV another PF of this host: ${fit.map((p) => `${p.netdev ?? '-'} (${p.pciAddress})`).join(', ')}`
    : 'this host has no other PF fit for SR-IOV: move its own traffic off this PF first, or leave the host out';
}

export interface DerivedPlan {
  hosts: HostPlan[];
  problems: PlanProblem[];
  /** What could not be judged from the facts (printed with the plan's notes). */
  notes?: string[];
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** The physical hosts a selector names: a group, a host, or a glob over host names. */
export function selectHosts(inventory: Inventory, selector: string): string[] {
  const physical = [...inventory.hosts.values()].filter((h) => !h.isContainer);
  const byName = physical.filter((h) => h.name === selector);
  if (byName.length > 0) return byName.map((h) => h.name);
  const byGroup = physical.filter((h) => h.groups.includes(selector) || h.directGroups.has(selector));
  if (byGroup.length > 0) return byGroup.map((h) => h.name);
  if (/[*?[]/.test(selector)) {
    const re = globToRegExp(selector);
    return physical.filter((h) => re.test(h.name)).map((h) => h.name);
  }
  return [];
}

function describeInterface(i: IntentInterface): string {
  if (typeof i === 'string') return i;
  if ('pciAddress' in i) return i.pciAddress;
  return `${i.vendorId}:${i.deviceId}`;
}

function resolveInterface(facts: HostFacts, i: IntentInterface): Pf[] {
  if (typeof i === 'string') return facts.pfs.filter((p) => p.netdev === i || p.altnames.includes(i));
  if ('pciAddress' in i) return facts.pfs.filter((p) => p.pciAddress === i.pciAddress.toLowerCase());
  return facts.pfs.filter(
    (p) => p.vendorId === i.vendorId.toLowerCase() && p.deviceId === i.deviceId.toLowerCase(),
  );
}

/** A VF the host uses itself: its netdev is enslaved, stacked on, or carries an address. */
function hostUses(facts: HostFacts, vf: Vf): boolean {
  if (!vf.netdev) return false;
  if (vf.uppers.some((u) => !u.startsWith('macvtap'))) return true;
  const net = facts.network;
  if (!net) return false;
  const link = net.links.find((l) => l.name === vf.netdev);
  if (link?.master) return true;
  if (net.links.some((l) => l.lower === vf.netdev && !l.name.startsWith('macvtap'))) return true;
  return net.addresses.some((a) => a.dev === vf.netdev && a.scope === 'global');
}

/** The addresses the PF's first n VFs will have (existing VFs first, then the capability's rule). */
export function plannedVfAddresses(pf: Pf, n: number): Array<string | null> {
  const out: Array<string | null> = [];
  const cap = pf.sriovCapability;
  for (let i = 0; i < n; i++) {
    const existing = pf.vfs.find((v) => v.index === i)?.pciAddress ?? null;
    out.push(
      existing ??
        (pf.pciAddress && cap && cap.vfOffset !== null && cap.vfStride !== null
          ? vfAddressFromCapability(pf.pciAddress, cap.vfOffset, cap.vfStride, i)
          : null),
    );
  }
  return out;
}

export function derivePlan(
  intent: Intent,
  inventory: Inventory,
  factsByHost: ReadonlyMap<string, HostFacts>,
): DerivedPlan {
  const problems: PlanProblem[] = [];
  const plans = new Map<string, HostPlan>();
  const owner = new Map<string, { physnet: string; path: Array<string | number>; at: IntentLocation }>();
  intent.physnets.forEach((physnet, pi) => {
    for (const [selector, spec] of Object.entries(physnet.hosts)) {
      const base = ['physnets', pi, 'hosts', selector];
      const hosts = selectHosts(inventory, selector);
      if (hosts.length === 0) {
        problems.push({
          message: `"${selector}" is no host, group or glob of this inventory`,
          location: intent.at(base),
        });
        continue;
      }
      for (const host of hosts) {
        const facts = factsByHost.get(host);
        if (!facts) {
          problems.push({
            host,
            message: `no facts for ${host}: the plan needs its PFs' PCI addresses and VF ids (collect them with osa-sriov collect)`,
            location: intent.at(base),
          });
          continue;
        }
        const plan = plans.get(host) ?? {
          host,
          pfs: [],
          mappings: {},
          deviceSpec: [],
          excludedDevices: '',
        };
        plans.set(host, plan);
        const managementAddress = inventory.hosts.get(host)?.address ?? null;
        spec.interfaces.forEach((iface, ii) => {
          const path = [...base, 'interfaces', ii];
          const at = intent.at(path);
          const found = resolveInterface(facts, iface);
          if (found.length === 0) {
            problems.push({
              host,
              message: `${host} has no SR-IOV PF ${describeInterface(iface)} (its PFs: ${facts.pfs.map((p) => `${p.netdev ?? '-'} ${p.pciAddress}`).join(', ') || 'none'})`,
              location: at,
            });
            return;
          }
          for (const pf of found) {
            const label = `${pf.netdev ?? pf.pciAddress} on ${host}`;
            const key = `${host}/${pf.pciAddress}`;
            const prev = owner.get(key);
            if (prev && prev.physnet !== physnet.name) {
              problems.push({
                host,
                message: `${label} is given to two physnets (${prev.physnet} and ${physnet.name}): one PF serves one physnet`,
                location: at,
              });
              continue;
            }
            if (prev) {
              // Two selectors of one physnet pick this PF: which numVfs/trusted wins would be a guess.
              const twice = `${label} is selected twice for ${physnet.name}`;
              problems.push(
                { host, message: `${twice}: also at ${where(at)}; select each PF once`, location: prev.at },
                { host, message: `${twice}: also at ${where(prev.at)}; select each PF once`, location: at },
              );
              continue;
            }
            owner.set(key, { physnet: physnet.name, path, at });
            const unfit = unfitForSriov(pf, facts, managementAddress);
            if (unfit) {
              problems.push({
                host,
                message: `${label} ${unfit}; ${alternativesTo(pf, facts, managementAddress)}`,
                location: at,
              });
              continue;
            }
            if ((pf.totalVfs ?? 0) < spec.numVfs) {
              problems.push({
                host,
                message: `${label} supports ${pf.totalVfs ?? 0} VFs (sriov_totalvfs), not ${spec.numVfs}`,
                location: intent.at([...base, 'numVfs']),
              });
              continue;
            }
            if (!pf.netdev || !pf.pciAddress || !pf.vendorId || !pf.vfDeviceId) {
              problems.push({
                host,
                message: `${label}: the facts lack its netdev, PCI address or VF device id, which the plan needs`,
                location: at,
              });
              continue;
            }
            const used = pf.vfs.filter((v) => v.index < spec.numVfs && hostUses(facts, v));
            if (used.length >= spec.numVfs) {
              problems.push({
                host,
                message: `${label}: the host itself uses ${used.length === 1 ? 'its VF' : `all ${used.length} VFs`} among the first ${spec.numVfs} (${used.map((v) => v.netdev ?? v.pciAddress).join(', ')}), so none would be left for instances: raise numVfs above ${used.length}`,
                location: intent.at([...base, 'numVfs']),
              });
              continue;
            }
            plan.pfs.push({
              physnet: physnet.name,
              pf,
              numVfs: spec.numVfs,
              trusted: spec.trusted,
              hostUsedVfs: used.map((v) => v.pciAddress).filter((a): a is string => a !== null),
            });
          }
        });
      }
    }
  });
  for (const plan of plans.values()) {
    const excluded: string[] = [];
    for (const p of plan.pfs) {
      const netdev = p.pf.netdev!;
      plan.mappings[p.physnet] = [...(plan.mappings[p.physnet] ?? []), netdev];
      const tags = { physical_network: p.physnet, ...(p.trusted ? { trusted: 'true' as const } : {}) };
      const ids = { vendor_id: p.pf.vendorId!, product_id: p.pf.vfDeviceId! };
      // The PF address with the VF product id selects exactly its VFs, unless a VF has the
      // PF's own id or the host uses some VFs: then list the VFs one by one.
      if (p.hostUsedVfs.length === 0 && p.pf.vfDeviceId !== p.pf.deviceId) {
        plan.deviceSpec.push({ address: p.pf.pciAddress!, ...ids, ...tags });
      } else {
        for (const a of plannedVfAddresses(p.pf, p.numVfs)) {
          if (a && !p.hostUsedVfs.includes(a)) plan.deviceSpec.push({ address: a, ...ids, ...tags });
        }
      }
      if (p.hostUsedVfs.length > 0) excluded.push(`${netdev}:${p.hostUsedVfs.join(';')}`);
    }
    plan.excludedDevices = excluded.join(',');
  }
  const hosts = [...plans.values()].filter((p) => p.pfs.length > 0);
  // Pasted outputs and old collectors have no addresses or routes: host traffic is unknown.
  const blind = hosts.filter((h) => factsByHost.get(h.host)?.network === null).map((h) => h.host);
  const notes =
    blind.length > 0
      ? [
          `the facts of ${blind.join(', ')} have no network data (addresses, routes, bridges): plan could not check that the planned PFs carry none of the host's own traffic; collect them again with osa-sriov collect`,
        ]
      : [];
  return { hosts, problems, notes };
}

/**
 * The hosts' facts as they will be once the host setup has run: each planned PF with its
 * planned VF count, new VFs at the addresses the SR-IOV capability gives them.
 */
export function projectFacts(
  plan: DerivedPlan,
  facts: ReadonlyMap<string, HostFacts>,
): Map<string, HostFacts> {
  const out = new Map(facts);
  for (const h of plan.hosts) {
    const f = facts.get(h.host);
    if (!f) continue;
    const pfs = f.pfs.map((pf) => {
      const p = h.pfs.find((x) => x.pf.pciAddress === pf.pciAddress);
      if (!p) return pf;
      const addresses = plannedVfAddresses(pf, p.numVfs);
      const vfs: Vf[] = addresses.map(
        (pciAddress, index) =>
          pf.vfs.find((v) => v.index === index) ?? {
            index,
            pciAddress,
            driver: null,
            netdev: null,
            mac: null,
            vlan: null,
            qos: null,
            spoofCheck: null,
            trust: null,
            linkState: null,
            maxTxRateMbps: null,
            minTxRateMbps: null,
            iommuGroup: null,
            uppers: [],
          },
      );
      return {
        ...pf,
        numVfs: p.numVfs,
        vfs,
        sriovCapability: pf.sriovCapability ? { ...pf.sriovCapability, numVfs: p.numVfs } : null,
      };
    });
    out.set(h.host, { ...f, pfs });
  }
  return out;
}
