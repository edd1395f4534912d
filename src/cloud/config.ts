// Where the credentials come from, as the `openstack` client finds them (openstacksdk's config
// loader): a cloud named by --os-cloud or OS_CLOUD in clouds.yaml, with secure.yaml merged in
// (so passwords can live in a separate file); otherwise the OS_* variables of an openrc. The
// result names its source in the vocabulary of that source (`auth.password` in clouds.yaml,
// OS_PASSWORD in the environment), so an error says exactly what to add where.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseYaml, toPlain, YamlError } from '../osa/pyyaml.js';
import { CloudError } from './http.js';

export type Interface = 'public' | 'internal' | 'admin';

/** What the command line sets; it overrides clouds.yaml and the environment. */
export interface CliCloudSettings {
  cloud?: string;
  insecure?: boolean;
  cacert?: string;
  region?: string;
  interface?: Interface;
}

export type IdOrName = { id: string } | { name: string };

export type AuthMethod =
  | { kind: 'password'; user: IdOrName; userDomain: IdOrName | null; password: string }
  | {
      kind: 'application_credential';
      credential: IdOrName;
      /** Needed with a credential name (names are unique per user only). */
      user: IdOrName | null;
      userDomain: IdOrName | null;
      secret: string;
    }
  | { kind: 'token'; token: string };

/** A project by id or by name in its domain, or the whole system (`system_scope: all`). */
export type ProjectScope = { id: string } | { name: string; domain: IdOrName } | { system: 'all' };

export interface ResolvedCloud {
  /** The clouds.yaml name, null for the environment. */
  name: string | null;
  /** For messages: `clouds.yaml /path (cloud "x")` or `the OS_* environment`. */
  source: string;
  /** How to name a setting in that source: key('password') → `auth.password` or `OS_PASSWORD`. */
  key: (name: string) => string;
  authUrl: string;
  method: AuthMethod;
  /** null with an application credential (bound to its project) or a token used as it is. */
  project: ProjectScope | null;
  region: string | null;
  interface: Interface;
  verify: boolean;
  cacert: string | null;
  /** Every secret of this configuration, for redaction. */
  secrets: string[];
}

// clouds.yaml values as PyYAML reads them: `password: 123456` is an int, `project_id: 0e12` a float.
const str = z.union([z.string(), z.number()]).transform(String);
const bool = z.union(
  [
    z.boolean(),
    z
      .string()
      .regex(/^(true|false|yes|no|1|0|on|off)$/i)
      .transform((s) => /^(true|yes|1|on)$/i.test(s)),
  ],
  'expected true or false',
);

const AUTH_KEYS = [
  'auth_url',
  'username',
  'user_id',
  'password',
  'project_name',
  'project_id',
  'tenant_name',
  'tenant_id',
  'user_domain_name',
  'user_domain_id',
  'project_domain_name',
  'project_domain_id',
  'domain_name',
  'domain_id',
  'default_domain_name',
  'default_domain_id',
  'application_credential_id',
  'application_credential_name',
  'application_credential_secret',
  'token',
  'system_scope',
] as const;
type AuthKey = (typeof AUTH_KEYS)[number];
type AuthValues = Partial<Record<AuthKey, string>>;

const AuthSchema = z.object(Object.fromEntries(AUTH_KEYS.map((k) => [k, str.optional()]))).loose();

const CloudSchema = z
  .object({
    auth: AuthSchema.optional(),
    auth_type: z.string().optional(),
    region_name: str.optional(),
    regions: z.array(z.union([str, z.object({ name: str }).loose()])).optional(),
    interface: z.string().optional(),
    endpoint_type: z.string().optional(),
    verify: z.union([bool, z.string()]).optional(),
    insecure: bool.optional(),
    cacert: z.string().optional(),
    identity_api_version: str.optional(),
    profile: z.string().optional(),
    cloud: z.string().optional(),
  })
  .loose();
type CloudEntry = z.infer<typeof CloudSchema>;

const CloudsFileSchema = z.object({ clouds: z.record(z.string(), z.unknown()).optional() }).loose();

const EnvSchema = z
  .object({
    OS_AUTH_TYPE: z.string(),
    OS_INTERFACE: z.string(),
    OS_ENDPOINT_TYPE: z.string(),
    OS_REGION_NAME: z.string(),
    OS_CACERT: z.string(),
    OS_INSECURE: bool,
    OS_IDENTITY_API_VERSION: z.string(),
  })
  .partial();

const ENV_AUTH: Record<AuthKey, string> = Object.fromEntries(
  AUTH_KEYS.map((k) => [k, `OS_${k.toUpperCase()}`]),
) as Record<AuthKey, string>;

export interface ResolveContext {
  cwd?: string;
  home?: string;
}

/** The directories searched for clouds.yaml and secure.yaml, in openstacksdk's order. */
export function configDirs(env: NodeJS.ProcessEnv, ctx: ResolveContext = {}): string[] {
  const home = ctx.home ?? env.HOME ?? homedir();
  const xdg = env.XDG_CONFIG_HOME || join(home, '.config');
  return [resolve(ctx.cwd ?? process.cwd()), join(xdg, 'openstack'), '/etc/xdg/openstack', '/etc/openstack'];
}

function findFile(
  base: string,
  override: string | undefined,
  env: NodeJS.ProcessEnv,
  ctx: ResolveContext,
): string | null {
  if (override) return resolve(ctx.cwd ?? process.cwd(), override);
  for (const dir of configDirs(env, ctx)) {
    for (const ext of ['yaml', 'yml']) {
      const p = join(dir, `${base}.${ext}`);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

function readYamlFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CloudError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      what === 'clouds.yaml'
        ? 'check OS_CLIENT_CONFIG_FILE and the file’s permissions'
        : 'check OS_CLIENT_SECURE_FILE and the file’s permissions',
    );
  }
  let data: unknown;
  try {
    data = toPlain(parseYaml(text, path));
  } catch (e) {
    if (e instanceof YamlError)
      throw new CloudError(`not valid YAML: ${e.message}`, 'fix the YAML syntax', e.location, e.code);
    throw e;
  }
  const parsed = CloudsFileSchema.safeParse(data ?? {});
  if (!parsed.success)
    throw new CloudError(
      `${path}: ${what} must be a mapping with a "clouds:" key`,
      'see docs/cloud-connect.md',
    );
  return (parsed.data.clouds ?? {}) as Record<string, unknown>;
}

/** a deep merge of plain objects, b winning: how secure.yaml is laid over clouds.yaml. */
function merge(a: unknown, b: unknown): unknown {
  if (isObject(a) && isObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
    return out;
  }
  return b === undefined ? a : b;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function issueText(e: z.ZodError): string {
  const i = e.issues[0]!;
  return `${i.path.join('.') || '(top)'}: ${i.message}`;
}

/**
 * The cloud to use: --os-cloud, else OS_CLOUD, from clouds.yaml (+ secure.yaml); else the OS_*
 * environment. CLI settings override both. Throws a CloudError that says what to set.
 */
export function resolveCloud(
  cli: CliCloudSettings,
  env: NodeJS.ProcessEnv = process.env,
  ctx: ResolveContext = {},
): ResolvedCloud {
  const cloudName = cli.cloud ?? (env.OS_CLOUD || undefined);
  const cloudsPath = findFile('clouds', env.OS_CLIENT_CONFIG_FILE, env, ctx);
  // openstacksdk names the environment's cloud "envvars"; --os-cloud envvars selects it.
  if (cloudName && cloudName !== (env.OS_CLOUD_NAME || 'envvars')) {
    return fromCloudsYaml(cloudName, cloudsPath, cli, env, ctx);
  }
  if (env.OS_AUTH_URL || env.OS_TOKEN || env.OS_USERNAME || env.OS_APPLICATION_CREDENTIAL_ID) {
    return fromEnv(cli, env);
  }
  let known = '';
  if (cloudsPath && existsSync(cloudsPath)) {
    const names = Object.keys(readYamlFile(cloudsPath, 'clouds.yaml'));
    // openstacksdk: with exactly one cloud and nothing else said, that cloud is used.
    if (names.length === 1) return fromCloudsYaml(names[0]!, cloudsPath, cli, env, ctx);
    if (names.length) known = ` (${cloudsPath} has: ${names.join(', ')})`;
  }
  throw new CloudError(
    'no cloud credentials: neither --os-cloud, OS_CLOUD nor OS_AUTH_URL is set',
    `name a cloud of clouds.yaml with --os-cloud NAME or OS_CLOUD${known}, or source an openrc that ` +
      'sets OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME and OS_PROJECT_DOMAIN_NAME',
  );
}

function fromCloudsYaml(
  name: string,
  cloudsPath: string | null,
  cli: CliCloudSettings,
  env: NodeJS.ProcessEnv,
  ctx: ResolveContext,
): ResolvedCloud {
  if (!cloudsPath || !existsSync(cloudsPath)) {
    const where = env.OS_CLIENT_CONFIG_FILE
      ? `OS_CLIENT_CONFIG_FILE=${env.OS_CLIENT_CONFIG_FILE} does not exist`
      : `no clouds.yaml in ${configDirs(env, ctx).join(', ')}`;
    throw new CloudError(
      `cloud "${name}" asked for, but ${where}`,
      'write clouds.yaml in one of those directories (or point OS_CLIENT_CONFIG_FILE at it), ' +
        'or unset OS_CLOUD and use the OS_* variables of an openrc',
    );
  }
  const clouds = readYamlFile(cloudsPath, 'clouds.yaml');
  const securePath = findFile('secure', env.OS_CLIENT_SECURE_FILE, env, ctx);
  const secure = securePath && existsSync(securePath) ? readYamlFile(securePath, 'secure.yaml') : {};
  if (!(name in clouds) && !(name in secure)) {
    const names = Object.keys(clouds);
    throw new CloudError(
      `cloud "${name}" is not in ${cloudsPath}`,
      names.length
        ? `the clouds there are: ${names.join(', ')} (choose one with --os-cloud or OS_CLOUD)`
        : 'that file defines no clouds: add one under "clouds:"',
    );
  }
  const raw = merge(clouds[name], secure[name]);
  const source = `${cloudsPath} (cloud "${name}")`;
  const parsed = CloudSchema.safeParse(raw ?? {});
  if (!parsed.success)
    throw new CloudError(
      `${source}: ${issueText(parsed.error)}`,
      `fix clouds.yaml${securePath && secure[name] ? ` or ${securePath}` : ''}`,
    );
  const c = parsed.data;
  const where = securePath && secure[name] ? `clouds.yaml or ${securePath}` : 'clouds.yaml or secure.yaml';
  const key = (k: string) => (k.startsWith('auth.') || !isAuthKey(k) ? k : `auth.${k}`);
  const verify = verifyOf(c);
  return build({
    name,
    source,
    key,
    where,
    auth: (c.auth ?? {}) as AuthValues,
    authType: c.auth_type ?? null,
    region: c.region_name ?? regionOf(c.regions),
    iface: c.interface ?? c.endpoint_type ?? null,
    verify: verify.verify,
    cacert: c.cacert ?? verify.cacert,
    identityApiVersion: c.identity_api_version ?? null,
    profile: c.profile ?? c.cloud ?? null,
    cli,
  });
}

function isAuthKey(k: string): k is AuthKey {
  return (AUTH_KEYS as readonly string[]).includes(k);
}

function regionOf(regions: CloudEntry['regions']): string | null {
  const first = regions?.[0];
  if (first === undefined) return null;
  return typeof first === 'string' ? first : first.name;
}

function verifyOf(c: CloudEntry): { verify: boolean; cacert: string | null } {
  // keystoneauth: `verify` may be a CA path; the legacy `insecure: true` means verify false.
  if (typeof c.verify === 'string') return { verify: true, cacert: c.verify };
  if (c.verify !== undefined) return { verify: c.verify, cacert: null };
  return { verify: !(c.insecure ?? false), cacert: null };
}

function fromEnv(cli: CliCloudSettings, env: NodeJS.ProcessEnv): ResolvedCloud {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('OS_') && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new CloudError(`${String(i.path[0])}: ${i.message}`, 'fix that variable (or unset it)');
  }
  const e = parsed.data;
  const auth: AuthValues = {};
  for (const k of AUTH_KEYS) {
    const v = env[ENV_AUTH[k]];
    if (v) auth[k] = v;
  }
  return build({
    name: null,
    source: 'the OS_* environment',
    key: (k) => `OS_${k.replace(/^auth\./, '').toUpperCase()}`,
    where: 'the environment (your openrc)',
    auth,
    authType: e.OS_AUTH_TYPE ?? null,
    region: e.OS_REGION_NAME ?? null,
    iface: e.OS_INTERFACE ?? e.OS_ENDPOINT_TYPE ?? null,
    verify: !(e.OS_INSECURE ?? false),
    cacert: e.OS_CACERT ?? null,
    identityApiVersion: e.OS_IDENTITY_API_VERSION ?? null,
    profile: null,
    cli,
  });
}

interface Raw {
  name: string | null;
  source: string;
  key: (name: string) => string;
  /** Where to add a missing setting, for hints. */
  where: string;
  auth: AuthValues;
  authType: string | null;
  region: string | null;
  iface: string | null;
  verify: boolean;
  cacert: string | null;
  identityApiVersion: string | null;
  profile: string | null;
  cli: CliCloudSettings;
}

const AUTH_TYPES: Record<string, AuthMethod['kind']> = {
  password: 'password',
  v3password: 'password',
  v3applicationcredential: 'application_credential',
  applicationcredential: 'application_credential',
  v3token: 'token',
  token: 'token',
};

function idOrName(id: string | undefined, name: string | undefined): IdOrName | null {
  if (id) return { id };
  if (name) return { name };
  return null;
}

/** Turns settings from either source into what Keystone needs, refusing what cannot work. */
function build(r: Raw): ResolvedCloud {
  const a = r.auth;
  const missing = (what: string, keys: string[]) =>
    new CloudError(`${r.source}: ${what}`, `set ${keys.map(r.key).join(' or ')} in ${r.where}`);
  if (r.identityApiVersion && /^2/.test(r.identityApiVersion))
    throw new CloudError(
      `${r.source}: identity API version ${r.identityApiVersion} (Keystone v2.0 was removed in Queens)`,
      `use Keystone v3: set ${r.key('identity_api_version')} to 3 and an auth_url ending in /v3`,
    );
  if (!a.auth_url) {
    if (r.profile)
      throw new CloudError(
        `${r.source}: no auth_url, and vendor profiles ("${r.profile}") are not supported`,
        `add ${r.key('auth_url')} (the Keystone URL, like https://keystone.example:5000/v3)`,
      );
    throw missing('no Keystone URL', ['auth_url']);
  }
  const authType = (r.authType ?? inferAuthType(a)).toLowerCase();
  const kind = AUTH_TYPES[authType];
  if (!kind)
    throw new CloudError(
      `${r.source}: auth_type "${authType}" is not supported`,
      'use password, v3applicationcredential or token (an `openstack token issue` id in OS_TOKEN)',
    );
  // domain_name/domain_id on a project-scoped cloud fill the user and project domains
  // (openstacksdk's _handle_domain_id); default_domain_* does the same in keystoneauth.
  const userDomain =
    idOrName(a.user_domain_id, a.user_domain_name) ??
    idOrName(a.domain_id, a.domain_name) ??
    idOrName(a.default_domain_id, a.default_domain_name);
  const projectDomain =
    idOrName(a.project_domain_id, a.project_domain_name) ??
    idOrName(a.domain_id, a.domain_name) ??
    idOrName(a.default_domain_id, a.default_domain_name);
  const projectId = a.project_id ?? a.tenant_id;
  const projectName = a.project_name ?? a.tenant_name;
  let project: ProjectScope | null = null;
  if (projectId) project = { id: projectId };
  // OSA's clouds.yaml has a `default_system_scope` cloud (openrc_system_scope: true).
  else if (!projectName && a.system_scope) {
    if (a.system_scope !== 'all')
      throw new CloudError(
        `${r.source}: system_scope "${a.system_scope}" (Keystone knows only "all")`,
        `set ${r.key('system_scope')} to all, or give a project`,
      );
    project = { system: 'all' };
  } else if (projectName) {
    if (!projectDomain)
      throw missing(`project "${projectName}" is given by name without its domain`, [
        'project_domain_name',
        'project_domain_id',
      ]);
    project = { name: projectName, domain: projectDomain };
  }

  let method: AuthMethod;
  const secrets: string[] = [];
  if (kind === 'password') {
    const user = idOrName(a.user_id, a.username);
    if (!user) throw missing('no user for password authentication', ['username', 'user_id']);
    if (!a.password) throw missing('no password', ['password']);
    if ('name' in user && !userDomain)
      throw missing(`user "${user.name}" is given by name without its domain`, [
        'user_domain_name',
        'user_domain_id',
      ]);
    if (!project)
      throw missing('no project to scope to (osa-sriov reads the catalog of a scoped token)', [
        'project_name',
        'project_id',
        'system_scope',
      ]);
    method = { kind, user, userDomain: 'name' in user ? userDomain : null, password: a.password };
    secrets.push(a.password);
  } else if (kind === 'application_credential') {
    const credential = idOrName(a.application_credential_id, a.application_credential_name);
    if (!credential)
      throw missing('no application credential', [
        'application_credential_id',
        'application_credential_name',
      ]);
    if (!a.application_credential_secret)
      throw missing('no application credential secret', ['application_credential_secret']);
    const user = idOrName(a.user_id, a.username);
    if ('name' in credential && !user)
      throw missing(`application credential "${credential.name}" is given by name without its user`, [
        'username',
        'user_id',
      ]);
    if (user && 'name' in user && !userDomain)
      throw missing(`user "${user.name}" is given by name without its domain`, [
        'user_domain_name',
        'user_domain_id',
      ]);
    // The credential carries its project: Keystone refuses a scope next to it.
    project = null;
    method = {
      kind,
      credential,
      user: 'name' in credential ? user : null,
      userDomain: user && 'name' in user ? userDomain : null,
      secret: a.application_credential_secret,
    };
    secrets.push(a.application_credential_secret);
  } else {
    if (!a.token) throw missing('no token', ['token']);
    method = { kind, token: a.token };
    secrets.push(a.token);
  }

  const ifaceRaw = r.cli.interface ?? r.iface ?? 'public';
  // The old endpoint_type values are publicURL/internalURL/adminURL.
  const iface = ifaceRaw.replace(/URL$/, '').toLowerCase();
  if (iface !== 'public' && iface !== 'internal' && iface !== 'admin')
    throw new CloudError(
      `${r.source}: interface "${ifaceRaw}" is not public, internal or admin`,
      `fix ${r.key('interface')} or give --os-interface`,
    );
  const insecure = r.cli.insecure === true;
  return {
    name: r.name,
    source: r.source,
    key: r.key,
    authUrl: a.auth_url,
    method,
    project,
    region: r.cli.region ?? r.region,
    interface: iface,
    verify: insecure ? false : r.verify,
    cacert: r.cli.cacert ?? r.cacert,
    secrets,
  };
}

function inferAuthType(a: AuthValues): string {
  if (a.application_credential_secret) return 'v3applicationcredential';
  if (a.token && !a.password) return 'token';
  return 'password';
}
