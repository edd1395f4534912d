// HTTP for the OpenStack APIs on node:http/node:https directly, so a CA bundle (`ca`) and
// `--insecure` (`rejectUnauthorized: false`) work without extra dependencies. One place decides
// what is retried (5xx, resets, timeouts, refused connections; never 4xx), how long to wait, and
// how a transport failure reads to the user. Every error text passes through the redactor, so a
// token or password echoed by a proxy or a server never reaches the terminal or a log.
import http from 'node:http';
import https from 'node:https';
import { InputError, type Location } from '../errors.js';

/** A failure the user can act on: one line saying what and where, and a hint saying how to fix it. */
export class CloudError extends InputError {
  declare readonly hint: string;
  constructor(message: string, hint: string, location: Location | null = null, code = 'cloud-failed') {
    super(code, message, location, hint);
    this.name = 'CloudError';
  }
}

/** Replaces every known secret in `text` (tokens, passwords, application credential secrets). */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | null | undefined): void {
    if (secret) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (s.length >= 6) out = out.split(s).join('***');
      else {
        // A short password replaced everywhere would blank out letters of ordinary words:
        // replace it where it stands alone (between non-alphanumerics), as an echo puts it.
        const esc = s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        out = out.replace(new RegExp(`(?<![A-Za-z0-9])${esc}(?![A-Za-z0-9])`, 'g'), '***');
      }
    }
    return out;
  }

  error(e: CloudError): CloudError {
    const message = this.redact(e.message);
    const hint = this.redact(e.hint);
    return message === e.message && hint === e.hint ? e : new CloudError(message, hint, e.location, e.code);
  }
}

export interface TransportOptions {
  /** PEM CA bundle to trust instead of the system's. */
  ca?: string | Buffer | null;
  /** Skip TLS certificate verification (--insecure). */
  insecure?: boolean;
  /** Per attempt, from connecting to the last byte of the answer. */
  timeoutMs?: number;
  /** Attempts after the first one for retryable failures. */
  retries?: number;
  /** First backoff delay; doubles at every retry (500 ms → 0.5 s, 1 s, 2 s). */
  retryDelayMs?: number;
  redactor?: Redactor;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Retry a POST too (token creation is safe to repeat; creating a port is not). */
  retryable?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** How many tries it took (a 5xx returned after the last retry says so). */
  attempts?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_DELAY_MS = 500;
// Answers bigger than this are not an OpenStack list page; stop before memory runs out.
const MAX_BODY_BYTES = 256 * 1024 * 1024;

/** Transport failures worth another attempt: the server or the path may recover. */
const RETRY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

const TLS_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'a self-signed certificate is in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate is signed by an unknown CA',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
};

class AttemptError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One HTTP client per session: TLS settings, timeouts and retries fixed at connect time. */
export class Transport {
  readonly redactor: Redactor;
  private readonly agentHttps: https.Agent;
  private readonly agentHttp: http.Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(opts: TransportOptions = {}) {
    this.redactor = opts.redactor ?? new Redactor();
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = opts.retries ?? DEFAULT_RETRIES;
    this.retryDelayMs = opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    // keepAlive: a paged list of 50 pages should not pay 50 TLS handshakes.
    this.agentHttps = new https.Agent({
      keepAlive: true,
      rejectUnauthorized: !opts.insecure,
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
    this.agentHttp = new http.Agent({ keepAlive: true });
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agentHttps.destroy();
    this.agentHttp.destroy();
  }

  /** Sends the request, retrying what may recover; any HTTP status is returned, not thrown. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const retryable = req.retryable ?? req.method !== 'POST';
    const attempts = retryable ? this.retries + 1 : 1;
    let last: AttemptError | null = null;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(this.retryDelayMs * 2 ** (i - 1));
      try {
        const res = await this.once(req);
        // 5xx: the service is overloaded or restarting; the last answer is returned as is.
        if (res.status >= 500 && i < attempts - 1) continue;
        return { ...res, attempts: i + 1 };
      } catch (e) {
        if (!(e instanceof AttemptError)) throw e instanceof CloudError ? this.redactor.error(e) : e;
        last = e;
        if (!RETRY_CODES.has(e.code)) break;
      }
    }
    throw this.redactor.error(transportError(req, last!, attempts));
  }

  private once(req: HttpRequest): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return Promise.reject(
        new CloudError(`"${req.url}" is not a URL`, 'check auth_url (OS_AUTH_URL) and the Keystone catalog'),
      );
    }
    const isHttps = url.protocol === 'https:';
    if (!isHttps && url.protocol !== 'http:')
      return Promise.reject(
        new CloudError(`"${req.url}" is not an http(s) URL`, 'check auth_url (OS_AUTH_URL) and the catalog'),
      );
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'osa-sriov',
      ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}),
      ...req.headers,
    };
    return new Promise<HttpResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (e: unknown) => {
        clearTimeout(timer);
        reject(toAttemptError(e));
      };
      let r: http.ClientRequest;
      try {
        r = (isHttps ? https : http).request(
          url,
          { method: req.method, headers, agent: isHttps ? this.agentHttps : this.agentHttp },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_BODY_BYTES)
                r.destroy(attemptError('the answer is larger than 256 MiB', 'E2BIG'));
              else chunks.push(c);
            });
            res.on('end', () => {
              clearTimeout(timer);
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString(),
              });
            });
            res.on('error', fail);
            res.on('aborted', () => fail(attemptError('the connection closed mid-answer', 'ECONNRESET')));
          },
        );
      } catch (e) {
        // Thrown before anything is sent: a header value with a newline or a control character.
        reject(
          new CloudError(
            `cannot send ${req.method} ${url.origin}${url.pathname}: ${(e as Error).message}`,
            'a credential or setting has a stray character (a newline in a token or password?)',
          ),
        );
        return;
      }
      // One deadline per attempt covers connect, TLS, the request and the whole answer.
      timer = setTimeout(
        () => r.destroy(attemptError(`no answer within ${this.timeoutMs / 1000} s`, 'ETIMEDOUT')),
        this.timeoutMs,
      );
      r.on('error', fail);
      r.end(body);
    });
  }
}

function attemptError(message: string, code: string): AttemptError {
  return new AttemptError(message, code);
}

function toAttemptError(e: unknown): AttemptError {
  if (e instanceof AttemptError) return e;
  const err = e as NodeJS.ErrnoException;
  let code = err.code ?? 'EUNKNOWN';
  // Node reports a peer that closed without answering as "socket hang up" with ECONNRESET.
  if (code === 'EUNKNOWN' && /socket hang up/i.test(err.message ?? '')) code = 'ECONNRESET';
  return new AttemptError(err.message ?? String(e), code);
}

function tries(n: number): string {
  return n > 1 ? ` (${n} tries)` : '';
}

/** The one line a user sees for a failure below HTTP: what happened, to which URL, what to do. */
function transportError(req: HttpRequest, e: AttemptError, attempts: number): CloudError {
  const u = new URL(req.url);
  const where = `${u.origin}${u.pathname}`;
  const tls = TLS_CODES[e.code];
  if (tls || /certificate|self[- ]signed|SSL|TLS/i.test(e.message) || e.code.startsWith('ERR_SSL')) {
    return new CloudError(
      `TLS certificate verification failed for ${u.origin}: ${tls ?? e.message}`,
      'give the CA that signed it with --os-cacert FILE (cacert: in clouds.yaml, OS_CACERT), ' +
        'or skip verification with --insecure (only on a trusted network)',
    );
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return new CloudError(
        `cannot connect to ${u.host} (${where}): connection refused${tries(attempts)}`,
        'check that the service runs and listens there, and that this host may reach it ' +
          '(for catalog endpoints, --os-interface internal may be the reachable one)',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CloudError(
        `cannot resolve the host name "${u.hostname}" (${where})`,
        'check the URL (auth_url, OS_AUTH_URL or the catalog) and this host’s DNS',
      );
    case 'ETIMEDOUT':
      return new CloudError(
        `${req.method} ${where}: ${e.message}${tries(attempts)}`,
        'the service is slow or unreachable: check it, or wait longer with --timeout SECONDS',
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new CloudError(
        `cannot reach ${u.host} (${where}): no route to host${tries(attempts)}`,
        'check the network path from this host to the endpoint (--os-interface may pick another one)',
      );
    case 'ECONNRESET':
    case 'EPIPE':
      return new CloudError(
        `${req.method} ${where}: the connection was closed without an answer${tries(attempts)}`,
        'a proxy or load balancer in front of the API may be dropping requests: check its logs',
      );
    default:
      return new CloudError(
        `${req.method} ${where}: ${e.message}${tries(attempts)}`,
        'check that the endpoint is reachable from this host',
      );
  }
}

/**
 * The error message of an OpenStack answer: Keystone `{"error": {"message"}}`, Neutron
 * `{"NeutronError": {"message"}}`, Nova `{"itemNotFound": {"message"}}`, else the text without
 * HTML, cut short.
 */
export function apiMessage(text: string): string {
  try {
    const j: unknown = JSON.parse(text);
    if (j && typeof j === 'object') {
      for (const v of Object.values(j as Record<string, unknown>)) {
        if (v && typeof v === 'object' && 'message' in v) {
          const m = (v as { message: unknown }).message;
          if (typeof m === 'string' && m) return oneLine(m);
        }
        if (typeof v === 'string' && v) return oneLine(v);
      }
    }
  } catch {
    // not JSON: webob and proxies answer HTML or plain text
  }
  return oneLine(text.replace(/<[^>]*>/g, ' '));
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}
