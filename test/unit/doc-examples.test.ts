// Examples in the documentation stay true: every ```console block of README.md and docs/ is a
// session — `$ osa-sriov ARGS` lines, each followed by what the tool prints — and each command
// is run (from the repository root) and its standard output compared with the block.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { cli } from '../cli-helpers.js';
import { REPO } from '../helpers.js';

interface Example {
  file: string;
  line: number;
  args: string[];
  output: string;
}

/** POSIX-shell words: 'single', "double" (with \" and \\), and bare words. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:\\.|[^"\\])*)"|(\\.|[^\s'"\\])+|(\s+)/gy;
  let cur: string | null = null;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    if (m[4] !== undefined) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else if (m[1] !== undefined) cur = (cur ?? '') + m[1];
    else if (m[2] !== undefined) cur = (cur ?? '') + m[2].replace(/\\(["\\$`])/g, '$1');
    else cur = (cur ?? '') + m[0].replace(/\\(.)/g, '$1');
  }
  if (cur !== null) words.push(cur);
  return words;
}

function markdownFiles(): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? docs(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  return [join(REPO, 'README.md'), ...docs(join(REPO, 'docs'))];
}

export function examples(): Example[] {
  const out: Example[] = [];
  for (const file of markdownFiles()) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] !== '```console') continue;
      let current: Example | null = null;
      for (i++; i < lines.length && lines[i] !== '```'; i++) {
        const l = lines[i]!;
        if (l.startsWith('$ osa-sriov ')) {
          if (current) out.push(current);
          current = { file: relative(REPO, file), line: i + 1, args: shellWords(l.slice(12)), output: '' };
        } else if (current) current.output += `${l}\n`;
        else throw new Error(`${file}:${i + 1}: a console block starts with "$ osa-sriov …"`);
      }
      if (current) out.push(current);
    }
  }
  return out;
}

describe('documentation examples print what the tool prints', () => {
  const all = examples();
  test('there are examples to check', () => {
    assert.ok(all.length >= 3, `found ${all.length}`);
  });
  for (const ex of all) {
    test(`${ex.file}:${ex.line}: osa-sriov ${ex.args.join(' ')}`.slice(0, 160), () => {
      const r = cli(...ex.args);
      assert.ok([0, 1].includes(r.status ?? -1), r.stderr);
      assert.equal(r.stdout, ex.output);
    });
  }
});

describe('shellWords', () => {
  test('quotes as a POSIX shell reads them', () => {
    assert.deepEqual(shellWords(`devspec explain '{"a": "b c"}' --facts x\\ y "q\\"r"`), [
      'devspec',
      'explain',
      '{"a": "b c"}',
      '--facts',
      'x y',
      'q"r',
    ]);
  });
});
