// OSA's dynamic inventory (osa_toolkit/generate.py), reduced to what SR-IOV needs: which
// inventory hosts exist, their Ansible groups, whether they are metal, and the inventory
// host vars (host_vars:, container_vars: with their prefix leak, openstack_inventory.json).

import { isDict, type PyValue } from '../python.js';
import { type DeployDir, entry, type YMap } from './load.js';
import { type Loc, toPlain, type YNode } from './pyyaml.js';
import type { Release } from './releases.js';
import { baseSkeleton, type ContainerSkel, type Skeleton } from './skeleton.js';

/** One definition of a variable, somewhere. */
export interface VarDef {
  name: string;
  value: PyValue;
  /** The YAML node, when it came from a YAML file (for locations inside the value). */
  node: YNode | null;
  loc: Loc | null;
  level: VarLevel;
  note?: string;
}

export type VarLevel =
  | 'role default'
  | 'global_overrides'
  | 'group_vars'
  | 'inventory host_vars'
  | 'inventory container_vars'
  | 'openstack_inventory.json'
  | 'host_vars file'
  | 'role vars'
  | 'extra vars (user_*.yml)';

export interface InventoryHost {
  name: string;
  physicalHost: string;
  isContainer: boolean;
  isMetal: boolean;
  /** The container_skel entry a container was made from; null for a physical host. */
  containerSkel: string | null;
  directGroups: Set<string>;
  /** group_names: every group the host is in, through children too (not all/ungrouped). */
  groups: string[];
  /** Inventory-level host vars, in the order generate.py applies them (later wins). */
  inventoryVars: VarDef[];
  /** A physical host's management address: `management_ip` (2023.1+) or `ip`; null for containers. */
  address: string | null;
}

export interface Inventory {
  hosts: Map<string, InventoryHost>;
  skeleton: Skeleton;
  /** Vars in openstack_inventory.json that the current config no longer sets (OSA never deletes them). */
  staleVars: Array<{ host: string; name: string; value: unknown; file: string }>;
  notes: Array<{ message: string; location: Loc | null }>;
  /** Where generate.py itself would fail (the inventory is never written; no playbook runs). */
  failures: Array<{ message: string; location: Loc | null }>;
}

/** Keys generate.py itself writes into hostvars; never reported as stale. */
const INVENTORY_INTERNAL = new Set([
  'ansible_host',
  'management_address',
  'container_name',
  'container_address',
  'container_networks',
  'container_types',
  'physical_host',
  'physical_host_addr',
  'physical_host_group',
  'component',
  'properties',
  'is_metal',
  'ansible_ssh_host',
  'container_tech',
]);

function skeletonToPlain(s: Skeleton): Record<string, Record<string, PyValue>> {
  const out: Record<string, Record<string, PyValue>> = {
    physical_skel: {},
    container_skel: {},
    component_skel: {},
  };
  for (const [k, v] of Object.entries(s.physical)) out.physical_skel![k] = { belongs_to: v };
  for (const [k, c] of Object.entries(s.containers)) {
    out.container_skel![k] = {
      belongs_to: c.belongsTo,
      contains: c.contains,
      properties: { is_metal: c.isMetal },
    };
  }
  for (const [k, v] of Object.entries(s.components)) out.component_skel![k] = { belongs_to: v };
  return out;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function plainMerge(base: Record<string, unknown>, add: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(add)) {
    if (isDict(v) && Object.keys(v).length > 0)
      base[k] = plainMerge(isDict(base[k]) ? { ...(base[k] as object) } : {}, v);
    else base[k] = v;
  }
  return base;
}

/** The release's skeleton with the deploy dir's env.d merged over it (merge_dict: lists replace). */
export function effectiveSkeleton(release: Release, envd: YMap | null): Skeleton {
  const base = baseSkeleton(release);
  if (!envd) return base;
  const merged = plainMerge(skeletonToPlain(base), toPlain(envd) as Record<string, unknown>);
  const section = (k: string) => (isDict(merged[k]) ? (merged[k] as Record<string, unknown>) : {});
  const containers: Record<string, ContainerSkel> = {};
  for (const [k, v] of Object.entries(section('container_skel'))) {
    const d = isDict(v) ? v : {};
    const props = isDict(d.properties) ? d.properties : {};
    containers[k] = {
      belongsTo: strings(d.belongs_to),
      contains: strings(d.contains),
      isMetal: props.is_metal === true,
    };
  }
  const groupsOf = (k: string) =>
    Object.fromEntries(
      Object.entries(section(k)).map(([g, v]) => [g, strings(isDict(v) ? v.belongs_to : [])]),
    );
  return { physical: groupsOf('physical_skel'), containers, components: groupsOf('component_skel') };
}

/**
 * 33.x generate.py _normalize_user_config: top-level keys '-'→'_'; two host groups that now
 * share a name are merged like dict.update (a host in both keeps its place, takes the later
 * entry); a host given two different IPs makes OSA stop with MultipleIpForHostError.
 */
function normalizeUserConfig(config: YMap, notes: Inventory['notes']): YMap {
  const entries: YMap['entries'] = [];
  for (const e of config.entries) {
    const key = e.key.replace(/-/g, '_');
    const i = entries.findIndex((x) => x.key === key);
    const prev = i >= 0 ? entries[i]!.value : null;
    if (prev?.kind !== 'map' || e.value.kind !== 'map') {
      if (i >= 0) entries[i] = { ...e, key };
      else entries.push({ ...e, key });
      continue;
    }
    const merged = [...prev.entries];
    for (const h of e.value.entries) {
      const j = merged.findIndex((x) => x.key === h.key);
      if (j < 0) {
        merged.push(h);
        continue;
      }
      const ipA = toPlain(entry(merged[j]!.value, 'ip')?.value ?? null);
      const ipB = toPlain(entry(h.value, 'ip')?.value ?? null);
      if (ipA !== ipB) {
        notes.push({
          message: `${h.key} has ip ${String(ipA)} and ${String(ipB)} in ${e.key} and its underscore twin: OSA 33.x stops with MultipleIpForHostError`,
          location: h.keyLoc,
        });
      }
      merged[j] = h;
    }
    entries[i] = { ...entries[i]!, value: { ...prev, entries: merged } };
  }
  return { ...config, entries };
}

function physicalGroupOf(containerGroup: string, suffix: string): string {
  return containerGroup.replace(/^(.*)_(.*)$/, `$1_${suffix}`);
}

/** A container's name as generate.py builds it, without its random `-<8 hex>` suffix. */
export function containerBaseName(host: string, containerGroup: string, release: Release): string {
  return release.major >= 29 ? `${host}-${containerGroup.replace(/_/g, '-')}` : `${host}_${containerGroup}`;
}

/**
 * The inventory host a user means: the exact name, or a container named in the other form
 * (`infra1_nova_api_container-1a2b3c4d` and `infra1-nova-api-container`: '_' and '-' alike,
 * with or without the random suffix), as generate.py itself matches existing containers.
 */
export function findInventoryHost(inventory: Inventory, name: string): string | null {
  if (inventory.hosts.has(name)) return name;
  const key = (n: string) => n.replace(/_/g, '-');
  const bare = (n: string) => key(n).replace(/-[0-9a-f]{8}$/, '');
  const containers = [...inventory.hosts.values()].filter((h) => h.isContainer).map((h) => h.name);
  const exact = containers.filter((c) => key(c) === key(name));
  if (exact.length === 1) return exact[0]!;
  const loose = containers.filter((c) => bare(c) === bare(name));
  return loose.length === 1 ? loose[0]! : null;
}

export function buildInventory(deploy: DeployDir, release: Release): Inventory {
  const notes: Inventory['notes'] = [];
  const config = release.major >= 33 ? normalizeUserConfig(deploy.userConfig, notes) : deploy.userConfig;
  const skeleton = effectiveSkeleton(release, deploy.envd);
  // 33.x generate.py also writes the physical host group of a container type with underscores.
  const norm = (g: string) => (release.major >= 33 ? g.replace(/-/g, '_') : g);
  const hosts = new Map<string, InventoryHost>();
  const globalOverrides = entry(config, 'global_overrides')?.value;
  const globalNoContainers = toPlain(entry(globalOverrides, 'no_containers')?.value ?? null) === true;

  // user_defined_setup: every "*hosts" key is a host group; host_vars apply to the exact host.
  const hostGroups: Array<{ group: string; hosts: Array<{ name: string; node: YNode }> }> = [];
  for (const e of config.entries) {
    if (!e.key.endsWith('hosts') || e.value.kind !== 'map') continue;
    const list = e.value.entries.map((h) => ({ name: h.key, node: h.value }));
    hostGroups.push({ group: e.key, hosts: list });
    for (const h of list) {
      let host = hosts.get(h.name);
      if (!host) {
        host = {
          name: h.name,
          physicalHost: h.name,
          isContainer: false,
          isMetal: true,
          containerSkel: null,
          directGroups: new Set(),
          groups: [],
          inventoryVars: [],
          address: null,
        };
        hosts.set(h.name, host);
      }
      if (host.address === null) {
        const mgmt = release.major >= 27 ? toPlain(entry(h.node, 'management_ip')?.value ?? null) : null;
        const ip = mgmt ?? toPlain(entry(h.node, 'ip')?.value ?? null);
        host.address = typeof ip === 'string' ? ip : null;
      }
      host.directGroups.add(e.key);
      const hv = entry(h.node, 'host_vars')?.value;
      if (hv?.kind === 'map') {
        for (const v of hv.entries) {
          host.inventoryVars.push({
            name: v.key,
            value: toPlain(v.value) as PyValue,
            node: v.value,
            loc: v.keyLoc,
            level: 'inventory host_vars',
          });
        }
      }
    }
  }

  // container_skel_load: components land on hosts (metal) or in containers on them.
  const byGroup = new Map(hostGroups.map((g) => [g.group, g.hosts]));
  const component = new Map<string, string>();
  const metalOverride = new Set<string>();
  for (const [cname, c] of Object.entries(skeleton.containers)) {
    for (const assignment of c.contains) {
      for (const containerType of c.belongsTo) {
        const physicalType = norm(physicalGroupOf(containerType, 'hosts'));
        const members = byGroup.get(physicalType);
        if (!members) continue;
        const allGroup = physicalGroupOf(containerType, 'all').replace(/-/g, '_');
        for (const h of members) {
          const noContainers = toPlain(entry(h.node, 'no_containers')?.value ?? null);
          // generate.py sets properties['is_metal'] on the shared skeleton dict: it sticks for later hosts.
          if (noContainers === true || (noContainers === null && globalNoContainers))
            metalOverride.add(cname);
          const metal = c.isMetal || metalOverride.has(cname);
          let target: InventoryHost;
          if (metal) {
            target = hosts.get(h.name)!;
          } else {
            // generate.py names a container <host>_<container group>-<8 hex> before 2024.1 and
            // <host>-<container-group>-<8 hex> since (d74d038, names kept for existing containers);
            // the hex part is random, so a new container is named without it.
            const prefix = containerBaseName(h.name, cname, release);
            const known = Object.keys(deploy.inventory?.hostvars ?? {}).find((n) =>
              new RegExp(`^${prefix.replace(/[-_]/g, '[-_]')}-`).test(n),
            );
            const name = known ?? prefix;
            target = hosts.get(name) ?? {
              name,
              physicalHost: h.name,
              isContainer: true,
              isMetal: false,
              containerSkel: cname,
              directGroups: new Set([cname, `${h.name}_host_containers`]),
              groups: [],
              inventoryVars: [],
              address: null,
            };
            hosts.set(name, target);
            hosts.get(h.name)!.directGroups.add('lxc_hosts');
          }
          target.directGroups.add(assignment);
          target.directGroups.add(allGroup);
          component.set(target.name, assignment);
        }
      }
    }
  }

  // container_vars: applied to every inventory host whose name starts with the host's name
  // (the prefix leak: compute1's container_vars reach compute10), in config order, later wins.
  const names = [...hosts.keys()].sort();
  const withPrefix = (p: string) => {
    let lo = 0;
    let hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (names[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < names.length && names[i]!.startsWith(p); i++) out.push(names[i]!);
    return out;
  };
  const hasContainers = new Set(
    Object.values(skeleton.containers).flatMap((c) =>
      c.belongsTo.map((t) => norm(physicalGroupOf(t, 'hosts'))),
    ),
  );
  for (const g of hostGroups) {
    if (!hasContainers.has(g.group)) continue;
    for (const h of g.hosts) {
      const cv = entry(h.node, 'container_vars')?.value;
      if (cv?.kind !== 'map') continue;
      for (const targetName of withPrefix(h.name)) {
        const target = hosts.get(targetName)!;
        if (!component.has(targetName)) continue;
        // Another physical host, or a container on another physical host (compute10-…).
        const leaked = targetName !== h.name && (!target.isContainer || target.physicalHost !== h.name);
        if (leaked && !target.isContainer) {
          notes.push({
            message: `container_vars of ${h.name} also apply to ${targetName}, whose name starts with "${h.name}" (generate.py matches hosts by prefix); use host_vars or rename`,
            location: cv.loc,
          });
        }
        for (const v of cv.entries) {
          let value = toPlain(v.value) as PyValue;
          if (isDict(value) && typeof value.limit_container_types === 'string') {
            const limit = value.limit_container_types;
            const comp = component.get(targetName) ?? '';
            if (!comp.includes(limit)) continue;
            const { limit_container_types: _, ...rest } = value;
            value = rest;
          }
          target.inventoryVars.push({
            name: v.key,
            value,
            node: v.value,
            loc: v.keyLoc,
            level: 'inventory container_vars',
            ...(leaked ? { note: `container_vars of ${h.name}, leaked by name prefix` } : {}),
          });
        }
      }
    }
  }

  // openstack_inventory.json: vars it holds that the config does not set any more still apply.
  const staleVars: Inventory['staleVars'] = [];
  if (deploy.inventory) {
    for (const [hname, vars] of Object.entries(deploy.inventory.hostvars)) {
      const host = hosts.get(hname);
      if (!host) continue;
      for (const [name, value] of Object.entries(vars)) {
        if (INVENTORY_INTERNAL.has(name) || host.inventoryVars.some((d) => d.name === name)) continue;
        staleVars.push({ host: hname, name, value, file: deploy.inventory.file });
        host.inventoryVars.unshift({
          name,
          value: value as PyValue,
          node: null,
          loc: { file: deploy.inventory.file, line: 0, column: 0 },
          level: 'openstack_inventory.json',
          note: 'kept in openstack_inventory.json although the config no longer sets it',
        });
      }
    }
  }

  // Group parents: physical_skel, container_skel and component_skel belongs_to.
  const parents = new Map<string, string[]>();
  const addParents = (g: string, ps: string[]) => parents.set(g, [...(parents.get(g) ?? []), ...ps]);
  for (const [g, ps] of Object.entries(skeleton.physical)) addParents(g, ps);
  for (const [g, c] of Object.entries(skeleton.containers)) addParents(g, c.belongsTo);
  for (const [g, ps] of Object.entries(skeleton.components)) addParents(g, ps);
  for (const g of hostGroups) if (!parents.has(g.group)) addParents(g.group, ['hosts']);
  const closureCache = new Map<string, string[]>();
  const closure = (g: string, seen = new Set<string>()): string[] => {
    const cached = closureCache.get(g);
    if (cached) return cached;
    if (seen.has(g)) return [];
    seen.add(g);
    const out = [g, ...(parents.get(g) ?? []).flatMap((p) => closure(p, seen))];
    closureCache.set(g, out);
    return out;
  };
  for (const host of hosts.values()) {
    host.groups = [...new Set([...host.directGroups].flatMap((g) => closure(g)))]
      .filter((g) => g !== 'all' && g !== 'ungrouped')
      .sort();
  }
  const failures = release.major >= 27 ? unaddressedContainerNetworks(config, deploy, hosts, release) : [];
  return { hosts, skeleton, staleVars, notes, failures };
}

/**
 * _add_additional_networks since 27.0.0: an LXC container bound (group_binds) to a provider
 * network gets an address from the entry's ip_from_q queue, and the generator then reads
 * networks[...]['address'] unconditionally; with no ip_from_q there is none, and generate.py
 * stops with KeyError: 'address' (osa.md §9.1). A container whose existing inventory already
 * has that network, or the `<q>_address` variable, keeps it and is spared.
 */
function unaddressedContainerNetworks(
  config: YNode | null,
  deploy: DeployDir,
  hosts: ReadonlyMap<string, InventoryHost>,
  release: Release,
): Inventory['failures'] {
  const list = entry(entry(config, 'global_overrides')?.value, 'provider_networks')?.value;
  if (list?.kind !== 'seq') return [];
  const out: Inventory['failures'] = [];
  for (const [index, item] of list.items.entries()) {
    const net = entry(item, 'network')?.value;
    const p = toPlain(net ?? null);
    if (!isDict(p) || (typeof p.ip_from_q === 'string' && p.ip_from_q !== '')) continue;
    const binds = Array.isArray(p.group_binds) ? p.group_binds.map(String) : [];
    const groups = new Set(binds.map((g) => (release.major >= 33 ? g.replace(/-/g, '_') : g)));
    const prefix = typeof p.address_prefix === 'string' ? p.address_prefix : null;
    const key = `${prefix ?? String(p.container_interface ?? 'None')}_address`;
    const rg = typeof p.reference_group === 'string' ? p.reference_group : null;
    const inRef = (h: InventoryHost) =>
      rg === null || (hosts.get(h.physicalHost)?.groups.includes(rg) ?? false);
    const hit = [...hosts.values()].filter((h) => {
      if (!h.isContainer || h.isMetal || !inRef(h) || !h.groups.some((g) => groups.has(g))) return false;
      const known = deploy.inventory?.hostvars[h.name];
      const nets = known?.container_networks;
      return !(isDict(nets as PyValue) && key in (nets as Record<string, unknown>)) && !known?.[key];
    });
    if (hit.length === 0) continue;
    const name = typeof p.net_name === 'string' ? ` (net_name ${p.net_name})` : '';
    out.push({
      message: `OpenStack-Ansible's inventory generator fails with KeyError: 'address' (dynamic_inventory.py, before any playbook runs): provider_networks entry ${index + 1}${name} has no ip_from_q, and its group_binds (${binds.join(', ')}) put it in LXC containers, which need an address on every network bound to them: ${hit.map((h) => h.name).join(', ')}`,
      location: item.loc,
    });
  }
  return out;
}
