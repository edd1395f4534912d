// Reads an /etc/openstack_deploy directory the way OpenStack-Ansible does (osa_toolkit
// filesystem.py + openstack-ansible.sh): openstack_user_config.yml with conf.d merged over it,
// env.d, user_*.yml extra-vars, group_vars/ and host_vars/, and openstack_inventory.json.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { InputError, locationOf } from '../errors.js';
import { type Loc, parseYaml, type YEntry, type YNode } from './pyyaml.js';

export type YMap = Extract<YNode, { kind: 'map' }>;

export interface SourceFile {
  file: string;
  node: YNode | null;
}

export interface LoadNote {
  message: string;
  location: Loc | null;
}

export interface DeployDir {
  dir: string;
  /** openstack_user_config.yml with every conf.d file merged in (merge_dict semantics). */
  userConfig: YMap;
  userConfigFiles: string[];
  /** env.d/*.yml merged (skeleton overrides), or null when there is none. */
  envd: YMap | null;
  /** user_*.yml in the order openstack-ansible.sh passes them (-e @file), last wins. */
  extraVars: SourceFile[];
  groupVars: Map<string, SourceFile[]>;
  hostVars: Map<string, SourceFile[]>;
  inventory: { file: string; hostvars: Record<string, Record<string, unknown>> } | null;
  notes: LoadNote[];
}

/** A deploy directory OSA could not read; YAML errors are YamlErrors (both are InputErrors). */
export class DeployLoadError extends InputError {
  constructor(message: string, location: Loc | null, hint: string, code = 'deploy-invalid') {
    super(code, message, location ? locationOf(location.file, location.line, location.column) : null, hint);
  }
}

function emptyMap(file: string): YMap {
  return { kind: 'map', loc: { file, line: 1, column: 1 }, entries: [] };
}

function readYaml(file: string): YNode | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DeployLoadError(
      `cannot read: ${(e as Error).message}`,
      { file, line: 0, column: 0 },
      'check the file permissions',
    );
  }
  return parseYaml(text, file);
}

function asMap(node: YNode | null, file: string, what: string): YMap {
  if (node === null) return emptyMap(file);
  if (node.kind !== 'map') {
    throw new DeployLoadError(
      `${what} must be a YAML mapping, not a ${node.kind === 'seq' ? 'list' : 'scalar'}`,
      node.loc,
      'make the top level of the file a mapping of keys',
    );
  }
  return node;
}

/** Files under dir, recursively, in a stable order (sorted names, files before subdirectories' files). */
function walk(dir: string): string[] {
  const out: string[] = [];
  const names = readdirSync(dir).sort();
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/**
 * osa_toolkit dictutils.merge_dict: a non-empty mapping merges key by key, anything else
 * (lists, scalars, an empty mapping) replaces. Returns a new node; inputs are not changed.
 */
export function mergeDict(
  base: YMap,
  incoming: YMap,
  onReplace?: (key: string, old: YNode, next: YNode) => void,
): YMap {
  const entries = [...base.entries];
  for (const e of incoming.entries) {
    const i = entries.findIndex((x) => x.key === e.key);
    const old = i >= 0 ? entries[i]! : null;
    let value: YNode = e.value;
    if (e.value.kind === 'map' && e.value.entries.length > 0) {
      const prev = old && old.value.kind === 'map' ? old.value : emptyMap(e.value.loc.file);
      value = mergeDict(prev, e.value, onReplace);
    } else if (old && onReplace) {
      onReplace(e.key, old.value, e.value);
    }
    const merged: YEntry = { ...e, value };
    if (i >= 0) entries[i] = merged;
    else entries.push(merged);
  }
  return { kind: 'map', loc: base.loc, entries };
}

function varFiles(base: string): Map<string, SourceFile[]> {
  const out = new Map<string, SourceFile[]>();
  if (!existsSync(base)) return out;
  if (!statSync(base).isDirectory()) {
    throw new DeployLoadError(
      'not a directory',
      { file: base, line: 0, column: 0 },
      'Ansible reads group_vars/ and host_vars/ as directories of YAML files: move this file away',
    );
  }
  for (const name of readdirSync(base).sort()) {
    const p = join(base, name);
    if (statSync(p).isDirectory()) {
      const files = walk(p).filter((f) => !/\/\.|~$/.test(f));
      out.set(
        name,
        files.map((file) => ({ file, node: readYaml(file) })),
      );
    } else {
      const m = name.match(/^(.+?)(\.ya?ml|\.json)?$/);
      if (!m || name.startsWith('.')) continue;
      const list = out.get(m[1]!) ?? [];
      list.push({ file: p, node: readYaml(p) });
      out.set(m[1]!, list);
    }
  }
  return out;
}

const InventoryJson = z
  .object({ _meta: z.object({ hostvars: z.record(z.string(), z.record(z.string(), z.unknown())) }) })
  .loose();

/** Loads a deploy directory; throws DeployLoadError (with a location) on unreadable input. */
export function loadDeployDir(dir: string): DeployDir {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DeployLoadError(
      'not a directory',
      { file: dir, line: 0, column: 0 },
      'give the OSA config directory (like /etc/openstack_deploy)',
    );
  }
  const notes: LoadNote[] = [];
  const mainFile = join(dir, 'openstack_user_config.yml');
  const files: string[] = [];
  let config = emptyMap(mainFile);
  if (existsSync(mainFile)) {
    config = asMap(readYaml(mainFile), mainFile, 'openstack_user_config.yml');
    files.push(mainFile);
  }
  const confd = join(dir, 'conf.d');
  if (existsSync(confd)) {
    for (const file of walk(confd).filter((f) => /\.ya?ml$/.test(f))) {
      files.push(file);
      const node = asMap(readYaml(file), file, 'a conf.d file');
      config = mergeDict(config, node, (key, old, next) => {
        if (old.loc.file !== mainFile && old.loc.file !== next.loc.file) {
          notes.push({
            message: `"${key}" is set in ${relative(dir, old.loc.file)} and ${relative(dir, next.loc.file)}; OSA reads conf.d in os.walk order, which is not sorted, so either may win (this model takes the later name)`,
            location: next.loc,
          });
        }
      });
    }
  }
  if (files.length === 0 || config.entries.length === 0) {
    throw new DeployLoadError(
      'no openstack_user_config.yml or conf.d/*.yml with content',
      { file: dir, line: 0, column: 0 },
      'give the directory that holds openstack_user_config.yml',
    );
  }
  let envd: YMap | null = null;
  const envDir = join(dir, 'env.d');
  if (existsSync(envDir)) {
    for (const file of walk(envDir).filter((f) => /\.ya?ml$/.test(f))) {
      envd = mergeDict(envd ?? emptyMap(file), asMap(readYaml(file), file, 'an env.d file'));
    }
  }
  // openstack-ansible.sh: `ls user_*.yml` under LC_ALL=C.UTF-8: byte order.
  const extraVars = readdirSync(dir)
    .filter((n) => /^user_.*\.yml$/.test(n))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((n) => ({ file: join(dir, n), node: readYaml(join(dir, n)) }));
  let inventory: DeployDir['inventory'] = null;
  const invFile = join(dir, 'openstack_inventory.json');
  if (existsSync(invFile)) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(invFile, 'utf8'));
    } catch (e) {
      throw new DeployLoadError(
        `not valid JSON: ${(e as Error).message}`,
        { file: invFile, line: 0, column: 0 },
        'restore it from backup_openstack_inventory.tar',
      );
    }
    const parsed = InventoryJson.safeParse(json);
    if (!parsed.success) {
      throw new DeployLoadError(
        'not an OSA inventory (no _meta.hostvars)',
        { file: invFile, line: 0, column: 0 },
        "give a file written by OSA's dynamic_inventory.py",
      );
    }
    inventory = { file: invFile, hostvars: parsed.data._meta.hostvars };
  }
  return {
    dir,
    userConfig: config,
    userConfigFiles: files,
    envd,
    extraVars,
    groupVars: varFiles(join(dir, 'group_vars')),
    hostVars: varFiles(join(dir, 'host_vars')),
    inventory,
    notes,
  };
}

/** The entry for key in a map node, or undefined. */
export function entry(map: YNode | null | undefined, key: string): YEntry | undefined {
  if (map?.kind !== 'map') return undefined;
  for (let i = map.entries.length - 1; i >= 0; i--) if (map.entries[i]!.key === key) return map.entries[i];
  return undefined;
}
