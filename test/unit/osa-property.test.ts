// Property: for random valid configs, the model is the same whether provider_networks sits in
// openstack_user_config.yml or in a conf.d file that does not redefine the list elsewhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostJson } from '../../src/report/model-json.js';
import { rng } from '../helpers.js';
import { deployDir, model } from '../osa-helpers.js';

const GROUPS = [
  'neutron_sriov_nic_agent',
  'neutron_openvswitch_agent',
  'neutron_ovn_controller',
  'nova_compute',
  'network_hosts',
  'neutron_server',
];
const TYPES = ['vlan', 'vlan', 'flat', 'vxlan', 'geneve', 'raw'];

function randomConfig(r: () => number) {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const nets: string[] = [];
  const count = 1 + Math.floor(r() * 4);
  for (let i = 0; i < count; i++) {
    const type = pick(TYPES);
    const binds = GROUPS.filter(() => r() < 0.4);
    const lines = [
      '    - network:',
      `        container_bridge: br-${i}`,
      `        container_interface: eth${10 + i}`,
      `        type: ${type}`,
      `        net_name: physnet${Math.floor(r() * 3)}`,
      `        range: "${100 + i * 100}:${150 + i * 100}"`,
      `        group_binds: [${(binds.length > 0 ? binds : ['nova_compute']).join(', ')}]`,
    ];
    if (r() < 0.6) lines.push(`        sriov_host_interfaces: "ens${i}f0${r() < 0.5 ? `,ens${i}f1` : ''}"`);
    if (r() < 0.2) lines.push(`        host_bind_override: bond${i}`);
    nets.push(lines.join('\n'));
  }
  const computes = Array.from(
    { length: 1 + Math.floor(r() * 4) },
    (_, i) => `  compute${i + 1}:\n    ip: 172.29.236.${21 + i}`,
  ).join('\n');
  const hostsYaml = `network_hosts:\n  infra1:\n    ip: 172.29.236.11\ncompute_hosts:\n${computes}\n`;
  const pn = `  provider_networks:\n${nets.join('\n')}\n`;
  const userVars = `neutron_plugin_type: ${pick(['ml2.ovs', 'ml2.ovn'])}\nneutron_plugin_types: [ml2.sriov]\n`;
  return { hostsYaml, pn, userVars };
}

test('provider_networks in openstack_user_config.yml or in conf.d: the same model', () => {
  const r = rng(20261124);
  for (let i = 0; i < 60; i++) {
    const { hostsYaml, pn, userVars } = randomConfig(r);
    const inline = deployDir({
      'openstack_user_config.yml': `cidr_networks:\n  container: 172.29.236.0/22\nglobal_overrides:\n  internal_lb_vip_address: 172.29.236.10\n${pn}${hostsYaml}`,
      'user_variables.yml': userVars,
    });
    const split = deployDir({
      'openstack_user_config.yml': `cidr_networks:\n  container: 172.29.236.0/22\nglobal_overrides:\n  internal_lb_vip_address: 172.29.236.10\n${hostsYaml}`,
      'conf.d/provider_networks.yml': `global_overrides:\n${pn}`,
      'user_variables.yml': userVars,
    });
    for (const release of ['18', '24', '33']) {
      const a = model(inline, release);
      const b = model(split, release);
      assert.deepEqual([...a.hosts.keys()], [...b.hosts.keys()]);
      for (const [name, ha] of a.hosts) {
        const ja = hostJson(ha);
        const jb = hostJson(b.hosts.get(name)!);
        assert.deepEqual(jb.providerNetworks, ja.providerNetworks, `${name} @${release} (config ${i})`);
        assert.equal(jb.providerNetworksError?.message, ja.providerNetworksError?.message);
        assert.deepEqual(jb.ini, ja.ini);
        assert.deepEqual(jb.groups, ja.groups);
      }
    }
  }
});
