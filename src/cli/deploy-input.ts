// The deploy dir and --release, shared by the commands that read an OSA configuration.
import { type DeployDir, loadDeployDir } from '../osa/load.js';
import type { DeploymentModel } from '../osa/model.js';
import { NEWEST_RELEASE, parseRelease, RELEASES, type Release, releaseNames } from '../osa/releases.js';
import { closest } from '../suggest.js';
import { UserError } from './errors.js';

export const RELEASE_HELP = `OSA release: a major (18…33), a series (rocky…2026.1) or a point release (27.4.1); default ${NEWEST_RELEASE.series}`;

export function releaseOption(text: string | undefined): Release {
  if (text === undefined) return NEWEST_RELEASE;
  const release = parseRelease(text);
  if (!release) {
    const guess = closest(
      text,
      RELEASES.map((r) => r.series),
    );
    throw new UserError(
      `unknown OSA release "${text}"${guess ? ` (did you mean ${guess}?)` : ''}`,
      null,
      `use one of ${releaseNames()} (or a point release such as 27.4.1)`,
      'unknown-release',
    );
  }
  return release;
}

export function readDeployDir(dir: string): DeployDir {
  return loadDeployDir(dir);
}

export function requireHosts(
  model: DeploymentModel,
  hosts: readonly string[] | undefined,
  dir: string,
): void {
  const missing = (hosts ?? []).filter((h) => !model.inventory.hosts.has(h));
  if (missing.length > 0) {
    throw new UserError(
      `unknown host ${missing.join(', ')}`,
      { file: dir },
      `hosts in this inventory: ${[...model.inventory.hosts.keys()].join(', ')}`,
      'unknown-host',
    );
  }
}

export const repeatable = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];
