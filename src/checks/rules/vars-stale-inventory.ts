import type { CheckContext } from '../../deployment/context.js';
import { allDefs, describeAt, shortFile, showValue, varMatters } from '../../deployment/vars-helpers.js';
import type { Inventory } from '../../osa/inventory.js';
import { SRIOV_VARS } from '../../osa/render.js';
import type { HostFinding, Rule } from '../rule.js';

const NAMES: ReadonlySet<string> = new Set(SRIOV_VARS);

type StaleVar = Inventory['staleVars'][number];

/** The inventory's leftover SR-IOV variables by host, in the inventory's order (once per run). */
function staleByHost(ctx: CheckContext): Map<string, StaleVar[]> {
  const out = new Map<string, StaleVar[]>();
  for (const s of ctx.model.inventory.staleVars)
    if (NAMES.has(s.name)) out.set(s.host, [...(out.get(s.host) ?? []), s]);
  return out;
}

export const rule: Rule = {
  id: 'SRIOV-VARS-003',
  severity: 'warning',
  title: 'An SR-IOV variable lives on only in openstack_inventory.json',
  rationale:
    'OSA writes host_vars and container_vars into openstack_inventory.json and never deletes them: a value removed from openstack_user_config.yml keeps applying to the host until it is removed from the inventory file.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    for (const s of ctx.once(staleByHost).get(h.name) ?? []) {
      if (!varMatters(ctx, h, s.name)) continue;
      const r = h.variable(s.name);
      if (!r) continue;
      const defs = allDefs(r);
      const def = defs.find((d) => d.level === 'openstack_inventory.json');
      if (!def) continue;
      const effective = r.winner === def;
      const below = defs.slice(defs.indexOf(def) + 1)[0];
      const without = below
        ? `${showValue(below.value)} (${describeAt(ctx, below)})`
        : 'nothing (the variable would be undefined)';
      const inv = shortFile(ctx, s.file);
      const message = effective
        ? `${s.name} = ${showValue(def.value)} is set for this host only in ${inv} (_meta.hostvars), not in openstack_user_config.yml, conf.d, group_vars or host_vars: OSA's inventory generator never deletes host variables, so a value removed from host_vars/container_vars keeps applying, and it is the value in effect here (an inventory host variable beats global_overrides, group_vars and the role default)`
        : `${s.name} = ${showValue(def.value)} is set for this host only in ${inv} (_meta.hostvars), left over from an earlier openstack_user_config.yml: today ${describeAt(ctx, r.winner!)} overrides it, but it applies again as soon as that definition is removed`;
      out.push({
        severity: effective ? 'warning' : 'info',
        message,
        evidence: [
          `${inv}: _meta.hostvars["${h.name}"]["${s.name}"] = ${showValue(def.value)}`,
          effective
            ? `without it this host would get ${without}`
            : `effective: ${s.name} = ${showValue(r.value)} (${describeAt(ctx, r.winner!)})`,
        ],
        fix: `if the value is no longer wanted, delete "${s.name}" from _meta.hostvars["${h.name}"] in /etc/openstack_deploy/openstack_inventory.json (back the file up first; scripts/inventory-manage.py can export (-e) but not delete a variable: its -r removes a whole host, which OSA re-creates from the config on the next run, and for an LXC container re-creates it under a new name); if it is wanted, write it where it belongs, e.g. /etc/openstack_deploy/host_vars/${h.name}.yml, which also beats the stale copy`,
      });
    }
    return out;
  },
};
