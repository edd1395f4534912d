import type { Command } from 'commander';
import { z } from 'zod';
import type { HostFacts } from '../facts/host-facts.js';
import { jsonDepthExceededAt, MAX_JSON_DEPTH } from '../json-input.js';
import { explainDeviceSpec, renderExplanation } from '../openstack/devspec-explain.js';
import {
  DeviceMatcher,
  type DeviceSpec,
  NovaError,
  type NovaHost,
  parseDeviceSpecs,
} from '../openstack/nova-devspec.js';
import { MAX_BYTES } from '../read-input.js';
import type { CliRun } from './cli-io.js';
import { UserError } from './errors.js';
import { readFactsPaths } from './facts-input.js';
import { printData, printText } from './output.js';

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
  let total = 0;
  for await (const c of cli.stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    chunks.push(b);
    total += b.length;
    if (total > MAX_BYTES.facts)
      throw new UserError(
        `standard input is larger than ${MAX_BYTES.facts / 1024 / 1024} MiB`,
        { file: '<stdin>' },
        'send the JSON object described in docs/devspec.md',
        'file-too-large',
      );
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `devspec match`: the machine interface documented in docs/devspec.md. */
export async function devspecMatch(cli: CliRun): Promise<void> {
  const text = await stdin(cli);
  if (jsonDepthExceededAt(text, MAX_JSON_DEPTH) >= 0)
    throw new UserError(
      `standard input is JSON nested more than ${MAX_JSON_DEPTH} levels deep`,
      { file: '<stdin>' },
      'send the JSON object described in docs/devspec.md',
      'json-too-deep',
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
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
    printData(cli, `${JSON.stringify({ error: err(e), matches: [] })}\n`);
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
  printData(cli, `${JSON.stringify({ error: null, matches, deviceErrors })}\n`);
}

/** --facts of explain: one host's facts (a snapshot or HostFacts JSON file). */
function oneHostFacts(path: string): HostFacts {
  const files = readFactsPaths([path]);
  if (files.length !== 1)
    throw new UserError(
      `--facts names ${files.length} facts files: explain evaluates the value against one host`,
      { file: path },
      "give one host's snapshot or HostFacts JSON file",
      'usage',
    );
  return files[0]!.facts;
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
    .option(
      '--facts <file>',
      "a host's snapshot or HostFacts JSON: evaluate the value against that host's real devices, as its nova-compute would",
    )
    .addHelpText(
      'after',
      '\nExit status: 0 a valid value (warnings included), 1 Nova refuses the value, 2 bad usage or unreadable --facts.\nExamples:\n  osa-sriov devspec explain \'{"address": "0000:3b:00.0", "physical_network": "physnet1"}\'\n  osa-sriov devspec explain \'{"devname": "ens1f0", "physical_network": "physnet1"}\' --facts compute1.snapshot',
    )
    .action((value: string, opts: { facts?: string }) => {
      const facts = opts.facts === undefined ? null : oneHostFacts(opts.facts);
      const x = explainDeviceSpec(value, facts);
      printText(cli, renderExplanation(x));
      // Like a linter: an invalid value is a finding (1); bad usage stays 2.
      if (x.error) cli.exitCode = 1;
    });
  for (const c of cmd.commands) c.exitOverride();
  cmd.exitOverride();
}
