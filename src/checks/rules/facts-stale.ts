import type { HostFinding, Rule } from '../rule.js';

const DAY = 86_400_000;

/** "7 days", "36 hours", "15 minutes": the limit as the operator gave it, roughly. */
export function describeAge(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} day${ms === DAY ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hours`;
  return `${Math.round(ms / 60_000)} minutes`;
}

export const rule: Rule = {
  id: 'SRIOV-FACTS-002',
  severity: 'warning',
  title: 'Host facts older than the allowed age',
  rationale:
    'Every host check judges the host as its snapshot saw it; VF counts, NIC names, drivers, bonds and the kernel command line change with reboots, firmware and maintenance, so an old snapshot can hide a problem or report one that is gone.',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const limit = ctx.maxFactsAgeMs;
    if (limit === null) return [];
    const out: HostFinding[] = [];
    const at = h.facts?.source.collectedAt;
    if (!at) return [];
    const taken = Date.parse(at);
    if (Number.isNaN(taken) || ctx.now.getTime() - taken <= limit) return [];
    out.push({
      severity: 'warning',
      message: `the facts for this host were collected at ${at}, more than ${describeAge(limit)} before this check (--max-facts-age): the host may have changed since (VF counts, NIC names, drivers, kernel arguments), and the host checks rely on them`,
      evidence: [
        `facts: ${h.factsSource ?? 'unknown file'} (${h.facts?.source.origin ?? 'origin not recorded'})`,
      ],
      fix: `collect them again: osa-sriov collect --ansible --limit ${h.name} -o <facts dir> on the deploy host (or osa-sriov collect -o ${h.name}.snapshot on the host), or allow older facts with --max-facts-age`,
    });
    return out;
  },
};
