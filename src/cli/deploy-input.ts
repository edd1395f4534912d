// The deploy dir and --release, shared by the commands that read an OSA configuration.

import { findInventoryHost, type Inventory } from '../osa/inventory.js';
import { type DeployDir, DeployLoadError, loadDeployDir } from '../osa/load.js';
import { NEWEST_RELEASE, parseRelease, type Release, releaseNames } from '../osa/releases.js';
import { UserError } from './errors.js';

export const RELEASE_HELP = `OSA release: a major (18…33), a series (rocky…2026.1) or a point release (27.4.1); default ${NEWEST_RELEASE.series}`;

export function releaseOption(text: string | undefined): Release {
  if (text === undefined) return NEWEST_RELEASE;
  const release = parseRelease(text);
  if (!release)
    throw new UserError(
      `unknown OSA release "${text}"`,
      null,
      `use one of ${releaseNames()} (or a point release such as 27.4.1)`,
    );
  return release;
}

export function readDeployDir(dir: string): DeployDir {
  try {
    return loadDeployDir(dir);
  } catch (e) {
    if (e instanceof DeployLoadError) {
      const l = e.location;
      throw new UserError(
        e.message,
        l ? { file: l.file, ...(l.line > 0 ? { line: l.line, column: l.column } : {}) } : null,
        e.hint,
      );
    }
    throw e;
  }
}

/** The inventory names of --host values (either container name form); unknown names are a usage error. */
export function requireHosts(
  inventory: Inventory,
  hosts: readonly string[] | undefined,
  dir: string,
): string[] {
  const resolved = (hosts ?? []).map((h) => [h, findInventoryHost(inventory, h)] as const);
  const missing = resolved.filter(([, r]) => r === null).map(([h]) => h);
  if (missing.length > 0) {
    throw new UserError(
      `unknown host ${missing.join(', ')}`,
      { file: dir },
      `hosts in this inventory: ${[...inventory.hosts.keys()].join(', ')}`,
    );
  }
  return resolved.map(([, r]) => r!);
}

export const repeatable = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];
