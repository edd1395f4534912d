// The repository carries the test data it needs: a plain clone (nothing beside it) passes its
// tests. The upstream-derived vectors and the seed fixtures are copies of ../shared's; when
// ../shared is here they must still be the same bytes, and no test outside the VM and live-cloud
// ones may read ../shared.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { REPO, SEED, SHARED, VECTORS } from '../helpers.js';

const COPIES = [
  { ours: VECTORS, theirs: join(SHARED, 'spec/vectors'), files: (n: string) => n.endsWith('.json') },
  // The seed README is ours (provenance), not part of the copy.
  { ours: SEED, theirs: join(SHARED, 'fixtures/seed'), files: (n: string) => n !== 'README.md' },
];

const shared = existsSync(SHARED);
if (!shared && process.env.CI) throw new Error(`CI runs beside ../shared: no ${SHARED}`);

describe('test data in the repository', () => {
  test('the copies exist, with their provenance', () => {
    for (const { ours, files } of COPIES) {
      assert.ok(readdirSync(ours).filter(files).length > 0, `no test data in ${relative(REPO, ours)}`);
      assert.ok(
        existsSync(join(ours, 'README.md')),
        `${relative(REPO, ours)}/README.md says where it comes from`,
      );
    }
  });

  test('byte-identical to ../shared', {
    skip: shared ? false : `no ${SHARED} beside the repository: nothing to compare the copies with`,
  }, () => {
    for (const { ours, theirs, files } of COPIES) {
      const names = readdirSync(theirs).filter(files).sort();
      assert.deepEqual(
        readdirSync(ours).filter(files).sort(),
        names,
        `${relative(REPO, ours)} holds the same files as ${theirs} (copy new ones, with a line in its README)`,
      );
      for (const n of names)
        assert.ok(
          readFileSync(join(ours, n)).equals(readFileSync(join(theirs, n))),
          `${relative(REPO, ours)}/${n} differs from ${theirs}/${n}: copy it again`,
        );
    }
  });

  test('only the VM and live-cloud tests read ../shared', () => {
    // They skip (or fail in CI) without it; any other test would fail in a plain clone.
    const allowed = new Set(['test/helpers.ts', 'test/unit/test-data.test.ts']);
    const files = (dir: string): string[] =>
      readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
        const p = join(dir, e.name);
        if (e.isDirectory())
          return p === 'test/fixtures' || p === 'test/vm' || p === 'test/live' ? [] : files(p);
        return /\.(ts|js|mjs|sh)$/.test(e.name) ? [p] : [];
      });
    const offending: string[] = [];
    for (const file of files('test').filter((f) => !allowed.has(f))) {
      // Comments may cite the spec (../shared/spec/osa.md §2); code may not read it.
      const code = readFileSync(join(REPO, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .split('\n')
        .map((l) => l.replace(/(^|\s)\/\/.*$/, ''));
      code.forEach((line, i) => {
        if (/\bSHARED\b|\.\.\/shared\b|\/work\/shared\b/.test(line))
          offending.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(
      offending,
      [],
      'copy the data under test/ (test/vectors, test/fixtures/seed: see their README) and read it from there',
    );
  });
});
