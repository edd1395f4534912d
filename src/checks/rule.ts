// The shape of one check rule (design/ARCHITECTURE.md "A rule, as we want it").
import type { CheckContext } from '../deployment/context.js';
import type { RuleFinding, Severity } from './finding.js';

/** What reports need to know of a rule (check rules and the live-cloud doctor's). */
export type RuleInfo = Omit<Rule, 'run'>;

export interface Rule {
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
  run(ctx: CheckContext): RuleFinding[];
}
