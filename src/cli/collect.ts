import type { Command } from 'commander';
import { CollectorError, runCollector } from '../facts/run-collector.js';
import { UserError } from './errors.js';
import { writeAtomically } from './io.js';

export async function collect(opts: { output?: string }): Promise<void> {
  let snapshot: Buffer;
  try {
    snapshot = await runCollector();
  } catch (e) {
    if (e instanceof CollectorError)
      throw new UserError(e.message, null, 'run it on a Linux host with /bin/sh');
    throw e;
  }
  if (opts.output === undefined || opts.output === '-') process.stdout.write(snapshot);
  else writeAtomically(opts.output, snapshot);
}

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description(
      'run the read-only collector on this host and write one snapshot (run it as root for lspci details)',
    )
    .option('-o, --output <file>', 'write the snapshot to FILE instead of standard output')
    .addHelpText(
      'after',
      '\nThe snapshot format is documented in docs/snapshot-format.md; `probe --from FILE` reads it.',
    )
    .action(collect);
}
