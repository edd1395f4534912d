// Inline SVG bar charts (no script, no library): VFs per host and physnet, findings by rule.
// Numbers are written beside each bar, so the charts read in print and without colour.
import type { Finding, Severity } from '../../checks/finding.js';
import { type Html, html } from './escape.js';
import type { Fleet } from './fleet.js';

const ROW = 20;
const LABEL = 300;
const BAR = 420;
const WIDTH = LABEL + BAR + 150;
/** Rows beyond this are summed up in one line: a chart of 10,000 bars helps nobody. */
export const MAX_ROWS = 60;

export interface Segment {
  cls: string;
  value: number;
  label: string;
}

export interface Bar {
  label: string;
  /** What the bar says when every segment is 0. */
  empty?: string;
  href?: string;
  segments: Segment[];
}

export function barChart(title: string, bars: readonly Bar[], note: string | null): Html {
  const max = Math.max(1, ...bars.map((b) => b.segments.reduce((n, s) => n + s.value, 0)));
  const height = bars.length * ROW + 10 + (note ? ROW : 0);
  const rows = bars.map((b, i) => {
    const y = i * ROW + 5;
    let x = LABEL;
    const rects = b.segments
      .filter((s) => s.value > 0)
      .map((s) => {
        const w = Math.max(1, (s.value / max) * BAR);
        const r = html`<rect class="${s.cls}" x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}"><title>${b.label}: ${s.value} ${s.label}</title></rect>`;
        x += w;
        return r;
      });
    const nonZero = b.segments.filter((s) => s.value > 0);
    const total =
      nonZero.length > 0 ? nonZero.map((s) => `${s.value} ${s.label}`).join(', ') : (b.empty ?? '0');
    // A long host name is cut (whole in the tooltip and in the host's section).
    const shown = b.label.length > 44 ? `…${b.label.slice(-43)}` : b.label;
    const label = html`<text x="${LABEL - 6}" y="${y + ROW - 6}" text-anchor="end">${shown}<title>${b.label}</title></text>`;
    return html`<g>${b.href ? html`<a href="${b.href}">${label}</a>` : label}${rects}<text x="${x + 6}" y="${y + ROW - 6}" class="n">${total}</text></g>`;
  });
  return html`<svg class="chart" role="img" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${title}</title>${rows}${note ? html`<text x="${LABEL}" y="${bars.length * ROW + ROW}" class="n">${note}</text>` : null}</svg>`;
}

/** VFs per compute and physnet: in use by a guest, free, and not selected by the device_spec. */
export function vfChart(fleet: Fleet): Html {
  const bars: Bar[] = [];
  const totals = new Map<string, { inUse: number; free: number }>();
  let notSelected = 0;
  let counted = 0;
  for (const h of fleet.hosts) {
    if (!h.usage) continue;
    counted++;
    for (const p of h.usage.physnets) {
      const t = totals.get(p.physnet) ?? { inUse: 0, free: 0 };
      t.inUse += p.inUse;
      t.free += p.free;
      totals.set(p.physnet, t);
      bars.push({
        label: `${h.name} · ${p.physnet}`,
        href: `#${h.id}`,
        empty: 'no VF: the device_spec matches none here',
        segments: [
          { cls: 'in-use', value: p.inUse, label: 'in use' },
          { cls: 'free', value: p.free, label: 'free' },
        ],
      });
    }
    notSelected += h.usage.notSelected;
    if (h.usage.notSelected > 0 || h.usage.physnets.length === 0)
      bars.push({
        label: `${h.name} · not selected`,
        href: `#${h.id}`,
        segments: [{ cls: 'not-selected', value: h.usage.notSelected, label: 'not selected' }],
      });
  }
  if (counted === 0)
    return html`<section id="vf-chart"><h2>VFs per host and physnet</h2><p class="muted">No compute has facts: give the hosts' snapshots with --facts to count their VFs.</p></section>`;
  const fleetBars: Bar[] = [...totals].map(([physnet, t]) => ({
    label: `all ${counted} computes · ${physnet}`,
    segments: [
      { cls: 'in-use', value: t.inUse, label: 'in use' },
      { cls: 'free', value: t.free, label: 'free' },
    ],
  }));
  if (notSelected > 0)
    fleetBars.push({
      label: `all ${counted} computes · not selected`,
      segments: [{ cls: 'not-selected', value: notSelected, label: 'not selected' }],
    });
  const shown = bars.slice(0, MAX_ROWS);
  const more = bars.length - shown.length;
  return html`<section id="vf-chart"><h2>VFs per host and physnet</h2>
<p class="legend"><span class="in-use"></span>in use (a guest holds it: bound to vfio-pci or under a macvtap)<span class="free"></span>free (the device_spec offers it to this physnet)<span class="not-selected"></span>not selected by the device_spec (Nova never offers it)</p>
${barChart('VFs per physnet over the fleet', fleetBars, null)}
${barChart('VFs per host and physnet', shown, more > 0 ? `and ${more} more rows: see each host's section` : null)}</section>`;
}

const SEV_CLASS: Record<Severity, string> = { error: 'b-error', warning: 'b-warning', info: 'b-info' };

/** Findings by rule: how many hosts each rule reports (a deployment-wide finding counts once). */
export function findingsChart(fleet: Fleet, all: readonly Finding[]): Html {
  const byRule = new Map<string, Record<Severity, number>>();
  for (const f of all) {
    const c = byRule.get(f.ruleId) ?? { error: 0, warning: 0, info: 0 };
    c[f.severity] += fleet.affectedHosts.get(f)?.length ?? 1;
    byRule.set(f.ruleId, c);
  }
  if (byRule.size === 0)
    return html`<section id="findings-chart"><h2>Findings by rule</h2><p>No findings.</p></section>`;
  const bars: Bar[] = [...byRule]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([rule, c]) => ({
      label: rule,
      href: `#r-${rule}`,
      segments: (['error', 'warning', 'info'] as const).map((s) => ({
        cls: SEV_CLASS[s],
        value: c[s],
        label: s,
      })),
    }));
  return html`<section id="findings-chart"><h2>Findings by rule</h2><p class="muted">Hosts each rule reports, by severity (a finding about the deployment as a whole counts once).</p>${barChart('Findings by rule', bars, null)}</section>`;
}
