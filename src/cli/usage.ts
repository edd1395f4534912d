// Usage errors (unknown commands and options, bad choices, missing arguments) in the tool's own
// style: `osa-sriov: error: …` with commander's "did you mean", a `fix:` line naming the help
// to read, exit 2 (main turns commander's exit into 2).
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { printErr } from './output.js';

/** `osa-sriov check`, `osa-sriov devspec explain`: how to name a command in a hint. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** commander's "error: unknown option '--fial-on'\n(Did you mean --fail-on?)" in our style. */
export function usageErrorText(commanderText: string, path: string): string {
  const text = commanderText
    .trim()
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (one of )?(.*)\?\)$/, (_m, one: string | undefined, what: string) =>
      one ? ` (did you mean one of ${what}?)` : ` (did you mean ${what}?)`,
    )
    .replace(/\n/g, ' ');
  const fix = /^unknown command/.test(text)
    ? `\`${path} --help\` lists the commands`
    : /^unknown option/.test(text)
      ? `\`${path} --help\` lists the options`
      : `see \`${path} --help\``;
  return `osa-sriov: error: ${text}\n  fix: ${fix}\n`;
}

/** Every command (and subcommand) reports its usage errors through usageErrorText. */
export function applyUsageErrors(cmd: Command, cli: CliIo): void {
  const path = commandPath(cmd);
  cmd.showHelpAfterError(false);
  cmd.configureOutput({ outputError: (str) => printErr(cli, usageErrorText(str, path)) });
  for (const sub of cmd.commands) applyUsageErrors(sub, cli);
}
