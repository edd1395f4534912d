// Drift: what a host runs (the INI sections the collector read from its files) against what OSA
// renders for it. Compared by meaning (config-meaning.ts), one result per differing setting.

import type { FindingLocation } from '../checks/finding.js';
import { optionMeaning } from '../openstack/config-meaning.js';
import { iniValue } from '../openstack/neutron-agent-config.js';
import type { CheckContext, HostView } from './context.js';
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
  /** `option = value` lines as the host has them; [] when the host does not set it. */
  deployed: string[];
  /** `option = value` lines as OSA writes them; [] when OSA does not write it. */
  rendered: string[];
  /** The variable the rendered value comes from, and where it is defined. */
  renderVar: string | null;
  location: FindingLocation | undefined;
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
  const renderedSection: Record<string, string[]> = {};
  for (const o of Object.keys(h.render.ini[file]?.[section] ?? {}))
    renderedSection[o] = h.option(file, section, o);
  const grouped = new Set(settings.flatMap((s) => s.options));
  const singles = [...new Set([...Object.keys(renderedSection), ...Object.keys(deployed)])]
    .filter((o) => !grouped.has(o))
    .sort()
    .map((o) => ({ label: o, options: [o] }));
  const out: Drift[] = [];
  for (const setting of [...settings, ...singles]) {
    const d = values(deployed, setting.options);
    const r = values(renderedSection, setting.options);
    if (d.length === 0 && r.length === 0) continue;
    const meaning = (v: string[]) => (v.length === 0 ? null : optionMeaning(section, setting.label, v));
    if (meaning(d) === meaning(r)) continue;
    const renderVar =
      setting.options.map((o) => h.optionVar(file, section, o)).find((v): v is string => v !== null) ?? null;
    // A mapping from the provider_networks module is located at its entry (sriov_host_interfaces).
    const physnet =
      renderVar === 'provider_networks' ? mappingPhysnets(iniValue(r.at(-1) ?? ''))[0] : undefined;
    out.push({
      setting,
      deployed: lines(deployed, setting.options),
      rendered: lines(renderedSection, setting.options),
      renderVar,
      location: physnet
        ? h.providerNetworkLocation(physnet)
        : renderVar
          ? h.varLocation(renderVar)
          : undefined,
    });
  }
  return out;
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
  return `from ${d.renderVar}${def ? (def.loc && def.loc.line > 0 ? ` at ${where(ctx, def)}` : ` (${def.level})`) : ''}`;
}

/**
 * The fix: re-run the playbook for this host, or, when the host's value is the wanted one, put
 * it where OSA takes it from (at the level that wins for this host) so the next run keeps it.
 */
export function driftFix(
  ctx: CheckContext,
  h: HostView,
  d: Drift,
  playbook: string,
  overridesVar: string,
  section: string,
): string {
  const def = d.renderVar ? h.variable(d.renderVar)?.winner : undefined;
  let keep: string;
  if (d.renderVar === 'provider_networks' || d.renderVar === 'neutron_provider_networks')
    keep = `change sriov_host_interfaces of the provider_networks entry${d.location ? ` at ${shortFile(ctx, d.location.file)}:${d.location.line}` : ''} (or give this host its own neutron_provider_networks in /etc/openstack_deploy/host_vars/${h.name}.yml)`;
  else if (d.renderVar && def?.level === EXTRA_VARS)
    keep = `change ${d.renderVar} at ${where(ctx, def)} (an extra var: it applies to every host)`;
  else if (d.renderVar && d.renderVar !== overridesVar)
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
