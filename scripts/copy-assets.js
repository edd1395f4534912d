// The collector is a shell script, not TypeScript: ship it beside the compiled code.
import { chmodSync, copyFileSync } from 'node:fs';

copyFileSync('src/facts/collect.sh', 'dist/facts/collect.sh');
chmodSync('dist/facts/collect.sh', 0o755);
