// The parts of OSA's inventory skeleton (inventory/env.d) that decide where Neutron and Nova
// services run, per release. Our own table, read from openstack-ansible's env.d/neutron.yml and
// env.d/nova.yml at each release's eol/stable ref; env.d/ files in the deploy dir are merged over it.
import type { Release } from './releases.js';

export interface ContainerSkel {
  belongsTo: string[];
  contains: string[];
  isMetal: boolean;
}

export interface Skeleton {
  /** physical_skel: host and container groups and their parents. */
  physical: Record<string, string[]>;
  /** container_skel. */
  containers: Record<string, ContainerSkel>;
  /** component_skel: component group → parent groups. */
  components: Record<string, string[]>;
}

const NEUTRON_AGENTS = [
  'neutron_agent',
  'neutron_bgp_dragent',
  'neutron_dhcp_agent',
  'neutron_l3_agent',
  'neutron_metadata_agent',
  'neutron_metering_agent',
];

export function baseSkeleton(release: Release): Skeleton {
  const m = release.major;
  const lxb = m <= 30 ? ['neutron_linuxbridge_agent'] : [];
  const ovn = m >= 26;
  const physical: Record<string, string[]> = {};
  const hostGroup = (prefix: string) => {
    physical[`${prefix}_hosts`] = ['hosts'];
    physical[`${prefix}_containers`] = ['all_containers'];
  };
  for (const p of ['network', 'compute', 'kvm-compute', 'qemu-compute', 'compute-infra', 'os-infra'])
    hostGroup(p);
  if (m <= 19) for (const p of ['lxd-compute', 'powervm-compute']) hostGroup(p);
  if (m >= 23) for (const p of ['network-agent', 'network-infra']) hostGroup(p);
  if (ovn) for (const p of ['network-gateway', 'network-northd']) hostGroup(p);

  const containers: Record<string, ContainerSkel> = {
    neutron_agents_container: {
      belongsTo: m >= 23 ? ['network_containers', 'network-agent_containers'] : ['network_containers'],
      contains: [...NEUTRON_AGENTS, ...lxb, 'neutron_openvswitch_agent', 'neutron_sriov_nic_agent'],
      isMetal: true,
    },
    neutron_server_container: {
      belongsTo: m >= 23 ? ['network_containers', 'network-infra_containers'] : ['network_containers'],
      contains: ['neutron_server'],
      isMetal: false,
    },
    nova_api_container: {
      belongsTo: ['compute-infra_containers', 'os-infra_containers'],
      contains: [
        'nova_api_metadata',
        'nova_api_os_compute',
        'nova_conductor',
        'nova_scheduler',
        'nova_console',
      ],
      isMetal: false,
    },
    nova_compute_container: {
      belongsTo: [
        'compute_containers',
        'kvm-compute_containers',
        ...(m <= 19 ? ['lxd-compute_containers'] : []),
        'qemu-compute_containers',
        ...(m <= 19 ? ['powervm-compute_containers'] : []),
      ],
      contains: [
        ...lxb,
        'neutron_openvswitch_agent',
        'neutron_sriov_nic_agent',
        ...(ovn ? ['neutron_ovn_controller'] : []),
        ...(m === 26 ? ['neutron_ovn_gateway'] : []),
        'nova_compute',
      ],
      isMetal: true,
    },
  };
  if (ovn) {
    containers.neutron_ovn_gateway_container = {
      belongsTo: ['network-gateway_containers'],
      contains: ['neutron_ovn_controller', 'neutron_ovn_gateway'],
      isMetal: true,
    };
    containers.neutron_ovn_northd_container = {
      belongsTo: ['network-northd_containers'],
      contains: ['neutron_ovn_northd'],
      isMetal: false,
    };
  }
  const components: Record<string, string[]> = {};
  for (const c of Object.values(containers)) {
    for (const k of c.contains) components[k] = [k.startsWith('nova') ? 'nova_all' : 'neutron_all'];
  }
  const skel = { physical, containers, components };
  return m >= 33 ? underscored(skel) : skel;
}

/** 33.x renamed every group with a dash (compute-infra_hosts → compute_infra_hosts). */
export function underscored(s: Skeleton): Skeleton {
  const u = (g: string) => g.replace(/-/g, '_');
  const map = <T>(rec: Record<string, T>, f: (v: T) => T) =>
    Object.fromEntries(Object.entries(rec).map(([k, v]) => [u(k), f(v)]));
  return {
    physical: map(s.physical, (v) => v.map(u)),
    containers: map(s.containers, (c) => ({
      ...c,
      belongsTo: c.belongsTo.map(u),
      contains: c.contains.map(u),
    })),
    components: map(s.components, (v) => v.map(u)),
  };
}
