import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readHostFacts } from '../../src/facts/load.js';
import { parseSnapshot, parseSnapshotBorrowing, Snapshot, SnapshotError } from '../../src/facts/snapshot.js';
import { FIXTURES } from '../helpers.js';

const ok = [
  'osa-sriov-snapshot 1',
  'v a.value hello world',
  'b a.blob 0',
  'x 656e640a',
  'x 00ff',
  'l a.link ../../x/igb',
  'm a.missing',
  'n a.dir one',
  'n a.dir two',
  'b a.failed 1',
  'end',
  '',
].join('\n');

function errorOf(text: string): SnapshotError {
  try {
    parseSnapshot(text);
  } catch (e) {
    assert.ok(e instanceof SnapshotError);
    return e;
  }
  assert.fail('expected a SnapshotError');
}

describe('snapshot format', () => {
  test('every record kind', () => {
    const s = parseSnapshot(ok);
    assert.equal(s.text('a.value'), 'hello world\n');
    assert.equal(s.attr('a.value'), 'hello world');
    assert.deepEqual(s.records.get('a.blob'), {
      kind: 'blob',
      status: '0',
      bytes: Buffer.from([0x65, 0x6e, 0x64, 0x0a, 0x00, 0xff]),
    });
    assert.equal(s.attr('a.blob'), null, 'binary content is no attribute value');
    assert.equal(s.linkBase('a.link'), 'igb');
    assert.equal(s.has('a.missing'), false);
    assert.equal(s.looked('a.missing'), true);
    assert.equal(s.looked('a.never'), false);
    assert.deepEqual(s.list('a.dir'), ['one', 'two']);
    assert.equal(s.text('a.failed'), null);
    assert.equal(s.status('a.failed'), '1');
    // A name as a start and a suffix is the same name.
    assert.equal(s.text('a.', 'value'), 'hello world\n');
    assert.equal(s.attr('a.val', 'ue'), 'hello world');
    assert.equal(s.linkBase('a.link', ''), 'igb');
    assert.equal(s.linkBase('', 'a.link'), 'igb');
    assert.deepEqual(s.list('a.', 'dir'), ['one', 'two']);
    assert.equal(s.status('a.fail', 'ed'), '1');
    assert.equal(s.looked('a.', 'missing'), true);
    assert.equal(s.looked('a.', 'missin'), false);
    assert.equal(s.looked('a.', 'missing\u0100'), false);
    assert.deepEqual(s.list('a.d', 'irs'), []);
    for (const name of [...s.records.keys(), ...s.entries.keys()]) {
      for (let k = 0; k <= name.length; k++) {
        const [start, suffix] = [name.slice(0, k), name.slice(k)];
        assert.ok(s.looked(start, suffix) || s.list(start, suffix).length > 0, `${start} + ${suffix}`);
      }
    }
  });
  test('a file that is not a snapshot', () => {
    const e = errorOf('hello\n');
    assert.equal(e.line, 1);
    assert.match(e.message, /not an osa-sriov snapshot/);
  });
  test('a truncated snapshot', () => {
    const e = errorOf(ok.replace('end\n', ''));
    assert.match(e.message, /truncated/);
  });
  test('a file cut after a value, without its newline, is truncated (no RangeError)', () => {
    const e = errorOf('osa-sriov-snapshot 1\nv a.value 1');
    assert.match(e.message, /truncated/);
    assert.equal(e.line, 2);
    assert.equal(errorOf('osa-sriov-snapshot 1\nv a.value').line, 2);
  });
  test('a bad record names its line', () => {
    assert.equal(errorOf(ok.replace('m a.missing', 'q what')).line, 7);
    assert.equal(errorOf(ok.replace('x 00ff', 'x 0g')).line, 5);
    assert.equal(errorOf(ok.replace('b a.blob 0\n', '')).line, 3, 'hex outside a blob');
    assert.equal(errorOf(`${ok}v late 1\n`).line, 12);
  });
  test('the record grammar, byte by byte: ^([vblmn]) (\\S+)(?: (.*))?$ on a latin1 line', () => {
    const at = (line: string) => ok.replace('m a.missing', line);
    // Names are \S+: no tab, vertical tab, form feed, carriage return or no-break space in them.
    for (const bad of [
      'v a\tb 1',
      'v a\u000bb 1',
      'v a\u000cb 1',
      'v a\rb 1',
      'v a\u00a0b 1',
      'v  a 1',
      'v ',
    ]) {
      assert.equal(errorOf(at(bad)).line, 7, JSON.stringify(bad));
      assert.match(errorOf(at(bad)).message, /unrecognised record/);
    }
    // The rest is `.`: anything but a carriage return.
    assert.equal(errorOf(at('v a.cr one\rtwo')).line, 7);
    // m takes no rest, l a non-empty one, b and n one word.
    for (const bad of [
      'm a.m ',
      'm a.m x',
      'l a.l',
      'l a.l ',
      'b a.b',
      'b a.b 0 1',
      'n a.n',
      'n a.n x y',
      'x',
      'end ',
    ]) {
      assert.equal(errorOf(at(bad)).line, 7, JSON.stringify(bad));
    }
    // Hex: lowercase digit pairs only.
    for (const bad of ['x 0', 'x 0A', 'x zz', 'x 0 ']) {
      assert.equal(errorOf(ok.replace('x 00ff', bad)).line, 5, JSON.stringify(bad));
    }
    const s = parseSnapshot(
      at('v a.empty').replace('n a.dir one', 'v a.space ').replace('n a.dir two', 'v a.latin \u00e9\u00a0x'),
    );
    assert.equal(s.text('a.empty'), '\n');
    assert.equal(s.text('a.space'), '\n');
    assert.equal(s.text('a.latin'), '\u00e9\u00a0x\n', 'bytes read as latin1, as before');
    assert.deepEqual(parseSnapshot(ok.replace('x 00ff', 'x ')).records.get('a.blob'), {
      kind: 'blob',
      status: '0',
      bytes: Buffer.from('end\n'),
    });
    // A file without the final newline is the same snapshot.
    assert.deepEqual(parseSnapshot(ok.slice(0, -1)).records, parseSnapshot(ok).records);
  });
  test('a name given twice keeps its first place and takes its last record, as Map.set', () => {
    const s = parseSnapshot(ok.replace('n a.dir two', 'v a.value again\nv a.other 2\nm a.link'));
    assert.deepEqual(
      [...s.records.keys()],
      ['a.value', 'a.blob', 'a.link', 'a.missing', 'a.other', 'a.failed'],
    );
    assert.equal(s.text('a.value'), 'again\n');
    assert.equal(s.link('a.link'), null);
    assert.equal(s.looked('a.link'), true);
    assert.equal(s.has('a.link'), false);
    assert.deepEqual(s.records.get('a.link'), { kind: 'missing' });
  });
  test('names are looked up by their bytes: a name above latin1 or a prefix is no record', () => {
    const s = parseSnapshot(ok.replace('v a.value hello world', 'v a.caf\u00e9 hello world'));
    assert.equal(s.text('a.caf\u00e9'), 'hello world\n');
    assert.equal(s.text('a.caf\u0100'), null);
    assert.equal(s.text('a.caf'), null);
    assert.equal(s.text('a.caf\u00e9 '), null);
    assert.deepEqual(s.list('a.di'), []);
    assert.deepEqual(new Snapshot().list('a.dir'), []);
    assert.equal(new Snapshot().looked('a.value'), false);
    assert.equal(new Snapshot().records.size, 0);
  });
  test('nothing kept from a snapshot is a slice of the file: the buffer can be reused', () => {
    const buf = Buffer.from(ok, 'latin1');
    const s = parseSnapshot(buf);
    buf.fill(0x7a);
    assert.equal(s.text('a.value'), 'hello world\n');
    assert.equal(s.link('a.link'), '../../x/igb');
    assert.deepEqual(s.list('a.dir'), ['one', 'two']);
    assert.equal(s.text('a.blob'), 'end\n\u0000\ufffd');
  });
  test('parseSnapshotBorrowing reads what parseSnapshot reads, hex lines of any length too', () => {
    const pad = (n: number) => 'p'.repeat(n);
    const texts = [
      ok,
      ok.slice(0, -1),
      // A short hex line whose next line ends 34 bytes after it starts (the collector's length).
      ok.replace('x 00ff', `x 00\nv a.pad ${pad(21)}`),
      ok.replace('x 00ff', `x 00ff\nv a.pad ${pad(19)}`),
      ok.replace('x 00ff', `x ${'ab'.repeat(16)}\nx ${'0'.repeat(31)}\nv a.pad 1`),
      ok.replace('x 00ff', `x ${'ab'.repeat(16)}\nx ${'cd'.repeat(17)}`),
      ok.replace('x 00ff', `x ${'ab'.repeat(15)}A0`),
    ];
    for (const text of texts) {
      const outcome = (parse: (b: Buffer) => Snapshot) => {
        try {
          const s = parse(Buffer.from(text, 'latin1'));
          return JSON.stringify([...s.records].map(([k, r]) => [k, r, s.text(k)]));
        } catch (e) {
          assert.ok(e instanceof SnapshotError);
          return `${e.line} ${e.message}`;
        }
      };
      assert.equal(outcome(parseSnapshotBorrowing), outcome(parseSnapshot), JSON.stringify(text));
    }
    assert.equal(parseSnapshot(texts[2]!).text('a.blob'), 'end\n\u0000');
    assert.throws(() => parseSnapshotBorrowing(Buffer.from(texts[4]!)), /malformed hex line/, 'an odd line');
    assert.equal(parseSnapshotBorrowing(Buffer.from(texts[2]!)).text('a.pad'), `${pad(21)}\n`);
  });
  test('linksUnder: DIR + X + / + BASE + Y, X without a slash, as the virtfn pattern reads', () => {
    const s = parseSnapshot(
      ok.replace(
        'n a.dir one',
        [
          'l /d/a/vf1 t1',
          'l /d/a/b/vf2 t2',
          'l /d//vf3 t3',
          'l /d/a/vfx/y t',
          'l /e/a/vf4 t4',
          'l /d/c/vf t5',
          'v /d/a/vf6 x',
          'l /d/a/xvf7 t7',
          'l vf8 t8',
          'l /d/ t9',
        ].join('\n'),
      ),
    );
    assert.deepEqual(s.linksUnder('/d/', 'vf'), [
      ['a', '1', 't1'],
      ['c', '', 't5'],
    ]);
    assert.deepEqual(s.linksUnder('/d/a', 'vf'), [], 'X would be empty');
    assert.deepEqual(new Snapshot().linksUnder('/d/', 'vf'), []);
  });
  test('more records than the scratch space holds at first, then a small file again', () => {
    const lines = ['osa-sriov-snapshot 1'];
    for (let i = 0; i < 140_000; i++) lines.push(`v r${i} ${i}`, `n d${i % 5000} e${i}`);
    lines.push('b big.blob 0', `x ${'61'.repeat(16)}`, 'end', '');
    const text = lines.join('\n');
    for (const s of [parseSnapshotBorrowing(Buffer.from(text)), parseSnapshot(text)]) {
      assert.equal(s.text('r139999'), '139999\n');
      assert.equal(s.attr('r0'), '0');
      assert.equal(s.list('d4999').length, 28);
      assert.equal(s.list('d0')[27], 'e135000');
      assert.equal(s.text('big.blob'), 'a'.repeat(16));
    }
    assert.deepEqual(parseSnapshotBorrowing(Buffer.from(ok)).list('a.dir'), ['one', 'two']);
    assert.equal(parseSnapshot(ok).text('a.value'), 'hello world\n');
  });
  test('facts read from a buffer keep nothing of it, nor of the scratch space the next read reuses', () => {
    const bytes = readFileSync(join(FIXTURES, 'snapshots/igb-3nic.dash.snapshot'));
    const facts = readHostFacts(bytes, 'igb-3nic');
    const json = JSON.stringify(facts);
    bytes.fill(0x7a);
    readHostFacts(readFileSync(join(FIXTURES, 'snapshots/igb-2nic-numa.dash.snapshot')), 'igb-2nic-numa');
    assert.equal(JSON.stringify(facts), json);
  });
});
