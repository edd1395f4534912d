import { nodeAt } from '../../deployment/context.js';
import {
  behaviourOf,
  boundOn,
  defWhere,
  entryLocation,
  entryName,
  field,
  moduleFailureText,
  neutronPlaybook,
  type PnEntry,
  pnList,
} from '../../deployment/provider-networks-helpers.js';
import { pyRepr, pyStr, pyType } from '../../python.js';
import type { HostFinding, Rule } from '../rule.js';

/** The module reads this entry's range on a host: vlan when bound (or on neutron_server); the first vxlan/geneve entry everywhere. */
function readsRange(
  entries: PnEntry[],
  e: PnEntry,
  groups: ReadonlySet<string>,
  b: ReturnType<typeof behaviourOf>,
): 'split' | 'join' | null {
  const type = field(e, 'type');
  if (type === 'vlan') {
    const bound = boundOn(e.value, groups, b) === true;
    return bound || groups.has('neutron_server') ? 'split' : null;
  }
  if (type === 'vxlan' || (type === 'geneve' && b.geneve)) {
    const first = entries.find((x) => field(x, 'type') === type);
    return first === e ? 'join' : null;
  }
  return null;
}

export const rule: Rule = {
  id: 'SRIOV-PN-001',
  severity: 'error',
  title: 'A provider_networks range is not a string (an unquoted 1:50 is the integer 110 in YAML 1.1)',
  rationale:
    'OSA reads its YAML with PyYAML (YAML 1.1), where an unquoted 1:50 is the base-60 integer 110. The provider_networks module then calls .split() on an int and fails, so no neutron configuration is written.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const b = behaviourOf(ctx);
    const list = pnList(h);
    if (!list) return [];
    for (const e of list.entries) {
      const node = nodeAt(e.net, ['range']);
      const value = field(e, 'range');
      if (!node || typeof value === 'string') continue;
      const how = readsRange(list.entries, e, h.groups, b);
      if (!how) continue;
      const type = String(field(e, 'type'));
      const t = pyType(value);
      const raw = node.kind === 'scalar' ? node.raw : '';
      let what: string;
      let quoted: string;
      if (node.kind === 'scalar' && (node.tag === 'int' || node.tag === 'float') && raw.includes(':')) {
        what = `range ${raw} is unquoted, and YAML 1.1 (PyYAML, which OSA uses) reads it as the base-60 ${t === 'int' ? 'integer' : 'float'} ${pyRepr(value)}`;
        quoted = `"${raw}"`;
      } else if (node.kind === 'scalar' && (node.tag === 'int' || node.tag === 'float')) {
        what = `range ${raw} is unquoted, so YAML reads it as the ${t === 'int' ? 'integer' : 'float'} ${pyRepr(value)}, not a string`;
        quoted = type === 'vlan' ? `"${raw}:${raw}"` : `"${raw}"`;
      } else if (node.kind === 'scalar' && value === null) {
        what = 'range is empty (YAML null)';
        quoted = type === 'vlan' ? '"<min>:<max>" (or, from Xena, no range key at all)' : '"<min>:<max>"';
      } else if (node.kind === 'scalar') {
        what = `range ${raw} is a YAML 1.1 ${node.tag === 'bool' ? 'boolean' : node.tag}, not a string`;
        quoted = `"${raw}"`;
      } else {
        what = `range is a YAML ${node.kind === 'seq' ? 'list' : 'mapping'}, not a comma-separated string`;
        quoted = Array.isArray(value) ? `"${value.map(pyStr).join(',')}"` : '"<min>:<max>"';
      }
      const failure =
        how === 'split'
          ? moduleFailureText('AttributeError', `'${t}' object has no attribute 'split'`)
          : moduleFailureText('TypeError', `sequence item 0: expected str instance, ${t} found`);
      const loc = entryLocation(e, 'range');
      out.push({
        severity: 'error',
        message: `${entryName(e)}: ${what}. The provider_networks module ${how === 'split' ? "splits the range on ','" : `joins the ${type} ranges with ','`} and fails: ${failure}. os_neutron stops before writing ml2_conf.ini or sriov_nic_agent.ini`,
        ...(loc ? { location: loc } : {}),
        evidence: [
          `${type} entry, range ${node.kind === 'scalar' ? `written as ${raw || '(nothing)'}, YAML tag ${node.tag}` : `a YAML ${node.kind}`}, Python value ${pyRepr(value)} (${t})`,
          ...(h.render.providerNetworksError ? [`model: ${h.render.providerNetworksError.message}`] : []),
        ],
        fix: `write the range as a quoted string in ${defWhere(ctx, list.def)}: range: ${quoted}; then run ${neutronPlaybook(ctx.release)}`,
      });
    }
    return out;
  },
};
