// Variable resolution for one inventory host, in the precedence order Ansible applies to
// OSA's sources (../shared/spec/osa.md §4), with every definition kept for provenance, and
// the small part of Jinja that OSA's defaults use.

import { isDict, jsonLoads, type PyValue, pyStr } from '../python.js';
import type { Inventory, InventoryHost, VarDef, VarLevel } from './inventory.js';
import { type DeployDir, entry } from './load.js';
import { toPlain } from './pyyaml.js';
import type { Release } from './releases.js';

export interface ResolvedVar {
  name: string;
  /** The effective value; undefined when no source defines it. */
  value: PyValue | undefined;
  winner: VarDef | null;
  /** The definitions the winner overrode, highest precedence first. */
  overridden: VarDef[];
  /** Set when the winning value was a Jinja template. */
  template: { text: string; evaluated: boolean; reason?: string; convertedFromString?: boolean } | null;
}

export type DefaultsLookup = (name: string) => VarDef | undefined;

/** Group-var order: 'all' first, then by depth (parents before children), then by name. */
function groupOrder(groups: string[], depth: (g: string) => number): string[] {
  return ['all', ...[...groups].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0))];
}

export class HostVars {
  private readonly cache = new Map<string, ResolvedVar>();
  private readonly resolving = new Set<string>();
  private readonly defsCache = new Map<string, VarDef[]>();
  private groupVarOrder: string[] | undefined;

  constructor(
    readonly host: InventoryHost,
    private readonly deploy: DeployDir,
    private readonly inventory: Inventory,
    readonly release: Release,
    private readonly defaults: DefaultsLookup,
    private readonly computed: Map<string, VarDef> = new Map(),
  ) {}

  /** Every definition of name that applies to this host, lowest precedence first. */
  definitions(name: string): VarDef[] {
    const cached = this.defsCache.get(name);
    if (cached) return cached;
    const defs: VarDef[] = [];
    const add = (level: VarLevel, node: ReturnType<typeof entry>) => {
      if (node)
        defs.push({ name, value: toPlain(node.value) as PyValue, node: node.value, loc: node.keyLoc, level });
    };
    const d = this.defaults(name);
    if (d) defs.push(d);
    if (name === 'is_metal') {
      defs.push({
        name,
        value: this.host.isMetal,
        node: null,
        loc: null,
        level: 'inventory host_vars',
        note: 'set by the inventory generator',
      });
    }
    add('global_overrides', entry(entry(this.deploy.userConfig, 'global_overrides')?.value, name));
    this.groupVarOrder ??= groupOrder(this.host.groups, (g) => groupDepth(this.inventory, g)).filter((g) =>
      this.deploy.groupVars.has(g),
    );
    for (const g of this.groupVarOrder) {
      for (const f of this.deploy.groupVars.get(g) ?? []) add('group_vars', entry(f.node, name));
    }
    for (const v of this.host.inventoryVars) if (v.name === name) defs.push(v);
    for (const f of this.deploy.hostVars.get(this.host.name) ?? [])
      add('host_vars file', entry(f.node, name));
    const c = this.computed.get(name);
    if (c) defs.push(c);
    for (const f of this.deploy.extraVars) add('extra vars (user_*.yml)', entry(f.node, name));
    this.defsCache.set(name, defs);
    return defs;
  }

  get(name: string): ResolvedVar {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const defs = this.definitions(name);
    const winner = defs.at(-1) ?? null;
    let result: ResolvedVar = {
      name,
      value: winner?.value,
      winner,
      overridden: defs.slice(0, -1).reverse(),
      template: null,
    };
    if (winner && typeof winner.value === 'string' && winner.value.includes('{{')) {
      if (this.resolving.has(name)) {
        result = {
          ...result,
          template: { text: winner.value, evaluated: false, reason: `recursive reference to ${name}` },
        };
      } else {
        this.resolving.add(name);
        const t = evaluateTemplate(winner.value, (ref) => this.get(ref).value, this.release.major <= 32);
        this.resolving.delete(name);
        result = t.ok
          ? {
              ...result,
              value: t.value,
              template: { text: winner.value, evaluated: true, convertedFromString: t.converted },
            }
          : { ...result, template: { text: winner.value, evaluated: false, reason: t.reason } };
      }
    }
    this.cache.set(name, result);
    return result;
  }

  /** The value, or fallback when undefined or an unevaluated template. */
  value(name: string, fallback: PyValue): PyValue {
    const r = this.get(name);
    if (r.value === undefined || (r.template && !r.template.evaluated)) return fallback;
    return r.value;
  }
}

const depthCache = new WeakMap<Inventory, Map<string, number>>();
function groupDepth(inv: Inventory, g: string): number {
  let cache = depthCache.get(inv);
  if (!cache) {
    cache = new Map();
    depthCache.set(inv, cache);
  }
  const hit = cache.get(g);
  if (hit !== undefined) return hit;
  const parents = [
    ...(inv.skeleton.physical[g] ?? []),
    ...(inv.skeleton.containers[g]?.belongsTo ?? []),
    ...(inv.skeleton.components[g] ?? []),
  ];
  cache.set(g, 1);
  const d = parents.length === 0 ? 1 : 1 + Math.max(...parents.map((p) => groupDepth(inv, p)));
  cache.set(g, d);
  return d;
}

type TemplateResult = { ok: true; value: PyValue; converted: boolean } | { ok: false; reason: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function literal(
  text: string,
  lookup: (name: string) => PyValue | undefined,
): { ok: true; value: PyValue | undefined } | { ok: false } {
  const t = text.trim();
  if (t === '[]') return { ok: true, value: [] };
  if (t === '{}') return { ok: true, value: {} };
  const q = t.match(/^'([^']*)'$|^"([^"]*)"$/);
  if (q) return { ok: true, value: q[1] ?? q[2] ?? '' };
  if (/^-?\d+$/.test(t)) return { ok: true, value: Number(t) };
  if (/^(true|True)$/.test(t)) return { ok: true, value: true };
  if (/^(false|False)$/.test(t)) return { ok: true, value: false };
  if (/^(none|None)$/.test(t)) return { ok: true, value: null };
  if (NAME.test(t)) return { ok: true, value: lookup(t) };
  return { ok: false };
}

/** One Jinja expression: NAME, NAME | default(LIT[, true]), NAME == LIT, NAME | bool. */
function expression(expr: string, lookup: (name: string) => PyValue | undefined): TemplateResult {
  const e = expr.trim();
  let m = e.match(/^([A-Za-z_][A-Za-z0-9_]*)\s*\|\s*default\(\s*(.+?)\s*(?:,\s*(true|True)\s*)?\)$/);
  if (m) {
    const v = lookup(m[1]!);
    const useDefault = v === undefined || (m[3] !== undefined && (v === '' || v === null || v === false));
    const d = literal(m[2]!, lookup);
    if (!d.ok) return { ok: false, reason: `default(${m[2]}) is not a literal this model evaluates` };
    const value = useDefault ? d.value : v;
    return value === undefined
      ? { ok: false, reason: `undefined variable in "${e}"` }
      : { ok: true, value, converted: false };
  }
  m = e.match(/^(.+?)\s*==\s*(.+)$/);
  if (m) {
    const a = literal(m[1]!, lookup);
    const b = literal(m[2]!, lookup);
    if (!a.ok || !b.ok || a.value === undefined || b.value === undefined)
      return { ok: false, reason: `cannot evaluate "${e}"` };
    return { ok: true, value: JSON.stringify(a.value) === JSON.stringify(b.value), converted: false };
  }
  m = e.match(/^([A-Za-z_][A-Za-z0-9_]*)\s*\|\s*bool$/);
  if (m) {
    const v = lookup(m[1]!);
    if (v === undefined) return { ok: false, reason: `undefined variable ${m[1]}` };
    const truthy =
      typeof v === 'string' ? ['yes', 'on', '1', 'true'].includes(v.toLowerCase()) : v === true || v === 1;
    return { ok: true, value: truthy, converted: false };
  }
  if (NAME.test(e)) {
    const v = lookup(e);
    return v === undefined
      ? { ok: false, reason: `undefined variable ${e}` }
      : { ok: true, value: v, converted: false };
  }
  return { ok: false, reason: `"${e}" uses Jinja this model does not evaluate` };
}

/**
 * Evaluates a template string. A template that is one expression keeps the value's type
 * (as Ansible does); with ansible-core ≤ 2.18 (OSA ≤ 32.x) a string result that looks like a
 * JSON dict or list is converted to one. Text around expressions gives a string.
 */
export function evaluateTemplate(
  text: string,
  lookup: (name: string) => PyValue | undefined,
  convertStrings: boolean,
): TemplateResult {
  if (/\{%|\{#/.test(text)) return { ok: false, reason: 'Jinja statements are not evaluated' };
  const single = text.match(/^\s*\{\{(.*?)\}\}\s*$/s);
  if (single && !single[1]!.includes('}}')) {
    const r = expression(single[1]!, lookup);
    if (!r.ok) return r;
    if (convertStrings && typeof r.value === 'string' && /^\s*[[{]/.test(r.value)) {
      try {
        const parsed = jsonLoads(r.value) as PyValue;
        if (Array.isArray(parsed) || isDict(parsed)) return { ok: true, value: parsed, converted: true };
      } catch {
        // not JSON: Ansible keeps the string
      }
    }
    return r;
  }
  let failed: string | null = null;
  const out = text.replace(/\{\{(.*?)\}\}/g, (_, expr: string) => {
    const r = expression(expr, lookup);
    if (!r.ok) {
      failed = r.reason;
      return '';
    }
    return pyStr(r.value);
  });
  return failed === null ? { ok: true, value: out, converted: false } : { ok: false, reason: failed };
}
