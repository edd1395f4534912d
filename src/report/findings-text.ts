// `check --format text`: findings grouped by host, each with its location, evidence and fix;
// colour only when asked (the CLI asks on a TTY without NO_COLOR).
import type { Finding, Severity } from '../checks/finding.js';
import type { FindingsReport } from '../checks/run.js';
import { fixLines } from './fix-text.js';
import { painter, type Style } from './style.js';

export interface TextOptions {
  /** The command named in the header line (default: check). */
  command?: string;
  color: boolean;
  /** Shown in the header: the deploy dir and release. */
  title: string;
  failOn: Severity;
  /** Only the summary line (check --quiet). */
  quiet?: boolean;
}

const COLOR: Record<Severity, Style> = { error: 'red', warning: 'yellow', info: 'cyan' };
const BOLD = 'bold';
const DIM = 'dim';

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function renderFindingsText(result: FindingsReport, opts: TextOptions): string {
  const paint = painter(opts.color);
  const lines: string[] = [];
  const withFacts = result.hostsWithFacts.length;
  lines.push(
    paint(BOLD, `osa-sriov ${opts.command ?? 'check'}: ${opts.title}`) +
      ` — ${plural(result.hosts.length, 'host')}, facts for ${withFacts}, ${plural(result.rules.length, 'rule')}`,
  );
  let group: string | null | undefined;
  for (const f of result.findings) {
    const g = f.host ?? null;
    if (g !== group) {
      group = g;
      lines.push('', paint(BOLD, g === null ? 'deployment' : `host ${g}`));
    }
    const sev = paint(COLOR[f.severity], f.severity.padEnd(7));
    lines.push(`  ${sev} ${f.ruleId}  ${f.message}`);
    const pad = '           ';
    if (f.location)
      lines.push(`${pad}${paint(DIM, 'at')} ${f.location.file}:${f.location.line}:${f.location.column}`);
    for (const e of f.evidence ?? []) lines.push(`${pad}${paint(DIM, 'evidence:')} ${e}`);
    if (f.fix) lines.push(...fixLines(paint(DIM, 'fix:'), f.fix, pad));
  }
  const c = countBySeverity(result.findings);
  const summary =
    `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${c.info} info` +
    ` (failing on ${opts.failOn}${opts.failOn === 'error' ? 's' : opts.failOn === 'warning' ? 's and above' : ' and above'})`;
  if (opts.quiet) return `${summary}\n`;
  if (result.findings.length === 0) lines.push('', 'no findings');
  lines.push('', summary);
  return `${lines.join('\n')}\n`;
}
