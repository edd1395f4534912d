// The output layer of the CLI: every text a command prints goes through here, so control
// characters from hosts, configs and clouds are escaped in every command (a test checks that
// src/cli writes nowhere else), colours follow --color, and lines wrap at a TTY's width. It
// writes to the run's streams (cli-io.ts), never to the process's.
import { type Command, Option } from 'commander';
import { terminalText } from '../report/style.js';
import type { CliIo, CliWriter } from './cli-io.js';
import { writeAtomically } from './io.js';

export type ColorMode = 'auto' | 'always' | 'never';

export const COLOR_HELP = 'colour the text report: auto (a terminal without NO_COLOR), always or never';

export function colorOption(): Option {
  return new Option('--color <when>', COLOR_HELP).choices(['auto', 'always', 'never']).default('auto');
}

export function addColorOption(cmd: Command): Command {
  return cmd.addOption(colorOption());
}

const set = (v: string | undefined): boolean => v !== undefined && v !== '';

/**
 * --color as https://no-color.org asks: `auto` colours a terminal unless NO_COLOR is set (to
 * anything but the empty string); FORCE_COLOR (not 0) colours in auto even when not a terminal;
 * an explicit --color always or never wins over both.
 */
export function colorWanted(
  mode: ColorMode | undefined,
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (set(env.NO_COLOR)) return false;
  if (set(env.FORCE_COLOR) && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Whether this run's stdout gets colour under --color `mode`. */
export function useColor(mode: ColorMode | undefined, cli: CliIo): boolean {
  return colorWanted(mode, cli.stdout, cli.env);
}

/** The terminal's width when the stream is one (text wraps there), else none. */
function ttyWidth(stream: CliWriter): number | undefined {
  return stream.isTTY === true && (stream.columns ?? 0) > 0 ? stream.columns : undefined;
}

/** A text report on stdout: controls escaped, colours resolved (or dropped), wrapped on a TTY. */
export function printText(cli: CliIo, text: string, color = false): void {
  cli.stdout.write(terminalText(text, { color, width: ttyWidth(cli.stdout) }));
}

/**
 * JSON and SARIF: JSON.stringify escapes C0 controls; C1 controls, line separators and bidi
 * overrides (which can only stand inside strings there) are escaped too, so the JSON is the same
 * data and a terminal shows it safely.
 */
export function printJson(cli: CliIo, value: unknown): void {
  cli.stdout.write(jsonText(value));
}

export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(
    /[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )}\n`;
}

/** What is written as it is: a snapshot (a file format of its own), our own help and scripts. */
export function printData(cli: CliIo, text: string | Uint8Array): void {
  cli.stdout.write(text);
}

/** A message on stderr (warnings, errors, progress): controls escaped, never coloured. */
export function printErr(cli: CliIo, text: string): void {
  cli.stderr.write(terminalText(text, { color: false }));
}

/** A progress line on a TTY's stderr, redrawn in place (`\r` … clear to the end of the line). */
export function writeProgress(cli: CliIo, text: string): void {
  cli.stderr.write(`\r${terminalText(text, { color: false })}\x1b[K`);
}

/** The colour of a text report: a report file (-o) is coloured only with --color always. */
export function reportColor(mode: ColorMode | undefined, output: string | undefined, cli: CliIo): boolean {
  return output ? mode === 'always' : useColor(mode, cli);
}

/**
 * A report in any format to -o (written atomically) or to stdout. A text report goes through
 * terminalText either way (controls escaped, colour resolved); JSON, SARIF and HTML are written
 * as they are (their own escaping). capacity and check write their reports here.
 */
export function emitReport(
  cli: CliIo,
  report: { text: string; isText: boolean; color: boolean },
  output: string | undefined,
): void {
  if (output)
    writeAtomically(output, report.isText ? terminalText(report.text, { color: report.color }) : report.text);
  else if (report.isText) printText(cli, report.text, report.color);
  else printData(cli, report.text);
}
