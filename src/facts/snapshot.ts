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

/** A record line: its kind letter, the name, and the rest (absent when there is none). */
const RECORD = /^([vblmn]) (\S+)(?: (.*))?$/;

/** Parses a snapshot; throws SnapshotError with the line number on malformed input. */
export function parseSnapshot(input: string | Buffer): Snapshot {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const lines = text.split('\n');
  if (lines[0] !== SNAPSHOT_HEADER) {
    throw new SnapshotError(`not an osa-sriov snapshot: the first line must be "${SNAPSHOT_HEADER}"`, 1);
  }
  const snap = new Snapshot();
  let blob: { name: string; status: string; hex: string[] } | null = null;
  let ended = false;
  const flush = () => {
    if (!blob) return;
    snap.records.set(blob.name, {
      kind: 'blob',
      status: blob.status,
      bytes: Buffer.from(blob.hex.join(''), 'hex'),
    });
    blob = null;
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (ended) {
      if (line === '') continue;
      throw new SnapshotError('text after the "end" line', lineNo);
    }
    if (line.startsWith('x ')) {
      const hex = line.slice(2);
      if (!blob || !/^(?:[0-9a-f]{2})*$/.test(hex)) throw new SnapshotError('malformed hex line', lineNo);
      (blob as { hex: string[] }).hex.push(hex);
      continue;
    }
    flush();
    if (line === 'end') {
      ended = true;
      continue;
    }
    const rec = line.match(RECORD);
    if (rec) {
      const [, kind, name, rest] = rec as unknown as [string, string, string, string | undefined];
      if (kind === 'v') {
        // Inline values are one printable ASCII line, so the text is the bytes.
        snap.records.set(name, { kind: 'value', text: `${rest ?? ''}\n` });
        continue;
      }
      if (kind === 'b' && rest !== undefined && /^\S+$/.test(rest)) {
        blob = { name, status: rest, hex: [] };
        continue;
      }
      if (kind === 'l' && rest) {
        snap.records.set(name, { kind: 'link', target: rest });
        continue;
      }
      if (kind === 'm' && rest === undefined) {
        snap.records.set(name, { kind: 'missing' });
        continue;
      }
      if (kind === 'n' && rest !== undefined && /^\S+$/.test(rest)) {
        const list = snap.entries.get(name);
        if (list) list.push(rest);
        else snap.entries.set(name, [rest]);
        continue;
      }
    }
    if (line === '' && i === lines.length - 1) {
      // the newline after the last record
    } else {
      throw new SnapshotError(`unrecognised record "${line.slice(0, 60)}"`, lineNo);
    }
  }
  flush();
  if (!ended) {
    throw new SnapshotError('the snapshot is truncated (no "end" line): collect it again', lines.length);
  }
  return snap;
}
