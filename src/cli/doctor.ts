import { type Command, Option } from 'commander';
import { atLeastSeverity, type Severity } from '../checks/finding.js';
import { CheckContext } from '../deployment/context.js';
import { matchFacts } from '../deployment/facts-match.js';
import { buildModel } from '../osa/model.js';
import { releaseLabel } from '../osa/releases.js';
import { findingsJson } from '../report/findings-json.js';
import { findingsSarif } from '../report/findings-sarif.js';
import { renderFindingsText } from '../report/findings-text.js';
import type { CliRun } from './cli-io.js';
import { addCloudOptions, cloudOptionsFrom, readLiveCloudThen } from './cloud-options.js';
import { RELEASE_HELP, readDeployDir, releaseOption, repeatable } from './deploy-input.js';
import { UserError } from './errors.js';
import { readFactsPaths } from './facts-input.js';
import { addColorOption, type ColorMode, printJson, printText, useColor } from './output.js';

interface DoctorOptions extends Record<string, unknown> {
  deploy?: string;
  facts?: string[];
  host?: string[];
  release?: string;
  format: 'text' | 'json' | 'sarif';
  failOn: Severity;
  color?: ColorMode;
}

export async function doctor(opts: DoctorOptions, cli: CliRun): Promise<number> {
  const cloudOpts = cloudOptionsFrom(opts);
  if (opts.facts && !opts.deploy)
    throw new UserError(
      '--facts needs --deploy: doctor reads host facts through the deployment',
      null,
      'add --deploy /etc/openstack_deploy',
    );
  let deploy: CheckContext | null = null;
  const release = releaseOption(opts.release);
  if (opts.deploy) {
    const model = buildModel(readDeployDir(opts.deploy), release);
    const facts = matchFacts(model.inventory, readFactsPaths(opts.facts ?? [])).byHost;
    deploy = new CheckContext(model, facts);
  }
  // The cloud code loads when doctor runs: check and --help start without it.
  const [{ runDoctor }, { readErrorServerImages }] = await Promise.all([
    import('../cloud/doctor.js'),
    import('../cloud/flavor.js'),
  ]);
  const { cloud, extra: images } = await readLiveCloudThen(cloudOpts, cli, readErrorServerImages);
  const result = runDoctor({ cloud, deploy, hosts: opts.host ?? [], images });
  if (opts.format === 'json') {
    printJson(
      cli,
      findingsJson(result, {
        deployDir: opts.deploy ?? '',
        release: opts.deploy ? releaseLabel(release) : '',
        failOn: opts.failOn,
      }),
    );
  } else if (opts.format === 'sarif') {
    printJson(cli, findingsSarif(result));
  } else {
    const color = useColor(opts.color, cli);
    printText(
      cli,
      renderFindingsText(result, {
        command: 'doctor',
        color,
        title: `the live cloud${opts.deploy ? ` against ${opts.deploy} (OSA ${releaseLabel(release)})` : ''}`,
        failOn: opts.failOn,
      }),
      color,
    );
  }
  return result.findings.some((f) => atLeastSeverity(f.severity, opts.failOn)) ? 1 : 0;
}

export function registerDoctor(program: Command, cli: CliRun): void {
  const cmd = program
    .command('doctor')
    .description(
      'check the running cloud: NIC Switch agents, SR-IOV physnets, direct/macvtap ports and failed servers, each explained (rules: docs/rules/SRIOV-LIVE-*)',
    )
    .option(
      '--deploy <dir>',
      'the OSA config directory: compare agents with the planned mappings, explain failures against it',
    )
    .addOption(
      new Option('--facts <path>', 'host snapshots or HostFacts JSON (with --deploy), repeatable').argParser(
        repeatable,
      ),
    )
    .addOption(
      new Option('--host <name>', 'only findings about this host (repeatable)').argParser(repeatable),
    )
    .option('--release <release>', RELEASE_HELP)
    .addOption(
      new Option('--format <format>', 'text, json or sarif')
        .choices(['text', 'json', 'sarif'])
        .default('text'),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices(['error', 'warning', 'info'])
        .default('error'),
    );
  addColorOption(cmd);
  addCloudOptions(cmd)
    .addHelpText(
      'after',
      '\nCredentials: clouds.yaml (--os-cloud / OS_CLOUD) or OS_* variables (docs/cloud-connect.md).\nExit status: 0 no finding at or above --fail-on, 1 findings, 2 bad usage, unreachable or unauthorised cloud.',
    )
    .action(async (opts: DoctorOptions) => {
      cli.exitCode = await doctor(opts, cli);
    });
}
