import { type Command, Option } from 'commander';
import { DeployLoadError, loadDeployDir } from '../osa/load.js';
import { buildModel } from '../osa/model.js';
import { NEWEST_RELEASE, parseRelease, releaseNames } from '../osa/releases.js';
import { renderModelIni } from '../report/model-ini.js';
import { modelJson } from '../report/model-json.js';
import { UserError } from './errors.js';

interface RenderOptions {
  host?: string[];
  release?: string;
  format: 'ini' | 'json';
}

export function render(dir: string, opts: RenderOptions): void {
  const release = opts.release === undefined ? NEWEST_RELEASE : parseRelease(opts.release);
  if (!release)
    throw new UserError(
      `unknown OSA release "${opts.release}"`,
      null,
      `use one of ${releaseNames()} (or a point release such as 27.4.1)`,
    );
  let deploy: ReturnType<typeof loadDeployDir>;
  try {
    deploy = loadDeployDir(dir);
  } catch (e) {
    if (e instanceof DeployLoadError) {
      const l = e.location;
      throw new UserError(
        e.message,
        l ? { file: l.file, ...(l.line > 0 ? { line: l.line, column: l.column } : {}) } : null,
        e.hint,
      );
    }
    throw e;
  }
  const model = buildModel(deploy, release, opts.host);
  const missing = (opts.host ?? []).filter((h) => !model.inventory.hosts.has(h));
  if (missing.length > 0) {
    throw new UserError(
      `unknown host ${missing.join(', ')}`,
      { file: dir },
      `hosts in this inventory: ${[...model.inventory.hosts.keys()].join(', ')}`,
    );
  }
  if (opts.format === 'json') process.stdout.write(`${JSON.stringify(modelJson(model), null, 2)}\n`);
  else process.stdout.write(renderModelIni(model));
}

const repeatable = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerRender(program: Command): void {
  program
    .command('render')
    .description(
      "show each host's SR-IOV configuration as OpenStack-Ansible would write it, and where every value came from",
    )
    .argument('<deploy-dir>', 'the OSA config directory (like /etc/openstack_deploy)')
    .addOption(new Option('--host <name>', 'only this inventory host (repeatable)').argParser(repeatable))
    .option(
      '--release <release>',
      `OSA release: a major (18…33), a series (rocky…2026.1) or a point release (27.4.1); default ${NEWEST_RELEASE.series}`,
    )
    .addOption(
      new Option('--format <format>', 'ini (annotated fragments) or json (docs/render-json.md)')
        .choices(['ini', 'json'])
        .default('ini'),
    )
    .action(render);
}
