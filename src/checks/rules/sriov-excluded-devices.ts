import {
  agentOptionLocation,
  agentOptionVar,
  isExtraVar,
  neutronPlaybook,
  varWhere,
} from '../../deployment/provider-networks-helpers.js';
import {
  parseExcludeDevices,
  parseListOpt,
  parsePhysicalDeviceMappings,
} from '../../openstack/neutron-agent-config.js';
import type { HostFinding, Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-AGENT-001',
  severity: 'error',
  title: "neutron_sriov_excluded_devices names a device that is not in the host's SR-IOV mappings",
  rationale:
    'The SR-IOV agent checks at start that every device of exclude_devices is a PF of physical_device_mappings; otherwise it exits ("Agent terminated!"), the host has no NIC Switch agent and SR-IOV ports cannot bind there.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const agent = h.agent();
    const error = agent?.error;
    if (!agent || error?.code !== 'device-not-mapped' || error.option !== 'exclude_devices' || !error.item)
      return [];
    // The agent stops at the first device it does not map; name them all when the values parse.
    let missing = [error.item];
    try {
      const mapped = new Set(
        Object.values(parsePhysicalDeviceMappings(parseListOpt(agent.mappingsText))).flat(),
      );
      missing = Object.keys(parseExcludeDevices(parseListOpt(agent.excludeText))).filter(
        (d) => !mapped.has(d),
      );
    } catch {
      // keep the agent's own first device
    }
    const from = agentOptionVar(h, 'exclude_devices') ?? 'neutron_sriov_excluded_devices';
    const loc = agentOptionLocation(h, 'exclude_devices');
    const mappingsText = agent.mappingsText.trim();
    const hints: string[] = [];
    const split = missing.filter((d) => /^[0-9a-fA-F]{4}$/.test(d) && agent.excludeText.includes(`,${d}:`));
    let corrected: string | null = null;
    if (split.length > 0) {
      corrected = agent.excludeText
        .split(',')
        .reduce<string[]>((acc, item) => {
          const dev = item.split(':')[0]!.trim();
          if (acc.length > 0 && split.includes(dev)) acc[acc.length - 1] += `;${item.trim()}`;
          else acc.push(item.trim());
          return acc;
        }, [])
        .join(',');
      hints.push(
        `"${split[0]}" is the start of a VF's PCI address: exclude_devices separates the VFs of one PF with ";", and a "," starts a new device (meant: "${corrected}")`,
      );
    }
    const whose =
      mappingsText === ''
        ? 'this host has no SR-IOV mappings at all (physical_device_mappings is empty; the agent runs on every host of neutron_sriov_nic_agent, network hosts included)'
        : `${missing.length > 1 ? 'they are not PFs' : 'it is no PF'} of this host's physical_device_mappings (${mappingsText})`;
    let fix: string;
    if (from === 'neutron_sriov_nic_agent_ini_overrides') {
      fix = `list only PFs of physical_device_mappings in neutron_sriov_nic_agent_ini_overrides.sriov_nic.exclude_devices (${varWhere(ctx, h, from)})`;
    } else if (isExtraVar(h, from)) {
      fix = `neutron_sriov_excluded_devices is set in ${varWhere(ctx, h, from)}, so it applies to every host (user_*.yml beats host_vars): remove it there and set it only for the hosts that have those PFs, in /etc/openstack_deploy/host_vars/<host>.yml (format "<pf>:<vf pci>;<vf pci>[,<pf2>:<vf pci>]")`;
    } else {
      fix = `name only PFs of this host's physical_device_mappings in neutron_sriov_excluded_devices (${varWhere(ctx, h, from)}), format "<pf>:<vf pci>;<vf pci>[,<pf2>:<vf pci>]"`;
    }
    if (corrected && from === 'neutron_sriov_excluded_devices' && !isExtraVar(h, from))
      fix = `write neutron_sriov_excluded_devices: "${corrected}" in ${varWhere(ctx, h, from)}`;
    fix += `; then run ${neutronPlaybook(ctx.release)}`;
    out.push({
      severity: 'error',
      message: `${from === 'neutron_sriov_nic_agent_ini_overrides' ? 'exclude_devices (neutron_sriov_nic_agent_ini_overrides)' : 'neutron_sriov_excluded_devices'} names the device${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, but ${whose}. neutron-sriov-nic-agent exits at start: "Invalid exclude_devices: Device name ${error.item} is missing from physical_device_mappings", then "Failed on Agent configuration parse. Agent terminated!"; the host has no NIC Switch agent and SR-IOV ports cannot bind to it${hints.length > 0 ? `. ${hints.join('; ')}` : ''}`,
      ...(loc ? { location: loc } : {}),
      evidence: [
        `sriov_nic_agent.ini [sriov_nic] physical_device_mappings = "${agent.mappingsText}"`,
        `sriov_nic_agent.ini [sriov_nic] exclude_devices = "${agent.excludeText}"`,
      ],
      fix,
    });
    return out;
  },
};
