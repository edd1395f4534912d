// The work of `osa-sriov verify` (its flags: verify.ts), loaded when verify runs: the one command
// that writes to the cloud (docs/verify.md). Flags are checked before Keystone is asked anything; SIGINT and SIGTERM abort the run, which then
// deletes what it created before returning.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, readCloud } from '../cloud/client.js';
import { CloudError } from '../cloud/http.js';
import { SRIOV_VNIC_TYPES } from '../cloud/types.js';
import {
  abortOnSignals,
  cleanupTagged,
  emptyResult,
  givenNetwork,
  newRunId,
  pickFlavor,
  pickImage,
  planCases,
  plannedResources,
  runCases,
  TAG_PREFIX,
  usableNetwork,
  VERIFY_SCHEMA,
  type VerifyReport,
  type VnicType,
} from '../cloud/verify.js';
import { checkOnHost } from '../cloud/verify-host.js';
import { safeText, verifyJson, verifyJunit, verifyText } from '../cloud/verify-report.js';
import type { HostFacts } from '../facts/host-facts.js';
import type { CliRun } from './cli-io.js';
import { cloudOptionsFrom } from './cloud-options.js';
import { collectAnsible } from './collect-ansible.js';
import { UserError } from './errors.js';
import { readFactsPaths } from './facts-input.js';
import { writeAtomically } from './io.js';
import { factsByName } from './vf-map.js';

export interface VerifyCliOptions extends Record<string, unknown> {
  host?: string[];
  allHosts?: boolean;
  physnet?: string[];
  vnicType?: string[];
  network?: string;
  image?: string;
  flavor?: string;
  timeout?: string;
  parallel?: string;
  facts?: string[];
  ansible?: boolean;
  inventory?: string;
  keepOnFailure?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  cleanup?: boolean;
  format: 'text' | 'json' | 'junit';
  output?: string;
}

/** Exit status of a run stopped by SIGINT/SIGTERM (128 + SIGINT), after its clean-up. */
export const EXIT_INTERRUPTED = 130;

function seconds(v: string | undefined, flag: string, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n) || n <= 0 || n > max)
    throw new UserError(`${flag} must be a number between 0 and ${max} (got "${v}")`, null, 'see --help');
  return n;
}

function validate(opts: VerifyCliOptions) {
  const vnics = (opts.vnicType ?? []).map((v) => {
    if (!(SRIOV_VNIC_TYPES as readonly string[]).includes(v))
      throw new UserError(
        `--vnic-type ${v}: not an SR-IOV vnic type`,
        null,
        `use ${SRIOV_VNIC_TYPES.join(', ')}`,
      );
    return v as VnicType;
  });
  for (const [flag, list] of [
    ['--host', opts.host],
    ['--physnet', opts.physnet],
  ] as const)
    for (const v of list ?? [])
      if (v.trim() === '' || v.length > 255)
        throw new UserError(`${flag} "${v}" is not a name`, null, 'see --help');
  if (opts.ansible && opts.facts)
    throw new UserError(
      '--ansible takes the snapshots itself: it does not go with --facts',
      null,
      'give --facts DIR (snapshots you took while the servers ran) or --ansible, not both',
    );
  if (opts.inventory !== undefined && !opts.ansible)
    throw new UserError('-i/--inventory is the inventory of --ansible', null, 'add --ansible, or drop -i');
  if (opts.allHosts && opts.keepOnFailure && !opts.yes)
    throw new UserError(
      '--all-hosts with --keep-on-failure may leave a server and a VF held on every failing host',
      null,
      'add --yes if that is what you want, or drop one of them',
    );
  if (opts.cleanup && (opts.dryRun || opts.host || opts.physnet || opts.allHosts))
    throw new UserError(
      '--cleanup removes the leftovers of earlier runs; it takes no cases',
      null,
      'run verify --cleanup alone',
    );
  const parallel = seconds(opts.parallel, '--parallel', 1, 64);
  if (!Number.isInteger(parallel))
    throw new UserError('--parallel must be a whole number', null, 'see --help');
  return { vnics, timeoutS: seconds(opts.timeout, '--timeout', 300, 3600), parallel };
}

/**
 * --ansible: a snapshot of the case's host taken now, while its server runs, by the fleet
 * collection (`collect --ansible --limit HOST`, one implementation). Its progress goes to stderr,
 * so that stdout keeps only verify's report; a host Ansible cannot reach gives no facts, which
 * the on-host check reports.
 */
async function snapshotByAnsible(
  host: string,
  inventory: string | undefined,
  cli: CliRun,
): Promise<ReadonlyMap<string, HostFacts>> {
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-verify-facts-'));
  try {
    const run: CliRun = { ...cli, stdout: cli.stderr, exitCode: 0 };
    await collectAnsible({ output: dir, limit: host, ...(inventory ? { inventory } : {}) }, run);
    return factsByName(readFactsPaths([dir]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function verifyCommand(opts: VerifyCliOptions, cli: CliRun): Promise<number> {
  const { vnics, timeoutS, parallel } = validate(opts);
  // --timeout is the wait for each server; each API answer keeps its own 30 s default.
  const cloudOpts = cloudOptionsFrom({ ...opts, timeout: undefined });
  const facts = opts.facts ? factsByName(readFactsPaths(opts.facts)) : null;
  const output = opts.output ? resolve(cli.cwd, opts.output) : null;
  const progress = cli.stderr.isTTY
    ? (l: string) => cli.stderr.write(`osa-sriov verify: ${safeText(l)}\n`)
    : undefined;
  const session = await connect({ warn: (l) => cli.stderr.write(`${l}\n`), ...cloudOpts }, cli.env);
  const abort = new AbortController();
  const release = abortOnSignals(abort, (sig) =>
    cli.stderr.write(`osa-sriov verify: ${sig}: stopping, deleting what this run created\n`),
  );
  try {
    if (opts.cleanup) {
      const r = await cleanupTagged(session, progress);
      const lines = [
        ...r.removed.map((x) => `removed ${x.kind} ${safeText(x.name)} (${x.id}), tag ${safeText(x.tag)}`),
        ...r.failed.map((x) => `could not remove ${x.kind} ${x.id}: ${safeText(x.error)}`),
        ...r.untagged.map(
          (x) =>
            `left alone: ${x.kind} ${safeText(x.name)} (${x.id}) is named like verify's but has no ${TAG_PREFIX} tag; delete it by hand if it is yours`,
        ),
        `osa-sriov verify --cleanup: ${r.removed.length} removed, ${r.failed.length} failed`,
      ];
      cli.stdout.write(`${lines.join('\n')}\n`);
      return r.failed.length > 0 ? 1 : 0;
    }
    const cloud = await readCloud(session);
    const plan = planCases(cloud, {
      hosts: opts.host ?? [],
      allHosts: opts.allHosts === true,
      physnets: opts.physnet ?? [],
      vnicTypes: vnics,
    });
    const network = opts.network !== undefined ? givenNetwork(cloud, opts.network) : null;
    if (network && (opts.physnet ?? []).some((p) => p !== network.physnet))
      throw new UserError(
        `--network ${opts.network} is on ${network.physnet}, not on every --physnet`,
        null,
        "give one --physnet, the network's",
      );
    const cases = network ? plan.cases.filter((c) => c.physnet === network.physnet) : plan.cases;
    if (network && cases.length === 0)
      throw new UserError(
        `--network ${opts.network} is on ${network.physnet}, which no selected host maps`,
        null,
        'add --physnet and --host',
      );
    const [images, flavors] = await Promise.all([
      session.get('image', '/v2/images', { query: { limit: '1000' } }),
      session.get('compute', '/flavors/detail'),
    ]);
    const imageList = arrayOf(images, 'images', 'Glance GET /v2/images');
    const flavorList = arrayOf(flavors, 'flavors', 'Nova GET /flavors/detail');
    const image = pickImage(imageList.map(imageOf), opts.image);
    const flavor = pickFlavor(flavorList.map(flavorOf), opts.flavor);
    const runId = newRunId();
    const canCreateNetworks = session.info.roles.includes('admin');
    const report: VerifyReport = {
      schema: VERIFY_SCHEMA,
      runId,
      tag: `${TAG_PREFIX}${runId}`,
      dryRun: opts.dryRun === true,
      interrupted: false,
      image,
      flavor,
      notes: plan.notes,
      cases: [],
      leftovers: [],
      summary: { passed: 0, failed: 0, planned: 0 },
    };
    if (opts.dryRun) {
      report.cases = cases.map((c) => {
        const choice = network ??
          usableNetwork(cloud, c.physnet, session.info.projectId) ?? {
            kind: 'temporary' as const,
            physnet: c.physnet,
          };
        const r = emptyResult(c);
        const p = plannedResources(c, runId, choice);
        r.network = p.network;
        r.resources = p.resources;
        if (choice.kind === 'temporary' && !canCreateNetworks)
          r.reason = `no network on ${c.physnet} this project can use, and creating one needs the admin role: give --network`;
        return r;
      });
    } else {
      const run = await runCases(session, cases, {
        runId,
        image,
        flavor,
        network,
        canCreateNetworks,
        timeoutS,
        parallel,
        keepOnFailure: opts.keepOnFailure === true,
        signal: abort.signal,
        ...(progress ? { progress } : {}),
        ...(facts ? { onHost: (c, port, net) => checkOnHost(facts, c, port, net) } : {}),
        ...(opts.ansible
          ? {
              onHost: async (c, port, net) =>
                checkOnHost(await snapshotByAnsible(c.host, opts.inventory, cli), c, port, net, 'ansible'),
            }
          : {}),
      });
      report.cases = run.results;
      report.leftovers = run.leftovers;
      report.interrupted = run.interrupted;
    }
    report.summary = {
      passed: report.cases.filter((c) => c.result === 'pass').length,
      failed: report.cases.filter((c) => c.result === 'fail').length,
      planned: report.cases.filter((c) => c.result === 'planned').length,
    };
    const text =
      opts.format === 'json'
        ? verifyJson(report)
        : opts.format === 'junit'
          ? verifyJunit(report)
          : verifyText(report);
    if (output) writeAtomically(output, text);
    else cli.stdout.write(text);
    if (report.interrupted) return EXIT_INTERRUPTED;
    return report.summary.failed > 0 || report.leftovers.length > 0 ? 1 : 0;
  } finally {
    release();
    session.close();
  }
}

function arrayOf(answer: unknown, key: string, where: string): unknown[] {
  const v = (answer as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(v))
    throw new CloudError(`${where}: the answer has no "${key}" list`, 'check the catalog endpoint');
  return v;
}

const field = (o: unknown, k: string): unknown => (o as Record<string, unknown> | null)?.[k];

function imageOf(o: unknown) {
  const id = field(o, 'id');
  if (typeof id !== 'string')
    throw new CloudError('Glance GET /v2/images: an image has no id', 'check the image endpoint');
  const name = field(o, 'name');
  return {
    id,
    name: typeof name === 'string' ? name : '',
    visibility: String(field(o, 'visibility') ?? 'public'),
    status: String(field(o, 'status') ?? 'active'),
  };
}

function flavorOf(o: unknown) {
  const id = field(o, 'id');
  if (typeof id !== 'string')
    throw new CloudError('Nova GET /flavors/detail: a flavor has no id', 'check the compute endpoint');
  const num = (k: string) => (typeof field(o, k) === 'number' ? (field(o, k) as number) : 0);
  const name = field(o, 'name');
  return {
    id,
    name: typeof name === 'string' ? name : id,
    ram: num('ram'),
    vcpus: num('vcpus'),
    disk: num('disk'),
  };
}
