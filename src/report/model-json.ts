// `render --format json`: the stable machine interface documented in docs/render-json.md.
import type { VarDef } from '../osa/inventory.js';
import type { DeploymentModel } from '../osa/model.js';
import type { Loc } from '../osa/pyyaml.js';
import type { HostRender } from '../osa/render.js';
import type { ResolvedVar } from '../osa/vars.js';

export interface JsonSource {
  file: string;
  line: number | null;
  column: number | null;
}

function source(def: VarDef | null): JsonSource | null {
  if (!def) return null;
  if (!def.loc) return { file: `(${def.level})`, line: null, column: null };
  return {
    file: def.loc.file,
    line: def.loc.line > 0 ? def.loc.line : null,
    column: def.loc.column > 0 ? def.loc.column : null,
  };
}

function location(loc: Loc | null): JsonSource | null {
  return loc
    ? { file: loc.file, line: loc.line > 0 ? loc.line : null, column: loc.column > 0 ? loc.column : null }
    : null;
}

function varJson(r: ResolvedVar) {
  return {
    value: r.value === undefined ? null : r.value,
    source: source(r.winner),
    level: r.winner?.level ?? null,
    ...(r.winner?.note ? { note: r.winner.note } : {}),
    ...(r.template ? { template: r.template } : {}),
    overridden: r.overridden.map((d) => ({
      value: d.value,
      source: source(d),
      level: d.level,
      ...(d.note ? { note: d.note } : {}),
    })),
  };
}

export function hostJson(h: HostRender) {
  const pn = h.providerNetworks;
  return {
    groups: h.groups,
    isMetal: h.isMetal,
    providerNetworks: pn
      ? Object.fromEntries(
          Object.entries(pn).filter(([k, v]) => k.startsWith('network_') && typeof v === 'string'),
        )
      : null,
    providerNetworksSource: h.providerNetworksSource,
    providerNetworksError: h.providerNetworksError
      ? { message: h.providerNetworksError.message, location: location(h.providerNetworksError.location) }
      : null,
    sriovAgentEnabled: h.sriovAgentEnabled,
    vars: Object.fromEntries([...h.vars.entries()].map(([k, r]) => [k, varJson(r)])),
    ini: h.ini,
    iniSources: h.iniSources,
    problems: h.problems.map((p) => ({ message: p.message, location: location(p.location) })),
    notes: h.notes,
  };
}

export function modelJson(m: DeploymentModel) {
  return {
    schema: 'osa-sriov/render@1',
    release: {
      major: m.release.major,
      series: m.release.series,
      name: m.release.name,
      point: m.release.point ? m.release.point.join('.') : null,
    },
    hosts: Object.fromEntries([...m.hosts.entries()].map(([name, h]) => [name, hostJson(h)])),
    staleInventoryVars: m.inventory.staleVars,
    notes: [...m.deploy.notes, ...m.inventory.notes].map((n) => ({
      message: n.message,
      location: location(n.location),
    })),
  };
}
