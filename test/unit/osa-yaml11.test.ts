// YAML as PyYAML (YAML 1.1) reads it: the traps OSA operators fall into.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseYaml, toPlain, YamlError, type YNode } from '../../src/osa/pyyaml.js';

const plain = (text: string) => toPlain(parseYaml(text, 'x.yml'));
const value = (scalar: string) => (plain(`v: ${scalar}\n`) as { v: unknown }).v;

function yamlError(text: string): YamlError {
  try {
    parseYaml(text, 'bad.yml');
  } catch (e) {
    assert.ok(e instanceof YamlError);
    return e;
  }
  assert.fail('expected a YamlError');
}

describe('PyYAML scalars (YAML 1.1 implicit resolvers)', () => {
  test('sexagesimal integers: the VLAN range trap', () => {
    assert.equal(value('1:50'), 110);
    assert.equal(value('1:1'), 61);
    assert.equal(value('100:59'), 6059);
    assert.equal(value('101:200'), '101:200');
    assert.equal(value('4000:4094'), '4000:4094');
    assert.equal(value('"1:50"'), '1:50');
    assert.equal(value('0:50'), '0:50', 'PyYAML needs a non-zero first digit');
    assert.equal(value('1:2:3'), 3723);
  });
  test('booleans: yes/no/on/off but not y/n', () => {
    for (const t of ['yes', 'Yes', 'YES', 'on', 'On', 'true', 'True']) assert.equal(value(t), true, t);
    for (const f of ['no', 'No', 'off', 'OFF', 'false']) assert.equal(value(f), false, f);
    assert.equal(value('y'), 'y');
    assert.equal(value('n'), 'n');
    assert.equal(value('tRUE'), 'tRUE');
  });
  test('integers and floats', () => {
    assert.equal(value('0x1F'), 31);
    assert.equal(value('017'), 15);
    assert.equal(value('0b101'), 5);
    assert.equal(value('1_000'), 1000);
    assert.equal(value('-12'), -12);
    assert.equal(value('1e3'), '1e3', 'PyYAML floats need a dot');
    assert.equal(value('1.5e+3'), 1500);
    assert.equal(value('.inf'), Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(value('.nan') as number));
    assert.equal(value('1:30.5'), 90.5);
  });
  test('null, timestamps, explicit and Ansible tags', () => {
    assert.equal(value('~'), null);
    assert.equal(value(''), null);
    assert.equal(value('Null'), null);
    assert.equal(value('2001-12-14'), '2001-12-14');
    const n = parseYaml('d: 2001-12-14\n', 'x.yml') as Extract<YNode, { kind: 'map' }>;
    assert.equal((n.entries[0]!.value as { tag: string }).tag, 'timestamp');
    assert.equal(value('!!str 1:50'), '1:50');
    assert.equal(value('!!int "12"'), 12);
    assert.equal(value('!vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162'), '$ANSIBLE_VAULT;1.1;AES256\n6162\n');
    assert.match(yamlError('v: !custom x\n').message, /could not determine a constructor/);
  });
  test('keys are str() of the typed key', () => {
    assert.deepEqual(plain('yes: a\n~: b\n2: c\n'), { True: 'a', None: 'b', 2: 'c' });
    // Python: True == 1, so the second key updates the first entry.
    assert.deepEqual(plain('yes: 1\n1: 2\n'), { True: 2 });
  });
});

describe('structure', () => {
  test('anchors, aliases and merge keys (explicit keys win)', () => {
    assert.deepEqual(plain('a: &x {k: 1, j: 2}\nb:\n  <<: *x\n  j: 3\nc: *x\n'), {
      a: { k: 1, j: 2 },
      b: { k: 1, j: 3 },
      c: { k: 1, j: 2 },
    });
  });
  test('a duplicate key: the last wins', () => {
    assert.deepEqual(plain('a: 1\na: 2\n'), { a: 2 });
  });
  test('empty documents are null; several documents are an error', () => {
    assert.equal(parseYaml('# nothing\n', 'x.yml'), null);
    assert.equal(parseYaml('', 'x.yml'), null);
    assert.match(yamlError('a: 1\n---\nb: 2\n').message, /single document/);
  });
  test('locations of nested nodes and syntax errors', () => {
    const doc = parseYaml(
      'global_overrides:\n  provider_networks:\n    - network:\n        range: 1:50\n',
      'u.yml',
    ) as Extract<YNode, { kind: 'map' }>;
    const pn = (doc.entries[0]!.value as Extract<YNode, { kind: 'map' }>).entries[0]!;
    assert.deepEqual(pn.keyLoc, { file: 'u.yml', line: 2, column: 3 });
    const item = (pn.value as Extract<YNode, { kind: 'seq' }>).items[0] as Extract<YNode, { kind: 'map' }>;
    const range = (item.entries[0]!.value as Extract<YNode, { kind: 'map' }>).entries[0]!;
    assert.deepEqual(range.keyLoc, { file: 'u.yml', line: 4, column: 9 });
    assert.deepEqual(range.value.loc, { file: 'u.yml', line: 4, column: 16 });
    const e = yamlError('a: 1\nb: [1, 2\nc: 3\n');
    assert.equal(e.location?.file, 'bad.yml');
    assert.ok((e.location?.line ?? 0) >= 2);
  });
});
