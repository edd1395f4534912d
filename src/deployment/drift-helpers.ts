// Drift: what a host runs (the INI sections the collector read from its files) against what OSA
// renders for it. Compared by meaning (config-meaning.ts), one result per differing setting.

import type { FindingLocation, RuleFinding, Severity } from '../checks/finding.js';
import type { IniFile } from '../facts/host-facts.js';
import { ContentMemo } from '../memo.js';
import { groupName, optionMeaning } from '../openstack/config-meaning.js';
import { iniValue, parseListOpt } from '../openstack/neutron-agent-config.js';
import type { IniValue } from '../osa/render.js';
import { type CheckContext, type HostView, toLocation } from './context.js';
import { EXTRA_VARS, mappingPhysnets, shortFile, where } from './vars-helpers.js';

/** One setting: one option, or several names of one option (Nova's deprecated names). */
export interface DriftSetting {
  /** What the messages call it ("device_spec", "physical_device_mappings"). */
  label: string;
  /** The option names that make it, deprecated ones first (oslo.config joins them). */
  options: readonly string[];
}

export interface Drift {
  setting: DriftSetting;
  /** The section, as OSA's template spells it ("FDB"; oslo.config reads it as the group fdb). */
  section: string;
  /** `option = value` lines as the host has them; [] when the host does not set it. */
  deployed: string[];
  /** `option = value` lines as OSA writes them; [] when OSA does not write it. */
  rendered: string[];
  /** The variable the rendered value comes from, and where it is defined. */
  renderVar: string | null;
  location: FindingLocation | undefined;
  /** The physnet whose provider_networks entry the differing rendered value comes from. */
  entry?: string;
}

function lines(section: Readonly<Record<string, readonly string[]>>, options: readonly string[]): string[] {
  return options.flatMap((o) => (section[o] ?? []).map((v) => `${o} = ${v}`));
}

function values(section: Readonly<Record<string, readonly string[]>>, options: readonly string[]): string[] {
  return options.flatMap((o) => [...(section[o] ?? [])]);
}

/**
 * The settings of one section that differ between the host's file and the render. Options not
 * named in `settings` are compared one by one; every option either side sets is looked at.
 */
export function sectionDrift(
  h: HostView,
  file: string,
  section: string,
  deployed: Readonly<Record<string, readonly string[]>>,
  settings: readonly DriftSetting[] = [],
): Drift[] {
  if (renderFails(h, file)) return [];
  const rendered = h.render.ini[file]?.[section] ?? {};
  // Which settings differ, and their lines, depend only on the two sections: compared once
  // per distinct pair in a fleet.
  const differing = SECTION_DIFFS.get(JSON.stringify([section, settings, rendered, deployed]), () =>
    sectionDiff(section, rendered, deployed, settings),
  );
  return differing.map((x) => {
    const renderVar =
      x.setting.options.map((o) => h.optionVar(file, section, o)).find((v): v is string => v !== null) ??
      null;
    // A mapping from the provider_networks module is located at its entry (sriov_host_interfaces).
    const physnet =
      renderVar === 'provider_networks' ? mappingPhysnets(iniValue(x.lastRendered ?? ''))[0] : undefined;
    return {
      setting: x.setting,
      section,
      deployed: x.deployed,
      rendered: x.rendered,
      renderVar,
      location: physnet
        ? h.providerNetworkLocation(physnet)
        : renderVar
          ? h.varLocation(renderVar)
          : undefined,
    };
  });
}

/** A setting that differs between a rendered and a deployed section, with both sides' lines. */
interface SectionDifference {
  setting: DriftSetting;
  deployed: string[];
  rendered: string[];
  /** The last rendered value (where a provider_networks mapping is located). */
  lastRendered: string | undefined;
}

const SECTION_DIFFS = new ContentMemo<readonly SectionDifference[]>(10_000);

/**
 * The settings of one section that differ between the host's file and the render. Options not
 * named in `settings` are compared one by one; every option either side sets is looked at.
 */
function sectionDiff(
  section: string,
  rendered: Readonly<Record<string, IniValue>>,
  deployed: Readonly<Record<string, readonly string[]>>,
  settings: readonly DriftSetting[],
): SectionDifference[] {
  const renderedSection: Record<string, string[]> = {};
  for (const [o, v] of Object.entries(rendered))
    renderedSection[o] = v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
  const grouped = new Set(settings.flatMap((s) => s.options));
  const singles = [...new Set([...Object.keys(renderedSection), ...Object.keys(deployed)])]
    .filter((o) => !grouped.has(o))
    .sort()
    .map((o) => ({ label: o, options: [o] }));
  const out: SectionDifference[] = [];
  for (const setting of [...settings, ...singles]) {
    const d = values(deployed, setting.options);
    const r = values(renderedSection, setting.options);
    if (d.length === 0 && r.length === 0) continue;
    const meaning = (v: string[]) => (v.length === 0 ? null : optionMeaning(section, setting.label, v));
    if (meaning(d) === meaning(r)) continue;
    out.push(
      Object.freeze({
        setting,
        deployed: Object.freeze(lines(deployed, setting.options)) as string[],
        rendered: Object.freeze(lines(renderedSection, setting.options)) as string[],
        lastRendered: r.at(-1),
      }),
    );
  }
  return out;
}

/** One option of an oslo.config file that a drift rule compares. */
export interface FileSetting extends DriftSetting {
  /** The section, as oslo.config names it: lowercase except DEFAULT ("fdb" matches OSA's [FDB]). */
  section: string;
  /**
   * What the service reads when the file does not set the option (the oslo default), as written
   * in a file; null when that default changed between releases (an unset option then differs
   * from every value).
   */
  unset: string | null;
  /**
   * true: compared only when the render writes the option (one the render models only through
   * the *_overrides variable); a host value alone is then not a difference, since OSA's own
   * template may write it.
   */
  onlyWhenRendered?: boolean;
  /** The key of a provider_networks entry a rendered value comes from (located there). */
  providerNetworkKey?: string;
}

/** Items of a "physnet[:rest]" list, grouped by physnet (rest sorted). */
function byPhysnet(text: string): Map<string, string> {
  const m = new Map<string, string[]>();
  for (const item of iniValue(text).split(',')) {
    const t = item.trim();
    if (t === '') continue;
    const i = t.indexOf(':');
    const net = (i < 0 ? t : t.slice(0, i)).trim();
    m.set(net, [...(m.get(net) ?? []), i < 0 ? '' : t.slice(i + 1).replace(/\s+/g, '')]);
  }
  return new Map([...m].map(([k, v]) => [k, [...new Set(v)].sort().join(',')]));
}

/** The first physnet whose items differ between two "physnet[:rest]" lists (rendered first). */
export function firstDifferingPhysnet(rendered: string, deployed: string): string | undefined {
  const r = byPhysnet(rendered);
  const d = byPhysnet(deployed);
  return [...r.keys(), ...d.keys()].find((k) => r.get(k) !== d.get(k));
}

/** The values of an option in the sections of a file whose oslo.config name is `section`. */
function renderedValues(h: HostView, file: string, section: string, option: string): string[] {
  return Object.keys(h.render.ini[file] ?? {})
    .filter((s) => groupName(s) === section)
    .flatMap((s) => h.option(file, s, option));
}

/** The variables an option was rendered from, in the order the render names them. */
export function renderedVars(h: HostView, file: string, section: string, option: string): string[] {
  const sources = Object.entries(h.render.iniSources[file] ?? {})
    .filter(([s]) => groupName(s) === section)
    .flatMap(([, opts]) => opts[option] ?? []);
  return [...new Set(sources.map((d) => d.split(' (')[0]!).filter((n) => n !== ''))];
}

/**
 * OSA's run of os_neutron stops before it writes any file when the provider_networks module
 * fails or a plugin type does not exist: comparing the host's Neutron files with a render that
 * OSA cannot produce would describe a run that never happens (SRIOV-PN-002 or SRIOV-OSA-001 reports the failure).
 */
export function renderFails(h: HostView, file: string): boolean {
  if (!file.startsWith('plugins/ml2/')) return false;
  return (
    h.render.providerNetworksError !== null ||
    h.render.problems.some((p) => p.code === 'unknown-neutron-plugin')
  );
}

/**
 * The settings of one collected file that differ in meaning from the render. The host's file
 * was read (an option it does not set is unset there, and means the oslo default); a file the
 * collector did not find or did not read is not judged (the caller passes only collected files).
 */
export function fileDrift(
  h: HostView,
  file: string,
  deployed: IniFile,
  settings: readonly FileSetting[],
): Drift[] {
  const out: Drift[] = [];
  if (renderFails(h, file)) return out;
  for (const setting of settings) {
    const section = deployed.sections[setting.section] ?? {};
    const rendered: Record<string, string[]> = {};
    for (const o of setting.options) rendered[o] = renderedValues(h, file, setting.section, o);
    // Whether the values differ, and their lines, depend only on the values: once per
    // distinct pair in a fleet.
    const diff = FILE_DIFFS.get(
      JSON.stringify([setting, setting.options.map((o) => section[o] ?? null), rendered]),
      () => fileSettingDiff(setting, section, rendered),
    );
    if (diff === null) continue;
    const renderVar = setting.options.flatMap((o) => renderedVars(h, file, setting.section, o)).at(0) ?? null;
    // A value of the provider_networks module is located at the entry of the physnet that
    // differs, when the render has that physnet (a physnet only the host lists has no entry).
    const fromEntries =
      setting.providerNetworkKey !== undefined &&
      (renderVar === 'provider_networks' || renderVar === 'neutron_provider_networks');
    const entry = fromEntries ? diff.entry : undefined;
    out.push({
      setting,
      // Named as OSA writes it ([FDB]): the *_overrides keys must match the template's spelling.
      section:
        Object.keys(h.render.ini[file] ?? {}).find((s) => groupName(s) === setting.section) ??
        setting.section,
      deployed: diff.deployed,
      rendered: diff.rendered,
      renderVar,
      location: entry
        ? h.providerNetworkLocation(entry, setting.providerNetworkKey)
        : renderVar
          ? h.varLocation(renderVar)
          : undefined,
      ...(entry ? { entry } : {}),
    });
  }
  return out;
}

/** A setting whose deployed and rendered values differ in meaning, with their lines. */
interface FileSettingDifference {
  deployed: string[];
  rendered: string[];
  /** The physnet whose items differ, when the rendered value has it (for a provider_networks value). */
  entry: string | undefined;
}

const FILE_DIFFS = new ContentMemo<FileSettingDifference | null>(10_000);

function fileSettingDiff(
  setting: FileSetting,
  section: Readonly<Record<string, readonly string[]>>,
  rendered: Readonly<Record<string, readonly string[]>>,
): FileSettingDifference | null {
  const d = values(section, setting.options);
  const r = values(rendered, setting.options);
  if (setting.onlyWhenRendered && r.length === 0) return null;
  const meaning = (v: string[]) =>
    v.length === 0 && setting.unset === null
      ? null
      : optionMeaning(setting.section, setting.label, v.length === 0 ? [setting.unset ?? ''] : v);
  if (meaning(d) === meaning(r)) return null;
  const physnet =
    setting.providerNetworkKey !== undefined
      ? firstDifferingPhysnet(r.at(-1) ?? '', d.at(-1) ?? '')
      : undefined;
  return Object.freeze({
    deployed: Object.freeze(lines(section, setting.options)) as string[],
    rendered: Object.freeze(lines(rendered, setting.options)) as string[],
    entry:
      physnet !== undefined && byPhysnet(r.at(-1) ?? '').has(physnet) && physnet !== '*'
        ? physnet
        : undefined,
  });
}

/** The facts describe this host's own files: a physical host (a container's facts are its host's). */
export function factsAreOwnFiles(h: HostView): boolean {
  return h.facts !== null && h.render.isMetal;
}

/** "x = 1; x = 2", or "(not set)". */
export function showLines(l: readonly string[]): string {
  return l.length === 0 ? '(not set)' : l.join('; ');
}

/** "nova_device_spec at host_vars/compute2.yml:3", "neutron_sriov_excluded_devices (role default)". */
export function renderedFrom(ctx: CheckContext, h: HostView, d: Drift): string {
  if (!d.renderVar) return 'OSA does not write it';
  const def = h.variable(d.renderVar)?.winner;
  if (!def) return `from ${d.renderVar}`;
  // The value's own place (a provider_networks entry's key) when it is inside the definition.
  const at = d.location && def.loc && d.location.file === def.loc.file ? d.location : toLocation(def.loc);
  return `from ${d.renderVar}${at ? ` at ${shortFile(ctx, at.file)}:${at.line}:${at.column}` : ` (${def.level})`}`;
}

/**
 * The fix: re-run the playbook for this host, or, when the host's value is the wanted one, put
 * it where OSA takes it from (at the level that wins for this host) so the next run keeps it.
 * `derived`: the rendered value is computed from the variable, not the variable's value (the
 * mechanism drivers from the plugin types), so the host's value goes to the overrides variable.
 * `providerNetworkKey`: the key of the provider_networks entry the value comes from.
 */
export function driftFix(
  ctx: CheckContext,
  h: HostView,
  d: Drift,
  playbook: string,
  overridesVar: string,
  section: string,
  opts: { derived?: boolean; providerNetworkKey?: string } = {},
): string {
  const def = d.renderVar ? h.variable(d.renderVar)?.winner : undefined;
  const fromProviderNetworks =
    d.renderVar === 'provider_networks' || d.renderVar === 'neutron_provider_networks';
  let keep: string;
  if (fromProviderNetworks && !opts.derived)
    keep = `change ${opts.providerNetworkKey ?? 'sriov_host_interfaces'} of the provider_networks entry${d.location ? ` at ${shortFile(ctx, d.location.file)}:${d.location.line}` : ''} (or give this host its own neutron_provider_networks in /etc/openstack_deploy/host_vars/${h.name}.yml)`;
  else if (d.renderVar && def?.level === EXTRA_VARS && !opts.derived)
    keep = `change ${d.renderVar} at ${where(ctx, def)} (an extra var: it applies to every host)`;
  else if (d.renderVar && d.renderVar !== overridesVar && !opts.derived)
    keep = `set ${d.renderVar} to it in /etc/openstack_deploy/host_vars/${h.name}.yml`;
  else keep = `add it under ${section} in ${overridesVar} in /etc/openstack_deploy/host_vars/${h.name}.yml`;
  return `to run what the deploy directory says, re-run ${playbook}; to keep the host's value instead (a hand edit), ${keep}, or the next run undoes it`;
}

/** What the next run of the role's playbook does to a drifted setting (the render wins). */
export function driftConsequence(d: Drift, role: string): string {
  if (d.rendered.length === 0) return `the next ${role} run removes it`;
  if (d.deployed.length === 0) return `OSA writes it at the next ${role} run`;
  return `the next ${role} run replaces it with the rendered value`;
}

/** How a drift rule reports one differing setting of a host's file. */
export interface DriftReport {
  /** The file on the host ("/etc/neutron/plugins/ml2/ml2_conf.ini"). */
  hostPath: string;
  /** The file in the render (ML2_INI). */
  file: string;
  /** The OSA role whose run rewrites the file ("os_neutron"). */
  role: string;
  /** The playbook to re-run, with --limit for this host. */
  playbook: string;
  overridesVar: string;
  /** What the host's value does, in words. */
  effect: string;
  severity: Severity;
  derived?: boolean;
  providerNetworkKey?: string;
}

/** A finding about the host a host-scope rule was given (the framework adds the host). */
export type DriftFinding = Omit<RuleFinding, 'host'>;

/** One finding for one differing setting: both values, where the rendered one comes from, the fix. */
export function driftFinding(ctx: CheckContext, h: HostView, d: Drift, r: DriftReport): DriftFinding {
  return {
    severity: r.severity,
    message: `[${d.section}] ${d.setting.label} in ${r.hostPath} differs from what OSA renders for this host: ${r.effect}; ${driftConsequence(d, r.role)}`,
    ...(d.location ? { location: d.location } : {}),
    evidence: [
      `deployed (${r.hostPath} [${d.section}]): ${shown(d.deployed, d.setting)}`,
      `rendered (${r.file} [${d.section}], ${renderedFrom(ctx, h, d)}): ${shown(d.rendered, d.setting)}`,
    ],
    // A value the module builds from several entries (or a physnet it does not have) is kept
    // through the overrides variable; one entry's value is changed at that entry.
    fix: driftFix(ctx, h, d, r.playbook, r.overridesVar, d.section, {
      ...(r.derived || (r.providerNetworkKey && !d.entry) ? { derived: true } : {}),
      ...(r.providerNetworkKey && d.entry ? { providerNetworkKey: r.providerNetworkKey } : {}),
    }),
  };
}

/** showLines, and what an unset option means to the service. */
function shown(l: readonly string[], setting: DriftSetting): string {
  const unset = (setting as Partial<FileSetting>).unset;
  if (l.length > 0 || unset === undefined || unset === null) return showLines(l);
  return unset === '' ? '(not set: empty, the default)' : `(not set: "${unset}", the default)`;
}

/** The items of the last `option = a,b` line (ListOpt), for messages that name what differs. */
export function listItems(lines: readonly string[]): string[] {
  const l = lines.at(-1);
  return l === undefined ? [] : parseListOpt(l.slice(l.indexOf('=') + 1));
}
