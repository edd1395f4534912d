// The plan's file changes as one unified diff (git-style a/ b/ names relative to the deploy dir).
import { relative } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { FileChange } from '../plan/edits.js';

export function unifiedDiff(changes: readonly FileChange[], baseDir: string): string {
  return changes
    .map((c) => {
      const name = relative(baseDir, c.file);
      const patch = createTwoFilesPatch(
        c.before === null ? '/dev/null' : `a/${name}`,
        `b/${name}`,
        c.before ?? '',
        c.after,
        undefined,
        undefined,
        { context: 3 },
      );
      // Drop jsdiff's "Index:"/"====" preamble: plain unified diff, as `diff -u` and patch expect.
      return patch.replace(/^(?:Index: .*\n)?=+\n/, '');
    })
    .join('');
}
