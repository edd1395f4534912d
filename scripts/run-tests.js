// Runs the test files with node's own test runner (TypeScript through tsx).
//   node scripts/run-tests.js           unit tests and the sriov-vm tests
//   node scripts/run-tests.js --unit    unit tests only
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.includes('--unit') ? ['test/unit'] : ['test/unit', 'test/vm'];
const files = dirs.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(d, f)),
);
// VM tests first: they are the longest, so they start while the unit tests run beside them.
files.sort((a, b) => Number(b.startsWith('test/vm')) - Number(a.startsWith('test/vm')));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
