// Reader for the collector's snapshot format (docs/snapshot-format.md).
import { InputError } from '../errors.js';

export const SNAPSHOT_HEADER = 'osa-sriov-snapshot 1';

export type SnapshotRecord =
  | { kind: 'value'; text: string }
  | { kind: 'blob'; bytes: Buffer; status: string }
  | { kind: 'link'; target: string }
  | { kind: 'missing' };

/** A malformed snapshot, at its line; the reader of a file names it (InputError.inFile). */
export class SnapshotError extends InputError {
  constructor(message: string, line: number | null) {
    super(
      'snapshot-invalid',
      message,
      null,
      `give a file written by \`osa-sriov collect\` (it starts with "${SNAPSHOT_HEADER}")`,
    );
    this.atLine(line);
  }
}

/** A parsed snapshot: named records plus directory-style entry lists. */
export class Snapshot {
  readonly records = new Map<string, SnapshotRecord>();
  readonly entries = new Map<string, string[]>();

  /** The text of a value or a successful blob; null when missing or failed. */
  text(name: string): string | null {
    const r = this.records.get(name);
    if (!r) return null;
    if (r.kind === 'value') return r.text;
    if (r.kind === 'blob' && r.status === '0') return r.bytes.toString('utf8');
    return null;
  }

  /**
   * A one-line attribute without its trailing newline; null when missing, failed, empty,
   * or not one line of printable text (such content is not a value of that attribute).
   */
  attr(name: string): string | null {
    const t = this.text(name);
    if (t === null) return null;
    const v = t.replace(/\n$/, '');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
    return v === '' || /[\x00-\x1f\x7f]/.test(v) ? null : v;
  }

  /**
   * An inline value as it was printed, possibly empty (a kernel command line with none of the
   * kept parameters); null when missing or not an inline value.
   */
  line(name: string): string | null {
    const r = this.records.get(name);
    return r?.kind === 'value' ? r.text.replace(/\n$/, '') : null;
  }

  link(name: string): string | null {
    const r = this.records.get(name);
    return r?.kind === 'link' ? r.target : null;
  }

  /** The last path component of a link's target ("../../bus/pci/drivers/igb" → "igb"). */
  linkBase(name: string): string | null {
    const t = this.link(name);
    if (t === null) return null;
    // Called for every VF's driver and group link: no split or filter per call.
    let end = t.length;
    while (end > 0 && t[end - 1] === '/') end--;
    const base = t.slice(t.lastIndexOf('/', end - 1) + 1, end);
    return base === '' ? null : base;
  }

  list(name: string): string[] {
    return this.entries.get(name) ?? [];
  }

  has(name: string): boolean {
    const r = this.records.get(name);
    return r !== undefined && r.kind !== 'missing';
  }

  /** Whether a record for NAME exists at all (missing counts: the collector looked). */
  looked(name: string): boolean {
    return this.records.has(name);
  }

  /** Exit status of a command blob: "0", "127", "timeout"…; null when missing. */
  status(name: string): string | null {
    const r = this.records.get(name);
    return r?.kind === 'blob' ? r.status : null;
  }
}

/** Bytes that JavaScript's \s matches in latin1 text: a record name is none of them (\S+). */
const SPACE = new Uint8Array(256);
for (const b of [9, 10, 11, 12, 13, 32, 0xa0]) SPACE[b] = 1;

/** The value of each lowercase hex digit, -1 for any other byte. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;

const K_V = 0x76;
const K_B = 0x62;
const K_L = 0x6c;
const K_M = 0x6d;
const K_N = 0x6e;
const K_X = 0x78;

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

/**
 * Parses a snapshot; throws SnapshotError with the line number on malformed input.
 *
 * Read from the bytes, a line at a time, with no string of the whole file: every kept string
 * (names, values, link targets) is its own copy of its bytes, so nothing built from a snapshot
 * keeps the file in memory. The grammar is that of docs/snapshot-format.md, checked byte by
 * byte as the record pattern `^([vblmn]) (\S+)(?: (.*))?$` reads a latin1 line.
 */
export function parseSnapshot(input: string | Buffer): Snapshot {
  const buf = (typeof input === 'string' ? Buffer.from(input, 'latin1') : input) as Latin1Buffer;
  const len = buf.length;
  const headerEnd = buf.indexOf(10);
  const firstEnd = headerEnd < 0 ? len : headerEnd;
  if (firstEnd !== SNAPSHOT_HEADER.length || buf.latin1Slice(0, firstEnd) !== SNAPSHOT_HEADER) {
    throw new SnapshotError(`not an osa-sriov snapshot: the first line must be "${SNAPSHOT_HEADER}"`, 1);
  }
  const snap = new Snapshot();
  const records = snap.records;
  // The open blob: its name, status and decoded bytes so far (hex lines, 16 bytes each as
  // the collector writes them; a longer line grows the buffer).
  // (No closures here: variables a closure shares are slower to reach in this loop.)
  let blobName: string | null = null;
  let blobStatus = '';
  let blobBytes = Buffer.allocUnsafe(4096);
  let blobLen = 0;
  let ended = false;
  let lineNo = 1;
  let pos = firstEnd + 1;
  while (pos <= len) {
    lineNo++;
    let end = buf.indexOf(10, pos);
    if (end < 0) end = len;
    const s = pos;
    pos = end + 1;
    if (ended) {
      if (end === s) continue;
      throw new SnapshotError('text after the "end" line', lineNo);
    }
    const kind = end - s >= 2 && buf[s + 1] === 32 ? buf[s]! : 0;
    if (kind === K_X) {
      const n = end - s - 2;
      if (blobName === null || n % 2 !== 0) throw new SnapshotError('malformed hex line', lineNo);
      if (blobLen + n / 2 > blobBytes.length) {
        const grown = Buffer.allocUnsafe(Math.max(blobBytes.length * 2, blobLen + n / 2));
        blobBytes.copy(grown, 0, 0, blobLen);
        blobBytes = grown;
      }
      for (let i = s + 2; i < end; i += 2) {
        const hi = HEX[buf[i]!]!;
        const lo = HEX[buf[i + 1]!]!;
        if (hi < 0 || lo < 0) throw new SnapshotError('malformed hex line', lineNo);
        blobBytes[blobLen++] = (hi << 4) | lo;
      }
      continue;
    }
    if (blobName !== null) {
      records.set(blobName, {
        kind: 'blob',
        status: blobStatus,
        bytes: Buffer.from(blobBytes.subarray(0, blobLen)),
      });
      blobName = null;
    }
    if (end - s === 3 && buf[s] === 0x65 && buf[s + 1] === 0x6e && buf[s + 2] === 0x64) {
      ended = true;
      continue;
    }
    if (kind !== K_V && kind !== K_B && kind !== K_L && kind !== K_M && kind !== K_N) {
      if (end === s && pos > len) break; // the newline after the last record
      throw unrecognised(buf, s, end, lineNo);
    }
    // The name: one or more bytes up to a space or the end of the line, none of them a space.
    let i = s + 2;
    while (i < end && buf[i] !== 32) {
      if (SPACE[buf[i]!]) throw unrecognised(buf, s, end, lineNo);
      i++;
    }
    if (i === s + 2) throw unrecognised(buf, s, end, lineNo);
    const nameEnd = i;
    // The rest: after one space, any bytes but a carriage return (`.` stops at it).
    const hasRest = nameEnd < end;
    for (let j = nameEnd + 1; j < end; j++) if (buf[j] === 13) throw unrecognised(buf, s, end, lineNo);
    const name = buf.latin1Slice(s + 2, nameEnd);
    if (kind === K_V) {
      // Inline values are one printable ASCII line, so the text is the bytes (with the newline).
      records.set(name, { kind: 'value', text: hasRest ? buf.latin1Slice(nameEnd + 1, end + 1) : '\n' });
      continue;
    }
    const restNoSpace = hasRest && end > nameEnd + 1 && noSpace(buf, nameEnd + 1, end);
    if (kind === K_B && restNoSpace) {
      blobName = name;
      blobStatus = buf.latin1Slice(nameEnd + 1, end);
      blobLen = 0;
      continue;
    }
    if (kind === K_L && hasRest && end > nameEnd + 1) {
      records.set(name, { kind: 'link', target: buf.latin1Slice(nameEnd + 1, end) });
      continue;
    }
    if (kind === K_M && !hasRest) {
      records.set(name, { kind: 'missing' });
      continue;
    }
    if (kind === K_N && restNoSpace) {
      const entry = buf.latin1Slice(nameEnd + 1, end);
      const list = snap.entries.get(name);
      if (list) list.push(entry);
      else snap.entries.set(name, [entry]);
      continue;
    }
    throw unrecognised(buf, s, end, lineNo);
  }
  if (blobName !== null) {
    records.set(blobName, {
      kind: 'blob',
      status: blobStatus,
      bytes: Buffer.from(blobBytes.subarray(0, blobLen)),
    });
  }
  if (!ended) {
    throw new SnapshotError('the snapshot is truncated (no "end" line): collect it again', lineNo);
  }
  return snap;
}

function unrecognised(buf: Latin1Buffer, s: number, e: number, lineNo: number): SnapshotError {
  return new SnapshotError(`unrecognised record "${buf.latin1Slice(s, Math.min(e, s + 60))}"`, lineNo);
}

function noSpace(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (SPACE[buf[i]!]) return false;
  return true;
}
