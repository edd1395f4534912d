// Which OSA release a deployment runs, when --release does not say: from what OSA wrote on the
// hosts (/etc/openstack-release, the venv names under /openstack/venvs), else from the deploy
// host's openstack-ansible checkout, read the way OSA's own tooling reads its version. When
// nothing tells, the newest release is assumed, and the caller must say so.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HostFacts } from '../facts/host-facts.js';
import { NEWEST_RELEASE, parseRelease, type Release, releaseLabel } from './releases.js';

export type ReleaseSource = 'option' | 'facts' | 'checkout' | 'intent' | 'assumed';

export interface ReleaseChoice {
  release: Release;
  source: ReleaseSource;
  /** Where the release was read, in words ("/etc/openstack-release of hp02, hp03"). */
  detail: string;
}

/** What a host's facts say about its release: DISTRIB_RELEASE, else the venvs' version, else the codename. */
export interface HostRelease {
  host: string;
  /** The version text as found ("18.1.6"). */
  text: string;
  release: Release;
  from: string;
}

/** "18.1.6", "33.0.0.0rc2.dev5", "rocky" → a release (the dotted triple, or the series name). */
export function releaseFromVersion(text: string): Release | null {
  const t = text.trim();
  const m = t.match(/^(\d+)\.(\d+)\.(\d+)/);
  if (m) return parseRelease(`${m[1]}.${m[2]}.${m[3]}`);
  if (/^\d+$/.test(t)) return parseRelease(t);
  return parseRelease(t.split(/\s/)[0] ?? '');
}

/** The version in OSA venv names (nova-18.1.6, utility-33.0.0): the most frequent one. */
function venvVersion(venvs: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of venvs) {
    const m = v.match(/-(\d+\.\d+\.\d+[0-9a-z.]*)$/);
    if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > counts.get(best)!) best = v;
  return best;
}

export function hostRelease(host: string, f: HostFacts): HostRelease | null {
  const osa = f.osa;
  if (!osa) return null;
  const rel = osa.release;
  const candidates: Array<[string | null | undefined, string]> = [
    [rel?.release, `${rel?.path ?? '/etc/openstack-release'} DISTRIB_RELEASE`],
    [osa.venvs ? venvVersion(osa.venvs) : null, 'the venv names under /openstack/venvs'],
    [rel?.codename, `${rel?.path ?? '/etc/openstack-release'} DISTRIB_CODENAME`],
  ];
  for (const [text, from] of candidates) {
    if (!text) continue;
    const release = releaseFromVersion(text);
    if (release) return { host, text, release, from };
  }
  return null;
}

/** Hosts grouped by the release their facts give (several groups: the hosts disagree). */
export function releasesOfHosts(
  facts: ReadonlyMap<string, { facts: HostFacts }>,
): Map<string, HostRelease[]> {
  const out = new Map<string, HostRelease[]>();
  for (const [host, f] of facts) {
    const r = hostRelease(host, f.facts);
    if (!r) continue;
    const key = releaseLabel(r.release);
    const g = out.get(key);
    if (g) g.push(r);
    else out.set(key, [r]);
  }
  return out;
}

/**
 * The release of an openstack-ansible checkout, as OSA's tooling finds it: Rocky and before
 * keep it in `openstack_release:` of inventory/group_vars/all/all.yml (osa_toolkit/releasing.py
 * find_release_number); from Stein the wrapper's OSA_VERSION comes from the package version,
 * which pbr computes with `git describe` (scripts/bootstrap-ansible.sh), and a pip install keeps
 * it in the egg-info's PKG-INFO.
 */
export function releaseFromCheckout(dir: string): { release: Release; detail: string } | null {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
  for (const rel of ['inventory/group_vars/all/all.yml', 'playbooks/inventory/group_vars/all.yml']) {
    const file = join(dir, rel);
    if (!existsSync(file)) continue;
    const m = readFileSync(file, 'utf8').match(/^openstack_release:\s*["']?(\d+\.\d+\.\d+)["']?\s*$/m);
    const release = m ? releaseFromVersion(m[1]!) : null;
    if (release) return { release, detail: `openstack_release ${m![1]} in ${file}` };
  }
  if (existsSync(join(dir, '.git'))) {
    try {
      const tag = execFileSync('git', ['-C', dir, 'describe', '--tags', '--abbrev=0'], {
        encoding: 'utf8',
        timeout: 5000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      const release = releaseFromVersion(tag);
      if (release) return { release, detail: `git describe --tags in ${dir}: ${tag}` };
    } catch {
      // No git, or no tag: try the stored version below.
    }
  }
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.egg-info')) continue;
    const file = join(dir, name, 'PKG-INFO');
    if (!existsSync(file)) continue;
    const m = readFileSync(file, 'utf8').match(/^Version:\s*(\S+)\s*$/m);
    const release = m ? releaseFromVersion(m[1]!) : null;
    if (release) return { release, detail: `Version ${m![1]} in ${file}` };
  }
  return null;
}

export const RELEASE_HOW_TO_SET =
  'give --release (e.g. --release rocky or --release 27.4.1), or pass host facts collected with collect.sh 3 or later (--facts), which carry /etc/openstack-release';

/**
 * The release to model: --release, else the hosts' facts (the release most hosts run when they
 * disagree: that disagreement is a finding of its own), else the checkout, else the newest.
 */
export function chooseRelease(
  option: Release | null,
  facts: ReadonlyMap<string, { facts: HostFacts }>,
  checkoutDir: string | null,
): ReleaseChoice {
  if (option) return { release: option, source: 'option', detail: '--release' };
  const groups = [...releasesOfHosts(facts).values()].sort((a, b) => b.length - a.length);
  if (groups.length > 0) {
    const g = groups[0]!;
    const from = [...new Set(g.map((r) => r.from))].join(', ');
    return {
      release: g[0]!.release,
      source: 'facts',
      detail: `${from} on ${g.map((r) => r.host).join(', ')}${groups.length > 1 ? ' (other hosts disagree: SRIOV-FACTS-004)' : ''}`,
    };
  }
  if (checkoutDir) {
    const c = releaseFromCheckout(checkoutDir);
    if (c) return { release: c.release, source: 'checkout', detail: c.detail };
  }
  return {
    release: NEWEST_RELEASE,
    source: 'assumed',
    detail: `nothing tells the release (no --release, no /etc/openstack-release in the facts, no openstack-ansible checkout at ${checkoutDir ?? '/opt/openstack-ansible'}): the newest, ${releaseLabel(NEWEST_RELEASE)}, is assumed; ${RELEASE_HOW_TO_SET}`,
  };
}
