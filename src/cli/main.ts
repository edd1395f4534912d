#!/usr/bin/env node
// The osa-sriov command line: commander wiring only; the work is in the library.
// main() runs one command line with the I/O it is given and returns the exit status; it runs by
// itself only when this file is the program (node dist/cli/main.js), not when it is imported.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { Command, CommanderError } from 'commander';
import { formatInputError, InputError, inputErrorDocument } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { registerCapacity } from './capacity.js';
import { registerCheck } from './check.js';
import { type CliIo, type CliRun, processIo } from './cli-io.js';
import { registerCollect } from './collect.js';
import { registerCompletion } from './completion.js';
import { registerDevspec } from './devspec.js';
import { registerDoctor } from './doctor.js';
import { wantsJson } from './errors.js';
import { registerFit } from './fit.js';
import { registerMan } from './man.js';
import { printData, printErr } from './output.js';
import { registerPci } from './pci.js';
import { registerPlan } from './plan.js';
import { registerProbe } from './probe.js';
import { registerRender } from './render.js';
import { registerRules } from './rules.js';
import { applyUsageErrors } from './usage.js';
import { registerVerify } from './verify.js';
import { registerVfMap } from './vf-map.js';

export function buildProgram(cli: CliRun): Command {
  const program = new Command();
  // Before the subcommands are added: they inherit the output settings and exitOverride.
  program.configureOutput({
    writeOut: (s) => printData(cli, s),
    writeErr: (s) => printErr(cli, s),
    // 80 is commander's own width when the output is not a terminal.
    getOutHelpWidth: () => (cli.stdout.isTTY ? (cli.stdout.columns ?? 80) : 80),
    getErrHelpWidth: () => (cli.stderr.isTTY ? (cli.stderr.columns ?? 80) : 80),
    getOutHasColors: () => cli.stdout.isTTY === true && !cli.env.NO_COLOR,
    getErrHasColors: () => cli.stderr.isTTY === true && !cli.env.NO_COLOR,
  });
  program.exitOverride();
  program
    .name('osa-sriov')
    .description('Discover, model, check, plan and observe SR-IOV networking for OpenStack-Ansible clouds')
    .version(TOOL_VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerCollect(program, cli);
  registerProbe(program, cli);
  registerRender(program, cli);
  registerDevspec(program, cli);
  registerCheck(program, cli);
  registerPlan(program, cli);
  registerDoctor(program, cli);
  registerVfMap(program, cli);
  registerCapacity(program, cli);
  registerFit(program, cli);
  registerPci(program, cli);
  registerRules(program, cli);
  registerCompletion(program, cli);
  registerMan(program, cli);
  registerVerify(program, cli);
  for (const cmd of program.commands) cmd.exitOverride();
  applyUsageErrors(program, cli);
  return program;
}

/**
 * Runs one command line (the arguments after the program name) and returns its exit status:
 * 0 fine, 1 findings, 2 bad usage or input. Never exits the process nor writes outside `io`.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const cli: CliRun = { ...io, exitCode: 0 };
  let leave = () => {};
  try {
    leave = enterCwd(io.cwd);
    await buildProgram(cli).parseAsync([...argv], { from: 'user' });
    return cli.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof InputError) {
      // The one place input errors are reported: what/where/fix on stderr, and the code on
      // stdout as JSON when JSON output was asked for.
      printErr(cli, formatInputError(e));
      if (wantsJson(argv)) printData(cli, inputErrorDocument(e));
      return 2;
    }
    // A bug of ours must still not end in a stack trace or a code that means "findings".
    const message = e instanceof Error ? e.message : String(e);
    printErr(
      cli,
      `osa-sriov: internal error: ${message}\n  fix: please report it with the command line (OSA_SRIOV_DEBUG=1 prints the stack)\n`,
    );
    if (cli.env.OSA_SRIOV_DEBUG === '1' && e instanceof Error) printErr(cli, `${e.stack}\n`);
    return 2;
  } finally {
    leave();
  }
}

/**
 * Relative paths (arguments, clouds.yaml beside us, commands we run) resolve from io.cwd. The
 * working directory is the process's, so a run elsewhere than process.cwd() moves it there and
 * back: one such run at a time, in the main thread (a worker thread cannot change it).
 */
function enterCwd(cwd: string): () => void {
  const before = process.cwd();
  if (resolve(cwd) === before) return () => {};
  if (!isMainThread)
    throw new Error(`cannot run in ${cwd} from a worker thread (its directory is ${before})`);
  process.chdir(cwd);
  return () => process.chdir(before);
}

function isProgram(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(new URL(import.meta.url));
  } catch {
    return false;
  }
}

// No top-level await: scripts/build-cli.js bundles this file as CommonJS.
if (isProgram())
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
