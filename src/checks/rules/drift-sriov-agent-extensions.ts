import { AGENT_INI } from '../../deployment/context.js';
import {
  type DriftFinding,
  driftFinding,
  factsAreOwnFiles,
  fileDrift,
  listItems,
} from '../../deployment/drift-helpers.js';
import { neutronPlaybook } from '../../deployment/playbooks.js';
import type { Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-DRIFT-004',
  severity: 'warning',
  title: "A host's SR-IOV agent [agent] extensions differ from what OpenStack-Ansible renders",
  rationale:
    'The NIC Switch agent applies QoS policies to VFs only with the qos extension of its own sriov_nic_agent.ini: the checks judged the render, and the next os_neutron run replaces the hand edit (or applies a change nobody has rolled out yet).',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: DriftFinding[] = [];
    const agent = h.facts?.neutron?.sriovAgent;
    // Only where the agent runs: OSA writes the file on every neutron host once ml2.sriov is on.
    if (!agent || !factsAreOwnFiles(h) || !h.runsSriovAgent || !h.render.ini[AGENT_INI]) return out;
    const setting = { section: 'agent', label: 'extensions', options: ['extensions'], unset: '' };
    for (const d of fileDrift(h, AGENT_INI, agent, [setting])) {
      // extensions = qos comes from 'qos' in neutron_plugin_base (not from the variable's value).
      const derived = d.renderVar !== 'neutron_sriov_nic_agent_ini_overrides';
      if (derived) {
        d.renderVar = 'neutron_plugin_base';
        d.location = h.varLocation('neutron_plugin_base');
      }
      const qosOnHost = listItems(d.deployed).includes('qos');
      const qosRendered = listItems(d.rendered).includes('qos');
      const effect =
        qosRendered && !qosOnHost
          ? "the agent runs without the qos extension, so the bandwidth limits of QoS policies on this host's SR-IOV ports are not set on their VFs (ip link set … vf N max_tx_rate/min_tx_rate)"
          : qosOnHost && !qosRendered
            ? "the agent applies QoS policies to VFs with a qos extension the deploy directory does not enable ('qos' is not in neutron_plugin_base)"
            : 'the agent loads the extensions the host lists';
      out.push(
        driftFinding(ctx, h, d, {
          hostPath: agent.path,
          file: AGENT_INI,
          role: 'os_neutron',
          playbook: `${neutronPlaybook(ctx.release)} --limit ${h.name}`,
          overridesVar: 'neutron_sriov_nic_agent_ini_overrides',
          effect,
          severity: 'warning',
          derived,
        }),
      );
    }
    return out;
  },
};
