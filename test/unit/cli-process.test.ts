// The few things only a real process shows: the executable users run (bin/osa-sriov.js, which
// needs `npm run build`), exit statuses as the shell sees them, standard input from a pipe, a
// terminal on standard output. Everything else runs the CLI in-process (test/cli-helpers.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, cli, cliProcess, MAIN } from '../cli-helpers.js';
import { FIXTURES, REPO } from '../helpers.js';

const RULES = join(FIXTURES, 'rules');
const SCHED_FAIL = join(RULES, 'SRIOV-SCHED-001/fail');
const BASE_FACTS = join(RULES, '_base-facts');
const built = existsSync(join(REPO, 'dist/cli/main.js'));
if (!built && process.env.CI) throw new Error('CI must build before testing: dist/cli/main.js is missing');
const needsBuild = built ? false : 'the project is not built: run `npm run build`';

describe('the executable', { skip: needsBuild }, () => {
  test('bin/osa-sriov.js: --version, exit 0 / 1 / 2 as the shell sees them', () => {
    const version = cliProcess(['--version'], { bin: true });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const findings = cliProcess(['check', SCHED_FAIL, '--facts', BASE_FACTS, '--rule', 'SRIOV-SCHED-001'], {
      bin: true,
    });
    assert.equal(findings.status, 1, findings.stderr);
    assert.match(findings.stdout, /1 error, 0 warnings, 0 info/);
    const usage = cliProcess(['check'], { bin: true });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /missing required argument 'deploy-dir'/);
    const input = cliProcess(['probe', '--from', '/nonexistent/snapshot'], { bin: true });
    assert.equal(input.status, 2);
    assert.match(input.stderr, /^osa-sriov: error: \/nonexistent\/snapshot: cannot read the snapshot/m);
  });

  test('a reader that goes away: exit 141 (as SIGPIPE), no stack trace', () => {
    // `| true` closes the pipe at once: the SARIF report (tens of KiB) cannot all be written.
    const r = spawnSync(
      'bash',
      [
        '-c',
        `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} check examples/blog-lab --release rocky --facts examples/blog-lab/facts --format sarif | true; echo "status=\${PIPESTATUS[0]}" >&2`,
      ],
      { cwd: REPO, encoding: 'utf8', timeout: 60_000 },
    );
    assert.match(r.stderr, /status=141\n$/, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at /, r.stderr);
  });

  test('the same output in-process and as a process', () => {
    const args = ['check', SCHED_FAIL, '--facts', BASE_FACTS, '--format', 'json'];
    const alone = cliProcess(args, { bin: true });
    const inside = cli(...args);
    assert.equal(inside.status, alone.status);
    assert.equal(inside.stdout, alone.stdout);
    assert.equal(inside.stderr, alone.stderr);
  });
});

describe('src/cli/main.ts as a program', () => {
  test('runs when it is the program, reads standard input from a pipe', () => {
    const r = cliProcess(['devspec', 'match'], {
      input: JSON.stringify({
        specs: ['{"address": "0000:3b:00.*"}'],
        devices: [{ address: '0000:3b:00.1', vendor_id: '8086', product_id: '154c' }],
      }),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).matches, [{ device: 0, spec: 0, tags: {} }]);
  });

  test('does nothing when imported', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', `await import(${JSON.stringify(MAIN)}); console.log('imported')`],
      { cwd: REPO, encoding: 'utf8', input: '' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'imported\n');
  });
});

const script = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).status === 0;

describe('a terminal on standard output', {
  skip: !built || !script ? 'needs `script` and a build' : false,
}, () => {
  // util-linux `script` gives the command a pseudo-terminal: colour, unless NO_COLOR.
  const inTerminal = (env: NodeJS.ProcessEnv) => {
    const command = [process.execPath, BIN, 'check', SCHED_FAIL, '--rule', 'SRIOV-SCHED-001']
      .map((a) => `'${a}'`)
      .join(' ');
    return spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...env, OSA_SRIOV_MAX_FACTS_AGE: 'off' },
      timeout: 120_000,
    });
  };

  test('colour on a terminal, none with NO_COLOR', () => {
    const { NO_COLOR: _, ...env } = process.env;
    const coloured = inTerminal(env);
    assert.equal(coloured.status, 1, coloured.stdout);
    assert.ok(coloured.stdout.includes('\u001b['), 'ANSI colour');
    const plain = inTerminal({ ...env, NO_COLOR: '1' });
    assert.equal(plain.status, 1, plain.stdout);
    assert.ok(!plain.stdout.includes('\u001b['), 'no colour');
    assert.match(plain.stdout, /1 error, 0 warnings, 0 info/);
  });
});
