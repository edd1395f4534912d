// `plan --write`: the edits of the deploy directory as one unit (docs/write-policy.md).
// - Targets: every file is resolved inside the deploy directory; a symlinked file is edited
//   where it points (a regular file only), the link stays; a linked directory is refused.
// - Lock: one writer per deploy directory (.osa-sriov.lock, with the holder's pid).
// - Journal: .osa-sriov-journal.json lists every temporary file, backup and new directory
//   before anything is replaced; a run that finds one rolls the interrupted edit back.
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { InputError, locationOf } from '../errors.js';
import type { FileChange } from './edits.js';
import { faultPoint, onExit } from './exit-cleanup.js';

export const LOCK_FILE = '.osa-sriov.lock';
export const JOURNAL_FILE = '.osa-sriov-journal.json';
const JOURNAL_SCHEMA = 'osa-sriov/write-journal@1';

/** A write that failed; nothing was changed (every file is as it was). */
export class WriteError extends InputError {
  constructor(
    message: string,
    readonly file: string,
    hint = 'check the permissions and attributes (lsattr) of that file and its directory',
    code = 'plan-write-failed',
  ) {
    super(
      code,
      code === 'plan-write-failed' ? `cannot write the plan (nothing was changed): ${message}` : message,
      locationOf(file),
      hint,
    );
  }
}

/** A target the write policy refuses (a path outside the directory, a linked directory…). */
export class WriteTargetError extends WriteError {
  constructor(message: string, file: string, hint = 'see docs/write-policy.md') {
    super(message, file, hint, 'plan-write-refused');
  }
}

export interface WriteTarget {
  /** The file as the plan names it (under the deploy directory). */
  file: string;
  /** The regular file that is replaced: `file` itself, or where its symlink points. */
  real: string;
  /** Directories that do not exist yet, outermost first. */
  missingDirs: string[];
}

function kind(path: string): string {
  const s = statSync(path);
  return s.isDirectory()
    ? 'a directory'
    : s.isFIFO()
      ? 'a FIFO'
      : s.isSocket()
        ? 'a socket'
        : 'a device or special file';
}

/** The files a set of changes writes, under the write policy; throws WriteTargetError. */
export function resolveTargets(root: string, changes: readonly FileChange[]): WriteTarget[] {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (e) {
    throw new WriteTargetError(`cannot resolve the deploy directory: ${(e as Error).message}`, root);
  }
  return changes.map((c) => {
    const rel = relative(root, c.file);
    if (rel === '' || isAbsolute(rel) || rel.split(sep).includes('..'))
      throw new WriteTargetError('this file is outside the deploy directory; refusing to write it', c.file);
    const parts = rel.split(sep);
    const missingDirs: string[] = [];
    let at = realRoot;
    for (const [i, part] of parts.entries()) {
      const path = join(at, part);
      const shown = join(root, ...parts.slice(0, i + 1));
      const last = i === parts.length - 1;
      let st: ReturnType<typeof lstatSync> | undefined;
      try {
        st = lstatSync(path);
      } catch {
        st = undefined;
      }
      if (!last) {
        if (!st || missingDirs.length > 0) missingDirs.push(path);
        else if (st.isSymbolicLink())
          throw new WriteTargetError(
            'is a symbolic link to a directory: osa-sriov edits a linked file, never through a linked directory',
            shown,
            'link the files one by one, or point --deploy at the real directory',
          );
        else if (!st.isDirectory())
          throw new WriteTargetError(
            'is not a directory, and the plan writes a file under it',
            shown,
            'move it away',
          );
        at = path;
        continue;
      }
      if (!st || missingDirs.length > 0) {
        if (c.before !== null)
          throw new WriteTargetError('disappeared since the plan read it', shown, 'run plan again');
        return { file: c.file, real: path, missingDirs };
      }
      if (c.before === null && !st.isSymbolicLink())
        throw new WriteTargetError('appeared since the plan read it', shown, 'run plan again');
      if (st.isFile()) return { file: c.file, real: path, missingDirs };
      if (st.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(path);
        } catch {
          throw new WriteTargetError(
            'is a dangling symbolic link: osa-sriov edits the regular file a link points to, and there is none',
            shown,
            'fix or remove the link',
          );
        }
        if (!statSync(real).isFile())
          throw new WriteTargetError(
            `is a symbolic link to ${kind(real)} (${real}): only a link to a regular file is edited`,
            shown,
            'point the link at a regular file, or replace it with one',
          );
        if (c.before === null)
          throw new WriteTargetError('appeared since the plan read it', shown, 'run plan again');
        return { file: c.file, real, missingDirs };
      }
      throw new WriteTargetError(
        `is ${kind(path)}, not a regular file`,
        shown,
        'replace it with a regular file',
      );
    }
    throw new WriteTargetError('this file is outside the deploy directory; refusing to write it', c.file);
  });
}

// --- lock ----------------------------------------------------------------------------------

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

/** Is the process alive (EPERM: it is, but not ours)? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.since === 'string'
      ? (v as LockInfo)
      : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Takes the deploy directory's write lock, waiting up to `waitMs` for another osa-sriov to
 * finish; a lock whose process is gone (same host) is taken over. Returns the release
 * function (also run on exit and on signals).
 */
export function lockDeployDir(root: string, waitMs = 10_000): () => void {
  let file: string;
  try {
    file = join(realpathSync(root), LOCK_FILE);
  } catch (e) {
    throw new WriteError(`cannot resolve the deploy directory: ${(e as Error).message}`, root);
  }
  const me: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${JSON.stringify(me)}\n`);
      fsyncSync(fd);
      closeSync(fd);
      return onExit(() => {
        if (readLock(file)?.pid === process.pid) rmSync(file, { force: true });
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new WriteError(`cannot create the lock file: ${(e as Error).message}`, file);
    }
    const holder = readLock(file);
    if (holder && holder.host === me.host && !alive(holder.pid)) {
      rmSync(file, { force: true }); // left by a killed run
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder
        ? `osa-sriov (pid ${holder.pid} on ${holder.host}, since ${holder.since})`
        : 'a process that left an unreadable lock file';
      throw new WriteError(
        `the deploy directory is being edited by ${who}`,
        file,
        `wait for it to finish; if that process is gone, remove ${file}`,
        'plan-write-locked',
      );
    }
    sleep(100);
  }
}

// --- journal -------------------------------------------------------------------------------

interface JournalEntry {
  /** The file, relative to the deploy directory. */
  file: string;
  real: string;
  tmp: string;
  /** null for a new file. */
  backup: string | null;
}

interface Journal {
  schema: typeof JOURNAL_SCHEMA;
  /** prepare: temporary files and backups being written, nothing replaced yet; commit: renaming. */
  state: 'prepare' | 'commit';
  pid: number;
  since: string;
  entries: JournalEntry[];
  createdDirs: string[];
}

function fsyncPath(path: string, flags = 'r'): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, flags);
    fsyncSync(fd);
  } catch {
    // A directory fsync is not supported everywhere; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeDurably(path: string, data: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function saveJournal(file: string, j: Journal): void {
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeDurably(tmp, `${JSON.stringify(j, null, 2)}\n`);
  renameSync(tmp, file);
  fsyncPath(dirname(file));
}

const inside = (root: string, path: unknown): path is string =>
  typeof path === 'string' && isAbsolute(path) && !relative(root, path).split(sep).includes('..');

/**
 * The journal is a file in the deploy directory, so input like any other: a rollback only
 * touches what a real journal can name (files under the deploy directory or where their
 * links point, their temporary files and backups, directories under the deploy directory).
 */
function readJournal(file: string, root: string): Journal {
  const j = JSON.parse(readFileSync(file, 'utf8')) as Partial<Journal> | null;
  const bad = (why: string): never => {
    throw new Error(`not an osa-sriov write journal (${why})`);
  };
  if (typeof j !== 'object' || j === null || j.schema !== JOURNAL_SCHEMA) return bad('schema');
  if (
    (j.state !== 'prepare' && j.state !== 'commit') ||
    !Array.isArray(j.entries) ||
    !Array.isArray(j.createdDirs)
  )
    return bad('state, entries or createdDirs');
  const realRoot = realpathSync(root);
  for (const e of j.entries as Array<Partial<JournalEntry>>) {
    if (typeof e !== 'object' || e === null || typeof e.file !== 'string' || typeof e.real !== 'string')
      return bad('an entry without its file');
    const path = join(realRoot, e.file);
    if (isAbsolute(e.file) || !inside(realRoot, path)) return bad(`${e.file}: outside the deploy directory`);
    // The file itself, or where its link points.
    let real: string | null = null;
    try {
      real = realpathSync(path);
    } catch {
      real = null;
    }
    if (e.real !== path && e.real !== real) return bad(`${e.file}: not the file it names`);
    // A new file is never behind a link: rolling one back removes exactly that path.
    if (e.backup === null && e.real !== path) return bad(`${e.file}: a new file behind a link`);
    const tmp = new RegExp(`^\\.${reEscape(basename(e.real))}\\.osa-sriov\\.\\d+\\.tmp$`);
    if (typeof e.tmp !== 'string' || dirname(e.tmp) !== dirname(e.real) || !tmp.test(basename(e.tmp)))
      return bad(`${e.file}: its temporary file`);
    const bak = new RegExp(`^${reEscape(e.real)}\\.osa-sriov-[0-9TZ]+(-\\d+)?\\.bak$`);
    if (e.backup !== null && (typeof e.backup !== 'string' || !bak.test(e.backup)))
      return bad(`${e.file}: its backup`);
  }
  for (const d of j.createdDirs)
    if (!inside(realRoot, d) || d === realRoot) return bad('a directory outside');
  return j as Journal;
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function sameContent(a: string, b: string): boolean {
  try {
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
}

/** Puts every file of a journal back as it was before its edit; safe to run again. */
function rollBack(j: Journal): string[] {
  const done: string[] = [];
  for (const e of j.entries) {
    if (j.state === 'commit') {
      // A file not renamed yet is left alone (it may be one the system refused to replace).
      if (e.backup !== null && existsSync(e.backup) && !sameContent(e.backup, e.real)) {
        const tmp = `${e.tmp}.restore`;
        rmSync(tmp, { force: true });
        copyFileSync(e.backup, tmp);
        renameSync(tmp, e.real);
        done.push(`restored ${e.file}`);
      } else if (e.backup === null && existsSync(e.real)) {
        rmSync(e.real, { force: true });
        done.push(`removed ${e.file}`);
      }
    }
    rmSync(e.tmp, { force: true });
    if (e.backup !== null) rmSync(e.backup, { force: true });
  }
  for (const d of [...j.createdDirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (someone else's file) or already gone
    }
  }
  return done;
}

/**
 * Rolls back the edit an interrupted `plan --write` left (call it with the lock held).
 * Returns a sentence saying what was done, or null when there was nothing to recover.
 */
export function recoverInterruptedWrite(root: string): string | null {
  const file = join(realpathSync(root), JOURNAL_FILE);
  if (!existsSync(file)) return null;
  let j: Journal;
  try {
    j = readJournal(file, root);
  } catch (e) {
    throw new WriteError(
      `an interrupted write left a journal that cannot be read (${(e as Error).message})`,
      file,
      'restore the files it names from their .bak copies by hand, then remove it',
      'plan-write-interrupted',
    );
  }
  const done = rollBack(j);
  rmSync(file, { force: true });
  fsyncPath(dirname(file));
  return `an interrupted plan --write (pid ${j.pid}, ${j.since}) was rolled back: ${done.length > 0 ? done.join(', ') : 'no file had been replaced yet'}`;
}

/** Whether an interrupted (or running) write left its journal in the deploy directory. */
export function journalPath(root: string): string | null {
  const file = join(realpathSync(root), JOURNAL_FILE);
  return existsSync(file) ? file : null;
}

function freshBackup(real: string, stamp: string): string {
  for (let n = 1; ; n++) {
    const name = `${real}.osa-sriov-${stamp}${n > 1 ? `-${n}` : ''}.bak`;
    if (!existsSync(name)) return name;
  }
}

function commonDir(files: readonly string[]): string {
  let dir = dirname(files[0] ?? '.');
  while (!files.every((f) => relative(dir, f).split(sep)[0] !== '..')) dir = dirname(dir);
  return dir;
}

/**
 * Writes every change or none (docs/write-policy.md). Each new text goes to a temporary file
 * beside the file it replaces and each original is copied to <file>.osa-sriov-<stamp>.bak,
 * all listed in a journal first; then the temporary files are renamed over the originals.
 * A failure rolls every file back; a killed run is rolled back by the next one. Returns the
 * backups made. `root` is the deploy directory (default: the changes' common directory).
 */
export function writeChanges(changes: readonly FileChange[], stamp: string, root?: string): string[] {
  if (changes.length === 0) return [];
  const base = root ?? commonDir(changes.map((c) => c.file));
  const targets = resolveTargets(base, changes);
  const journalFile = join(realpathSync(base), JOURNAL_FILE);
  if (existsSync(journalFile))
    throw new WriteError(
      'an interrupted write left its journal here',
      journalFile,
      'run osa-sriov plan --write again: it rolls the interrupted edit back first',
    );
  for (const [i, t] of targets.entries()) {
    const before = changes[i]!.before;
    if (before !== null && readFileSync(t.real, 'utf8') !== before)
      throw new WriteError('changed since the plan read it', t.file, 'run plan again');
  }
  const journal: Journal = {
    schema: JOURNAL_SCHEMA,
    state: 'prepare',
    pid: process.pid,
    since: new Date().toISOString(),
    entries: targets.map((t, i) => ({
      file: relative(base, t.file),
      real: t.real,
      tmp: join(dirname(t.real), `.${basename(t.real)}.osa-sriov.${process.pid}.tmp`),
      backup: changes[i]!.before === null ? null : freshBackup(t.real, stamp),
    })),
    createdDirs: [...new Set(targets.flatMap((t) => t.missingDirs))],
  };
  let current: WriteTarget | undefined;
  try {
    saveJournal(journalFile, journal);
    faultPoint('journal');
    for (const d of journal.createdDirs) mkdirSync(d);
    for (const [i, e] of journal.entries.entries()) {
      current = targets[i];
      rmSync(e.tmp, { force: true });
      writeDurably(e.tmp, changes[i]!.after);
      if (e.backup !== null) {
        copyFileSync(e.real, e.backup, constants.COPYFILE_EXCL);
        fsyncPath(e.backup);
      }
    }
    journal.state = 'commit';
    saveJournal(journalFile, journal);
    for (const [i, e] of journal.entries.entries()) {
      current = targets[i];
      renameSync(e.tmp, e.real);
      faultPoint(`rename-${i + 1}`);
    }
    for (const d of new Set(journal.entries.map((e) => dirname(e.real)))) fsyncPath(d);
  } catch (e) {
    // Put every file back, so the directory is as it was.
    try {
      rollBack(journal);
    } catch (r) {
      throw new WriteError(
        `the write failed (${(e as Error).message}) and rolling it back failed too (${(r as Error).message}): the deploy directory is half edited`,
        current?.file ?? journalFile,
        `fix that, then run osa-sriov plan --write again: it rolls back the edit listed in ${journalFile}`,
        'plan-write-interrupted',
      );
    }
    rmSync(journalFile, { force: true });
    throw new WriteError((e as Error).message, current?.file ?? journalFile);
  }
  rmSync(journalFile, { force: true });
  fsyncPath(dirname(journalFile));
  return journal.entries.flatMap((e) => (e.backup ? [e.backup] : []));
}

/**
 * Writes generated files (relative name → text) into an output directory, made if missing.
 * Everything is checked before anything is written: the directory and each subdirectory
 * must be directories, each name must stay inside it. Each file is replaced atomically (a
 * link in its place is replaced, never written through).
 */
export function writeOutputDir(outDir: string, files: ReadonlyMap<string, string>): void {
  const problem = (path: string, what: string) =>
    new WriteTargetError(what, path, 'choose another output directory, or move that file away');
  const dirs = new Set<string>([outDir]);
  for (const name of files.keys()) {
    if (name === '' || isAbsolute(name) || name.split('/').includes('..'))
      throw problem(join(outDir, name), 'this file would be outside the output directory');
    for (let d = dirname(join(outDir, name)); d !== outDir && !dirs.has(d); d = dirname(d)) dirs.add(d);
  }
  for (const d of dirs) {
    let st: ReturnType<typeof lstatSync> | undefined;
    try {
      st = d === outDir ? statSync(d) : lstatSync(d);
    } catch {
      continue; // made below
    }
    if (!st.isDirectory()) throw problem(d, 'is not a directory, and the output is written there');
  }
  for (const name of files.keys()) {
    const path = join(outDir, name);
    let st: ReturnType<typeof lstatSync> | undefined;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) throw problem(path, 'is a directory, and a generated file goes there');
  }
  for (const [name, text] of files) {
    const path = join(outDir, name);
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    try {
      mkdirSync(dirname(path), { recursive: true });
      rmSync(tmp, { force: true });
      writeDurably(tmp, text);
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new WriteError(
        `cannot write the output: ${(e as Error).message}`,
        path,
        'choose a writable directory',
      );
    }
  }
}
