// Reading input files without hanging or exhausting memory: only regular files (a FIFO blocks
// forever, /dev/zero never ends), at most a size limit, and every failure an InputError that says
// what was found instead. Links are followed (deploy configs are often links into a git checkout);
// a dangling link or a link loop is named as such.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { InputError, locationOf } from './errors.js';

/** Limits by kind of input: far above any real file, far below what hurts. */
export const MAX_BYTES = {
  /** A YAML file of the deploy dir, an intent, clouds.yaml. */
  yaml: 16 * 1024 * 1024,
  /** openstack_inventory.json of a large cloud. */
  inventory: 256 * 1024 * 1024,
  /** A snapshot or HostFacts JSON (a host with hundreds of VFs is a few MB). */
  facts: 64 * 1024 * 1024,
  /** Pasted command outputs, CA bundles. */
  text: 16 * 1024 * 1024,
} as const;

/** What a non-regular file is, in words. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** Why a path cannot be opened, as an InputError (ENOENT of a link: dangling; ELOOP: a loop). */
export function unreadable(
  path: string,
  what: string,
  err: NodeJS.ErrnoException,
  hint?: string,
): InputError {
  const file = locationOf(path);
  switch (err.code) {
    case 'ENOENT': {
      let link = false;
      try {
        link = lstatSync(path).isSymbolicLink();
      } catch {}
      return link
        ? new InputError(
            'symlink-dangling',
            `cannot read ${what}: a symbolic link to nothing`,
            file,
            'point the link at an existing file, or remove it',
          )
        : new InputError(
            'file-unreadable',
            `cannot read ${what}: no such file`,
            file,
            hint ?? `give the path of ${what}`,
          );
    }
    case 'ELOOP':
      return new InputError(
        'symlink-loop',
        `cannot read ${what}: symbolic links that point to each other`,
        file,
        'make the link point to a real file',
      );
    case 'EACCES':
    case 'EPERM':
      return new InputError(
        'file-unreadable',
        `cannot read ${what}: permission denied`,
        file,
        'run as a user that can read it, or fix its permissions',
      );
    case 'EISDIR':
      return new InputError(
        'file-not-regular',
        `cannot read ${what}: is a directory`,
        file,
        hint ?? `give the path of ${what}`,
      );
    default:
      return new InputError(
        'file-unreadable',
        `cannot read ${what}: ${err.message}`,
        file,
        hint ?? `give the path of ${what}`,
      );
  }
}

/** The read buffer of transient reads (see readRegularFile), grown as needed. */
let scratch = Buffer.allocUnsafe(0);

/**
 * A regular file's bytes, at most `maxBytes`. Opened non-blocking (opening a FIFO for reading
 * would wait for a writer), then checked with fstat on the open descriptor (no race with a
 * rename), then read to the limit: a file that grows past it while read is refused too.
 * `transient`: the bytes are in one buffer that the next transient read reuses (for a caller
 * that copies what it keeps, as the snapshot parser does: thousands of facts files, no
 * allocation each).
 */
export function readRegularFile(
  path: string,
  what: string,
  maxBytes: number,
  hint?: string,
  transient = false,
): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw unreadable(path, what, e as NodeJS.ErrnoException, hint);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new InputError(
        'file-not-regular',
        `cannot read ${what}: ${st.isDirectory() ? 'is a directory' : `${fileKind(st)}, not a regular file`}`,
        locationOf(path),
        hint ?? `give the path of ${what} (a regular file)`,
      );
    if (st.size > maxBytes) throw tooLarge(path, what, maxBytes);
    // One more byte than the size, to see a file that grew; more as it keeps growing.
    let buf = transient && scratch.length > st.size ? scratch : Buffer.allocUnsafe(st.size + 1);
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        const grown = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(grown, 0, 0, total);
        buf = grown;
      }
      let n: number;
      try {
        n = readSync(fd, buf, total, buf.length - total, null);
      } catch (e) {
        throw unreadable(path, what, e as NodeJS.ErrnoException, hint);
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge(path, what, maxBytes);
    }
    if (transient) scratch = buf;
    return buf.subarray(0, total);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(path: string, what: string, maxBytes: number): InputError {
  return new InputError(
    'file-too-large',
    `cannot read ${what}: larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`,
    locationOf(path),
    `give the right file: no real ${what} is this large`,
  );
}
