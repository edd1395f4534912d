// The deployment model end to end: config dirs written here, read as OSA reads them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadDeployDir } from '../../src/osa/load.js';
import type { DeploymentModel } from '../../src/osa/model.js';
import type { HostRender } from '../../src/osa/render.js';
import { deployDir, model } from '../osa-helpers.js';

function host(m: DeploymentModel, name: string): HostRender {
  const h = m.hosts.get(name);
  assert.ok(h, `host ${name} in ${[...m.hosts.keys()].join(', ')}`);
  return h;
}

const SRIOV_NET = `    - network:
        container_bridge: br-vlan
        container_type: veth
        container_interface: eth11
        type: vlan
        range: "101:200"
        net_name: physnet1
        sriov_host_interfaces: ens1f0
        group_binds:
          - neutron_sriov_nic_agent
`;

const BASE = `cidr_networks:
  container: 172.29.236.0/22
global_overrides:
  provider_networks:
${SRIOV_NET}
network_hosts:
  infra1:
    ip: 172.29.236.11
compute_hosts:
  compute1:
    ip: 172.29.236.21
`;

const USER_VARS = 'neutron_plugin_type: ml2.ovs\nneutron_plugin_types:\n  - ml2.sriov\n';

describe('loading and merging', () => {
  test('conf.d: a provider_networks list replaces the whole list; host groups merge', () => {
    const dir = deployDir({
      'openstack_user_config.yml': BASE,
      'conf.d/computes.yml': 'compute_hosts:\n  compute2:\n    ip: 172.29.236.22\n',
      'conf.d/networks.yml': `global_overrides:\n  provider_networks:\n${SRIOV_NET.replace('ens1f0', 'ens9f9').replace('physnet1', 'physnet9')}`,
      'user_variables.yml': USER_VARS,
    });
    const m = model(dir);
    assert.ok(m.hosts.has('compute1') && m.hosts.has('compute2'));
    assert.equal(host(m, 'compute1').providerNetworks?.network_sriov_mappings, 'physnet9:ens9f9');
    assert.match(
      host(m, 'compute1').vars.get('provider_networks')?.winner?.loc?.file ?? '',
      /conf\.d\/networks\.yml$/,
    );
  });

  test('YAML errors name the file, line and column', () => {
    const dir = deployDir({ 'openstack_user_config.yml': 'compute_hosts:\n  compute1: [\n' });
    assert.throws(
      () => loadDeployDir(dir),
      (e: Error & { location?: { file: string; line: number } }) => {
        assert.match(e.location?.file ?? '', /openstack_user_config\.yml$/);
        assert.ok((e.location?.line ?? 0) >= 2);
        return true;
      },
    );
  });
});

describe('inventory groups', () => {
  test('2026.1: a compute is in nova_compute, the SR-IOV, OVS and OVN agent groups, on metal', () => {
    const h = host(model(deployDir({ 'openstack_user_config.yml': BASE })), 'compute1');
    for (const g of [
      'compute_hosts',
      'hosts',
      'nova_compute',
      'neutron_sriov_nic_agent',
      'neutron_openvswitch_agent',
      'neutron_ovn_controller',
      'nova_all',
      'neutron_all',
    ]) {
      assert.ok(h.groups.includes(g), `${g} in ${h.groups.join(' ')}`);
    }
    assert.ok(!h.groups.includes('neutron_linuxbridge_agent'));
    assert.equal(h.isMetal, true);
  });
  test('Rocky: computes also carry the linuxbridge agent, not OVN', () => {
    const h = host(model(deployDir({ 'openstack_user_config.yml': BASE }), 'rocky'), 'compute1');
    assert.ok(h.groups.includes('neutron_linuxbridge_agent'));
    assert.ok(!h.groups.includes('neutron_ovn_controller'));
  });
  test('network hosts run the agents on metal; neutron-server is an LXC container with every VLAN range', () => {
    const m = model(deployDir({ 'openstack_user_config.yml': BASE, 'user_variables.yml': USER_VARS }));
    const infra = host(m, 'infra1');
    assert.ok(infra.groups.includes('neutron_sriov_nic_agent'));
    assert.ok(!infra.groups.includes('neutron_server'));
    const server = host(m, 'infra1-neutron-server-container');
    assert.equal(server.isMetal, false);
    assert.ok(server.groups.includes('neutron_server'));
    assert.equal(server.providerNetworks?.network_vlan_ranges, 'physnet1:101:200');
    assert.equal(server.providerNetworks?.network_sriov_mappings, '');
    assert.equal(server.sriovAgentEnabled, false);
  });
  test('33.x normalises dashed group names in the config; earlier releases keep them', () => {
    const cfg = `${BASE}network-infra_hosts:\n  infra2:\n    ip: 172.29.236.12\n`;
    const m33 = model(deployDir({ 'openstack_user_config.yml': cfg }), '33');
    assert.ok(host(m33, 'infra2').groups.includes('network_infra_hosts'));
    assert.ok(host(m33, 'infra2-neutron-server-container').groups.includes('neutron_server'));
    const m32 = model(deployDir({ 'openstack_user_config.yml': cfg }), '32');
    assert.ok(host(m32, 'infra2').groups.includes('network-infra_hosts'));
  });
  test('no_containers puts neutron-server on the host itself', () => {
    const cfg = BASE.replace(
      '  infra1:\n    ip: 172.29.236.11\n',
      '  infra1:\n    ip: 172.29.236.11\n    no_containers: true\n',
    );
    const m = model(deployDir({ 'openstack_user_config.yml': cfg }));
    assert.ok(host(m, 'infra1').groups.includes('neutron_server'));
    assert.ok(!m.hosts.has('infra1-neutron-server-container'));
  });
});

describe('variable precedence and provenance', () => {
  const files = {
    'openstack_user_config.yml': `${BASE.replace(
      '  compute1:\n    ip: 172.29.236.21\n',
      `  compute1:
    ip: 172.29.236.21
    host_vars:
      nova_device_spec: '{"devname": "ens1f0", "physical_network": "physnet1"}'
  compute10:
    ip: 172.29.236.30
  compute2:
    ip: 172.29.236.22
    container_vars:
      neutron_sriov_excluded_devices: "ens1f0:0000:3b:10.1"
`,
    ).replace('compute_hosts:\n  compute1:', 'compute_hosts:\n  compute1:')}`,
    'group_vars/all.yml': 'neutron_plugin_base:\n  - router\n',
    'group_vars/compute_hosts.yml': 'neutron_plugin_base:\n  - router\n  - qos\n',
    'host_vars/compute2.yml': 'neutron_plugin_base:\n  - metering\n',
    'user_variables.yml': USER_VARS,
  };

  test('group_vars/all < group_vars/<group> < host_vars/<host>', () => {
    const m = model(deployDir(files));
    const c1 = host(m, 'compute1').vars.get('neutron_plugin_base')!;
    assert.deepEqual(c1.value, ['router', 'qos']);
    assert.deepEqual(
      c1.overridden.map((d) => d.level),
      ['group_vars', 'role default'],
    );
    assert.deepEqual(host(m, 'compute2').vars.get('neutron_plugin_base')?.value, ['metering']);
    assert.equal(host(m, 'compute1').ini['plugins/ml2/sriov_nic_agent.ini']?.agent?.extensions, 'qos');
  });

  test('user_*.yml masks the per-host value, which stays visible as overridden', () => {
    const m = model(
      deployDir({
        ...files,
        'user_variables_z.yml': 'nova_device_spec: \'{"devname": "p9", "physical_network": "physnet1"}\'\n',
      }),
    );
    const spec = host(m, 'compute1').vars.get('nova_device_spec')!;
    assert.equal(spec.winner?.level, 'extra vars (user_*.yml)');
    assert.match(spec.winner?.loc?.file ?? '', /user_variables_z\.yml$/);
    assert.equal(spec.overridden[0]?.level, 'inventory host_vars');
    assert.equal(
      host(m, 'compute1').ini['nova.conf']?.pci?.device_spec,
      '{"devname": "p9", "physical_network": "physnet1"}',
    );
  });

  test('container_vars leak to hosts whose name starts with the host name; host_vars do not', () => {
    const leaky = deployDir({
      ...files,
      'openstack_user_config.yml': files['openstack_user_config.yml'].replace(
        '    host_vars:\n      nova_device_spec',
        '    container_vars:\n      neutron_sriov_excluded_devices: "ens1f0:0000:3b:10.7"\n    host_vars:\n      nova_device_spec',
      ),
    });
    const m = model(leaky);
    assert.equal(
      host(m, 'compute10').vars.get('neutron_sriov_excluded_devices')?.value,
      'ens1f0:0000:3b:10.7',
    );
    assert.match(
      host(m, 'compute10').vars.get('neutron_sriov_excluded_devices')?.winner?.note ?? '',
      /leaked by name prefix/,
    );
    assert.equal(host(m, 'compute10').vars.get('nova_device_spec')?.winner?.level, 'role default');
    assert.ok(m.inventory.notes.some((n) => /compute1.*compute10/.test(n.message)));
    assert.equal(
      host(m, 'compute2').ini['plugins/ml2/sriov_nic_agent.ini']?.sriov_nic?.exclude_devices,
      '"ens1f0:0000:3b:10.1"',
    );
  });

  test('provider_networks in user_variables.yml beats the per-host override (extra-vars win)', () => {
    const perHost = `      provider_networks:\n        - network: {type: vlan, net_name: physnet1, range: "1:2", container_bridge: br-x, sriov_host_interfaces: p7, group_binds: [nova_compute]}\n`;
    const dir = deployDir({
      ...files,
      'openstack_user_config.yml': files['openstack_user_config.yml'].replace(
        '    host_vars:\n',
        `    host_vars:\n${perHost}`,
      ),
      'user_variables_pn.yml': `provider_networks:\n  - network: {type: vlan, net_name: physnet1, range: "5:6", container_bridge: br-y, sriov_host_interfaces: p8, group_binds: [nova_compute]}\n`,
    });
    const h = host(model(dir), 'compute1');
    assert.equal(h.providerNetworks?.network_sriov_mappings, 'physnet1:p8');
    assert.deepEqual(
      h.vars.get('provider_networks')?.overridden.map((d) => d.level),
      ['inventory host_vars', 'global_overrides'],
    );
  });

  test('one host bound to two entries of one physnet: two bridge mappings for one key', () => {
    const dir = deployDir({
      'openstack_user_config.yml': BASE.replace(
        SRIOV_NET,
        `${SRIOV_NET}${SRIOV_NET.replace('br-vlan', 'br-other').replace('ens1f0', 'ens2f0')}`,
      ),
      'user_variables.yml': USER_VARS,
    });
    const h = host(model(dir), 'compute1');
    assert.equal(h.providerNetworks?.network_mappings, 'physnet1:br-other,physnet1:br-vlan');
    assert.equal(h.providerNetworks?.network_sriov_mappings, 'physnet1:ens1f0,physnet1:ens2f0');
  });

  test('openstack_inventory.json keeps vars the config removed, and they still apply', () => {
    const dir = deployDir({
      ...files,
      'openstack_inventory.json': {
        _meta: {
          hostvars: { compute10: { ansible_host: '172.29.236.30', nova_pci_alias: ['{"name": "old"}'] } },
        },
      },
    });
    const m = model(dir);
    assert.deepEqual(
      m.inventory.staleVars.map((s) => [s.host, s.name]),
      [['compute10', 'nova_pci_alias']],
    );
    assert.equal(host(m, 'compute10').ini['nova.conf']?.pci?.alias, '{"name": "old"}');
  });
});

describe('rendered configuration', () => {
  test('the YAML 1.1 range trap fails the module, pointing at the range', () => {
    const dir = deployDir({
      'openstack_user_config.yml': BASE.replace('range: "101:200"', 'range: 1:50'),
      'user_variables.yml': USER_VARS,
    });
    const h = host(model(dir), 'compute1');
    assert.equal(h.providerNetworks, null);
    assert.match(
      h.providerNetworksError?.message ?? '',
      /AttributeError: 'int' object has no attribute 'split'/,
    );
    assert.deepEqual(
      [h.providerNetworksError?.location?.line, h.providerNetworksError?.location?.column],
      [10, 16],
    );
    assert.equal(
      h.vars.get('provider_networks')?.value &&
        (h.vars.get('provider_networks')!.value as Array<{ network: { range: unknown } }>)[0]!.network.range,
      110,
    );
  });

  test('a hand-written neutron_provider_networks without network_sriov_mappings', () => {
    const dir = deployDir({
      'openstack_user_config.yml': BASE,
      'host_vars/compute1.yml':
        'neutron_provider_networks:\n  network_types: vlan\n  network_mappings: "physnet1:br-vlan"\n',
      'user_variables.yml': USER_VARS,
    });
    const h = host(model(dir), 'compute1');
    assert.equal(h.providerNetworksSource, 'neutron_provider_networks');
    assert.match(
      h.providerNetworksError?.message ?? '',
      /'dict object' has no attribute 'network_sriov_mappings'/,
    );
    assert.match(h.providerNetworksError?.location?.file ?? '', /host_vars\/compute1\.yml$/);
  });

  test('ml2.sriov: mechanism drivers, sriov_nic_agent.ini with OSA quotes, agent only on its group, OVS [FDB]', () => {
    const m = model(deployDir({ 'openstack_user_config.yml': BASE, 'user_variables.yml': USER_VARS }));
    const c = host(m, 'compute1');
    assert.equal(c.ini['plugins/ml2/ml2_conf.ini']?.ml2?.mechanism_drivers, 'openvswitch,sriovnicswitch');
    assert.equal(c.ini['plugins/ml2/ml2_conf.ini']?.ml2?.project_network_types, 'vlan');
    assert.equal(
      c.ini['plugins/ml2/sriov_nic_agent.ini']?.sriov_nic?.physical_device_mappings,
      '"physnet1:ens1f0"',
    );
    assert.equal(
      c.ini['plugins/ml2/openvswitch_agent.ini']?.FDB?.shared_physical_device_mappings,
      'physnet1:ens1f0',
    );
    assert.equal(c.sriovAgentEnabled, true);
    const server = host(m, 'infra1-neutron-server-container');
    assert.equal(server.ini['plugins/ml2/sriov_nic_agent.ini']?.sriov_nic?.physical_device_mappings, '""');
    assert.equal(
      host(
        model(deployDir({ 'openstack_user_config.yml': BASE, 'user_variables.yml': USER_VARS }), '32'),
        'compute1',
      ).ini['plugins/ml2/ml2_conf.ini']?.ml2?.tenant_network_types,
      'vlan',
    );
    const none = host(model(deployDir({ 'openstack_user_config.yml': BASE })), 'compute1');
    assert.equal(none.ini['plugins/ml2/sriov_nic_agent.ini'], undefined);
    assert.equal(none.sriovAgentEnabled, false);
    assert.equal(none.ini['plugins/ml2/ml2_conf.ini']?.ml2?.mechanism_drivers, 'ovn');
    const ovnOnRocky = host(
      model(
        deployDir({
          'openstack_user_config.yml': BASE,
          'user_variables.yml': 'neutron_plugin_type: ml2.ovn\n',
        }),
        'rocky',
      ),
      'compute1',
    );
    assert.ok(ovnOnRocky.problems.some((p) => /"ml2.ovn" does not exist in OSA 18.x/.test(p.message)));
    assert.equal(c.ini['plugins/ml2/openvswitch_agent.ini']?.agent?.extensions, 'fdb');
  });

  test('nova [pci] by release: passthrough_whitelist, the dict conversion, per-character lines, JSON lines', () => {
    const whitelist =
      'nova_pci_passthrough_whitelist: \'{"physical_network": "physnet1", "devname": "ens1f0"}\'\n';
    const dir = deployDir({ 'openstack_user_config.yml': BASE, 'user_variables.yml': USER_VARS + whitelist });
    const pci = (release: string) => host(model(dir, release), 'compute1');
    assert.equal(
      pci('rocky').ini['nova.conf']?.pci?.passthrough_whitelist,
      '{"physical_network": "physnet1", "devname": "ens1f0"}',
    );
    // Before 18.1.6 the option lived in [DEFAULT], quoted.
    assert.equal(
      pci('18.1.5').ini['nova.conf']?.DEFAULT?.pci_passthrough_whitelist,
      '"{"physical_network": "physnet1", "devname": "ens1f0"}"',
    );
    // 26.3.0: nova_device_spec defaults to the old variable through Jinja; Ansible turns the JSON into a dict.
    const renamed = pci('26.3.0');
    assert.equal(
      renamed.ini['nova.conf']?.pci?.device_spec,
      "{'physical_network': 'physnet1', 'devname': 'ens1f0'}",
    );
    assert.ok(renamed.problems.some((p) => /Python repr/.test(p.message)));
    assert.equal(
      pci('32').ini['nova.conf']?.pci?.device_spec,
      '{"physical_network": "physnet1", "devname": "ens1f0"}',
    );
    // 2026.1 (ansible-core 2.19): no conversion, the string is written as it is.
    assert.equal(
      pci('33').ini['nova.conf']?.pci?.device_spec,
      '{"physical_network": "physnet1", "devname": "ens1f0"}',
    );
    const str = deployDir({
      'openstack_user_config.yml': BASE,
      'user_variables.yml': `${USER_VARS}nova_device_spec: '{"devname": "p1"}'\n`,
    });
    const loop = host(model(str, '27.4.1'), 'compute1');
    assert.ok(Array.isArray(loop.ini['nova.conf']?.pci?.device_spec));
    assert.ok(loop.problems.some((p) => /per character/.test(p.message)));
    const list = deployDir({
      'openstack_user_config.yml': BASE,
      'user_variables.yml': `${USER_VARS}nova_device_spec:\n  - {devname: p2, physical_network: physnet1}\n  - '{"devname": "p1"}'\n`,
    });
    assert.deepEqual(host(model(list, '33'), 'compute1').ini['nova.conf']?.pci?.device_spec, [
      '{"devname": "p1"}',
      '{"devname": "p2", "physical_network": "physnet1"}',
    ]);
  });

  test('scheduler filters: Train+ list plus extras on nova_scheduler hosts; Rocky string; a string since Train breaks', () => {
    const cfg = `${BASE}compute-infra_hosts:\n  infra1:\n    ip: 172.29.236.11\n`;
    const dir = deployDir({
      'openstack_user_config.yml': cfg,
      'user_variables.yml': 'nova_scheduler_extra_filters:\n  - PciPassthroughFilter\n',
    });
    const sched = host(model(dir, '33'), 'infra1-nova-api-container');
    assert.match(
      String(sched.ini['nova.conf']?.filter_scheduler?.enabled_filters),
      /^ComputeFilter,.*NUMATopologyFilter,PciPassthroughFilter$/,
    );
    assert.equal(host(model(dir, '33'), 'compute1').ini['nova.conf']?.filter_scheduler, undefined);
    // Until 2025.2 every nova.conf, a compute's too, carried [filter_scheduler].
    assert.match(
      String(host(model(dir, '31'), 'compute1').ini['nova.conf']?.filter_scheduler?.enabled_filters),
      /PciPassthroughFilter$/,
    );
    // Train before 20.2.0: still the folded string, and no nova_scheduler_extra_filters.
    assert.equal(
      host(model(dir, '20.1.0'), 'infra1_nova_api_container').ini['nova.conf']?.filter_scheduler
        ?.enabled_filters,
      'AvailabilityZoneFilter, ComputeFilter, AggregateNumInstancesFilter, AggregateIoOpsFilter, ComputeCapabilitiesFilter, ImagePropertiesFilter, ServerGroupAntiAffinityFilter, ServerGroupAffinityFilter, NUMATopologyFilter',
    );
    const rocky = host(model(dir, 'rocky'), 'infra1_nova_api_container');
    assert.doesNotMatch(
      String(rocky.ini['nova.conf']?.filter_scheduler?.enabled_filters),
      /PciPassthroughFilter/,
    );
    const str = deployDir({
      'openstack_user_config.yml': cfg,
      'user_variables.yml': 'nova_scheduler_default_filters: "ComputeFilter,PciPassthroughFilter"\n',
    });
    assert.ok(
      host(model(str, 'train'), 'infra1_nova_api_container').problems.some((p) =>
        /must be a YAML list|needs a YAML list/.test(p.message),
      ),
    );
  });

  test('config_template overrides: set syntax gives repeated keys, a list one comma-joined line', () => {
    const dir = deployDir({
      'openstack_user_config.yml': BASE,
      'user_variables.yml': `${USER_VARS}nova_nova_conf_overrides:\n  pci:\n    device_spec:\n      ? '{"devname": "p2"}'\n      ? '{"devname": "p1"}'\nneutron_sriov_nic_agent_ini_overrides:\n  sriov_nic:\n    resource_provider_bandwidths:\n      - ens1f0:10000000:10000000\n      - ens1f1:1:1\n`,
    });
    const h = host(model(dir), 'compute1');
    assert.deepEqual(h.ini['nova.conf']?.pci?.device_spec, ['{"devname": "p1"}', '{"devname": "p2"}']);
    assert.equal(
      h.ini['plugins/ml2/sriov_nic_agent.ini']?.sriov_nic?.resource_provider_bandwidths,
      'ens1f0:10000000:10000000,ens1f1:1:1',
    );
  });

  test('templates: {{ var }} is resolved, other Jinja is kept and flagged', () => {
    const dir = deployDir({
      'openstack_user_config.yml': BASE,
      'user_variables.yml': `${USER_VARS}my_devs: "physnet1:ens1f0:0000:3b:10.2"\nneutron_sriov_excluded_devices: "{{ my_devs }}"\nnova_pci_alias: "{{ aliases | map('to_json') | list }}"\n`,
    });
    const h = host(model(dir), 'compute1');
    assert.equal(h.vars.get('neutron_sriov_excluded_devices')?.value, 'physnet1:ens1f0:0000:3b:10.2');
    assert.equal(h.vars.get('nova_pci_alias')?.template?.evaluated, false);
    assert.ok(h.notes.some((n) => /nova_pci_alias is a template/.test(n)));
  });
});
