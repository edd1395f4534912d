import type { HostView } from '../../deployment/context.js';
import {
  behaviourOf,
  defWhere,
  entryKeyLocation,
  entryName,
  mapsOn,
  neutronPlaybook,
  type PnList,
  pnList,
} from '../../deployment/provider-networks-helpers.js';
import { isDict, pyRepr, pyStr } from '../../python.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

const AGENT_GROUP = 'neutron_sriov_nic_agent';

/** The L2 agent groups whose bridge mapping comes from the same entry. */
const L2_AGENTS: ReadonlyArray<[group: string, mechanismDriver: string, name: string]> = [
  ['neutron_openvswitch_agent', 'openvswitch', 'Open vSwitch agent'],
  ['neutron_linuxbridge_agent', 'linuxbridge', 'Linux bridge agent'],
  ['neutron_ovn_controller', 'ovn', 'OVN controller'],
];

/** The L2 agent that runs on the host: its group, and its mechanism driver enabled. */
function l2Agent(h: HostView): string | undefined {
  const drivers = h.mechanismDrivers();
  return L2_AGENTS.find(([g, d]) => h.groups.has(g) && drivers.includes(d))?.[2];
}

/** Physnets in a rendered "physnet:bridge,…" mapping string. */
function mappedPhysnets(h: HostView): Set<string> {
  const text = h.render.providerNetworks?.network_mappings ?? '';
  return new Set(
    text
      .split(',')
      .map((m) => m.split(':')[0]!.trim())
      .filter((p) => p !== ''),
  );
}

/**
 * What the hosts the entry misses lose: their SR-IOV mapping of the physnet and, for those that
 * run an L2 agent and get no bridge mapping of it elsewhere, the bridge mapping as well.
 */
function losses(losing: readonly HostView[], physnet: string | null, others: readonly HostView[]): string {
  const net = physnet ?? 'the physnet';
  const parts = [
    `so neutron-sriov-nic-agent on ${losing.map((h) => h.name).join(', ')} does not map ${net} and SR-IOV (direct/macvtap) ports on it fail to bind there ("Binding failed for port", vif_type=binding_failed)`,
  ];
  if (physnet !== null) {
    const mapped = others.filter((h) => h.agent()?.physnets.includes(physnet));
    if (mapped.length > 0)
      parts[0] += ` (${mapped.map((h) => h.name).join(', ')} still ${mapped.length > 1 ? 'map' : 'maps'} it, through ${mapped.length > 1 ? 'their' : 'its'} own neutron_provider_networks)`;
    const l2 = losing
      .map((h) => [h, l2Agent(h)] as const)
      .filter(([h, agent]) => agent !== undefined && !mappedPhysnets(h).has(physnet));
    if (l2.length > 0)
      parts.push(
        `the entry gives them no bridge mapping of ${physnet} either, so the ${[...new Set(l2.map(([, a]) => a))].join(' and ')} on ${l2.map(([h]) => h.name).join(', ')} does not map it and normal ports on ${physnet} fail to bind there too`,
      );
  }
  return parts.join('; ');
}

export const rule: Rule = {
  id: 'SRIOV-PN-007',
  severity: 'error',
  title: 'A provider_networks entry with sriov_host_interfaces applies to no SR-IOV agent host',
  rationale:
    'The provider_networks module adds sriov_host_interfaces to a host only when the entry applies to it (group_binds ∩ group_names, and reference_group). When no host of neutron_sriov_nic_agent is bound, no agent maps the physnet and every SR-IOV port on it fails to bind.',
  needs: 'config',
  scope: 'deployment', // judges a provider_networks entry against every host that reads it
  run(ctx) {
    const out: RuleFinding[] = [];
    const b = behaviourOf(ctx);
    // Group the hosts by the provider_networks definition their module run reads.
    const byDef = new Map<string, { list: PnList; hosts: HostView[] }>();
    for (const h of ctx.allHosts()) {
      const list = pnList(h);
      if (!list) continue;
      const g = byDef.get(list.id) ?? { list, hosts: [] };
      g.hosts.push(h);
      byDef.set(list.id, g);
    }
    const selected = new Set(ctx.hosts().map((h) => h.name));
    const allAgentHosts = ctx.allHosts().filter((h) => h.groups.has(AGENT_GROUP));
    for (const { list, hosts } of byDef.values()) {
      const agentHosts = hosts.filter((h) => h.groups.has(AGENT_GROUP));
      if (agentHosts.length === 0 || !hosts.some((h) => selected.has(h.name))) continue;
      for (const e of list.entries) {
        const v = e.value;
        if (!isDict(v) || !('sriov_host_interfaces' in v) || !('group_binds' in v)) continue;
        if (v.type === 'raw' || v.type === 'vxlan' || (b.geneve && v.type === 'geneve')) continue;
        if (agentHosts.some((h) => mapsOn(e, h, b))) continue;
        const binds = v.group_binds;
        // A group_binds the module cannot iterate makes it fail: SRIOV-PN-002 reports that.
        if (!Array.isArray(binds) && typeof binds !== 'string') continue;
        // Dashed group names on 33.x that would bind agent hosts with underscores: SRIOV-PN-006.
        if (ctx.release.major >= 33 && Array.isArray(binds)) {
          const renamed = {
            ...v,
            group_binds: binds.map((g) => pyStr(g).replace(/-/g, '_')),
            ...(typeof v.reference_group === 'string'
              ? { reference_group: v.reference_group.replace(/-/g, '_') }
              : {}),
          };
          if (agentHosts.some((h) => mapsOn({ ...e, value: renamed }, h, b))) continue;
        }
        const bindsText = Array.isArray(binds) ? binds.map(pyStr).join(', ') : pyRepr(binds);
        const reasons: string[] = [];
        const ghosts = Array.isArray(binds)
          ? binds.map(pyStr).filter((g) => !ctx.allHosts().some((x) => x.groups.has(g)))
          : [];
        if (typeof binds === 'string')
          reasons.push(
            `group_binds is a string, and Python's set() of a string is its characters, so it matches no group: write it as a list`,
          );
        else if (Array.isArray(binds) && !binds.includes(AGENT_GROUP)) {
          reasons.push(
            `group_binds (${bindsText}) does not include ${AGENT_GROUP}${ghosts.length > 0 ? `, and ${ghosts.join(', ')} ${ghosts.length > 1 ? 'are groups' : 'is a group'} of no host in OSA ${ctx.release.series}` : ''}`,
          );
        }
        const rg = v.reference_group;
        const rgProblem =
          b.referenceGroup && typeof rg === 'string' && !agentHosts.some((h) => h.groups.has(rg));
        if (rgProblem)
          reasons.push(
            `reference_group ${rg} is a group of none of them (the entry applies only to hosts in it)`,
          );
        if (v.net_name === undefined) reasons.push('the entry has no net_name, so the module maps nothing');
        const bindsOk = Array.isArray(binds) && binds.includes(AGENT_GROUP);
        const loc =
          rgProblem && bindsOk ? entryKeyLocation(e, 'reference_group') : entryKeyLocation(e, 'group_binds');
        const only = hosts.length === 1 ? hosts[0]! : null;
        const todo: string[] = [];
        if (rgProblem)
          todo.push(
            `set reference_group of ${entryName(e)} to a group the SR-IOV agent hosts are in, or remove it`,
          );
        if (typeof binds === 'string')
          todo.push(
            `write group_binds of ${entryName(e)} as a YAML list (group_binds: [${binds}${binds === AGENT_GROUP ? '' : `, ${AGENT_GROUP}`}])`,
          );
        else if (!bindsOk) {
          todo.push(
            `add ${AGENT_GROUP} to group_binds of ${entryName(e)}, or a custom host group of only the hosts that have this PF (with ${AGENT_GROUP} every agent host gets these sriov_host_interfaces)`,
          );
          if (ghosts.length > 0)
            todo.push(
              `replace ${ghosts.join(', ')}, which no host is in, by the group of your network agents (e.g. neutron_ovn_controller or neutron_openvswitch_agent) for the bridge mapping`,
            );
        }
        if (todo.length === 0) todo.push(`bind ${entryName(e)} to ${AGENT_GROUP}`);
        const others = allAgentHosts.filter((h) => !agentHosts.includes(h));
        out.push({
          ...(only ? { host: only.name } : {}),
          severity: 'error',
          message: `${entryName(e)} has sriov_host_interfaces "${pyStr(v.sriov_host_interfaces)}" but applies to none of the hosts that run neutron-sriov-nic-agent and read this provider_networks (group ${AGENT_GROUP}): ${reasons.join('; ') || 'its group_binds match none of their groups'}. The module adds the mappings only on hosts bound to the entry, ${losses(agentHosts, e.netName, others)}`,
          ...(loc ? { location: loc } : {}),
          evidence: [
            `group_binds: ${bindsText}${typeof rg === 'string' ? `; reference_group: ${rg}` : ''}`,
            `${AGENT_GROUP} (hosts that run the agent): ${agentHosts.map((h) => h.name).join(', ')}`,
          ],
          fix: `in ${defWhere(ctx, list.def)}: ${todo.join('; ')}; then run ${neutronPlaybook(ctx.release)}`,
        });
      }
    }
    return out;
  },
};
