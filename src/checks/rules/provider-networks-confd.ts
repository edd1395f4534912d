import { basename, dirname, join } from 'node:path';
import { toLocation } from '../../deployment/context.js';
import { deployPath } from '../../deployment/provider-networks-helpers.js';
import { entry } from '../../osa/load.js';
import { toPlain } from '../../osa/pyyaml.js';
import { isDict } from '../../python.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-PN-008',
  severity: 'warning',
  title: 'A conf.d file replaces the whole provider_networks list, management network included',
  rationale:
    'OSA merges conf.d files into openstack_user_config.yml with merge_dict, which replaces lists: a conf.d global_overrides.provider_networks meant to add an SR-IOV network drops every other entry, the management network too, and the inventory generator says nothing.',
  needs: 'config',
  scope: 'deployment', // about how the deploy dir's conf.d files merge, not about a host
  run(ctx) {
    const deploy = ctx.model.deploy;
    const main = join(deploy.dir, 'openstack_user_config.yml');
    const e = entry(entry(deploy.userConfig, 'global_overrides')?.value, 'provider_networks');
    if (!e || e.keyLoc.file === main || e.value.kind !== 'seq') return [];
    const items = toPlain(e.value);
    if (!Array.isArray(items)) return [];
    const management = items.some((i) => {
      const n = isDict(i) ? i.network : null;
      if (!isDict(n)) return false;
      const flag = n.is_management_address ?? n.is_container_address;
      return flag === true || (typeof flag === 'string' && /^(true|yes|on|1)$/i.test(flag));
    });
    if (management) return [];
    const file = deployPath(ctx, e.keyLoc.file);
    const location = toLocation(e.keyLoc);
    const names = items
      .map((i) => (isDict(i) && isDict(i.network) ? i.network.net_name : undefined))
      .filter((n): n is string => typeof n === 'string');
    const out: RuleFinding[] = [
      {
        severity: 'warning',
        message: `global_overrides.provider_networks comes from ${file}, and OSA merges conf.d files with merge_dict, which replaces a list instead of appending to it: this ${items.length}-entry list (${names.join(', ') || 'no net_name'}) is the whole provider_networks of the deployment, and any list in openstack_user_config.yml is ignored. It has no management network (is_management_address or is_container_address), so the inventory generator silently gives the containers no management address, and every provider network defined only in openstack_user_config.yml is gone from the neutron configuration`,
        ...(location ? { location } : {}),
        evidence: [
          `${basename(dirname(e.keyLoc.file))}/${basename(e.keyLoc.file)}: provider_networks with ${items.length} ${items.length === 1 ? 'entry' : 'entries'}`,
        ],
        fix: `keep one complete provider_networks list: move these entries into global_overrides.provider_networks of ${deployPath(ctx, main)} (or copy the whole list, management network included, into ${file}), then run the playbooks again (the dynamic inventory is rebuilt on every run)`,
      },
    ];
    return out;
  },
};
