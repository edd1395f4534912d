// The fleet as the HTML report shows it, read from check's own result and deployment view (no
// second run of anything): one entry per physical host with its containers' findings, its PFs,
// its VF use and the settings OSA renders for it.
import { compareSeverity, type Finding, type Severity } from '../../checks/finding.js';
import { RULES } from '../../checks/registry.js';
import type { CheckResult } from '../../checks/run.js';
import type { HostView } from '../../deployment/context.js';
import { type HostVfUsage, vfUsage } from '../../deployment/vf-usage.js';
import type { Vf } from '../../facts/host-facts.js';
import { guestHold } from '../../openstack/neutron-eswitch.js';
import { CONFIG_PATHS } from '../model-ini.js';
import type { RuleDoc } from './rule-docs.js';

/** The families the issue asks for first, then any other the registry has, in id order. */
const FIRST_FAMILIES = ['SCHED', 'ML2', 'PN', 'VARS', 'DEVSPEC', 'AGENT', 'HOST', 'FACTS', 'OSA'];

/** SRIOV-DEVSPEC-004 → DEVSPEC (SRIOV-LIVE-PORT-001 → LIVE). */
export function ruleFamily(ruleId: string): string {
  return ruleId.split('-')[1] ?? ruleId;
}

export function ruleFamilies(): string[] {
  const present = new Set(RULES.map((r) => ruleFamily(r.id)));
  return [
    ...FIRST_FAMILIES.filter((f) => present.has(f)),
    ...[...present].filter((f) => !FIRST_FAMILIES.includes(f)).sort(),
  ];
}

export interface FleetPf {
  name: string;
  pciAddress: string | null;
  driver: string | null;
  numVfs: number | null;
  totalVfs: number | null;
  vfsInUse: number;
  numaNode: number | null;
  link: string;
  master: string | null;
}

export interface FleetSetting {
  /** The inventory host it is rendered for (the host itself or one of its containers). */
  target: string;
  file: string;
  section: string;
  option: string;
  values: string[];
  /** The variables it came from, each with its file:line:col (as `render --format ini` says). */
  from: string[];
}

export interface FleetHost {
  /** The element id of its section. */
  id: string;
  name: string;
  /** Its containers (inventory hosts on it), whose findings and settings it shows. */
  containers: string[];
  roles: string[];
  isCompute: boolean;
  factsSource: string | null;
  collectedAt: string | null;
  factsAgeMs: number | null;
  /** null without facts. */
  iommu: boolean | null;
  /** null without facts. */
  pfs: FleetPf[] | null;
  usage: HostVfUsage | null;
  settings: FleetSetting[];
  /**
   * The first host (in page order) whose settings are the same, values and sources alike (shared
   * group_vars): its section shows them, this one links there.
   */
  sameSettingsAs: { id: string; name: string } | null;
  /** Findings reported for the host or one of its containers. */
  findings: Finding[];
  /** Findings merged across hosts (reported once for the deployment) that include this host. */
  shared: Finding[];
  /**
   * Findings that read exactly like one shown in full on an earlier host, but for the host's
   * name: the section names them and links there (a fleet with one problem everywhere would
   * otherwise repeat the same evidence thousands of times).
   */
  sameFindingAs: Map<Finding, { id: string; host: string }>;
  /** Worst severity per rule family, and how many findings. */
  families: Map<string, { worst: Severity; count: number; rules: string[] }>;
  /** Hosts with the same signature fold into one overview row. */
  signature: string;
}

export interface Fleet {
  hosts: FleetHost[];
  /** Findings without a host (deployment-wide, or merged across hosts), with their element ids. */
  deployment: Finding[];
  findingId: Map<Finding, string>;
  families: string[];
  /** Rule id → title, for the line each finding shows about its rule. */
  ruleTitles: ReadonlyMap<string, string>;
  /** Each rule's rationale: the summary where its page opens with no prose paragraph. */
  ruleRationales: ReadonlyMap<string, string>;
  /** Rule id → its page's summary and references (rules without a page have none). */
  ruleDocs: ReadonlyMap<string, RuleDoc>;
  affectedHosts: ReadonlyMap<Finding, readonly string[]>;
}

const ROLE_GROUPS: Array<[string, (g: Set<string>) => boolean]> = [
  ['compute', (g) => g.has('nova_compute')],
  ['network', (g) => g.has('network_hosts') || g.has('neutron_l3_agent') || g.has('neutron_dhcp_agent')],
  ['infra', (g) => g.has('shared-infra_hosts') || g.has('os-infra_hosts') || g.has('neutron_server')],
];

function countAssigned(vfs: readonly Vf[]): number {
  let n = 0;
  for (const vf of vfs) if (guestHold(vf) !== null) n++;
  return n;
}

function pfOf(pf: NonNullable<HostView['facts']>['pfs'][number]): FleetPf {
  const link = [
    pf.operState ?? null,
    pf.carrier === null ? null : pf.carrier ? 'carrier' : 'no carrier',
    pf.mtu === null ? null : `mtu ${pf.mtu}`,
  ].filter((x): x is string => x !== null);
  return {
    name: pf.netdev ?? pf.pciAddress ?? '(unknown PF)',
    pciAddress: pf.pciAddress,
    driver: pf.driver,
    numVfs: pf.numVfs,
    totalVfs: pf.totalVfs,
    vfsInUse: countAssigned(pf.vfs),
    numaNode: pf.numaNode !== null && pf.numaNode >= 0 ? pf.numaNode : null,
    link: link.join(', '),
    master: pf.master ? `${pf.master.kind} ${pf.master.name}` : null,
  };
}

function settingsOf(h: HostView): FleetSetting[] {
  const out: FleetSetting[] = [];
  for (const [file, sections] of Object.entries(h.render.ini)) {
    for (const [section, options] of Object.entries(sections)) {
      for (const [option, value] of Object.entries(options)) {
        out.push({
          target: h.name,
          file: CONFIG_PATHS[file] ?? file,
          section,
          option,
          values: Array.isArray(value) ? value : [value],
          from: h.render.iniSources[file]?.[section]?.[option] ?? [],
        });
      }
    }
  }
  return out;
}

function worst(a: Severity, b: Severity): Severity {
  return compareSeverity(a, b) <= 0 ? a : b;
}

export function buildFleet(
  result: CheckResult,
  now: Date,
  ruleDocs: ReadonlyMap<string, RuleDoc> = new Map(),
): Fleet {
  const ctx = result.context;
  const inventory = ctx.model.inventory;
  const checked = new Set(result.hosts);
  const physicalOf = (name: string) => inventory.hosts.get(name)?.physicalHost ?? name;
  // Physical hosts in inventory order, each with the checked inventory hosts on it.
  const members = new Map<string, HostView[]>();
  for (const h of ctx.hosts()) {
    const p = physicalOf(h.name);
    if (!members.has(p)) members.set(p, []);
    members.get(p)!.push(h);
  }
  const own = new Map<string, Finding[]>();
  const shared = new Map<string, Finding[]>();
  const deployment: Finding[] = [];
  for (const f of result.findings) {
    if (f.host !== undefined) {
      const p = physicalOf(f.host);
      const list = own.get(p);
      if (list) list.push(f);
      else own.set(p, [f]);
      continue;
    }
    deployment.push(f);
    for (const name of result.affectedHosts.get(f) ?? []) {
      if (!checked.has(name)) continue;
      const p = physicalOf(name);
      const list = shared.get(p) ?? [];
      if (!list.includes(f)) list.push(f);
      shared.set(p, list);
    }
  }
  const findingId = new Map<Finding, string>();
  for (const [i, f] of deployment.entries()) findingId.set(f, `d${i}`);
  const hosts: FleetHost[] = [];
  for (const [name, views] of members) {
    const self = views.find((v) => v.name === name) ?? views[0]!;
    const groups = views.length === 1 ? self.groups : new Set(views.flatMap((v) => [...v.groups]));
    const roles = ROLE_GROUPS.filter(([, test]) => test(groups)).map(([r]) => r);
    const facts = self.facts;
    const collectedAt = facts?.source.collectedAt ?? null;
    const at = collectedAt === null ? Number.NaN : Date.parse(collectedAt);
    const findings = own.get(name) ?? [];
    const sharedHere = shared.get(name) ?? [];
    const families = new Map<string, { worst: Severity; count: number; rules: string[] }>();
    for (const f of [...findings, ...sharedHere]) {
      const fam = ruleFamily(f.ruleId);
      const cur = families.get(fam);
      if (!cur) families.set(fam, { worst: f.severity, count: 1, rules: [f.ruleId] });
      else {
        cur.worst = worst(cur.worst, f.severity);
        cur.count++;
        if (!cur.rules.includes(f.ruleId)) cur.rules.push(f.ruleId);
      }
    }
    const signature = [
      roles.join(','),
      ...[...findings, ...sharedHere].map((f) => `${f.ruleId}:${f.severity}`).sort(),
    ].join('|');
    hosts.push({
      id: '',
      name,
      containers: views.filter((v) => v.name !== name).map((v) => v.name),
      roles: roles.length > 0 ? roles : ['other'],
      isCompute: views.some((v) => v.isCompute),
      factsSource: self.factsSource,
      collectedAt,
      factsAgeMs: Number.isNaN(at) ? null : now.getTime() - at,
      iommu: facts ? facts.iommu.enabled : null,
      pfs: facts ? facts.pfs.filter((p) => (p.totalVfs ?? 0) > 0).map(pfOf) : null,
      usage: views.map(vfUsage).find((u) => u !== null) ?? null,
      settings: views.flatMap(settingsOf),
      sameSettingsAs: null,
      findings,
      shared: sharedHere,
      sameFindingAs: new Map(),
      families,
      signature,
    });
  }
  // Computes first (they carry the SR-IOV ports), then the others, each in inventory order.
  hosts.sort((a, b) => Number(b.isCompute) - Number(a.isCompute));
  const firstWith = new Map<string, FleetHost>();
  const firstFinding = new Map<string, { id: string; host: string }>();
  hosts.forEach((h, i) => {
    h.id = `h${i}`;
    h.findings.forEach((f, k) => {
      const key = findingKey(f, h.name);
      const first = firstFinding.get(key);
      if (first) h.sameFindingAs.set(f, first);
      else firstFinding.set(key, { id: findingAnchor(h, k), host: h.name });
    });
    if (h.settings.length === 0) return;
    const key = settingsKey(h);
    const first = firstWith.get(key);
    if (first) h.sameSettingsAs = { id: first.id, name: first.name };
    else firstWith.set(key, h);
  });
  return {
    hosts,
    deployment,
    findingId,
    families: ruleFamilies(),
    ruleTitles: new Map(result.rules.map((r) => [r.id, r.title])),
    ruleRationales: new Map(result.rules.map((r) => [r.id, r.rationale])),
    ruleDocs,
    affectedHosts: result.affectedHosts,
  };
}

/** The element id of a host's k-th finding. */
export function findingAnchor(h: FleetHost, k: number): string {
  return `${h.id}f${k}`;
}

/** A finding as text with the host's name left out (its files and containers are named after it). */
function findingKey(f: Finding, host: string): string {
  const l = f.location;
  return [
    f.ruleId,
    f.severity,
    f.host === host ? '' : (f.host ?? ''),
    f.message,
    l ? `${l.file}:${l.line}:${l.column}` : '',
    ...(f.evidence ?? []),
    f.fix ?? '',
  ]
    .join('\u0000')
    .replaceAll(host, '\u0001');
}

/** The settings with the host's own name left out (its containers are named after it). */
function settingsKey(h: FleetHost): string {
  let key = '';
  for (const s of h.settings) {
    key += `${s.target === h.name ? '' : s.target.replace(h.name, '')}\u0000${s.file}\u0000${s.section}\u0000${s.option}`;
    for (const v of s.values) key += `\u0001${v}`;
    for (const f of s.from) key += `\u0002${f}`;
    key += '\u0003';
  }
  return key;
}

/** "3 h", "12 d": how old the facts are. */
export function formatAge(ms: number): string {
  if (ms < 0) return 'in the future';
  const h = ms / 3_600_000;
  if (h < 1) return `${Math.max(1, Math.round(ms / 60_000))} min`;
  if (h < 48) return `${Math.round(h)} h`;
  const d = h / 24;
  return d < 730 ? `${Math.round(d)} d` : `${(d / 365).toFixed(1)} y`;
}
