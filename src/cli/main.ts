#!/usr/bin/env node
// The osa-sriov command line: commander wiring only; the work is in the library.
import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { registerCapacity } from './capacity.js';
import { registerCheck } from './check.js';
import { registerCollect } from './collect.js';
import { registerCompletion } from './completion.js';
import { registerDevspec } from './devspec.js';
import { registerDoctor } from './doctor.js';
import { formatUserError, UserError } from './errors.js';
import { registerMan } from './man.js';
import { printErr } from './output.js';
import { registerPlan } from './plan.js';
import { registerProbe } from './probe.js';
import { registerRender } from './render.js';
import { registerRules } from './rules.js';
import { applyUsageErrors } from './usage.js';
import { registerVfMap } from './vf-map.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('osa-sriov')
    .description('Discover, model, check, plan and observe SR-IOV networking for OpenStack-Ansible clouds')
    .version(TOOL_VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerCollect(program);
  registerProbe(program);
  registerRender(program);
  registerDevspec(program);
  registerCheck(program);
  registerPlan(program);
  registerDoctor(program);
  registerVfMap(program);
  registerCapacity(program);
  registerRules(program);
  registerCompletion(program);
  registerMan(program);
  for (const cmd of program.commands) cmd.exitOverride();
  applyUsageErrors(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UserError) {
      printErr(formatUserError(e));
      return 2;
    }
    // A bug of ours must still not end in a stack trace or a code that means "findings".
    const message = e instanceof Error ? e.message : String(e);
    printErr(
      `osa-sriov: internal error: ${message}\n  fix: please report it with the command line (OSA_SRIOV_DEBUG=1 prints the stack)\n`,
    );
    if (process.env.OSA_SRIOV_DEBUG === '1' && e instanceof Error) printErr(`${e.stack}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
