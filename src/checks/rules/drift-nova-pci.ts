import { NOVA_CONF } from '../../deployment/context.js';
import {
  driftConsequence,
  driftFix,
  factsAreOwnFiles,
  renderedFrom,
  sectionDrift,
  showLines,
} from '../../deployment/drift-helpers.js';
import { novaPlaybook } from '../../deployment/vars-helpers.js';
import type { HostFinding, Rule } from '../rule.js';

/** Nova reads device_spec and its deprecated name passthrough_whitelist as one list. */
const DEVICE_LIST = { label: 'device_spec', options: ['passthrough_whitelist', 'device_spec'] } as const;

export const rule: Rule = {
  id: 'SRIOV-DRIFT-001',
  severity: 'warning',
  title: "A compute host's nova.conf [pci] differs from what OpenStack-Ansible renders",
  rationale:
    'nova-compute offers the devices its own nova.conf selects, not the ones the deploy directory describes: the checks judged the render, and the next os_nova run replaces the hand edit (or applies a change nobody has rolled out yet).',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const nova = h.facts?.nova;
    if (!nova || !factsAreOwnFiles(h) || !h.isCompute) return out;
    // Rocky before 18.1.6 writes the list under [DEFAULT], which the collector does not read.
    if (h.hasOption(NOVA_CONF, 'DEFAULT', 'pci_passthrough_whitelist')) return out;
    const playbook = `${novaPlaybook(ctx.release)} --limit ${h.name}`;
    for (const d of sectionDrift(h, NOVA_CONF, 'pci', nova.pci, [DEVICE_LIST])) {
      const label = d.setting.label;
      const what =
        label === 'device_spec'
          ? "nova-compute tracks and offers the PCI devices the host's list selects, so the device_spec checks of this report describe a list the host does not run"
          : "nova-compute runs with the host's value";
      const consequence = driftConsequence(d, 'os_nova');
      out.push({
        severity: 'warning',
        message: `[pci] ${label} in ${nova.path} differs from what OSA renders for this host: ${what}; ${consequence}`,
        ...(d.location ? { location: d.location } : {}),
        evidence: [
          `deployed (${nova.path} [pci]): ${showLines(d.deployed)}`,
          `rendered (nova.conf [pci], ${renderedFrom(ctx, h, d)}): ${showLines(d.rendered)}`,
        ],
        fix: driftFix(ctx, h, d, playbook, 'nova_nova_conf_overrides', 'pci'),
      });
    }
    return out;
  },
};
