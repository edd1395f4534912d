// The HTML report's parts without a browser: escaping, the rule pages it quotes, the folding of
// identical hosts, the settings shared by reference, the bench's figures' inputs. What a reader
// sees in Chromium is report-html-browser.test.ts.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RULES } from '../../src/checks/registry.js';
import { runChecks } from '../../src/checks/run.js';
import { matchFacts } from '../../src/deployment/facts-match.js';
import { vfUsage } from '../../src/deployment/vf-usage.js';
import { readHostFacts } from '../../src/facts/load.js';
import { loadModel } from '../../src/osa/model.js';
import { parseRelease } from '../../src/osa/releases.js';
import { renderCheckHtml } from '../../src/report/html/check-page.js';
import { escapeText, html, join as joinHtml } from '../../src/report/html/escape.js';
import { buildFleet, ruleFamilies } from '../../src/report/html/fleet.js';
import { parseRulePage } from '../../src/report/html/rule-docs.js';
import { FIXTURES, REPO } from '../helpers.js';

const PAYLOAD = '<img src=x onerror=alert(1)>';

describe('escaping', () => {
  test('a value is text, in an element and in a quoted attribute', () => {
    assert.equal(html`<td>${PAYLOAD}</td>`.text, '<td>&lt;img src=x onerror=alert(1)&gt;</td>');
    assert.equal(html`<a title="${'" onmouseover="x'}">`.text, '<a title="&quot; onmouseover=&quot;x">');
    assert.equal(escapeText("a'b&c"), 'a&#39;b&amp;c');
  });
  test('our own markup is kept, lists are joined, nothing for null and false', () => {
    const inner = html`<b>${'<i>'}</b>`;
    assert.equal(
      html`<p>${inner}${[1, ' & ', null, false, undefined]}</p>`.text,
      '<p><b>&lt;i&gt;</b>1 &amp; </p>',
    );
    assert.equal(joinHtml(['<a>', html`<br>`], ', ').text, '&lt;a&gt;, <br>');
  });
  test('control characters HTML forbids show as U+FFFD (tab and newline stay)', () => {
    assert.equal(escapeText('a\u0000b\u001bc\td\ne\u007f'), 'a\ufffdb\ufffdc\td\ne\ufffd');
  });
});

describe('rule pages', () => {
  test('SRIOV-SCHED-001: what breaks, and its upstream references without the project spec', () => {
    const doc = parseRulePage(readFileSync(join(REPO, 'docs/rules/SRIOV-SCHED-001.md'), 'utf8'));
    // Code spans as their text: the page shows no raw Markdown.
    assert.match(doc.summary, /^An instance with an SR-IOV port \(vnic_type direct/);
    assert.match(
      doc.summary,
      /free VF on the port's physnet\. When it does not, nova-compute refuses the instance with$/,
    );
    assert.deepEqual(doc.references, [
      'nova nova/scheduler/filters/pci_passthrough_filter.py, nova/pci/stats.py (support_requests)',
      'os_nova defaults/main.yml (nova_scheduler_default_filters, nova_scheduler_extra_filters), templates/nova.conf.j2 ([filter_scheduler] enabled_filters)',
    ]);
  });
  test('every rule of check has a page with a summary', () => {
    const pages = new Set(readdirSync(join(REPO, 'docs/rules')));
    for (const r of RULES) {
      assert.ok(pages.has(`${r.id}.md`), r.id);
      const doc = parseRulePage(readFileSync(join(REPO, 'docs/rules', `${r.id}.md`), 'utf8'));
      // A page whose first section is a list has no summary: the report shows the rationale.
      assert.ok(doc.summary.length > 40 || doc.summary === '', `${r.id}: ${doc.summary}`);
      assert.doesNotMatch(doc.summary, /`|\*\*/, r.id);
      assert.ok(
        doc.references.every((x) => !/\.\.\/shared\/|`|design\/ARCHITECTURE/.test(x)),
        r.id,
      );
    }
  });
  test('a page that opens with a list (SRIOV-DEVSPEC-004): no cut summary, the rationale instead', () => {
    const doc = parseRulePage(readFileSync(join(REPO, 'docs/rules/SRIOV-DEVSPEC-004.md'), 'utf8'));
    assert.equal(doc.summary, '');
  });
  test('the families: the issue’s nine first, then the registry’s others', () => {
    const f = ruleFamilies();
    assert.deepEqual(f.slice(0, 9), [
      'SCHED',
      'ML2',
      'PN',
      'VARS',
      'DEVSPEC',
      'AGENT',
      'HOST',
      'FACTS',
      'OSA',
    ]);
    for (const r of RULES) assert.ok(f.includes(r.id.split('-')[1]!), r.id);
  });
});

describe('the fleet of the rule fixtures’ clean deployment', () => {
  const model = loadModel(join(FIXTURES, 'rules/_base'), parseRelease('2026.1')!);
  const dir = join(FIXTURES, 'rules/_base-facts');
  const files = readdirSync(dir).map((f) => ({
    file: join(dir, f),
    stem: f.replace(/\.json$/, ''),
    facts: readHostFacts(readFileSync(join(dir, f))),
  }));
  const result = runChecks(model, matchFacts(model.inventory, files).byHost);

  test('computes first; compute2 shares compute1’s settings and overview row', () => {
    const fleet = buildFleet(result, new Date());
    assert.deepEqual(
      fleet.hosts.slice(0, 2).map((h) => [h.name, h.isCompute]),
      [
        ['compute1', true],
        ['compute2', true],
      ],
    );
    assert.ok(fleet.hosts.slice(2).every((h) => !h.isCompute));
    // Each has its device_spec in its own host_vars file: same values, different provenance.
    assert.equal(fleet.hosts[1]!.sameSettingsAs, null);
    assert.ok(fleet.hosts[1]!.settings.some((s) => s.from.some((f) => f.includes('host_vars/compute2.yml'))));
    const page = renderCheckHtml(result, {
      deployDir: 'deploy',
      release: 'OSA 33.x',
      releaseSource: 'given with --release',
      generatedAt: new Date('2026-01-02T03:04:05Z'),
      ruleDocs: new Map(),
    });
    assert.match(page, /<summary>2 hosts like compute1<\/summary>/);
    assert.match(page, /checked at<\/dt><dd>2026-01-02T03:04:05Z/);
    // compute1's VFs: the device_spec offers eth0's (physnet1) VFs (test/fixtures/rules/README.md).
    assert.match(page, /compute1 · physnet1/);
  });

  test('with the device_spec in group_vars, compute2 links to compute1’s settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-html-'));
    cpSync(join(FIXTURES, 'rules/_base'), dir, { recursive: true });
    const spec = readFileSync(join(dir, 'host_vars/compute1.yml'), 'utf8');
    rmSync(join(dir, 'host_vars'), { recursive: true });
    mkdirSync(join(dir, 'group_vars'));
    writeFileSync(join(dir, 'group_vars/compute_hosts.yml'), spec);
    const m = loadModel(dir, parseRelease('2026.1')!);
    const fleet = buildFleet(runChecks(m, matchFacts(m.inventory, files).byHost), new Date());
    rmSync(dir, { recursive: true });
    assert.deepEqual(fleet.hosts[1]!.sameSettingsAs, { id: 'h0', name: 'compute1' });
    assert.equal(fleet.hosts[0]!.sameSettingsAs, null);
  });
});

describe('findings repeated on many hosts', () => {
  test('a finding that reads the same but for the host name is shown in full once, then linked', () => {
    // Without facts, each host gets SRIOV-FACTS-001, whose fix names the host: not one merged
    // deployment finding, but the same text on every host.
    const m = loadModel(join(FIXTURES, 'rules/_base'), parseRelease('2026.1')!);
    const result = runChecks(m);
    const fleet = buildFleet(result, new Date());
    const [c1, c2] = fleet.hosts;
    assert.equal(c1!.name, 'compute1');
    const f2 = c2!.findings.find((f) => f.ruleId === 'SRIOV-FACTS-001')!;
    assert.match(f2.fix!, /compute2/);
    assert.deepEqual(c2!.sameFindingAs.get(f2), { id: 'h0f0', host: 'compute1' });
    assert.equal(c1!.sameFindingAs.size, 0);
    const page = renderCheckHtml(result, {
      deployDir: 'deploy',
      release: 'OSA 33.x',
      releaseSource: 'given with --release',
      generatedAt: new Date(),
      ruleDocs: new Map(),
    });
    assert.match(page, /<li class="finding sev-info" data-sev="info" data-rule="SRIOV-FACTS-001" id="h0f0">/);
    assert.match(
      page,
      /<a href="#h0f0">\(the same as on compute1, with compute2 for compute1: its evidence and fix\)/,
    );
  });
});

describe('VF use from the facts (the VF chart)', () => {
  test('the blog lab: hp02 offers 8 VFs on vlan, 1 held by a guest; hp03’s spec matches none of its 8', () => {
    const lab = join(REPO, 'examples/blog-lab');
    const m = loadModel(lab, parseRelease('rocky')!);
    const facts = ['hp02-qlogic', 'hp03-2x520'].map((n) => ({
      file: `${n}.snapshot`,
      stem: n,
      facts: readHostFacts(readFileSync(join(lab, 'facts', `${n}.snapshot`))),
    }));
    const ctx = runChecks(m, matchFacts(m.inventory, facts).byHost).context;
    // hp02-qlogic: ens2f1's VF 1 is bound to vfio-pci with a port MAC (probe --from shows it);
    // the user_variables.yml spec (devname ens2f1, physnet vlan) selects all 8 VFs.
    assert.deepEqual(vfUsage(ctx.host('hp02-qlogic')!), {
      physnets: [{ physnet: 'vlan', inUse: 1, free: 7 }],
      notSelected: 0,
    });
    // hp03-2x520 has no ens2f1 (SRIOV-DEVSPEC-007): its 8 VFs of ens1f0 are offered to nothing.
    assert.deepEqual(vfUsage(ctx.host('hp03-2x520')!), {
      physnets: [{ physnet: 'vlan', inUse: 0, free: 0 }],
      notSelected: 8,
    });
    assert.equal(vfUsage(ctx.host('infra1')!), null);
  });
});
