// Runs the CLI as users do (a child process), for exit codes and output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './helpers.js';

export const MAIN = join(REPO, 'src/cli/main.ts');

function run(input: string | undefined, env: NodeJS.ProcessEnv, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    input,
    timeout: 120_000,
    // Facts fixtures age with the calendar: the age check is off unless a test turns it on.
    env: { ...process.env, OSA_SRIOV_MAX_FACTS_AGE: 'off', ...env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const withStdin = (input: string | undefined, ...args: string[]) => run(input, {}, args);

/** The CLI with these environment variables set (over the test defaults). */
export const withEnv = (env: NodeJS.ProcessEnv, ...args: string[]) => run(undefined, env, args);

export const cli = (...args: string[]) => withStdin(undefined, ...args);

export function assertUserError(r: ReturnType<typeof cli>, pattern: RegExp) {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}
