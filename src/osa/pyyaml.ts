// YAML as PyYAML's safe_load reads it (YAML 1.1), with a source location on every node.
// OSA and Ansible read their files with PyYAML: `range: 1:50` is the integer 110 (base 60),
// `yes`/`on` are booleans, `1e3` is a string. eemeli/yaml parses (schema failsafe: every
// scalar a string, with its style and tag); the scalars are then resolved with PyYAML's
// implicit-resolver patterns (YAML 1.1 types), written out below.
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  Parser,
  parseDocument,
  type Scalar,
  visit,
} from 'yaml';
import { InputError, locationOf } from '../errors.js';
import { pyStr } from '../python.js';

export interface Loc {
  file: string;
  line: number;
  column: number;
}

export type YScalarTag = 'str' | 'int' | 'float' | 'bool' | 'null' | 'timestamp' | 'binary';

export type YNode =
  | { kind: 'map'; loc: Loc; entries: YEntry[] }
  | { kind: 'seq'; loc: Loc; items: YNode[] }
  | {
      kind: 'scalar';
      loc: Loc;
      value: string | number | boolean | null;
      tag: YScalarTag;
      raw: string;
      quoted: boolean;
    };

export interface YEntry {
  /** The key as Python's str() prints it (`yes:` → "True"). */
  key: string;
  keyValue: string | number | boolean | null;
  keyLoc: Loc;
  value: YNode;
}

/** YAML that PyYAML's safe_load would refuse, at the place it would point to. */
/** A key written twice in one mapping: PyYAML keeps the first key and the last value, silently. */
export interface DuplicateKey {
  key: string;
  first: Loc;
  second: Loc;
}

export class YamlError extends InputError {
  constructor(message: string, loc: Loc, code = 'yaml-syntax', hint = YAML_HINT) {
    super(code, message, locationOf(loc.file, loc.line, loc.column), hint);
  }
}

const YAML_HINT = 'fix the YAML syntax (OSA reads it with PyYAML, YAML 1.1)';
const ENCODING_HINT =
  'save the file as UTF-8 text, without NUL or other control characters (a binary or truncated copy?)';

// The YAML 1.1 implicit types as PyYAML resolves plain scalars.
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9])$/;
const TRUE = /^(?:yes|true|on)$/i;

function base60(parts: string[]): number {
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

/** A YAML 1.1 int: underscores ignored, 0b binary, 0x hex, leading 0 octal, a:b:c base 60. */
export function constructInt(text: string): number {
  let s = text.replace(/_/g, '');
  const sign = s[0] === '-' ? -1 : 1;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  if (s === '0') return 0;
  if (s.startsWith('0b')) return sign * Number.parseInt(s.slice(2), 2);
  if (s.startsWith('0x')) return sign * Number.parseInt(s.slice(2), 16);
  if (s.startsWith('0')) return sign * Number.parseInt(s, 8);
  if (s.includes(':')) return sign * base60(s.split(':'));
  return sign * Number(s);
}

/** A YAML 1.1 float, base-60 forms included. */
export function constructFloat(text: string): number {
  let s = text.replace(/_/g, '').toLowerCase();
  const sign = s[0] === '-' ? -1 : 1;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  if (s === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (s === '.nan') return Number.NaN;
  if (s.includes(':')) {
    const parts = s.split(':');
    const last = Number(parts.pop());
    return sign * (base60(parts) * 60 + last);
  }
  return sign * Number(s);
}

type ScalarValue = { value: string | number | boolean | null; tag: YScalarTag };

function resolvePlain(raw: string): ScalarValue {
  if (BOOL.test(raw)) return { value: TRUE.test(raw), tag: 'bool' };
  if (INT.test(raw)) return { value: constructInt(raw), tag: 'int' };
  if (FLOAT.test(raw)) return { value: constructFloat(raw), tag: 'float' };
  if (NULL.test(raw)) return { value: null, tag: 'null' };
  if (TIMESTAMP.test(raw)) return { value: raw, tag: 'timestamp' };
  return { value: raw, tag: 'str' };
}

const STD = 'tag:yaml.org,2002:';

/** Python dict key identity: True == 1 and False == 0 share a slot (the first key stays). */
function slot(v: string | number | boolean | null): string {
  if (v === true) return 'n:1';
  if (v === false) return 'n:0';
  if (typeof v === 'number') return `n:${v}`;
  return v === null ? 'null' : `s:${v}`;
}

/**
 * Nodes that aliases may add to a document. PyYAML shares an aliased node instead of copying it,
 * so a "billion laughs" loads in a moment there, and explodes in whatever walks it next
 * (Ansible's templating, JSON output). Here every node has its own location, so expansion is
 * bounded instead: real configs alias a few host lists, far below this.
 */
export const MAX_ALIAS_NODES = 100_000;
/** Deeper than any configuration; PyYAML itself stops at Python's recursion limit (~330 levels). */
const MAX_DEPTH = 200;

class Builder {
  private readonly lines = new LineCounter();
  private doc!: Document.Parsed;
  /** Each alias's anchored node, found in one pass (Alias.resolve searches the whole document each time). */
  private readonly targets = new Map<unknown, Node>();
  private aliasNodes = 0;
  private inAlias: Loc | null = null;
  /** Keys repeated in a mapping, once each (an aliased mapping is built once per use). */
  readonly duplicates = new Map<string, DuplicateKey>();

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  loc(offset: number | undefined): Loc {
    const p = this.lines.linePos(offset ?? 0);
    return { file: this.file, line: p.line, column: p.col };
  }

  /**
   * PyYAML allows a tab only inside quoted and block scalars and comments: anywhere else (as
   * separation, indentation, inside a plain scalar, trailing) it stops with a ScannerError.
   * eemeli/yaml is more lenient, so the token stream is checked when the text has a tab.
   */
  checkTabs(): void {
    if (!this.text.includes('\t')) return;
    const visit = (t: unknown): void => {
      if (Array.isArray(t)) {
        for (const x of t) visit(x);
        return;
      }
      if (typeof t !== 'object' || t === null) return;
      const tok = t as { type?: string; source?: string; offset?: number };
      if (
        (tok.type === 'space' || tok.type === 'scalar') &&
        typeof tok.source === 'string' &&
        typeof tok.offset === 'number'
      ) {
        const i = tok.source.indexOf('\t');
        if (i >= 0)
          throw new YamlError(
            "found character '\\t' that cannot start any token (PyYAML allows tabs only in quoted or block scalars and comments)",
            this.loc(tok.offset + i),
          );
      }
      if (tok.type === 'block-scalar' || tok.type === 'comment' || tok.type?.endsWith('quoted-scalar'))
        return;
      for (const v of Object.values(t)) if (typeof v === 'object') visit(v);
    };
    for (const token of new Parser().parse(this.text)) visit(token);
  }

  /**
   * Flow collections nested past what any parser's recursion takes: refused before parsing (the
   * parser would take seconds to overflow its stack). Brackets in quoted strings count too, so
   * the bound is generous.
   */
  checkFlowDepth(): void {
    let depth = 0;
    for (let i = 0; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) {
        if (++depth > 1000)
          throw new YamlError(
            `nested too deep (more than ${MAX_DEPTH} levels)`,
            { file: this.file, ...lineCol(this.text, i) },
            'yaml-too-large',
          );
      } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
    }
  }

  parse(): YNode | null {
    this.checkFlowDepth();
    this.doc = parseDocument(this.text, {
      schema: 'failsafe',
      lineCounter: this.lines,
      uniqueKeys: false,
      merge: false,
      prettyErrors: false,
    });
    const err = this.doc.errors[0];
    if (err) {
      if (/Maximum call stack/.test(err.message))
        throw new YamlError(
          `nested too deep (more than ${MAX_DEPTH} levels)`,
          this.loc(err.pos[0]),
          'yaml-too-large',
        );
      const first = err.message.split('\n')[0] ?? err.message;
      const message = /multiple documents/.test(first)
        ? 'expected a single document in the stream, but found another document'
        : first;
      throw new YamlError(message.replace(/ at line \d+, column \d+:?$/, ''), this.loc(err.pos[0]));
    }
    this.checkTabs();
    const anchors = new Map<string, Node>();
    visit(this.doc, {
      Node: (_key, node) => {
        if (isAlias(node)) {
          const target = anchors.get(node.source);
          if (target) this.targets.set(node, target);
        } else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
    const c = this.doc.contents;
    if (c === null) return null;
    if (isScalar(c) && c.type === 'PLAIN' && c.value === '' && !c.tag) return null;
    return this.node(c as Node, 0);
  }

  node(n: Node, depth: number): YNode {
    if (depth > MAX_DEPTH)
      throw new YamlError(
        `nested too deep (more than ${MAX_DEPTH} levels, or an alias inside its own anchor)`,
        this.inAlias ?? this.loc(n.range?.[0]),
        'yaml-too-large',
      );
    if (isAlias(n)) {
      const target = this.targets.get(n);
      if (!target) throw new YamlError(`found undefined alias "${n.source}"`, this.loc(n.range?.[0]));
      const outer = this.inAlias === null;
      if (outer) this.inAlias = this.loc(n.range?.[0]);
      try {
        return this.node(target, depth + 1);
      } finally {
        if (outer) this.inAlias = null;
      }
    }
    if (this.inAlias && ++this.aliasNodes > MAX_ALIAS_NODES)
      throw new YamlError(
        `aliases expand to more than ${MAX_ALIAS_NODES} nodes (a "billion laughs"?)`,
        this.inAlias,
        'yaml-too-large',
        'use fewer or smaller aliases: OSA and Ansible expand every alias where it is used',
      );
    const loc = this.loc(n.range?.[0]);
    const tag = n.tag;
    if (isMap(n)) {
      if (tag && tag !== `${STD}map`) this.unknownTag(tag, loc);
      return this.map(n.items, loc, depth);
    }
    if (isSeq(n)) {
      if (tag && tag !== `${STD}seq`) this.unknownTag(tag, loc);
      return { kind: 'seq', loc, items: n.items.map((i) => this.node(i as Node, depth + 1)) };
    }
    const s = n as Scalar;
    let raw = String(s.value ?? '');
    // A block scalar that ends the file without a final line break has none to keep (PyYAML).
    const blockAtEof =
      (s.type === 'BLOCK_LITERAL' || s.type === 'BLOCK_FOLDED') && (s.range?.[1] ?? 0) >= this.text.length;
    if (blockAtEof && !this.text.endsWith('\n') && raw.endsWith('\n')) raw = raw.slice(0, -1);
    const quoted = s.type !== 'PLAIN';
    let v: ScalarValue;
    if (tag) v = this.tagged(tag, raw, loc);
    else if (quoted) v = { value: raw, tag: 'str' };
    else v = resolvePlain(raw);
    return { kind: 'scalar', loc, value: v.value, tag: v.tag, raw, quoted };
  }

  map(items: Array<{ key: unknown; value: unknown }>, loc: Loc, depth: number): YNode {
    const entries = new Map<string, YEntry>();
    const merged = new Map<string, YEntry>();
    for (const pair of items) {
      const keyNode = pair.key as Node | null;
      const value: YNode = pair.value
        ? this.node(pair.value as Node, depth + 1)
        : {
            kind: 'scalar',
            loc: this.loc(keyNode?.range?.[1]),
            value: null,
            tag: 'null',
            raw: '',
            quoted: false,
          };
      if (isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.value === '<<' && !keyNode.tag) {
        // Of several merged mappings the first wins (PyYAML reverses the list before merging).
        for (const src of value.kind === 'seq' ? [...value.items].reverse() : [value]) {
          if (src.kind !== 'map')
            throw new YamlError('expected a mapping or list of mappings for merging', src.loc);
          for (const e of src.entries) merged.set(slot(e.keyValue), e);
        }
        continue;
      }
      const key = keyNode ? this.node(keyNode, depth + 1) : null;
      if (key && key.kind !== 'scalar') throw new YamlError('found unhashable key', key.loc);
      const keyValue = key ? key.value : null;
      const k = slot(keyValue);
      const prev = entries.get(k);
      if (prev && key) {
        const d = { key: prev.key, first: prev.keyLoc, second: key.loc };
        this.duplicates.set(`${d.first.line}:${d.first.column}:${d.second.line}:${d.second.column}`, d);
      }
      // A repeated key keeps the first key object and takes the last value (a Python dict).
      entries.set(k, {
        key: prev?.key ?? pyStr(keyValue),
        keyValue: prev ? prev.keyValue : keyValue,
        keyLoc: key?.loc ?? loc,
        value,
      });
    }
    // Merged keys never replace explicit ones (PyYAML flatten_mapping puts them first).
    const out = [
      ...[...merged.entries()].filter(([k]) => !entries.has(k)).map(([, e]) => e),
      ...entries.values(),
    ];
    return { kind: 'map', loc, entries: out };
  }

  tagged(tag: string, raw: string, loc: Loc): ScalarValue {
    switch (tag) {
      case `${STD}str`:
      case '!vault':
      case '!unsafe':
        return { value: raw, tag: 'str' };
      case `${STD}int`:
        if (!INT.test(raw)) throw new YamlError(`invalid int "${raw}"`, loc);
        return { value: constructInt(raw), tag: 'int' };
      case `${STD}float`:
        if (!FLOAT.test(raw) && !INT.test(raw)) throw new YamlError(`invalid float "${raw}"`, loc);
        return { value: constructFloat(raw), tag: 'float' };
      case `${STD}bool`:
        if (!BOOL.test(raw)) throw new YamlError(`invalid bool "${raw}"`, loc);
        return { value: TRUE.test(raw), tag: 'bool' };
      case `${STD}null`:
        return { value: null, tag: 'null' };
      case `${STD}binary`:
        return { value: raw.replace(/\s+/g, ''), tag: 'binary' };
      case `${STD}timestamp`:
        return { value: raw, tag: 'timestamp' };
      default:
        return this.unknownTag(tag, loc);
    }
  }

  unknownTag(tag: string, loc: Loc): never {
    throw new YamlError(`could not determine a constructor for the tag '${tag}'`, loc);
  }
}

// PyYAML's Reader: the characters it accepts (reader.py NON_PRINTABLE, inverted).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
const NON_PRINTABLE = /[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The 1-based line and column of a character offset of `text`. */
function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** The offset of the first byte that is not part of valid UTF-8, or -1. */
function invalidUtf8At(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n =
      c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    if (n > 0 && i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    // Overlong 3/4-byte forms, surrogates and code points past U+10FFFF.
    const c1 = b[i + 1] ?? 0;
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 >= 0xa0) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 >= 0x90)
    )
      return i;
    i += n + 1;
  }
  return -1;
}

/**
 * The text of a YAML file's bytes as PyYAML's Reader decodes them: UTF-16 with a BOM, else UTF-8;
 * bytes that are not UTF-8 and characters PyYAML does not accept (NUL, other control characters)
 * are a YamlError at their line (code yaml-encoding), as PyYAML stops there too.
 */
export function decodeYaml(data: Buffer, file: string): string {
  let text: string;
  if (data[0] === 0xff && data[1] === 0xfe) text = new TextDecoder('utf-16le').decode(data.subarray(2));
  else if (data[0] === 0xfe && data[1] === 0xff) text = new TextDecoder('utf-16be').decode(data.subarray(2));
  else {
    const bad = invalidUtf8At(data);
    if (bad >= 0) {
      const before = data.subarray(0, bad).toString('utf8');
      const { line, column } = lineCol(before, before.length);
      throw new YamlError(
        `unacceptable character #x${data[bad]!.toString(16).padStart(4, '0')}: not UTF-8 text (PyYAML reads YAML as UTF-8 and stops here)`,
        { file, line, column },
        'yaml-encoding',
        ENCODING_HINT,
      );
    }
    text = data.toString('utf8');
  }
  checkPrintable(text, file);
  return text;
}

function checkPrintable(text: string, file: string): void {
  const m = NON_PRINTABLE.exec(text);
  if (!m) return;
  const { line, column } = lineCol(text, m.index);
  throw new YamlError(
    `unacceptable character #x${m[0].codePointAt(0)!.toString(16).padStart(4, '0')}: special characters are not allowed`,
    { file, line, column },
    'yaml-encoding',
    ENCODING_HINT,
  );
}

/** Parses one YAML document as PyYAML safe_load would; null for an empty document. */
export function parseYaml(text: string, file: string): YNode | null {
  return parseYamlDocument(text, file).node;
}

/** parseYaml, with the keys the document repeats (PyYAML says nothing about them). */
export function parseYamlDocument(
  text: string,
  file: string,
): { node: YNode | null; duplicates: DuplicateKey[] } {
  checkPrintable(text, file);
  const b = new Builder(text, file);
  const node = b.parse();
  return { node, duplicates: [...b.duplicates.values()] };
}

const plainCache = new WeakMap<YNode, unknown>();

/**
 * The plain value: mappings → objects, sequences → arrays, scalars → their values. Cached per
 * node (one provider_networks list is read for every host): treat the result as read-only.
 */
export function toPlain(node: YNode | null): unknown {
  if (node === null) return null;
  if (node.kind === 'scalar') return node.value;
  const hit = plainCache.get(node);
  if (hit !== undefined) return hit;
  let out: unknown;
  if (node.kind === 'seq') out = node.items.map(toPlain);
  else {
    const o: Record<string, unknown> = {};
    for (const e of node.entries) o[e.key] = toPlain(e.value);
    out = o;
  }
  plainCache.set(node, out);
  return out;
}

/** The YAML node at a path inside a value (mapping keys and list indexes); null when absent. */
export function nodeAt(node: YNode | null | undefined, path: ReadonlyArray<string | number>): YNode | null {
  let n: YNode | null = node ?? null;
  for (const p of path) {
    if (!n) return null;
    if (n.kind === 'seq' && typeof p === 'number') n = n.items[p] ?? null;
    else if (n.kind === 'map') n = n.entries.find((e) => e.key === String(p))?.value ?? null;
    else return null;
  }
  return n;
}
