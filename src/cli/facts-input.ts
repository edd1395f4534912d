// --facts: files and directories of snapshots (*.snapshot) or HostFacts JSON (*.json).
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FactsFile } from '../deployment/facts-match.js';
import { readHostFacts } from '../facts/load.js';
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
    } catch {
      throw new UserError(
        'cannot read facts: no such file or directory',
        { file: p },
        'give a snapshot, a HostFacts JSON file or a directory of them',
        'file-unreadable',
      );
    }
    if (!isDir) {
      out.push(readOne(p));
      continue;
    }
    const names = readdirSync(p)
      .filter((n) => FACTS_FILE.test(n) && !n.startsWith('.'))
      .sort();
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
