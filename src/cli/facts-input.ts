// --facts: files and directories of snapshots (*.snapshot) or HostFacts JSON (*.json).
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FactsFile } from '../deployment/facts-match.js';
import { readHostFacts } from '../facts/load.js';
import { MAX_BYTES, readRegularFile, unreadable } from '../read-input.js';
import { UserError } from './errors.js';
import { DirFactsCache } from './facts-cache.js';

const FACTS_FILE = /\.(snapshot|json)$/;

function parseOne(file: string) {
  // A transient read: the parsers copy what they keep.
  return readHostFacts(readRegularFile(file, 'a facts file', MAX_BYTES.facts, undefined, true), file);
}

function readOne(file: string): FactsFile {
  return { file, stem: basename(file).replace(FACTS_FILE, ''), facts: parseOne(file) };
}

/**
 * The facts of files and directories of them. `cacheDir`: where the facts cache of each
 * directory lives (src/cli/facts-cache.ts); null reads every file.
 */
export function readFactsPaths(paths: readonly string[], cacheDir: string | null = null): FactsFile[] {
  const out: FactsFile[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      // Missing, a dangling link, a link loop, permissions: each named as such.
      throw unreadable(
        p,
        'facts',
        e as NodeJS.ErrnoException,
        'give a snapshot, a HostFacts JSON file or a directory of them',
      );
    }
    if (!isDir) {
      out.push(readOne(p));
      continue;
    }
    let entries: string[];
    try {
      entries = readdirSync(p);
    } catch (e) {
      throw unreadable(p, 'facts', e as NodeJS.ErrnoException);
    }
    const names = entries.filter((n) => FACTS_FILE.test(n) && !n.startsWith('.')).sort();
    if (names.length === 0)
      throw new UserError(
        'no facts files in this directory',
        { file: p },
        'it should hold <host>.snapshot files from `osa-sriov collect` or HostFacts *.json files',
        'facts-invalid',
      );
    if (cacheDir === null) {
      for (const n of names) out.push(readOne(join(p, n)));
      continue;
    }
    const cache = new DirFactsCache(cacheDir, p);
    for (const n of names) {
      const file = join(p, n);
      out.push({ file, stem: n.replace(FACTS_FILE, ''), facts: cache.read(n, () => parseOne(file)) });
    }
    cache.save();
  }
  return out;
}
