// File input and output for commands: friendly errors, and no partial files.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.js';

export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message;
    throw new UserError(
      `cannot read ${what}: ${why}`,
      { file: path },
      `give the path of ${what}`,
      'file-unreadable',
    );
  }
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
