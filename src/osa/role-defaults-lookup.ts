// Role defaults (os_neutron, os_nova defaults/main.yml) of the SR-IOV variables, per release
// and where it matters per point release, as VarDefs at the lowest precedence level. Read from
// the roles' eol/eom tags and stable branches; point releases located through the integrated
// repo's ansible-role-requirements.yml.

import type { PyValue } from '../python.js';
import type { VarDef } from './inventory.js';
import { atLeast, type Release } from './releases.js';
import type { DefaultsLookup } from './vars.js';

// The scheduler filters, by era (os_nova defaults/main.yml): Rocky/Stein and Train before
// 20.2.0/21.2.0 fold a `>-` string (so ", " separates the names); then a list; Yoga dropped
// AvailabilityZoneFilter.
const FILTERS_ROCKY = [
  'RetryFilter',
  'AvailabilityZoneFilter',
  'RamFilter',
  'AggregateRamFilter',
  'ComputeFilter',
  'AggregateCoreFilter',
  'DiskFilter',
  'AggregateDiskFilter',
  'AggregateNumInstancesFilter',
  'AggregateIoOpsFilter',
  'ComputeCapabilitiesFilter',
  'ImagePropertiesFilter',
  'ServerGroupAntiAffinityFilter',
  'ServerGroupAffinityFilter',
  'NUMATopologyFilter',
];
const FILTERS_YOGA = FILTERS_ROCKY.filter(
  (f) =>
    ![
      'RetryFilter',
      'AvailabilityZoneFilter',
      'RamFilter',
      'AggregateRamFilter',
      'AggregateCoreFilter',
      'DiskFilter',
      'AggregateDiskFilter',
    ].includes(f),
);
const FILTERS_TRAIN = ['AvailabilityZoneFilter', ...FILTERS_YOGA];

/** Train and Ussuri before 20.2.0 / 21.2.0 still had the string form and no extra filters. */
export function schedulerFiltersAreString(r: Release): boolean {
  return (
    r.major <= 19 || (r.major === 20 && !atLeast(r, 20, 2, 0)) || (r.major === 21 && !atLeast(r, 21, 2, 0))
  );
}

/** The default of each variable for a release; undefined when the role does not define it. */
export function roleDefaults(r: Release): Record<string, { value: PyValue; role: 'os_neutron' | 'os_nova' }> {
  const m = r.major;
  const n = (value: PyValue) => ({ value, role: 'os_neutron' as const });
  const v = (value: PyValue) => ({ value, role: 'os_nova' as const });
  const out: Record<string, { value: PyValue; role: 'os_neutron' | 'os_nova' }> = {
    neutron_plugin_type: n(m <= 25 ? 'ml2.lxb' : 'ml2.ovn'),
    neutron_plugin_types: n([]),
    neutron_ml2_drivers_type: n(m <= 25 ? 'flat,vlan,vxlan,local' : 'geneve,vlan,flat'),
    neutron_plugin_base: n(m <= 25 ? ['router', 'metering'] : ['ovn-router']),
    // Stein switched to the expression in 19.0.1.
    neutron_l2_population: n(
      m <= 18 || (m === 19 && !atLeast(r, 19, 0, 1)) ? 'False' : "{{ neutron_plugin_type == 'ml2.ovs.dvr' }}",
    ),
    neutron_sriov_excluded_devices: n(''),
    neutron_sriov_nic_agent_ini_overrides: n({}),
    neutron_ml2_conf_ini_overrides: n({}),
    neutron_openvswitch_agent_ini_overrides: n({}),
    // nova_pci_alias exists from 18.1.6.
    ...(m > 18 || atLeast(r, 18, 1, 6) ? { nova_pci_alias: v([]) } : {}),
    nova_nova_conf_overrides: v({}),
  };
  const renamed = m >= 28 || (m === 26 && atLeast(r, 26, 3, 0)) || (m === 27 && atLeast(r, 27, 2, 0));
  if (!renamed) out.nova_pci_passthrough_whitelist = v({});
  else {
    const listDefault = m >= 29 || (m === 27 && atLeast(r, 27, 4, 1)) || (m === 28 && atLeast(r, 28, 1, 0));
    out.nova_device_spec = v(`{{ nova_pci_passthrough_whitelist | default(${listDefault ? '[]' : '{}'}) }}`);
  }
  if (schedulerFiltersAreString(r)) {
    out.nova_scheduler_default_filters = v((m <= 19 ? FILTERS_ROCKY : FILTERS_TRAIN).join(', '));
  } else {
    out.nova_scheduler_default_filters = v(m <= 24 ? FILTERS_TRAIN : FILTERS_YOGA);
    out.nova_scheduler_extra_filters = v([]);
  }
  return out;
}

export function roleDefaultsLookup(r: Release): DefaultsLookup {
  const table = roleDefaults(r);
  return (name: string): VarDef | undefined => {
    const d = table[name];
    if (!d) return undefined;
    return {
      name,
      value: d.value,
      node: null,
      loc: { file: `${d.role} defaults/main.yml (role default)`, line: 0, column: 0 },
      level: 'role default',
    };
  };
}
