// osa-sriov fit: which hosts can take a server of this flavor with N SR-IOV ports, and why the
// others cannot (docs/fit.md). Offline when the flavor is given here (--flavor-spec or
// --flavor-file: there is no Nova to ask), with the deployment and the facts; else against the
// live cloud, which gives the flavor, the image, the compute services and the VFs in use.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import type { HostOffer } from '../cloud/capacity.js';
import type { FitInput } from '../cloud/fit.js';
import type { HostFacts } from '../facts/host-facts.js';
import type { ServerAsk } from '../openstack/nova-fit.js';
import { NovaNumaError } from '../openstack/nova-numa-request.js';
import { NUMA_AFFINITY_POLICIES, type NumaAffinityPolicy } from '../openstack/nova-pci-match.js';
import { buildModel, type DeploymentModel } from '../osa/model.js';
import { jsonLoads } from '../python.js';
import type { CliRun } from './cli-io.js';
import { addCloudOptions, cloudOptionsFrom, readLiveCloudWith } from './cloud-options.js';
import { RELEASE_HELP, readDeployDir, releaseOption, repeatable } from './deploy-input.js';
import { UserError } from './errors.js';
import { readFactsPaths } from './facts-input.js';
import { readInput } from './io.js';
import { addColorOption, type ColorMode, printJson, printText, useColor } from './output.js';
import { factsByName } from './vf-map.js';

interface FitCliOptions extends Record<string, unknown> {
  flavor?: string;
  flavorSpec?: string[];
  flavorFile?: string;
  vcpus?: string;
  image?: string;
  imageProperty?: string[];
  physnet?: string;
  ports: string;
  host?: string[];
  vnicType: ServerAsk['vnicType'];
  numaPolicy?: NumaAffinityPolicy;
  deploy?: string;
  release?: string;
  facts?: string[];
  format: 'text' | 'json';
  color?: ColorMode;
}

/** key=value pairs of a repeatable flag, values kept as strings (as Nova and Glance keep them). */
function pairs(flag: string, items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0)
      throw new UserError(
        `${flag} ${JSON.stringify(item)} is not KEY=VALUE`,
        null,
        `for example ${flag} ${flag === '--flavor-spec' ? 'hw:cpu_policy=dedicated' : 'hw_numa_nodes=1'}`,
      );
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

const FlavorFileSchema = z
  .object({
    name: z.string().optional(),
    vcpus: z.number().int().nonnegative().optional(),
    extra_specs: z.record(z.string(), z.string()).optional(),
    // `openstack flavor show -f json` names them properties.
    properties: z.record(z.string(), z.string()).optional(),
  })
  .loose();

/** A flavor file: Nova's GET /flavors/{id} answer ({"flavor": …}) or `openstack flavor show -f json`. */
function readFlavorFile(file: string): { name?: string; vcpus?: number; extraSpecs: Record<string, string> } {
  let value: unknown;
  try {
    value = jsonLoads(readInput(file, 'the flavor file').toString('utf8'));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(
      `the flavor file is not JSON: ${(e as Error).message}`,
      { file },
      'give the JSON of `openstack flavor show FLAVOR -f json` or of Nova GET /flavors/{id}',
    );
  }
  const inner =
    value && typeof value === 'object' && 'flavor' in value ? (value as { flavor: unknown }).flavor : value;
  const r = FlavorFileSchema.safeParse(inner);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UserError(
      `the flavor file: ${issue.path.join('.') || '(top)'}: ${issue.message}`,
      { file },
      'extra_specs (or properties) is an object of string values, vcpus an integer',
    );
  }
  return {
    ...(r.data.name !== undefined ? { name: r.data.name } : {}),
    ...(r.data.vcpus !== undefined ? { vcpus: r.data.vcpus } : {}),
    extraSpecs: { ...(r.data.properties ?? {}), ...(r.data.extra_specs ?? {}) },
  };
}

function positiveInt(flag: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new UserError(
      `${flag} must be a whole number from 1 to ${max} (got ${JSON.stringify(text)})`,
      null,
      'see --help',
    );
  return Number(text);
}

export async function fitCommand(opts: FitCliOptions, cli: CliRun): Promise<number> {
  // The cloud code loads when fit runs: check and --help start without it.
  const [
    { agentOffers, deploymentWithFacts, devspecOffers },
    { fitServer, portNumaPolicyStored, refusedServices, schedulerNotes, usedFromCloud, usedFromFacts },
    { imageProperties, readFlavor, readImage },
    { hostSelected },
    { fitJson, renderFitText },
  ] = await Promise.all([
    import('../cloud/capacity.js'),
    import('../cloud/fit.js'),
    import('../cloud/flavor.js'),
    import('../cloud/vf-map.js'),
    import('../report/fit-text.js'),
  ]);
  if (!opts.flavor)
    throw new UserError(
      '--flavor is required',
      null,
      'name the flavor: --flavor m1.pinned (offline, with --flavor-spec or --flavor-file)',
    );
  if (!opts.physnet)
    throw new UserError(
      '--physnet is required',
      null,
      "the physnet of the ports' network: --physnet physnet1",
    );
  const ports = positiveInt('--ports', opts.ports, 64);
  const offline = (opts.flavorSpec?.length ?? 0) > 0 || opts.flavorFile !== undefined;
  if (opts.release !== undefined && !opts.deploy)
    throw new UserError(
      '--release needs --deploy: it selects how the deployment is read',
      null,
      'add --deploy /etc/openstack_deploy, or drop --release',
    );
  const release = releaseOption(opts.release);
  const facts: Map<string, HostFacts> = factsByName(readFactsPaths(opts.facts ?? []));
  let model: DeploymentModel | undefined;
  if (opts.deploy) model = buildModel(readDeployDir(opts.deploy), release);
  const portPolicy = opts.numaPolicy ?? null;
  const notes: string[] = [];
  let ask: ServerAsk;
  let input: Omit<FitInput, 'offers' | 'usedOn' | 'source' | 'usage'> & { refused?: Map<string, string> };
  let offers: HostOffer[];
  let usedOn: FitInput['usedOn'];
  if (offline) {
    for (const flag of ['osCloud', 'image'] as const)
      if (opts[flag] !== undefined)
        throw new UserError(
          `${flag === 'osCloud' ? '--os-cloud' : '--image'} with a flavor given here (--flavor-spec/--flavor-file): offline, nothing is read from the cloud`,
          null,
          flag === 'image'
            ? "give the image's properties with --image-property KEY=VALUE"
            : 'drop --flavor-spec/--flavor-file to read the flavor from the cloud',
        );
    if (!model || facts.size === 0)
      throw new UserError(
        'offline, fit needs --deploy and --facts: the device_spec pools and NUMA topology of each host',
        null,
        'add --deploy /etc/openstack_deploy --facts facts/ (osa-sriov collect --ansible -o facts/)',
      );
    const file = opts.flavorFile
      ? readFlavorFile(opts.flavorFile)
      : { extraSpecs: {} as Record<string, string> };
    const vcpus = opts.vcpus !== undefined ? positiveInt('--vcpus', opts.vcpus, 4096) : (file.vcpus ?? 1);
    ask = {
      flavor: { vcpus, extraSpecs: { ...file.extraSpecs, ...pairs('--flavor-spec', opts.flavorSpec ?? []) } },
      image: pairs('--image-property', opts.imageProperty ?? []),
      physnet: opts.physnet,
      ports,
      vnicType: opts.vnicType,
      portPolicy,
    };
    const ctx = deploymentWithFacts(model, facts, notes);
    notes.push(...schedulerNotes(ctx));
    offers = devspecOffers(ctx, notes);
    usedOn = (o) => usedFromFacts(o.facts);
    input = {
      flavorName: opts.flavor,
      imageName: (opts.imageProperty?.length ?? 0) > 0 ? '(--image-property)' : null,
      portPolicyExtension: null,
    };
  } else {
    if (opts.vcpus !== undefined || (opts.imageProperty?.length ?? 0) > 0)
      throw new UserError(
        `${opts.vcpus !== undefined ? '--vcpus' : '--image-property'} is for an offline flavor: against the cloud the flavor and image come from Nova and Glance`,
        null,
        'add --flavor-spec/--flavor-file to work offline, or drop it',
      );
    const cloudOpts = cloudOptionsFrom(opts);
    const flavorRef = opts.flavor;
    const imageRef = opts.image;
    const { cloud, extra } = await readLiveCloudWith(cloudOpts, cli, async (s) => ({
      flavor: await readFlavor(s, flavorRef),
      image: imageRef ? await readImage(s, imageRef) : null,
    }));
    ask = {
      flavor: { vcpus: extra.flavor.vcpus, extraSpecs: extra.flavor.extra_specs ?? {} },
      image: extra.image ? imageProperties(extra.image) : {},
      physnet: opts.physnet,
      ports,
      vnicType: opts.vnicType,
      portPolicy,
    };
    const ctx = model ? deploymentWithFacts(model, facts, notes) : null;
    notes.push(...schedulerNotes(ctx));
    offers = ctx ? devspecOffers(ctx, notes) : agentOffers(cloud, facts, notes);
    usedOn = usedFromCloud(offers, cloud);
    input = {
      flavorName: extra.flavor.name,
      imageName: extra.image ? extra.image.name || extra.image.id : null,
      portPolicyExtension: portNumaPolicyStored(cloud),
      refused: refusedServices(cloud, offers),
    };
  }
  for (const h of opts.host ?? [])
    if (!offers.some((o) => hostSelected(o.host, [h])))
      throw new UserError(
        `--host ${h}: no SR-IOV compute host of that name (${model ? 'a compute with a Nova device_spec in the deployment' : 'a host with a NIC Switch agent'})`,
        null,
        `the hosts are: ${offers.map((o) => o.host).join(', ') || 'none'}`,
      );
  offers = offers.filter((o) => hostSelected(o.host, opts.host));
  let report: ReturnType<typeof fitServer>;
  try {
    report = fitServer(ask, {
      ...input,
      offers,
      usedOn,
      source: model ? 'device_spec' : 'agent',
      usage: offline ? 'facts' : 'cloud',
      notes,
    });
  } catch (e) {
    if (e instanceof NovaNumaError)
      throw new UserError(
        `Nova refuses a server of this flavor${ask.image && Object.keys(ask.image).length > 0 ? ' and image' : ''} before scheduling: ${e.pyClass}: ${e.message}`,
        null,
        "fix the flavor's extra specs (or the image's properties); docs/numa.md lists the rules",
      );
    throw e;
  }
  const mode = offline ? 'offline' : 'cloud';
  if (opts.format === 'json') printJson(cli, fitJson(report, mode));
  else {
    const color = useColor(opts.color, cli);
    printText(cli, renderFitText(report, { color, mode, deployDir: opts.deploy ?? null }), color);
  }
  return report.fits.length > 0 ? 0 : 1;
}

export function registerFit(program: Command, cli: CliRun): void {
  const cmd = program
    .command('fit')
    .description(
      "which hosts can take a server of this flavor with SR-IOV ports on a physnet, as Nova's PCI and PCI NUMA affinity rules decide, and why each other host cannot (docs/fit.md)",
    )
    .option(
      '--flavor <name>',
      'the flavor: its name or id in Nova; offline, the name shown for --flavor-spec/--flavor-file',
    )
    .addOption(
      new Option(
        '--flavor-spec <key=value>',
        "offline: one of the flavor's extra specs (repeatable), e.g. hw:cpu_policy=dedicated",
      ).argParser(repeatable),
    )
    .option(
      '--flavor-file <file>',
      'offline: the flavor as JSON (`openstack flavor show F -f json`, or Nova GET /flavors/{id})',
    )
    .option('--vcpus <n>', "offline: the flavor's vCPUs (default: the flavor file's, else 1)")
    .option('--image <name>', 'the image (name or id in Glance): its hw_* properties count too')
    .addOption(
      new Option(
        '--image-property <key=value>',
        "offline: one of the image's properties (repeatable), e.g. hw_numa_nodes=1",
      ).argParser(repeatable),
    )
    .option('--physnet <physnet>', "the physnet of the ports' network")
    .option('--ports <n>', 'SR-IOV ports of the server, all on that physnet', '1')
    .addOption(
      new Option('--host <name>', 'only this host (repeatable; short or FQDN)').argParser(repeatable),
    )
    .addOption(
      new Option('--vnic-type <type>', "the ports' binding:vnic_type")
        .choices(['direct', 'macvtap', 'direct-physical'])
        .default('direct'),
    )
    .addOption(
      new Option(
        '--numa-policy <policy>',
        "the ports' numa_affinity_policy (needs Neutron's port_numa_affinity_policy extension driver, which OSA does not enable by default)",
      ).choices([...NUMA_AFFINITY_POLICIES]),
    )
    .option(
      '--deploy <dir>',
      "the OSA config directory: each compute's Nova device_spec gives its PCI pools (needed offline)",
    )
    .option('--release <release>', `${RELEASE_HELP} (with --deploy)`)
    .addOption(
      new Option(
        '--facts <path>',
        'host snapshots or HostFacts JSON, or a directory of them (repeatable): devices, NUMA topology',
      ).argParser(repeatable),
    )
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'));
  addColorOption(cmd);
  addCloudOptions(cmd)
    .addHelpText(
      'after',
      '\nOffline (--flavor-spec or --flavor-file, with --deploy and --facts) nothing is read from the cloud; otherwise the flavor, the image, the compute services and the VFs in use come from the cloud.\nExit status: 0 the server fits on some host, 1 on none, 2 bad usage or input, a flavor/image Nova refuses, an unreachable or unauthorised cloud.',
    )
    .action(async (opts: FitCliOptions) => {
      cli.exitCode = await fitCommand(opts, cli);
    });
}
