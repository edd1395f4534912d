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

// A parsed snapshot is an index over the file's bytes (parseSnapshot's own copy, hex blobs
// decoded in place; or, for readHostFacts, the caller's buffer and a reused blob arena): each
// record and each entry is a few offsets, found through open-addressing hash tables of the name
// bytes. Strings are made when asked for, each its own copy (latin1Slice, or a short string
// already made): a host's snapshot has ~2,000 records of which building HostFacts reads a few
// hundred, and a string and a Map entry per record was most of the cost of reading a fleet
// (issue 17; test/unit/snapshot-facts-golden.test.ts holds it to what the Map-based reader gave).

/** Per record, in R: kind (its letter), name start, name end, name hash, then by kind: */
const R_KIND = 0;
const R_NAME = 1;
const R_NAME_END = 2;
const R_HASH = 3;
/** value: the text's start and end (before its newline); link: the target; blob: the bytes. */
const R_A = 4;
const R_B = 5;
/** blob: its status. */
const R_C = 6;
const R_D = 7;
const R_SIZE = 8;
/** Per entry, in E: name start, name end, hash, value start, value end, next entry of its list. */
const E_NAME = 0;
const E_NAME_END = 1;
const E_HASH = 2;
const E_VALUE = 3;
const E_VALUE_END = 4;
const E_NEXT = 5;
const E_SIZE = 6;
/** Per list (entries of one name), in L: first entry, last entry. */
const L_HEAD = 0;
const L_TAIL = 1;
const L_SIZE = 2;

const NO_INTS = new Int32Array(0);
const EMPTY_TABLE = new Int32Array(1);

/**
 * The hash of a name: FNV-1a of its even and of its odd code units, in two lanes that the
 * processor computes side by side, then mixed (parseSnapshot hashes each record's name from its
 * bytes the same way). A character above U+00FF makes no match: the lookup compares every byte.
 */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const LANE_MIX = 0x9e3779b1 | 0;

function hashName(name: string, suffix: string): number {
  let even = FNV_OFFSET;
  let odd = FNV_OFFSET;
  const n = name.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    even = Math.imul(even ^ name.charCodeAt(i), FNV_PRIME);
    odd = Math.imul(odd ^ name.charCodeAt(i + 1), FNV_PRIME);
  }
  // An odd name leaves the suffix's first unit in the odd lane.
  let j = 0;
  if (i < n) {
    even = Math.imul(even ^ name.charCodeAt(i), FNV_PRIME);
    if (suffix.length > 0) odd = Math.imul(odd ^ suffix.charCodeAt(j++), FNV_PRIME);
  }
  for (; j + 1 < suffix.length; j += 2) {
    even = Math.imul(even ^ suffix.charCodeAt(j), FNV_PRIME);
    odd = Math.imul(odd ^ suffix.charCodeAt(j + 1), FNV_PRIME);
  }
  if (j < suffix.length) even = Math.imul(even ^ suffix.charCodeAt(j), FNV_PRIME);
  return even ^ Math.imul(odd, LANE_MIX);
}

/** The size of an open-addressing table (slot → item index + 1) for N items: at most half full. */
function tableSize(n: number): number {
  let size = 16;
  while (size < n * 2) size *= 2;
  return size;
}

/**
 * A parsed snapshot: named records plus directory-style entry lists. Each lookup takes a
 * record's name, or a start and a SUFFIX (`list(dir, '/net')` is `list(dir + '/net')` without
 * making that string: a host's VFs are read by hundreds of such names).
 */
export class Snapshot {
  /** The file's bytes (a copy, or the caller's for parseSnapshotBorrowing). */
  private readonly data: Buffer;
  /** Where blobs' decoded bytes are: the copy (decoded over the hex lines) or a scratch arena. */
  private readonly blobs: Buffer;
  private readonly rec: Int32Array;
  private readonly nRec: number;
  private readonly recTable: Int32Array;
  private readonly ent: Int32Array;
  private readonly lists: Int32Array;
  private readonly nLists: number;
  private readonly listTable: Int32Array;
  private recordMap: Map<string, SnapshotRecord> | null = null;
  private entryMap: Map<string, string[]> | null = null;

  /** An empty snapshot; parseSnapshot gives the others. */
  constructor(parsed?: ParsedSnapshot) {
    this.data = parsed?.data ?? Buffer.alloc(0);
    this.blobs = parsed?.blobs ?? this.data;
    this.rec = parsed?.rec ?? NO_INTS;
    this.nRec = parsed?.nRec ?? 0;
    this.recTable = parsed?.recTable ?? EMPTY_TABLE;
    this.ent = parsed?.ent ?? NO_INTS;
    this.lists = parsed?.lists ?? NO_INTS;
    this.nLists = parsed?.nLists ?? 0;
    this.listTable = parsed?.listTable ?? EMPTY_TABLE;
  }

  /** Every record by name, in the order of the file (a name given twice: its last record). */
  get records(): Map<string, SnapshotRecord> {
    if (this.recordMap === null) {
      const map = new Map<string, SnapshotRecord>();
      for (let r = 0; r < this.nRec; r++) {
        const o = r * R_SIZE;
        if (this.rec[o + R_KIND] === 0) continue; // replaced by a later record of its name
        map.set(this.str(this.rec[o + R_NAME]!, this.rec[o + R_NAME_END]!), this.record(o));
      }
      this.recordMap = map;
    }
    return this.recordMap;
  }

  /** Every entry list by name, in the order of the file. */
  get entries(): Map<string, string[]> {
    if (this.entryMap === null) {
      const map = new Map<string, string[]>();
      for (let l = 0; l < this.nLists; l++) {
        const first = this.lists[l * L_SIZE + L_HEAD]! * E_SIZE;
        map.set(this.str(this.ent[first + E_NAME]!, this.ent[first + E_NAME_END]!), this.listAt(l));
      }
      this.entryMap = map;
    }
    return this.entryMap;
  }

  /** The text of a value or a successful blob; null when missing or failed. */
  text(name: string, suffix = ''): string | null {
    const o = this.find(name, suffix);
    if (o < 0) return null;
    const kind = this.rec[o + R_KIND];
    if (kind === K_V) return this.valueText(o);
    if (kind === K_B && this.isStatusZero(o))
      return this.blobs.toString('utf8', this.rec[o + R_A], this.rec[o + R_B]);
    return null;
  }

  /**
   * A one-line attribute without its trailing newline; null when missing, failed, empty,
   * or not one line of printable text (such content is not a value of that attribute).
   */
  attr(name: string, suffix = ''): string | null {
    const o = this.find(name, suffix);
    if (o < 0) return null;
    if (this.rec[o + R_KIND] === K_V) {
      // An inline value is one line: the same test as below, on its bytes.
      const s = this.rec[o + R_A]!;
      const e = this.rec[o + R_B]!;
      if (s === e) return null;
      const d = this.data;
      for (let i = s; i < e; i++) if (d[i]! < 0x20 || d[i] === 0x7f) return null;
      return this.str(s, e);
    }
    const t = this.text(name, suffix);
    if (t === null) return null;
    const v = t.replace(/\n$/, '');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
    return v === '' || /[\x00-\x1f\x7f]/.test(v) ? null : v;
  }

  /**
   * An inline value as it was printed, possibly empty (a kernel command line with none of the
   * kept parameters); null when missing or not an inline value.
   */
  line(name: string, suffix = ''): string | null {
    const o = this.find(name, suffix);
    return o >= 0 && this.rec[o + R_KIND] === K_V ? this.str(this.rec[o + R_A]!, this.rec[o + R_B]!) : null;
  }

  link(name: string, suffix = ''): string | null {
    const o = this.find(name, suffix);
    return o >= 0 && this.rec[o + R_KIND] === K_L ? this.str(this.rec[o + R_A]!, this.rec[o + R_B]!) : null;
  }

  /** The last path component of a link's target ("../../bus/pci/drivers/igb" → "igb"). */
  linkBase(name: string, suffix = ''): string | null {
    const o = this.find(name, suffix);
    if (o < 0 || this.rec[o + R_KIND] !== K_L) return null;
    // Called for every VF's driver and group link: from the bytes, no string of the whole target.
    const d = this.data;
    const s = this.rec[o + R_A]!;
    let end = this.rec[o + R_B]!;
    while (end > s && d[end - 1] === 0x2f) end--;
    let start = end;
    while (start > s && d[start - 1] !== 0x2f) start--;
    return start === end ? null : this.str(start, end);
  }

  /** The entries under NAME, in the order of the file; empty when none. */
  list(name: string, suffix = ''): string[] {
    const l = this.findList(name, suffix);
    return l < 0 ? [] : this.listAt(l);
  }

  has(name: string, suffix = ''): boolean {
    const o = this.find(name, suffix);
    return o >= 0 && this.rec[o + R_KIND] !== K_M;
  }

  /** Whether a record for NAME exists at all (missing counts: the collector looked). */
  looked(name: string, suffix = ''): boolean {
    return this.find(name, suffix) >= 0;
  }

  /** Exit status of a command blob: "0", "127", "timeout"…; null when missing. */
  status(name: string, suffix = ''): string | null {
    const o = this.find(name, suffix);
    if (o < 0 || this.rec[o + R_KIND] !== K_B) return null;
    return this.isStatusZero(o) ? '0' : this.str(this.rec[o + R_C]!, this.rec[o + R_D]!);
  }

  /**
   * The links named DIR + X + "/" + BASE + Y, X one or more characters and no "/", Y no "/"
   * (`linksUnder('/sys/bus/pci/devices/', 'virtfn')`: every PF's VF links), as [X, Y, target],
   * in the order of the file; read from the bytes, without a string of each name.
   */
  linksUnder(dir: string, base: string): Array<[string, string, string]> {
    const out: Array<[string, string, string]> = [];
    const d = this.data;
    for (let r = 0; r < this.nRec; r++) {
      const o = r * R_SIZE;
      if (this.rec[o + R_KIND] !== K_L) continue;
      const ns = this.rec[o + R_NAME]!;
      const ne = this.rec[o + R_NAME_END]!;
      // The last "/" first: it rules out most links in a few bytes.
      let b = ne;
      while (b > ns && d[b - 1] !== 0x2f) b--;
      if (ne - b < base.length || b - 1 - ns <= dir.length) continue;
      let j = 0;
      while (j < base.length && d[b + j] === base.charCodeAt(j)) j++;
      if (j < base.length) continue;
      j = 0;
      while (j < dir.length && d[ns + j] === dir.charCodeAt(j)) j++;
      if (j < dir.length) continue;
      let x = ns + dir.length;
      while (x < b - 1 && d[x] !== 0x2f) x++;
      if (x < b - 1) continue;
      out.push([
        this.str(ns + dir.length, b - 1),
        this.str(b + base.length, ne),
        this.str(this.rec[o + R_A]!, this.rec[o + R_B]!),
      ]);
    }
    return out;
  }

  /** The offset in `rec` of the record of NAME + SUFFIX; -1 when there is none. */
  private find(name: string, suffix: string): number {
    const h = hashName(name, suffix);
    return this.lookup(this.recTable, this.rec, R_SIZE, R_NAME, R_NAME_END, R_HASH, name, suffix, h);
  }

  /** The index of the entry list of NAME + SUFFIX; -1 when there is none. */
  private findList(name: string, suffix: string): number {
    const h = hashName(name, suffix);
    return this.lookup(this.listTable, this.ent, 0, E_NAME, E_NAME_END, E_HASH, name, suffix, h);
  }

  /**
   * Probes TABLE for NAME. Records: the table holds record index + 1, the result is the record's
   * offset. Lists (size 0): the table holds list index + 1 and the list's first entry names it.
   */
  private lookup(
    table: Int32Array,
    ints: Int32Array,
    size: number,
    nameAt: number,
    nameEndAt: number,
    hashAt: number,
    name: string,
    suffix: string,
    h: number,
  ): number {
    const mask = table.length - 1;
    const d = this.data;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const item = table[slot]!;
      if (item === 0) return -1;
      const o = size === 0 ? this.lists[(item - 1) * L_SIZE + L_HEAD]! * E_SIZE : (item - 1) * size;
      if (ints[o + hashAt] !== h) continue;
      const s = ints[o + nameAt]!;
      if (ints[o + nameEndAt]! - s !== name.length + suffix.length) continue;
      let i = 0;
      while (i < name.length && d[s + i] === name.charCodeAt(i)) i++;
      if (i < name.length) continue;
      let j = 0;
      while (j < suffix.length && d[s + i + j] === suffix.charCodeAt(j)) j++;
      if (j === suffix.length) return size === 0 ? item - 1 : o;
    }
  }

  private listAt(l: number): string[] {
    const out: string[] = [];
    for (let e = this.lists[l * L_SIZE + L_HEAD]!; e >= 0; e = this.ent[e * E_SIZE + E_NEXT]!) {
      out.push(this.str(this.ent[e * E_SIZE + E_VALUE]!, this.ent[e * E_SIZE + E_VALUE_END]!));
    }
    return out;
  }

  private record(o: number): SnapshotRecord {
    const kind = this.rec[o + R_KIND];
    if (kind === K_V) return { kind: 'value', text: this.valueText(o) };
    if (kind === K_L) return { kind: 'link', target: this.str(this.rec[o + R_A]!, this.rec[o + R_B]!) };
    if (kind === K_M) return { kind: 'missing' };
    return {
      kind: 'blob',
      status: this.isStatusZero(o) ? '0' : this.str(this.rec[o + R_C]!, this.rec[o + R_D]!),
      bytes: Buffer.from(this.blobs.subarray(this.rec[o + R_A], this.rec[o + R_B])),
    };
  }

  /** An inline value's text: its bytes and a newline. */
  private valueText(o: number): string {
    const s = this.rec[o + R_A]!;
    const e = this.rec[o + R_B]!;
    return e < this.data.length ? this.str(s, e + 1) : `${this.str(s, e)}\n`;
  }

  private isStatusZero(o: number): boolean {
    return this.rec[o + R_D]! - this.rec[o + R_C]! === 1 && this.data[this.rec[o + R_C]!] === 0x30;
  }

  /**
   * A string of bytes S..E: a copy (latin1Slice), never a view of the data; a short one from
   * the strings already made when it is one of them (driver and interface names, PCI addresses,
   * sysfs values: the same few hundred on every host of a fleet).
   */
  private str(s: number, e: number): string {
    const n = e - s;
    if (n > SHARED_MAX || n === 0) return (this.data as Latin1Buffer).latin1Slice(s, e);
    const d = this.data;
    let h = FNV_OFFSET;
    for (let i = s; i < e; i++) h = Math.imul(h ^ d[i]!, FNV_PRIME);
    const slot = h & (SHARED_SLOTS - 1);
    const known = shared[slot];
    if (known !== undefined && known.length === n) {
      let i = 0;
      while (i < n && known.charCodeAt(i) === d[s + i]) i++;
      if (i === n) return known;
    }
    const made = (d as Latin1Buffer).latin1Slice(s, e);
    shared[slot] = made;
    return made;
  }
}

/** Short strings a Snapshot made, by the hash of their bytes (the last one of each slot). */
const SHARED_MAX = 24;
const SHARED_SLOTS = 8192;
const shared: Array<string | undefined> = new Array(SHARED_SLOTS).fill(undefined);

/** What parseSnapshot hands to a Snapshot. */
interface ParsedSnapshot {
  data: Buffer;
  blobs: Buffer;
  rec: Int32Array;
  nRec: number;
  recTable: Int32Array;
  ent: Int32Array;
  lists: Int32Array;
  nLists: number;
  listTable: Int32Array;
}

/** Bytes that JavaScript's \s matches in latin1 text: a record name is none of them (\S+). */
const SPACE = new Uint8Array(256);
for (const b of [9, 10, 11, 12, 13, 32, 0xa0]) SPACE[b] = 1;

/** A hex line as the collector writes it: "x ", 32 digits, a newline. */
const HEX_LINE = 35;

/** The byte two lowercase hex digits (first << 8 | second) stand for; -1 for any other pair. */
const HEX_PAIR = new Int16Array(65536).fill(-1);
for (let hi = 0; hi < 16; hi++) {
  for (let lo = 0; lo < 16; lo++) {
    HEX_PAIR[('0123456789abcdef'.charCodeAt(hi) << 8) | '0123456789abcdef'.charCodeAt(lo)] = (hi << 4) | lo;
  }
}

const K_V = 0x76;
const K_B = 0x62;
const K_L = 0x6c;
const K_M = 0x6d;
const K_N = 0x6e;
const K_X = 0x78;

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

// Records and entries as they are read, reused from one parse to the next (a snapshot of
// parseSnapshot keeps a copy of the part it filled; one of parseSnapshotBorrowing uses them, and
// hash tables and a blob arena from here too, until the next parse).
let scratchRec: Int32Array = new Int32Array(4096 * R_SIZE);
let scratchEnt: Int32Array = new Int32Array(1024 * E_SIZE);
let scratchLists: Int32Array = new Int32Array(1024 * L_SIZE);
let scratchRecTable: Int32Array = new Int32Array(8192);
let scratchListTable: Int32Array = new Int32Array(2048);
let scratchBlobs: Buffer = Buffer.alloc(0);
/** Scratch space that a file far larger than a host's grew is let go at the next parse. */
const SCRATCH_KEPT = 1 << 20;

function trimScratch(): void {
  if (scratchRec.length > SCRATCH_KEPT) scratchRec = new Int32Array(4096 * R_SIZE);
  if (scratchEnt.length > SCRATCH_KEPT) scratchEnt = new Int32Array(1024 * E_SIZE);
  if (scratchLists.length > SCRATCH_KEPT) scratchLists = new Int32Array(1024 * L_SIZE);
  if (scratchRecTable.length > SCRATCH_KEPT) scratchRecTable = new Int32Array(8192);
  if (scratchListTable.length > SCRATCH_KEPT) scratchListTable = new Int32Array(2048);
  if (scratchBlobs.length > 4 * SCRATCH_KEPT) scratchBlobs = Buffer.alloc(0);
}
/** Records and entries the last scan read. */
let scannedRecords = 0;
let scannedEntries = 0;

function grown(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Parses a snapshot; throws SnapshotError with the line number on malformed input.
 *
 * Read from the bytes of its own copy of the input, a line at a time, in one pass: hex blobs
 * are decoded in place, and records and entries are offsets into the copy (see Snapshot). No
 * string of the whole file is made, and every string a Snapshot gives is its own copy of its
 * bytes, so nothing built from a snapshot keeps the file in memory, and the caller may reuse its
 * buffer. The grammar is that of docs/snapshot-format.md, checked byte by byte as the record
 * pattern `^([vblmn]) (\S+)(?: (.*))?$` reads a latin1 line.
 */
export function parseSnapshot(input: string | Buffer): Snapshot {
  trimScratch();
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input);
  scan(buf as Latin1Buffer, buf, true);
  const nRec = scannedRecords;
  const nEnt = scannedEntries;
  const rec = scratchRec.slice(0, nRec * R_SIZE);
  const ent = scratchEnt.slice(0, nEnt * E_SIZE);
  const recTable = new Int32Array(tableSize(nRec));
  const listTable = new Int32Array(tableSize(nEnt));
  const lists = new Int32Array(Math.max(nEnt, 1) * L_SIZE);
  return indexed({ data: buf, blobs: buf, rec, nRec, recTable, ent, lists, nLists: 0, listTable });
}

/**
 * parseSnapshot without a copy of DATA and without allocations of its own: the Snapshot reads
 * DATA, and the scratch space of this module that the next parse reuses. For a caller that is
 * done with the Snapshot before it parses another or changes DATA (readHostFacts); the strings
 * it gives are copies, as parseSnapshot's.
 */
export function parseSnapshotBorrowing(data: Buffer): Snapshot {
  trimScratch();
  if (scratchBlobs.length < data.length >> 1) scratchBlobs = Buffer.allocUnsafe(Math.max(data.length, 65536));
  scan(data as Latin1Buffer, scratchBlobs, false);
  const nRec = scannedRecords;
  const nEnt = scannedEntries;
  const recSize = tableSize(nRec);
  if (scratchRecTable.length < recSize) scratchRecTable = new Int32Array(recSize);
  const listSize = tableSize(nEnt);
  if (scratchListTable.length < listSize) scratchListTable = new Int32Array(listSize);
  if (scratchLists.length < nEnt * L_SIZE) scratchLists = new Int32Array(nEnt * L_SIZE);
  return indexed({
    data,
    blobs: scratchBlobs,
    rec: scratchRec,
    nRec,
    recTable: scratchRecTable.fill(0, 0, recSize).subarray(0, recSize),
    ent: scratchEnt,
    lists: scratchLists,
    nLists: 0,
    listTable: scratchListTable.fill(0, 0, listSize).subarray(0, listSize),
  });
}

/**
 * Reads BUF's records into the scratch arrays (scannedRecords, scannedEntries), blobs' bytes
 * into OUT: over their own hex lines when IN_PLACE (OUT is BUF), else one after the other.
 */
function scan(buf: Latin1Buffer, out: Buffer, inPlace: boolean): void {
  const len = buf.length;
  const headerEnd = buf.indexOf(10);
  const firstEnd = headerEnd < 0 ? len : headerEnd;
  if (firstEnd !== SNAPSHOT_HEADER.length || buf.latin1Slice(0, firstEnd) !== SNAPSHOT_HEADER) {
    throw new SnapshotError(`not an osa-sriov snapshot: the first line must be "${SNAPSHOT_HEADER}"`, 1);
  }
  // (No closures here: variables a closure shares are slower to reach in this loop.)
  let rec = scratchRec;
  let ent = scratchEnt;
  let nRec = 0;
  let nEnt = 0;
  // The open blob: its name, status, and where its bytes go (over its own hex lines).
  let blobOpen = false;
  let blobName = 0;
  let blobNameEnd = 0;
  let blobHash = 0;
  let blobStatus = 0;
  let blobStatusEnd = 0;
  let blobStart = 0;
  let w = 0;
  let ended = false;
  let lineNo = 1;
  let pos = firstEnd + 1;
  while (pos <= len) {
    lineNo++;
    const s = pos;
    if (ended) {
      let end = buf.indexOf(10, s);
      if (end < 0) end = len;
      pos = end + 1;
      if (end === s) continue;
      throw new SnapshotError('text after the "end" line', lineNo);
    }
    const kind = s + 1 < len && buf[s + 1] === 32 ? buf[s]! : 0;
    if (kind === K_X) {
      // Pairs of lowercase hex digits up to the end of the line.
      if (!blobOpen) throw new SnapshotError('malformed hex line', lineNo);
      // The collector's line, 16 bytes: one test for all of them (a pair with a newline or any
      // other byte than a digit is -1); anything else, byte by byte below. Not in place: a
      // line that fails this test is read again, and its bytes must still be there.
      if (!inPlace && s + HEX_LINE - 1 < len && buf[s + HEX_LINE - 1] === 10) {
        let all = 0;
        for (let i = s + 2; i < s + HEX_LINE - 1; i += 2) {
          const v = HEX_PAIR[(buf[i]! << 8) | buf[i + 1]!]!;
          all |= v;
          out[w + ((i - s - 2) >> 1)] = v;
        }
        if (all >= 0) {
          w += (HEX_LINE - 3) >> 1;
          pos = s + HEX_LINE;
          continue;
        }
      }
      let i = s + 2;
      while (i < len) {
        const c = buf[i]!;
        if (c === 10) break;
        const v = i + 1 < len ? HEX_PAIR[(c << 8) | buf[i + 1]!]! : -1;
        if (v < 0) throw new SnapshotError('malformed hex line', lineNo);
        out[w++] = v;
        i += 2;
      }
      pos = i + 1;
      continue;
    }
    if (blobOpen) {
      rec = blobRecord(rec, nRec++, blobName, blobNameEnd, blobHash, blobStart, w, blobStatus, blobStatusEnd);
      blobOpen = false;
    }
    if (kind !== K_V && kind !== K_B && kind !== K_L && kind !== K_M && kind !== K_N) {
      let end = buf.indexOf(10, s);
      if (end < 0) end = len;
      pos = end + 1;
      if (end - s === 3 && buf[s] === 0x65 && buf[s + 1] === 0x6e && buf[s + 2] === 0x64) {
        ended = true;
        continue;
      }
      if (end === s && pos > len) break; // the newline after the last record
      throw unrecognised(buf, s, lineNo);
    }
    // The name: one or more bytes up to a space or the end of the line, none of them a space;
    // its hash as hashName computes it.
    let i = s + 2;
    let even = FNV_OFFSET;
    let odd = FNV_OFFSET;
    while (i < len) {
      const c = buf[i]!;
      if (SPACE[c]) break;
      even = Math.imul(even ^ c, FNV_PRIME);
      if (++i >= len) break;
      const c2 = buf[i]!;
      if (SPACE[c2]) break;
      odd = Math.imul(odd ^ c2, FNV_PRIME);
      i++;
    }
    const h = even ^ Math.imul(odd, LANE_MIX);
    const nameEnd = i;
    if (nameEnd === s + 2) throw unrecognised(buf, s, lineNo);
    const hasRest = i < len && buf[i] === 32;
    if (!hasRest && i < len && buf[i] !== 10) throw unrecognised(buf, s, lineNo);
    // The rest: after one space, any bytes but a carriage return (`.` stops at it); for b and
    // n, one word (\S+).
    let end = nameEnd;
    if (!hasRest && (kind === K_B || kind === K_N)) throw unrecognised(buf, s, lineNo);
    if (hasRest) {
      end++;
      if (kind === K_B || kind === K_N) {
        while (end < len) {
          const c = buf[end]!;
          if (c === 10) break;
          if (SPACE[c]) throw unrecognised(buf, s, lineNo);
          end++;
        }
        if (end === nameEnd + 1) throw unrecognised(buf, s, lineNo);
      } else {
        while (end < len) {
          const c = buf[end]!;
          if (c === 10) break;
          if (c === 13) throw unrecognised(buf, s, lineNo);
          end++;
        }
      }
    }
    pos = end + 1;
    if (kind === K_N) {
      if (ent.length < (nEnt + 1) * E_SIZE) ent = scratchEnt = grown(ent);
      const o = nEnt++ * E_SIZE;
      ent[o + E_NAME] = s + 2;
      ent[o + E_NAME_END] = nameEnd;
      ent[o + E_HASH] = h;
      ent[o + E_VALUE] = nameEnd + 1;
      ent[o + E_VALUE_END] = end;
      ent[o + E_NEXT] = -1;
      continue;
    }
    if (kind === K_B) {
      blobOpen = true;
      blobName = s + 2;
      blobNameEnd = nameEnd;
      blobHash = h;
      blobStatus = nameEnd + 1;
      blobStatusEnd = end;
      if (inPlace) w = Math.min(pos, len);
      blobStart = w;
      continue;
    }
    if (kind === K_L ? end <= nameEnd + 1 : kind === K_M && hasRest) throw unrecognised(buf, s, lineNo);
    if (rec.length < (nRec + 1) * R_SIZE) rec = scratchRec = grown(rec);
    const o = nRec++ * R_SIZE;
    rec[o + R_KIND] = kind;
    rec[o + R_NAME] = s + 2;
    rec[o + R_NAME_END] = nameEnd;
    rec[o + R_HASH] = h;
    // A value's text without its newline (none: empty); a link's target.
    rec[o + R_A] = hasRest ? nameEnd + 1 : nameEnd;
    rec[o + R_B] = end;
  }
  if (blobOpen) {
    rec = blobRecord(rec, nRec++, blobName, blobNameEnd, blobHash, blobStart, w, blobStatus, blobStatusEnd);
  }
  if (!ended) {
    throw new SnapshotError('the snapshot is truncated (no "end" line): collect it again', lineNo);
  }
  scannedRecords = nRec;
  scannedEntries = nEnt;
}

/**
 * Writes record N, a blob (name, its hash, its decoded bytes START..END of the output, its
 * status), growing the table when full; the table, which scan keeps using.
 */
function blobRecord(
  table: Int32Array,
  n: number,
  name: number,
  nameEnd: number,
  hash: number,
  start: number,
  end: number,
  status: number,
  statusEnd: number,
): Int32Array {
  let rec = table;
  if (rec.length < (n + 1) * R_SIZE) rec = scratchRec = grown(rec);
  const o = n * R_SIZE;
  rec[o + R_KIND] = K_B;
  rec[o + R_NAME] = name;
  rec[o + R_NAME_END] = nameEnd;
  rec[o + R_HASH] = hash;
  rec[o + R_A] = start;
  rec[o + R_B] = end;
  rec[o + R_C] = status;
  rec[o + R_D] = statusEnd;
  return rec;
}

function sameName(d: Buffer, s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (d[s1 + i] !== d[s2 + i]) return false;
  return true;
}

/**
 * The snapshot's hash tables. A name given twice keeps its first place and takes its last
 * record, as Map.set does; the later record is marked dead (kind 0).
 */
function indexed(p: ParsedSnapshot): Snapshot {
  const { data, rec, nRec, recTable, ent, lists, listTable } = p;
  const nEnt = scannedEntries;
  let mask = recTable.length - 1;
  for (let r = 0; r < nRec; r++) {
    const o = r * R_SIZE;
    const h = rec[o + R_HASH]!;
    let slot = h & mask;
    for (;;) {
      const item = recTable[slot]!;
      if (item === 0) {
        recTable[slot] = r + 1;
        break;
      }
      const q = (item - 1) * R_SIZE;
      if (
        rec[q + R_HASH] === h &&
        sameName(data, rec[q + R_NAME]!, rec[q + R_NAME_END]!, rec[o + R_NAME]!, rec[o + R_NAME_END]!)
      ) {
        rec[q + R_KIND] = rec[o + R_KIND]!;
        rec[q + R_A] = rec[o + R_A]!;
        rec[q + R_B] = rec[o + R_B]!;
        rec[q + R_C] = rec[o + R_C]!;
        rec[q + R_D] = rec[o + R_D]!;
        rec[o + R_KIND] = 0;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  let nLists = 0;
  mask = listTable.length - 1;
  for (let e = 0; e < nEnt; e++) {
    const o = e * E_SIZE;
    const h = ent[o + E_HASH]!;
    let slot = h & mask;
    for (;;) {
      const item = listTable[slot]!;
      if (item === 0) {
        listTable[slot] = nLists + 1;
        lists[nLists * L_SIZE + L_HEAD] = e;
        lists[nLists * L_SIZE + L_TAIL] = e;
        nLists++;
        break;
      }
      const l = (item - 1) * L_SIZE;
      const q = lists[l + L_HEAD]! * E_SIZE;
      if (
        ent[q + E_HASH] === h &&
        sameName(data, ent[q + E_NAME]!, ent[q + E_NAME_END]!, ent[o + E_NAME]!, ent[o + E_NAME_END]!)
      ) {
        ent[lists[l + L_TAIL]! * E_SIZE + E_NEXT] = e;
        lists[l + L_TAIL] = e;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return new Snapshot({ ...p, nLists });
}

/** The error of a malformed record line at S (its first 60 bytes). */
function unrecognised(buf: Latin1Buffer, s: number, lineNo: number): SnapshotError {
  let e = buf.indexOf(10, s);
  if (e < 0) e = buf.length;
  return new SnapshotError(`unrecognised record "${buf.latin1Slice(s, Math.min(e, s + 60))}"`, lineNo);
}
