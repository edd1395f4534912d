// The live-cloud client: connect (credentials → Keystone token → catalog), read the Neutron and
// Nova resources SR-IOV troubleshooting needs, and validate every answer at this boundary, so
// doctor, vf-map and capacity work on plain data (src/cloud/types.ts).

import type { ZodType } from 'zod';
import { InputError } from '../errors.js';
import { jsonLoads } from '../python.js';
import { MAX_BYTES, readRegularFile } from '../read-input.js';
import { escapeControls } from '../report/style.js';
import { authenticate, selectEndpoint, type Token } from './auth.js';
import { type Interface, type ResolvedCloud, resolveCloud } from './config.js';
import { apiMessage, CloudError, Redactor, Transport } from './http.js';
import {
  AgentSchema,
  type CloudSnapshot,
  ComputeServiceSchema,
  NetworkSchema,
  PortSchema,
  ServerSchema,
} from './types.js';

export { CloudError } from './http.js';

export interface CloudOptions {
  /** A cloud of clouds.yaml (else OS_CLOUD, else the OS_* environment). */
  cloud?: string;
  insecure?: boolean;
  cacert?: string;
  region?: string;
  interface?: 'public' | 'internal' | 'admin';
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt of a failed request (default 3). */
  retries?: number;
  /** First backoff delay, doubled at each retry (default 500 ms). */
  retryDelayMs?: number;
  /** Where the one-line --insecure warning goes (default stderr). */
  warn?: (line: string) => void;
}

export interface RequestOptions {
  microversion?: string;
  query?: Record<string, string>;
}

export interface ListOptions extends RequestOptions {
  pageSize?: number;
}

/** Who we are connected as, for report headers; no secrets. */
export interface SessionInfo {
  cloud: string | null;
  source: string;
  authUrl: string;
  userId: string;
  userName: string;
  projectId: string | null;
  projectName: string | null;
  /** A system-scoped token (`system_scope: all`): no project. */
  systemScope: boolean;
  roles: string[];
  region: string | null;
  interface: Interface;
}

export interface CloudSession {
  readonly info: SessionInfo;
  /** base URL of a service from the catalog, null when absent */
  endpoint(serviceType: string): string | null;
  /** GET returning parsed JSON (validated by the caller) */
  get(serviceType: string, path: string, opts?: RequestOptions): Promise<unknown>;
  /** all items of a paginated list, following the `<key>_links` next links */
  list(serviceType: string, path: string, key: string, opts?: ListOptions): Promise<unknown[]>;
  post(serviceType: string, path: string, body: unknown, opts?: RequestOptions): Promise<unknown>;
  /** PUT without a body (Neutron's /tags/{tag}); verify is the only writer. */
  put(serviceType: string, path: string, opts?: RequestOptions): Promise<unknown>;
  delete(serviceType: string, path: string, opts?: RequestOptions): Promise<void>;
  /** Drops idle connections (the process exits without it too). */
  close(): void;
}

const SERVICE_NAMES: Record<string, string> = {
  network: 'Neutron',
  compute: 'Nova',
  identity: 'Keystone',
  image: 'Glance',
  placement: 'Placement',
};

const serviceName = (t: string) => SERVICE_NAMES[t] ?? `the ${t} service`;

/** Nova reads microversions from both headers depending on its age; other services from the second. */
function microversionHeaders(serviceType: string, v: string | undefined): Record<string, string> {
  if (!v) return {};
  const h: Record<string, string> = { 'OpenStack-API-Version': `${serviceType} ${v}` };
  if (serviceType === 'compute') h['X-OpenStack-Nova-API-Version'] = v;
  return h;
}

/** base + path, without doubling a version segment both carry (a catalog URL ending in /v2.0). */
export function joinUrl(base: string, path: string, query?: Record<string, string>): string {
  const b = base.replace(/\/+$/, '');
  let p = path.startsWith('/') ? path : `/${path}`;
  const last = b.slice(b.lastIndexOf('/'));
  if (/^\/v\d+(\.\d+)?$/.test(last) && (p === last || p.startsWith(`${last}/`) || p.startsWith(`${last}?`)))
    p = p.slice(last.length);
  const u = new URL(b + p);
  for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
  return u.toString();
}

function hintFor(status: number, service: string, microversion: string | undefined): string {
  if (status === 401) return 'the token was refused: check the credentials, or run again if it just expired';
  if (status === 403)
    return `${service} refused by policy: reading this needs the admin role; use an admin cloud (or openrc)`;
  if (status === 404) return `not found: the ${service} API or extension may not be enabled on this cloud`;
  if ((status === 406 || status === 400) && microversion)
    return `this ${service} may be older than microversion ${microversion}: check its version`;
  if (status >= 500) return `${service} is failing: check its logs`;
  return 'the request was refused: check the filters and the API version';
}

class Session implements CloudSession {
  readonly info: SessionInfo;

  constructor(
    private readonly cloud: ResolvedCloud,
    private readonly transport: Transport,
    private token: Token,
  ) {
    this.info = {
      cloud: cloud.name,
      source: cloud.source,
      authUrl: cloud.authUrl,
      userId: token.user.id,
      userName: token.user.name,
      projectId: token.project?.id ?? null,
      projectName: token.project?.name ?? null,
      systemScope: token.system,
      roles: token.roles,
      region: cloud.region,
      interface: cloud.interface,
    };
  }

  endpoint(serviceType: string): string | null {
    return selectEndpoint(this.token.catalog, serviceType, this.cloud.interface, this.cloud.region);
  }

  private base(serviceType: string): string {
    const url = this.endpoint(serviceType);
    if (url === null)
      throw new CloudError(
        `the service catalog has no ${serviceType} endpoint (${serviceName(serviceType)})`,
        `check \`openstack catalog list\` for this cloud (${this.cloud.source})`,
      );
    return url;
  }

  private async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    serviceType: string,
    path: string,
    opts: RequestOptions & { body?: unknown } = {},
  ): Promise<unknown> {
    const url = joinUrl(this.base(serviceType), path, opts.query);
    const send = () =>
      this.transport.request({
        method,
        url,
        headers: { 'X-Auth-Token': this.token.id, ...microversionHeaders(serviceType, opts.microversion) },
        ...(opts.body === undefined ? {} : { body: opts.body }),
      });
    let res = await send();
    // A token can expire during a long read: renew it once when the credentials allow it.
    if (res.status === 401 && this.cloud.method.kind !== 'token') {
      try {
        this.token = await authenticate(this.cloud, this.transport);
      } catch (e) {
        throw e instanceof CloudError ? this.transport.redactor.error(e) : e;
      }
      res = await send();
    }
    const service = serviceName(serviceType);
    const shown = new URL(url);
    const where = `${method} ${shown.pathname}${shown.search}`;
    if (res.status < 200 || res.status >= 300)
      throw this.transport.redactor.error(
        new CloudError(
          `${service} ${where}: HTTP ${res.status} ${apiMessage(res.text)}` +
            ((res.attempts ?? 1) > 1 ? ` (${res.attempts} tries)` : ''),
          hintFor(res.status, service, opts.microversion),
        ),
      );
    if (res.text.trim() === '') return null;
    let parsed: unknown;
    try {
      // Bounded nesting: an answer nested deeper than any API's is refused like non-JSON.
      parsed = jsonLoads(res.text);
    } catch {
      throw new CloudError(
        `${service} ${where} answered something that is not JSON: ${this.transport.redactor.redact(apiMessage(res.text))}`,
        'a proxy may be answering instead of the service: check the catalog URL',
      );
    }
    // Names, faults and descriptions may echo a credential: nothing read is kept unredacted.
    return this.transport.redactor.redactValue(parsed);
  }

  get(serviceType: string, path: string, opts: RequestOptions = {}): Promise<unknown> {
    return this.call('GET', serviceType, path, opts);
  }

  post(serviceType: string, path: string, body: unknown, opts: RequestOptions = {}): Promise<unknown> {
    return this.call('POST', serviceType, path, { ...opts, body });
  }

  put(serviceType: string, path: string, opts: RequestOptions = {}): Promise<unknown> {
    return this.call('PUT', serviceType, path, opts);
  }

  async delete(serviceType: string, path: string, opts: RequestOptions = {}): Promise<void> {
    await this.call('DELETE', serviceType, path, opts);
  }

  async list(serviceType: string, path: string, key: string, opts: ListOptions = {}): Promise<unknown[]> {
    const pageSize = opts.pageSize ?? 500;
    let query: Record<string, string> = { ...opts.query, limit: String(pageSize) };
    const out: unknown[] = [];
    // Position of each id in out: an item met again replaces the earlier copy (see below).
    const at = new Map<string, number>();
    const markers = new Map<string, number>();
    const endpoint = `${serviceName(serviceType)} GET ${path}`;
    for (let pages = 1; ; pages++) {
      if (pages > MAX_PAGES)
        throw new CloudError(
          `${endpoint}: still a next page after ${MAX_PAGES} pages of up to ${pageSize} items: the service (or a proxy) keeps handing out new page markers`,
          'check the endpoint in the catalog, and a proxy in front of it that rewrites links',
        );
      const page = await this.get(serviceType, path, { query, microversion: opts.microversion });
      const items = (page as Record<string, unknown> | null)?.[key];
      if (!Array.isArray(items))
        throw new CloudError(
          `${serviceName(serviceType)} GET ${path}: the answer has no "${key}" list`,
          'check that the catalog URL is the service’s API endpoint',
        );
      for (const item of items) {
        // Nova lists a server still being scheduled from the API database and again from its
        // cell once it lands there, so marker paging can return it twice: keep one, the newest.
        const id = (item as { id?: unknown } | null)?.id;
        const seen = typeof id === 'string' ? at.get(id) : undefined;
        if (seen !== undefined) out[seen] = item;
        else {
          if (typeof id === 'string') at.set(id, out.length);
          out.push(item);
        }
      }
      const next = nextLink((page as Record<string, unknown>)[`${key}_links`]);
      if (!next || items.length === 0) break;
      // The link's host may be an internal name; only its query (marker, limit, filters) is used.
      const params = Object.fromEntries(new URL(next, 'http://link.invalid').searchParams);
      const marker = params.marker;
      if (!marker) break;
      // The same marker again is legitimate once in a while: Nova lists a server that is being
      // scheduled from the API database, then from its cell, so the page after it can end on it
      // again (seen on the live stack). A marker that keeps coming back would loop forever (a
      // broken proxy rewriting links): a few repeats are followed, then it is an error.
      const uses = (markers.get(marker) ?? 0) + 1;
      if (uses > MAX_MARKER_REPEATS)
        throw new CloudError(
          `${endpoint}: page ${pages} links back to a page already read (marker ${JSON.stringify(marker.slice(0, 80))}): the list would never end`,
          'check the endpoint in the catalog, and a proxy in front of it that rewrites links',
        );
      markers.set(marker, uses);
      query = { ...query, ...params };
    }
    return out;
  }

  close(): void {
    this.transport.close();
  }
}

/** How many times one page marker may come back before the list is taken for a loop. */
const MAX_MARKER_REPEATS = 3;

/** Pages of one list at most: 500 items a page, a million items, far beyond any cloud we read. */
export const MAX_PAGES = 2_000;

function nextLink(links: unknown): string | null {
  if (!Array.isArray(links)) return null;
  for (const l of links) {
    if (l && typeof l === 'object' && (l as { rel?: unknown }).rel === 'next') {
      const href = (l as { href?: unknown }).href;
      if (typeof href === 'string') return href;
    }
  }
  return null;
}

function readCa(cloud: ResolvedCloud, cli: CloudOptions): string | null {
  if (!cloud.cacert) return null;
  const from = cli.cacert ? '--os-cacert' : `${cloud.key('cacert')} in ${cloud.source}`;
  let pem: string;
  try {
    pem = readRegularFile(cloud.cacert, 'the CA file', MAX_BYTES.text).toString('utf8');
  } catch (e) {
    throw new CloudError(
      `cannot read the CA file ${cloud.cacert} (from ${from}): ${e instanceof InputError ? e.message.replace(/^cannot read the CA file: /, '') : String(e)}`,
      'give the path of a readable PEM file with the CA certificate(s)',
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new CloudError(
      `the CA file ${cloud.cacert} (from ${from}) has no PEM certificate`,
      'give a PEM file (-----BEGIN CERTIFICATE-----); convert DER with `openssl x509 -inform der`',
    );
  return pem;
}

/** Finds the credentials, authenticates and returns a session on the cloud's catalog. */
export async function connect(
  opts: CloudOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CloudSession> {
  const cloud = resolveCloud(
    {
      ...(opts.cloud !== undefined ? { cloud: opts.cloud } : {}),
      ...(opts.insecure ? { insecure: true } : {}),
      ...(opts.cacert !== undefined ? { cacert: opts.cacert } : {}),
      ...(opts.region !== undefined ? { region: opts.region } : {}),
      ...(opts.interface !== undefined ? { interface: opts.interface } : {}),
    },
    env,
  );
  const redactor = new Redactor();
  for (const s of cloud.secrets) redactor.add(s);
  const ca = cloud.verify ? readCa(cloud, opts) : null;
  if (!cloud.verify) {
    const why = opts.insecure
      ? '--insecure'
      : `${cloud.name ? 'verify: false' : 'OS_INSECURE'} in ${cloud.source}`;
    (opts.warn ?? ((l: string) => process.stderr.write(`${escapeControls(l)}\n`)))(
      `osa-sriov: warning: TLS certificates are not verified (${why}): the cloud's identity is not checked`,
    );
  }
  const transport = new Transport({
    ca,
    insecure: !cloud.verify,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
    ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
    redactor,
  });
  try {
    return new Session(cloud, transport, await authenticate(cloud, transport));
  } catch (e) {
    transport.close();
    throw e instanceof CloudError ? redactor.error(e) : e;
  }
}

function validate<T>(items: unknown[], schema: ZodType<T>, what: string, where: string): T[] {
  return items.map((item, i) => {
    const r = schema.safeParse(item);
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    const id = (item as { id?: unknown } | null)?.id;
    throw new CloudError(
      `${where}: ${what} ${typeof id === 'string' || typeof id === 'number' ? String(id) : `#${i + 1}`} ` +
        `is not as expected: ${issue.path.join('.') || '(item)'}: ${issue.message}`,
      `osa-sriov reads the ${what} as the OpenStack API documents it; report this with the item's JSON`,
    );
  });
}

/** Microversion 2.53: service and hypervisor ids are UUIDs (needed to act on them). */
export const NOVA_MICROVERSION = '2.53';

/** Everything doctor, vf-map and capacity need, read once. */
export async function readCloud(session: CloudSession): Promise<CloudSnapshot> {
  const compute = session.endpoint('compute');
  // Neutron refuses ?binding:vnic_type=direct with 400: every port is read, SR-IOV ones picked later.
  const [agents, networks, ports, servers, services] = await Promise.all([
    session.list('network', '/v2.0/agents', 'agents'),
    session.list('network', '/v2.0/networks', 'networks'),
    session.list('network', '/v2.0/ports', 'ports'),
    compute
      ? session.list('compute', '/servers/detail', 'servers', {
          query: { all_tenants: '1' },
          microversion: NOVA_MICROVERSION,
        })
      : null,
    compute
      ? session.get('compute', '/os-services', {
          query: { binary: 'nova-compute' },
          microversion: NOVA_MICROVERSION,
        })
      : null,
  ]);
  let serviceList: unknown[] | null = null;
  if (services !== null) {
    const s = (services as { services?: unknown } | null)?.services;
    if (!Array.isArray(s))
      throw new CloudError(
        'Nova GET /os-services: the answer has no "services" list',
        'check the compute endpoint',
      );
    serviceList = s;
  }
  const serverItems =
    servers === null ? null : validate(servers, ServerSchema, 'server', 'Nova GET /servers/detail');
  // The list view can leave out the fault of a server in ERROR (seen on Zed): read those one by one.
  if (serverItems !== null) {
    await Promise.all(
      serverItems
        .filter((sv) => sv.status === 'ERROR' && sv.fault === null)
        .map(async (sv) => {
          const one = (await session.get('compute', `/servers/${encodeURIComponent(sv.id)}`, {
            microversion: NOVA_MICROVERSION,
          })) as { server?: unknown } | null;
          const parsed = ServerSchema.safeParse(one?.server);
          if (parsed.success) sv.fault = parsed.data.fault;
        }),
    );
  }
  return {
    agents: validate(agents, AgentSchema, 'agent', 'Neutron GET /v2.0/agents'),
    networks: validate(networks, NetworkSchema, 'network', 'Neutron GET /v2.0/networks'),
    ports: validate(ports, PortSchema, 'port', 'Neutron GET /v2.0/ports'),
    servers: serverItems,
    computeServices:
      serviceList === null
        ? null
        : validate(serviceList, ComputeServiceSchema, 'compute service', 'Nova GET /os-services'),
  };
}
