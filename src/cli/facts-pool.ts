// The cold path of the facts cache (docs/check.md "Facts cache"): the new or changed facts
// files of the --facts directories are parsed by worker threads (src/cli/facts-worker.ts), one
// per core but one, while the main thread loads the deploy dir and then parses a share too.
// Each worker returns cache lines (the encoded facts, bytes), which the main thread decodes as
// it decodes a warm cache's: shipping
// HostFacts objects between threads costs more than parsing them (issue 17), bytes do not.
// Waiting is synchronous (Atomics.wait), so `check` stays one synchronous run. A file a worker
// could not parse, or the files of a worker that failed, are parsed on the main thread, whose
// error is then the plain run's.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** Environment variable: how many parse workers (0: none, every file parsed in the main thread). */
export const FACTS_WORKERS_ENV = 'OSA_SRIOV_FACTS_WORKERS';
/** Fewer new files than this are parsed in the main thread: starting a worker costs ~0.1 s. */
const MIN_FILES = 64;

/**
 * How many workers for this many files: $OSA_SRIOV_FACTS_WORKERS, else one per core but one
 * (the main thread parses a share too), at least one, at most 7.
 */
export function workerCount(files: number, env: NodeJS.ProcessEnv): number {
  const set = env[FACTS_WORKERS_ENV]?.trim();
  if (set !== undefined && /^\d+$/.test(set)) return Math.min(Number(set), files);
  return files < MIN_FILES ? 0 : Math.max(1, Math.min(availableParallelism() - 1, 7));
}

/**
 * The worker's code. Run from src/ (tsx: tests), the worker is TypeScript and registers tsx
 * first; from dist/ (dist/cli/main.js, or the bundle dist/cli/osa-sriov.cjs beside which
 * scripts/build-cli.js writes facts-worker.js) it is JavaScript. An eval'd starter that
 * cannot fail to load reports a worker that failed to start, so that nothing waits forever.
 */
const IMPORT = 'import';
function starter(): string {
  // The TypeScript source is beside this module only when it runs from src/.
  const source = new URL('./facts-worker.ts', import.meta.url);
  const ts = existsSync(source);
  const url = (ts ? source : new URL('./facts-worker.js', import.meta.url)).href;
  // Spelt so that the bundle has no import() call of its own (scripts/build-cli.js checks).
  const load = ts
    ? `${IMPORT}('tsx/esm/api').then((t) => { t.register(); return ${IMPORT}(${JSON.stringify(url)}); })`
    : `${IMPORT}(${JSON.stringify(url)})`;
  return `const { workerData } = require('node:worker_threads');
${load}.catch(() => { const f = new Int32Array(workerData.signal); Atomics.store(f, 0, 2); Atomics.notify(f, 0); });`;
}

interface Share {
  worker: Worker;
  port: import('node:worker_threads').MessagePort;
  flag: Int32Array;
  /** Indexes of the files of this worker, in order. */
  files: number[];
  /** Once received: each file's line, or null (parse it in the main thread). */
  lines: Array<Buffer | null> | null;
}

/**
 * Parse workers over FILES (paths), started at once; line(i) waits for file i's. The main thread
 * has a share too (mine(i)), which it parses itself once it has loaded the deploy dir, rather
 * than wait idle: the threads outnumber the cores by one, and finish together.
 */
export class ParsePool {
  private readonly shares: Share[] = [];
  /** Workers and the main thread: file i is share i % parts's. */
  private readonly parts: number;

  constructor(files: readonly string[], workers: number) {
    const code = starter();
    this.parts = workers + 1;
    for (let w = 0; w < workers; w++) {
      const mine: number[] = [];
      // Interleaved: neighbouring files (often alike in size) spread over the threads.
      for (let i = w; i < files.length; i += this.parts) mine.push(i);
      const { port1, port2 } = new MessageChannel();
      const signal = new SharedArrayBuffer(4);
      const worker = new Worker(code, {
        eval: true,
        workerData: { files: mine.map((i) => files[i]), port: port2, signal },
        transferList: [port2],
      });
      // A worker never keeps the process alive; its errors surface as a failed share.
      worker.unref();
      worker.on('error', () => {});
      this.shares.push({ worker, port: port1, flag: new Int32Array(signal), files: mine, lines: null });
    }
  }

  /** Whether file I is the main thread's to parse. */
  mine(i: number): boolean {
    return i % this.parts === this.shares.length;
  }

  /**
   * The cache line of file I, or null when the main thread must parse it (its own share, a file
   * that failed, or the files of a worker that failed).
   */
  line(i: number): Buffer | null {
    if (this.mine(i)) return null;
    const share = this.shares[i % this.parts]!;
    if (share.lines === null) share.lines = this.receive(share);
    return share.lines[Math.floor(i / this.parts)] ?? null;
  }

  private receive(share: Share): Array<Buffer | null> {
    for (;;) {
      const state = Atomics.load(share.flag, 0);
      if (state === 2) return share.files.map(() => null);
      if (state === 1) break;
      Atomics.wait(share.flag, 0, 0);
    }
    const msg = receiveMessageOnPort(share.port)?.message as
      | { buffer: ArrayBuffer; offset: number; ends: Float64Array }
      | undefined;
    share.port.close();
    void share.worker.terminate();
    if (msg === undefined) return share.files.map(() => null);
    const all = Buffer.from(msg.buffer, msg.offset);
    let start = 0;
    return Array.from(msg.ends, (end) => {
      if (end < 0) return null;
      const line = all.subarray(start, end);
      start = end;
      return line;
    });
  }
}
