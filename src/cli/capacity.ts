import { type Command, Option } from 'commander';
import { NovaNumaError } from '../openstack/nova-numa-request.js';
import type { DeploymentModel } from '../osa/model.js';
import { buildModel } from '../osa/model.js';
import { releaseLabel } from '../osa/releases.js';
import type { CliRun } from './cli-io.js';
import { addCloudOptions, cloudOptionsFrom, readLiveCloudWith } from './cloud-options.js';
import { RELEASE_HELP, readDeployDir, releaseOption, repeatable } from './deploy-input.js';
import { UserError } from './errors.js';
import { readFactsPaths } from './facts-input.js';
import { addColorOption, type ColorMode, emitReport, jsonText, reportColor } from './output.js';
import { factsByName } from './vf-map.js';

interface CapacityCliOptions extends Record<string, unknown> {
  color?: ColorMode;
  deploy?: string;
  release?: string;
  facts?: string[];
  host?: string[];
  format: 'table' | 'json' | 'html';
  output?: string;
  osCloud?: string;
  flavor?: string;
  image?: string;
  ports: string;
  vnicType: 'direct' | 'macvtap' | 'direct-physical';
}

export async function capacityCommand(opts: CapacityCliOptions, cli: CliRun): Promise<number> {
  if (opts.release !== undefined && !opts.deploy)
    throw new UserError(
      '--release needs --deploy: it selects how the deployment is read',
      null,
      'add --deploy /etc/openstack_deploy, or drop --release',
    );
  // Local input first: a typo in a flag, --facts or --deploy should not wait for Keystone.
  const cloudOpts = cloudOptionsFrom(opts);
  const release = releaseOption(opts.release);
  const facts = factsByName(readFactsPaths(opts.facts ?? []));
  let model: DeploymentModel | undefined;
  if (opts.deploy) model = buildModel(readDeployDir(opts.deploy), release);
  if (!opts.flavor && (opts.image !== undefined || opts.ports !== '1'))
    throw new UserError(
      `${opts.image !== undefined ? '--image' : '--ports'} needs --flavor: it describes the servers to count`,
      null,
      'add --flavor FLAVOR',
    );
  if (!/^\d+$/.test(opts.ports) || Number(opts.ports) < 1 || Number(opts.ports) > 64)
    throw new UserError(
      `--ports must be a whole number from 1 to 64 (got ${JSON.stringify(opts.ports)})`,
      null,
      'see --help',
    );
  const flavorRef = opts.flavor;
  const imageRef = opts.image;
  // The cloud code loads when capacity runs: check and --help start without it.
  const [
    { capacity },
    { imageProperties, readFlavor, readImage },
    { vfMap },
    { capacityJson, renderCapacityText },
    { renderCapacityHtml },
  ] = await Promise.all([
    import('../cloud/capacity.js'),
    import('../cloud/flavor.js'),
    import('../cloud/vf-map.js'),
    import('../report/capacity-text.js'),
    import('../report/html/capacity-page.js'),
  ]);
  const { cloud, extra } = await readLiveCloudWith(cloudOpts, cli, async (s) =>
    flavorRef
      ? { flavor: await readFlavor(s, flavorRef), image: imageRef ? await readImage(s, imageRef) : null }
      : null,
  );
  let result: ReturnType<typeof capacity>;
  try {
    result = capacity(cloud, facts, {
      ...(model ? { model } : {}),
      hosts: opts.host ?? [],
      ...(extra
        ? {
            server: {
              flavorName: extra.flavor.name,
              imageName: extra.image ? extra.image.name || extra.image.id : null,
              ask: {
                flavor: { vcpus: extra.flavor.vcpus, extraSpecs: extra.flavor.extra_specs ?? {} },
                image: extra.image ? imageProperties(extra.image) : {},
                ports: Number(opts.ports),
                vnicType: opts.vnicType,
              },
            },
          }
        : {}),
    });
  } catch (e) {
    if (e instanceof NovaNumaError)
      throw new UserError(
        `Nova refuses a server of flavor ${opts.flavor} before scheduling: ${e.pyClass}: ${e.message}`,
        null,
        "fix the flavor's extra specs (or the image's properties); docs/numa.md lists the rules",
      );
    throw e;
  }
  const deployDir = opts.deploy ?? null;
  const isText = opts.format !== 'json' && opts.format !== 'html';
  const color = isText && reportColor(opts.color, opts.output, cli);
  let text: string;
  if (opts.format === 'json') text = jsonText(capacityJson(result, { deployDir }));
  else if (opts.format === 'html')
    text = renderCapacityHtml(result, vfMap(cloud, facts, { host: opts.host ?? [] }), {
      deployDir,
      release: model ? releaseLabel(release) : null,
      cloud: opts.osCloud ?? cli.env.OS_CLOUD ?? cli.env.OS_AUTH_URL ?? 'the cloud',
      generatedAt: new Date(),
    });
  else
    text = renderCapacityText(result, {
      color,
      deployDir,
      ...(model ? { release: releaseLabel(release) } : {}),
    });
  emitReport(cli, { text, isText, color }, opts.output);
  return result.exhausted.length > 0 ? 1 : 0;
}

export function registerCapacity(program: Command, cli: CliRun): void {
  const cmd = program
    .command('capacity')
    .description(
      "SR-IOV VFs total / in use / free per host × physnet (× NUMA node), from the live cloud, host facts and, with --deploy, Nova's device_spec (docs/capacity.md)",
    )
    .option(
      '--deploy <dir>',
      "the OSA config directory: count the VFs each compute's Nova device_spec offers per physnet (default: the agents' device_mappings)",
    )
    .option('--release <release>', `${RELEASE_HELP} (with --deploy)`)
    .addOption(
      new Option(
        '--facts <path>',
        'host snapshots or HostFacts JSON, or a directory of them (repeatable): the VFs each host has',
      ).argParser(repeatable),
    )
    .addOption(
      new Option('--host <name>', 'only this host (repeatable; short or FQDN)').argParser(repeatable),
    )
    .option(
      '--flavor <name>',
      "also count, per host × physnet and PCI NUMA policy, the servers of this flavor (name or id) that still fit, as Nova's PCI NUMA affinity decides",
    )
    .option('--image <name>', "with --flavor: the servers' image (its hw_* properties count too)")
    .option('--ports <n>', 'with --flavor: SR-IOV ports per server', '1')
    .addOption(
      new Option('--vnic-type <type>', "with --flavor: the ports' binding:vnic_type")
        .choices(['direct', 'macvtap', 'direct-physical'])
        .default('direct'),
    )
    .addOption(
      new Option('--format <format>', 'table, json or html (one self-contained page, docs/report.md)')
        .choices(['table', 'json', 'html'])
        .default('table'),
    )
    .option('-o, --output <file>', 'write the report to this file (atomically) instead of stdout');
  addColorOption(cmd);
  addCloudOptions(cmd)
    .addHelpText(
      'after',
      '\nExit status: 0 every host × physnet has a free VF (or unknown totals), 1 some host × physnet with VFs has none free, 2 bad usage or input, unreachable or unauthorised cloud.',
    )
    .action(async (opts: CapacityCliOptions) => {
      cli.exitCode = await capacityCommand(opts, cli);
    });
}
