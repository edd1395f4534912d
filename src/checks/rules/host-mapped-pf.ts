import type { HostView } from '../../deployment/context.js';
import { neutronPlaybook } from '../../deployment/devspec-helpers.js';
import {
  factsLine,
  hostPfs,
  mappedDevices,
  mappingLocation,
  mappingText,
  pfLabel,
  type Resolved,
  resolveDevice,
  VIF_TIMEOUT,
  verdict,
} from '../../deployment/host-helpers.js';
import type { Pf } from '../../facts/host-facts.js';
import type { Severity } from '../finding.js';
import type { HostFinding, Rule } from '../rule.js';

/** The PFs whose VFs Nova offers on a physnet on this host (device_spec entries tagged with it). */
function novaPfsOn(h: HostView, physnet: string): Pf[] {
  return hostPfs(h)
    .filter((hp) =>
      hp.devspec.vfs.some(
        (e) => String(e.raw.physical_network ?? '').toLowerCase() === physnet.toLowerCase(),
      ),
    )
    .map((hp) => hp.pf);
}

/** The PFs other than `dev` whose VFs Nova offers on these physnets here. */
function offeredElsewhere(h: HostView, dev: string, physnets: readonly string[]): Pf[] {
  // PFs the agent itself maps on these physnets are managed: their ports do go ACTIVE.
  const served = new Set(servedBy(h, dev, physnets).map((pf) => pf.netdev));
  return [...new Set(physnets.flatMap((p) => novaPfsOn(h, p)))].filter(
    (pf) => pf.netdev !== dev && !served.has(pf.netdev),
  );
}

/** Other PFs of this host that the agent maps on the same physnets (they keep them working). */
function servedBy(h: HostView, dev: string, physnets: readonly string[]): Pf[] {
  const mappings = h.agent()?.mappings ?? {};
  const names = new Set(physnets.flatMap((p) => mappings[p] ?? []).filter((n) => n !== dev));
  return (h.facts?.pfs ?? []).filter(
    (pf) => pf.netdev !== null && names.has(pf.netdev) && (pf.numVfs ?? 0) > 0,
  );
}

/** What happens to instances when the agent manages no VF for these physnets on this host. */
function consequence(h: HostView, dev: string, physnets: readonly string[]): string {
  const offered = offeredElsewhere(h, dev, physnets);
  const nets = physnets.join(', ');
  if (offered.length > 0) {
    return `yet the agent still reports ${nets} in its device_mappings and Nova still offers the VFs of ${offered
      .map(pfLabel)
      .join(
        ', ',
      )} here (the device_spec selects them), so instances land here, Neutron binds their ports to this agent and they never go ACTIVE: ${VIF_TIMEOUT}`;
  }
  return `and Nova offers no VF on ${nets} here either, so this host gives no SR-IOV capacity on ${nets} (instances fail with "No valid host was found" when no other host has a free VF)`;
}

/** The PF the mapping most likely meant: the one the device_spec offers on the physnet, when only one is. */
function likelyPf(h: HostView, dev: string, physnets: readonly string[]): Pf | null {
  const mapped = new Set(Object.values(h.agent()?.mappings ?? {}).flat());
  const offered = offeredElsewhere(h, dev, physnets).filter((pf) => !pf.netdev || !mapped.has(pf.netdev));
  return offered.length === 1 ? offered[0]! : null;
}

function mappingFix(h: HostView, physnet: string, name: string, current: string | null): string {
  const v = h.agent()?.mappingsVar;
  const use = current
    ? `map ${current} instead of ${name}`
    : `map the PF's real netdev name instead of ${name}`;
  if (v === 'neutron_provider_networks')
    return `${use} in network_sriov_mappings of the hand-written neutron_provider_networks for ${h.name}, then re-run ${neutronPlaybook(h.release)}`;
  if (v && v !== 'provider_networks')
    return `${use} in ${v} (physical_device_mappings), then re-run ${neutronPlaybook(h.release)}`;
  return `${use}: sriov_host_interfaces of the provider_networks entry with net_name ${physnet} (openstack_user_config.yml; for one host only, a provider_networks copy in host_vars/${h.name}.yml or a reference_group entry), then re-run ${neutronPlaybook(h.release)}`;
}

interface Problem {
  severity: Severity;
  what: string;
  fix: string;
  evidence: string[];
}

function problemFor(h: HostView, dev: string, physnets: readonly string[], r: Resolved): Problem | null {
  const physnet = physnets[0]!;
  const subj = `${dev} (mapped to ${physnets.join(', ')})`;
  const skipped = `the SR-IOV agent manages no VF under ${dev} (it looks for /sys/class/net/${dev}/device and its virtfn* links)`;
  switch (r.kind) {
    case 'missing': {
      const served = servedBy(h, dev, physnets);
      if (!r.renamedTo && served.length > 0 && offeredElsewhere(h, dev, physnets).length === 0) {
        // "p1p1,p4p1" in one entry for computes that do not all have both NICs: the agent skips
        // the absent one and the other keeps the physnet working.
        return {
          severity: 'info',
          what: `${subj} does not exist on this host: the SR-IOV agent skips it, and ${physnets.join(', ')} is served here by ${served.map(pfLabel).join(', ')}, so ports work; harmless when the entry lists NICs that only other hosts have`,
          fix: `nothing to do unless ${dev} was meant to add capacity here; to keep the mappings exact, give this host its own list (a provider_networks copy in host_vars/${h.name}.yml or a reference_group entry)`,
          evidence: [`PFs on this host: ${h.facts!.pfs.map(pfLabel).join(', ') || 'none'}`],
        };
      }
      const likely = r.renamedTo ?? likelyPf(h, dev, physnets);
      const hint = r.renamedTo
        ? ` — the PF is probably ${pfLabel(r.renamedTo)} now (a driver or udev update added a name suffix)`
        : likely
          ? ` — the device_spec's PF on ${physnet} is ${pfLabel(likely)}, probably the one meant (renamed?)`
          : '';
      return {
        severity: 'error',
        what: `${subj} does not exist on this host${hint}: ${skipped.replace('manages no VF under', 'silently skips')}, ${consequence(h, dev, physnets)}`,
        fix: mappingFix(h, physnet, dev, likely?.netdev ?? null),
        evidence: [
          `PFs on this host: ${h.facts!.pfs.map(pfLabel).join(', ') || 'none'}`,
          ...(h.facts!.otherNics.length > 0
            ? [
                `other NICs: ${h.facts!.otherNics.map((n) => `${n.netdevs.join('/') || '-'} (${n.pciAddress})`).join(', ')}`,
              ]
            : []),
        ],
      };
    }
    case 'altname':
      return {
        severity: 'error',
        what: `${subj} is only an altname of ${pfLabel(r.pf)}: sysfs (/sys/class/net) knows the primary name alone, so ${skipped} — ${consequence(h, dev, physnets)}`,
        fix: mappingFix(h, physnet, dev, r.pf.netdev),
        evidence: [`${r.pf.netdev} altnames: ${r.pf.altnames.join(', ')}`],
      };
    case 'vf':
      return {
        severity: 'error',
        what: `${subj} is VF ${r.vf.index} of ${pfLabel(r.pf)}, not a PF: ${skipped} and finds none, ${consequence(h, dev, physnets)}`,
        fix: mappingFix(h, physnet, dev, r.pf.netdev),
        evidence: [
          `${dev}: VF ${r.vf.index} (${r.vf.pciAddress ?? 'no address'}, driver ${r.vf.driver ?? 'none'})`,
        ],
      };
    case 'master':
      return {
        severity: 'error',
        what: `${subj} is a ${r.masterKind === 'bond' ? 'bond' : r.masterKind === 'ovs' ? 'Open vSwitch device' : 'bridge'} over ${r.slaves
          .map(pfLabel)
          .join(', ')}, not a PF: it has no VFs, so ${skipped}; ${consequence(h, dev, physnets)}`,
        fix: likelyPf(h, dev, physnets)
          ? mappingFix(h, physnet, dev, likelyPf(h, dev, physnets)!.netdev)
          : mappingFix(h, physnet, dev, null).replace(
              "map the PF's real netdev name",
              `map one PF (${r.slaves.map((p) => p.netdev).join(' or ')}; see SRIOV-HOST-004 about bonded PFs)`,
            ),
        evidence: [`${r.slaves.map((p) => `${p.netdev} master ${r.masterKind} ${dev}`).join('; ')}`],
      };
    case 'other':
      return {
        severity: 'error',
        what: `${subj} is ${r.nic.pciAddress} (driver ${r.nic.driver ?? 'none'}), which is not SR-IOV capable (no sriov_totalvfs): the agent logs "Error reading sriov_numvfs file for device ${dev}, probably not supported by this device" and manages no VF on it, ${consequence(h, dev, physnets)}`,
        fix: likelyPf(h, dev, physnets)
          ? mappingFix(h, physnet, dev, likelyPf(h, dev, physnets)!.netdev)
          : mappingFix(h, physnet, dev, null).replace("the PF's real netdev name", 'an SR-IOV capable PF'),
        evidence: [
          `${dev}: PCI ${r.nic.pciAddress} ${r.nic.vendorId ?? '?'}:${r.nic.deviceId ?? '?'} driver ${r.nic.driver ?? 'none'}, not among the SR-IOV PFs`,
          `SR-IOV PFs on this host: ${h.facts!.pfs.map(pfLabel).join(', ') || 'none'}`,
        ],
      };
    case 'pf':
      return pfProblem(h, dev, subj, physnets, r.pf);
  }
}

function pfProblem(
  h: HostView,
  dev: string,
  subj: string,
  physnets: readonly string[],
  pf: Pf,
): Problem | null {
  const who = pf.pciAddress ? `${subj}, PF ${pf.pciAddress},` : subj;
  if (pf.totalVfs === 0) {
    return {
      severity: 'error',
      what: `${who} reports sriov_totalvfs 0: SR-IOV is disabled in the BIOS/UEFI or in the NIC's firmware, so it can have no VFs (the agent logs "Device ${dev} has 0 VFs configured"), ${consequence(h, dev, physnets)}`,
      fix: `enable SR-IOV in the BIOS/UEFI setup (and in the NIC firmware, e.g. mlxconfig SRIOV_EN=1 NUM_OF_VFS=N for Mellanox), reboot, or map another PF`,
      evidence: [`${dev} (${pf.pciAddress ?? '?'}): sriov_totalvfs 0`],
    };
  }
  const down = verdict(h.facts!, pf, 'pf.link-down');
  if (!down || pf.operState === null) return null;
  const link = `operstate ${pf.operState}, carrier ${pf.carrier === null ? 'unreadable' : pf.carrier ? '1' : '0'}`;
  if (pf.carrier === false) {
    return {
      severity: 'warning',
      what: `${who} has no link (${link}): the cable, transceiver or switch port is down. VFs follow their PF's link (link-state auto), so instances boot but their direct ports carry no traffic`,
      fix: `check the cable and the switch port of ${dev} (ethtool ${dev}; ip -d link show ${dev})`,
      evidence: [`/sys/class/net/${dev}: ${link}`, `readiness: ${down.code}`],
    };
  }
  if (pf.operState === 'down') {
    return {
      severity: 'error',
      what: `${who} is down (${link}; an unreadable carrier means the interface is administratively down): Neutron's SR-IOV guide requires the PF up, "otherwise the instance will fail to spawn", and its VFs have no link either`,
      fix: `on the host: ip link set ${dev} up, and bring it up at boot in the host's network configuration (netplan, /etc/network/interfaces, NetworkManager or systemd-networkd) without an address`,
      evidence: [`/sys/class/net/${dev}: ${link}`, `readiness: ${down.code}`],
    };
  }
  return {
    severity: 'warning',
    what: `${who} is not up (${link}); its VFs have no link while it is not`,
    fix: `bring ${dev} up (ip link set ${dev} up) and check its cable and switch port`,
    evidence: [`/sys/class/net/${dev}: ${link}`, `readiness: ${down.code}`],
  };
}

export const rule: Rule = {
  id: 'SRIOV-HOST-002',
  severity: 'error',
  title: 'An interface in the SR-IOV agent mappings is missing, not an SR-IOV PF, or down',
  rationale:
    'The SR-IOV agent manages only the VFs under the netdevs named in physical_device_mappings. A name the host lacks (a renamed PF), a device without SR-IOV, or a PF that is down leaves the physnet with no working VF on the host.',
  needs: 'facts',
  scope: 'host',
  runHost(_ctx, h) {
    const out: HostFinding[] = [];
    if (!h.facts) return [];
    for (const [dev, physnets] of mappedDevices(h)) {
      const r = resolveDevice(h.facts, dev);
      const p = problemFor(h, dev, physnets, r);
      if (!p) continue;
      const loc = mappingLocation(h, physnets[0]!);
      const onCompute = h.isCompute;
      // Off a compute host no instance runs: only say that the name does not fit (once, as info).
      if (!onCompute && r.kind === 'pf') continue;
      out.push({
        severity: onCompute ? p.severity : 'info',
        message: onCompute
          ? p.what
          : `${dev} (mapped to ${physnets.join(', ')}) is not a PF on this host, which is harmless here: the host runs the SR-IOV agent (it is in neutron_sriov_nic_agent) but not nova-compute, so no instance uses it`,
        ...(loc ? { location: loc } : {}),
        evidence: [mappingText(h), ...p.evidence, factsLine(h)],
        ...(onCompute ? { fix: p.fix } : {}),
      });
    }
    return out;
  },
};
