// Runs the test files with node's own test runner (TypeScript through tsx).
//   node scripts/run-tests.js           unit tests, the sriov-vm tests and the live-cloud tests
//   node scripts/run-tests.js --unit    unit tests only
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.includes('--unit') ? ['test/unit'] : ['test/unit', 'test/vm', 'test/live'];
const files = dirs
  .filter((d) => existsSync(d))
  .flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => join(d, f)),
  );
// VM tests first: they are the longest, so they start while the unit tests run beside them.
// The live-cloud tests (../shared/live-openstack) come after the unit tests.
const rank = (f) => (f.startsWith('test/vm') ? 0 : f.startsWith('test/live') ? 2 : 1);
files.sort((a, b) => rank(a) - rank(b));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
