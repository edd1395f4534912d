// What a rule sees: the deployment model, each host's rendered SR-IOV settings read back the way
// the services read them (agent mappings, Nova device specs), and the host's facts when given.
// Rules read only this; they never touch files.

import type { FindingLocation } from '../checks/finding.js';
import type { HostFacts } from '../facts/host-facts.js';
import { ContentMemo } from '../memo.js';
import {
  AgentConfigError,
  iniValue,
  parseListOpt,
  readAgentConfig,
} from '../openstack/neutron-agent-config.js';
import { type DeviceSpec, NO_HOST, type NovaError } from '../openstack/nova-devspec.js';
import { novaHostFromFacts } from '../openstack/nova-host.js';
import { readDeviceSpecs } from '../openstack/nova-specs-shared.js';
import type { VarDef } from '../osa/inventory.js';
import type { DeploymentModel } from '../osa/model.js';
import { type Loc, nodeAt, toPlain } from '../osa/pyyaml.js';
import type { Release } from '../osa/releases.js';
import { type HostRender, type IniValue, jsonDumps } from '../osa/render.js';
import type { ResolvedVar } from '../osa/vars.js';
import { boolFromString, jsonLoads, type PyValue } from '../python.js';

export const AGENT_INI = 'plugins/ml2/sriov_nic_agent.ini';
export const ML2_INI = 'plugins/ml2/ml2_conf.ini';
export const NOVA_CONF = 'nova.conf';

export function toLocation(loc: Loc | null | undefined): FindingLocation | undefined {
  return loc && loc.line > 0 ? { file: loc.file, line: loc.line, column: loc.column } : undefined;
}

// The YAML node at a path inside a variable's value: one implementation, in the YAML module.
export { nodeAt };

/** Where a definition is, or where something inside its value is (falling back to the definition). */
export function defLocation(
  def: VarDef | null,
  path: ReadonlyArray<string | number> = [],
): FindingLocation | undefined {
  if (!def) return undefined;
  if (path.length === 0) return toLocation(def.loc);
  return toLocation(nodeAt(def.node, path)?.loc ?? def.loc) ?? toLocation(def.loc);
}

/** "file:line" of a definition for messages, or its level when it has no file. */
export function describeDef(def: VarDef): string {
  const l = toLocation(def.loc);
  return l ? `${def.level} at ${l.file}:${l.line}` : def.level;
}

/** The neutron-sriov-nic-agent's [sriov_nic] section, read as the agent reads it at start. */
export interface AgentView {
  mappingsText: string;
  excludeText: string;
  /** physnet → devices; null when the agent would refuse the configuration. */
  mappings: Record<string, string[]> | null;
  /**
   * Why the agent exits at start ("Failed on Agent configuration parse"): its own message, with
   * the option, the check that failed (code) and the item it stopped at.
   */
  error: AgentConfigError | null;
  physnets: string[];
  devices: string[];
  /** The variable physical_device_mappings came from. */
  mappingsVar: string | null;
  excludeVar: string | null;
}

/** One JSON object of the device_spec option, before Nova's validation. */
export interface DevspecEntry {
  /** Index of the option line (several lines for a MultiStrOpt). */
  line: number;
  raw: Record<string, unknown>;
}

/** nova-compute's [pci] device_spec (or its deprecated names), read as Nova reads it. */
export interface DevspecView {
  option: 'device_spec' | 'passthrough_whitelist' | 'pci_passthrough_whitelist';
  section: 'pci' | 'DEFAULT';
  lines: string[];
  varName: string | null;
  /** JSON objects found in the lines (those that parse), for tag-level lints. */
  entries: DevspecEntry[];
  /** Nova's parsed specs; null when Nova refuses the option. */
  specs: DeviceSpec[] | null;
  error: NovaError | null;
  /** The error comes from a sysfs lookup that only the host can answer (facts were not given). */
  errorNeedsFacts: boolean;
  reportInPlacement: boolean;
}

const HOST_DEPENDENT_ERRORS = new Set([
  'PciDeviceRemoteManagedNotPresent',
  'PciDeviceInvalidPFRemoteManaged',
]);

function varNameOf(source: string | undefined): string | null {
  if (!source) return null;
  const cut = source.indexOf(' (');
  const name = cut < 0 ? source : source.slice(0, cut);
  return name === '' ? null : name;
}

function values(v: IniValue | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** A shared array, frozen so that no reader can change it for the other hosts. */
const frozen = <T>(a: T[]): T[] => Object.freeze(a) as T[];

type AgentReading = Pick<AgentView, 'mappings' | 'error' | 'physnets' | 'devices'>;

/** The agent's reading of a [sriov_nic] section, once per distinct section (frozen: hosts share it). */
const AGENT_READINGS = new ContentMemo<AgentReading>(10_000);

function agentReading(section: Readonly<Record<string, string | undefined>>): AgentReading {
  return AGENT_READINGS.get(JSON.stringify(section), () => {
    try {
      const cfg = readAgentConfig(section);
      const mappings = cfg.deviceMappings;
      for (const devs of Object.values(mappings)) frozen(devs);
      return Object.freeze({
        mappings: Object.freeze(mappings),
        error: null,
        physnets: frozen(Object.keys(mappings)),
        devices: frozen([...new Set(Object.values(mappings).flat())]),
      });
    } catch (e) {
      if (!(e instanceof AgentConfigError)) throw e;
      return Object.freeze({ mappings: null, error: e, physnets: frozen([]), devices: frozen([]) });
    }
  });
}

export class HostView {
  readonly groups: Set<string>;
  private agentCache: AgentView | null | undefined;
  private devspecCache: DevspecView | null | undefined;

  constructor(
    readonly render: HostRender,
    readonly facts: HostFacts | null,
    readonly factsSource: string | null,
    /** The physical host's management address from openstack_user_config.yml (ip / management_ip). */
    readonly managementAddress: string | null,
    readonly release: Release,
  ) {
    this.groups = new Set(render.groups);
  }

  get name(): string {
    return this.render.name;
  }

  get isCompute(): boolean {
    return this.groups.has('nova_compute');
  }

  /** The neutron-sriov-nic-agent runs here (ml2.sriov enabled and the host in its group). */
  get runsSriovAgent(): boolean {
    return this.render.sriovAgentEnabled;
  }

  /** A host where SR-IOV hardware matters: an SR-IOV agent or a compute with a device spec. */
  get isSriovHost(): boolean {
    return this.runsSriovAgent || (this.isCompute && (this.devspec()?.lines.length ?? 0) > 0);
  }

  /** The rendered values of an option (several for a repeated key), or [] when not written. */
  option(file: string, section: string, option: string): string[] {
    return values(this.render.ini[file]?.[section]?.[option]);
  }

  hasOption(file: string, section: string, option: string): boolean {
    return this.render.ini[file]?.[section]?.[option] !== undefined;
  }

  /** The variable an option was rendered from (the first one named). */
  optionVar(file: string, section: string, option: string): string | null {
    return varNameOf(this.render.iniSources[file]?.[section]?.[option]?.[0]);
  }

  variable(name: string): ResolvedVar | undefined {
    return this.render.vars.get(name);
  }

  varLocation(name: string, path: ReadonlyArray<string | number> = []): FindingLocation | undefined {
    return defLocation(this.variable(name)?.winner ?? null, path);
  }

  /**
   * Where the provider_networks entry of a physnet is (its `key`, else the entry), when this
   * host's provider networks come from the module; else where neutron_provider_networks is.
   */
  providerNetworkLocation(physnet: string, key = 'sriov_host_interfaces'): FindingLocation | undefined {
    if (this.render.providerNetworksSource === 'neutron_provider_networks')
      return this.varLocation('neutron_provider_networks', ['network_sriov_mappings']);
    const def = this.variable('provider_networks')?.winner ?? null;
    const list = def?.node;
    if (list?.kind === 'seq') {
      for (const item of list.items) {
        const net = nodeAt(item, ['network']);
        const name = nodeAt(net, ['net_name']);
        if (name?.kind === 'scalar' && String(name.value) === physnet)
          return toLocation((nodeAt(net, [key]) ?? net)?.loc);
      }
    }
    return defLocation(def);
  }

  /**
   * Where a device_spec entry's tag is written (or the variable, for a JSON string). The
   * rendered lines are sorted (config_template), so the YAML item is found by its content.
   */
  devspecLocation(entry: DevspecEntry | null, tag?: string): FindingLocation | undefined {
    const view = this.devspec();
    const name = view?.varName;
    if (!view || !name) return undefined;
    if (!entry) return this.varLocation(name);
    const list = this.variable(name)?.winner?.node ?? null;
    if (list?.kind !== 'seq') return this.varLocation(name);
    const text = view.lines[entry.line];
    const index = list.items.findIndex((item) => {
      const v = toPlain(item) as PyValue;
      return typeof v === 'string' ? iniValue(v) === text : jsonDumps(v) === text;
    });
    if (index < 0) return this.varLocation(name);
    const item = list.items[index]!;
    return this.varLocation(name, tag && item.kind === 'map' && nodeAt(item, [tag]) ? [index, tag] : [index]);
  }

  mechanismDrivers(): string[] {
    return parseListOpt(this.option(ML2_INI, 'ml2', 'mechanism_drivers')[0] ?? '');
  }

  agent(): AgentView | null {
    if (this.agentCache !== undefined) return this.agentCache;
    this.agentCache = this.runsSriovAgent ? this.readAgent() : null;
    return this.agentCache;
  }

  private readAgent(): AgentView {
    const raw = (o: string) => this.option(AGENT_INI, 'sriov_nic', o).at(-1);
    const section: Record<string, string | undefined> = {};
    for (const o of Object.keys(this.render.ini[AGENT_INI]?.sriov_nic ?? {})) {
      const v = raw(o);
      if (v !== undefined) section[o] = iniValue(v);
    }
    const view: AgentView = {
      mappingsText: section.physical_device_mappings ?? '',
      excludeText: section.exclude_devices ?? '',
      mappings: null,
      error: null,
      physnets: [],
      devices: [],
      mappingsVar: this.optionVar(AGENT_INI, 'sriov_nic', 'physical_device_mappings'),
      excludeVar: this.optionVar(AGENT_INI, 'sriov_nic', 'exclude_devices'),
    };
    Object.assign(view, agentReading(section));
    return view;
  }

  devspec(): DevspecView | null {
    if (this.devspecCache !== undefined) return this.devspecCache;
    this.devspecCache = this.isCompute ? this.readDevspec() : null;
    return this.devspecCache;
  }

  private readDevspec(): DevspecView | null {
    // oslo.config reads every name of the option, deprecated names first, and joins the
    // values; Nova before Zed (OSA 26) has no device_spec name at all.
    const names = [
      ['DEFAULT', 'pci_passthrough_whitelist'],
      ['pci', 'passthrough_whitelist'],
      ...(this.release.major >= 26 ? ([['pci', 'device_spec']] as const) : []),
    ] as const;
    const present = names.filter(([s, o]) => this.hasOption(NOVA_CONF, s, o));
    if (present.length === 0) return null;
    const written = present.map(([s, o]) => [s, o, this.option(NOVA_CONF, s, o)] as const);
    const placement = this.option(NOVA_CONF, 'pci', 'report_in_placement').at(-1);
    const text = DEVSPEC_TEXTS.get(JSON.stringify([written, placement ?? null]), () =>
      readDevspecText(written, placement),
    );
    if (text === null) return null;
    const view: DevspecView = {
      option: text.option,
      section: text.section,
      lines: text.lines,
      varName: this.optionVar(NOVA_CONF, text.section, text.option),
      entries: text.entries,
      specs: null,
      error: null,
      errorNeedsFacts: false,
      reportInPlacement: text.reportInPlacement,
    };
    const parsed = readDeviceSpecs(text.lines, this.facts ? novaHostFromFacts(this.facts) : NO_HOST, {
      reportInPlacement: text.reportInPlacement,
    });
    view.specs = parsed.specs;
    view.error = parsed.error;
    if (parsed.error)
      view.errorNeedsFacts = !this.facts && HOST_DEPENDENT_ERRORS.has(parsed.error.errorClass);
    return view;
  }
}

/** What a device_spec's rendered text says before Nova reads it against a host. */
type DevspecText = Pick<DevspecView, 'option' | 'section' | 'lines' | 'entries' | 'reportInPlacement'>;

/** The texts of a fleet's device_spec options, read once each (frozen: hosts share them). */
const DEVSPEC_TEXTS = new ContentMemo<DevspecText | null>(10_000);

function readDevspecText(
  written: ReadonlyArray<readonly [DevspecView['section'], DevspecView['option'], string[]]>,
  placement: string | undefined,
): DevspecText | null {
  const [section, option] = written.at(-1)!;
  const lines = written
    .flatMap(([, , v]) => v)
    .map(iniValue)
    .filter((l) => l.trim() !== '');
  if (lines.length === 0) return null;
  let reportInPlacement = false;
  try {
    reportInPlacement = placement === undefined ? false : boolFromString(iniValue(placement), true);
  } catch {
    reportInPlacement = false;
  }
  const entries: DevspecEntry[] = [];
  lines.forEach((text, line) => {
    let v: unknown;
    try {
      v = jsonLoads(text);
    } catch {
      return;
    }
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      if (item && typeof item === 'object' && !Array.isArray(item))
        entries.push(Object.freeze({ line, raw: deepFreeze(item as Record<string, unknown>) }));
    }
  });
  return Object.freeze({
    option,
    section,
    lines: frozen(lines),
    entries: frozen(entries),
    reportInPlacement,
  });
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export interface FactsForHost {
  facts: HostFacts;
  /** The file the facts came from. */
  source: string;
}

export class CheckContext {
  private readonly views = new Map<string, HostView>();
  private readonly selected: HostView[];
  private readonly memos = new Map<(ctx: CheckContext) => unknown, unknown>();
  /** Ids of the selected rules that need facts (set by the runner). */
  factsRules: string[] = [];
  /** Facts older than this are reported (SRIOV-FACTS-002); null: their age is not checked. */
  maxFactsAgeMs: number | null = null;
  /** The time facts ages are measured against. */
  now: Date = new Date();

  constructor(
    readonly model: DeploymentModel,
    readonly factsByHost: ReadonlyMap<string, FactsForHost> = new Map(),
    onlyHosts: readonly string[] = [],
  ) {
    for (const [name, render] of model.hosts) {
      const host = model.inventory.hosts.get(name);
      const f = factsByHost.get(name) ?? (host ? factsByHost.get(host.physicalHost) : undefined);
      const physical = host ? model.inventory.hosts.get(host.physicalHost) : undefined;
      this.views.set(
        name,
        new HostView(
          render,
          f?.facts ?? null,
          f?.source ?? null,
          physical?.address ?? host?.address ?? null,
          model.release,
        ),
      );
    }
    this.selected = [...this.views.values()].filter(
      (v) => onlyHosts.length === 0 || onlyHosts.includes(v.name),
    );
  }

  get release(): Release {
    return this.model.release;
  }

  /** The hosts being checked (--host), in inventory order. */
  hosts(): HostView[] {
    return this.selected;
  }

  /** Every inventory host, for rules that compare a host with others (the neutron servers). */
  allHosts(): HostView[] {
    return [...this.views.values()];
  }

  host(name: string): HostView | undefined {
    return this.views.get(name);
  }

  inGroup(group: string): HostView[] {
    return this.allHosts().filter((h) => h.groups.has(group));
  }

  /**
   * Data about the whole deployment, computed on first use and kept for the run: a host-scope
   * rule that needs it on every host asks for it here instead of recomputing it per host. The
   * key is the function itself, so pass a module-level function, never an inline one.
   */
  once<T>(compute: (ctx: CheckContext) => T): T {
    if (this.memos.has(compute)) return this.memos.get(compute) as T;
    const value = compute(this);
    this.memos.set(compute, value);
    return value;
  }
}
