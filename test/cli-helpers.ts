// Runs the CLI for tests, with its exit status, standard output and standard error.
// cli/withStdin/withEnv run it in this process: main() of src/cli/main.ts, the function the
// executable calls, with the arguments, input and environment passed in (in a worker thread
// that loads the code once per test file, so that these calls stay synchronous). cliProcess
// runs it as users do, a child process of bin/osa-sriov.js or src/cli/main.ts, for what only a
// process shows (the executable, signals, a terminal).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { CliIo } from '../src/cli/cli-io.js';
import type { CliAnswer, CliMessage, CliRequest } from './cli-worker.js';
import { REPO } from './helpers.js';

export const MAIN = join(REPO, 'src/cli/main.ts');
export const BIN = join(REPO, 'bin/osa-sriov.js');
const TIMEOUT_MS = 120_000;

export type CliResult = CliAnswer;

// Relative paths in the tests' command lines mean the repository, as for the child processes
// (which ran there); a worker thread cannot change directory, so this process does.
if (process.cwd() !== REPO) process.chdir(REPO);

let cacheHome: string | null = null;

/**
 * A facts cache of this test process's own (src/cli/facts-cache.ts): the CLI tests run with
 * the cache on, as users do, without writing to the user's ~/.cache; removed at exit.
 */
function testCacheHome(): string {
  if (cacheHome === null) {
    const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-test-cache-'));
    cacheHome = dir;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return cacheHome;
}

/** The environment of a test run: this process's, with the test defaults and the test's own. */
function testEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // Facts fixtures age with the calendar: the age check is off unless a test turns it on.
  return {
    ...process.env,
    OSA_SRIOV_MAX_FACTS_AGE: 'off',
    XDG_CACHE_HOME: testCacheHome(),
    ...env,
    NO_COLOR: '1',
  };
}

let worker: { port: MessagePort; done: Int32Array; thread: Worker } | null = null;

function startWorker(): NonNullable<typeof worker> {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  // The worker loads TypeScript as this process does (tsx), then test/cli-worker.ts.
  const tsx = import.meta.resolve('tsx/esm/api');
  const script = new URL('./cli-worker.ts', import.meta.url).href;
  const boot = `
    const { workerData } = require('node:worker_threads');
    import(${JSON.stringify(tsx)})
      .then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })
      .catch((e) => {
        workerData.port.postMessage({ id: null, ended: true, status: null, stdout: '', stderr: 'cannot start the CLI worker: ' + (e && e.stack || e) });
        Atomics.store(workerData.done, 0, 1);
        Atomics.notify(workerData.done, 0);
      });`;
  const thread = new Worker(boot, {
    eval: true,
    execArgv: [],
    workerData: { port: port2, done },
    transferList: [port2],
  });
  thread.unref();
  return { port: port1, done, thread };
}

let lastId = 0;

function inThisProcess(input: string | undefined, env: NodeJS.ProcessEnv, args: string[]): CliResult {
  worker ??= startWorker();
  const w = worker;
  const id = ++lastId;
  const request: CliRequest = { id, args, input, env: testEnv(env), cwd: REPO };
  Atomics.store(w.done, 0, 0);
  w.port.postMessage(request);
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const received = receiveMessageOnPort(w.port);
    if (received) {
      const m = received.message as CliMessage;
      if (m.ended) worker = null;
      // An answer to this request, or the worker's end; anything else is late (a timed-out run).
      if (m.id === id || m.ended) return { status: m.status, stdout: m.stdout, stderr: m.stderr };
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0 || Atomics.wait(w.done, 0, 0, left) === 'timed-out') {
      // Like spawnSync's timeout: no status. The next call starts a fresh worker.
      void w.thread.terminate();
      worker = null;
      return {
        status: null,
        stdout: '',
        stderr: `osa-sriov ${args.join(' ')}: timed out after ${TIMEOUT_MS} ms`,
      };
    }
    Atomics.store(w.done, 0, 0);
  }
}

export const withStdin = (input: string | undefined, ...args: string[]) => inThisProcess(input, {}, args);

/** The CLI with these environment variables set (over the test defaults). */
export const withEnv = (env: NodeJS.ProcessEnv, ...args: string[]) => inThisProcess(undefined, env, args);

export const cli = (...args: string[]) => withStdin(undefined, ...args);

/**
 * The CLI in this thread, for async tests: main() with the given I/O parts (the rest like
 * cli()'s: no input, the test environment, the repository as working directory).
 */
export async function cliAsync(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; io?: Partial<CliIo> } = {},
): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const { main } = await import('../src/cli/main.js');
  const status = await main(args, {
    stdin: (async function* () {
      if (options.input !== undefined) yield Buffer.from(options.input);
    })(),
    stdout: { write: (c: string | Uint8Array) => out.push(Buffer.from(c)) },
    stderr: { write: (c: string | Uint8Array) => err.push(Buffer.from(c)) },
    env: testEnv(options.env ?? {}),
    cwd: REPO,
    ...options.io,
  });
  return { status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/**
 * The CLI as a child process: bin/osa-sriov.js (which needs `npm run build`) with `bin`, else
 * src/cli/main.ts through tsx.
 */
export function cliProcess(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; bin?: boolean; timeout?: number } = {},
): CliResult {
  const r = spawnSync(process.execPath, [...(options.bin ? [BIN] : ['--import', 'tsx', MAIN]), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    input: options.input,
    timeout: options.timeout ?? TIMEOUT_MS,
    env: testEnv(options.env ?? {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function assertUserError(r: CliResult, pattern: RegExp) {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}
