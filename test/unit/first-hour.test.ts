// The first hour of a new user: rules and their pages offline, check --quiet, probe --fail-on,
// usage errors that say what was meant, shell completion and a man page that list exactly what
// --help lists, and --help that points only at pages that exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RULES } from '../../src/checks/registry.js';
import { DOCTOR_RULES } from '../../src/cloud/doctor.js';
import { closest, editDistance } from '../../src/suggest.js';
import { assertUserError, cli } from '../cli-helpers.js';
import { REPO } from '../helpers.js';

const LAB = join(REPO, 'examples/blog-lab');
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('osa-sriov rules', () => {
  test('lists every rule of check and doctor with its severity, needs and title', () => {
    const r = cli('rules');
    assert.equal(r.status, 0, r.stderr);
    for (const rule of RULES)
      assert.match(
        r.stdout,
        new RegExp(`^${rule.id} +${rule.severity} +${rule.needs} +check +${reEscape(rule.title)}$`, 'm'),
      );
    for (const rule of DOCTOR_RULES)
      assert.match(
        r.stdout,
        new RegExp(`^${rule.id} +${rule.severity} +cloud +doctor +${reEscape(rule.title)}$`, 'm'),
      );
    const json = JSON.parse(cli('rules', '--json').stdout) as Array<{ id: string }>;
    assert.equal(json.length, RULES.length + DOCTOR_RULES.length);
  });

  test('rules ID prints the page (any case), from the docs that ship in the package', () => {
    const r = cli('rules', 'sriov-devspec-006');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(REPO, 'docs/rules/SRIOV-DEVSPEC-006.md'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { files: string[] };
    assert.ok(pkg.files.includes('docs'), 'docs/ must ship in the package for rules ID to work offline');
  });

  test('an unknown id: exit 2 with the nearest id', () => {
    assertUserError(
      cli('rules', 'SRIOV-HOST-01'),
      /unknown rule "SRIOV-HOST-01" \(did you mean SRIOV-HOST-001\?\)/,
    );
  });
});

describe('check --quiet and probe --fail-on', () => {
  test('check --quiet prints the summary line only, with the same exit status', () => {
    const full = cli('check', LAB, '--release', 'rocky', '--facts', join(LAB, 'facts'));
    const quiet = cli('check', LAB, '--release', 'rocky', '--facts', join(LAB, 'facts'), '--quiet');
    assert.equal(quiet.status, full.status);
    assert.equal(quiet.stdout, `${full.stdout.trimEnd().split('\n').at(-1)}\n`);
    assert.match(quiet.stdout, /^\d+ errors?, \d+ warnings?, \d+ info \(failing on errors\)\n$/);
  });

  test('probe --fail-on: 1 at or above the level, 0 below it and without the flag', () => {
    // hp02-qlogic has a warning (its VFs are not re-created at boot) and no error.
    const snap = join(LAB, 'facts/hp02-qlogic.snapshot');
    const none = cli('probe', '--from', snap);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /^\[warn\]/m);
    assert.doesNotMatch(none.stdout, /^\[error\]/m);
    assert.equal(cli('probe', '--from', snap, '--fail-on', 'warning').status, 1);
    assert.equal(cli('probe', '--from', snap, '--fail-on', 'error').status, 0);
    assertUserError(cli('probe', '--from', snap, '--fail-on', 'info'), /argument 'info' is invalid/);
  });
});

describe('usage errors in the tool’s style, with "did you mean"', () => {
  test('editDistance and closest', () => {
    assert.equal(editDistance('chek', 'check'), 1);
    assert.equal(editDistance('vlanRagnes', 'vlanRanges'), 1, 'a swap is one edit');
    assert.equal(closest('vlanRange', ['vlanRanges', 'name', 'type']), 'vlanRanges');
    assert.equal(closest('zzz', ['check', 'probe']), null);
  });

  const cases: Array<[string, string[], RegExp]> = [
    [
      'an unknown command',
      ['chek'],
      /^osa-sriov: error: unknown command 'chek' \(did you mean check\?\)\n {2}fix: `osa-sriov --help` lists the commands\n$/,
    ],
    [
      'an unknown subcommand',
      ['devspec', 'explian'],
      /^osa-sriov: error: unknown command 'explian' \(did you mean explain\?\)\n {2}fix: `osa-sriov devspec --help`/,
    ],
    [
      'an unknown option',
      ['check', LAB, '--fial-on', 'error'],
      /^osa-sriov: error: unknown option '--fial-on' \(did you mean --fail-on\?\)\n {2}fix: `osa-sriov check --help` lists the options\n$/,
    ],
    [
      'a bad choice',
      ['check', LAB, '--format', 'xml'],
      /^osa-sriov: error: option '--format <format>' argument 'xml' is invalid/,
    ],
    [
      'a missing argument',
      ['render'],
      /^osa-sriov: error: missing required argument 'deploy-dir'\n {2}fix: see `osa-sriov render --help`/,
    ],
    [
      'a misspelt release',
      ['render', LAB, '--release', 'rocki'],
      /unknown OSA release "rocki" \(did you mean rocky\?\)/,
    ],
    [
      'a release out of range lists the accepted ones',
      ['render', LAB, '--release', '17'],
      /unknown OSA release "17"\n {2}fix: use one of 18\/rocky, .*33\/2026\.1/,
    ],
  ];
  for (const [what, args, want] of cases) {
    test(what, () => {
      const r = cli(...args);
      assertUserError(r, want);
      assert.equal(r.stdout, '');
    });
  }

  test('a misspelt intent key, located', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-intent-'));
    const intent = join(dir, 'intent.yml');
    writeFileSync(
      intent,
      'osaRelease: rocky\nplugin: ovs\nphysnets:\n  - name: vlan\n    type: vlan\n    vlanRange: ["101:200"]\n    hosts:\n      compute: {interfaces: [ens1f0], numVfs: 4}\n',
    );
    assertUserError(
      cli('plan', intent, '--deploy', LAB),
      /intent\.yml:6:5: physnets\.0: Unrecognized key: "vlanRange" \(did you mean vlanRanges\?\)/,
    );
    writeFileSync(
      intent,
      readFileSync(intent, 'utf8').replace('vlanRange:', 'vlanRanges:').replace('rocky', 'rocyk'),
    );
    assertUserError(
      cli('plan', intent, '--deploy', LAB),
      /osaRelease: unknown OSA release "rocyk" \(did you mean rocky\?\)/,
    );
  });
});

// ---------------------------------------------------------------- --help, completion, man page

interface HelpCommand {
  path: string[];
  flags: string[];
  commands: string[];
  text: string;
}

/** Every command's --help as printed, parsed for its options and subcommands. */
function helpTree(path: string[] = []): HelpCommand[] {
  const r = cli(...path, '--help');
  assert.equal(r.status, 0, r.stderr);
  const section = (name: string) => {
    const m = new RegExp(`^${name}:\\n((?: {2}.*\\n?)+)`, 'm').exec(r.stdout);
    return m ? m[1]! : '';
  };
  const flags = [...section('Options').matchAll(/^ {2}(-[^ ,]+)(?:, (--[^ ]+))?/gm)].flatMap((m) =>
    [m[1], m[2]].filter((f): f is string => f !== undefined),
  );
  const commands = [...section('Commands').matchAll(/^ {2}([a-z][a-z-]*)/gm)]
    .map((m) => m[1]!)
    .filter((c) => c !== 'help');
  const here: HelpCommand = { path, flags, commands, text: r.stdout };
  return [here, ...commands.flatMap((c) => helpTree([...path, c]))];
}

describe('completion and man page list what --help lists', () => {
  const tree = helpTree();
  const bash = cli('completion', 'bash').stdout;
  const zsh = cli('completion', 'zsh').stdout;
  const man = cli('man').stdout;

  test('the help tree is the whole CLI', () => {
    const names = tree.map((c) => c.path.join(' '));
    for (const c of ['check', 'probe', 'devspec explain', 'fit', 'rules', 'completion', 'man'])
      assert.ok(names.includes(c), c);
  });

  test('every command and option of --help is in the bash and zsh completions and the man page', () => {
    const roff = (s: string) => s.replace(/-/g, '\\-');
    for (const c of tree) {
      for (const sub of c.commands) {
        assert.ok(new RegExp(`\\b${sub}\\b`).test(bash), `bash: ${sub}`);
        assert.ok(zsh.includes(`'${sub}:`), `zsh: ${sub}`);
        assert.ok(man.includes(`.SS "${roff([...c.path, sub].join(' '))}"`), `man: ${sub}`);
      }
      const fn = `_osa_sriov${c.path.map((p) => `_${p.replace(/-/g, '_')}`).join('')}() {`;
      const zshBody = zsh.slice(zsh.indexOf(fn), zsh.indexOf('\n}\n', zsh.indexOf(fn)));
      assert.ok(zsh.includes(fn), `zsh: ${fn}`);
      const bashCase = bash.slice(bash.indexOf(`    "${c.path.join('/')}")`));
      const bashWords = /words="([^"]*)"/.exec(bashCase)![1]!.split(' ');
      for (const f of c.flags) {
        assert.ok(bashWords.includes(f), `bash ${c.path.join(' ')}: ${f}`);
        assert.match(zshBody, new RegExp(`'\\*?${reEscape(f)}\\[`), `zsh ${c.path.join(' ')}: ${f}`);
        assert.ok(man.includes(roff(f)), `man ${c.path.join(' ')}: ${f}`);
      }
    }
  });

  test('bash completes commands, options, choices and rule ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-completion-'));
    writeFileSync(join(dir, 'c.bash'), bash);
    const complete = (...words: string[]) => {
      const r = spawnSync(
        'bash',
        [
          '-c',
          `source "${join(dir, 'c.bash')}"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _osa_sriov; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    assert.equal(complete('osa-sriov', 'ch'), 'check');
    assert.equal(complete('osa-sriov', 'check', LAB, '--fa'), '--facts --fail-on');
    assert.equal(complete('osa-sriov', 'check', LAB, '--format', ''), 'text json sarif');
    assert.equal(complete('osa-sriov', 'probe', '--color', 'a'), 'auto always');
    assert.equal(complete('osa-sriov', 'devspec', 'ex'), 'explain');
    // Every rule of the family, and only those (the registry has them; the completion must too).
    const facts = RULES.map((r) => r.id).filter((id) => id.startsWith('SRIOV-FACTS-'));
    assert.ok(facts.length >= 2);
    assert.equal(complete('osa-sriov', 'rules', 'SRIOV-FACTS'), facts.sort().join(' '));
  });

  test('the man page is valid roff for man(1), and the build installs it', {
    skip: spawnSync('man', ['--version']).status !== 0 && 'man is not installed',
  }, () => {
    const r = spawnSync('man', ['-l', '-'], {
      input: man,
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /osa-sriov check \[options\] <deploy-dir>/);
    assert.match(r.stdout, /--fail-on <severity>/);
  });

  test('package.json installs the man page the build writes from the same source', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { man: string };
    assert.equal(pkg.man, './dist/osa-sriov.1');
    if (existsSync(join(REPO, 'dist/osa-sriov.1')))
      assert.equal(readFileSync(join(REPO, 'dist/osa-sriov.1'), 'utf8'), man);
  });

  test('every docs/ page that --help points at exists', () => {
    for (const c of tree) {
      for (const m of c.text.replace(/\n +/g, ' ').matchAll(/docs\/[A-Za-z0-9_./*-]*[A-Za-z0-9_/*-]/g)) {
        const ref = m[0];
        if (ref.includes('*')) {
          const [dir, glob] = [ref.slice(0, ref.lastIndexOf('/')), ref.slice(ref.lastIndexOf('/') + 1)];
          const re = new RegExp(`^${glob.split('*').map(escape).join('.*')}`);
          assert.ok(
            readdirSync(join(REPO, dir)).some((f) => re.test(f)),
            `${c.path.join(' ')} --help: ${ref}`,
          );
        } else assert.ok(existsSync(join(REPO, ref)), `${c.path.join(' ')} --help: ${ref} does not exist`);
      }
    }
  });
});
