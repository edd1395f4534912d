import type { CheckContext, HostView } from '../../deployment/context.js';
import {
  agentOptionLocation,
  agentOptionVar,
  behaviourOf,
  defWhere,
  entryLocation,
  field,
  mapsOn,
  neutronPlaybook,
  pnList,
  sriovItems,
  varWhere,
} from '../../deployment/provider-networks-helpers.js';
import { type AgentConfigError, parseListOpt } from '../../openstack/neutron-agent-config.js';
import type { FindingLocation } from '../finding.js';
import type { HostFinding, Rule } from '../rule.js';

/** Why a mapping item is refused, in the operator's terms. */
function itemHint(error: AgentConfigError): string {
  const item = error.item;
  if (item === null) return '';
  if (error.code === 'missing-value')
    return `the item "${item}" has no interface name: an empty sriov_host_interfaces (or network_sriov_mappings), or an empty item from a trailing or doubled comma`;
  if (error.code === 'missing-key') return `the item "${item}" has no physnet name before ":"`;
  if (error.code !== 'invalid-mapping') return '';
  return item.includes(':')
    ? `the item "${item}" has more than one ":": a net_name or interface name must not contain ":"`
    : `the item "${item}" has no ":": every item is <physnet>:<pf> (a "," inside net_name, or an interface written without its physnet, gives such an item)`;
}

/** The provider_networks entry (and its key) that produced the refused item of physical_device_mappings. */
function entryOf(
  ctx: CheckContext,
  h: HostView,
  item: string,
  b: ReturnType<typeof behaviourOf>,
): { loc: FindingLocation | undefined; where: string; key: string; suggestion: string | null } | null {
  const list = pnList(h);
  if (!list) return null;
  for (const e of list.entries) {
    if (!mapsOn(e, h, b)) continue;
    const items = sriovItems(e);
    if (items.length === 0 || !parseListOpt(items.join(',')).includes(item)) continue;
    const badName = e.netName !== null && /[:,]|^\s*$/.test(e.netName);
    const key = badName ? 'net_name' : 'sriov_host_interfaces';
    const v = field(e, 'sriov_host_interfaces');
    const clean =
      typeof v === 'string'
        ? v
            .split(',')
            .map((i) => i.trim())
            .filter((i) => i !== '')
            .join(',')
        : '';
    const suggestion =
      !badName && clean !== '' && !clean.includes(':') ? `sriov_host_interfaces: "${clean}"` : null;
    return { loc: entryLocation(e, key), where: defWhere(ctx, list.def), key, suggestion };
  }
  return null;
}

export const rule: Rule = {
  id: 'SRIOV-AGENT-002',
  severity: 'error',
  title: 'The SR-IOV agent refuses its [sriov_nic] configuration (malformed mappings or options)',
  rationale:
    'neutron-sriov-nic-agent parses physical_device_mappings, exclude_devices and the resource-provider options at start; any ValueError ("Invalid mapping", "Missing value in mapping", ...) makes it exit with "Failed on Agent configuration parse. Agent terminated!".',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const b = behaviourOf(ctx);
    const agent = h.agent();
    const error = agent?.error;
    // An excluded device the mappings lack is SRIOV-AGENT-001.
    if (!agent || !error || (error.code === 'device-not-mapped' && error.option === 'exclude_devices'))
      return [];
    const option = error.option ?? 'physical_device_mappings';
    const from = agentOptionVar(h, option);
    let location = agentOptionLocation(h, option);
    let fix: string;
    const text =
      option === 'physical_device_mappings'
        ? agent.mappingsText
        : option === 'exclude_devices'
          ? agent.excludeText
          : (h.option('plugins/ml2/sriov_nic_agent.ini', 'sriov_nic', option).at(-1) ?? '');
    const hint = option === 'physical_device_mappings' ? itemHint(error) : '';
    if (option === 'physical_device_mappings' && from === 'provider_networks') {
      const found = error.item !== null ? entryOf(ctx, h, error.item, b) : null;
      if (found?.loc) location = found.loc;
      fix = found
        ? found.suggestion
          ? `write ${found.suggestion} in the provider_networks entry (${found.where})`
          : `fix ${found.key} of the provider_networks entry in ${found.where}: sriov_host_interfaces is "<pf>[,<pf>]" (no empty item, no ":"), net_name has no ":" or ","`
        : 'fix sriov_host_interfaces / net_name of the provider_networks entries: each SR-IOV item must be <physnet>:<pf>';
    } else if (option === 'physical_device_mappings' && from === 'neutron_provider_networks') {
      fix = `write network_sriov_mappings of neutron_provider_networks (${varWhere(ctx, h, from)}) as "<physnet>:<pf>[,<physnet>:<pf>]"`;
    } else if (from === 'neutron_sriov_nic_agent_ini_overrides') {
      fix = `fix sriov_nic.${option} in neutron_sriov_nic_agent_ini_overrides (${varWhere(ctx, h, from)})`;
    } else if (option === 'exclude_devices') {
      fix = `write neutron_sriov_excluded_devices (${varWhere(ctx, h, from ?? 'neutron_sriov_excluded_devices')}) as "<pf>:<vf pci>;<vf pci>[,<pf2>:<vf pci>]", each PF once`;
    } else {
      fix = `fix ${option}${from ? ` (from ${from}, ${varWhere(ctx, h, from)})` : ''}`;
    }
    fix += `; then run ${neutronPlaybook(ctx.release)}`;
    const fdb =
      option === 'physical_device_mappings' &&
      h.hasOption('plugins/ml2/openvswitch_agent.ini', 'FDB', 'shared_physical_device_mappings')
        ? ". The OVS agent's fdb extension parses the same mappings ([FDB] shared_physical_device_mappings) with the same function and hits the same error"
        : '';
    out.push({
      severity: 'error',
      message: `neutron-sriov-nic-agent refuses [sriov_nic] ${option} = "${text}" and exits at start: "${error.message}", then "Failed on Agent configuration parse. Agent terminated!"${hint ? ` (${hint})` : ''}; the host has no NIC Switch agent and SR-IOV ports cannot bind to it${fdb}`,
      ...(location ? { location } : {}),
      evidence: [`sriov_nic_agent.ini [sriov_nic] ${option} = "${text}"${from ? ` (from ${from})` : ''}`],
      fix,
    });
    return out;
  },
};
