import { AGENT_INI } from '../../deployment/context.js';
import {
  driftConsequence,
  driftFix,
  factsAreOwnFiles,
  renderedFrom,
  sectionDrift,
  showLines,
} from '../../deployment/drift-helpers.js';
import { neutronPlaybook } from '../../deployment/vars-helpers.js';
import type { HostFinding, Rule } from '../rule.js';

const EFFECT: Readonly<Record<string, string>> = {
  physical_device_mappings:
    'the agent manages the PFs the host maps, and Neutron binds SR-IOV ports on the physnets the agent reports, not the ones the deploy directory describes',
  exclude_devices:
    'the agent leaves alone the VFs the host excludes, not the ones the deploy directory names',
};

export const rule: Rule = {
  id: 'SRIOV-DRIFT-002',
  severity: 'warning',
  title: "A host's sriov_nic_agent.ini [sriov_nic] differs from what OpenStack-Ansible renders",
  rationale:
    'The SR-IOV agent runs with the mappings in its own file: the checks judged the render, and the next os_neutron run replaces the hand edit (or applies a change nobody has rolled out yet).',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const agent = h.facts?.neutronSriovAgent;
    if (!agent || !factsAreOwnFiles(h) || !h.render.ini[AGENT_INI]) return out;
    const playbook = `${neutronPlaybook(ctx.release)} --limit ${h.name}`;
    for (const d of sectionDrift(h, AGENT_INI, 'sriov_nic', agent.sriovNic)) {
      const label = d.setting.label;
      const consequence = driftConsequence(d, 'os_neutron');
      out.push({
        severity: 'warning',
        message: `[sriov_nic] ${label} in ${agent.path} differs from what OSA renders for this host: ${EFFECT[label] ?? "the agent runs with the host's value"}; ${consequence}`,
        ...(d.location ? { location: d.location } : {}),
        evidence: [
          `deployed (${agent.path} [sriov_nic]): ${showLines(d.deployed)}`,
          `rendered (${AGENT_INI} [sriov_nic], ${renderedFrom(ctx, h, d)}): ${showLines(d.rendered)}`,
        ],
        fix: driftFix(ctx, h, d, playbook, 'neutron_sriov_nic_agent_ini_overrides', 'sriov_nic'),
      });
    }
    return out;
  },
};
