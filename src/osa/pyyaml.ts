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
export class YamlError extends InputError {
  constructor(message: string, loc: Loc, code = 'yaml-syntax') {
    super(code, message, locationOf(loc.file, loc.line, loc.column), YAML_HINT);
  }
}

const YAML_HINT = 'fix the YAML syntax (OSA reads it with PyYAML, YAML 1.1)';

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

class Builder {
  private readonly lines = new LineCounter();
  private doc!: Document.Parsed;

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

  parse(): YNode | null {
    this.doc = parseDocument(this.text, {
      schema: 'failsafe',
      lineCounter: this.lines,
      uniqueKeys: false,
      merge: false,
      prettyErrors: false,
    });
    const err = this.doc.errors[0];
    if (err) {
      const first = err.message.split('\n')[0] ?? err.message;
      const message = /multiple documents/.test(first)
        ? 'expected a single document in the stream, but found another document'
        : first;
      throw new YamlError(message.replace(/ at line \d+, column \d+:?$/, ''), this.loc(err.pos[0]));
    }
    this.checkTabs();
    const c = this.doc.contents;
    if (c === null) return null;
    if (isScalar(c) && c.type === 'PLAIN' && c.value === '' && !c.tag) return null;
    return this.node(c as Node, 0);
  }

  node(n: Node, depth: number): YNode {
    if (depth > 200) throw new YamlError('nesting too deep (recursive aliases?)', this.loc(n.range?.[0]));
    if (isAlias(n)) {
      const target = n.resolve(this.doc);
      if (!target) throw new YamlError(`found undefined alias "${n.source}"`, this.loc(n.range?.[0]));
      return this.node(target as Node, depth + 1);
    }
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

/** Parses one YAML document as PyYAML safe_load would; null for an empty document. */
export function parseYaml(text: string, file: string): YNode | null {
  return new Builder(text, file).parse();
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
