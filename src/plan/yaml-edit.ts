// Surgical edits of YAML text: set, delete or append one value and leave every other byte of
// the file as it was (comments, key order, quoting, indentation). The file is re-parsed after
// each edit, so positions are always fresh; values are written in block style with quoting
// that PyYAML (YAML 1.1) reads back as the same strings.
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { InputError } from '../errors.js';

export type YamlPath = ReadonlyArray<string | number>;
export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

/** A file plan cannot edit (not valid YAML, or not the shape the edit needs). */
export class YamlEditError extends InputError {
  constructor(message: string) {
    super('yaml-edit-failed', message, null, 'fix the YAML of that file first');
  }
}

/** Words YAML 1.1 (PyYAML) would read as booleans or null when written plain. */
const YAML11_WORDS =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;
const PLAIN_SAFE = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
const NEEDS_ESCAPES = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A scalar as YAML text that PyYAML reads back as exactly this value. */
export function scalarText(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new YamlEditError(`cannot write the number ${v} in YAML`);
    return String(v);
  }
  if (PLAIN_SAFE.test(v) && !YAML11_WORDS.test(v)) return v;
  // JSON strings with a few quotes read best single-quoted: '{"address": "…"}'.
  if (v.includes('"') && !v.includes("'") && !NEEDS_ESCAPES.test(v)) return `'${v}'`;
  // A JSON string literal is a valid YAML double-quoted scalar once the characters YAML 1.1
  // treats as line breaks are escaped too.
  return JSON.stringify(v).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function keyText(k: string): string {
  return scalarText(k);
}

const spaces = (n: number) => ' '.repeat(n);

function isPlainObject(v: Plain): v is { [key: string]: Plain } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The text after "key:" for value v, when the key is at column `col`. */
export function textAfterKey(v: Plain, col: number): string {
  if (Array.isArray(v)) return v.length === 0 ? ' []' : `\n${seqLines(v, col + 2)}`;
  if (isPlainObject(v)) return Object.keys(v).length === 0 ? ' {}' : `\n${mapLines(v, col + 2)}`;
  return ` ${scalarText(v)}`;
}

function mapLines(v: { [key: string]: Plain }, col: number): string {
  return Object.entries(v)
    .map(([k, x]) => `${spaces(col)}${keyText(k)}:${textAfterKey(x, col)}`)
    .join('\n');
}

function seqLines(v: Plain[], col: number): string {
  return v.map((x) => `${spaces(col)}- ${itemContent(x, col + 2)}`).join('\n');
}

/** A sequence item's text after "- ", its continuation lines at `col`. */
function itemContent(v: Plain, col: number): string {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : seqLines(v, col).slice(col);
  if (isPlainObject(v)) return Object.keys(v).length === 0 ? '{}' : mapLines(v, col).slice(col);
  return scalarText(v);
}

/** A value in flow style (inside [...] or {...}); plain-safe scalars contain no flow indicators. */
export function flowText(v: Plain): string {
  if (Array.isArray(v)) return `[${v.map(flowText).join(', ')}]`;
  if (isPlainObject(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${keyText(k)}: ${flowText(x)}`)
      .join(', ')}}`;
  return scalarText(v);
}

/** A whole document holding one mapping, for a new file. */
export function renderDocument(v: { [key: string]: Plain }): string {
  return `${mapLines(v, 0)}\n`;
}

function plainEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

interface Located {
  node: Node | null;
  /** The pair holding the node when its parent is a mapping. */
  pair: Pair<Node, Node | null> | null;
  parent: Node | null;
  found: boolean;
  /** The length of the path prefix that first went through an alias (*name), if any. */
  aliasAt?: number;
}

export class YamlEditor {
  private document: Document | null = null;

  constructor(
    private source: string,
    readonly file: string,
  ) {}

  get text(): string {
    return this.source;
  }

  private doc(): Document {
    if (!this.document) {
      this.document = parseDocument(this.source, { version: '1.1', uniqueKeys: false, prettyErrors: false });
      const err = this.document.errors[0];
      if (err)
        throw new YamlEditError(`${this.file}: cannot edit, not valid YAML: ${err.message.split('\n')[0]}`);
    }
    return this.document;
  }

  private splice(start: number, end: number, text: string): void {
    this.source = this.source.slice(0, start) + text + this.source.slice(end);
    this.document = null;
  }

  private resolve(node: unknown): Node | null {
    if (isAlias(node)) return (node.resolve(this.doc()) as Node | undefined) ?? null;
    return (node as Node | null) ?? null;
  }

  private locate(path: YamlPath): Located {
    let node = this.resolve(this.doc().contents);
    let pair: Located['pair'] = null;
    let parent: Node | null = null;
    let aliasAt: number | undefined;
    for (const [i, seg] of path.entries()) {
      parent = node;
      pair = null;
      let raw: unknown;
      if (typeof seg === 'string' && isMap(node)) {
        // PyYAML keeps the last of duplicate keys.
        const p = [...(node as YAMLMap<unknown, unknown>).items]
          .reverse()
          .find((x) => (isScalar(x.key) ? String(x.key.value) : x.key) === seg) as
          | Pair<Node, Node | null>
          | undefined;
        if (!p) return { node: null, pair: null, parent, found: false, ...(aliasAt ? { aliasAt } : {}) };
        pair = p;
        raw = p.value;
      } else if (typeof seg === 'number' && isSeq(node)) {
        raw = (node as YAMLSeq<unknown>).items[seg];
        if (raw === undefined)
          return { node: null, pair: null, parent, found: false, ...(aliasAt ? { aliasAt } : {}) };
      } else {
        return { node: null, pair: null, parent, found: false, ...(aliasAt ? { aliasAt } : {}) };
      }
      if (isAlias(raw) && aliasAt === undefined) aliasAt = i + 1;
      node = this.resolve(raw);
    }
    return { node, pair, parent, found: true, ...(aliasAt ? { aliasAt } : {}) };
  }

  /**
   * Replaces an alias on the path with a copy of what it names, so that an edit below it
   * changes this place only, not every user of the anchor.
   */
  private unalias(path: YamlPath, includeLast: boolean): void {
    const { aliasAt } = this.locate(path);
    if (aliasAt === undefined || (!includeLast && aliasAt >= path.length)) return;
    const prefix = path.slice(0, aliasAt);
    const at = this.locate(prefix);
    const copy = this.get(prefix) as Plain;
    if (at.pair) this.replacePairValue(at.pair, copy, isCollection(at.parent) && at.parent.flow === true);
    else if (at.node?.range) {
      const start = at.node.range[0];
      this.splice(start, at.node.range[1], itemContent(copy, this.column(start)));
    }
    this.unalias(path, includeLast);
  }

  /** The value at path as plain data (aliases and merge keys resolved), or undefined. */
  get(path: YamlPath): unknown {
    const { node, found } = this.locate(path);
    if (!found) return undefined;
    if (node === null) return null;
    return node.toJS(this.doc(), { maxAliasCount: -1 });
  }

  has(path: YamlPath): boolean {
    return this.locate(path).found;
  }

  private lineStart(pos: number): number {
    return this.source.lastIndexOf('\n', pos - 1) + 1;
  }

  private column(pos: number): number {
    return pos - this.lineStart(pos);
  }

  /** The end of the line holding the last non-blank character before pos (comments included). */
  private endOfContent(pos: number): number {
    let p = Math.min(pos, this.source.length);
    while (p > 0 && /\s/.test(this.source[p - 1]!)) p--;
    const nl = this.source.indexOf('\n', p);
    return nl < 0 ? this.source.length : nl;
  }

  /** Where a node's text ends (before its trailing comments and blank lines). */
  private nodeEnd(node: Node): number {
    return this.endOfContent(node.range![1]);
  }

  private pairEnd(pair: Pair<Node, Node | null>): number {
    const v = pair.value;
    if (v?.range) return this.nodeEnd(v);
    return this.endOfContent(pair.key.range![1]);
  }

  /** Puts comment lines at the top of the file. */
  prepend(comment: string): void {
    this.source = `${comment
      .split('\n')
      .map((l) => `# ${l}`)
      .join('\n')}\n${this.source}`;
    this.document = null;
  }

  /** Sets the value at path (creating missing mappings on the way). Returns whether the text changed. */
  set(path: YamlPath, value: Plain, comment?: string): boolean {
    if (path.length === 0) throw new YamlEditError('cannot replace a whole document');
    if (this.locate(path).found && plainEqual(this.get(path), value)) return false;
    this.unalias(path, false);
    const here = this.locate(path);
    if (here.found && plainEqual(this.get(path), value)) return false;
    const key = path[path.length - 1]!;
    const parentPath = path.slice(0, -1);
    if (here.found && here.pair) {
      this.replacePairValue(here.pair, value, isCollection(here.parent) && here.parent.flow === true);
      return true;
    }
    if (here.found && typeof key === 'number' && here.node?.range) {
      const start = here.node.range[0];
      this.splice(start, this.nodeEnd(here.node), itemContent(value, this.column(start)));
      return true;
    }
    if (typeof key !== 'string')
      throw new YamlEditError(`${this.file}: no item ${key} at ${parentPath.join('.')}`);
    const parent = this.locate(parentPath);
    if (!parent.found) return this.set(parentPath, { [key]: value }, comment);
    if (
      parent.node === null ||
      (isScalar(parent.node) && parent.node.value === null) ||
      (isMap(parent.node) && parent.node.items.length === 0)
    ) {
      if (parentPath.length === 0) {
        this.appendTopLevel(key, value, comment);
        return true;
      }
      return this.set(parentPath, { [key]: value }, comment);
    }
    if (!isMap(parent.node))
      throw new YamlEditError(`${this.file}: ${parentPath.join('.') || 'the document'} is not a mapping`);
    if ((parent.node as YAMLMap).flow) {
      return this.set(parentPath, { ...(this.get(parentPath) as { [k: string]: Plain }), [key]: value });
    }
    const items = (parent.node as YAMLMap<Node, Node | null>).items as Array<Pair<Node, Node | null>>;
    const first = items[0]!.key.range![0];
    const col = this.column(first);
    const at = this.pairEnd(items[items.length - 1]!);
    const lead = comment
      ? `\n${comment
          .split('\n')
          .map((l) => `${spaces(col)}# ${l}`)
          .join('\n')}`
      : '';
    this.splice(at, at, `${lead}\n${spaces(col)}${keyText(key)}:${textAfterKey(value, col)}`);
    return true;
  }

  private appendTopLevel(key: string, value: Plain, comment?: string): void {
    const lead = comment
      ? `${comment
          .split('\n')
          .map((l) => `# ${l}`)
          .join('\n')}\n`
      : '';
    const body = `${lead}${keyText(key)}:${textAfterKey(value, 0)}\n`;
    const kept = this.source.replace(/\s*$/, '');
    this.source = kept === '' ? body : `${kept}\n${body}`;
    this.document = null;
  }

  private replacePairValue(pair: Pair<Node, Node | null>, value: Plain, inFlow: boolean): void {
    const keyNode = pair.key;
    const col = this.column(keyNode.range![0]);
    const colon = this.source.indexOf(':', keyNode.range![1]);
    const v = pair.value;
    // Inside [...] or {...} a value ends where its node ends; in block style, at its line's end.
    const end = v?.range ? (inFlow ? v.range[1] : this.nodeEnd(v)) : colon + 1;
    // Keep a comment that follows the value on its line.
    let tail = '';
    if (v?.range && !inFlow) {
      const rest = this.source.slice(v.range[1], end);
      if (/^[ \t]*#/.test(rest)) tail = rest;
    }
    const flow = inFlow || (isCollection(v) && v.flow === true);
    const text =
      flow && value !== null && typeof value === 'object' ? ` ${flowText(value)}` : textAfterKey(value, col);
    this.splice(colon + 1, end, `${text}${tail}`);
  }

  /** Adds item at the end of the sequence at path (creating it when missing). */
  append(path: YamlPath, item: Plain): boolean {
    this.unalias(path, true);
    const here = this.locate(path);
    if (!here.found || here.node === null) {
      const current = here.found ? [] : undefined;
      return this.set(path, [...(current ?? []), item]);
    }
    if (!isSeq(here.node)) throw new YamlEditError(`${this.file}: ${path.join('.')} is not a list`);
    const seq = here.node as YAMLSeq<Node>;
    if (seq.flow || seq.items.length === 0) {
      return this.set(path, [...(this.get(path) as Plain[]), item]);
    }
    const last = seq.items[seq.items.length - 1]!;
    const itemStart = last.range![0];
    const dash = this.source.lastIndexOf('-', itemStart);
    const col = this.column(dash);
    const contentCol = this.column(itemStart);
    const at = this.nodeEnd(last);
    this.splice(at, at, `\n${spaces(col)}-${spaces(contentCol - col - 1)}${itemContent(item, contentCol)}`);
    return true;
  }

  /**
   * Deletes the key at path, leaving a comment "<key> removed by osa-sriov plan: <why>" when
   * `why` is given. A mapping this would leave empty is deleted instead (OSA reads an empty
   * `container_vars:` as None), up to the first ancestor that keeps other keys.
   */
  delete(path: YamlPath, why?: string): boolean {
    if (!this.locate(path).found) return false;
    this.unalias(path, false);
    let here = this.locate(path);
    if (!here.found || !here.pair) return false;
    let target = path;
    while (target.length > 1) {
      const parentPath = target.slice(0, -1);
      const parent = this.locate(parentPath);
      if (!parent.pair || !isMap(parent.node) || parent.node.items.length > 1) break;
      target = parentPath;
      here = parent;
    }
    const pair = here.pair!;
    const keyStart = pair.key.range![0];
    const ls = this.lineStart(keyStart);
    const ownLine = /^\s*$/.test(this.source.slice(ls, keyStart));
    const start = ownLine ? ls : keyStart;
    let end = this.pairEnd(pair);
    if (ownLine && this.source[end] === '\n') end++;
    const col = this.column(keyStart);
    const note = why ? `# ${String(target[target.length - 1])} removed by osa-sriov plan: ${why}` : '';
    const replacement = note ? `${ownLine ? spaces(col) : ''}${note}${ownLine ? '\n' : ''}` : '';
    this.splice(start, end, replacement);
    return true;
  }
}
