#!/usr/bin/env node
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'osa-sriov: not built yet; run `npm install` (or `npm run build`) in the project folder.\n',
  );
  process.exit(2);
}
// The CLI is a function of its arguments and I/O (this process's by default) to an exit status.
const cli = await import(main.href);
process.exitCode = await cli.main(process.argv.slice(2));
