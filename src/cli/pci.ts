// `osa-sriov pci fit`: Nova's PCI scheduling decision (PciDeviceStats.support_requests with NUMA
// affinity) as a machine interface, for one host's pools and one server's PCI requests.
import type { Command } from 'commander';
import { z } from 'zod';
import { fitRequests, NovaPciError, NUMA_AFFINITY_POLICIES } from '../openstack/nova-pci-match.js';
import type { CliRun } from './cli-io.js';
import { UserError } from './errors.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const tagValue = z.union([scalar, z.array(scalar)]);

/** One vector's inputs (docs/numa.md); other keys of a vector (id, expect, notes) are ignored. */
const FitInput = z.object({
  pools: z.array(
    z.record(z.string(), tagValue).and(
      z.object({
        count: z.number().int().nonnegative(),
        numa_node: z.number().int().nonnegative().nullable().optional(),
      }),
    ),
  ),
  host_cells: z
    .array(
      z.object({ id: z.number().int().nonnegative(), socket: z.number().int().nonnegative().nullable() }),
    )
    .nullable()
    .default(null),
  instance_numa_cells: z.array(z.number().int().nonnegative()).nullable().default(null),
  requests: z.array(
    z.object({
      spec: z.array(z.record(z.string(), tagValue)).min(1),
      count: z.number().int().nonnegative().default(1),
      numa_policy: z.enum(NUMA_AFFINITY_POLICIES).nullable().optional(),
      request_id: z.string().nullable().optional(),
      alias_name: z.string().nullable().optional(),
    }),
  ),
});

export interface FitOutput {
  fits: boolean;
  used_per_pool: number[] | null;
  error: { class: string; message: string } | null;
}

/** Evaluates one fit case given as JSON text; bad input is a UserError located in `where`. */
export function pciFit(text: string, where: string): FitOutput {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(
      `not JSON: ${(e as Error).message}`,
      { file: where },
      'send one object {"pools", "host_cells", "instance_numa_cells", "requests"} (docs/numa.md)',
    );
  }
  const parsed = FitInput.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UserError(
      `bad input at ${i?.path.join('.') || '(top)'}: ${i?.message}`,
      { file: where },
      'see docs/numa.md for the input format',
    );
  }
  const input = parsed.data;
  try {
    const r = fitRequests(input.pools as Array<Record<string, unknown> & { count: number }>, input.requests, {
      instanceCells: input.instance_numa_cells,
      hostCells: input.host_cells,
    });
    return { fits: r.fits, used_per_pool: r.usedPerPool, error: null };
  } catch (e) {
    if (!(e instanceof NovaPciError)) throw e;
    return { fits: false, used_per_pool: null, error: { class: e.pyClass, message: e.message } };
  }
}

async function readStdin(cli: CliRun): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of cli.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerPci(program: Command, cli: CliRun): void {
  const cmd = program.command('pci').description("Nova's PCI scheduling decisions as a machine interface");
  cmd
    .command('fit')
    .description(
      'read {"pools", "host_cells", "instance_numa_cells", "requests"} JSON on stdin; print whether the requests fit, as Nova\'s PciPassthroughFilter decides with NUMA affinity (docs/numa.md)',
    )
    .action(async () => {
      cli.stdout.write(`${JSON.stringify(pciFit(await readStdin(cli), '<stdin>'))}\n`);
    });
  for (const c of cmd.commands) c.exitOverride();
  cmd.exitOverride();
}
