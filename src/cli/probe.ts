import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import {
  type EthtoolPaste,
  PASTE_COMMANDS,
  type PastedInput,
  PastedInputError,
  type PastedNote,
  pastedFacts,
} from '../facts/build.js';
import type { HostFacts } from '../facts/host-facts.js';
import { readHostFacts } from '../facts/load.js';
import { assessReadiness } from '../facts/readiness.js';
import { runCollector } from '../facts/run-collector.js';
import { renderProbeText } from '../report/facts-text.js';
import type { CliRun } from './cli-io.js';
import { UserError } from './errors.js';
import { readInput } from './io.js';

interface ProbeOptions {
  from?: string;
  json?: boolean;
  lspci?: string;
  ethtool?: string[];
  ipLink?: string;
}

interface Loaded {
  facts: HostFacts;
  notes: PastedNote[];
}

/**
 * `--ethtool IFACE=FILE` or `--ethtool FILE`. A value is IFACE=FILE when the part before
 * the first "=" is a possible interface name (1–15 characters, no "/" or space) and the
 * whole value is not itself a readable file.
 */
export function ethtoolArg(value: string): { iface: string | null; path: string } {
  const m = value.match(/^([^/\s=:]{1,15})=(.+)$/);
  if (!m || existsSync(value)) return { iface: null, path: value };
  return { iface: m[1]!, path: m[2]! };
}

const FLAG: Record<PastedInput, string> = { lspci: '--lspci', ethtool: '--ethtool', ipLink: '--ip-link' };

function loadPasted(opts: ProbeOptions): Loaded {
  if (opts.from !== undefined)
    throw new UserError(
      '--from cannot be combined with --lspci/--ethtool/--ip-link',
      null,
      'use one or the other',
    );
  const text = (p: string | undefined, what: string) =>
    p === undefined ? undefined : readInput(p, what).toString('utf8');
  const ethtool = (opts.ethtool ?? []).map(ethtoolArg);
  const pastes: EthtoolPaste[] = ethtool.map((e) => ({
    text: readInput(e.path, `the ${PASTE_COMMANDS.ethtool} output`).toString('utf8'),
    iface: e.iface,
    fileName: basename(e.path),
  }));
  try {
    return pastedFacts({
      lspci: text(opts.lspci, `the ${PASTE_COMMANDS.lspci} output`),
      ethtool: pastes,
      ipLink: text(opts.ipLink, `the ${PASTE_COMMANDS.ipLink} output`),
    });
  } catch (e) {
    if (!(e instanceof PastedInputError)) throw e;
    const file =
      e.input === 'lspci' ? opts.lspci : e.input === 'ipLink' ? opts.ipLink : ethtool[e.index]?.path;
    throw new UserError(`${FLAG[e.input]}: ${e.message}`, file === undefined ? null : { file }, e.hint);
  }
}

async function loadFacts(opts: ProbeOptions, cli: CliRun): Promise<Loaded> {
  const pasted = opts.lspci !== undefined || opts.ethtool !== undefined || opts.ipLink !== undefined;
  if (pasted) return loadPasted(opts);
  return { facts: await loadHostFacts(opts, cli), notes: [] };
}

async function loadHostFacts(opts: ProbeOptions, cli: CliRun): Promise<HostFacts> {
  if (opts.from !== undefined) {
    return readHostFacts(readInput(opts.from, 'the snapshot'), opts.from);
  }
  return readHostFacts(await runCollector({ env: cli.env }), '<collector output>');
}

/** Pasted text is shown, never obeyed: control characters (an ESC in a name) as \xNN. */
const printable = (s: string): string =>
  s.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );

/** The notes on pasted outputs, under the report: what could not be joined or checked. */
function renderNotes(notes: PastedNote[]): string {
  if (notes.length === 0) return '';
  const out = ['', 'About the pasted outputs'];
  for (const n of notes) {
    out.push(printable(`${n.level === 'warning' ? '[warn] ' : '[info] '} ${n.message}`));
    if (n.fix) out.push(printable(`        fix: ${n.fix}`));
  }
  return `${out.join('\n')}\n`;
}

export async function probe(opts: ProbeOptions, cli: CliRun): Promise<void> {
  const { facts, notes } = await loadFacts(opts, cli);
  if (opts.json) {
    cli.stdout.write(`${JSON.stringify(facts, null, 2)}\n`);
    // HostFacts has no place for them; stderr keeps stdout valid JSON.
    for (const n of notes.filter((x) => x.level === 'warning'))
      cli.stderr.write(
        `${printable(`osa-sriov: warning: ${n.message}${n.fix ? `\n  fix: ${n.fix}` : ''}`)}\n`,
      );
    return;
  }
  cli.stdout.write(renderProbeText(facts, assessReadiness(facts)) + renderNotes(notes));
}

const collectRepeatable = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

export function registerProbe(program: Command, cli: CliRun): void {
  program
    .command('probe')
    .description(
      "report this host's SR-IOV readiness: IOMMU, CPU virtualization, PFs, VFs, bonds, persistence, guest drivers",
    )
    .option(
      '--from <snapshot>',
      'read a snapshot from `osa-sriov collect` (or HostFacts JSON) instead of collecting now',
    )
    .option(
      '--json',
      'print HostFacts JSON (schema osa-sriov/host-facts@1, docs/host-facts.md) instead of the report',
    )
    .option('--lspci <file>', 'build facts from pasted `sudo lspci -nn -vvv` output (docs/probe.md)')
    .addOption(
      new Option(
        '--ethtool <[iface=]file>',
        'pasted `ethtool -i IFACE` output, one per interface (repeatable); IFACE= or a file name like ethtool-i-ens3f0.txt says which interface',
      ).argParser(collectRepeatable),
    )
    .option(
      '--ip-link <file>',
      'pasted `ip -d link show` output (or `ip link show`, either iproute2 VF format)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  osa-sriov probe\n  osa-sriov probe --from compute1.snapshot --json\n  osa-sriov probe --lspci lspci.txt --ip-link ip-d-link.txt --ethtool ens3f0=ethtool-ens3f0.txt',
    )
    .action((opts: ProbeOptions) => probe(opts, cli));
}
