// The command line as one file, dist/cli/osa-sriov.cjs (with its source map), which
// bin/osa-sriov.js loads: one file to read and compile instead of ~200 modules to resolve, and
// one script V8 can cache compiled (bin/osa-sriov.js). Run by `npm run build` after tsc, which
// still writes the library (dist/index.js, its types) and dist/cli/main.js, file for file.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli/osa-sriov.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  // CommonJS, not ESM: Node 20 can cache the compiled code of a script (vm.Script cachedData)
  // but not of an ES module; Node 22's module.enableCompileCache() caches either.
  format: 'cjs',
  // In dist/cli/, as main.js: the paths the code finds beside itself (the docs, the Ansible
  // playbook, the collector) are the same from the bundle as from dist/cli/main.js.
  define: { 'import.meta.url': '__bundleUrl' },
  // "use strict" first: a statement before it would make it a plain string, not the directive.
  banner: { js: `"use strict";const __bundleUrl = require('node:url').pathToFileURL(__filename).href;` },
  // Whitespace only: identifiers keep their names, so messages and stacks that name a class
  // or a function read as in the source; the stack of an internal error maps back to src/
  // through the map (OSA_SRIOV_DEBUG=1 turns source maps on, bin/osa-sriov.js).
  minifyWhitespace: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
});

// The parse worker of the facts cache's cold path (src/cli/facts-pool.ts), which the bundle
// starts from beside itself: one file to load per worker, in place of tsc's module-by-module
// dist/cli/facts-worker.js. ESM, as tsc's was: import.meta.url stays the worker's own.
await build({
  entryPoints: ['src/cli/facts-worker.ts'],
  outfile: 'dist/cli/facts-worker.js',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minifyWhitespace: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
});

// bin/osa-sriov.js may compile the bundle as a vm.Script, where import() has no loader: every
// import() must have become a require() of a bundled module.
if (/\bimport\(/.test(readFileSync('dist/cli/osa-sriov.cjs', 'utf8'))) {
  console.error('build-cli: dist/cli/osa-sriov.cjs still has an import(): bundle that module');
  process.exit(1);
}
