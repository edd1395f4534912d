import type { CheckContext, HostView } from '../../deployment/context.js';
import {
  EXTRA_VARS,
  mappingPhysnets,
  neutronPlaybook,
  resolveVar,
  shortFile,
  sriovEntryLocation,
} from '../../deployment/vars-helpers.js';
import { iniValue, parseListOpt } from '../../openstack/neutron-agent-config.js';
import type { FindingLocation } from '../finding.js';
import type { HostFinding, Rule } from '../rule.js';

const OVS_INI = 'plugins/ml2/openvswitch_agent.ini';
const LXB_INI = 'plugins/ml2/linuxbridge_agent.ini';

interface FdbState {
  agent: 'openvswitch' | 'linuxbridge';
  ini: string;
  overridesVar: string;
  extensions: string[];
  mappingsText: string;
}

/** The agent's fdb extension and [FDB] mappings as OSA renders them on this host, or null. */
function fdbState(ctx: CheckContext, h: HostView): FdbState | null {
  if (h.hasOption(OVS_INI, 'FDB', 'shared_physical_device_mappings')) {
    return {
      agent: 'openvswitch',
      ini: OVS_INI,
      overridesVar: 'neutron_openvswitch_agent_ini_overrides',
      extensions: parseListOpt(iniValue(h.option(OVS_INI, 'agent', 'extensions').at(-1) ?? '')),
      mappingsText: iniValue(h.option(OVS_INI, 'FDB', 'shared_physical_device_mappings').at(-1) ?? ''),
    };
  }
  if (h.hasOption(LXB_INI, 'FDB', 'shared_physical_device_mappings')) {
    // The LXB template writes `extensions = fdb[,qos]` on computes with ml2.sriov; the model does
    // not keep neutron_linuxbridge_agent_ini_overrides, so read it here.
    const qos = h.option('plugins/ml2/sriov_nic_agent.ini', 'agent', 'extensions').at(-1) === 'qos';
    let extensions = ['fdb', ...(qos ? ['qos'] : [])];
    let mappingsText = iniValue(h.option(LXB_INI, 'FDB', 'shared_physical_device_mappings').at(-1) ?? '');
    const o = resolveVar(ctx, h.name, 'neutron_linuxbridge_agent_ini_overrides')?.value;
    if (o && typeof o === 'object' && !Array.isArray(o)) {
      const agent = o.agent;
      if (agent && typeof agent === 'object' && !Array.isArray(agent) && 'extensions' in agent) {
        const e = agent.extensions;
        extensions = Array.isArray(e) ? e.map(String) : parseListOpt(String(e ?? ''));
      }
      const fdb = o.FDB;
      if (fdb && typeof fdb === 'object' && !Array.isArray(fdb) && 'shared_physical_device_mappings' in fdb) {
        const m = fdb.shared_physical_device_mappings;
        mappingsText = Array.isArray(m) ? m.map(String).join(',') : String(m ?? '');
      }
    }
    return {
      agent: 'linuxbridge',
      ini: LXB_INI,
      overridesVar: 'neutron_linuxbridge_agent_ini_overrides',
      extensions,
      mappingsText,
    };
  }
  return null;
}

/** SR-IOV physnets some host maps, for pointing at the provider_networks entry (once per run). */
function sriovPhysnets(ctx: CheckContext): string[] {
  const out = new Set<string>();
  for (const h of ctx.allHosts())
    for (const p of mappingPhysnets(h.render.providerNetworks?.network_sriov_mappings ?? '')) out.add(p);
  return [...out];
}

function location(h: HostView, physnets: string[]): FindingLocation | undefined {
  if (physnets.length > 0) return sriovEntryLocation(h, physnets[0]!, 'sriov_host_interfaces');
  return h.varLocation('neutron_plugin_types');
}

export const rule: Rule = {
  id: 'SRIOV-FDB-001',
  severity: 'warning',
  title: 'The L2 agent gets the FDB extension with no SR-IOV device to serve',
  rationale:
    "With ml2.sriov, OSA enables the agents' fdb extension and fills [FDB] shared_physical_device_mappings from the host's SR-IOV mappings; on a host without any, the mapping is empty and Neutron's FDB extension stops the agent at start.",
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const s = fdbState(ctx, h);
    if (!s?.extensions.includes('fdb')) return [];
    if (parseListOpt(s.mappingsText).length > 0) return [];
    const service = s.agent === 'openvswitch' ? 'neutron-openvswitch-agent' : 'neutron-linuxbridge-agent';
    const loc = location(h, ctx.once(sriovPhysnets));
    const keep = s.extensions.filter((e) => e !== 'fdb').join(',');
    const overrides = h.variable(s.overridesVar) ?? resolveVar(ctx, h.name, s.overridesVar);
    const masked =
      overrides?.winner?.level === EXTRA_VARS && overrides.winner.loc
        ? ` (${s.overridesVar} is already set in ${shortFile(ctx, overrides.winner.loc.file)}, an extra var that beats host and group vars: move it to /etc/openstack_deploy/group_vars/all.yml first)`
        : '';
    out.push({
      severity: 'warning',
      message: `ml2.sriov is enabled, so OSA gives ${service} on this host the fdb extension, but the host maps no SR-IOV interface and [FDB] shared_physical_device_mappings is empty: Neutron's FDB extension then logs "Invalid configuration provided for FDB extension: no physical devices" and exits, taking the agent (and this host's ${s.agent === 'openvswitch' ? 'OVS' : 'Linux bridge'} networking) down. This follows from Neutron's fdb_population.py; it has not been confirmed on a live deployment.`,
      ...(loc ? { location: loc } : {}),
      evidence: [
        `${s.ini} [agent] extensions = ${s.extensions.join(',')}`,
        `${s.ini} [FDB] shared_physical_device_mappings = ${s.mappingsText}`,
        `network_sriov_mappings = ${h.render.providerNetworks?.network_sriov_mappings ?? '(none)'}`,
      ],
      fix: `on hosts without SR-IOV NICs, drop the extension: set ${s.overridesVar}: {agent: {extensions: "${keep}"}} in /etc/openstack_deploy/host_vars/<host>.yml, or group_vars/<group>.yml for a group of such hosts (${s.agent === 'openvswitch' ? 'e.g. network_hosts' : 'Linux bridge adds fdb on computes only: a group of the computes without SR-IOV NICs'})${masked}; or, if the host does have an SR-IOV NIC, bind it to the SR-IOV provider network entry (group_binds and sriov_host_interfaces in openstack_user_config.yml). Then run ${neutronPlaybook(ctx.release)}`,
    });
    return out;
  },
};
