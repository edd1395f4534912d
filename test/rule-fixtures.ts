// Rule fixtures: test/fixtures/rules/<ID>/{fail,pass}/ are OSA config dirs, with optional
// {fail,pass}-facts/ directories of host facts, and case.json saying what the failing
// fixture must report (see test/fixtures/rules/README.md).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckResult } from '../src/checks/run.js';
import { runChecks } from '../src/checks/run.js';
import { parseMaxAge } from '../src/cli/check.js';
import { readFactsPaths } from '../src/cli/facts-input.js';
import { matchFacts } from '../src/deployment/facts-match.js';
import { loadDeployDir } from '../src/osa/load.js';
import { buildModel } from '../src/osa/model.js';
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

export function runFixture(
  id: string,
  side: 'fail' | 'pass',
  opts: { release?: string; hosts?: string[]; rules?: string[]; maxFactsAge?: string; now?: string } = {},
): CheckResult {
  const dir = resolve(RULE_FIXTURES, id, side);
  const factsDir = resolve(RULE_FIXTURES, id, `${side}-facts`);
  const release = opts.release ? parseRelease(opts.release) : NEWEST_RELEASE;
  if (!release) throw new Error(`bad release ${opts.release} in ${id}/case.json`);
  const model = buildModel(loadDeployDir(dir), release);
  const facts = existsSync(factsDir)
    ? matchFacts(model.inventory, readFactsPaths([factsDir])).byHost
    : new Map();
  return runChecks(model, facts, {
    rules: opts.rules ?? [id],
    hosts: opts.hosts,
    ...(opts.maxFactsAge ? { maxFactsAgeMs: parseMaxAge(opts.maxFactsAge) } : {}),
    ...(opts.now ? { now: new Date(opts.now) } : {}),
  });
}
