// `osa-sriov man`: the manual page (roff), generated from the commands and options commander
// knows, the same source as --help. `npm run build` writes it to dist/osa-sriov.1 (package.json
// "man" installs it with the package).
import type { Command } from 'commander';
import { TOOL_VERSION } from '../version.js';
import type { CliRun } from './cli-io.js';
import { type CommandModel, commandModel } from './command-model.js';
import { printData } from './output.js';

/** Text for roff: backslashes doubled, a leading dot or quote kept literal, hyphens as \-. */
function roff(s: string): string {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

function section(c: CommandModel): string[] {
  const out: string[] = [];
  if (c.path.length > 0) out.push(`.SS "${roff(c.path.join(' '))}"`);
  out.push('.B', roff(c.usage), '.PP', roff(c.description));
  for (const a of c.arguments) {
    if (!a.description) continue;
    out.push('.TP', `.I ${roff(a.name)}`, roff(a.description));
  }
  for (const o of c.options) out.push('.TP', `.B ${roff(o.term)}`, roff(o.description));
  if (c.after) out.push('.PP', '.nf', roff(c.after), '.fi');
  return out;
}

export function manPage(program: CommandModel): string {
  const name = program.name;
  const commands = (c: CommandModel): CommandModel[] => c.commands.flatMap((s) => [s, ...commands(s)]);
  return [
    `.TH ${name.toUpperCase()} 1 "" "${name} ${TOOL_VERSION}" "User Commands"`,
    '.SH NAME',
    `${roff(name)} \\- ${roff(program.description)}`,
    '.SH SYNOPSIS',
    `.B ${roff(name)}`,
    '.I command',
    '[\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.SH OPTIONS',
    ...program.options.flatMap((o) => ['.TP', `.B ${roff(o.term)}`, roff(o.description)]),
    '.SH COMMANDS',
    ...commands(program).flatMap(section),
    '.SH EXIT STATUS',
    '0 nothing at or above the failure threshold; 1 findings (or a plan that cannot be satisfied); 2 bad usage or unreadable input.',
    '.SH ENVIRONMENT',
    '.TP',
    '.B NO_COLOR',
    'set (not empty): no colour with \\-\\-color auto.',
    '.TP',
    '.B FORCE_COLOR',
    'set (not empty or 0): colour with \\-\\-color auto even when not a terminal.',
    '.TP',
    '.B OS_CLOUD, OS_*',
    'the cloud of the live\\-cloud commands (docs/cloud\\-connect.md).',
    '.SH SEE ALSO',
    `The rule pages: \\fB${roff(name)} rules\\fR ID; the documentation in the package's docs/ directory.`,
    '',
  ].join('\n');
}

function root(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

export function registerMan(program: Command, cli: CliRun): void {
  program
    .command('man')
    .description('print the manual page (roff; read it with `osa-sriov man | man -l -`)')
    .action((_opts: unknown, cmd: Command) => {
      printData(cli, manPage(commandModel(root(cmd))));
    });
}
