// Python semantics the OSA code relies on, for values as PyYAML/Ansible hand them over:
// str() and repr(), type names in error messages, and the exceptions OSA's Python raises.
import { jsonDepthExceededAt } from './json-input.js';

/** A value as PyYAML builds it: str, int/float (number), bool, None (null), list, dict. */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export function isDict(v: unknown): v is { [key: string]: PyValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Python's type name of a value, as in "'int' object has no attribute 'split'". */
export function pyType(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) && !Object.is(v, -0) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}

/** Python's repr(). Integers from YAML are numbers; a YAML float like 1.0 is a number too. */
export function pyRepr(v: unknown, floatHint = false): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return floatHint || !Number.isInteger(v) ? floatRepr(v) : String(v);
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyRepr(x)).join(', ')}]`;
  return `{${Object.entries(v as object)
    .map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

/** Python's str(): strings as they are, everything else as repr(). */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** An exception OSA's Python code would raise, with the path of the value that caused it. */
export class PyException extends Error {
  constructor(
    readonly pyType: 'KeyError' | 'TypeError' | 'AttributeError' | 'ValueError',
    readonly detail: string,
    /** Where in the input: e.g. [2, 'network', 'range'] (an entry index, then keys). */
    readonly path: Array<string | number>,
  ) {
    super(`${pyType}: ${detail}`);
  }
}

/** d[key] on a value that should be a dict: KeyError or TypeError as Python raises them. */
export function getItem(d: unknown, key: string, path: Array<string | number>): PyValue {
  if (isDict(d)) {
    if (!(key in d)) throw new PyException('KeyError', strRepr(key), [...path, key]);
    return d[key] as PyValue;
  }
  if (typeof d === 'string') throw new PyException('TypeError', 'string indices must be integers', path);
  if (Array.isArray(d))
    throw new PyException('TypeError', 'list indices must be integers or slices, not str', path);
  throw new PyException('TypeError', `'${pyType(d)}' object is not subscriptable`, path);
}

/** s.split(sep) where s must be a str. */
export function split(s: unknown, sep: string, path: Array<string | number>): string[] {
  if (typeof s !== 'string')
    throw new PyException('AttributeError', `'${pyType(s)}' object has no attribute 'split'`, path);
  return s.split(sep);
}

/** set(x): a str gives its characters, a list its items; anything else is a TypeError. */
export function pySet(x: unknown, path: Array<string | number>): Set<string> {
  if (typeof x === 'string') return new Set([...x]);
  if (Array.isArray(x)) return new Set(x.map((i) => (typeof i === 'string' ? i : `\u0000${pyRepr(i)}`)));
  if (isDict(x)) return new Set(Object.keys(x));
  throw new PyException('TypeError', `'${pyType(x)}' object is not iterable`, path);
}

/** Python's str.strip() with no argument: white space, including the ASCII separators 0x1c-0x1f. */
export function pyStrip(s: string): string {
  const space = (c: string) => /\s/u.test(c) || (c >= '\u001c' && c <= '\u001f') || c === '\u0085';
  let a = 0;
  let b = s.length;
  while (a < b && space(s[a]!)) a++;
  while (b > a && space(s[b - 1]!)) b--;
  return s.slice(a, b);
}

const TRUE_STRINGS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_STRINGS = ['0', 'f', 'false', 'off', 'n', 'no'];

/**
 * oslo_utils.strutils.bool_from_string: a bool stays; anything else is str()-ed, stripped and
 * lower-cased. Unknown words are False, or with strict an error naming the accepted values.
 */
export function boolFromString(v: unknown, strict = false): boolean {
  if (typeof v === 'boolean') return v;
  const s = pyStrip(pyStr(v)).toLowerCase();
  if (TRUE_STRINGS.includes(s)) return true;
  if (FALSE_STRINGS.includes(s) || !strict) return false;
  const accepted = [...TRUE_STRINGS, ...FALSE_STRINGS].sort().map((x) => `'${x}'`);
  throw new Error(`Unrecognized value '${pyStr(v)}', acceptable values are: ${accepted.join(', ')}`);
}

/**
 * json.loads nesting: CPython's scanner recurses once per level and stops at the recursion
 * limit (1000) with a RecursionError; the rest of our code walks values recursively too.
 */
export const PY_JSON_MAX_DEPTH = 990;

/**
 * JSON.parse for values a Python service would json.loads (device_spec, alias, Ansible
 * from_json): nesting Python cannot load throws a SyntaxError, like any JSON it refuses.
 */
export function jsonLoads(text: string): unknown {
  if (jsonDepthExceededAt(text, PY_JSON_MAX_DEPTH) >= 0)
    throw new SyntaxError(
      'maximum recursion depth exceeded while decoding a JSON array from a unicode string',
    );
  return JSON.parse(text);
}
