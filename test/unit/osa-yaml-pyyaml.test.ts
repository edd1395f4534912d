// Differential test: src/osa/pyyaml.ts against the real PyYAML safe_load (the loader OSA uses),
// on YAML 1.1 traps and on every YAML file the project ships or reads as fixtures.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseYaml, type YNode } from '../../src/osa/pyyaml.js';
import { pyRepr } from '../../src/python.js';
import { REPO, SEED } from '../helpers.js';

// Python side: safe_load each text; keys as str(); floats, timestamps and errors tagged.
const PY = `
import sys, json, yaml, datetime, math
def conv(v):
    if isinstance(v, bool) or v is None or isinstance(v, int) or isinstance(v, str): return v
    if isinstance(v, float): return {"$float": repr(v)}
    if isinstance(v, (datetime.date, datetime.datetime)): return {"$ts": True}
    if isinstance(v, bytes): return {"$bin": True}
    if isinstance(v, list): return [conv(x) for x in v]
    if isinstance(v, dict): return {str(k): conv(x) for k, x in v.items()}
    return {"$other": type(v).__name__}
out = []
for text in json.load(sys.stdin):
    try: out.append(conv(yaml.safe_load(text)))
    except Exception as e: out.append({"$error": type(e).__name__})
json.dump(out, sys.stdout)
`;

function python(): string | null {
  for (const exe of ['python3', '/usr/bin/python3']) {
    if (spawnSync(exe, ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0) return exe;
  }
  return null;
}

function conv(n: YNode | null): unknown {
  if (n === null) return null;
  if (n.kind === 'seq') return n.items.map(conv);
  if (n.kind === 'map') return Object.fromEntries(n.entries.map((e) => [e.key, conv(e.value)]));
  if (n.tag === 'float') return { $float: pyRepr(n.value, true) };
  if (n.tag === 'timestamp') return { $ts: true };
  if (n.tag === 'binary') return { $bin: true };
  return n.value;
}

function ours(text: string): unknown {
  try {
    return conv(parseYaml(text, 'case.yml'));
  } catch {
    return { $error: true };
  }
}

const TRAPS = [
  'range: 1:50',
  'range: 101:200',
  'r: [1:1, 100:59, 0:50, 1:2:3, 1:30.5, -1:30]',
  'b: [yes, Yes, YES, no, No, on, On, OFF, off, true, True, false, y, n, Y, N, tRUE]',
  'n: [0x1F, 017, 0o17, 0b101, 1_000, +12, -0, 0, 00, 09, 1e3, 1.5e+3, 1.5e3, .5, 1., .inf, -.Inf, .NaN]',
  'z: [~, null, Null, NULL, nULL, ""]',
  'e:\n  key:\n',
  't: [2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10 -5, 2001-1-1]',
  'yes: 1\n1: 2\n~: 3\n1.5: 4',
  'a: &x {k: 1, j: 2}\nb:\n  <<: *x\n  j: 3\nc: [*x, *x]',
  'm:\n  <<: [{a: 1}, {a: 2, b: 2}]\n  c: 3',
  'a: 1\na: 2',
  'lit: |\n  one\n  two\nfold: >\n  one\n  two\n\n  three\nkeep: |+\n  x\n\nstrip: |-\n  y\n',
  "q: ['1:50', \"yes\", 'it''s', \"tab\\there\"]",
  's: !!str 1:50\ni: !!int "12"\nf: !!float "1"',
  'u: "\\u00e9t\\u00e9"\nv: été',
  'k: {a: [1, {b: c}], "d e": f}',
  '- 1\n- - 2\n  - 3\n- k: v',
  'bin: !!binary aGVsbG8=',
  '',
  '# only a comment',
  'a: 1\n---\nb: 2',
  'a: [1, 2',
  'a:\tb',
  'a: b\tc',
  'a: b\t',
  '\ta: b',
  '[1,\t2]',
  "a: 'x\ty'",
  'a: |\n  x\ty',
  'a: 1 # tab\there',
  'x: !custom 1',
];

const FILES = [
  ...['openstack_user_config.yml', 'user_variables.yml', 'user_variables_ovs.yml'].map((f) =>
    join(REPO, 'examples/blog-lab', f),
  ),
  ...readdirSync(SEED)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(SEED, f)),
];

const exe = python();
if (!exe && process.env.CI)
  throw new Error(
    'CI must have python3 with PyYAML (apt-get install python3-yaml) for the YAML differential test',
  );

test('pyyaml.ts reads YAML exactly as PyYAML safe_load does', {
  skip: exe ? false : 'no python3 with PyYAML here (apt-get install python3-yaml)',
}, () => {
  const texts = [...TRAPS, ...FILES.map((f) => readFileSync(f, 'utf8'))];
  const r = spawnSync(exe!, ['-c', PY], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as unknown[];
  const mismatches: string[] = [];
  texts.forEach((text, i) => {
    const want = expected[i];
    const got = ours(text);
    const label = i < TRAPS.length ? JSON.stringify(text) : FILES[i - TRAPS.length];
    const pyFailed = typeof want === 'object' && want !== null && '$error' in want;
    const same = pyFailed
      ? JSON.stringify(got) === '{"$error":true}'
      : JSON.stringify(got) === JSON.stringify(want);
    if (!same)
      mismatches.push(`${label}\n  PyYAML: ${JSON.stringify(want)}\n  ours:   ${JSON.stringify(got)}`);
  });
  assert.deepEqual(mismatches, []);
});
