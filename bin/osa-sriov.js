#!/usr/bin/env node
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'osa-sriov: not built yet; run `npm install` (or `npm run build`) in the project folder.\n',
  );
  process.exit(2);
}
await import(main.href);
