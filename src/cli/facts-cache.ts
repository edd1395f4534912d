// The facts cache (docs/check.md "Facts cache"): for each --facts directory, one file under
// $XDG_CACHE_HOME/osa-sriov (or ~/.cache/osa-sriov) holding the HostFacts of each snapshot
// and HostFacts file that parsed, keyed by its name, device, inode, size, mtime and ctime, so
// that a run after the first parses only the files that are new or changed.
//
// It is never trusted: a cache is read only when its header names this directory, this build
// of the tool (a digest of all its code) and the VF layout, and a SHA-256 of its content
// matches; anything else (corrupt, truncated, foreign, older) is ignored whole and rebuilt.
// It holds only facts that passed the schema when they were parsed; a file whose key changed
// is parsed again. Written atomically (a temporary file, then a rename); a cache that cannot be
// written is no error.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeFacts, encodeFacts, VF_KEYS } from '../facts/facts-codec.js';
import type { HostFacts } from '../facts/host-facts.js';
import { TOOL_VERSION } from '../version.js';

export const FACTS_CACHE_FORMAT = 'osa-sriov/facts-cache@1';
/** Environment variable: "off" (or 0, no, false) disables the cache, as --no-facts-cache does. */
export const FACTS_CACHE_ENV = 'OSA_SRIOV_FACTS_CACHE';
const NEWLINE = Buffer.from('\n');
/** A cache larger than this is not read (far above 10,000 hosts of 128 VFs). */
const MAX_CACHE_BYTES = 2 * 1024 * 1024 * 1024;

/** Where caches live: $XDG_CACHE_HOME/osa-sriov, else $HOME/.cache/osa-sriov; null: no cache. */
export function factsCacheDir(env: NodeJS.ProcessEnv, enabled = true): string | null {
  if (!enabled) return null;
  const setting = (env[FACTS_CACHE_ENV] ?? '').trim().toLowerCase();
  if (['off', '0', 'no', 'false'].includes(setting)) return null;
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  if (xdg?.startsWith('/')) return path.join(xdg, 'osa-sriov');
  const home = env.HOME;
  return home?.startsWith('/') ? path.join(home, '.cache', 'osa-sriov') : null;
}

let stampMemo: string | null = null;

/**
 * The files of the code that runs: the bundle (dist/cli/osa-sriov.cjs, every module of the tool
 * and its dependencies in one file) and the parse worker's bundle beside it; or, module by
 * module (dist/cli/main.js, or src/ in the tests), every module of the tool.
 */
function codeFiles(): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.cjs')) return [self, path.join(path.dirname(self), 'facts-worker.js')];
  const root = fileURLToPath(new URL('../', import.meta.url));
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|cjs|ts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(root);
  return out;
}

/**
 * This build of the tool: its version and a digest of all of its code (not only the facts
 * modules: what a facts file must be is also decided by the name rules, the input readers and
 * the schema library). A cache written by another build is not read, even of the same version.
 */
export function toolStamp(): string {
  if (stampMemo !== null) return stampMemo;
  const h = crypto.createHash('sha256').update(TOOL_VERSION);
  try {
    for (const f of codeFiles()) h.update(path.basename(f)).update(fs.readFileSync(f));
  } catch {
    // The code cannot be read back (an unusual install): no cache is read or written.
    h.update(`unreadable ${process.pid} ${Date.now()} ${Math.random()}`);
  }
  stampMemo = `${TOOL_VERSION}+${h.digest('hex').slice(0, 16)}`;
  return stampMemo;
}

/**
 * Whether a cache directory or file at P may be read: ours (this user's) and writable by no one
 * else. Another user's cache (a shared XDG_CACHE_HOME, `sudo -E`) could hold facts we never
 * parsed; it is ignored, and not written into. bin/osa-sriov.js asks the same of the code cache.
 */
export function ownedByUs(st: fs.Stats): boolean {
  const uid = process.getuid?.();
  return (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
}

interface Header {
  format: string;
  stamp: string;
  dir: string;
  vfKeys: string;
  entries: number;
  sha256: string;
}

interface Entry {
  key: string;
  /** The encoded facts (UTF-8, outside the JS heap: thousands of them live for the whole run). */
  line: Buffer;
}

/** A file's identity: a change of content changes at least one of these. */
function fileKey(file: string): string | null {
  const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  if (!st?.isFile()) return null;
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** The cache of one facts directory for one run: read at the start, written at the end. */
export class DirFactsCache {
  readonly file: string;
  private readonly dir: string;
  private readonly old = new Map<string, Entry>();
  private readonly now = new Map<string, Entry>();
  private changed = false;
  /** How many facts came from the cache (for the tests and the bench). */
  hits = 0;

  constructor(cacheDir: string, factsDir: string) {
    this.dir = fs.realpathSync(factsDir);
    this.file = path.join(
      cacheDir,
      `${crypto.createHash('sha256').update(this.dir).digest('hex').slice(0, 32)}.facts`,
    );
    try {
      this.load();
    } catch {
      // Unreadable, corrupt, foreign or of another build: ignored, rebuilt by save().
      this.old.clear();
    }
  }

  private load(): void {
    const dirSt = fs.lstatSync(path.dirname(this.file), { throwIfNoEntry: false });
    if (!dirSt?.isDirectory() || !ownedByUs(dirSt)) return;
    const st = fs.lstatSync(this.file, { throwIfNoEntry: false });
    if (!st?.isFile() || st.size > MAX_CACHE_BYTES || !ownedByUs(st)) return;
    const buf = fs.readFileSync(this.file);
    const nl = buf.indexOf(10);
    if (nl < 0) throw new Error('no header');
    const h = JSON.parse(buf.toString('utf8', 0, nl)) as Header;
    if (
      typeof h !== 'object' ||
      h === null ||
      h.format !== FACTS_CACHE_FORMAT ||
      h.stamp !== toolStamp() ||
      h.dir !== this.dir ||
      h.vfKeys !== VF_KEYS.join(',')
    )
      throw new Error('another cache');
    const body = buf.subarray(nl + 1);
    if (crypto.createHash('sha256').update(body).digest('hex') !== h.sha256) throw new Error('corrupt');
    let pos = 0;
    while (pos < body.length) {
      let end = body.indexOf(10, pos);
      if (end < 0) end = body.length;
      const tab = body.indexOf(9, pos);
      if (tab < 0 || tab > end) throw new Error('corrupt entry');
      const [name, key] = JSON.parse(body.toString('utf8', pos, tab)) as [string, string];
      if (typeof name !== 'string' || typeof key !== 'string') throw new Error('corrupt entry');
      this.old.set(name, { key, line: body.subarray(tab + 1, end) });
      pos = end + 1;
    }
    if (this.old.size !== h.entries) throw new Error('entries missing');
  }

  /**
   * The facts of DIR/NAME: from the cache when its key is unchanged, else from `parse`
   * (whose errors are the file's), then kept for save().
   */
  read(name: string, parse: () => HostFacts): HostFacts {
    const found = this.lookup(name);
    return (
      (found.cached && this.decode(name, found.key, found.cached, true)) ||
      this.parsed(name, found.key, parse())
    );
  }

  /** NAME's key now (null: not a regular file), and its cached line when the key is unchanged. */
  lookup(name: string): { key: string | null; cached: Buffer | null } {
    const key = fileKey(path.join(this.dir, name));
    const old = this.old.get(name);
    return { key, cached: key !== null && old?.key === key ? old.line : null };
  }

  /**
   * The facts of LINE (a cached one, or one a parse worker encoded just now); null when it is
   * not what this build writes (then parse the file).
   */
  decode(name: string, key: string | null, line: Buffer, cached: boolean): HostFacts | null {
    let facts: HostFacts;
    try {
      facts = decodeFacts(line.toString('utf8'));
    } catch {
      return null;
    }
    if (cached) this.hits++;
    else this.changed = true;
    if (key !== null) this.now.set(name, { key, line });
    return facts;
  }

  /** Facts parsed in this thread, kept for save(). */
  parsed(name: string, key: string | null, facts: HostFacts): HostFacts {
    this.changed = true;
    if (key !== null) this.now.set(name, { key, line: Buffer.from(encodeFacts(facts), 'utf8') });
    return facts;
  }

  /**
   * Writes the cache when it changed; a cache that cannot be written is no error. With
   * BACKGROUND, a thread digests and writes it while the run goes on (at 5,000 hosts that is
   * ~0.4 s of a cold run); waitForCacheSaves() waits for it.
   */
  save(background = false): void {
    if (!this.changed && this.now.size === this.old.size) return;
    const parts: Buffer[] = [];
    for (const [name, e] of this.now) {
      if (parts.length > 0) parts.push(NEWLINE);
      parts.push(Buffer.from(`${JSON.stringify([name, e.key])}\t`, 'utf8'), e.line);
    }
    const header: Omit<Header, 'sha256'> = {
      format: FACTS_CACHE_FORMAT,
      stamp: toolStamp(),
      dir: this.dir,
      vfKeys: VF_KEYS.join(','),
      entries: this.now.size,
    };
    // Not into another user's directory (see ownedByUs); ours or none (then created, 0700).
    const dirSt = fs.lstatSync(path.dirname(this.file), { throwIfNoEntry: false });
    if (dirSt !== undefined && (!dirSt.isDirectory() || !ownedByUs(dirSt))) return;
    removeAbandoned(this.file);
    const tmp = `${this.file}.${process.pid}.tmp`;
    if (!background) {
      writeCache(MODULES, this.file, tmp, header, Buffer.concat(parts));
      return;
    }
    const body = Buffer.from(new SharedArrayBuffer(parts.reduce((n, b) => n + b.length, 0)));
    let at = 0;
    for (const b of parts) at += b.copy(body, at);
    const done = new Int32Array(new SharedArrayBuffer(4));
    try {
      const worker = new Worker(
        `const { workerData: w } = require('node:worker_threads');
const modules = { fs: require('node:fs'), path: require('node:path'), crypto: require('node:crypto') };
(${writeCache.toString()})(modules, w.file, w.tmp, w.header, Buffer.from(w.body));
Atomics.store(w.done, 0, 1); Atomics.notify(w.done, 0);`,
        { eval: true, workerData: { file: this.file, tmp, header, body: body.buffer, done } },
      );
      worker.on('error', () => {
        Atomics.store(done, 0, 1);
      });
      pending.push(done);
    } catch {
      writeCache(MODULES, this.file, tmp, header, body);
    }
  }
}

/**
 * Removes the temporary files of FILE that a run killed while writing it left behind (their
 * process is gone): at 5,000 hosts each is ~75 MiB. A live run's file is left alone.
 */
function removeAbandoned(file: string): void {
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(file));
  } catch {
    return;
  }
  for (const n of names) {
    const m = n.startsWith(`${base}.`) ? /^\.(\d+)\.tmp$/.exec(n.slice(base.length)) : null;
    if (m === null || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    try {
      fs.rmSync(path.join(path.dirname(file), n), { force: true });
    } catch {
      // Not ours to remove, or gone already.
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface CacheWriteModules {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  crypto: typeof import('node:crypto');
}

const MODULES: CacheWriteModules = { fs, path, crypto };

/** The background saves of this run (DirFactsCache.save). */
const pending: Int32Array[] = [];

/** Waits until the caches saved in the background are written (or given up: 30 s at most). */
export function waitForCacheSaves(): void {
  for (const done of pending.splice(0)) Atomics.wait(done, 0, 0, 30_000);
}

/**
 * Writes a cache file: the header with the body's SHA-256, then the body, to TMP (created
 * afresh, this user's only), renamed over FILE. Self-contained (no names from this module, the
 * Node modules passed in): the background thread runs its source.
 */
function writeCache(
  { fs, path, crypto }: CacheWriteModules,
  file: string,
  tmp: string,
  header: Omit<Header, 'sha256'>,
  body: Buffer,
): void {
  const sha256 = crypto.createHash('sha256').update(body).digest('hex');
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.writeFileSync(fd, `${JSON.stringify({ ...header, sha256 })}\n`);
      fs.writeFileSync(fd, body);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Its directory is not one: nothing was written.
    }
  }
}
