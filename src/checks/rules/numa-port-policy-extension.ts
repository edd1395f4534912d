import { ML2_INI } from '../../deployment/context.js';
import { analyseHostNuma, nodesUsed } from '../../deployment/numa-placement.js';
import { parseDriverList, templateExtensionDrivers } from '../../osa/ml2-extension-drivers.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

const EXTENSION = 'port_numa_affinity_policy';

export const rule: Rule = {
  id: 'SRIOV-NUMA-002',
  scope: 'deployment', // gathers the flavors of every host that need a port policy, reported on the neutron server's ml2 setting
  severity: 'info',
  title:
    "Ports cannot carry their own NUMA affinity policy: Neutron's port_numa_affinity_policy extension driver is off",
  rationale:
    "Nova takes a port's numa_affinity_policy before the flavor's and the image's, but Neutron stores the attribute only with the port_numa_affinity_policy ML2 extension driver, which OSA never enables by itself; without it the API still accepts the attribute and silently drops it. Said only when a flavor of the deploy dir would need a looser policy for its SR-IOV ports (SRIOV-NUMA-001).",
  needs: 'facts',
  run(ctx) {
    // The ports that would need it: flavors SRIOV-NUMA-001 finds refused or confined to the
    // VFs' node, whose own extra_specs set no policy (a flavor policy already applies to them).
    const needing = new Map<string, Set<string>>();
    for (const h of ctx.hosts()) {
      for (const c of analyseHostNuma(ctx, h)?.cases ?? []) {
        if (c.flavor.policy.source !== 'default' || c.fit.length === 0) continue;
        const narrowed = nodesUsed(c.withPort).length < nodesUsed(c.fit).length;
        if (!narrowed) continue;
        needing.set(c.physnet, (needing.get(c.physnet) ?? new Set()).add(c.flavor.flavor.name));
      }
    }
    if (needing.size === 0) return [];
    const servers = ctx.inGroup('neutron_server');
    if (servers.length === 0) return [];
    const out: RuleFinding[] = [];
    const h = servers[0]!;
    const written = h.option(ML2_INI, 'ml2', 'extension_drivers').at(-1);
    const base = h.variable('neutron_plugin_base')?.value;
    const drivers =
      written !== undefined
        ? parseDriverList(written)
        : templateExtensionDrivers(
            Array.isArray(base) ? base.filter((b): b is string => typeof b === 'string') : [],
          );
    if (drivers.includes(EXTENSION)) return [];
    const fromOverride = written !== undefined;
    const location = fromOverride
      ? h.varLocation('neutron_ml2_conf_ini_overrides', ['ml2', 'extension_drivers'])
      : undefined;
    const wanted = [...drivers, EXTENSION].join(',');
    out.push({
      severity: 'info',
      message: `SR-IOV ports cannot carry their own NUMA affinity policy: [ml2] extension_drivers = ${drivers.join(',')} has no ${EXTENSION}. Neutron still accepts openstack port create/set --numa-policy-preferred|legacy|required|socket (the ML2 plugin advertises the API extension itself) but stores nothing without the driver: the port reads numa_affinity_policy None and Nova applies the flavor's, the image's or the legacy policy; for ${[...needing].map(([p, fs]) => `${p} (flavor${fs.size > 1 ? 's' : ''} ${[...fs].join(', ')})`).join('; ')} a looser policy can come only from the flavor or the image (see SRIOV-NUMA-001)`,
      ...(location ? { location } : {}),
      evidence: [
        fromOverride
          ? `ml2_conf.ini [ml2] extension_drivers from neutron_ml2_conf_ini_overrides: ${written}`
          : `ml2_conf.ini [ml2] extension_drivers as os_neutron's template writes it from neutron_plugin_base: ${drivers.join(',')}`,
      ],
      fix: `to let ports choose, add to /etc/openstack_deploy/user_variables.yml: neutron_ml2_conf_ini_overrides: {ml2: {extension_drivers: "${wanted}"}} (the override replaces OSA's value, so keep its drivers), then run os-neutron-install.yml; or set hw:pci_numa_affinity_policy on the flavor instead`,
    });
    return out;
  },
};
