// The cold path of the facts cache (docs/check.md "Facts cache"): the new or changed facts
// files of the --facts directories are parsed by worker threads (src/cli/facts-worker.ts), one
// per core but one, while the main thread loads the deploy dir and then takes its part too; all
// take files from one shared queue. Each worker returns cache lines (the encoded facts, bytes),
// which the main thread decodes as it decodes a warm cache's: shipping HostFacts objects
// between threads costs more than parsing them (issue 17), bytes do not.
// Waiting is synchronous (Atomics.wait), so `check` stays one synchronous run. A file a worker
// could not parse, or the files of a worker that failed, are parsed on the main thread, whose
// error is then the plain run's.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { HostFacts } from '../facts/host-facts.js';

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
}

/**
 * Parse workers over FILES (paths), started at once. The threads take files from one shared
 * queue, the main thread too (parseOwn) once it has loaded the deploy dir, so that they finish
 * together however fast each one is (a worker compiles its code first; files differ in size).
 * line(i) waits for the workers and gives file i's line.
 */
export class ParsePool {
  private readonly shares: Share[] = [];
  /** The index of the next file to take (Atomics.add), shared with the workers. */
  private readonly next: Int32Array;
  private readonly count: number;
  /** The facts of the files the main thread took (a file that failed is absent). */
  private readonly own = new Map<number, HostFacts>();
  /** Once received: each worker-parsed file's line, by index. */
  private lines: Map<number, Buffer> | null = null;

  constructor(files: readonly string[], workers: number) {
    const code = starter();
    this.count = files.length;
    const queue = new SharedArrayBuffer(4);
    this.next = new Int32Array(queue);
    for (let w = 0; w < workers; w++) {
      const { port1, port2 } = new MessageChannel();
      const signal = new SharedArrayBuffer(4);
      const worker = new Worker(code, {
        eval: true,
        workerData: { files, port: port2, signal, queue },
        transferList: [port2],
      });
      // A worker never keeps the process alive; its errors surface as a failed share.
      worker.unref();
      worker.on('error', () => {});
      this.shares.push({ worker, port: port1, flag: new Int32Array(signal) });
    }
  }

  /**
   * Takes files from the queue until it is empty and parses them with PARSE in this thread; a
   * file that fails is left to be parsed again in order, where its error is thrown.
   */
  parseOwn(parse: (i: number) => HostFacts): void {
    for (let i = Atomics.add(this.next, 0, 1); i < this.count; i = Atomics.add(this.next, 0, 1)) {
      try {
        this.own.set(i, parse(i));
      } catch {}
    }
  }

  /** The facts of file I when this thread parsed it. */
  ownFacts(i: number): HostFacts | undefined {
    return this.own.get(i);
  }

  /**
   * The cache line of file I, or null when the main thread must parse it (a file it took, a file
   * that failed, or the files of a worker that failed).
   */
  line(i: number): Buffer | null {
    if (this.own.has(i)) return null;
    if (this.lines === null) {
      this.lines = new Map();
      for (const share of this.shares) this.receive(share, this.lines);
    }
    return this.lines.get(i) ?? null;
  }

  private receive(share: Share, into: Map<number, Buffer>): void {
    for (;;) {
      if (Atomics.load(share.flag, 0) !== 0) break;
      Atomics.wait(share.flag, 0, 0);
    }
    const msg =
      Atomics.load(share.flag, 0) === 1
        ? (receiveMessageOnPort(share.port)?.message as
            | { buffer: ArrayBuffer; offset: number; indexes: Int32Array; ends: Float64Array }
            | undefined)
        : undefined;
    share.port.close();
    void share.worker.terminate();
    if (msg === undefined) return;
    const all = Buffer.from(msg.buffer, msg.offset);
    let start = 0;
    msg.indexes.forEach((index, k) => {
      const end = msg.ends[k]!;
      into.set(index, all.subarray(start, end));
      start = end;
    });
  }
}
