// The collector is a shell script, not TypeScript: ship it beside the compiled code.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';

copyFileSync('src/facts/collect.sh', 'dist/facts/collect.sh');
chmodSync('dist/facts/collect.sh', 0o755);

// The man page, generated from the same commander model as --help (`osa-sriov man`); package.json
// "man" installs it with the package (npm link, npm install -g).
writeFileSync('dist/osa-sriov.1', execFileSync(process.execPath, ['bin/osa-sriov.js', 'man']));
