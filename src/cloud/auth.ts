// Keystone v3 authentication: password, application credential and token, scoped to the
// project, and the service catalog of the answer. Keystone hides why a scoped request fails (a
// wrong password and a project without a role on it are both "The request you have made requires
// authentication."), so a password is first checked unscoped and the token then rescoped: each
// step that fails says exactly which part is wrong, and a wrong password is tried only once
// (Keystone's lockout_failure_attempts counts every try).
import { z } from 'zod';
import type { IdOrName, Interface, ProjectScope, ResolvedCloud } from './config.js';
import { apiMessage, CloudError, type HttpResponse, type Transport } from './http.js';

const Ref = z.object({ id: z.string(), name: z.string().optional().default('') }).loose();

const EndpointSchema = z
  .object({
    interface: z.string(),
    url: z.string(),
    region_id: z.string().nullable().optional(),
    region: z.string().nullable().optional(),
  })
  .loose();

const CatalogSchema = z.array(
  z
    .object({
      type: z.string(),
      name: z.string().optional().default(''),
      endpoints: z.array(EndpointSchema).default([]),
    })
    .loose(),
);

const TokenBodySchema = z.object({
  token: z
    .object({
      expires_at: z.string().optional(),
      user: Ref.extend({ domain: Ref.optional() }),
      project: Ref.extend({ domain: Ref.optional() }).optional(),
      system: z.record(z.string(), z.unknown()).optional(),
      roles: z.array(Ref).optional().default([]),
      catalog: CatalogSchema.optional(),
    })
    .loose(),
});

export type Catalog = z.infer<typeof CatalogSchema>;

export interface Token {
  /** The X-Subject-Token: never printed. */
  id: string;
  expiresAt: string | null;
  user: { id: string; name: string; domain: string | null };
  project: { id: string; name: string; domainId: string | null; domainName: string | null } | null;
  /** A system-scoped token (`system_scope: all`). */
  system: boolean;
  roles: string[];
  catalog: Catalog;
}

/** The Keystone v3 base URL: auth_url with or without /v3 (the old /v2.0 path is read as v3). */
export function identityBase(authUrl: string): string {
  const u = authUrl.replace(/\/+$/, '');
  if (/\/v3$/.test(u)) return u;
  // Keystone v2.0 was removed in Queens; old openrcs still carry /v2.0 and v3 sits beside it.
  if (/\/v2\.0$/.test(u)) return `${u.slice(0, -5)}/v3`;
  return `${u}/v3`;
}

const ref = (x: IdOrName) => ('id' in x ? { id: x.id } : { name: x.name });
const describe = (x: IdOrName | null) => (x === null ? '' : 'id' in x ? x.id : x.name);

function userLabel(cloud: ResolvedCloud): string {
  const m = cloud.method;
  if (m.kind === 'password') {
    const d = m.userDomain ? ` (domain ${describe(m.userDomain)})` : '';
    return `user "${describe(m.user)}"${d}`;
  }
  if (m.kind === 'application_credential') return `application credential "${describe(m.credential)}"`;
  return 'the token';
}

function projectLabel(p: ProjectScope): string {
  if ('system' in p) return 'the system scope';
  return 'id' in p ? `project id ${p.id}` : `project "${p.name}" (domain ${describe(p.domain)})`;
}

function scopeOf(p: ProjectScope) {
  if ('system' in p) return { system: { all: true } };
  return { project: 'id' in p ? { id: p.id } : { name: p.name, domain: ref(p.domain) } };
}

/** Authenticates as the cloud says and returns the scoped token with its catalog. */
export async function authenticate(cloud: ResolvedCloud, transport: Transport): Promise<Token> {
  const base = identityBase(cloud.authUrl);
  const m = cloud.method;
  if (m.kind === 'application_credential') {
    const credential: Record<string, unknown> = { ...ref(m.credential), secret: m.secret };
    if (m.user) credential.user = { ...ref(m.user), ...(m.userDomain ? { domain: ref(m.userDomain) } : {}) };
    const res = await issue(transport, base, {
      identity: { methods: ['application_credential'], application_credential: credential },
    });
    if (res.status === 401 || res.status === 404)
      throw new CloudError(
        `authentication failed for ${userLabel(cloud)} at ${base}: ${apiMessage(res.text)}`,
        `the credential may be deleted or expired, or its secret wrong: check ${cloud.key('application_credential_secret')} ` +
          `in ${cloud.source} against \`openstack application credential show\``,
      );
    return token(cloud, base, res, transport);
  }

  if (m.kind === 'token') {
    if (!cloud.project) return validateOwn(cloud, base, m.token, transport);
    const res = await issue(transport, base, {
      identity: { methods: ['token'], token: { id: m.token } },
      scope: scopeOf(cloud.project),
    });
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      // Tell an expired or revoked token from a project the token's user cannot use.
      await validateOwn(cloud, base, m.token, transport);
      throw projectRefused(cloud, base, cloud.project, res);
    }
    return token(cloud, base, res, transport);
  }

  const user = {
    ...ref(m.user),
    ...(m.userDomain ? { domain: ref(m.userDomain) } : {}),
    password: m.password,
  };
  const project = cloud.project!;
  const first = await issue(transport, base, { identity: { methods: ['password'], password: { user } } });
  if (first.status === 401)
    throw new CloudError(
      `authentication failed for ${userLabel(cloud)} at ${base}: ${apiMessage(first.text)}`,
      `check ${cloud.key('username')}, ${cloud.key('password')} and ${cloud.key('user_domain_name')} in ${cloud.source}`,
    );
  const unscoped = token(cloud, base, first, transport);
  // A user with a default project gets it without asking: no second request when it is ours.
  if (unscoped.project && sameProject(unscoped.project, project)) return unscoped;
  const wasScoped = unscoped.project !== null || unscoped.system;
  const res = await issue(transport, base, {
    identity: { methods: ['token'], token: { id: unscoped.id } },
    scope: scopeOf(project),
  });
  if (res.status === 403 && wasScoped) {
    // [token] allow_rescope_scoped_token = false: ask for the project with the password itself.
    const direct = await issue(transport, base, {
      identity: { methods: ['password'], password: { user } },
      scope: scopeOf(project),
    });
    if (direct.status === 401 || direct.status === 403) throw projectRefused(cloud, base, project, direct);
    return token(cloud, base, direct, transport);
  }
  if (res.status === 401 || res.status === 403 || res.status === 404)
    throw projectRefused(cloud, base, project, res);
  return token(cloud, base, res, transport);
}

function sameProject(p: NonNullable<Token['project']>, want: ProjectScope): boolean {
  if ('system' in want) return false;
  if ('id' in want) return p.id === want.id;
  if (p.name !== want.name) return false;
  return 'id' in want.domain ? p.domainId === want.domain.id : p.domainName === want.domain.name;
}

function projectRefused(cloud: ResolvedCloud, base: string, p: ProjectScope, res: HttpResponse): CloudError {
  return new CloudError(
    `${userLabel(cloud)} cannot use ${projectLabel(p)} at ${base}: ` +
      `${'system' in p ? 'the user has no role on the system' : 'the project does not exist, or the user has no role on it'} ` +
      `(Keystone: ${apiMessage(res.text)})`,
    `check ${cloud.key('project_name')} or ${cloud.key('project_id')} and ${cloud.key('project_domain_name')} ` +
      `in ${cloud.source}; \`openstack role assignment list --user USER --names\` lists the user's projects`,
  );
}

/** Validates a token with itself (GET /v3/auth/tokens): its catalog, or why it is refused. */
async function validateOwn(
  cloud: ResolvedCloud,
  base: string,
  id: string,
  transport: Transport,
): Promise<Token> {
  const res = await transport.request({
    method: 'GET',
    url: `${base}/auth/tokens`,
    headers: { 'X-Auth-Token': id, 'X-Subject-Token': id },
  });
  if (res.status === 401 || res.status === 404)
    throw new CloudError(
      `the token in ${cloud.source} was refused by ${base}: it has expired or was revoked (${apiMessage(res.text)})`,
      `issue a new one (\`openstack token issue\`) and set ${cloud.key('token')}, or use password or application credential authentication`,
    );
  const t = token(cloud, base, res, transport, id);
  if (!t.project && !t.system)
    throw new CloudError(
      `the token in ${cloud.source} is not scoped to a project, so it has no service catalog`,
      `set ${cloud.key('project_name')} (with ${cloud.key('project_domain_name')}) or ${cloud.key('project_id')}`,
    );
  return t;
}

async function issue(
  transport: Transport,
  base: string,
  auth: Record<string, unknown>,
): Promise<HttpResponse> {
  // Asking for a token twice is harmless, so a reset or a 503 is retried like a GET.
  const res = await transport.request({
    method: 'POST',
    url: `${base}/auth/tokens`,
    body: { auth },
    retryable: true,
  });
  // Keystone's own 404 ("Could not find token") has its JSON error body; a missing API has not.
  if (res.status === 404 && !isKeystoneError(res.text))
    throw new CloudError(
      `no Keystone v3 API at ${base} (HTTP 404 for /auth/tokens)`,
      'auth_url (OS_AUTH_URL) must be the Keystone URL, like https://keystone.example:5000/v3',
    );
  if (res.status === 400)
    throw new CloudError(
      `Keystone at ${base} refused the authentication request: ${apiMessage(res.text)}`,
      'check the auth settings (user and project domains, ids against names)',
    );
  if (res.status >= 500)
    throw new CloudError(
      `Keystone at ${base} failed: HTTP ${res.status} ${apiMessage(res.text)}`,
      'Keystone itself is failing: check its logs (on OSA, the keystone containers)',
    );
  return res;
}

function isKeystoneError(text: string): boolean {
  try {
    const j = JSON.parse(text) as { error?: { code?: unknown } } | null;
    return typeof j?.error?.code === 'number';
  } catch {
    return false;
  }
}

function token(
  cloud: ResolvedCloud,
  base: string,
  res: HttpResponse,
  transport: Transport,
  knownId?: string,
): Token {
  if (res.status === 401 || res.status === 403)
    throw new CloudError(
      `authentication failed for ${userLabel(cloud)} at ${base}: ${apiMessage(res.text)}`,
      `check the credentials in ${cloud.source}`,
    );
  const id = knownId ?? headerOf(res, 'x-subject-token');
  if (res.status < 200 || res.status >= 300 || !id)
    throw new CloudError(
      `Keystone at ${base} answered HTTP ${res.status} without a token: ${apiMessage(res.text)}`,
      'check that auth_url is the Keystone v3 URL (not a proxy page or another service)',
    );
  transport.redactor.add(id);
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    json = null;
  }
  const parsed = TokenBodySchema.safeParse(json);
  if (!parsed.success)
    throw new CloudError(
      `Keystone at ${base} answered a token osa-sriov cannot read (${parsed.error.issues[0]?.path.join('.')}: ` +
        `${parsed.error.issues[0]?.message})`,
      'check that auth_url is the Keystone v3 URL',
    );
  const t = parsed.data.token;
  return {
    id,
    expiresAt: t.expires_at ?? null,
    user: { id: t.user.id, name: t.user.name, domain: t.user.domain?.id ?? null },
    project: t.project
      ? {
          id: t.project.id,
          name: t.project.name,
          domainId: t.project.domain?.id ?? null,
          domainName: t.project.domain?.name ?? null,
        }
      : null,
    system: t.system?.all === true,
    roles: t.roles.map((r) => r.name),
    catalog: t.catalog ?? [],
  };
}

function headerOf(res: HttpResponse, name: string): string | null {
  const v = res.headers[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

/**
 * The URL of a service from the catalog, for an interface and region; null when the catalog has
 * no such service. A service that exists only elsewhere is an error naming what is there, since
 * reading it as absent would hide a wrong --os-interface or --os-region-name.
 */
export function selectEndpoint(
  catalog: Catalog,
  serviceType: string,
  iface: Interface,
  region: string | null,
): string | null {
  const services = catalog.filter((s) => s.type === serviceType);
  if (services.length === 0) return null;
  const all = services.flatMap((s) => s.endpoints);
  const regionOf = (e: (typeof all)[number]) => e.region_id ?? e.region ?? null;
  const hit = all.find((e) => e.interface === iface && (region === null || regionOf(e) === region));
  if (hit) return hit.url.replace(/\/+$/, '');
  const have = [...new Set(all.map((e) => `${e.interface}/${regionOf(e) ?? '-'}`))].join(', ');
  throw new CloudError(
    `the catalog has no ${iface} ${serviceType} endpoint${region ? ` in region ${region}` : ''} (it has: ${have || 'none'})`,
    'choose one that exists with --os-interface and --os-region-name (or interface and region_name in clouds.yaml)',
  );
}
