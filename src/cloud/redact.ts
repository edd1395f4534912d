// The one redaction function: every text and every value read from a cloud passes through it
// before anything is printed (errors, and the data doctor, vf-map and capacity report in text,
// JSON and SARIF), so a credential echoed back is never shown, whatever its encoding.
//
// What it removes:
// - each known secret (password, application credential secret, token) as written, and as a
//   JSON string, a URL (percent or form encoding, either hex case), HTML (named and numeric
//   entities) and a JSON string inside HTML or a URL would show it: a proxy or a 400 page
//   echoing the request uses these;
// - fragments of a known secret of at least half its length (and 8 characters): a fault message
//   cut short, or a resource named after part of it;
// - values of credential-looking keys whatever they are (`"password": "…"`, `password=…`,
//   `X-Auth-Token: …`, `&quot;secret&quot;: &quot;…&quot;`), so another user's password echoed
//   by a misbehaving service is not shown either;
// - Keystone Fernet tokens (`gAAAAA…`) and JWS tokens, ours or not.

export const REDACTED = '***';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const htmlNamed = (s: string, apos: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, apos);
const htmlNumeric = (s: string) => [...s].map((c) => `&#${c.codePointAt(0)};`).join('');
const htmlHex = (s: string) => [...s].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join('');
const jsonString = (s: string) => JSON.stringify(s).slice(1, -1);
/** JSON escapes a slash as `\/` in some encoders (PHP, some proxies). */
const jsonSlashes = (s: string) => jsonString(s).replace(/\//g, '\\/');
/** Python's json.dumps (ensure_ascii): every non-ASCII character as \uXXXX. */
const jsonAscii = (s: string) =>
  jsonString(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const percentAll = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
const uri = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

const ENCODINGS: Array<(s: string) => string> = [
  (s) => s,
  jsonString,
  jsonSlashes,
  jsonAscii,
  encodeURIComponent,
  (s) => lowerHex(encodeURIComponent(s)),
  (s) => encodeURIComponent(s).replace(/%20/g, '+'),
  uri,
  (s) => lowerHex(uri(s)),
  (s) => uri(s).replace(/%20/g, '+'),
  (s) => lowerHex(uri(s).replace(/%20/g, '+')),
  percentAll,
  (s) => lowerHex(percentAll(s)),
  (s) => htmlNamed(s, '&#39;'),
  (s) => htmlNamed(s, '&#x27;'),
  (s) => htmlNamed(s, '&apos;'),
  htmlNumeric,
  htmlHex,
];

const encodingCache = new Map<string, string[]>();

/** Every form a secret may take in an echo: each encoding, and JSON inside HTML or a URL. */
export function encodings(secret: string): string[] {
  const cached = encodingCache.get(secret);
  if (cached) return cached;
  const out = new Set<string>();
  for (const e of ENCODINGS) {
    const once = e(secret);
    out.add(once);
    out.add(htmlNamed(jsonString(secret), '&#39;'));
    out.add(uri(jsonString(secret)));
    out.add(jsonString(once));
  }
  const list = [...out].filter((s) => s.length > 0);
  encodingCache.set(secret, list);
  return list;
}

/** Minimum length of a secret's fragment that is redacted on its own (see the header). */
function fragmentLength(secret: string): number | null {
  return secret.length >= 16 ? Math.max(8, Math.ceil(secret.length / 2)) : null;
}

// Key names whose value is a credential, and how a value ends in each notation.
const KEY = '(?:[A-Za-z0-9_-]*(?:password|passwd|secret|token|credential|api[_-]?key|auth[_-]?key))';
const Q = '(?:&(?:quot|#34|#x22|#39|#x27|apos);)';
// Each pattern ends with the value, in the group named v.
const VALUE_PATTERNS: RegExp[] = [
  // JSON and Python reprs: "password": "value", 'password': 'value' (escapes inside included)
  new RegExp(`(["'])${KEY}\\1\\s*:\\s*(["'])(?<v>(?:\\\\.|(?!\\2)[^\\\\])+)`, 'gi'),
  // JSON inside a JSON string: \"password\": \"value\"
  new RegExp(`(\\\\["'])${KEY}\\1\\s*:\\s*(\\\\["'])(?<v>(?:(?!\\\\["'])[\\s\\S])+)`, 'gi'),
  // the same inside HTML: &quot;password&quot;: &quot;value&quot;
  new RegExp(`${Q}${KEY}${Q}\\s*:\\s*${Q}(?<v>(?:(?!${Q}).)+)`, 'gi'),
  // the same percent-encoded: %22password%22%3A%22value
  new RegExp(`%22${KEY}%22(?:%20|\\+)*%3A(?:%20|\\+)*%22(?<v>(?:(?!%22).)+)`, 'gi'),
  // URL query, form bodies, INI and shell: password=value
  new RegExp(`\\b${KEY}\\s*=\\s*(?<v>[^\\s&"'<>;,]+)`, 'gi'),
  // HTTP headers and YAML: X-Auth-Token: value, X-Subject-Token: value, password: value
  new RegExp(
    `\\b(?:x-auth-token|x-subject-token|x-service-token|authorization|${KEY})\\s*:\\s*(?!["'&%\\\\])(?<v>[^\\s"'<>,;}]+)`,
    'gi',
  ),
];

// Fernet tokens (Keystone's default) and JWS tokens, whoever they belong to.
const TOKEN_PATTERNS: RegExp[] = [
  /gAAAAA[A-Za-z0-9_=-]{20,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];

/**
 * `text` without any credential: the known `secrets` in every encoding and their long fragments,
 * credential-looking values, and Keystone tokens. A secret shorter than 6 characters is replaced
 * only where it stands alone (between non-alphanumerics), as an echo puts it: replaced everywhere
 * it would blank out letters of ordinary words.
 */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  const list = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const secret of list) {
    for (const form of encodings(secret)) {
      if (!out.includes(form)) continue;
      if (secret.length >= 6) out = out.split(form).join(REDACTED);
      else out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRe(form)}(?![A-Za-z0-9])`, 'g'), REDACTED);
    }
    const k = fragmentLength(secret);
    if (k !== null) out = redactFragments(out, secret, k);
  }
  for (const p of VALUE_PATTERNS)
    out = out.replace(p, (...args: unknown[]) => {
      const m = args[0] as string;
      const v = (args[args.length - 1] as { v: string }).v;
      return `${m.slice(0, m.length - v.length)}${REDACTED}`;
    });
  for (const p of TOKEN_PATTERNS) out = out.replace(p, REDACTED);
  return out;
}

/** Every run of at least `k` characters that is also a run of `secret`, replaced. */
function redactFragments(text: string, secret: string, k: number): string {
  let out = text;
  for (let i = 0; i + k <= secret.length; i++) {
    const seed = secret.slice(i, i + k);
    let at = out.indexOf(seed);
    while (at >= 0) {
      // Grow the match both ways as long as text and secret agree.
      let start = at;
      let end = at + k;
      let si = i;
      let se = i + k;
      while (start > 0 && si > 0 && out[start - 1] === secret[si - 1]) {
        start--;
        si--;
      }
      while (end < out.length && se < secret.length && out[end] === secret[se]) {
        end++;
        se++;
      }
      out = `${out.slice(0, start)}${REDACTED}${out.slice(end)}`;
      at = out.indexOf(seed, start + REDACTED.length);
    }
  }
  return out;
}

/** A copy of `value` (parsed JSON) with every string, and every key, passed through redactText. */
export function redactDeep<T>(value: T, secrets: Iterable<string>): T {
  const list = [...secrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, list);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [redactText(k, list), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
