// The CLI's start-up (issue 17), for scripts/bench.js: `osa-sriov --help`, and npm start's command
// (check of the blog lab), each run as users run it: `node bin/osa-sriov.js …` in a new process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 9;

/**
 * One run of the CLI: the CPU time of the child (user + system, from bash's `time`, i.e. the
 * child's rusage; Node gives no child's CPU time) and its wall time, in milliseconds.
 */
function timed(args, env) {
  const r = spawnSync(
    'bash',
    ['-c', 'TIMEFORMAT="%3U %3S %3R"; time "$@" >/dev/null 2>&1; echo "status $?" >&2', 'bash', ...args],
    { cwd: REPO, env, encoding: 'utf8' },
  );
  const m = /^([\d.]+) ([\d.]+) ([\d.]+)\nstatus (\d+)$/m.exec(r.stderr);
  if (!m) throw new Error(`cannot time ${args.join(' ')}: ${r.stderr}`);
  return { cpu: (Number(m[1]) + Number(m[2])) * 1000, wall: Number(m[3]) * 1000, status: Number(m[4]) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

/**
 * startup-help-ms and check-bloglab-ms: the median CPU time (ms) of the child process over RUNS
 * runs, after one run that fills the compiled-code cache (in a cache directory of its own, so
 * that the user's is neither used nor touched). CPU rather than wall: on a shared 2-core machine
 * wall time mostly measures the neighbours. Printed beside it: the spread, the wall median, the
 * first run (no cache yet), and the same command run module by module as before the bundle
 * (node dist/cli/main.js, interleaved with the bundled runs so that both see the same load)
 * with the ratio of the two, which the goal (at most half) is about.
 */
export function benchStartup() {
  const cache = mkdtempSync(join(tmpdir(), 'osa-sriov-bench-cache-'));
  const env = { ...process.env, XDG_CACHE_HOME: cache, OSA_SRIOV_MAX_FACTS_AGE: 'off' };
  delete env.NODE_DISABLE_COMPILE_CACHE;
  delete env.OSA_SRIOV_DEBUG;
  // The modules are another build than the bundle (the facts cache is keyed by the code that
  // runs): a cache of their own, or each would find the other's facts cache and write its own.
  const unbundledEnv = { ...env, XDG_CACHE_HOME: join(cache, 'unbundled') };
  const cases = [
    ['startup-help-ms', 'startup_help', ['--help'], [0]],
    [
      'check-bloglab-ms',
      'check_bloglab',
      ['check', 'examples/blog-lab', '--release', 'rocky', '--facts', 'examples/blog-lab/facts'],
      [0, 1],
    ],
  ];
  try {
    for (const [line, info, args, statuses] of cases) {
      const runs = [];
      const unbundled = [];
      const once = (script) => {
        const r = timed(
          [process.execPath, script, ...args],
          script === 'bin/osa-sriov.js' ? env : unbundledEnv,
        );
        if (!statuses.includes(r.status)) throw new Error(`${script} ${args.join(' ')}: exit ${r.status}`);
        return r;
      };
      for (let i = 0; i <= RUNS; i++) {
        runs.push(once('bin/osa-sriov.js'));
        if (i > 0) unbundled.push(once('dist/cli/main.js').cpu);
      }
      const [first, ...warm] = runs;
      const cpu = warm.map((r) => r.cpu);
      console.log(`${line}: ${median(cpu).toFixed(0)}`);
      console.log(`${info}_cpu_min_ms: ${Math.min(...cpu).toFixed(0)}`);
      console.log(`${info}_cpu_max_ms: ${Math.max(...cpu).toFixed(0)}`);
      console.log(`${info}_wall_ms: ${median(warm.map((r) => r.wall)).toFixed(0)}`);
      console.log(`${info}_first_run_cpu_ms: ${first.cpu.toFixed(0)}`);
      console.log(`${info}_unbundled_cpu_ms: ${median(unbundled).toFixed(0)}`);
      console.log(`${info}_vs_unbundled: ${(median(cpu) / median(unbundled)).toFixed(2)}`);
    }
    console.log(`startup_runs: ${RUNS}`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
