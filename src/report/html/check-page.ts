// `check --format html`: the fleet on one page (docs/report.md): header, filters, overview,
// charts, deployment-wide findings, one section per host, and the rules the findings cite.
import type { CheckResult } from '../../checks/run.js';
import { TOOL_NAME, TOOL_VERSION } from '../../version.js';
import { countBySeverity } from '../findings-text.js';
import { findingsChart, vfChart } from './charts.js';
import { type Html, html } from './escape.js';
import { buildFleet, type Fleet, ruleFamily } from './fleet.js';
import { findingItem, hostSection } from './host-section.js';
import { page } from './layout.js';
import { overview } from './overview.js';
import type { RuleDoc } from './rule-docs.js';

export interface CheckPageMeta {
  deployDir: string;
  /** "OSA 18.x (Rocky)" */
  release: string;
  /** How the release was known: "--release", "detected from the host facts", … */
  releaseSource: string;
  generatedAt: Date;
  /** Each cited rule's page, parsed (a rule without a page just has no summary). */
  ruleDocs: ReadonlyMap<string, RuleDoc>;
}

function filters(result: CheckResult, fleet: Fleet): Html {
  const ids = [...new Set(result.findings.map((f) => f.ruleId))].sort();
  const families = fleet.families.filter((f) => ids.some((id) => ruleFamily(id) === f));
  const sev = (s: string) =>
    html`<label><input type="checkbox" name="sev" value="${s}" checked> ${s}</label>`;
  return html`<form id="filters" class="filters" role="search" hidden>
<span>severity ${sev('error')} ${sev('warning')} ${sev('info')}</span>
<label>rule <select name="rule"><option value="">all</option>${families.map((f) => html`<option value="${f}">${f} (family)</option>`)}${ids.map((id) => html`<option value="${id}">${id}</option>`)}</select></label>
<label>host <input type="search" name="host" placeholder="name contains"></label>
<label>search <input type="search" name="q" placeholder="any text"></label>
<output id="shown" aria-live="polite"></output></form>`;
}

function rulesSection(result: CheckResult, docs: ReadonlyMap<string, RuleDoc>): Html {
  const cited = new Set(result.findings.map((f) => f.ruleId));
  const rules = result.rules.filter((r) => cited.has(r.id));
  if (rules.length === 0) return html``;
  return html`<section id="rules"><h2>Rules in this report</h2>${rules.map((r) => {
    const d = docs.get(r.id);
    return html`<div class="rule" id="r-${r.id}"><h3>${r.id}: ${r.title}</h3><p class="muted">up to ${r.severity} · needs ${r.needs === 'facts' ? 'host facts' : 'the deploy dir'} · <code>osa-sriov rules ${r.id}</code> prints its page (docs/rules/${r.id}.md)</p>
<p>${d?.summary || r.rationale}</p>${d && d.references.length > 0 ? html`<p class="muted">Upstream references:</p><ul class="refs">${d.references.map((x) => html`<li>${x}</li>`)}</ul>` : null}</div>`;
  })}</section>`;
}

export function renderCheckHtml(result: CheckResult, meta: CheckPageMeta): string {
  const fleet = buildFleet(result, meta.generatedAt, meta.ruleDocs);
  const counts = countBySeverity(result.findings);
  const body = html`${filters(result, fleet)}
${overview(fleet)}
${vfChart(fleet)}
${findingsChart(fleet, result.findings)}
<section id="deployment"><h2>Deployment-wide findings</h2>${
    fleet.deployment.length === 0
      ? html`<p>None: every finding is about one host.</p>`
      : html`<ul class="findings">${fleet.deployment.map((f) => findingItem(f, fleet, null, fleet.findingId.get(f)))}</ul>`
  }</section>
<section id="hosts"><h2>Hosts</h2>${fleet.hosts.map((h) => hostSection(h, fleet))}</section>
${rulesSection(result, meta.ruleDocs)}
<footer>Written by ${TOOL_NAME} ${TOOL_VERSION}. Everything on this page is in this file: it opens offline, and reads without scripts (they only add the filters).</footer>`;
  const machines = fleet.hosts.length;
  return page(
    {
      title: `${TOOL_NAME} check: ${meta.deployDir}`,
      facts: [
        ['deploy dir', html`<code>${meta.deployDir}</code>`],
        ['OSA release', `${meta.release} (${meta.releaseSource})`],
        ['checked at', meta.generatedAt.toISOString().replace(/\.\d+Z$/, 'Z')],
        ['tool', `${TOOL_NAME} ${TOOL_VERSION}`],
        [
          'scope',
          `${machines} host${machines === 1 ? '' : 's'} (${result.hosts.length} inventory hosts with containers), facts for ${result.hostsWithFacts.length}, ${result.rules.length} rules`,
        ],
      ],
      counts,
    },
    body,
    true,
  );
}
