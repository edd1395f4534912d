// File input and output for commands: friendly errors, and no partial files.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MAX_BYTES, readRegularFile } from '../read-input.js';
import { UserError } from './errors.js';

/** A regular file given on the command line, bounded (src/read-input.ts). */
export function readInput(path: string, what: string, maxBytes: number = MAX_BYTES.facts): Buffer {
  return readRegularFile(path, what, maxBytes);
}

/** Writes a whole file or nothing: a temporary file beside it, then a rename. */
export function writeAtomically(path: string, data: Buffer | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UserError(
      `cannot write the output: ${(e as Error).message}`,
      { file: path },
      'choose a writable path with -o',
      'output-unwritable',
    );
  }
}
