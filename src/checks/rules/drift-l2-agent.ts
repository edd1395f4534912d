import {
  type Drift,
  type DriftFinding,
  driftFinding,
  type FileSetting,
  factsAreOwnFiles,
  fileDrift,
  listItems,
} from '../../deployment/drift-helpers.js';
import { LXB_INI, OVS_INI } from '../../deployment/host-helpers.js';
import { neutronPlaybook } from '../../deployment/playbooks.js';
import type { Rule } from '../rule.js';

const FDB_MAPPINGS: FileSetting = {
  section: 'fdb',
  label: 'shared_physical_device_mappings',
  options: ['shared_physical_device_mappings'],
  unset: '',
  providerNetworkKey: 'sriov_host_interfaces',
};

/**
 * What each agent's file is compared on. The render writes the OVS agent's extensions and
 * [FDB], and the Linux bridge agent's [FDB]; the other options OSA's templates write from
 * variables the render does not model (bridge_mappings from network_mappings, the Linux bridge
 * agent's extensions), so they are compared only when an *_overrides variable sets them.
 */
const AGENTS = [
  {
    file: OVS_INI,
    facts: 'openvswitchAgent',
    group: 'neutron_openvswitch_agent',
    name: 'the OVS agent',
    overridesVar: 'neutron_openvswitch_agent_ini_overrides',
    settings: [
      { section: 'agent', label: 'extensions', options: ['extensions'], unset: '' },
      FDB_MAPPINGS,
      {
        section: 'ovs',
        label: 'bridge_mappings',
        options: ['bridge_mappings'],
        unset: '',
        onlyWhenRendered: true,
      },
    ],
  },
  {
    file: LXB_INI,
    facts: 'linuxbridgeAgent',
    group: 'neutron_linuxbridge_agent',
    name: 'the Linux bridge agent',
    overridesVar: 'neutron_linuxbridge_agent_ini_overrides',
    settings: [
      FDB_MAPPINGS,
      { section: 'agent', label: 'extensions', options: ['extensions'], unset: '', onlyWhenRendered: true },
      {
        section: 'linux_bridge',
        label: 'physical_interface_mappings',
        options: ['physical_interface_mappings'],
        unset: '',
        onlyWhenRendered: true,
      },
    ],
  },
] as const;

function effect(d: Drift, agent: string): string {
  if (d.setting.label === 'extensions') {
    const host = listItems(d.deployed);
    const osa = listItems(d.rendered);
    if (osa.includes('fdb') && !host.includes('fdb'))
      return `${agent} runs without the fdb extension, so it does not add the MACs of this host's bridge ports to the shared PFs' forwarding tables: instances on VFs and on bridge ports of this host cannot reach each other through a PF both use`;
    if (host.includes('fdb') && !osa.includes('fdb'))
      return `${agent} runs the fdb extension the deploy directory does not give it`;
    if (osa.includes('qos') !== host.includes('qos'))
      return `${agent} ${host.includes('qos') ? 'applies' : 'does not apply'} QoS policies to its ports, unlike the render`;
    return `${agent} loads the extensions the host lists`;
  }
  if (d.setting.label === 'shared_physical_device_mappings')
    return `${agent}'s fdb extension adds bridge-port MACs to the PFs the host lists, not to the ones the deploy directory maps (and exits at start when fdb is on and the list is empty)`;
  return `${agent} plugs each physnet into the bridge or interface the host maps`;
}

export const rule: Rule = {
  id: 'SRIOV-DRIFT-005',
  severity: 'warning',
  title: "A host's OVS or Linux bridge agent SR-IOV settings differ from what OpenStack-Ansible renders",
  rationale:
    'The L2 agent next to the SR-IOV agent lets VFs and bridge ports share a PF only with the fdb extension and the [FDB] mappings of its own file: the checks judged the render, and the next os_neutron run replaces the hand edit (or applies a change nobody has rolled out yet).',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: DriftFinding[] = [];
    if (!factsAreOwnFiles(h)) return out;
    for (const a of AGENTS) {
      const file = h.facts?.neutron?.[a.facts];
      if (!file || !h.groups.has(a.group) || !h.render.ini[a.file]) continue;
      for (const d of fileDrift(h, a.file, file, a.settings)) {
        // OSA derives extensions from neutron_plugin_types (fdb) and neutron_plugin_base (qos, sfc).
        const derived = d.setting.label === 'extensions' && d.renderVar !== a.overridesVar;
        if (derived) {
          const fdb = listItems(d.deployed).includes('fdb') !== listItems(d.rendered).includes('fdb');
          d.renderVar = fdb ? 'neutron_plugin_types' : 'neutron_plugin_base';
          d.location = h.varLocation(d.renderVar);
        }
        const key = (d.setting as FileSetting).providerNetworkKey;
        out.push(
          driftFinding(ctx, h, d, {
            hostPath: file.path,
            file: a.file,
            role: 'os_neutron',
            playbook: `${neutronPlaybook(ctx.release)} --limit ${h.name}`,
            overridesVar: a.overridesVar,
            effect: effect(d, a.name),
            severity: 'warning',
            derived,
            ...(key ? { providerNetworkKey: key } : {}),
          }),
        );
      }
    }
    return out;
  },
};
