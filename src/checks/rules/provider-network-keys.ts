import {
  AGENT_INI,
  type CheckContext,
  defLocation,
  type HostView,
  nodeAt,
  toLocation,
} from '../../deployment/context.js';
import {
  behaviourOf,
  defWhere,
  entryName,
  moduleFailureText,
  neutronPlaybook,
  type PnEntry,
  pnList,
} from '../../deployment/provider-networks-helpers.js';
import { computeProviderNetworks } from '../../osa/provider-networks.js';
import { isDict, type PyException, type PyValue, pyRepr, pyStr } from '../../python.js';
import type { FindingLocation } from '../finding.js';
import type { HostFinding, Rule } from '../rule.js';

/** A failure of the module on one entry (or on the whole list when index is null). */
interface Failure {
  index: number | null;
  key: string | null;
  error: PyException;
}

function placeholder(key: string, old: PyValue | undefined): PyValue {
  if (key === 'type') return 'raw';
  if (key === 'group_binds') return [];
  if (key === 'range') return '1:1';
  if (Array.isArray(old)) return old.map(pyStr).join(',');
  return old === undefined || old === null ? 'x' : pyStr(old);
}

/** Type errors other rules own: a non-string range (SRIOV-PN-001) or sriov_host_interfaces (SRIOV-PN-003). */
function ownedElsewhere(e: PyException): boolean {
  const last = e.path.at(-1);
  if (e.pyType === 'KeyError') return false;
  return (
    last === 'range' ||
    last === 'sriov_host_interfaces' ||
    /^network_(vxlan|geneve)_ranges$/.test(String(last))
  );
}

/**
 * Runs the module as OSA would on the host and, after each exception, repairs what it tripped
 * on and runs it again: every failure the operator would meet one playbook run after another.
 */
function moduleFailures(ctx: CheckContext, h: HostView): readonly Failure[] {
  const nets = h.variable('provider_networks');
  if (nets?.value === undefined || (nets.template && !nets.template.evaluated)) return [];
  const prefix = h.variable('provider_network_bind_prefix')?.value;
  const bindPrefix = prefix === undefined || prefix === null || prefix === '' ? null : pyStr(prefix);
  const netsValue = nets.value;
  const run = () => computeModuleFailures(ctx, netsValue, bindPrefix, h.render.isMetal, h.render.groups);
  // Hosts that share the definition share its value: the module runs once per distinct input.
  if (typeof netsValue !== 'object' || netsValue === null) return run();
  const byValue = ctx.once(failuresByValue);
  let known = byValue.get(netsValue);
  if (!known) {
    known = new Map();
    byValue.set(netsValue, known);
  }
  const key = JSON.stringify([bindPrefix, h.render.isMetal, h.render.groups]);
  let failures = known.get(key);
  if (!failures) {
    failures = run();
    known.set(key, failures);
  }
  return failures;
}

/** moduleFailures' answers in one run (one release), by provider_networks value and the rest of its input. */
function failuresByValue(): WeakMap<object, Map<string, readonly Failure[]>> {
  return new WeakMap();
}

function computeModuleFailures(
  ctx: CheckContext,
  netsValue: PyValue,
  bindPrefix: string | null,
  isMetal: boolean,
  groupNames: readonly string[],
): Failure[] {
  let value = structuredClone(netsValue) as PyValue;
  const b = behaviourOf(ctx);
  const out: Failure[] = [];
  for (let round = 0; round < 200; round++) {
    const r = computeProviderNetworks(
      {
        providerNetworks: value,
        isMetal,
        bindPrefix,
        groupNames,
      },
      b,
    );
    if (r.ok) break;
    const e = r.error;
    const [index, second, key] = e.path;
    if (!ownedElsewhere(e)) {
      out.push({
        index: typeof index === 'number' ? index : null,
        key:
          typeof key === 'string' ? key : second === 'network' && e.pyType === 'KeyError' ? 'network' : null,
        error: e,
      });
    }
    if (!Array.isArray(value)) break;
    const list = value;
    if (/^network_(vxlan|geneve)_ranges$/.test(String(index))) {
      const type = String(index).split('_')[1];
      const first = list.find((i) => isDict(i) && isDict(i.network) && i.network.type === type);
      if (!first || !isDict(first) || !isDict(first.network)) break;
      first.network.range = pyStr(first.network.range ?? '');
      continue;
    }
    if (typeof index !== 'number') break;
    const item = list[index];
    const net = isDict(item) ? item.network : undefined;
    if (typeof key === 'string' && isDict(net)) {
      net[key] = placeholder(key, net[key]);
    } else {
      list[index] = { network: { type: 'raw' } };
    }
    value = list;
  }
  return out;
}

const KEY_HINT: Record<string, string> = {
  range: 'a quoted string such as range: "101:200"',
  type: 'vlan, flat, vxlan, geneve or raw',
  group_binds: 'a YAML list of groups, e.g. [neutron_sriov_nic_agent, neutron_ovn_controller]',
  container_bridge:
    'the bridge the physnet is mapped to, e.g. container_bridge: br-sriov; with OVS/OVN OSA creates that OVS bridge',
  container_interface: 'the interface inside the agents container, e.g. container_interface: eth12',
  net_name: 'the physnet name, as used in network_vlan_ranges and the Nova device_spec',
};

function keyReason(key: string, ctx: CheckContext): string {
  const b = behaviourOf(ctx);
  switch (key) {
    case 'network':
      return 'the item has no network: key (each item must be "- network: {...}")';
    case 'type':
      return 'it has no type, which the module reads for every entry';
    case 'group_binds':
      return `it has no group_binds, which the module reads for every entry whose type is not raw, vxlan${b.geneve ? ' or geneve' : ''}`;
    case 'net_name':
      return 'it has no net_name, which a vlan or flat entry needs (the physnet name of network_vlan_ranges/flat_networks)';
    case 'range':
      return b.vlanRangeOptional
        ? 'it has no range, which the first vxlan/geneve entry needs (the VNI range)'
        : 'it has no range: before Xena (24.x) the module requires one on every vlan entry it reads (and on the first vxlan entry)';
    case 'container_bridge':
      return 'it has no container_bridge, which the module needs on metal hosts for an entry without host_bind_override (the bridge mapping device) and for network_interface/network_bond_interfaces';
    case 'container_interface':
      return `it has no container_interface, the mapping device the module needs where the neutron agents run in an LXC container (is_metal false)${b.serverGetsMappings ? '; in Rocky the neutron_server container builds mappings too, for every vlan/flat entry' : ''}`;
    default:
      return `it has no ${key}`;
  }
}

function moduleFinding(
  ctx: CheckContext,
  h: HostView,
  f: Failure,
  entries: PnEntry[] | null,
): HostFinding | null {
  const nets = h.variable('provider_networks');
  const def = nets?.winner ?? null;
  const entry = f.index !== null ? entries?.[f.index] : undefined;
  const failure = moduleFailureText(f.error.pyType, f.error.detail);
  let location: FindingLocation | undefined;
  let message: string;
  let fix: string;
  const where = def ? defWhere(ctx, def) : 'openstack_user_config.yml (global_overrides)';
  const name = entry ? entryName(entry) : `provider_networks entry ${(f.index ?? 0) + 1}`;
  if (f.error.pyType === 'KeyError' && f.key) {
    location = entry ? toLocation(entry.item.loc) : defLocation(def, f.index !== null ? [f.index] : []);
    message = `${name}: ${keyReason(f.key, ctx)}, so the provider_networks module fails: ${failure}`;
    fix = `add ${f.key} to ${name} in ${where}${KEY_HINT[f.key] ? ` (${KEY_HINT[f.key]})` : ''}, then run ${neutronPlaybook(ctx.release)}`;
  } else {
    const path = f.error.path.slice(0, f.error.pyType === 'KeyError' ? -1 : undefined);
    location =
      entry && f.key
        ? toLocation(nodeAt(entry.net, [f.key])?.loc ?? entry.item.loc)
        : entry
          ? toLocation(entry.item.loc)
          : defLocation(def, path);
    const current = f.key && isDict(entry?.value) ? (entry.value[f.key] ?? null) : null;
    const what = f.key
      ? `${f.key} has an unusable value (${pyRepr(current)})`
      : f.index === null
        ? ''
        : entry && entry.value === null
          ? 'its network: key has no value'
          : 'the item is not a "network:" mapping';
    message = `${f.index !== null ? `${name}: ` : 'provider_networks: '}${what ? `${what}, so ` : ''}the provider_networks module fails: ${failure}`;
    fix = `fix ${f.key ?? (f.index !== null ? 'the item' : 'the list')} in ${where} (each item is "- network:" with a mapping of string keys; group_binds is a list of group names), then run ${neutronPlaybook(ctx.release)}`;
  }
  return {
    severity: 'error',
    message,
    ...(location ? { location } : {}),
    evidence: [
      ...(entry ? [`${name}: ${pyRepr(entry.value ?? null)}`] : []),
      ...(h.render.providerNetworksError ? [`model: ${h.render.providerNetworksError.message}`] : []),
    ],
    fix,
  };
}

function handWrittenFindings(ctx: CheckContext, h: HostView): HostFinding[] {
  const r = h.variable('neutron_provider_networks');
  const v = r?.value;
  const loc = h.varLocation('neutron_provider_networks');
  const where = r?.winner ? defWhere(ctx, r.winner) : 'its definition';
  if (!isDict(v)) {
    const err = h.render.providerNetworksError;
    if (!err) return [];
    return [
      {
        severity: 'error',
        message: `${err.message}: OSA skips the provider_networks module and reads its keys from this value, so the neutron role fails`,
        ...(loc ? { location: loc } : {}),
        fix: `make neutron_provider_networks a mapping with network_types, network_vlan_ranges, network_flat_networks, network_mappings and network_sriov_mappings in ${where}, or remove it to let the provider_networks module compute it`,
      },
    ];
  }
  const sriov = h.render.ini[AGENT_INI] !== undefined;
  const missing = ['network_types', ...(sriov ? ['network_sriov_mappings'] : [])].filter((k) => !(k in v));
  if (missing.length === 0) return [];
  const readers = missing.map((k) =>
    k === 'network_types'
      ? 'ml2_conf.ini reads network_types'
      : `sriov_nic_agent.ini (written on every neutron host once ml2.sriov is enabled)${h.render.ini['plugins/ml2/openvswitch_agent.ini']?.FDB ? ' and the OVS agent [FDB] section' : ''} read${h.render.ini['plugins/ml2/openvswitch_agent.ini']?.FDB ? '' : 's'} network_sriov_mappings`,
  );
  return [
    {
      severity: 'error',
      message: `the hand-written neutron_provider_networks has no ${missing.join(' and no ')}: OSA skips the provider_networks module and uses this dict as it is; ${readers.join(', and ')} without a default, so the neutron role fails with "AnsibleUndefinedVariable: 'dict object' has no attribute '${missing[0]}'"`,
      ...(loc ? { location: loc } : {}),
      evidence: [`neutron_provider_networks keys: ${Object.keys(v).join(', ') || '(none)'}`],
      fix: `add ${missing.map((k) => (k === 'network_types' ? 'network_types: "vlan"' : 'network_sriov_mappings: "<physnet>:<pf>" ("" on hosts without SR-IOV)')).join(' and ')} to neutron_provider_networks in ${where}`,
    },
  ];
}

export const rule: Rule = {
  id: 'SRIOV-PN-002',
  severity: 'error',
  title: 'A provider_networks entry (or a hand-written neutron_provider_networks) lacks a key OSA needs',
  rationale:
    'The provider_networks module reads some keys without a default (type, group_binds, net_name, container_bridge or container_interface, and range before Xena), and the templates read network_types and network_sriov_mappings of a hand-written neutron_provider_networks: a missing key stops the neutron role.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const source = h.render.providerNetworksSource;
    if (source === 'neutron_provider_networks') {
      out.push(...handWrittenFindings(ctx, h));
      return out;
    }
    if (source !== 'module') return out;
    const nets = h.variable('provider_networks');
    if (nets?.value === undefined) {
      out.push({
        severity: 'error',
        message:
          'provider_networks is not defined: the os_neutron role passes it to the provider_networks module and fails with "\'provider_networks\' is undefined"',
        fix: 'define global_overrides.provider_networks in /etc/openstack_deploy/openstack_user_config.yml',
      });
      return out;
    }
    const entries = pnList(h)?.entries ?? null;
    for (const f of moduleFailures(ctx, h)) {
      const finding = moduleFinding(ctx, h, f, entries);
      if (finding) out.push(finding);
    }
    return out;
  },
};
