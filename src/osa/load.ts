// Reads an /etc/openstack_deploy directory the way OpenStack-Ansible does (osa_toolkit
// filesystem.py + openstack-ansible.sh): openstack_user_config.yml with conf.d merged over it,
// env.d, user_*.yml extra-vars, group_vars/ and host_vars/, and openstack_inventory.json.
import { existsSync, lstatSync, readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { z } from 'zod';
import { InputError, locationOf } from '../errors.js';
import { parseJsonInput } from '../json-input.js';
import { fileKind, MAX_BYTES, readRegularFile, unreadable } from '../read-input.js';
import {
  type DuplicateKey,
  decodeYaml,
  type Loc,
  parseYamlDocument,
  type YEntry,
  type YNode,
} from './pyyaml.js';

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
  /** Keys written twice in a mapping of any YAML file read (PyYAML keeps the last value). */
  duplicateKeys: DuplicateKey[];
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

function readYaml(file: string, duplicates: DuplicateKey[]): YNode | null {
  const doc = parseYamlDocument(
    decodeYaml(readRegularFile(file, 'this YAML file', MAX_BYTES.yaml), file),
    file,
  );
  duplicates.push(...doc.duplicates);
  return doc.node;
}

/** The names in a directory; an unreadable directory is an InputError at its path. */
function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    throw unreadable(dir, 'this directory', e as NodeJS.ErrnoException);
  }
}

/** stat that follows links, with a dangling link or a loop named as such. */
function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw unreadable(path, 'this entry', e as NodeJS.ErrnoException);
  }
}

/** A path OSA or Ansible reads as a directory when it exists: anything else is located. */
function isDirectory(path: string, why: string): boolean {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  if (st.isSymbolicLink()) st = statOf(path);
  if (!st.isDirectory())
    throw new DeployLoadError(`not a directory (${fileKind(st)})`, { file: path, line: 0, column: 0 }, why);
  return true;
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

/**
 * Files under dir as Python's os.walk lists them for OSA (conf.d/, env.d/): links to directories
 * are not descended (followlinks=False), so a link loop cannot trap it; such a link is noted,
 * since OSA silently skips what it points to. Stable order: sorted names, files before
 * subdirectories' files.
 */
function osWalk(dir: string, notes: LoadNote[]): string[] {
  const out: string[] = [];
  for (const n of listDir(dir)) {
    const p = join(dir, n);
    const st = lstatSync(p);
    if (st.isDirectory()) out.push(...osWalk(p, notes));
    else if (st.isSymbolicLink() && isLinkToDirectory(p)) {
      notes.push({
        message: `${n} is a link to a directory: OSA reads ${basename(dir)}/ with os.walk, which does not follow such links, so the files it points to are not read`,
        location: { file: p, line: 0, column: 0 },
      });
    } else out.push(p);
  }
  return out;
}

function isLinkToDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Files under dir as Ansible's vars plugin lists them (group_vars/, host_vars/): links are
 * followed, so a link back to a directory being read is a loop; Ansible recurses until the
 * path is too long. Reported at the link.
 */
function walkVars(dir: string, seen: readonly string[] = [realpathSync(dir)]): string[] {
  const out: string[] = [];
  for (const n of listDir(dir)) {
    const p = join(dir, n);
    if (statOf(p).isDirectory()) {
      const real = realpathSync(p);
      // A link to the directory itself or to any directory above it, or back along the walk.
      if (seen.includes(real) || `${seen.at(-1)}/`.startsWith(`${real}/`))
        throw new InputError(
          'symlink-loop',
          'a link back to a directory that contains it: Ansible would read it again and again',
          { file: p },
          'remove the link, or point it at a directory outside this one',
        );
      out.push(...walkVars(p, [...seen, real]));
    } else out.push(p);
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

function varFiles(base: string, duplicateKeys: DuplicateKey[]): Map<string, SourceFile[]> {
  const out = new Map<string, SourceFile[]>();
  if (
    !isDirectory(
      base,
      'Ansible reads group_vars/ and host_vars/ as directories of YAML files: move this file away',
    )
  )
    return out;
  for (const name of listDir(base)) {
    const p = join(base, name);
    if (statOf(p).isDirectory()) {
      const files = walkVars(p).filter((f) => !/\/\.|~$/.test(f));
      out.set(
        name,
        files.map((file) => ({ file, node: readYaml(file, duplicateKeys) })),
      );
    } else {
      const m = name.match(/^(.+?)(\.ya?ml|\.json)?$/);
      if (!m || name.startsWith('.')) continue;
      const list = out.get(m[1]!) ?? [];
      list.push({ file: p, node: readYaml(p, duplicateKeys) });
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
  if (!existsSync(dir) || !statOf(dir).isDirectory()) {
    throw new DeployLoadError(
      'not a directory',
      { file: dir, line: 0, column: 0 },
      'give the OSA config directory (like /etc/openstack_deploy)',
    );
  }
  const notes: LoadNote[] = [];
  const duplicateKeys: DuplicateKey[] = [];
  const mainFile = join(dir, 'openstack_user_config.yml');
  const files: string[] = [];
  let config = emptyMap(mainFile);
  if (existsSync(mainFile)) {
    config = asMap(readYaml(mainFile, duplicateKeys), mainFile, 'openstack_user_config.yml');
    files.push(mainFile);
  }
  const confd = join(dir, 'conf.d');
  if (
    isDirectory(
      confd,
      'OSA reads conf.d/ as a directory of YAML files (and ignores a file of that name): move it into a directory',
    )
  ) {
    for (const file of osWalk(confd, notes).filter((f) => /\.ya?ml$/.test(f))) {
      files.push(file);
      const node = asMap(readYaml(file, duplicateKeys), file, 'a conf.d file');
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
  if (
    isDirectory(
      envDir,
      'OSA reads env.d/ as a directory of YAML files (and ignores a file of that name): move it into a directory',
    )
  ) {
    for (const file of osWalk(envDir, notes).filter((f) => /\.ya?ml$/.test(f))) {
      envd = mergeDict(envd ?? emptyMap(file), asMap(readYaml(file, duplicateKeys), file, 'an env.d file'));
    }
  }
  // openstack-ansible.sh: `ls user_*.yml` under LC_ALL=C.UTF-8: byte order.
  const extraVars = listDir(dir)
    .filter((n) => /^user_.*\.yml$/.test(n))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((n) => ({ file: join(dir, n), node: readYaml(join(dir, n), duplicateKeys) }));
  let inventory: DeployDir['inventory'] = null;
  const invFile = join(dir, 'openstack_inventory.json');
  if (existsSync(invFile)) {
    const json = parseJsonInput(
      readRegularFile(invFile, 'the inventory', MAX_BYTES.inventory).toString('utf8'),
      invFile,
      'restore it from backup_openstack_inventory.tar',
    );
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
    groupVars: varFiles(join(dir, 'group_vars'), duplicateKeys),
    hostVars: varFiles(join(dir, 'host_vars'), duplicateKeys),
    duplicateKeys,
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
