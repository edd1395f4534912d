// The staging copy a plan is verified in: a private temporary directory holding the deploy
// directory's files as the loader reads them (each symlink replaced by a copy of what it
// points to), with the plan's changes written into it. Nothing is ever written outside it,
// never through a link, and it is removed however the command ends (exit-cleanup.ts); a run
// removes the copies that killed runs left behind.
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { FileChange } from './edits.js';
import { faultPoint, onExit } from './exit-cleanup.js';
import { alive, JOURNAL_FILE, LOCK_FILE, WriteTargetError } from './write.js';

const PREFIX = 'osa-sriov-plan-';

/** Removes the staging copies of runs that were killed (their pid is gone). */
function sweepStale(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^osa-sriov-plan-(\d+)-/.exec(n);
    if (!m || alive(Number(m[1]))) continue;
    const path = join(tmpdir(), n);
    try {
      // Ours only: a directory owned by this user.
      const st = lstatSync(path);
      if (st.isDirectory() && st.uid === process.getuid?.()) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already, or not ours
    }
  }
}

/** Copies a tree, materialising links; loops, dangling links and special files are left out. */
function copyTree(src: string, dst: string, ancestors: ReadonlySet<string>): void {
  for (const ent of readdirSync(src, { withFileTypes: true })) {
    if (ent.name === '.git' || ent.name === LOCK_FILE || ent.name === JOURNAL_FILE) continue;
    const from = join(src, ent.name);
    const to = join(dst, ent.name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(from);
    } catch {
      continue; // dangling: the real load already saw it
    }
    if (st.isDirectory()) {
      const real = realpathSync(from);
      if (ancestors.has(real)) continue; // a loop
      mkdirSync(to);
      copyTree(from, to, new Set([...ancestors, real]));
    } else if (st.isFile()) {
      copyFileSync(from, to);
    }
  }
}

export interface Stage {
  dir: string;
  /** A path in the stage back to the deploy directory's. */
  back(file: string): string;
  remove(): void;
}

/** Stages the deploy directory with the changes applied. */
export function stageDeployDir(deployDir: string, changes: readonly FileChange[]): Stage {
  sweepStale();
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const remove = onExit(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const real = realpathSync(deployDir);
    copyTree(real, dir, new Set([real]));
    for (const c of changes) {
      const rel = relative(deployDir, c.file);
      if (rel === '' || isAbsolute(rel) || rel.split(sep).includes('..'))
        throw new WriteTargetError('this file is outside the deploy directory; refusing to write it', c.file);
      const target = join(dir, rel);
      mkdirSync(dirname(target), { recursive: true });
      // The stage holds no links (copyTree materialises them): replace, never write through.
      rmSync(target, { force: true });
      writeFileSync(target, c.after, { flag: 'wx' });
    }
    faultPoint('stage');
  } catch (e) {
    remove();
    throw e;
  }
  return {
    dir,
    back: (f) => (f === dir || f.startsWith(`${dir}${sep}`) ? join(deployDir, relative(dir, f)) : f),
    remove,
  };
}
