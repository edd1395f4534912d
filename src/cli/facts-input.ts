// --facts: files and directories of snapshots (*.snapshot) or HostFacts JSON (*.json).
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FactsFile } from '../deployment/facts-match.js';
import { readHostFacts } from '../facts/load.js';
import { unreadable } from '../read-input.js';
import { UserError } from './errors.js';
import { readInput } from './io.js';

const FACTS_FILE = /\.(snapshot|json)$/;

function readOne(file: string): FactsFile {
  const facts = readHostFacts(readInput(file, 'a facts file'), file);
  return { file, stem: basename(file).replace(FACTS_FILE, ''), facts };
}

export function readFactsPaths(paths: readonly string[]): FactsFile[] {
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
    for (const n of names) out.push(readOne(join(p, n)));
  }
  return out;
}
