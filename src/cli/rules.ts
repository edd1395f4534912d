// `osa-sriov rules [ID]`: the rules of check and doctor, and each rule's page, offline (the
// pages under docs/rules/ ship in the package).
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RULES } from '../checks/registry.js';
import type { RuleInfo } from '../checks/rule.js';
import { parseRulePage, type RuleDoc } from '../report/html/rule-docs.js';
import { table } from '../report/table.js';
import { closest } from '../suggest.js';
import type { CliRun } from './cli-io.js';
import { UserError } from './errors.js';
import { printData, printText } from './output.js';

/** docs/ beside src/ and dist/ alike (both are one level under the package root). */
export const DOCS_DIR = new URL('../../docs/', import.meta.url);

export interface RuleRow {
  id: string;
  severity: string;
  /** config or facts for check rules; cloud for doctor's. */
  needs: string;
  command: 'check' | 'doctor';
  title: string;
}

/** check's rules and doctor's; doctor's module (the cloud code) loads only when asked. */
export async function ruleRows(): Promise<RuleRow[]> {
  const { DOCTOR_RULES } = await import('../cloud/doctor.js');
  const row = (r: RuleInfo, command: 'check' | 'doctor'): RuleRow => ({
    id: r.id,
    severity: r.severity,
    needs: command === 'doctor' ? 'cloud' : r.needs,
    command,
    title: r.title,
  });
  return [...RULES.map((r) => row(r, 'check')), ...DOCTOR_RULES.map((r) => row(r, 'doctor'))];
}

export function rulePagePath(id: string): URL {
  return new URL(`rules/${id}.md`, DOCS_DIR);
}

/** The parsed pages of these rules, for the HTML report (a page missing from the install is skipped). */
export function readRuleDocs(ids: Iterable<string>): Map<string, RuleDoc> {
  const out = new Map<string, RuleDoc>();
  for (const id of new Set(ids)) {
    const page = rulePagePath(id);
    if (existsSync(page)) out.set(id, parseRulePage(readFileSync(page, 'utf8')));
  }
  return out;
}

export async function rules(id: string | undefined, opts: { json?: boolean }, cli: CliRun): Promise<void> {
  const rows = await ruleRows();
  if (id === undefined) {
    if (opts.json) {
      printData(cli, `${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    printText(
      cli,
      `${table(
        ['ID', 'SEVERITY', 'NEEDS', 'COMMAND', 'TITLE'],
        rows.map((r) => [r.id, r.severity, r.needs, r.command, r.title]),
        '',
      )}\n\n${rows.length} rules; \`osa-sriov rules ID\` prints a rule's page (needs: config = the deploy dir is enough, facts = host facts from --facts, cloud = the live cloud)\n`,
    );
    return;
  }
  const rule = rows.find((r) => r.id === id.trim().toUpperCase());
  if (!rule) {
    const guess = closest(
      id.toUpperCase(),
      rows.map((r) => r.id),
    );
    throw new UserError(
      `unknown rule "${id}"${guess ? ` (did you mean ${guess}?)` : ''}`,
      null,
      '`osa-sriov rules` lists the rule ids',
    );
  }
  const page = rulePagePath(rule.id);
  if (!existsSync(page))
    throw new UserError(
      `the page of ${rule.id} is missing from this installation`,
      { file: page.pathname },
      'reinstall osa-sriov (its docs/ directory ships in the package)',
    );
  if (opts.json)
    printData(cli, `${JSON.stringify({ ...rule, page: readFileSync(page, 'utf8') }, null, 2)}\n`);
  else printText(cli, readFileSync(page, 'utf8'));
}

export function registerRules(program: Command, cli: CliRun): void {
  program
    .command('rules')
    .description("list the rules of check and doctor (id, severity, needs, title), or print one rule's page")
    .argument('[id]', 'a rule id, like SRIOV-HOST-001 (any case)')
    .option('--json', 'the list (or the rule and its page) as JSON')
    .addHelpText('after', '\nExamples:\n  osa-sriov rules\n  osa-sriov rules SRIOV-DEVSPEC-006')
    .action((id: string | undefined, opts: { json?: boolean }) => rules(id, opts, cli));
}
