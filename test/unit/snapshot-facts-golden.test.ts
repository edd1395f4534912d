// Snapshot → HostFacts, byte for byte as the code before the faster parser of issue 17 gave
// them (goldens written by commit 85a9030's parseSnapshot/factsFromSnapshot/readHostFacts,
// before any of that code changed): the facts of every bundled snapshot, what the Snapshot API
// answers for each of its records, and the outcome (facts or error: class, code, message, line,
// hint) of ~2,600 altered copies, so that the grammar, the error lines and the validation of
// impossible facts stay those of the slower code.
// After a deliberate change of facts or errors: OSA_SRIOV_UPDATE_GOLDEN=1, and review the diff.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { factsFromSnapshot } from '../../src/facts/build.js';
import { readHostFacts } from '../../src/facts/load.js';
import { parseSnapshot, type Snapshot } from '../../src/facts/snapshot.js';
import { FIXTURES, REPO } from '../helpers.js';

/** The goldens, and the collector's snapshot of the bench host (scripts/bench-fleet.js). */
const GOLDEN = join(FIXTURES, 'snapshot-facts');
const SOURCES = [
  join(FIXTURES, 'snapshots'),
  join(REPO, 'examples/snapshots'),
  join(REPO, 'examples/blog-lab/facts'),
  GOLDEN,
];
const UPDATE = process.env.OSA_SRIOV_UPDATE_GOLDEN === '1';

function bundled(): Array<{ id: string; bytes: Buffer }> {
  const out: Array<{ id: string; bytes: Buffer }> = [];
  for (const dir of SOURCES) {
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.snapshot')) continue;
      out.push({ id: `${dir.slice(REPO.length + 1)}/${f}`, bytes: readFileSync(join(dir, f)) });
    }
  }
  return out;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

/** Everything the Snapshot API answers: the records and entries in order, and each accessor. */
function dump(s: Snapshot): string {
  const out: string[] = [];
  for (const [name, r] of s.records) {
    const body =
      r.kind === 'value'
        ? JSON.stringify(r.text)
        : r.kind === 'blob'
          ? `${r.status} ${r.bytes.toString('hex')}`
          : r.kind === 'link'
            ? JSON.stringify(r.target)
            : '';
    out.push(`${r.kind} ${JSON.stringify(name)} ${body}`);
    out.push(
      JSON.stringify([
        s.text(name),
        s.attr(name),
        s.line(name),
        s.link(name),
        s.linkBase(name),
        s.has(name),
        s.looked(name),
        s.status(name),
      ]),
    );
  }
  for (const [name, list] of s.entries) out.push(`n ${JSON.stringify(name)} ${JSON.stringify(list)}`);
  for (const name of s.entries.keys()) out.push(JSON.stringify(s.list(name)));
  out.push(JSON.stringify([s.text('no.such'), s.looked('no.such'), s.list('no.such')]));
  return out.join('\n');
}

function failure(e: unknown): string {
  if (!(e instanceof InputError)) return `crash ${String(e)}`;
  // The hint is one of a few sentences per error class: its digest is enough.
  return `${e.constructor.name} ${e.code} line ${e.line} hint ${sha(e.hint ?? '')}: ${JSON.stringify(e.message)}`;
}

/** What the parser, the builder and the reader make of a bundled snapshot. */
function outcome(bytes: Buffer): string {
  let snap: Snapshot;
  try {
    snap = parseSnapshot(bytes);
  } catch (e) {
    return `parse: ${failure(e)}`;
  }
  return `api ${sha(dump(snap))} built ${sha(JSON.stringify(factsFromSnapshot(snap)))} ${read(bytes)}`;
}

/** What the reader (parser, builder, validation) makes of an input: facts, or an error. */
function read(bytes: Buffer): string {
  try {
    return `facts ${sha(JSON.stringify(readHostFacts(bytes)))}`;
  } catch (e) {
    return failure(e);
  }
}

/** Values a host or a hand-edited file could hold where the builder reads one. */
const HOSTILE_VALUES = [
  '',
  '-1',
  '1e+23',
  '0x12345',
  'a b',
  'bad/name',
  '\xe9t\xe9',
  'x'.repeat(16),
  '../../x/',
  '70000',
];

/** Records the builder reads (the first and last line of each in a file get the hostile values). */
const READ_RECORDS = [
  /^l \S+\/virtfn\d+ /,
  /^n \S+\/devices\/[^/ ]+\/net /,
  /^l \S+\/driver /,
  /^l \S+\/iommu_group /,
  /^v \S+\/sriov_totalvfs /,
  /^v \S+\/sriov_numvfs /,
  /^v \S+\/vendor /,
  /^v \S+\/class\/net\/\S+\/mtu /,
  /^v \S+\/class\/net\/\S+\/address /,
  /^v host\.hostname /,
  /^n pci\.net /,
  /^n \/sys\/class\/net\/\S+ upper_/,
  /^v kernel\.cmdline /,
  /^v count\./,
  /^l \S+\/master /,
  /^l \S+\/physfn /,
  /^n \/sys\/class\/iommu /,
  /^v persist\.\S+\.searched /,
];

/** Altered copies of a snapshot: [what, bytes]. */
function alterations(bytes: Buffer): Array<[string, Buffer]> {
  const lines = bytes.toString('latin1').split('\n');
  const out: Array<[string, Buffer]> = [];
  const put = (what: string, ls: string[]) => out.push([what, Buffer.from(ls.join('\n'), 'latin1')]);
  const at = (i: number, line: string) => lines.map((l, j) => (j === i ? line : l));
  const picked = new Set<number>([lines.indexOf('end')]);
  for (const kind of ['v ', 'b ', 'x ', 'l ', 'm ', 'n ']) {
    const of = lines.flatMap((l, i) => (l.startsWith(kind) ? [i] : []));
    if (of.length > 0) picked.add(of[0]!).add(of[of.length - 1]!);
  }
  for (const i of [...picked].sort((a, b) => a - b)) {
    const l = lines[i]!;
    for (const k of 'vblmnxq') if (l[0] !== k) put(`${i} kind ${k}`, at(i, k + l.slice(1)));
    put(`${i} no space`, at(i, l.slice(0, 1) + l.slice(2)));
    put(`${i} cr`, at(i, `${l}\r`));
    put(`${i} tab`, at(i, `${l.slice(0, 4)}\t${l.slice(4)}`));
    put(`${i} nbsp`, at(i, `${l.slice(0, 4)}\xa0${l.slice(4)}`));
    put(`${i} more`, at(i, `${l} extra`));
    put(`${i} trailing space`, at(i, `${l} `));
    put(`${i} name only`, at(i, l.split(' ').slice(0, 2).join(' ')));
    put(`${i} deleted`, [...lines.slice(0, i), ...lines.slice(i + 1)]);
    put(`${i} twice`, [...lines.slice(0, i + 1), ...lines.slice(i)]);
    put(`${i} truncated after`, lines.slice(0, i + 1));
    if (l.startsWith('x ')) {
      put(`${i} odd hex`, at(i, l.slice(0, -1)));
      put(`${i} upper hex`, at(i, l.toUpperCase()));
      put(`${i} zz`, at(i, `${l.slice(0, -2)}zz`));
      put(`${i} empty hex`, at(i, 'x '));
      for (const t of ['\x00', ',', '{', '"\xe9\n'])
        put(`${i} hex ${JSON.stringify(t)}`, at(i, `x ${Buffer.from(t, 'latin1').toString('hex')}`));
    }
  }
  for (const re of READ_RECORDS) {
    // The first and the last such record: a PF's and a VF's, for most.
    const first = lines.findIndex((l) => re.test(l));
    if (first < 0) continue;
    for (const i of new Set([first, lines.findLastIndex((l) => re.test(l))])) {
      const head = lines[i]!.split(' ').slice(0, 2).join(' ');
      for (const v of HOSTILE_VALUES) put(`${i} value ${JSON.stringify(v)}`, at(i, `${head} ${v}`));
    }
  }
  put('header', ['osa-sriov-snapshot 2', ...lines.slice(1)]);
  put('after end', [...lines, 'v late 1', '']);
  put(
    'crlf',
    lines.map((l) => `${l}\r`),
  );
  put('no final newline', lines.at(-1) === '' ? lines.slice(0, -1) : lines);
  return out;
}

function golden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  if (UPDATE) writeFileSync(path, actual);
  assert.equal(
    actual,
    readFileSync(path, 'utf8'),
    `${file} differs (OSA_SRIOV_UPDATE_GOLDEN=1 to rewrite it)`,
  );
}

const snapshots = bundled();

test('every bundled snapshot gives the HostFacts it gave before, byte for byte', () => {
  assert.ok(snapshots.length >= 7, `${snapshots.length} snapshots`);
  for (const { id, bytes } of snapshots) {
    const name = id.replaceAll('/', '_').replace(/\.snapshot$/, '.facts.json');
    const facts = readHostFacts(bytes);
    golden(name, `${JSON.stringify(facts, null, 2)}\n`);
    // Nothing JSON would hide either: no undefined, no other prototype.
    assert.deepStrictEqual(facts, JSON.parse(readFileSync(join(GOLDEN, name), 'utf8')), id);
  }
});

test('the Snapshot API, the built facts and the errors of altered snapshots are unchanged', () => {
  const out: string[] = [];
  for (const { id, bytes } of snapshots) {
    out.push(`# ${id}: ${outcome(bytes)}`);
    for (const [what, altered] of alterations(bytes)) out.push(`${what}\t${read(altered)}`);
  }
  golden('outcomes.tsv', `${out.join('\n')}\n`);
});
