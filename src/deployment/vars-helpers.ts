// Shared by the "vars" rules (variable scope, inventory quirks, plugin topology): which
// definitions are per host or group, whether a variable matters on a host, where a
// container_vars definition was written, and short renderings of values for messages.
import { relative } from 'node:path';
import type { FindingLocation } from '../checks/finding.js';
import type { VarDef, VarLevel } from '../osa/inventory.js';
import { entry } from '../osa/load.js';
import type { Loc } from '../osa/pyyaml.js';
import { pciTemplate } from '../osa/render.js';
import { roleDefaultsLookup } from '../osa/role-defaults-lookup.js';
import { HostVars, type ResolvedVar } from '../osa/vars.js';
import { isDict, jsonLoads, type PyValue } from '../python.js';
import { type CheckContext, type HostView, nodeAt, toLocation } from './context.js';

export { neutronPlaybook, novaPlaybook } from './playbooks.js';

export const EXTRA_VARS: VarLevel = 'extra vars (user_*.yml)';

/** Levels that set a variable for one host or one group (what an extra var silently masks). */
export const HOST_OR_GROUP_LEVELS: ReadonlySet<VarLevel> = new Set<VarLevel>([
  'group_vars',
  'inventory host_vars',
  'inventory container_vars',
  'openstack_inventory.json',
  'host_vars file',
]);

/** Every definition of a resolved variable, highest precedence first. */
export function allDefs(r: ResolvedVar): VarDef[] {
  return r.winner ? [r.winner, ...r.overridden] : [...r.overridden];
}

/**
 * Whether a variable shapes anything on this host: neutron variables on neutron hosts, the
 * device spec on computes (and only in the releases that read that name), the scheduler
 * filters on schedulers, the other nova variables on nova hosts.
 */
export function varMatters(ctx: CheckContext, h: HostView, name: string): boolean {
  const g = h.groups;
  if (name === 'nova_device_spec')
    return g.has('nova_compute') && pciTemplate(ctx.release) !== 'passthrough_whitelist';
  if (name === 'nova_pci_passthrough_whitelist') return g.has('nova_compute');
  if (name.startsWith('nova_scheduler_')) return g.has('nova_scheduler');
  if (name.startsWith('nova_')) return g.has('nova_all');
  return g.has('neutron_all');
}

/** path.relative from the deploy dir, once per file in a run (findings name the same few files). */
export function deployRelative(ctx: CheckContext, file: string): string {
  const known = ctx.once(relativePaths);
  let rel = known.get(file);
  if (rel === undefined) {
    rel = relative(ctx.model.deploy.dir, file);
    known.set(file, rel);
  }
  return rel;
}

function relativePaths(): Map<string, string> {
  return new Map();
}

/** A deploy-dir path relative to the deploy dir ("user_variables.yml", "host_vars/c1.yml"). */
export function shortFile(ctx: CheckContext, file: string): string {
  const rel = deployRelative(ctx, file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

/** "user_variables.yml:4" or "openstack_inventory.json" (no line) or the level. */
export function where(ctx: CheckContext, def: VarDef): string {
  const l = toLocation(def.loc);
  if (l) return `${shortFile(ctx, l.file)}:${l.line}`;
  if (def.loc?.file) return shortFile(ctx, def.loc.file);
  return def.level;
}

/** "inventory container_vars at openstack_user_config.yml:83". */
export function describeAt(ctx: CheckContext, def: VarDef): string {
  return `${def.level} at ${where(ctx, def)}`;
}

/** A value as the operator wrote it, shortened for a message. */
export function showValue(v: PyValue | undefined, max = 120): string {
  if (v === undefined) return '(undefined)';
  const s = typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function normalise(v: unknown): unknown {
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[[{]/.test(t)) {
      try {
        return normalise(jsonLoads(t));
      } catch {
        return v;
      }
    }
    return v;
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (isDict(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, normalise(v[k])]),
    );
  return v;
}

/** Same value, reading JSON strings as what they hold (Nova and the templates see the same thing). */
export function sameValue(a: PyValue | undefined, b: PyValue | undefined): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

/**
 * The host whose container_vars hold this definition (matched by where it is written), or
 * null when it is not a container_vars definition of openstack_user_config.yml / conf.d.
 */
export function containerVarsOwner(ctx: CheckContext, def: VarDef): string | null {
  if (def.level !== 'inventory container_vars' || !def.loc) return null;
  return ctx.once(containerVarsOwners).get(locKey(def.loc)) ?? null;
}

const locKey = (l: Loc) => `${l.file}:${l.line}:${l.column}`;

/** Where each container_vars key of openstack_user_config.yml / conf.d is written → its host (once per run). */
function containerVarsOwners(ctx: CheckContext): Map<string, string> {
  const owners = new Map<string, string>();
  for (const group of ctx.model.deploy.userConfig.entries) {
    if (!group.key.endsWith('hosts') || group.value.kind !== 'map') continue;
    for (const host of group.value.entries) {
      const cv = entry(host.value, 'container_vars')?.value;
      if (cv?.kind !== 'map') continue;
      // The first host whose container_vars hold the key, as the search it replaces found it.
      for (const v of cv.entries) if (!owners.has(locKey(v.keyLoc))) owners.set(locKey(v.keyLoc), host.key);
    }
  }
  return owners;
}

/** The physical host an inventory host (container or metal) lives on. */
export function physicalHostOf(ctx: CheckContext, name: string): string {
  return ctx.model.inventory.hosts.get(name)?.physicalHost ?? name;
}

/**
 * A variable the render does not keep (it resolves only the SR-IOV ones), resolved for one
 * host with OSA's precedence.
 */
export function resolveVar(ctx: CheckContext, host: string, name: string): ResolvedVar | null {
  const inv = ctx.model.inventory.hosts.get(host);
  if (!inv) return null;
  return new HostVars(
    inv,
    ctx.model.deploy,
    ctx.model.inventory,
    ctx.release,
    roleDefaultsLookup(ctx.release),
  ).get(name);
}

/** physnet names of a comma-separated "physnet:device" mapping string. */
export function mappingPhysnets(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== '')
        .map((m) => m.split(':')[0]!.trim()),
    ),
  ];
}

/**
 * Where the provider_networks entry that gives a physnet its SR-IOV interfaces is (its `key`),
 * preferring an entry with sriov_host_interfaces when several share the net_name; falls back
 * to HostView.providerNetworkLocation.
 */
export function sriovEntryLocation(h: HostView, physnet: string, key: string): FindingLocation | undefined {
  if (h.render.providerNetworksSource === 'module') {
    const list = h.variable('provider_networks')?.winner?.node ?? null;
    if (list?.kind === 'seq') {
      for (const item of list.items) {
        const net = nodeAt(item, ['network']);
        const name = nodeAt(net, ['net_name']);
        if (name?.kind !== 'scalar' || String(name.value) !== physnet) continue;
        if (!nodeAt(net, ['sriov_host_interfaces'])) continue;
        return toLocation((nodeAt(net, [key]) ?? net)?.loc);
      }
    }
  }
  return h.providerNetworkLocation(physnet, key);
}
