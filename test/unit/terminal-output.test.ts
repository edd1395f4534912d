// What reaches a terminal: control characters from hosts, configs and clouds shown escaped in
// every command (hostile fixtures through each command's text output), colours only ours and
// only when asked (--color, NO_COLOR, FORCE_COLOR), wrapping at a TTY's width.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { colorWanted as useColor } from '../../src/cli/output.js';
import { escapeControls, paint, terminalText, wrap } from '../../src/report/style.js';
import { cli, withEnv } from '../cli-helpers.js';
import { REPO } from '../helpers.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal raw
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
/** stdout and stderr of a run with no raw control character, only our SGR codes if any. */
function assertSafe(r: { stdout: string; stderr: string }, what: string, colours = false) {
  for (const [name, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
  ] as const) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: our SGR codes, the only ones allowed
    const rest = colours ? text.replace(/\x1b\[(?:0|1|2|31|32|33|36)m/g, '') : text;
    const m = RAW_CONTROL.exec(rest);
    assert.equal(m, null, `${what}: raw control character ${JSON.stringify(m?.[0])} on ${name}:\n${text}`);
  }
}

describe('escapeControls and terminalText', () => {
  test('C0, DEL, C1, line separators and bidi overrides are shown as escapes; tab and newline stay', () => {
    assert.equal(
      escapeControls('a\x1b]0;t\x07b\x00c\x7fd\x9be\u202ef\u2028g\th\ni\r'),
      'a\\x1b]0;t\\x07b\\x00c\\x7fd\\x9be\\u202ef\\u2028g\th\ni\\x0d',
    );
  });

  test('our colours survive; the same codes in data do not, and cannot forge our marks', () => {
    const data = 'evil\x1b[31m\uE000not-a-mark\uE001';
    const text = `${paint('red', 'error')} ${data}\n`;
    assert.equal(
      terminalText(text, { color: true }),
      `\x1b[31merror\x1b[0m evil\\x1b[31m\\ue000not-a-mark\\ue001\n`,
    );
    assert.equal(terminalText(text, { color: false }), 'error evil\\x1b[31m\\ue000not-a-mark\\ue001\n');
  });

  test('wrap: at spaces, continuation indented under the line, colour codes take no width', () => {
    assert.equal(wrap('  fix: one two three four five', 16), '  fix: one two\n    three four\n    five');
    const coloured = terminalText(`${paint('bold', 'abc')} def ghi`, { color: true, width: 20 });
    assert.equal(coloured, '\x1b[1mabc\x1b[0m def ghi');
    assert.equal(wrap('averyveryverylongword x', 20), 'averyveryverylongword\n  x');
  });

  test('--color: auto follows the TTY, NO_COLOR and FORCE_COLOR; always and never win', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    assert.equal(useColor('auto', tty, {}), true);
    assert.equal(useColor('auto', pipe, {}), false);
    assert.equal(useColor('auto', tty, { NO_COLOR: '1' }), false);
    assert.equal(useColor('auto', tty, { NO_COLOR: '' }), true, 'an empty NO_COLOR is unset');
    assert.equal(useColor('auto', tty, { TERM: 'dumb' }), false);
    assert.equal(useColor('auto', pipe, { FORCE_COLOR: '1' }), true);
    assert.equal(useColor('auto', pipe, { FORCE_COLOR: '0' }), false);
    assert.equal(useColor('always', pipe, { NO_COLOR: '1' }), true);
    assert.equal(useColor('never', tty, { FORCE_COLOR: '1' }), false);
  });
});

describe('no command writes to the terminal but through the output layer', () => {
  test('src/ has no process.stdout.write or process.stderr.write outside src/cli/output.ts', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith(join('src', 'cli', 'output.ts'))) {
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach((l, i) => {
              // The library's own default warning escapes what it writes (the CLI passes printErr);
              // plan's signal handler writes a constant line after the run's streams are gone.
              if (
                /process\.(stdout|stderr)\.write\(/.test(l) &&
                !/write\(`\$\{escapeControls\(/.test(l) &&
                !/write\(`osa-sriov: interrupted by \$\{name\}\\n`\)/.test(l)
              )
                offenders.push(`${p}:${i + 1}: ${l.trim()}`);
            });
        }
      }
    };
    walk(join(REPO, 'src'));
    assert.deepEqual(offenders, []);
  });
});

// ---------------------------------------------------------------- hostile fixtures, each command

const ESC = '\x1b]0;owned\x07';

function hostileLab(): string {
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-hostile-'));
  cpSync(join(REPO, 'examples/blog-lab'), dir, { recursive: true });
  const config = join(dir, 'openstack_user_config.yml');
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      'sriov_host_interfaces: "ens2f1"',
      'sriov_host_interfaces: "ens2f1\\e]0;owned\\a\\0"',
    ),
  );
  // HostFacts of hp03 with a hostile host name, PF netdev and driver.
  const facts = JSON.parse(
    cli('probe', '--from', join(REPO, 'examples/blog-lab/facts/hp03-2x520.snapshot'), '--json').stdout,
  ) as { hostname: string; pfs: Array<{ netdev: string; driver: string }> };
  facts.hostname = `hp03-2x520${ESC}`;
  facts.pfs[0]!.netdev = 'ens1f0\x1b[2J';
  facts.pfs[0]!.driver = 'ixgbe\x00\x9b31m';
  for (const f of readdirSync(join(dir, 'facts'))) rmSync(join(dir, 'facts', f));
  writeFileSync(join(dir, 'facts', 'hp03-2x520.json'), JSON.stringify(facts));
  return dir;
}

describe('hostile names through every command’s text output', () => {
  const lab = hostileLab();
  const facts = join(lab, 'facts', 'hp03-2x520.json');

  // A command may refuse a hostile name (exit 2, a located error) or report it: either way, no raw
  // control character reaches the terminal, and the name is shown visibly escaped.
  const cases: Array<[string, string[], RegExp]> = [
    // Facts are external input: a host or interface name with a control character is refused
    // where the facts are read (src/names.ts), and the refusal shows it JSON-escaped.
    ['probe', ['probe', '--from', facts], /(ens1f0|hp03-2x520)(\\x1b|\\u001b)/],
    [
      'check',
      ['check', lab, '--release', 'rocky', '--facts', join(lab, 'facts')],
      /ens2f1\\x1b\]0;owned\\x07|hp03-2x520\\u001b\]0;owned\\u0007/,
    ],
    [
      'check --color always',
      ['check', lab, '--release', 'rocky', '--color', 'always'],
      /ens2f1\\x1b\]0;owned/,
    ],
    ['render', ['render', lab, '--release', 'rocky'], /ens2f1\\x1b\]0;owned\\x07/],
    [
      'devspec explain',
      ['devspec', 'explain', '{"devname": "eth\\u001b[2J0", "physical_network": "p\\u0007"}'],
      /eth\\x1b\[2J0/,
    ],
    [
      'an unknown --host (stderr)',
      ['check', lab, '--release', 'rocky', '--host', `x${ESC}`],
      /x\\x1b\]0;owned\\x07/,
    ],
    ['an unknown command (stderr)', [`chek${ESC}`], /chek\\x1b\]0;owned\\x07/],
  ];
  for (const [what, args, shown] of cases) {
    test(what, () => {
      const r = cli(...args);
      assert.ok([0, 1, 2].includes(r.status ?? -1), r.stderr);
      assertSafe(r, what, what.includes('--color always'));
      assert.match(r.stdout + r.stderr, shown);
    });
  }

  test('plan: an intent naming a hostile interface is refused, and the error is escaped', () => {
    const intent = join(lab, 'hostile-intent.yml');
    writeFileSync(
      intent,
      'osaRelease: rocky\nplugin: ovs\nphysnets:\n  - name: vlan\n    type: vlan\n    vlanRanges: ["101:200"]\n    hosts:\n      hp03-2x520: {interfaces: ["ens1f0\\e[2J"], numVfs: 4}\n',
    );
    const r = cli('plan', intent, '--deploy', lab, '--facts', join(lab, 'facts'));
    assert.equal(r.status, 2, r.stderr);
    assertSafe(r, 'plan');
  });

  test('a pipe with NO_COLOR: no colour, even with FORCE_COLOR; --color always: colour, still only ours', () => {
    const plain = withEnv({ FORCE_COLOR: '1' }, 'check', lab, '--release', 'rocky');
    assert.ok(!plain.stdout.includes('\x1b['));
    const forced = withEnv({ FORCE_COLOR: '1' }, 'check', lab, '--release', 'rocky', '--color', 'always');
    assert.ok(forced.stdout.includes('\x1b[31merror'), forced.stdout);
    assertSafe(forced, '--color always', true);
  });
});
