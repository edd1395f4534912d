// --facts: files and directories of snapshots (*.snapshot) or HostFacts JSON (*.json).
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FactsFile } from '../deployment/facts-match.js';
import type { HostFacts } from '../facts/host-facts.js';
import { unreadable } from '../read-input.js';
import { UserError } from './errors.js';
import { DirFactsCache } from './facts-cache.js';
import { parseFactsFile } from './facts-file.js';
import { ParsePool, workerCount } from './facts-pool.js';

const FACTS_FILE = /\.(snapshot|json)$/;

function readOne(file: string): FactsFile {
  return { file, stem: basename(file).replace(FACTS_FILE, ''), facts: parseFactsFile(file) };
}

export interface FactsReadOptions {
  /** Where the facts cache of each directory lives (src/cli/facts-cache.ts); null reads every file. */
  cacheDir?: string | null;
  /** The environment that sets the number of parse workers (src/cli/facts-pool.ts); none without it. */
  env?: NodeJS.ProcessEnv;
  /** Write the caches in a background thread (DirFactsCache.save); the caller waits with waitForCacheSaves. */
  backgroundSave?: boolean;
}

/** The facts of files and directories of them. */
export function readFactsPaths(paths: readonly string[], cacheDir: string | null = null): FactsFile[] {
  return startFactsPaths(paths, { cacheDir })();
}

/**
 * Starts reading the facts of files and directories of them, and returns the function that
 * finishes it: with a facts cache, the new or changed files of the directories are parsed by
 * worker threads meanwhile (src/cli/facts-pool.ts). The result, and the first error (thrown by
 * the returned function, in the order of a plain read), are those of readFactsPaths.
 */
export function startFactsPaths(paths: readonly string[], opts: FactsReadOptions = {}): () => FactsFile[] {
  const cacheDir = opts.cacheDir ?? null;
  const steps: Array<() => FactsFile[]> = [];
  // The files the workers parse; steps find their lines by index once the pool is started.
  const jobs: string[] = [];
  let pool: ParsePool | null = null;
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      // Missing, a dangling link, a link loop, permissions: each named as such.
      const err = unreadable(
        p,
        'facts',
        e as NodeJS.ErrnoException,
        'give a snapshot, a HostFacts JSON file or a directory of them',
      );
      steps.push(() => {
        throw err;
      });
      break;
    }
    if (!isDir) {
      steps.push(() => [readOne(p)]);
      continue;
    }
    let entries: string[];
    try {
      entries = readdirSync(p);
    } catch (e) {
      const err = unreadable(p, 'facts', e as NodeJS.ErrnoException);
      steps.push(() => {
        throw err;
      });
      break;
    }
    const names = entries.filter((n) => FACTS_FILE.test(n) && !n.startsWith('.')).sort();
    if (names.length === 0) {
      const err = new UserError(
        'no facts files in this directory',
        { file: p },
        'it should hold <host>.snapshot files from `osa-sriov collect` or HostFacts *.json files',
        'facts-invalid',
      );
      steps.push(() => {
        throw err;
      });
      break;
    }
    if (cacheDir === null) {
      steps.push(() => names.map((n) => readOne(join(p, n))));
      continue;
    }
    const cache = new DirFactsCache(cacheDir, p);
    const found = names.map((n) => {
      const f = cache.lookup(n);
      return { name: n, ...f, job: f.cached === null ? jobs.push(join(p, n)) - 1 : -1 };
    });
    steps.push(() => {
      // The main thread takes its part of the new files (of every directory) from the workers'
      // queue first, while they parse theirs; a file that fails is parsed again below, in
      // order, where its error is thrown.
      pool?.parseOwn((i) => parseFactsFile(jobs[i]!));
      const out = found.map(({ name, key, cached, job }): FactsFile => {
        const file = join(p, name);
        const mine = job >= 0 ? pool?.ownFacts(job) : undefined;
        const line = cached ?? (job >= 0 && pool !== null ? pool.line(job) : null);
        const facts: HostFacts =
          (mine && cache.parsed(name, key, mine)) ||
          (line && cache.decode(name, key, line, cached !== null)) ||
          cache.parsed(name, key, parseFactsFile(file));
        return { file, stem: name.replace(FACTS_FILE, ''), facts };
      });
      cache.save(opts.backgroundSave === true);
      return out;
    });
  }
  const workers = opts.env === undefined ? 0 : workerCount(jobs.length, opts.env);
  if (workers > 0) pool = new ParsePool(jobs, workers);
  return () => steps.flatMap((step) => step());
}
