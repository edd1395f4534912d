import { type Command, Option } from 'commander';
import { factsFromPasted } from '../facts/build.js';
import type { HostFacts } from '../facts/host-facts.js';
import { FactsInputError, readHostFacts } from '../facts/load.js';
import { assessReadiness } from '../facts/readiness.js';
import { CollectorError, runCollector } from '../facts/run-collector.js';
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

async function loadFacts(opts: ProbeOptions, cli: CliRun): Promise<HostFacts> {
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
    return readHostFacts(await runCollector({ env: cli.env }));
  } catch (e) {
    if (e instanceof CollectorError)
      throw new UserError(e.message, null, 'run it on a Linux host, or use --from SNAPSHOT');
    throw e;
  }
}

export async function probe(opts: ProbeOptions, cli: CliRun): Promise<void> {
  const facts = await loadFacts(opts, cli);
  if (opts.json) {
    cli.stdout.write(`${JSON.stringify(facts, null, 2)}\n`);
    return;
  }
  cli.stdout.write(renderProbeText(facts, assessReadiness(facts)));
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
    .option('--lspci <file>', 'build facts from pasted `lspci -vvv` output')
    .addOption(
      new Option('--ethtool <file>', 'pasted `ethtool -i IFACE` output (repeatable)').argParser(
        collectRepeatable,
      ),
    )
    .option('--ip-link <file>', 'pasted `ip link show` output (either iproute2 VF format)')
    .addHelpText(
      'after',
      '\nExamples:\n  osa-sriov probe\n  osa-sriov probe --from compute1.snapshot --json\n  osa-sriov probe --lspci lspci.txt --ethtool ethtool.txt --ip-link ip-link.txt',
    )
    .action((opts: ProbeOptions) => probe(opts, cli));
}
