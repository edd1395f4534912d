import { type Command, Option } from 'commander';
import { factsFromPasted } from '../facts/build.js';
import type { HostFacts } from '../facts/host-facts.js';
import { FactsInputError, readHostFacts } from '../facts/load.js';
import { assessReadiness, type Readiness } from '../facts/readiness.js';
import { CollectorError, runCollector } from '../facts/run-collector.js';
import { renderProbeText } from '../report/facts-text.js';
import { UserError } from './errors.js';
import { readInput } from './io.js';
import { type ColorMode, colorOption, printJson, printText, useColor } from './output.js';

interface ProbeOptions {
  from?: string;
  json?: boolean;
  lspci?: string;
  ethtool?: string[];
  ipLink?: string;
  color?: ColorMode;
  failOn?: 'error' | 'warning';
}

async function loadFacts(opts: ProbeOptions): Promise<HostFacts> {
  const pasted = opts.lspci !== undefined || opts.ethtool !== undefined || opts.ipLink !== undefined;
  if (pasted) {
    if (opts.from !== undefined)
      throw new UserError(
        '--from cannot be combined with --lspci/--ethtool/--ip-link',
        null,
        'use one or the other',
      );
    const text = (p: string | undefined, what: string) =>
      p === undefined ? undefined : readInput(p, what).toString('utf8');
    return factsFromPasted({
      lspci: text(opts.lspci, 'the lspci -vvv output'),
      ethtool: opts.ethtool?.map((p) => readInput(p, 'the ethtool -i output').toString('utf8')),
      ipLink: text(opts.ipLink, 'the ip link show output'),
    });
  }
  if (opts.from !== undefined) {
    const data = readInput(opts.from, 'the snapshot');
    try {
      return readHostFacts(data);
    } catch (e) {
      if (e instanceof FactsInputError) {
        throw new UserError(
          e.message,
          { file: opts.from, ...(e.line !== null ? { line: e.line, column: 1 } : {}) },
          e.hint,
        );
      }
      throw e;
    }
  }
  try {
    return readHostFacts(await runCollector());
  } catch (e) {
    if (e instanceof CollectorError)
      throw new UserError(e.message, null, 'run it on a Linux host, or use --from SNAPSHOT');
    throw e;
  }
}

/** 1 when a readiness verdict is at or above --fail-on (for scripts and CI), else 0. */
export function probeExitCode(readiness: Readiness, failOn: 'error' | 'warning' | undefined): number {
  if (failOn === undefined) return 0;
  const at = failOn === 'error' ? ['error'] : ['error', 'warning'];
  return readiness.verdicts.some((v) => at.includes(v.level)) ? 1 : 0;
}

export async function probe(opts: ProbeOptions): Promise<number> {
  const facts = await loadFacts(opts);
  const readiness = assessReadiness(facts);
  if (opts.json) printJson(facts);
  else {
    const color = useColor(opts.color);
    printText(renderProbeText(facts, readiness, { color }), color);
  }
  return probeExitCode(readiness, opts.failOn);
}

const collectRepeatable = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

export function registerProbe(program: Command): void {
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
    .option('--lspci <file>', 'build facts from pasted `lspci -vvv` output')
    .addOption(
      new Option('--ethtool <file>', 'pasted `ethtool -i IFACE` output (repeatable)').argParser(
        collectRepeatable,
      ),
    )
    .option('--ip-link <file>', 'pasted `ip link show` output (either iproute2 VF format)')
    .addOption(
      new Option(
        '--fail-on <level>',
        'exit 1 when a readiness verdict is at or above this level (default: exit 0 whatever the verdicts)',
      ).choices(['error', 'warning']),
    )
    .addOption(colorOption())
    .addHelpText(
      'after',
      '\nExamples:\n  osa-sriov probe\n  osa-sriov probe --from compute1.snapshot --json\n  osa-sriov probe --lspci lspci.txt --ethtool ethtool.txt --ip-link ip-link.txt',
    )
    .action(async (opts: ProbeOptions) => {
      process.exitCode = await probe(opts);
    });
}
