// Rule fixtures: test/fixtures/rules/<ID>/{fail,pass}/ are OSA config dirs, with optional
// {fail,pass}-facts/ directories of host facts, and case.json saying what the failing
// fixture must report (see test/fixtures/rules/README.md).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckResult } from '../src/checks/run.js';
import { runChecks } from '../src/checks/run.js';
import { parseMaxAge } from '../src/cli/check.js';
import { readFactsPaths } from '../src/cli/facts-input.js';
import type { FactsForHost } from '../src/deployment/context.js';
import { matchFacts } from '../src/deployment/facts-match.js';
import { loadDeployDir } from '../src/osa/load.js';
import { buildModel, type DeploymentModel } from '../src/osa/model.js';
import { NEWEST_RELEASE, parseRelease } from '../src/osa/releases.js';
import { FIXTURES } from './helpers.js';

export interface ExpectedFinding {
  host?: string | null;
  severity: 'error' | 'warning' | 'info';
  /** Path relative to the fixture dir. */
  file?: string;
  line?: number;
  message: string;
  fix?: string;
}

export interface RuleCase {
  release?: string;
  rules?: string[];
  /** check --max-facts-age for this case (like "7d"), and the time it is measured at. */
  maxFactsAge?: string;
  now?: string;
  fail: { release?: string; hosts?: string[]; expect: ExpectedFinding[] };
  pass?: { release?: string; hosts?: string[] };
}

export const RULE_FIXTURES = resolve(FIXTURES, 'rules');

export function ruleCase(id: string): RuleCase {
  return JSON.parse(readFileSync(resolve(RULE_FIXTURES, id, 'case.json'), 'utf8')) as RuleCase;
}

/** The model and facts of a rule fixture, as check builds them. */
export function fixtureInputs(
  id: string,
  side: 'fail' | 'pass',
  releaseName?: string,
): { model: DeploymentModel; facts: ReadonlyMap<string, FactsForHost> } {
  const dir = resolve(RULE_FIXTURES, id, side);
  const factsDir = resolve(RULE_FIXTURES, id, `${side}-facts`);
  const release = releaseName ? parseRelease(releaseName) : NEWEST_RELEASE;
  if (!release) throw new Error(`bad release ${releaseName} in ${id}/case.json`);
  const model = buildModel(loadDeployDir(dir), release);
  const facts = existsSync(factsDir)
    ? matchFacts(model.inventory, readFactsPaths([factsDir])).byHost
    : new Map<string, FactsForHost>();
  return { model, facts };
}

export function runFixture(
  id: string,
  side: 'fail' | 'pass',
  opts: { release?: string; hosts?: string[]; rules?: string[]; maxFactsAge?: string; now?: string } = {},
): CheckResult {
  const { model, facts } = fixtureInputs(id, side, opts.release);
  return runChecks(model, facts, {
    rules: opts.rules ?? [id],
    hosts: opts.hosts,
    ...(opts.maxFactsAge ? { maxFactsAgeMs: parseMaxAge(opts.maxFactsAge) } : {}),
    ...(opts.now ? { now: new Date(opts.now) } : {}),
  });
}
