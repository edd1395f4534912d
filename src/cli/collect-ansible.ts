// `collect --ansible`: the fleet playbook (ansible/collect-sriov-facts.yml) run with OSA's
// inventory, its per-host results read from our callback's JSON lines, and a summary.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { collectorPath } from '../facts/run-collector.js';
import type { CliRun } from './cli-io.js';
import { UserError } from './errors.js';

export const OSA_INVENTORY = '/opt/openstack-ansible/inventory/dynamic_inventory.py';
export const OSA_CONFIG_DIR = '/etc/openstack_deploy';
/** Where OSA's bootstrap-ansible.sh installs Ansible on the deploy host. */
const OSA_ANSIBLE = '/opt/ansible-runtime/bin/ansible-playbook';
const DEFAULT_HOSTS = 'neutron_sriov_nic_agent:nova_compute';

export interface CollectAnsibleOptions {
  output?: string;
  inventory?: string;
  limit?: string;
  forks?: string;
  hosts?: string;
  timeout?: string;
  osaConfigDir?: string;
  ansiblePlaybook?: string;
}

const Event = z.discriminatedUnion('event', [
  z.object({ event: z.literal('play'), hosts: z.array(z.string()).nullable() }),
  z.object({ event: z.literal('collected'), host: z.string() }),
  z.object({ event: z.literal('failed'), host: z.string(), task: z.string(), message: z.string() }),
  z.object({ event: z.literal('unreachable'), host: z.string(), message: z.string() }),
  z.object({ event: z.literal('no_hosts') }),
  z.object({ event: z.literal('stats'), hosts: z.array(z.string()) }),
]);
type Event = z.infer<typeof Event>;

export interface CollectSummary {
  hosts: string[] | null;
  collected: string[];
  unreachable: Map<string, string>;
  failed: Map<string, string>;
}

/** The repository's ansible/ directory (beside dist/ in the package). */
export function ansibleDir(): string {
  return fileURLToPath(new URL('../../ansible/', import.meta.url));
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function findAnsiblePlaybook(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  if (explicit) {
    if (executable(explicit)) return explicit;
    throw new UserError(
      `${explicit} is not an executable file`,
      { file: explicit },
      'give the path of ansible-playbook',
    );
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'ansible-playbook');
    if (executable(candidate)) return candidate;
  }
  if (executable(OSA_ANSIBLE)) return OSA_ANSIBLE;
  throw new UserError(
    'ansible-playbook not found (not on PATH, nor in /opt/ansible-runtime/bin)',
    null,
    'run this on the OSA deploy host, or install Ansible (apt-get install ansible-core), or give --ansible-playbook PATH',
    'ansible-failed',
  );
}

function positiveInt(text: string | undefined, what: string, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new UserError(
      `${what} must be a whole number from 1 to ${max}, not "${text}"`,
      null,
      `for example ${what} 20`,
    );
  return Number(text);
}

/** What one line of the callback's output says (null for a line that is not one of ours). */
export function parseEvent(line: string): Event | null {
  if (!line.startsWith('{')) return null;
  try {
    const parsed = Event.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function summaryText(s: CollectSummary, dir: string): string {
  const lines = [
    `collected ${s.collected.length}${s.hosts ? ` of ${s.hosts.length}` : ''} host(s) into ${dir}, unreachable ${s.unreachable.size}, failed ${s.failed.size}`,
  ];
  for (const [h, why] of s.unreachable) lines.push(`  unreachable ${h}: ${why}`);
  for (const [h, why] of s.failed) lines.push(`  failed      ${h}: ${why}`);
  const done = new Set([...s.collected, ...s.unreachable.keys(), ...s.failed.keys()]);
  const missing = (s.hosts ?? []).filter((h) => !done.has(h));
  if (missing.length > 0) lines.push(`  not run     ${missing.join(', ')} (the play ended before them)`);
  if (s.unreachable.size + s.failed.size > 0)
    lines.push('their earlier snapshots, if any, are kept; re-run for them with --limit');
  return `${lines.join('\n')}\n`;
}

export async function collectAnsible(opts: CollectAnsibleOptions, cli: CliRun): Promise<number> {
  if (!opts.output || opts.output === '-')
    throw new UserError(
      'collect --ansible needs -o DIR: the directory for the snapshots',
      null,
      'add -o ./facts',
    );
  const forks = positiveInt(opts.forks, '--forks', 1000);
  const timeout = positiveInt(opts.timeout, '--timeout', 86400);
  const playbookBin = findAnsiblePlaybook(opts.ansiblePlaybook, cli.env);
  const inventory = opts.inventory ?? OSA_INVENTORY;
  if (!existsSync(inventory))
    throw new UserError(
      opts.inventory ? 'no such inventory' : 'no OSA inventory here',
      { file: inventory },
      opts.inventory
        ? 'give an Ansible inventory file, directory or script'
        : 'run this on the OSA deploy host, or give -i INVENTORY',
    );
  const dest = resolve(opts.output);
  try {
    mkdirSync(dest, { recursive: true });
  } catch (e) {
    throw new UserError(
      `cannot create the output directory: ${(e as Error).message}`,
      { file: dest },
      'choose a writable directory with -o',
      'output-unwritable',
    );
  }
  const extra = {
    osa_sriov_dest: dest,
    osa_sriov_default_collector: collectorPath(),
    osa_sriov_hosts: opts.hosts ?? DEFAULT_HOSTS,
    ...(timeout ? { osa_sriov_timeout: timeout } : {}),
  };
  const args = ['-i', inventory, join(ansibleDir(), 'collect-sriov-facts.yml'), '-e', JSON.stringify(extra)];
  if (forks) args.push('--forks', String(forks));
  if (opts.limit) args.push('--limit', opts.limit);
  const env = {
    ...cli.env,
    OSA_CONFIG_DIR: opts.osaConfigDir ?? cli.env.OSA_CONFIG_DIR ?? OSA_CONFIG_DIR,
    ANSIBLE_CALLBACK_PLUGINS: [join(ansibleDir(), 'callback_plugins'), cli.env.ANSIBLE_CALLBACK_PLUGINS]
      .filter(Boolean)
      .join(':'),
    ANSIBLE_STDOUT_CALLBACK: 'osa_sriov_progress',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_FORCE_COLOR: 'false',
  };
  const summary: CollectSummary = { hosts: null, collected: [], unreachable: new Map(), failed: new Map() };
  const tty = cli.stderr.isTTY === true;
  const progress = () => {
    const done = summary.collected.length + summary.unreachable.size + summary.failed.size;
    const total = summary.hosts ? `/${summary.hosts.length}` : '';
    const bad = summary.unreachable.size + summary.failed.size;
    cli.stderr.write(`\rcollecting: ${done}${total} hosts done${bad > 0 ? `, ${bad} failed` : ''}\x1b[K`);
  };
  const say = (line: string) => {
    if (tty) progress();
    else cli.stderr.write(`${line}\n`);
  };
  const other: string[] = [];
  const code = await new Promise<number>((done, fail) => {
    const child = spawn(playbookBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const ev = parseEvent(line);
        if (!ev) {
          if (line.trim()) other.push(line);
          continue;
        }
        if (ev.event === 'play') {
          summary.hosts = ev.hosts;
          say(`collecting from ${ev.hosts ? `${ev.hosts.length} host(s)` : 'the play hosts'}`);
        } else if (ev.event === 'collected') {
          summary.collected.push(ev.host);
          say(`collected ${ev.host}`);
        } else if (ev.event === 'unreachable') {
          summary.unreachable.set(ev.host, ev.message);
          say(`unreachable ${ev.host}: ${ev.message}`);
        } else if (ev.event === 'failed') {
          summary.failed.set(ev.host, `${ev.message} (task "${ev.task}")`);
          say(`failed ${ev.host}: ${ev.message}`);
        } else if (ev.event === 'no_hosts') {
          summary.hosts = [];
        }
      }
    });
    const stderr: string[] = [];
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => stderr.push(chunk));
    child.on('error', (e) =>
      fail(
        new UserError(
          `cannot run ${playbookBin}: ${e.message}`,
          null,
          'check the Ansible installation',
          'ansible-failed',
        ),
      ),
    );
    child.on('close', (status) => {
      other.push(
        ...stderr
          .join('')
          .split('\n')
          .filter((l) => l.trim()),
      );
      done(status ?? 1);
    });
  });
  if (tty) cli.stderr.write('\n');
  // ansible-playbook: 0 all ok, 2 some host failed, 4 some host unreachable; others are errors.
  if (![0, 2, 4].includes(code) || summary.hosts === null) {
    throw new UserError(
      `ansible-playbook failed (exit status ${code}): ${other.slice(-5).join(' | ') || 'no output'}`,
      null,
      `check the inventory (-i ${inventory}) and that ansible-playbook runs: ${playbookBin} --version`,
      'ansible-failed',
    );
  }
  for (const l of other) cli.stderr.write(`ansible: ${l}\n`);
  cli.stdout.write(summaryText(summary, dest));
  if (summary.hosts.length === 0) return 1;
  return summary.unreachable.size + summary.failed.size > 0 ? 1 : 0;
}
