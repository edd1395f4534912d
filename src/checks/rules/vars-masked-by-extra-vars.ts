import { type CheckContext, defLocation } from '../../deployment/context.js';
import {
  allDefs,
  describeAt,
  EXTRA_VARS,
  HOST_OR_GROUP_LEVELS,
  sameValue,
  shortFile,
  showValue,
  varMatters,
  where,
} from '../../deployment/vars-helpers.js';
import type { VarDef } from '../../osa/inventory.js';
import { pciTemplate } from '../../osa/render.js';
import type { ResolvedVar } from '../../osa/vars.js';
import type { PyValue } from '../../python.js';
import type { Severity } from '../finding.js';
import type { HostFinding, Rule } from '../rule.js';

/** What goes wrong on the host when it gets the global value instead of its own. */
const CONSEQUENCE: Record<string, string> = {
  nova_device_spec:
    'nova-compute tracks the PCI devices the global value selects, not the ones written for this host (a devname or address the host lacks gives it no VF pool: "No valid host was found")',
  nova_pci_passthrough_whitelist:
    'nova-compute tracks the PCI devices the global value selects, not the ones written for this host (a devname or address the host lacks gives it no VF pool: "No valid host was found")',
  provider_networks:
    "the provider_networks module builds this host's bridge and SR-IOV mappings from the global list",
  neutron_provider_networks:
    'the module is skipped and this host gets the global mappings, SR-IOV interfaces included',
  neutron_sriov_excluded_devices:
    'the SR-IOV agent gets the global exclude_devices; a netdev missing from its mappings stops it ("Invalid exclude_devices")',
};

function perHostFix(
  ctx: CheckContext,
  name: string,
  winner: VarDef,
  masked: VarDef,
  reliant: string[],
): string {
  const file = winner.loc ? shortFile(ctx, winner.loc.file) : 'user_variables.yml';
  const parts = [
    `delete ${name} from /etc/openstack_deploy/${file} (line ${winner.loc?.line ?? '?'}) so that per-host and per-group values apply`,
  ];
  if (masked.level === 'inventory container_vars')
    parts.push(
      'keep the per-host values in /etc/openstack_deploy/host_vars/<host>.yml rather than container_vars (which also reach hosts whose names start with the same text)',
    );
  else parts.push('keep the per-host values in /etc/openstack_deploy/host_vars/<host>.yml');
  if (reliant.length > 0)
    parts.push(
      `${reliant.join(', ')} ${reliant.length === 1 ? 'has' : 'have'} no value of ${reliant.length === 1 ? 'its' : 'their'} own and use${reliant.length === 1 ? 's' : ''} the global one today: give ${reliant.length === 1 ? 'it' : 'them'} one in host_vars/<host>.yml, or a common default in /etc/openstack_deploy/group_vars/<group>.yml (host values override it)`,
    );
  return parts.join('; ');
}

/** reliantHosts by variable and extra-var definition: the same on every host that takes it. */
const newReliantCache = (_ctx: CheckContext) => new Map<string, string[]>();

/** Hosts where the variable matters, that take the extra var and have nothing per host or group. */
function reliantHosts(ctx: CheckContext, name: string, winner: VarDef): string[] {
  const cache = ctx.once(newReliantCache);
  const key = [name, winner.loc?.file ?? '', winner.loc?.line ?? ''].join('\u0000');
  let hosts = cache.get(key);
  if (!hosts) {
    hosts = computeReliantHosts(ctx, name, winner);
    cache.set(key, hosts);
  }
  return hosts;
}

function computeReliantHosts(ctx: CheckContext, name: string, winner: VarDef): string[] {
  const out: string[] = [];
  for (const h of ctx.allHosts()) {
    const r = h.variable(name);
    if (!r?.winner || !varMatters(ctx, h, name)) continue;
    if (r.winner.loc?.file !== winner.loc?.file || r.winner.loc?.line !== winner.loc?.line) continue;
    if (r.overridden.some((d) => HOST_OR_GROUP_LEVELS.has(d.level))) continue;
    // nova_device_spec falls back to a per-host nova_pci_passthrough_whitelist once the extra var is gone.
    const wl = name === 'nova_device_spec' ? h.variable('nova_pci_passthrough_whitelist') : undefined;
    if (wl && allDefs(wl).some((d) => HOST_OR_GROUP_LEVELS.has(d.level))) continue;
    out.push(h.name);
  }
  return out;
}

function effectiveValue(r: ResolvedVar): { value: PyValue | undefined; known: boolean } {
  if (r.template) return { value: r.value, known: r.template.evaluated };
  return { value: r.winner?.value, known: true };
}

function finding(
  ctx: CheckContext,
  name: string,
  r: ResolvedVar,
  masked: VarDef[],
  viaName?: string,
): HostFinding {
  const winner = r.winner!;
  const top = masked[0]!;
  const eff = effectiveValue(r);
  const maskedName = viaName ?? name;
  let severity: Severity;
  let outcome: string;
  if (!eff.known) {
    severity = 'warning';
    outcome = `the extra var is a template this tool does not evaluate (${r.template?.text}), so whether the values differ is unknown`;
  } else if (viaName === undefined && sameValue(top.value, eff.value)) {
    severity = 'warning';
    outcome =
      'both values are the same today, so nothing is wrong yet, but a change to the per-host value will silently have no effect';
  } else {
    severity = 'error';
    outcome = `this host gets ${showValue(eff.value)} instead of ${showValue(top.value)}`;
    const c = CONSEQUENCE[maskedName];
    if (c) outcome += `: ${c}`;
  }
  const isDict = typeof top.value === 'object' && top.value !== null && !Array.isArray(top.value);
  const message =
    viaName === undefined
      ? `${name} set per host/group (${describeAt(ctx, top)}) never applies: ${where(ctx, winner)} sets it as an extra var, and extra vars (every user_*.yml) beat all host and group variables${isDict ? ' (a mapping is replaced as a whole, never merged)' : ''}; ${outcome}`
      : `${viaName} set per host/group (${describeAt(ctx, top)}) never applies: OSA ${ctx.release.series} renders [pci] device_spec from nova_device_spec, whose role default falls back to ${viaName}, and ${where(ctx, winner)} sets nova_device_spec as an extra var; ${outcome}`;
  const location = defLocation(top) ?? defLocation(winner);
  const evidence = [
    `effective: ${name} = ${showValue(eff.value)} (${describeAt(ctx, winner)})`,
    ...masked.map((d) => `masked: ${maskedName} = ${showValue(d.value)} (${describeAt(ctx, d)})`),
  ];
  const fix =
    viaName === undefined
      ? perHostFix(ctx, name, winner, top, reliantHosts(ctx, name, winner))
      : `delete nova_device_spec from /etc/openstack_deploy/${winner.loc ? shortFile(ctx, winner.loc.file) : 'user_variables.yml'} and write each host's devices as nova_device_spec (the current name) in /etc/openstack_deploy/host_vars/<host>.yml, replacing its ${viaName}`;
  return {
    severity,
    message,
    ...(location ? { location } : {}),
    evidence,
    fix,
  };
}

export const rule: Rule = {
  id: 'SRIOV-VARS-001',
  severity: 'error',
  title: 'An SR-IOV variable in user_*.yml masks its per-host or per-group values',
  rationale:
    'Variables in /etc/openstack_deploy/user_*.yml are Ansible extra vars: they beat host_vars, container_vars, group_vars and the inventory, so a per-host value of the same variable (a NIC name, a device spec) never applies.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const deviceSpecEra = pciTemplate(ctx.release) !== 'passthrough_whitelist';
    for (const [name, r] of h.render.vars) {
      if (r.winner?.level !== EXTRA_VARS || !varMatters(ctx, h, name)) continue;
      const masked = r.overridden.filter((d) => HOST_OR_GROUP_LEVELS.has(d.level));
      if (masked.length > 0) out.push(finding(ctx, name, r, masked));
    }
    // nova_device_spec's default reads nova_pci_passthrough_whitelist: a global
    // nova_device_spec hides every per-host whitelist.
    const spec = h.variable('nova_device_spec');
    const wl = h.variable('nova_pci_passthrough_whitelist');
    if (deviceSpecEra && h.isCompute && spec?.winner?.level === EXTRA_VARS && wl?.winner) {
      if (wl.winner.level === EXTRA_VARS) return out;
      const masked = allDefs(wl).filter((d) => HOST_OR_GROUP_LEVELS.has(d.level));
      if (masked.length > 0) out.push(finding(ctx, 'nova_device_spec', spec, masked, wl.name));
    }
    return out;
  },
};
