import { type Command, Option } from 'commander';
import { buildInventory } from '../osa/inventory.js';
import { buildModel } from '../osa/model.js';
import { renderModelIni } from '../report/model-ini.js';
import { modelJson } from '../report/model-json.js';
import type { CliRun } from './cli-io.js';
import { RELEASE_HELP, readDeployDir, releaseOption, repeatable, requireHosts } from './deploy-input.js';
import { printErr, printJson, printText } from './output.js';

interface RenderOptions {
  host?: string[];
  release?: string;
  format: 'ini' | 'json';
}

export function render(dir: string, opts: RenderOptions, cli: CliRun): void {
  const release = releaseOption(opts.release);
  const deploy = readDeployDir(dir);
  const inventory = buildInventory(deploy, release);
  const hosts = requireHosts(inventory, opts.host, dir);
  // OSA stops in its inventory generator: there are no settings to show, only where it fails.
  if (inventory.failures.length > 0) {
    for (const f of inventory.failures) {
      const at =
        f.location && f.location.line > 0
          ? `${f.location.file}:${f.location.line}:${f.location.column}: `
          : '';
      printErr(cli, `osa-sriov: error: ${at}${f.message}\n`);
    }
    printErr(
      cli,
      '  fix: give the entry an ip_from_q (a cidr_networks queue), or keep the bound services on metal (is_metal: true in env.d), or bind it only to groups whose hosts are on metal; `osa-sriov check` reports it as SRIOV-OSA-001\n',
    );
    cli.exitCode = 1;
    return;
  }
  const model = buildModel(deploy, release, hosts);
  if (opts.format === 'json') printJson(cli, modelJson(model));
  else printText(cli, renderModelIni(model));
}

export function registerRender(program: Command, cli: CliRun): void {
  program
    .command('render')
    .description(
      "show each host's SR-IOV configuration as OpenStack-Ansible would write it, and where every value came from",
    )
    .argument('<deploy-dir>', 'the OSA config directory (like /etc/openstack_deploy)')
    .addOption(new Option('--host <name>', 'only this inventory host (repeatable)').argParser(repeatable))
    .option('--release <release>', RELEASE_HELP)
    .addOption(
      new Option('--format <format>', 'ini (annotated fragments) or json (docs/render-json.md)')
        .choices(['ini', 'json'])
        .default('ini'),
    )
    .action((dir: string, opts: RenderOptions) => render(dir, opts, cli));
}
