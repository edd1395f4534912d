// The provider_networks module per branch and per release: ../shared/spec/osa.md §2.1, §2.2, §6.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  computeProviderNetworks,
  type ProviderNetworksOutput,
  providerNetworksBehaviour,
} from '../../src/osa/provider-networks.js';
import { parseRelease } from '../../src/osa/releases.js';

const COMPUTE = [
  'compute_hosts',
  'hosts',
  'nova_compute',
  'neutron_openvswitch_agent',
  'neutron_sriov_nic_agent',
  'neutron_ovn_controller',
  'neutron_all',
  'nova_all',
];
const SERVER = ['network_hosts', 'neutron_server', 'neutron_all', 'network_containers'];

type Net = Record<string, unknown>;
const vlan = (over: Net = {}): { network: Net } => ({
  network: {
    container_bridge: 'br-vlan',
    container_interface: 'eth11',
    type: 'vlan',
    range: '101:200',
    net_name: 'physnet1',
    group_binds: ['neutron_openvswitch_agent'],
    ...over,
  },
});

function run(
  nets: unknown,
  opts: { release?: string; groups?: string[]; isMetal?: boolean; bindPrefix?: string | null } = {},
) {
  const release = parseRelease(opts.release ?? '33')!;
  return computeProviderNetworks(
    {
      providerNetworks: nets,
      isMetal: opts.isMetal ?? true,
      bindPrefix: opts.bindPrefix ?? null,
      groupNames: opts.groups ?? COMPUTE,
    },
    providerNetworksBehaviour(release),
  );
}

function ok(nets: unknown, opts?: Parameters<typeof run>[1]): ProviderNetworksOutput {
  const r = run(nets, opts);
  if (!r.ok) assert.fail(`module failed: ${r.error.message}`);
  return r.value;
}

function fails(nets: unknown, opts?: Parameters<typeof run>[1]) {
  const r = run(nets, opts);
  if (r.ok) assert.fail('expected the module to fail');
  return r.error;
}

describe('provider_networks: SR-IOV mappings', () => {
  test('an SR-IOV entry always brings a bridge mapping too (§2.2.1, verified by execution)', () => {
    const v = ok([
      vlan(),
      vlan({
        container_bridge: 'br-sriov',
        net_name: 'sriovnet',
        sriov_host_interfaces: 'ens1f0, ens1f1',
        group_binds: ['neutron_sriov_nic_agent'],
      }),
    ]);
    assert.equal(v.network_mappings, 'physnet1:br-vlan,sriovnet:br-sriov');
    assert.equal(v.network_sriov_mappings, 'sriovnet:ens1f0,sriovnet: ens1f1', 'items are not stripped');
  });
  test('several PFs for one physnet', () => {
    assert.equal(
      ok([vlan({ sriov_host_interfaces: 'p1p1,p4p1' })]).network_sriov_mappings,
      'physnet1:p1p1,physnet1:p4p1',
    );
  });
  test('metal: host_bind_override replaces container_bridge; LXC: container_interface', () => {
    assert.equal(ok([vlan({ host_bind_override: 'bond1' })]).network_mappings, 'physnet1:bond1');
    assert.equal(ok([vlan()], { isMetal: false }).network_mappings, 'physnet1:eth11');
  });
  test('bind_prefix changes the bridge mappings only', () => {
    const v = ok([vlan({ sriov_host_interfaces: 'p1' })], { bindPrefix: 'brx' });
    assert.equal(v.network_mappings, 'physnet1:brx-br-vlan');
    assert.equal(v.network_sriov_mappings, 'physnet1:p1');
  });
  test('sriov_host_interfaces on flat works, on raw it is ignored, an unknown type gives mappings only', () => {
    const flat = ok([
      {
        network: {
          type: 'flat',
          net_name: 'f',
          container_bridge: 'br-f',
          sriov_host_interfaces: 'p1',
          group_binds: ['nova_compute'],
        },
      },
    ]);
    assert.equal(flat.network_sriov_mappings, 'f:p1');
    assert.equal(flat.network_flat_networks, 'f');
    const raw = ok([
      {
        network: {
          type: 'raw',
          net_name: 'r',
          container_bridge: 'br-r',
          sriov_host_interfaces: 'p1',
          group_binds: ['nova_compute'],
        },
      },
    ]);
    assert.equal(raw.network_sriov_mappings, '');
    const odd = ok([
      {
        network: {
          type: 'sriov',
          net_name: 's',
          container_bridge: 'br-s',
          sriov_host_interfaces: 'p1',
          group_binds: ['nova_compute'],
        },
      },
    ]);
    assert.deepEqual(
      [odd.network_types, odd.network_vlan_ranges, odd.network_sriov_mappings, odd.network_mappings],
      ['', '', 's:p1', 's:br-s'],
    );
  });
  test('a host outside group_binds gets nothing for that entry', () => {
    const v = ok([vlan({ group_binds: ['neutron_ovn_gateway'], sriov_host_interfaces: 'p1' })]);
    assert.deepEqual([v.network_types, v.network_mappings, v.network_sriov_mappings], ['', '', '']);
  });
  test('a string group_binds is a set of characters: it silently matches nothing', () => {
    assert.equal(
      ok([vlan({ group_binds: 'neutron_sriov_nic_agent', sriov_host_interfaces: 'p1' })])
        .network_sriov_mappings,
      '',
    );
  });
});

describe('provider_networks: module failures', () => {
  test('metal host without container_bridge or host_bind_override: KeyError (§2.2.2)', () => {
    const e = fails(
      [vlan({ container_bridge: undefined })].map((n) => ({
        network: Object.fromEntries(Object.entries(n.network).filter(([, x]) => x !== undefined)),
      })),
    );
    assert.equal(e.pyType, 'KeyError');
    assert.equal(e.detail, "'container_bridge'");
    assert.deepEqual(e.path, [0, 'network', 'container_bridge']);
  });
  test('LXC host without container_interface: KeyError', () => {
    const { container_interface: _, ...net } = vlan().network;
    assert.equal(fails([{ network: net }], { isMetal: false }).detail, "'container_interface'");
  });
  test('the YAML 1.1 trap: range 1:50 is the int 110 → AttributeError on split', () => {
    const e = fails([vlan({ range: 110 })]);
    assert.equal(e.pyType, 'AttributeError');
    assert.equal(e.detail, "'int' object has no attribute 'split'");
    assert.deepEqual(e.path, [0, 'network', 'range']);
  });
  test('a YAML list for sriov_host_interfaces fails', () => {
    assert.equal(
      fails([vlan({ sriov_host_interfaces: ['p1', 'p2'] })]).detail,
      "'list' object has no attribute 'split'",
    );
  });
  test('missing type, missing group_binds on vlan, missing network key', () => {
    const { type: _t, ...noType } = vlan().network;
    assert.equal(fails([{ network: noType }]).detail, "'type'");
    const { group_binds: _g, ...noBinds } = vlan().network;
    assert.equal(fails([{ network: noBinds }]).detail, "'group_binds'");
    assert.equal(fails([{ net: {} }]).detail, "'network'");
  });
});

describe('provider_networks: neutron_server and types', () => {
  const nets = [
    vlan({ group_binds: ['neutron_sriov_nic_agent'], sriov_host_interfaces: 'p1' }),
    vlan({ group_binds: ['neutron_sriov_nic_agent'], sriov_host_interfaces: 'p2' }),
    {
      network: {
        type: 'geneve',
        range: '1:1000',
        net_name: 'geneve',
        group_binds: ['neutron_ovn_controller'],
      },
    },
    { network: { type: 'geneve', range: '2000:3000', net_name: 'g2', group_binds: ['x'] } },
  ];
  test('the server gets every VLAN range, duplicates included, and no mappings (Stein+)', () => {
    const v = ok(nets, { groups: SERVER });
    assert.equal(v.network_vlan_ranges, 'physnet1:101:200,physnet1:101:200');
    assert.equal(v.network_types, 'vlan,geneve');
    assert.equal(v.network_geneve_ranges, '1:1000', 'only the first geneve range');
    assert.deepEqual([v.network_mappings, v.network_sriov_mappings], ['', '']);
  });
  test('Rocky: the server also gets mappings, with container_interface (it runs in LXC)', () => {
    const v = ok([vlan({ sriov_host_interfaces: 'p1' })], {
      release: 'rocky',
      groups: SERVER,
      isMetal: false,
    });
    assert.equal(v.network_mappings, 'physnet1:eth11');
    assert.equal(v.network_sriov_mappings, 'physnet1:p1');
    const { container_interface: _, ...noIface } = vlan().network;
    assert.equal(
      fails([{ network: noIface }], { release: 'rocky', groups: SERVER, isMetal: false }).detail,
      "'container_interface'",
    );
  });
  test('Rocky has no geneve: it falls into the mapping branch', () => {
    const v = ok(
      [
        {
          network: {
            type: 'geneve',
            range: '1:10',
            net_name: 'g',
            container_bridge: 'br-g',
            group_binds: ['nova_compute'],
          },
        },
      ],
      { release: '18' },
    );
    assert.deepEqual([v.network_types, v.network_mappings], ['', 'g:br-g']);
    assert.equal(v.network_geneve_ranges, undefined);
  });
  test('network_types follows the order of first appearance; vxlan is not group-filtered', () => {
    const v = ok([{ network: { type: 'vxlan', range: '1:1000', group_binds: ['nobody'] } }, vlan()]);
    assert.equal(v.network_types, 'vxlan,vlan');
    assert.equal(v.network_vxlan_ranges, '1:1000');
  });
  test('VLAN ranges are stripped; a vlan entry without range: bare net_name from Xena, KeyError before', () => {
    assert.equal(
      ok([vlan({ range: '101:200, 301:400' })]).network_vlan_ranges,
      'physnet1:101:200,physnet1:301:400',
    );
    const { range: _, ...noRange } = vlan().network;
    assert.equal(ok([{ network: noRange }], { release: 'xena' }).network_vlan_ranges, 'physnet1');
    assert.equal(fails([{ network: noRange }], { release: 'wallaby' }).detail, "'range'");
  });
});

describe('provider_networks: reference_group (Yoga+)', () => {
  const nets = [
    vlan({
      net_name: 'physnet2_rack1',
      range: '1:999',
      reference_group: 'rack1_hosts',
      host_bind_override: 'bond2',
      sriov_host_interfaces: 'ens3f0',
      group_binds: ['neutron_sriov_nic_agent'],
    }),
    vlan({
      net_name: 'physnet2_rack2',
      range: '1:999',
      reference_group: 'rack2_hosts',
      host_bind_override: 'bond2',
      sriov_host_interfaces: 'ens3f0',
      group_binds: ['neutron_sriov_nic_agent'],
    }),
  ];
  test('a rack1 compute gets only its rack (§2.2.9)', () => {
    const v = ok(nets, { groups: [...COMPUTE, 'rack1_hosts'] });
    assert.deepEqual(
      [v.network_vlan_ranges, v.network_mappings, v.network_sriov_mappings],
      ['physnet2_rack1:1:999', 'physnet2_rack1:bond2', 'physnet2_rack1:ens3f0'],
    );
  });
  test('the server gets both ranges', () => {
    assert.equal(
      ok(nets, { groups: SERVER }).network_vlan_ranges,
      'physnet2_rack1:1:999,physnet2_rack2:1:999',
    );
  });
  test('before Yoga reference_group is ignored', () => {
    assert.equal(
      ok(nets, { release: 'xena', groups: [...COMPUTE, 'rack1_hosts'] }).network_sriov_mappings,
      'physnet2_rack1:ens3f0,physnet2_rack2:ens3f0',
    );
  });
});

describe('provider_networks: network_mappings order by release', () => {
  const nets = [
    vlan({ net_name: 'zeta', container_bridge: 'br-z' }),
    vlan({ net_name: 'alpha', container_bridge: 'br-a' }),
    vlan({ net_name: 'zeta', container_bridge: 'br-z' }),
  ];
  test('Rocky: insertion order with duplicates', () => {
    assert.equal(ok(nets, { release: '18' }).network_mappings, 'zeta:br-z,alpha:br-a,zeta:br-z');
  });
  test('Stein to 2023.2: de-duplicated through set(), order not defined (flagged)', () => {
    const v = ok(nets, { release: 'stein' });
    assert.equal(v.mappingsUnordered, true);
    assert.deepEqual(v.network_mappings.split(',').sort(), ['alpha:br-a', 'zeta:br-z']);
  });
  test('2024.1+: sorted and de-duplicated; _list keeps the raw order', () => {
    const v = ok(nets, { release: '2024.1' });
    assert.equal(v.network_mappings, 'alpha:br-a,zeta:br-z');
    assert.equal(v.mappingsUnordered, false);
    assert.deepEqual(v.lists.network_mappings, ['zeta:br-z', 'alpha:br-a', 'zeta:br-z']);
  });
});
