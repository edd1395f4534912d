// The CLI as a function (main() of src/cli/main.ts): everything it reads and writes is what it
// is given, and nothing of one run reaches the next, so in-process tests are as real as a process.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { cli, cliAsync, withEnv, withStdin } from '../cli-helpers.js';
import { FIXTURES, REPO } from '../helpers.js';

const RULES = join(FIXTURES, 'rules');
const BASE = join(RULES, '_base');
const BASE_FACTS = join(RULES, '_base-facts');
const SCHED_FAIL = join(RULES, 'SRIOV-SCHED-001/fail');

describe('one run does not leak into the next', () => {
  test('exit status: 1, then 0, then 2, then 0', () => {
    assert.equal(cli('check', SCHED_FAIL, '--facts', BASE_FACTS).status, 1);
    assert.equal(cli('check', BASE, '--facts', BASE_FACTS).status, 0);
    assert.equal(cli('check', '/nonexistent').status, 2);
    assert.equal(cli('--version').status, 0);
    assert.equal(process.exitCode, undefined, "this process's exit code is not touched");
  });

  test("environment: a run sees its own, not the previous run's nor this process's", async () => {
    // Facts from 2024: old with a 7-day limit, not with the age check off.
    const stale = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { findings: Array<{ ruleId: string }> }).findings.some(
        (f) => f.ruleId === 'SRIOV-FACTS-002',
      );
    const args = ['check', BASE, '--facts', BASE_FACTS, '--format', 'json', '--fail-on', 'info'];
    assert.equal(stale(withEnv({ OSA_SRIOV_MAX_FACTS_AGE: '7d' }, ...args)), true);
    assert.equal(stale(cli(...args)), false);
    const before = { ...process.env };
    assert.equal(stale(await cliAsync(args, { env: { OSA_SRIOV_MAX_FACTS_AGE: '7d' } })), true);
    assert.deepEqual({ ...process.env }, before, "this process's environment is not touched");
  });

  test('standard input: each run reads its own', () => {
    const match = (specs: string[]) =>
      JSON.parse(
        withStdin(
          JSON.stringify({
            specs,
            devices: [{ address: '0000:3b:00.1', vendor_id: '8086', product_id: '154c' }],
          }),
          'devspec',
          'match',
        ).stdout,
      ).matches;
    assert.deepEqual(match(['{"address": "0000:3b:00.1"}']), [{ device: 0, spec: 0, tags: {} }]);
    assert.deepEqual(match(['{"address": "0000:3c:00.1"}']), [null]);
    const none = withStdin(undefined, 'devspec', 'match');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /standard input is not JSON/);
  });
});

describe('the I/O it is given', () => {
  test('stdout and stderr apart; colour only for a terminal without NO_COLOR', async () => {
    const args = ['check', SCHED_FAIL, '--rule', 'SRIOV-SCHED-001'];
    const chunks: string[] = [];
    const tty = await cliAsync(args, {
      io: {
        env: { ...process.env, OSA_SRIOV_MAX_FACTS_AGE: 'off', NO_COLOR: undefined },
        stdout: { isTTY: true, columns: 100, write: (c) => chunks.push(String(c)) },
      },
    });
    assert.equal(tty.status, 1);
    assert.ok(chunks.join('').includes('\u001b['), 'coloured on a terminal');
    assert.equal(tty.stdout, '', 'written to the stdout it was given');
    const plain = cli(...args);
    assert.ok(!plain.stdout.includes('\u001b['), 'no colour');
    assert.match(plain.stdout, /1 error, 0 warnings, 0 info/);
    const warned = cli('check', BASE, '--facts', join(FIXTURES, 'snapshots'));
    assert.match(warned.stderr, /^osa-sriov: warning: .*no inventory host named/m);
    assert.doesNotMatch(warned.stdout, /warning: .*no inventory host named/);
  });

  test('help and usage errors go to the writers, not to the process', () => {
    const help = cli('check', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: osa-sriov check \[options\] <deploy-dir>/m);
    const bad = cli('check', '--bogus', BASE);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option '--bogus'/);
  });

  test('cwd: relative paths resolve from it, and the working directory is given back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-cwd-'));
    const before = process.cwd();
    const out = 'report.json';
    const r = await cliAsync(['check', relative(dir, BASE), '--format', 'json', '-o', out], {
      io: { cwd: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(process.cwd(), before);
    assert.deepEqual(readdirSync(dir), [out]);
    assert.equal(JSON.parse(readFileSync(join(dir, out), 'utf8')).deployDir, relative(dir, BASE));
    assert.equal(realpathSync(before), realpathSync(REPO));
  });
});

describe('the library paths of the CLI', () => {
  test('no process streams, environment, exit or exit code under src/ (but the entry points)', () => {
    // main() hands every command its I/O; a command writing to process.stdout would print in
    // the middle of the test runner's output, and process.exit would end the tests.
    const files = (dir: string): string[] =>
      readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const offending: string[] = [];
    for (const file of files('src')) {
      const lines = readFileSync(join(REPO, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        const std = /\bprocess\.(stdout|stdin|exit|exitCode)\b/.test(code);
        // The CLI reads its environment and error stream from main(); library defaults may not.
        const cliOnly = file.startsWith('src/cli/') && /\bprocess\.(env|stderr|argv|on|once)\b/.test(code);
        const entry =
          file === 'src/cli/cli-io.ts' ||
          (file === 'src/cli/main.ts' &&
            // The program's own run (no top-level await: the bundle is CommonJS).
            (/^ {2}main\(process\.argv\.slice\(2\)\)\.then\(\(code\) => \{$/.test(line) ||
              /^ {4}process\.exitCode = code;$/.test(line) ||
              /^ {2}const script = process\.argv\[1\];$/.test(line)));
        if ((std || cliOnly) && !entry) offending.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(offending, [], 'pass the CliRun (cli.stdout, cli.env, cli.exitCode) instead');
  });
});
