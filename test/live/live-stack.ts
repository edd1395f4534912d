// Finds ../shared/live-openstack's stack (real Keystone, Neutron and, in tier C, Nova on
// 127.0.0.1). The live tests skip with how to start it, except in CI, where they must run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, SHARED } from '../helpers.js';

export const LIVE_ROOT = process.env.LIVEOS_ROOT ?? '/tmp/liveos-root';
export const LIVE_OUT = process.env.LIVEOS_OUT ?? join(LIVE_ROOT, 'out');
export const LIVE_CLOUDS = join(LIVE_OUT, 'clouds.yaml');
/** The admin cloud the setup script writes. */
export const LIVE_CLOUD = 'live-admin';
const ENABLE = 'start it with `sudo LIVEOS_NOVA=1 ../shared/live-openstack/setup all`';

interface Probe {
  keystone: string | null;
  compute: boolean;
}

let probed: Probe | null = null;

/**
 * Asks Keystone for a token with the stack's clouds.yaml, in a child process so the test files
 * can decide to skip synchronously, before declaring their suites.
 */
function probe(): Probe {
  if (probed) return probed;
  // A plain clone (no ../shared beside it) is the repository alone: it does not use a stack
  // that happens to run on the machine, which it could neither start nor know.
  if (!existsSync(join(SHARED, 'live-openstack'))) {
    probed = {
      keystone: `no ${join(SHARED, 'live-openstack')}: the live-cloud tests need the shared material beside the repository; put it there, then ${ENABLE}`,
      compute: false,
    };
    return probed;
  }
  if (!existsSync(LIVE_CLOUDS)) {
    probed = {
      keystone: `no ${LIVE_CLOUDS}: the live OpenStack stack is not running; ${ENABLE}`,
      compute: false,
    };
    return probed;
  }
  const script = `
    const yaml = require('yaml');
    const c = yaml.parse(require('fs').readFileSync(${JSON.stringify(LIVE_CLOUDS)}, 'utf8')).clouds[${JSON.stringify(LIVE_CLOUD)}];
    const a = c.auth;
    const body = { auth: { identity: { methods: ['password'], password: { user: { name: a.username,
      domain: { name: a.user_domain_name }, password: a.password } } },
      scope: { project: { name: a.project_name, domain: { name: a.project_domain_name } } } } };
    fetch(a.auth_url.replace(/\\/v3\\/?$/, '') + '/v3/auth/tokens', { method: 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      signal: AbortSignal.timeout(8000) })
      .then(async (r) => {
        if (r.status !== 201) { console.log(JSON.stringify({ error: 'Keystone answered HTTP ' + r.status })); return; }
        const t = (await r.json()).token;
        console.log(JSON.stringify({ compute: t.catalog.some((s) => s.type === 'compute') }));
      })
      .catch((e) => console.log(JSON.stringify({ error: String(e.cause?.code ?? e.message) })));`;
  // cwd: the repository, where require('yaml') finds the project's copy.
  const r = spawnSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8', timeout: 15_000 });
  let out: { error?: string; compute?: boolean } = {};
  try {
    out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as typeof out;
  } catch {
    out = { error: (r.stderr || 'no answer').trim().split('\n').pop() ?? 'no answer' };
  }
  probed = out.error
    ? { keystone: `Keystone of the live stack does not answer (${out.error}); ${ENABLE}`, compute: false }
    : { keystone: null, compute: out.compute === true };
  return probed;
}

/** Why the live tests (Keystone + Neutron, tier B) cannot run here, or null when they can. */
export function liveUnavailable(): string | null {
  return probe().keystone;
}

/** Why the Nova tests (tier C) cannot run here, or null when they can. */
export function novaUnavailable(): string | null {
  const p = probe();
  if (p.keystone) return p.keystone;
  return p.compute
    ? null
    : `the live stack runs without Nova (tier B); restart it with LIVEOS_NOVA=1 to run the Nova tests`;
}

/**
 * The skip value for a live suite: false when it can run, else the reason. In CI an unavailable
 * stack is a failure, not a skip: .ci/run starts it, so its absence is a broken pipeline.
 */
export function liveSkip(why: string | null): string | false {
  if (why && process.env.CI) throw new Error(`CI must run the live OpenStack tests: ${why}`);
  return why ?? false;
}

/** An environment with nothing of the caller's OS_* settings, pointing at the stack's clouds.yaml. */
export function liveEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: '/nonexistent', OS_CLIENT_CONFIG_FILE: LIVE_CLOUDS, ...extra };
}
