// Runs the CLI as users do (a child process), for exit codes and output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './helpers.js';

export const MAIN = join(REPO, 'src/cli/main.ts');

export function withStdin(input: string | undefined, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    input,
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const cli = (...args: string[]) => withStdin(undefined, ...args);

export function assertUserError(r: ReturnType<typeof cli>, pattern: RegExp) {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}
