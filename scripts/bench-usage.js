// Preloaded (node --import) into a CLI run of the bench: at exit, writes the process's CPU
// time and peak RSS as JSON to $OSA_SRIOV_BENCH_USAGE, so the bench can report them per run.
import { writeFileSync } from 'node:fs';

const out = process.env.OSA_SRIOV_BENCH_USAGE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(
      out,
      JSON.stringify({ cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssMib: u.maxRSS / 1024 }),
    );
  });
}
