// The shape of one check rule (design/ARCHITECTURE.md "A rule, as we want it").
import type { CheckContext, HostView } from '../deployment/context.js';
import type { RuleFinding, Severity } from './finding.js';

/** What reports need to know of a rule (check rules and the live-cloud doctor's). */
export interface RuleInfo {
  /** Stable forever: SRIOV-<AREA>-<NNN>. docs/rules/<id>.md explains it. */
  id: string;
  /** The highest severity the rule reports (some findings may be lower). */
  severity: Severity;
  /** One line a user understands. */
  title: string;
  /** Why it matters, in one or two sentences (the docs page has the whole story). */
  rationale: string;
  /** config: the deploy dir is enough; facts: needs the host's collected facts. */
  needs: 'config' | 'facts';
}

/**
 * A rule about the deployment as a whole, or one that compares hosts (a finding may then belong
 * to no host, or to a host other than the one that shows the problem): it walks the hosts itself.
 * Its source says why on the line of `scope` (test/unit/rule-framework.test.ts).
 */
export interface DeploymentRule extends RuleInfo {
  scope: 'deployment';
  run(ctx: CheckContext): RuleFinding[];
}

/** A finding of a host-scope rule: the framework gives it the host, so the rule cannot name another. */
export type HostFinding = Omit<RuleFinding, 'host'> & { host?: never };

/**
 * A rule about one host at a time: the framework calls it once per selected host (--host), in
 * inventory order, and every finding it returns is about that host. Data about the whole
 * deployment that it needs on every host comes from `ctx.once` (computed once per run).
 */
export interface HostRule extends RuleInfo {
  scope: 'host';
  runHost(ctx: CheckContext, host: HostView): HostFinding[];
}

export type Rule = DeploymentRule | HostRule;

/** Every finding of a rule over the selected hosts. */
export function runRule(rule: Rule, ctx: CheckContext): RuleFinding[] {
  if (rule.scope === 'deployment') return rule.run(ctx);
  return ctx.hosts().flatMap((h) => rule.runHost(ctx, h).map((f) => ({ host: h.name, ...f })));
}
