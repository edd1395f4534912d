// doctor's rules on a cloud as the APIs return it (shapes from the live-openstack stack) and
// the _base deployment (compute1, compute2: physnet1 on eth0).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DOCTOR_RULES, explainBinding, runDoctor } from '../../src/cloud/doctor.js';
import {
  AgentSchema,
  type CloudSnapshot,
  ComputeServiceSchema,
  NetworkSchema,
  PortSchema,
  ServerSchema,
} from '../../src/cloud/types.js';
import { CheckContext } from '../../src/deployment/context.js';
import { loadDeployDir } from '../../src/osa/load.js';
import { buildModel } from '../../src/osa/model.js';
import { parseRelease } from '../../src/osa/releases.js';
import { FIXTURES } from '../helpers.js';

const agent = (host: string, alive: boolean, mappings: Record<string, string[]>) =>
  AgentSchema.parse({
    id: `agent-${host}`,
    agent_type: 'NIC Switch agent',
    binary: 'neutron-sriov-nic-agent',
    host,
    alive,
    admin_state_up: true,
    heartbeat_timestamp: '2026-11-24 10:00:00',
    configurations: { device_mappings: mappings, devices: 3 },
  });

const net = (id: string, type: string, physnet: string | null, seg: number | null) =>
  NetworkSchema.parse({
    id,
    name: id,
    status: 'ACTIVE',
    'provider:network_type': type,
    'provider:physical_network': physnet,
    'provider:segmentation_id': seg,
  });

const port = (id: string, network: string, over: Record<string, unknown> = {}) =>
  PortSchema.parse({
    id,
    name: id,
    network_id: network,
    mac_address: 'fa:16:3e:00:00:01',
    status: 'DOWN',
    device_id: '',
    device_owner: '',
    'binding:vnic_type': 'direct',
    'binding:host_id': '',
    'binding:vif_type': 'unbound',
    'binding:profile': {},
    'binding:vif_details': {},
    port_security_enabled: false,
    security_groups: [],
    ...over,
  });

const server = (id: string, status: string, host: string | null, fault?: string) =>
  ServerSchema.parse({
    id,
    name: `vm-${id}`,
    status,
    'OS-EXT-SRV-ATTR:host': host,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': host,
    ...(fault ? { fault: { message: fault, code: 500 } } : {}),
  });

function cloud(over: Partial<CloudSnapshot> = {}): CloudSnapshot {
  return {
    // The _base deployment also runs the SR-IOV agent on infra1 (its gateway binds physnet1).
    agents: ['infra1', 'compute1', 'compute2'].map((h) => agent(h, true, { physnet1: ['eth0'] })),
    networks: [
      net('vlan1', 'vlan', 'physnet1', 101),
      net('tenant', 'geneve', null, 7),
      net('other', 'vlan', 'physnet9', 300),
    ],
    ports: [],
    servers: [],
    computeServices: ['compute1', 'compute2'].map((h, i) =>
      ComputeServiceSchema.parse({ id: i, binary: 'nova-compute', host: h, state: 'up', status: 'enabled' }),
    ),
    ...over,
  };
}

const model = buildModel(loadDeployDir(join(FIXTURES, 'rules/_base')), parseRelease('33')!);
const deploy = () => new CheckContext(model, new Map());

function ids(c: CloudSnapshot, withDeploy = true) {
  return runDoctor({ cloud: c, deploy: withDeploy ? deploy() : null, hosts: [] }).findings.map(
    (f) => `${f.ruleId} ${f.host ?? '-'}`,
  );
}

describe('doctor', () => {
  test('a healthy cloud: nothing to report', () => {
    const ok = cloud({
      ports: [
        port('p1', 'vlan1', {
          status: 'ACTIVE',
          device_id: 's1',
          'binding:host_id': 'compute1',
          'binding:vif_type': 'hw_veb',
          'binding:profile': { pci_slot: '0000:01:10.0' },
        }),
      ],
      servers: [server('s1', 'ACTIVE', 'compute1')],
    });
    assert.deepEqual(ids(ok), []);
  });

  test('agents: missing, dead, other mappings, FQDN against the compute service', () => {
    const c = cloud({
      agents: [
        agent('compute1.example.net', true, { physnet1: ['eth0'] }),
        agent('compute2', false, { physnet1: ['eth1'] }),
      ],
    });
    const f = runDoctor({ cloud: c, deploy: deploy(), hosts: [] }).findings;
    const byRule = (id: string) => f.filter((x) => x.ruleId === id);
    assert.deepEqual(
      byRule('SRIOV-LIVE-AGENT-002').map((x) => x.host),
      ['compute2'],
    );
    assert.match(
      byRule('SRIOV-LIVE-AGENT-003')[0]!.message,
      /reports device_mappings physnet1:eth1, the deployment renders physical_device_mappings = physnet1:eth0/,
    );
    assert.deepEqual(
      byRule('SRIOV-LIVE-AGENT-004').map((x) => x.host),
      ['compute1'],
    );
    assert.match(byRule('SRIOV-LIVE-AGENT-004')[0]!.message, /reports compute1\.example\.net/);
    // Without an agent at all on compute2:
    const none = cloud({ agents: ['infra1', 'compute1'].map((h) => agent(h, true, { physnet1: ['eth0'] })) });
    assert.deepEqual(ids(none), ['SRIOV-LIVE-AGENT-001 compute2']);
    // Without --deploy, the deployment's rules stay silent.
    assert.deepEqual(ids(none, false), []);
  });

  test('binding_failed, explained by the driver rule that refuses it', () => {
    const failed = (host: string, network = 'vlan1') =>
      port(`pf-${host}-${network}`, network, {
        'binding:host_id': host,
        'binding:vif_type': 'binding_failed',
      });
    const c = cloud({
      agents: [
        agent('compute1', true, { physnet1: ['eth0'] }),
        agent('compute2', false, { physnet1: ['eth0'] }),
      ],
      ports: [
        failed('compute3'),
        failed('compute1', 'other'),
        failed('compute2'),
        failed('compute1', 'tenant'),
      ],
    });
    const msgs = runDoctor({ cloud: c, deploy: null, hosts: [] })
      .findings.filter((f) => f.ruleId === 'SRIOV-LIVE-PORT-001')
      .map((f) => f.message);
    assert.equal(msgs.length, 4);
    assert.ok(msgs.some((m) => /on compute3: no NIC Switch agent reports host compute3/.test(m)));
    assert.ok(msgs.some((m) => /maps physnet1:eth0, not the network's physnet physnet9/.test(m)));
    assert.ok(msgs.some((m) => /compute2 is dead/.test(m)));
    assert.ok(msgs.some((m) => /geneve: the SR-IOV mechanism driver binds only vlan and flat/.test(m)));
    // The tunnelled network is also its own finding, and physnet9 is mapped by no agent.
    assert.ok(ids(c, false).includes('SRIOV-LIVE-NET-002 compute1'));
    assert.ok(ids(c, false).includes('SRIOV-LIVE-NET-001 -'));
    assert.match(explainBinding(port('x', 'vlan1'), c).reason, /no binding:host_id/);
  });

  test('ports of ACTIVE servers that are DOWN; port security; --host filter', () => {
    const c = cloud({
      ports: [
        port('down', 'vlan1', {
          device_id: 's1',
          'binding:host_id': 'compute1',
          'binding:vif_type': 'hw_veb',
        }),
        port('sg', 'vlan1', {
          status: 'ACTIVE',
          device_id: 's2',
          'binding:host_id': 'compute2',
          'binding:vif_type': 'hw_veb',
          port_security_enabled: true,
          security_groups: ['default'],
        }),
      ],
      servers: [server('s1', 'ACTIVE', 'compute1'), server('s2', 'ACTIVE', 'compute2')],
    });
    assert.deepEqual(ids(c), ['SRIOV-LIVE-PORT-002 compute1', 'SRIOV-LIVE-PORT-003 compute2']);
    assert.deepEqual(
      runDoctor({ cloud: c, deploy: null, hosts: ['compute2.example.net'] }).findings.map((f) => f.ruleId),
      ['SRIOV-LIVE-PORT-003'],
    );
  });

  test('a server in ERROR: retries ran out, with the config and the VFs held by others', () => {
    const c = cloud({
      ports: [
        port('held', 'vlan1', {
          status: 'ACTIVE',
          device_id: 's1',
          'binding:host_id': 'compute1',
          'binding:vif_type': 'hw_veb',
          'binding:profile': { pci_slot: '0000:01:10.0' },
        }),
        port('wants', 'vlan1', { device_id: 's2' }),
      ],
      servers: [
        server('s1', 'ACTIVE', 'compute1'),
        server(
          's2',
          'ERROR',
          null,
          'Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance s2.',
        ),
      ],
    });
    const f = runDoctor({ cloud: c, deploy: deploy(), hosts: [] }).findings.filter(
      (x) => x.ruleId === 'SRIOV-LIVE-SERVER-001',
    );
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /server vm-s2 \(s2\) is in ERROR: "Exceeded maximum number of retries/);
    assert.match(f[0]!.message, /1 VF\(s\) of physnet1 are held by other ports/);
    assert.match(f[0]!.fix ?? '', /free VFs of physnet1/);
  });

  test('every rule has an id, a title and a docs page', async () => {
    const { existsSync } = await import('node:fs');
    const { REPO } = await import('../helpers.js');
    for (const r of DOCTOR_RULES) {
      assert.match(r.id, /^SRIOV-LIVE-[A-Z]+-\d{3}$/);
      assert.ok(existsSync(join(REPO, 'docs/rules', `${r.id}.md`)), `docs/rules/${r.id}.md`);
    }
  });
});
