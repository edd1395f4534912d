// `osa-sriov verify`: its flags and help; the work (verify-run.ts, the cloud code) loads when
// it runs, so that the other commands and --help start without it.
import { type Command, Option } from 'commander';
import type { CliRun } from './cli-io.js';
import { addCloudOptions } from './cloud-options.js';
import { repeatable } from './deploy-input.js';
import type { VerifyCliOptions } from './verify-run.js';

export function registerVerify(program: Command, cli: CliRun): void {
  const cmd = program
    .command('verify')
    .description(
      'prove SR-IOV works host by host: boot a server with a direct/macvtap port pinned to each host, check the VF binding, delete everything (docs/verify.md)',
    )
    .addOption(new Option('--host <name>', 'a compute host to verify (repeatable)').argParser(repeatable))
    .option('--all-hosts', 'every host with a NIC Switch agent and nova-compute')
    .addOption(
      new Option(
        '--physnet <name>',
        'a physnet to verify (repeatable; default: those the agent maps)',
      ).argParser(repeatable),
    )
    .addOption(
      new Option(
        '--vnic-type <type>',
        'direct, macvtap or direct-physical (repeatable; default direct)',
      ).argParser(repeatable),
    )
    .option(
      '--network <name|id>',
      'the network for the ports (default: an existing one on the physnet, else a temporary one)',
    )
    .option('--image <name|id>', 'image to boot (default: a public image whose name contains "cirros")')
    .option('--flavor <name|id>', 'flavor (default: the smallest)')
    .option('--parallel <n>', 'cases in flight at once (default 1)')
    .addOption(
      new Option(
        '--facts <path>',
        'snapshots taken while the servers run: check the VF MAC/VLAN on the host (repeatable)',
      ).argParser(repeatable),
    )
    .option(
      '--ansible',
      "take a snapshot of each case's host through Ansible while its server runs (collect --ansible), and check the VF MAC/VLAN there",
    )
    .option(
      '-i, --inventory <path>',
      "the Ansible inventory for --ansible (default: OSA's dynamic inventory)",
    )
    .option('--keep-on-failure', 'keep the resources of a failed case and print their ids')
    .option('--yes', 'allow --all-hosts with --keep-on-failure')
    .option('--dry-run', 'print the cases and every resource they would create; create nothing')
    .option(
      '--cleanup',
      'delete what interrupted verify runs left (resources with the osa-sriov-verify: tag), only that',
    )
    .addOption(
      new Option('--format <format>', 'text, json or junit')
        .choices(['text', 'json', 'junit'])
        .default('text'),
    )
    .option('-o, --output <file>', 'write the report to this file (atomically) instead of stdout');
  addCloudOptions(cmd)
    .addHelpText(
      'after',
      '\n--timeout is, for verify, the seconds to wait for each server to become ACTIVE or ERROR (default 300).\nEvery resource is named osa-sriov-verify-<run>-… and tagged osa-sriov-verify:<run>; all are deleted on exit, SIGINT and SIGTERM.\nExit status: 0 all cases pass, 1 a case fails, 2 bad usage, credentials or unreachable cloud, 130 interrupted (after clean-up).',
    )
    .action(async (opts: VerifyCliOptions) => {
      // The cloud code loads when verify runs: check and --help start without it.
      const { verifyCommand } = await import('./verify-run.js');
      cli.exitCode = await verifyCommand(opts, cli);
    });
}
