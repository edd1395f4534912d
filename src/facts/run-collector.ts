// Runs the collector script on this host (the I/O edge of facts/).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

/**
 * The collector's path: beside this module, in src/ (tsx) and in dist/ (built). Through
 * ../facts/ so that it resolves from dist/cli/osa-sriov.cjs too, where this code is bundled.
 */
export function collectorPath(): string {
  return fileURLToPath(new URL('../facts/collect.sh', import.meta.url));
}

/** The collector could not run here (no /bin/sh, not Linux, killed). */
export class CollectorError extends InputError {
  constructor(message: string) {
    super(
      'collector-failed',
      message,
      null,
      'run it on a Linux host with /bin/sh (probe also reads a snapshot collected elsewhere: --from FILE)',
    );
  }
}

/** Runs collect.sh with /bin/sh and returns its snapshot. */
export function runCollector(
  options: { shell?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Buffer> {
  const script = collectorPath();
  if (!existsSync(script))
    return Promise.reject(new CollectorError(`collector script not found at ${script}`));
  return new Promise((resolve, reject) => {
    const child = spawn(options.shell ?? '/bin/sh', [script], {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 300_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new CollectorError(`cannot run the collector: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const why = signal ? `was stopped by ${signal}` : `exited with status ${code}`;
        reject(
          new CollectorError(
            `the collector ${why}: ${Buffer.concat(err).toString('utf8').trim().slice(0, 500)}`,
          ),
        );
      }
    });
  });
}
