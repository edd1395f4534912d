// The cloud connection flags every live-cloud command shares, named as the `openstack` client
// names them, so an operator's habits (and scripts) carry over.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import type { CloudOptions, CloudSession } from '../cloud/client.js';
import type { CloudSnapshot } from '../cloud/types.js';
import type { CliIo } from './cli-io.js';
import { UserError } from './errors.js';
import { printErr } from './output.js';

export function addCloudOptions(cmd: Command): Command {
  return cmd
    .option('--os-cloud <name>', 'cloud of clouds.yaml to use (default: $OS_CLOUD, else the OS_* variables)')
    .option('--insecure', 'do not verify TLS certificates (a warning is printed)')
    .option('--os-cacert <file>', 'PEM file of the CA that signed the API certificates')
    .option('--os-region-name <region>', 'region of the endpoints to use')
    .addOption(
      new Option('--os-interface <interface>', 'endpoint interface to use (default: public)').choices([
        'public',
        'internal',
        'admin',
      ]),
    )
    .option('--timeout <seconds>', 'seconds to wait for each API answer (default: 30)');
}

const FlagsSchema = z.object({
  osCloud: z.string().min(1, 'is empty').optional(),
  insecure: z.boolean().optional(),
  osCacert: z.string().min(1, 'is empty').optional(),
  osRegionName: z.string().min(1, 'is empty').optional(),
  osInterface: z.enum(['public', 'internal', 'admin'], 'must be public, internal or admin').optional(),
  timeout: z
    .union([z.string(), z.number()])
    .transform((v) => Number(v))
    .refine((n) => Number.isFinite(n) && n > 0 && n <= 3600, 'must be a number of seconds between 0 and 3600')
    .optional(),
});

const FLAG_NAMES: Record<string, string> = {
  osCloud: '--os-cloud',
  insecure: '--insecure',
  osCacert: '--os-cacert',
  osRegionName: '--os-region-name',
  osInterface: '--os-interface',
  timeout: '--timeout',
};

/** The cloud flags of a parsed command, validated. */
export function cloudOptionsFrom(opts: Record<string, unknown>): CloudOptions {
  const picked = Object.fromEntries(Object.keys(FLAG_NAMES).map((k) => [k, opts[k]]));
  const r = FlagsSchema.safeParse(picked);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const flag = FLAG_NAMES[String(i.path[0])] ?? String(i.path[0]);
    throw new UserError(
      `${flag} ${i.message} (got "${String(picked[String(i.path[0])])}")`,
      null,
      `see --help`,
    );
  }
  const f = r.data;
  const out: CloudOptions = {};
  if (f.osCloud !== undefined) out.cloud = f.osCloud;
  if (f.insecure) out.insecure = true;
  if (f.osCacert !== undefined) out.cacert = f.osCacert;
  if (f.osRegionName !== undefined) out.region = f.osRegionName;
  if (f.osInterface !== undefined) out.interface = f.osInterface;
  if (f.timeout !== undefined) out.timeoutMs = Math.round(f.timeout * 1000);
  return out;
}

/** The HTTP client, loaded when a command talks to the cloud: check and --help start without it. */
const cloudClient = () => import('../cloud/client.js');

/** Everything the live-cloud commands read, once; a CloudError is an InputError (exit 2 at the edge). */
export async function readLiveCloud(opts: CloudOptions, cli: CliIo): Promise<CloudSnapshot> {
  const { connect, readCloud } = await cloudClient();
  const session = await connect({ warn: (l) => printErr(cli, `${l}\n`), ...opts }, cli.env);
  try {
    return await readCloud(session);
  } finally {
    session.close();
  }
}

/** The cloud snapshot and whatever else a command reads in the same session (a flavor, an image). */
export async function readLiveCloudWith<T>(
  opts: CloudOptions,
  cli: CliIo,
  more: (session: CloudSession) => Promise<T>,
): Promise<{ cloud: CloudSnapshot; extra: T }> {
  const { connect, readCloud } = await cloudClient();
  const session = await connect({ warn: (l) => printErr(cli, `${l}\n`), ...opts }, cli.env);
  try {
    const [cloud, extra] = await Promise.all([readCloud(session), more(session)]);
    return { cloud, extra };
  } finally {
    session.close();
  }
}

/** The cloud snapshot, then what a command reads from it in the same session (the images of failed servers). */
export async function readLiveCloudThen<T>(
  opts: CloudOptions,
  cli: CliIo,
  then: (session: CloudSession, cloud: CloudSnapshot) => Promise<T>,
): Promise<{ cloud: CloudSnapshot; extra: T }> {
  const { connect, readCloud } = await cloudClient();
  const session = await connect({ warn: (l) => printErr(cli, `${l}\n`), ...opts }, cli.env);
  try {
    const cloud = await readCloud(session);
    return { cloud, extra: await then(session, cloud) };
  } finally {
    session.close();
  }
}
