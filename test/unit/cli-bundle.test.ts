// The executable runs the bundled CLI (dist/cli/osa-sriov.cjs, scripts/build-cli.js) from a
// compiled-code cache (bin/osa-sriov.js). The bundle must be the same program as the modules
// tsc writes (dist/cli/main.js), cached or not; a broken or unwritable cache must change nothing
// but speed; an internal error must still point to src/; and check and --help must not load the
// cloud, HTTP and plan code (each command that needs it imports it when it runs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { build } from 'esbuild';
import { BIN } from '../cli-helpers.js';
import { REPO } from '../helpers.js';

const BUNDLE = join(REPO, 'dist/cli/osa-sriov.cjs');
const MODULES = join(REPO, 'dist/cli/main.js');
const built = existsSync(BUNDLE) && existsSync(MODULES);
if (!built && process.env.CI)
  throw new Error('CI must build before testing: dist/cli/osa-sriov.cjs is missing');
const needsBuild = built ? false : 'the project is not built: run `npm run build`';

const temp: string[] = [];
after(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'osa-sriov-bundle-'));
  temp.push(d);
  return d;
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}, node: string[] = []) {
  const { XDG_CACHE_HOME: _x, NODE_DISABLE_COMPILE_CACHE: _d, OSA_SRIOV_DEBUG: _g, ...base } = process.env;
  const r = spawnSync(process.execPath, [...node, script, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...base, OSA_SRIOV_MAX_FACTS_AGE: 'off', NO_COLOR: '1', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BLOG_LAB = ['check', 'examples/blog-lab', '--release', 'rocky', '--facts', 'examples/blog-lab/facts'];

describe('the bundled CLI', { skip: needsBuild }, () => {
  test('gives the output of the unbundled modules, from source and from its cache', () => {
    const cache = tempDir();
    const commands = [['--help'], ['rules'], BLOG_LAB, [...BLOG_LAB, '--format', 'json'], ['nosuchcommand']];
    for (const args of commands) {
      const modules = run(MODULES, args);
      assert.ok(modules.stdout.length + modules.stderr.length > 0, `${args.join(' ')}: some output`);
      const compiled = run(BIN, args, { XDG_CACHE_HOME: cache });
      const cached = run(BIN, args, { XDG_CACHE_HOME: cache });
      for (const r of [compiled, cached]) assert.deepEqual(r, modules, args.join(' '));
    }
    // The files the code finds beside itself: the collector (on an empty host root; the snapshot
    // has the time in it), the rule pages (rules ID above).
    for (const script of [MODULES, BIN]) {
      const r = run(script, ['collect'], { OSA_SRIOV_ROOT: tempDir(), XDG_CACHE_HOME: cache });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^osa-sriov-snapshot 1\nv meta\.collector collect\.sh /);
    }
    // The blog lab has findings: exit 1 as npm start expects, and the report names its hosts.
    const lab = run(BIN, BLOG_LAB, { XDG_CACHE_HOME: cache });
    assert.equal(lab.status, 1);
    assert.match(lab.stdout, /hp03-2x520/);
  });

  test('one cache per command, none after bad usage; a corrupt or unwritable cache changes nothing', () => {
    const home = tempDir();
    const dir = join(home, 'osa-sriov');
    const env = { XDG_CACHE_HOME: home };
    const want = run(MODULES, ['rules']);
    assert.deepEqual(run(BIN, ['rules'], env), want);
    const files = () => readdirSync(dir).sort();
    run(BIN, ['--version'], env);
    run(BIN, ['nosuchcommand'], env);
    assert.deepEqual(
      files().map((f) => f.replace(/^v8-code-[0-9a-f]{8}-/, '')),
      ['main.bin', 'rules.bin'],
    );
    const file = join(dir, files().find((f) => f.endsWith('-rules.bin'))!);
    const good = readFileSync(file);
    const key = good.subarray(0, good.indexOf(0x0a) + 1);
    // This build's key with V8 data that is not V8's, then cut short: each is compiled anew.
    for (const bad of [Buffer.concat([key, Buffer.alloc(4096, 0x5a)]), good.subarray(0, good.length >> 1)]) {
      writeFileSync(file, bad);
      assert.deepEqual(run(BIN, ['rules'], env), want);
      assert.ok(readFileSync(file).length > bad.length, 'the cache is written again');
    }
    // Under a regular file, the cache cannot be created: the same output, nothing said.
    const notDir = join(tempDir(), 'a-file');
    writeFileSync(notDir, '');
    assert.deepEqual(run(BIN, ['rules'], { XDG_CACHE_HOME: join(notDir, 'cache') }), want);
    // A relative XDG_CACHE_HOME is ignored (the XDG spec): ~/.cache then.
    const other = tempDir();
    assert.deepEqual(run(BIN, ['rules'], { XDG_CACHE_HOME: 'relative', HOME: other }), want);
    assert.ok(existsSync(join(other, '.cache/osa-sriov')));
    // NODE_DISABLE_COMPILE_CACHE (Node's own switch) turns it off.
    const off = tempDir();
    assert.deepEqual(run(BIN, ['rules'], { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' }), want);
    assert.deepEqual(readdirSync(off), []);
  });

  test('a code cache in a directory others can write is neither read nor written', () => {
    // Compiled code from a place another user can write would run as us.
    const home = tempDir();
    const env = { XDG_CACHE_HOME: home };
    const want = run(BIN, ['rules'], env);
    const dir = join(home, 'osa-sriov');
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('-rules.bin'))!);
    const good = readFileSync(file);
    // This build's key with data that is not V8's: read, it would be refused and written again.
    const bad = Buffer.concat([good.subarray(0, good.indexOf(0x0a) + 1), Buffer.alloc(4096, 0x5a)]);
    writeFileSync(file, bad);
    chmodSync(dir, 0o777);
    assert.deepEqual(run(BIN, ['rules'], env), want);
    assert.deepEqual(readFileSync(file), bad, 'not written into a directory others can write');
    chmodSync(dir, 0o700);
    assert.deepEqual(run(BIN, ['rules'], env), want);
    assert.ok(readFileSync(file).length > bad.length, 'ours: read, refused by V8, written again');
    // A file others can write is not read; it is replaced by one of ours.
    chmodSync(file, 0o666);
    assert.deepEqual(run(BIN, ['rules'], env), want);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test("the facts cache is keyed by the whole bundle: another build's cache is not read", () => {
    // Which files are facts is decided by more than the facts modules (the name rules, the
    // input readers, the schema library): every byte of the bundle and of the parse worker's.
    const pkg = tempDir();
    mkdirSync(join(pkg, 'bin'));
    mkdirSync(join(pkg, 'dist/cli'), { recursive: true });
    copyFileSync(BIN, join(pkg, 'bin/osa-sriov.js'));
    copyFileSync(join(REPO, 'package.json'), join(pkg, 'package.json'));
    for (const f of ['osa-sriov.cjs', 'facts-worker.js'])
      copyFileSync(join(REPO, 'dist/cli', f), join(pkg, 'dist/cli', f));
    const home = tempDir();
    const env = { XDG_CACHE_HOME: home };
    const stamp = () => {
      const dir = join(home, 'osa-sriov');
      const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.facts'))!);
      const text = readFileSync(file, 'utf8');
      return (JSON.parse(text.slice(0, text.indexOf('\n'))) as { stamp: string }).stamp;
    };
    const bin = join(pkg, 'bin/osa-sriov.js');
    const first = run(bin, BLOG_LAB, env);
    assert.equal(first.status, 1, first.stderr);
    const built = stamp();
    assert.deepEqual(run(bin, BLOG_LAB, env), first);
    assert.equal(stamp(), built, 'the same build reads its cache and leaves it');
    for (const f of ['osa-sriov.cjs', 'facts-worker.js']) {
      appendFileSync(join(pkg, 'dist/cli', f), `\n// another build of ${f}\n`);
      const before = stamp();
      assert.deepEqual(run(bin, BLOG_LAB, env), first);
      assert.notEqual(stamp(), before, `${f} changed: the cache is another build's, written anew`);
    }
  });

  test('the cache of a fleet command, made under its compiler flags, is read back as it is', () => {
    // bin/osa-sriov.js lowers V8's inlining budget for check (and the other fleet commands)
    // before loading the bundle: V8 refuses cached code made under other flags, and the bin
    // then writes the cache again (a new file) on every run, compiling everything anew.
    const home = tempDir();
    const env = { XDG_CACHE_HOME: home };
    for (const args of [BLOG_LAB, ['rules']]) {
      const first = run(BIN, args, env);
      const command = args[0]!;
      const file = join(
        home,
        'osa-sriov',
        readdirSync(join(home, 'osa-sriov')).find((f) => f.endsWith(`-${command}.bin`))!,
      );
      const made = statSync(file);
      assert.deepEqual(run(BIN, args, env), first, args.join(' '));
      const after = statSync(file);
      assert.equal(after.ino, made.ino, `${command}: the cache was not written again`);
      assert.equal(after.mtimeMs, made.mtimeMs, command);
    }
  });

  test('an internal error: a message only, and with OSA_SRIOV_DEBUG=1 a stack in src/', () => {
    // A bug cannot be asked for: path.basename, which check calls on each facts file, is made to
    // throw a plain Error for a snapshot, as a bug of ours would (Node's loader calls it too).
    const fault = `data:text/javascript,${encodeURIComponent(
      "import path from 'node:path'; const real = path.basename; path.basename = (p, ...r) => { if (String(p).endsWith('.snapshot')) throw new Error('injected fault'); return real(p, ...r); };",
    )}`;
    const plain = run(BIN, BLOG_LAB, { XDG_CACHE_HOME: tempDir() }, ['--import', fault]);
    assert.equal(plain.status, 2, plain.stderr);
    assert.match(plain.stderr, /^osa-sriov: internal error: injected fault$/m);
    assert.doesNotMatch(plain.stderr, /^\s+at /m, 'no stack trace');
    const debug = run(BIN, BLOG_LAB, { OSA_SRIOV_DEBUG: '1' }, ['--import', fault]);
    assert.equal(debug.status, 2, debug.stderr);
    const frame = debug.stderr.split('\n').find((l) => /^\s+at /.test(l) && !l.includes('data:'));
    assert.ok(frame, debug.stderr);
    // The first frame of ours (where basename is first called on a snapshot moves with the code).
    assert.ok(frame.includes(join(REPO, 'src/')), frame);
    assert.match(frame, /\.ts:\d+:\d+\)?$/, frame);
  });
});

describe('paths beside the code', () => {
  test('each import.meta.url path resolves the same from its module and from the bundle (dist/cli/)', () => {
    // In dist/cli/osa-sriov.cjs every module's import.meta.url is the bundle's: a path relative
    // to a module elsewhere than src/cli/ must go through its own folder (../facts/collect.sh).
    const files = (dir: string): string[] =>
      readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const wrong: string[] = [];
    let seen = 0;
    for (const file of files('src')) {
      const text = readFileSync(join(REPO, file), 'utf8');
      for (const m of text.matchAll(/import\.meta\.url/g)) {
        const before = text.slice(0, m.index);
        const line = before.split('\n').length;
        const rel = /new URL\(\s*'([^'$]+)',\s*$/.exec(before)?.[1];
        // main.ts compares its own URL with the program's (false in the bundle: bin is the program).
        if (rel === undefined && file === 'src/cli/main.ts' && before.endsWith('new URL(')) continue;
        // The facts cache digests the file its code is in: the bundle itself, in the bundle.
        if (rel === undefined && file === 'src/cli/facts-cache.ts' && before.endsWith('fileURLToPath('))
          continue;
        seen++;
        const own = new URL(rel ?? '.', `file://${join(REPO, file)}`).pathname;
        const bundled = new URL(rel ?? '.', `file://${join(REPO, 'src/cli/osa-sriov.cjs')}`).pathname;
        if (rel === undefined || own !== bundled)
          wrong.push(`${file}:${line}: ${own} from the bundle is ${bundled}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(seen >= 3, 'the collector, the Ansible playbook and the docs are found this way');
  });
});

describe('start-up', () => {
  test('check and --help load no cloud, HTTP or plan code: it is imported when its command runs', async () => {
    const { metafile } = await build({
      entryPoints: [join(REPO, 'src/cli/main.ts')],
      absWorkingDir: REPO,
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    // The modules main.ts loads before any command runs: its static imports, transitively.
    const loaded = new Set<string>();
    const walk = (path: string) => {
      if (loaded.has(path)) return;
      loaded.add(path);
      for (const i of metafile.inputs[path]?.imports ?? []) if (i.kind === 'import-statement') walk(i.path);
    };
    walk('src/cli/main.ts');
    const lazy = /^(src\/cloud\/|src\/plan\/|src\/cli\/(plan|verify)-run\.ts$|node:https?$|node:tls$)/;
    assert.deepEqual(
      [...loaded].filter((p) => lazy.test(p)),
      [],
    );
    // The walk sees what the commands import when they run (the bundle holds it all).
    const all = new Set(Object.values(metafile.inputs).flatMap((m) => m.imports.map((i) => i.path)));
    for (const p of ['src/cloud/client.ts', 'src/cloud/doctor.ts', 'src/cli/plan-run.ts', 'node:https'])
      assert.ok(all.has(p), p);
    assert.ok(loaded.has('src/checks/registry.ts') && loaded.has('src/cli/check.ts'));
  });
});
