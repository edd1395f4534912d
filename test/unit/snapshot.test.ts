import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSnapshot, SnapshotError } from '../../src/facts/snapshot.js';

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
  test('a bad record names its line', () => {
    assert.equal(errorOf(ok.replace('m a.missing', 'q what')).line, 7);
    assert.equal(errorOf(ok.replace('x 00ff', 'x 0g')).line, 5);
    assert.equal(errorOf(ok.replace('b a.blob 0\n', '')).line, 3, 'hex outside a blob');
    assert.equal(errorOf(`${ok}v late 1\n`).line, 12);
  });
});
