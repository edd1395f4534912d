import { type Command, Option } from 'commander';
import { buildInventory } from '../osa/inventory.js';
import { buildModel } from '../osa/model.js';
import { renderModelIni } from '../report/model-ini.js';
import { modelJson } from '../report/model-json.js';
import type { CliRun } from './cli-io.js';
import { RELEASE_HELP, readDeployDir, releaseOption, repeatable, requireHosts } from './deploy-input.js';

interface RenderOptions {
  host?: string[];
  release?: string;
  format: 'ini' | 'json';
}

export function render(dir: string, opts: RenderOptions, cli: CliRun): void {
  const release = releaseOption(opts.release);
  const deploy = readDeployDir(dir);
  const hosts = requireHosts(buildInventory(deploy, release), opts.host, dir);
  const model = buildModel(deploy, release, hosts);
  if (opts.format === 'json') cli.stdout.write(`${JSON.stringify(modelJson(model), null, 2)}\n`);
  else cli.stdout.write(renderModelIni(model));
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
