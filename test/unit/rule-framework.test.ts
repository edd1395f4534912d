// The rule framework's contract (src/checks/rule.ts, docs/architecture.md): every rule says in
// its metadata whether it is about one host or about the deployment; a host rule gets its host
// from the framework and answers for that host alone; a deployment rule says why it walks the
// hosts itself; data a host rule needs on every host is computed once per run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { RULES } from '../../src/checks/registry.js';
import { type Rule, runRule } from '../../src/checks/rule.js';
import { parseMaxAge } from '../../src/cli/check.js';
import { CheckContext } from '../../src/deployment/context.js';
import { REPO } from '../helpers.js';
import { fixtureInputs, RULE_FIXTURES, ruleCase } from '../rule-fixtures.js';

const RULES_DIR = resolve(REPO, 'src/checks/rules');

/** Each rule file with the rule it exports (found by its id in the source). */
const files = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => {
    const text = readFileSync(resolve(RULES_DIR, f), 'utf8');
    const id = text.match(/\bid: '(SRIOV-[A-Z0-9]+-\d{3})'/)?.[1];
    return { file: f, text, rule: RULES.find((r) => r.id === id) };
  });

describe('every rule says whether it is about one host or the deployment', () => {
  test('each rule file exports one registered rule', () => {
    for (const f of files) assert.ok(f.rule, `${f.file} exports no registered rule`);
    assert.equal(files.length, RULES.length);
  });

  for (const f of files) {
    test(f.file, () => {
      const rule = f.rule!;
      const scopes = [...f.text.matchAll(/^\s*scope: '(host|deployment)',(.*)$/gm)];
      assert.equal(scopes.length, 1, `${f.file} declares its scope once`);
      assert.equal(scopes[0]![1], rule.scope, `${f.file}: the registry sees the scope it declares`);
      if (rule.scope === 'host') {
        // The framework hands it each selected host: walking the selection again would judge
        // every host once per host.
        assert.doesNotMatch(f.text, /ctx\.hosts\(\)/, `${f.file} is host-scope but walks ctx.hosts()`);
        assert.equal(typeof rule.runHost, 'function');
      } else {
        assert.match(
          scopes[0]![2]!,
          /^ \/\/ \S.{15,}/,
          `${f.file} is deployment-scope: say why on the scope line (// it compares …)`,
        );
        assert.equal(typeof rule.run, 'function');
      }
      // ctx.once keys its memo by the function: an inline function would recompute every time.
      assert.doesNotMatch(
        f.text,
        /ctx\.once\(\s*(\(|function\b|async\b|[a-z_$][\w$]*\s*=>)/i,
        `${f.file}: pass ctx.once a module-level function`,
      );
    });
  }
});

/** A context like the runner's for a fixture, with these hosts selected. */
function contextFor(rule: Rule, side: 'fail' | 'pass', hosts: string[]): CheckContext {
  const c = ruleCase(rule.id);
  const release = (side === 'fail' ? c.fail.release : c.pass?.release) ?? c.release;
  const { model, facts } = fixtureInputs(rule.id, side, release);
  const ctx = new CheckContext(model, facts, hosts);
  ctx.factsRules = RULES.filter((r) => r.needs === 'facts').map((r) => r.id);
  ctx.maxFactsAgeMs = c.maxFactsAge ? (parseMaxAge(c.maxFactsAge) ?? null) : null;
  if (c.now) ctx.now = new Date(c.now);
  return ctx;
}

describe('a host rule answers for the host it is given, whatever else is selected', () => {
  const hostRules = RULES.filter((r) => r.scope === 'host');
  test('most rules are about one host', () => assert.ok(hostRules.length >= 30, `${hostRules.length}`));

  let judged = 0;
  for (const rule of hostRules) {
    test(rule.id, () => {
      for (const side of ['fail', 'pass'] as const) {
        if (side === 'pass' && !readdirSync(resolve(RULE_FIXTURES, rule.id)).includes('pass')) continue;
        const all = contextFor(rule, side, []);
        const findings = runRule(rule, all);
        const names = all.hosts().map((h) => h.name);
        for (const f of findings) assert.ok(f.host && names.includes(f.host), `${rule.id}: ${f.message}`);
        // The same findings for each host when only that host is selected, in the same order.
        for (const name of names) {
          const alone = runRule(rule, contextFor(rule, side, [name]));
          assert.deepEqual(
            alone,
            findings.filter((f) => f.host === name),
            `${rule.id} ${side}: ${name} alone`,
          );
          judged += alone.length;
        }
      }
    });
  }
  test('the fixtures give the host rules findings to compare', () => assert.ok(judged > 30, `${judged}`));
});

describe('CheckContext.once', () => {
  test('computes per-deployment data once per run, and again for another run', () => {
    const { model, facts } = fixtureInputs(
      'SRIOV-PHYSNET-001',
      'fail',
      ruleCase('SRIOV-PHYSNET-001').release,
    );
    let calls = 0;
    const count = (ctx: CheckContext) => {
      calls++;
      return ctx.allHosts().length;
    };
    const ctx = new CheckContext(model, facts);
    assert.equal(ctx.once(count), ctx.once(count));
    assert.equal(calls, 1);
    new CheckContext(model, facts).once(count);
    assert.equal(calls, 2);
  });
});
