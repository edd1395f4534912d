// The text editor behind plan's YAML edits: every other byte stays, values read back the same
// in PyYAML (YAML 1.1), aliases are not edited through.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { parseYaml, toPlain } from '../../src/osa/pyyaml.js';
import { type Plain, scalarText, YamlEditor } from '../../src/plan/yaml-edit.js';

const python = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' }).status === 0;
if (!python && process.env.CI) throw new Error('CI must compare with PyYAML: python3-yaml is missing');

function pyyaml(text: string): unknown {
  const r = spawnSync(
    'python3',
    ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
    {
      input: text,
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const TRAPS: Plain[] = [
  '101:200',
  '1:50',
  'yes',
  'No',
  'on',
  'null',
  '~',
  '',
  ' leading space',
  '0x1F',
  '1e3',
  '012',
  '#not a comment',
  'a: b',
  'ens2f1,ens2f2',
  '{"address": "0000:08:00.1"}',
  "it's",
  'tab\there',
  'line\nbreak',
  'ünïcödé',
  '\u2028',
  '- item',
  '*alias',
  '&anchor',
  '!tag',
  '%directive',
  '@at',
  '`tick',
  true,
  false,
  null,
  0,
  42,
  -7,
  1.5,
];

describe('YAML edits', () => {
  test('scalars read back as the same value in our YAML 1.1 reading and in PyYAML', {
    skip: !python && 'python3-yaml is not installed (apt-get install python3-yaml enables this test)',
  }, () => {
    const doc = TRAPS.map((v, i) => `k${i}: ${scalarText(v as string | number | boolean | null)}`).join('\n');
    const want = Object.fromEntries(TRAPS.map((v, i) => [`k${i}`, v]));
    assert.deepEqual(pyyaml(doc), want);
    assert.deepEqual(toPlain(parseYaml(doc, 't.yml')), want);
  });

  test('set, append and delete change only their lines', () => {
    const src = [
      '# head comment',
      'a: 1   # keep me',
      'list:',
      '  - x    # first',
      'nested:',
      '  inner:',
      '    key: "old"  # trailing',
      '    other: [p, q]',
      'gone: 3',
      'tail: end',
      '',
    ].join('\n');
    const e = new YamlEditor(src, 't.yml');
    assert.equal(e.set(['a'], 1), false, 'an equal value is no change');
    assert.equal(e.text, src);
    assert.ok(e.set(['nested', 'inner', 'key'], 'new'));
    assert.ok(e.append(['list'], 'y'));
    assert.ok(e.append(['nested', 'inner', 'other'], 'r'));
    assert.ok(e.set(['nested', 'inner', 'added'], ['v1', 'v2']));
    assert.ok(e.delete(['gone'], 'not needed'));
    assert.ok(e.set(['brand', 'new'], { x: '1:50' }));
    assert.equal(
      e.text,
      [
        '# head comment',
        'a: 1   # keep me',
        'list:',
        '  - x    # first',
        '  - "y"',
        'nested:',
        '  inner:',
        '    key: new  # trailing',
        '    other: [p, q, r]',
        '    added:',
        '      - v1',
        '      - v2',
        '# gone removed by osa-sriov plan: not needed',
        'tail: end',
        'brand:',
        '  new:',
        '    x: "1:50"',
        '',
      ].join('\n'),
    );
  });

  test('a mapping left empty goes too; an alias is copied, not edited through', () => {
    const e = new YamlEditor(
      'hosts:\n  c1:\n    ip: 10.0.0.1\n    container_vars:\n      only: 1\nbase: &b\n  - g1\nuse: *b\nother: *b\n',
      't.yml',
    );
    assert.ok(e.delete(['hosts', 'c1', 'container_vars', 'only'], 'moved'));
    assert.ok(e.append(['use'], 'g2'));
    assert.equal(
      e.text,
      'hosts:\n  c1:\n    ip: 10.0.0.1\n    # container_vars removed by osa-sriov plan: moved\nbase: &b\n  - g1\nuse:\n  - g1\n  - g2\nother: *b\n',
    );
    assert.deepEqual(e.get(['other']), ['g1']);
  });

  test('a new file and a file of comments only', () => {
    const e = new YamlEditor('', 'n.yml');
    e.set(['nova_device_spec'], [{ address: '0000:08:00.1', physical_network: 'physnet1', trusted: 'true' }]);
    assert.equal(
      e.text,
      'nova_device_spec:\n  - address: "0000:08:00.1"\n    physical_network: physnet1\n    trusted: "true"\n',
    );
    const c = new YamlEditor('---\n# nothing yet\n', 'c.yml');
    c.set(['k'], 'v');
    assert.equal(c.text, '---\n# nothing yet\nk: v\n');
  });
});
