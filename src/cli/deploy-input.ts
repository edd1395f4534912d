// The deploy dir and --release, shared by the commands that read an OSA configuration.

import type { HostFacts } from '../facts/host-facts.js';
import { findInventoryHost, type Inventory } from '../osa/inventory.js';
import { type DeployDir, loadDeployDir } from '../osa/load.js';
import { chooseRelease, type ReleaseChoice } from '../osa/release-detect.js';
import {
  NEWEST_RELEASE,
  parseRelease,
  RELEASES,
  type Release,
  releaseLabel,
  releaseNames,
} from '../osa/releases.js';
import { closest } from '../suggest.js';
import type { CliRun } from './cli-io.js';
import { UserError } from './errors.js';

export const RELEASE_HELP = `OSA release: a major (18…33), a series (rocky…2026.1) or a point release (27.4.1); default ${NEWEST_RELEASE.series}`;
export const DETECTED_RELEASE_HELP = `OSA release: a major (18…33), a series (rocky…2026.1) or a point release (27.4.1); default: detected from the host facts (/etc/openstack-release), else from the openstack-ansible checkout ($OSA_CLONE_DIR or /opt/openstack-ansible), else ${NEWEST_RELEASE.series} (said on stderr)`;

/**
 * The release to model when --release may be absent: the hosts' facts, the deploy host's
 * openstack-ansible checkout ($OSA_CLONE_DIR, else /opt/openstack-ansible), else the newest,
 * which is then said on stderr with how to set it.
 */
export function detectRelease(
  text: string | undefined,
  facts: ReadonlyMap<string, { facts: HostFacts }>,
  cli: Pick<CliRun, 'env' | 'stderr'>,
): ReleaseChoice {
  const choice = chooseRelease(
    text === undefined ? null : releaseOption(text),
    facts,
    cli.env.OSA_CLONE_DIR || '/opt/openstack-ansible',
  );
  if (choice.source === 'assumed') cli.stderr.write(`osa-sriov: note: ${choice.detail}\n`);
  return choice;
}

/** "OSA 18.1.6 (Rocky), detected from the hosts' facts" for report titles. */
export function releaseTitle(choice: ReleaseChoice): string {
  const label = `OSA ${releaseLabel(choice.release)}`;
  switch (choice.source) {
    case 'option':
    case 'intent':
      return label;
    case 'facts':
      return `${label}, detected from the host facts`;
    case 'checkout':
      return `${label}, detected from the openstack-ansible checkout`;
    case 'assumed':
      return `${label}, assumed: no --release and nothing tells`;
  }
}

/** How the release was known, for reports that show it beside the release (the HTML header). */
export function releaseHow(choice: ReleaseChoice): string {
  switch (choice.source) {
    case 'option':
      return 'given with --release';
    case 'intent':
      return 'from the intent';
    case 'facts':
      return `detected from the host facts${choice.detail ? `: ${choice.detail}` : ''}`;
    case 'checkout':
      return `detected from the openstack-ansible checkout${choice.detail ? `: ${choice.detail}` : ''}`;
    case 'assumed':
      return 'assumed: no --release and nothing tells';
  }
}

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
      'unknown-host',
    );
  }
  return resolved.map(([, r]) => r!);
}

export const repeatable = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];
