import { defLocation } from '../../deployment/context.js';
import {
  allDefs,
  containerVarsOwner,
  describeAt,
  physicalHostOf,
  showValue,
  varMatters,
  where,
} from '../../deployment/vars-helpers.js';
import type { HostFinding, Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-VARS-002',
  severity: 'error',
  title: "Another host's container_vars reach this host through the name-prefix leak",
  rationale:
    "OSA's inventory generator applies a host's container_vars to every inventory host whose name starts with that host's name, so compute1's SR-IOV values (NIC names, device specs, mappings) also land on compute10.",
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const physical = physicalHostOf(ctx, h.name);
    for (const [name, r] of h.render.vars) {
      if (!varMatters(ctx, h, name)) continue;
      for (const d of allDefs(r)) {
        if (d.level !== 'inventory container_vars') continue;
        const owner = containerVarsOwner(ctx, d);
        const leaked = d.note?.includes('leaked by name prefix') || (owner !== null && owner !== physical);
        if (!leaked) continue;
        const from = owner ?? d.note?.replace(/^container_vars of (\S+),.*$/, '$1') ?? 'another host';
        const effective = d === r.winner;
        const base = `${name} comes from the container_vars of ${from} (${where(ctx, d)}): OSA's inventory generator gives a host's container_vars to every inventory host whose name starts with "${from}", so ${h.name} receives ${from}'s value ${showValue(d.value)}`;
        const message = effective
          ? `${base}, and it is the value in effect here`
          : `${base}; today ${describeAt(ctx, r.winner!)} overrides it, but that is all that stands between this host and ${from}'s value (a reordered openstack_user_config.yml or conf.d, or a removed override, brings it back)`;
        const location = defLocation(d);
        out.push({
          severity: effective ? 'error' : 'warning',
          message,
          ...(location ? { location } : {}),
          evidence: [
            `${h.name}: ${name} = ${showValue(r.value)} (${describeAt(ctx, r.winner!)})`,
            ...(effective ? [] : [`leaked: ${name} = ${showValue(d.value)} (${describeAt(ctx, d)})`]),
            `"${h.name}".startswith("${from}") is true in generate.py, which matches container_vars by prefix; host_vars match the exact name`,
          ],
          fix:
            `move ${name} out of ${from}'s container_vars into /etc/openstack_deploy/host_vars/${from}.yml (or under ${from}: host_vars: in openstack_user_config.yml; host_vars match the exact host, but unlike container_vars they do not reach ${from}'s LXC containers)` +
            (effective
              ? `; then delete the copy OSA already wrote for ${h.name} from _meta.hostvars["${h.name}"] in /etc/openstack_deploy/openstack_inventory.json (the generator never removes host variables), or give ${h.name} its own value in /etc/openstack_deploy/host_vars/${h.name}.yml`
              : ''),
        });
      }
    }
    return out;
  },
};
