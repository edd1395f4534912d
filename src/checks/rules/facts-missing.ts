import type { HostFinding, Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-FACTS-001',
  severity: 'info',
  title: 'No host facts: the host-side checks were skipped',
  rationale:
    'IOMMU, VF creation, bonds, OVS ports, persistence and device_spec matching can only be judged from the host itself; without its facts those checks do not run, and nothing is guessed.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    if (ctx.factsRules.length === 0) return [];
    const out: HostFinding[] = [];
    if (h.facts || !h.isSriovHost) return [];
    out.push({
      severity: 'info',
      message: `no facts for this host: ${ctx.factsRules.length} host checks were skipped (${ctx.factsRules.join(', ')})`,
      fix: `run \`osa-sriov collect -o ${h.name}.snapshot\` on ${h.name} (or \`osa-sriov collect --ansible\` for the fleet) and pass the directory with --facts`,
    });
    return out;
  },
};
