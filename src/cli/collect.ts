import type { Command } from 'commander';
import { runCollector } from '../facts/run-collector.js';
import type { CliRun } from './cli-io.js';
import {
  type CollectAnsibleOptions,
  collectAnsible,
  OSA_CONFIG_DIR,
  OSA_INVENTORY,
} from './collect-ansible.js';
import { UserError } from './errors.js';
import { writeAtomically } from './io.js';

interface CollectOptions extends CollectAnsibleOptions {
  ansible?: boolean;
}

const ANSIBLE_ONLY = [
  'inventory',
  'limit',
  'forks',
  'hosts',
  'timeout',
  'osaConfigDir',
  'ansiblePlaybook',
] as const;

export async function collect(opts: CollectOptions, cli: CliRun): Promise<number> {
  if (opts.ansible) return collectAnsible(opts, cli);
  const stray = ANSIBLE_ONLY.filter((k) => opts[k] !== undefined);
  if (stray.length > 0)
    throw new UserError(
      `--${stray[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} only applies with --ansible`,
      null,
      'add --ansible to collect from the fleet, or drop the option to collect this host',
    );
  const snapshot = await runCollector({ env: cli.env });
  if (opts.output === undefined || opts.output === '-') cli.stdout.write(snapshot);
  else writeAtomically(opts.output, snapshot);
  return 0;
}

export function registerCollect(program: Command, cli: CliRun): void {
  program
    .command('collect')
    .description(
      'run the read-only collector on this host and write one snapshot (run it as root for lspci details); with --ansible, on every SR-IOV host of an OSA cloud',
    )
    .option(
      '-o, --output <path>',
      'this host: the snapshot file (default: standard output); --ansible: the directory of <inventory_hostname>.snapshot files',
    )
    .option('--ansible', 'collect from the fleet with ansible-playbook and ansible/collect-sriov-facts.yml')
    .option('-i, --inventory <path>', `Ansible inventory (default: OSA's ${OSA_INVENTORY})`)
    .option(
      '--osa-config-dir <dir>',
      `OSA_CONFIG_DIR for OSA's inventory (default: $OSA_CONFIG_DIR or ${OSA_CONFIG_DIR})`,
    )
    .option('--hosts <pattern>', 'the hosts to collect from (default: neutron_sriov_nic_agent:nova_compute)')
    .option(
      '--limit <pattern>',
      'only these hosts (ansible-playbook --limit): refreshes their snapshots, keeps the others',
    )
    .option('--forks <n>', 'hosts in parallel (ansible-playbook --forks)')
    .option('--timeout <seconds>', 'how long one host may take (default 300)')
    .option(
      '--ansible-playbook <path>',
      'the ansible-playbook to run (default: on PATH, then /opt/ansible-runtime/bin)',
    )
    .addHelpText(
      'after',
      '\nThe snapshot format is documented in docs/snapshot-format.md; `probe --from FILE` reads it.\nFleet collection: docs/collect.md. Exit status with --ansible: 0 every host collected, 1 some host unreachable or failed (the others are saved), 2 bad usage or Ansible could not run.',
    )
    .action(async (opts: CollectOptions) => {
      cli.exitCode = await collect(opts, cli);
    });
}
