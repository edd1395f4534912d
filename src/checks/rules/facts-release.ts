import { hostRelease } from '../../osa/release-detect.js';
import { releaseLabel } from '../../osa/releases.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-FACTS-004',
  severity: 'warning',
  title: 'Hosts run different OSA releases, or another release than the one checked',
  rationale:
    'Variables, templates and playbooks differ between OSA releases: a check of one release judges the other hosts against settings and fixes they do not have, and a fleet half upgraded renders its SR-IOV settings two ways.',
  needs: 'facts',
  scope: 'deployment', // compares the releases the hosts' facts record with each other and with the one checked
  run(ctx) {
    const seen = ctx
      .allHosts()
      .filter((h) => h.facts && h.render.isMetal)
      .map((h) => hostRelease(h.name, h.facts!))
      .filter((r) => r !== null);
    if (seen.length === 0) return [];
    const byLabel = new Map<string, typeof seen>();
    for (const r of seen) {
      const g = byLabel.get(r.text);
      if (g) g.push(r);
      else byLabel.set(r.text, [r]);
    }
    const groups = [...byLabel.entries()].map(
      ([, rs]) => `${releaseLabel(rs[0]!.release)} on ${rs.map((r) => r.host).join(', ')}`,
    );
    const checked = ctx.release;
    // A series without a point release (--release rocky) agrees with every point of it.
    const differs = (r: (typeof seen)[number]) =>
      r.release.major !== checked.major ||
      (checked.point !== null &&
        r.release.point !== null &&
        r.release.point.join('.') !== checked.point.join('.'));
    const other = seen.filter(differs);
    const out: RuleFinding[] = [];
    if (byLabel.size > 1)
      out.push({
        severity: 'warning',
        message: `the hosts' facts disagree on the OSA release: ${groups.join('; ')}. A deployment half upgraded renders its SR-IOV settings with two sets of roles, and this check models one of them (${releaseLabel(checked)})`,
        evidence: seen.map((r) => `${r.host}: ${r.text} from ${r.from}`),
        fix: 'finish the upgrade (or the rollback) on every host, then collect the facts again; check each part with --host and the --release it runs meanwhile',
      });
    else if (other.length > 0)
      out.push({
        severity: 'warning',
        message: `every host with facts runs OSA ${groups[0]}, but this check models ${releaseLabel(checked)}: variable names, defaults and playbooks in the findings are those of ${releaseLabel(checked)}`,
        evidence: seen.map((r) => `${r.host}: ${r.text} from ${r.from}`),
        fix: `check with --release ${other[0]!.text} (or leave --release out: the release the hosts record is used), unless you are checking the configuration of an upgrade to ${releaseLabel(checked)}`,
      });
    return out;
  },
};
