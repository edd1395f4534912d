// Every rule has a failing and a passing fixture, a docs page, and reports exactly what its
// case.json expects (location, severity, message, fix) on the failing one and nothing on the
// passing one.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { RULES } from '../../src/checks/registry.js';
import { REPO } from '../helpers.js';
import { RULE_FIXTURES, ruleCase, runFixture } from '../rule-fixtures.js';

describe('rule registry', () => {
  test('ids are unique and well-formed', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^SRIOV-[A-Z0-9]+-\d{3}$/);
  });
  test('docs/rules/README.md lists every rule with its severity, needs and title', () => {
    const index = readFileSync(resolve(REPO, 'docs/rules/README.md'), 'utf8');
    for (const r of RULES)
      assert.ok(
        index.includes(
          `| [${r.id}](${r.id}.md) | ${r.severity} | ${r.needs} | ${r.title.replace(/\|/g, '\\|')} |`,
        ),
        `${r.id} is missing or stale in docs/rules/README.md`,
      );
  });
  test('every fixture directory belongs to a rule', () => {
    const ids = new Set(RULES.map((r) => r.id));
    for (const d of readdirSync(RULE_FIXTURES, { withFileTypes: true }))
      if (d.isDirectory() && !d.name.startsWith('_'))
        assert.ok(ids.has(d.name), `test/fixtures/rules/${d.name} has no rule`);
  });
});

for (const rule of RULES) {
  describe(`${rule.id} ${rule.title}`, () => {
    test('has a docs page with its title, the symptom, the fix and upstream references', () => {
      const page = resolve(REPO, 'docs/rules', `${rule.id}.md`);
      assert.ok(existsSync(page), `docs/rules/${rule.id}.md is missing`);
      const text = readFileSync(page, 'utf8');
      assert.ok(text.startsWith(`# ${rule.id}: ${rule.title}\n`), 'the page starts with "# <id>: <title>"');
      for (const heading of ['## What breaks', '## Fix', '## References'])
        assert.ok(text.includes(heading), `the page has a "${heading}" section`);
    });

    test('reports the failing fixture where and how case.json says', () => {
      const c = ruleCase(rule.id);
      const result = runFixture(rule.id, 'fail', {
        release: c.fail.release ?? c.release,
        hosts: c.fail.hosts,
        rules: c.rules,
        ...(c.maxFactsAge ? { maxFactsAge: c.maxFactsAge } : {}),
        ...(c.now ? { now: c.now } : {}),
      });
      const dir = resolve(RULE_FIXTURES, rule.id, 'fail');
      const got = result.findings.filter((f) => f.ruleId === rule.id);
      assert.equal(got.length, c.fail.expect.length, `findings:\n${JSON.stringify(got, null, 2)}`);
      c.fail.expect.forEach((want, i) => {
        const f = got[i]!;
        assert.equal(f.ruleId, rule.id);
        assert.equal(f.severity, want.severity, `finding ${i}: ${f.message}`);
        if (want.host !== undefined) assert.equal(f.host ?? null, want.host, `finding ${i} host`);
        assert.ok(f.message.includes(want.message), `finding ${i} message: ${f.message}`);
        if (want.file !== undefined) {
          assert.ok(f.location, `finding ${i} has a location`);
          assert.equal(relative(dir, resolve(f.location.file)), want.file);
          if (want.line !== undefined) assert.equal(f.location.line, want.line);
        }
        if (want.fix !== undefined) assert.ok(f.fix?.includes(want.fix), `finding ${i} fix: ${f.fix}`);
      });
    });

    test('is silent on the passing fixture', () => {
      const c = ruleCase(rule.id);
      const result = runFixture(rule.id, 'pass', {
        release: c.pass?.release ?? c.release,
        hosts: c.pass?.hosts,
        rules: c.rules,
        ...(c.maxFactsAge ? { maxFactsAge: c.maxFactsAge } : {}),
        ...(c.now ? { now: c.now } : {}),
      });
      assert.deepEqual(
        result.findings.filter((f) => f.ruleId === rule.id),
        [],
      );
    });
  });
}
