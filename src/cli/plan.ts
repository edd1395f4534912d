// `osa-sriov plan`: its flags and help; the planner (plan-run.ts) loads when it runs, so that
// the other commands and --help start without it.
import { type Command, Option } from 'commander';
import type { CliRun } from './cli-io.js';
import { repeatable } from './deploy-input.js';
import type { PlanOptions } from './plan-run.js';

export function registerPlan(program: Command, cli: CliRun): void {
  program
    .command('plan')
    .description(
      'from an intent file (docs/intent.md), derive the SR-IOV configuration of an OSA deployment: print a summary and a unified diff of the deploy directory, apply it with --write, generate the host-setup playbook with --host-setup',
    )
    .argument('<intent>', 'the intent YAML file (docs/intent.md)')
    .requiredOption('--deploy <dir>', 'the OSA config directory (like /etc/openstack_deploy)')
    .addOption(
      new Option(
        '--facts <path>',
        'host snapshots or HostFacts JSON, or a directory of them (repeatable)',
      ).argParser(repeatable),
    )
    .option(
      '--write',
      'apply the edits to the deploy directory (atomically, under a lock, keeping <file>.osa-sriov-<time>.bak; docs/write-policy.md)',
    )
    .option(
      '--host-setup <dir>',
      'write the host-setup Ansible playbook (IOMMU kernel arguments, VFs at boot) to this directory',
    )
    .addOption(
      new Option(
        '--accept <rule>',
        'accept the warnings of this rule that the plan introduces (repeatable); without it they make the plan fail',
      ).argParser(repeatable),
    )
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nExit status: 0 the plan is valid (whether or not it changes anything), 1 the intent cannot be satisfied, or the plan introduces an error or a warning not accepted with --accept (nothing is written), 2 bad usage or input.',
    )
    .action(async (intentFile: string, opts: PlanOptions) => {
      // The planner loads when plan runs: check and --help start without it.
      const { plan } = await import('./plan-run.js');
      cli.exitCode = plan(intentFile, opts, cli);
    });
}
