import type { Command } from 'commander';
import { z } from 'zod';
import { explainDeviceSpec, renderExplanation } from '../openstack/devspec-explain.js';
import {
  DeviceMatcher,
  type DeviceSpec,
  NovaError,
  type NovaHost,
  parseDeviceSpecs,
} from '../openstack/nova-devspec.js';
import type { CliRun } from './cli-io.js';
import { UserError } from './errors.js';

const MatchInput = z.object({
  specs: z.array(z.string()),
  devices: z.array(
    z
      .object({
        address: z.string(),
        vendor_id: z.string(),
        product_id: z.string(),
        parent_addr: z.string().nullable().optional(),
        capabilities: z
          .object({ vpd: z.object({ card_serial_number: z.string().nullable().optional() }).optional() })
          .optional(),
      })
      .loose(),
  ),
  pfs: z.record(z.string(), z.number().int()).default({}),
  netdevs: z.record(z.string(), z.object({ address: z.string(), is_pf: z.boolean() })).default({}),
  sriov_vf_device: z.record(z.string(), z.string()).default({}),
  pci_ids: z.record(z.string(), z.tuple([z.string(), z.string()])).default({}),
});

async function stdin(cli: CliRun): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of cli.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** `devspec match`: the machine interface documented in docs/devspec.md. */
export async function devspecMatch(cli: CliRun): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(await stdin(cli));
  } catch (e) {
    throw new UserError(
      `standard input is not JSON: ${(e as Error).message}`,
      { file: '<stdin>' },
      'send the JSON object described in docs/devspec.md',
      'stdin-invalid',
    );
  }
  const parsed = MatchInput.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UserError(
      `bad input at ${i?.path.join('.') || '(top)'}: ${i?.message}`,
      { file: '<stdin>' },
      'see docs/devspec.md for the input format',
      'stdin-invalid',
    );
  }
  const input = parsed.data;
  const host: NovaHost = {
    isPhysicalFunction: (a) => (input.pfs[a] ?? 0) > 0,
    functionByIfname: (n) => {
      const d = input.netdevs[n];
      return d ? [d.address, d.is_pf] : [null, false];
    },
    vfProductIdOfPf: (pf) => input.sriov_vf_device[pf] ?? null,
    pciIds: (a) => input.pci_ids[a] ?? null,
  };
  const err = (e: unknown) => {
    if (!(e instanceof NovaError)) throw e;
    return {
      class: e.errorClass,
      message: e.message,
      ...(e.upstreamCrash ? { upstreamCrash: e.upstreamCrash } : {}),
    };
  };
  let specs: DeviceSpec[];
  try {
    specs = parseDeviceSpecs(input.specs, host);
  } catch (e) {
    cli.stdout.write(`${JSON.stringify({ error: err(e), matches: [] })}\n`);
    return;
  }
  const matcher = new DeviceMatcher(specs);
  const deviceErrors: Array<{ device: number; class: string; message: string }> = [];
  const matches = input.devices.map((d, i) => {
    try {
      const j = matcher.match(d);
      return j === null ? null : { device: i, spec: j, tags: specs[j]!.tags };
    } catch (e) {
      deviceErrors.push({ device: i, ...err(e) });
      return null;
    }
  });
  cli.stdout.write(`${JSON.stringify({ error: null, matches, deviceErrors })}\n`);
}

export function registerDevspec(program: Command, cli: CliRun): void {
  const cmd = program
    .command('devspec')
    .description('Nova [pci] device_spec: match devices as nova-compute does, or explain a value');
  cmd
    .command('match')
    .description(
      'read {"specs", "devices", "pfs", "netdevs"} JSON on stdin; print the first matching spec per device (docs/devspec.md)',
    )
    .action(() => devspecMatch(cli));
  cmd
    .command('explain')
    .description('explain one device_spec value: normalised form, what it matches, warnings')
    .argument('<value>', 'the option value, a JSON dict or list of dicts (quote it for the shell)')
    .action((value: string) => {
      const x = explainDeviceSpec(value);
      cli.stdout.write(renderExplanation(x));
      // Like a linter: an invalid value is a finding (1); bad usage stays 2.
      if (x.error) cli.exitCode = 1;
    });
  for (const c of cmd.commands) c.exitOverride();
  cmd.exitOverride();
}
