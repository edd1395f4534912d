import { type Command, Option } from 'commander';
import type { FactsFile } from '../deployment/facts-match.js';
import type { HostFacts } from '../facts/host-facts.js';
import type { CliRun } from './cli-io.js';
import { addCloudOptions, cloudOptionsFrom, readLiveCloud } from './cloud-options.js';
import { repeatable } from './deploy-input.js';
import { UserError } from './errors.js';
import { readFactsPaths } from './facts-input.js';
import { addColorOption, type ColorMode, printJson, printText, useColor } from './output.js';

interface VfMapCliOptions extends Record<string, unknown> {
  color?: ColorMode;
  facts?: string[];
  host?: string[];
  format: 'table' | 'json';
}

/**
 * --facts keyed by file stem (collect --ansible writes <inventory_hostname>.snapshot); the
 * cloud's host names are matched against it and the recorded hostname later. Two files for one
 * stem cannot both be right.
 */
export function factsByName(files: readonly FactsFile[]): Map<string, HostFacts> {
  const out = new Map<string, HostFacts>();
  const seen = new Map<string, string>();
  for (const f of files) {
    const before = seen.get(f.stem);
    if (before)
      throw new UserError(
        `several facts files describe host ${f.stem}: ${before}, ${f.file}`,
        { file: f.file },
        'keep one facts file per host in the --facts directories',
        'facts-conflict',
      );
    seen.set(f.stem, f.file);
    out.set(f.stem, f.facts);
  }
  return out;
}

/** The live cloud, read once; an unreachable or unauthorised cloud is a usage error (exit 2). */
export async function vfMapCommand(opts: VfMapCliOptions, cli: CliRun): Promise<number> {
  // Local input first: a typo in a flag or in --facts should not wait for Keystone.
  const cloudOpts = cloudOptionsFrom(opts);
  const facts = factsByName(readFactsPaths(opts.facts ?? []));
  const cloud = await readLiveCloud(cloudOpts, cli);
  // The cloud code loads when vf-map runs: check and --help start without it.
  const [{ vfMap, vfMapSummary }, { renderVfMapText, vfMapJson }] = await Promise.all([
    import('../cloud/vf-map.js'),
    import('../report/vf-map-text.js'),
  ]);
  const map = vfMap(cloud, facts, { host: opts.host ?? [] });
  if (opts.format === 'json') printJson(cli, vfMapJson(map));
  else {
    const color = useColor(opts.color, cli);
    printText(cli, renderVfMapText(map, { color }), color);
  }
  const sum = vfMapSummary(map);
  return sum.errors + sum.warnings > 0 ? 1 : 0;
}

export function registerVfMap(program: Command, cli: CliRun): void {
  const cmd = program
    .command('vf-map')
    .description(
      'which VF each SR-IOV port holds: host, PF, VF, MAC, VLAN, port and server, from the live cloud and host facts, with discrepancies flagged (docs/vf-map.md)',
    )
    .addOption(
      new Option(
        '--facts <path>',
        'host snapshots or HostFacts JSON, or a directory of them (repeatable): VF tables to join',
      ).argParser(repeatable),
    )
    .addOption(
      new Option('--host <name>', 'only this host (repeatable; short or FQDN)').argParser(repeatable),
    )
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'));
  addColorOption(cmd);
  addCloudOptions(cmd)
    .addHelpText(
      'after',
      '\nExit status: 0 no discrepancy, 1 discrepancies (leaked or mismatched VFs), 2 bad usage or input, unreachable or unauthorised cloud.',
    )
    .action(async (opts: VfMapCliOptions) => {
      cli.exitCode = await vfMapCommand(opts, cli);
    });
}
