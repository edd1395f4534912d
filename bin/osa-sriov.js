#!/usr/bin/env node
// The executable: the command line bundled into one script (dist/cli/osa-sriov.cjs, built by
// `npm run build`), its compiled code cached per user, so that a run starts in about half the
// time of loading dist/cli/main.js module by module (`npm run bench`: startup-help-ms,
// check-bloglab-ms). Nothing here changes what the CLI does: main() is the same function.
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/cli/osa-sriov.cjs', import.meta.url));
const env = process.env;

/**
 * Where compiled code is kept: $XDG_CACHE_HOME/osa-sriov, else ~/.cache/osa-sriov; a directory of
 * this user only (code read from a place others can write would run as us), so never /tmp.
 */
function cacheDir() {
  if (env.NODE_DISABLE_COMPILE_CACHE) return null;
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  const base = xdg?.startsWith('/') ? xdg : env.HOME ? join(env.HOME, '.cache') : null;
  return base && join(base, 'osa-sriov');
}

/**
 * The bundle's exports, compiled from the V8 code cache when it holds this build's code. One
 * cache per command: it holds the functions that command ran (check's are not --help's).
 */
function loadCached(dir, argv) {
  const source = readFileSync(bundle, 'utf8');
  const stat = statSync(bundle);
  // V8 checks its own version, flags and the source's length; a rebuild must miss too.
  const key = `osa-sriov ${process.version} ${process.arch} ${bundle} ${stat.size} ${stat.mtimeMs}\n`;
  const word = argv.find((a) => !a.startsWith('-')) ?? '';
  const command = /^[a-z][a-z-]{0,30}$/.test(word) ? word : 'main';
  const file = join(dir, `v8-code-${hash(bundle)}-${command}.bin`);
  let cachedData;
  try {
    if (!ours(dir) || !ours(file)) throw new Error('not ours');
    const held = readFileSync(file);
    if (held.subarray(0, key.length).toString('latin1') === key) cachedData = held.subarray(key.length);
  } catch {
    // No cache yet, or unreadable: compile from source.
  }
  // CommonJS's own wrapper; "//" for the "#!" line keeps the source valid inside it, its lines
  // and columns unchanged.
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${body}\n});`;
  const script = new Script(wrapped, { filename: bundle, cachedData });
  const exports = {};
  const cjs = { exports };
  script
    .runInThisContext()
    .call(exports, exports, module.createRequire(bundle), cjs, bundle, dirname(bundle));
  const save = (status) => {
    // Not after bad usage (exit 2): a mistyped command would leave a cache behind.
    if ((cachedData && !script.cachedDataRejected) || status === 2) return;
    // After the run, so that the cache also holds the functions it compiled. A cache that
    // cannot be written (read-only home, full disk) costs speed only: never an error.
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!ours(dir)) return;
      const part = `${file}.${process.pid}.part`;
      writeFileSync(part, Buffer.concat([Buffer.from(key, 'latin1'), script.createCachedData()]), {
        mode: 0o600,
      });
      renameSync(part, file);
    } catch {}
  };
  return { cli: cjs.exports, save };
}

/**
 * Whether P is this user's and writable by no one else: compiled code from a directory another
 * user owns or can write (a shared XDG_CACHE_HOME, `sudo -E`) would run as us. The facts
 * cache asks the same (ownedByUs in src/cli/facts-cache.ts); this file runs before the bundle
 * is loaded, so it cannot share that code.
 */
function ours(p) {
  const st = lstatSync(p);
  const uid = process.getuid?.();
  return (
    (st.isFile() || st.isDirectory()) && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0
  );
}

/** FNV-1a: one cache file per installed copy of the bundle, without loading node:crypto. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * Not module.enableCompileCache() where Node has it (>= 22.1): it keeps the code compiled before
 * the run, not the functions the command then compiled, and measured slower on Node 22.23 (check
 * of the blog lab 170 ms CPU against 120 ms, --help 100 against 70); Node 20 has none.
 */
function load(argv) {
  const dir = cacheDir();
  // OSA_SRIOV_DEBUG=1 prints the stack of an internal error: through the source map, in src/.
  if (env.OSA_SRIOV_DEBUG === '1') process.setSourceMapsEnabled(true);
  else if (dir) return loadCached(dir, argv);
  return { cli: module.createRequire(import.meta.url)(bundle), save: () => {} };
}

/** The commands that read a fleet's deploy dir and host facts (thousands of hosts). */
const FLEET_COMMANDS = new Set(['check', 'render', 'plan', 'vf-map', 'capacity', 'fit']);

/**
 * For those, the optimising compiler inlines less than its default (920 bytes of bytecode per
 * function, here 100): a `check` of 5,000 hosts optimises ~700 functions in two threads (~2 s
 * of CPU, the snapshot builder ~140 ms each time) and code that inlines less runs as fast
 * (`npm run bench`, 2 cores: cold check -0.5 s, warm -0.3 s, facts_from_collector_snapshot_ms
 * unchanged). Not for the others: with the flag set, `--help` measured 10-15 ms slower to
 * start. Set before any code of ours is compiled, and by command, so that each command's code
 * cache (loadCached) is made and read under the same flags.
 */
function fleetTuning(argv) {
  if (FLEET_COMMANDS.has(argv.find((a) => !a.startsWith('-')) ?? '')) {
    v8.setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
  }
}

if (!existsSync(bundle)) {
  process.stderr.write(
    'osa-sriov: not built yet; run `npm install` (or `npm run build`) in the project folder.\n',
  );
  process.exit(2);
}
// A reader that goes away (`osa-sriov check … | head -1`) ends the run as it ends other Unix
// tools: quietly, with the status of a process killed by SIGPIPE (128 + 13), not a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE' && stream === process.stdout)
      process.stderr.write(`osa-sriov: cannot write the output: ${e.message}\n`);
    process.exit(e.code === 'EPIPE' ? 141 : 2);
  });
const argv = process.argv.slice(2);
fleetTuning(argv);
const { cli, save } = load(argv);
// The CLI is a function of its arguments and I/O (this process's by default) to an exit status.
process.exitCode = await cli.main(argv);
save(process.exitCode);
