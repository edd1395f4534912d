import { nodeAt, toLocation } from '../../deployment/context.js';
import {
  behaviourOf,
  boundOn,
  defWhere,
  entryLocation,
  entryName,
  neutronPlaybook,
  pnList,
} from '../../deployment/provider-networks-helpers.js';
import { isDict, pyStr } from '../../python.js';
import type { HostFinding, Rule } from '../rule.js';

const underscored = (g: string) => g.replace(/-/g, '_');

export const rule: Rule = {
  id: 'SRIOV-PN-006',
  severity: 'error',
  title: 'group_binds or reference_group names a group with dashes on OSA 2026.1 (33.x) or later',
  rationale:
    'OSA 33.x renamed every group with dashes to underscores and Ansible now rewrites dashes in group names. The inventory generator normalises group_binds for container networking, but the provider_networks module compares the names as written, so a dashed name binds no host and those hosts lose the physnet.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    if (ctx.release.major < 33) return [];
    const out: HostFinding[] = [];
    const b = behaviourOf(ctx);
    const list = pnList(h);
    if (!list) return [];
    for (const e of list.entries) {
      const v = e.value;
      if (!isDict(v)) continue;
      const binds = Array.isArray(v.group_binds) ? v.group_binds.map(pyStr) : [];
      const rg = typeof v.reference_group === 'string' ? v.reference_group : null;
      const dashed = binds.filter((g) => g.includes('-'));
      const rgDashed = rg?.includes('-') ?? false;
      if (dashed.length === 0 && !rgDashed) continue;
      const asWritten = boundOn(v, h.groups, b) === true;
      if (asWritten) continue;
      const fixed = {
        ...v,
        group_binds: binds.map(underscored),
        ...(rg ? { reference_group: underscored(rg) } : {}),
      };
      if (boundOn(fixed, h.groups, b) !== true) continue;
      // The names that would have bound this host.
      const culprits = [
        ...dashed.filter((g) => h.groups.has(underscored(g))),
        ...(rgDashed && rg && h.groups.has(underscored(rg)) ? [rg] : []),
      ];
      const name = culprits[0] ?? dashed[0] ?? rg!;
      const isRg = name === rg && !binds.includes(name);
      const idx = binds.indexOf(name);
      const node = isRg ? nodeAt(e.net, ['reference_group']) : nodeAt(e.net, ['group_binds', idx]);
      const loc = toLocation(node?.loc) ?? entryLocation(e);
      out.push({
        severity: 'error',
        message: `${entryName(e)}: ${isRg ? 'reference_group' : 'group_binds'} names ${name}, but OSA 2026.1 (33.x) renamed groups with dashes (${name} is now ${underscored(name)}) and Ansible rewrites dashes in group names (ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS=always). The inventory generator normalises group_binds for container networking, but the provider_networks module compares the names as written, so this entry no longer applies to the hosts of ${underscored(name)}: they lose ${'sriov_host_interfaces' in v ? `its bridge and SR-IOV mappings (their SR-IOV agent no longer maps ${e.netName ?? 'the physnet'}, and its direct/macvtap ports fail to bind)` : 'its bridge mapping'}`,
        ...(loc ? { location: loc } : {}),
        evidence: [
          `${isRg ? 'reference_group' : 'group_binds'}: ${isRg ? rg : binds.join(', ')}`,
          `host groups include ${underscored(name)}`,
        ],
        fix: `write ${underscored(name)} instead of ${name} in ${defWhere(ctx, list.def)} (the 33.x release note asks to update network bindings to underscore names), then run ${neutronPlaybook(ctx.release)}`,
      });
    }
    return out;
  },
};
