// Runs the selected rules over a deployment model (and facts), and returns the findings in a
// stable order: deployment-wide first, then hosts in inventory order; errors before warnings.

import { CheckContext, type FactsForHost } from '../deployment/context.js';
import { InputError } from '../errors.js';
import type { DeploymentModel } from '../osa/model.js';
import { closest } from '../suggest.js';
import { compareSeverity, type Finding } from './finding.js';
import { RULES, ruleById } from './registry.js';
import { type Rule, type RuleInfo, runRule } from './rule.js';

export interface CheckOptions {
  /** Only these rule ids (all when empty). */
  rules?: readonly string[];
  /** Never these rule ids. */
  skip?: readonly string[];
  /** Only these inventory hosts (all when empty). */
  hosts?: readonly string[];
  /** Report facts collected longer ago than this (SRIOV-FACTS-002); unset: not checked. */
  maxFactsAgeMs?: number;
  /** The time facts ages are measured against (default: now). */
  now?: Date;
}

/** What the findings reports (text, JSON, SARIF) read: check's and doctor's results alike. */
export interface FindingsReport {
  findings: Finding[];
  rules: readonly RuleInfo[];
  hosts: string[];
  hostsWithFacts: string[];
}

export interface CheckResult extends FindingsReport {
  /** The deployment view the rules read (reports reuse it rather than building another). */
  context: CheckContext;
  /** The hosts a finding merged across hosts came from (only merged findings are keys). */
  affectedHosts: ReadonlyMap<Finding, readonly string[]>;
}

export class UnknownRuleError extends InputError {
  constructor(readonly ids: string[]) {
    const guesses = ids.map((id) =>
      closest(
        id.toUpperCase(),
        RULES.map((r) => r.id),
      ),
    );
    const known = guesses.filter((g): g is string => g !== null);
    super(
      'unknown-rule',
      `unknown rule ${ids.join(', ')}${known.length > 0 ? ` (did you mean ${known.join(', ')}?)` : ''}`,
      null,
      '`osa-sriov rules` lists the rule ids',
    );
  }
}

export function selectRules(only: readonly string[] = [], skip: readonly string[] = []): Rule[] {
  const unknown = [...only, ...skip].filter((id) => !ruleById(id));
  if (unknown.length > 0) throw new UnknownRuleError(unknown);
  const wanted = new Set(only.map((id) => id.toUpperCase()));
  const skipped = new Set(skip.map((id) => id.toUpperCase()));
  return RULES.filter((r) => (wanted.size === 0 || wanted.has(r.id)) && !skipped.has(r.id));
}

function key(f: Finding): string {
  const l = f.location;
  return [f.ruleId, f.severity, f.message, l ? `${l.file}:${l.line}:${l.column}` : '', f.fix ?? ''].join(
    '\u0000',
  );
}

/**
 * A problem in a shared variable shows up once per host; report it once, for the deployment,
 * naming the hosts it affects.
 */
function mergeAcrossHosts(findings: Finding[], affected: Map<Finding, string[]>): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = key(f);
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  const out: Finding[] = [];
  for (const g of groups.values()) {
    const hosts = [...new Set(g.map((f) => f.host).filter((h): h is string => h !== undefined))];
    if (hosts.length <= 1) {
      out.push(g[0]!);
      continue;
    }
    const { host: _host, ...rest } = g[0]!;
    const merged: Finding = {
      ...rest,
      evidence: [`affects ${hosts.length} hosts: ${hosts.join(', ')}`, ...(rest.evidence ?? [])],
    };
    affected.set(merged, hosts);
    out.push(merged);
  }
  return out;
}

export function runChecks(
  model: DeploymentModel,
  facts: ReadonlyMap<string, FactsForHost> = new Map(),
  opts: CheckOptions = {},
): CheckResult {
  const rules = selectRules(opts.rules, opts.skip);
  const ctx = new CheckContext(model, facts, opts.hosts ?? []);
  ctx.factsRules = rules.filter((r) => r.needs === 'facts').map((r) => r.id);
  ctx.maxFactsAgeMs = opts.maxFactsAgeMs ?? null;
  if (opts.now) ctx.now = opts.now;
  const raw: Finding[] = [];
  for (const rule of rules) {
    for (const f of runRule(rule, ctx)) raw.push({ ...f, ruleId: rule.id });
  }
  // Inventory order over every host: a finding a rule gives another host than those selected
  // (SRIOV-SCHED-001 on the scheduler's host) keeps its own place, not the first host's, so
  // each host's findings stay together.
  const order = new Map(ctx.allHosts().map((h, i) => [h.name, i]));
  const affectedHosts = new Map<Finding, string[]>();
  const findings = mergeAcrossHosts(raw, affectedHosts).sort(
    (a, b) =>
      (a.host === undefined ? -1 : (order.get(a.host) ?? 0)) -
        (b.host === undefined ? -1 : (order.get(b.host) ?? 0)) ||
      compareSeverity(a.severity, b.severity) ||
      (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0),
  );
  return {
    findings,
    rules,
    hosts: ctx.hosts().map((h) => h.name),
    hostsWithFacts: ctx
      .hosts()
      .filter((h) => h.facts)
      .map((h) => h.name),
    context: ctx,
    affectedHosts,
  };
}
