// capacity: VFs total / in use / free per host × physnet (× NUMA node), from the agents'
// device_mappings or, with the deployment, from Nova's device_spec as nova-compute matches it;
// on the cloud fixture (test/fixtures/cloud/base.json) and the sriov-vm igb host's facts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type Capacity, type CapacityRow, capacity } from '../../src/cloud/capacity.js';
import {
  AgentSchema,
  type CloudPort,
  type CloudSnapshot,
  ComputeServiceSchema,
  NetworkSchema,
  PortSchema,
  ServerSchema,
} from '../../src/cloud/types.js';
import type { HostFacts } from '../../src/facts/host-facts.js';
import { readHostFacts } from '../../src/facts/load.js';
import { type DeploymentModel, loadModel } from '../../src/osa/model.js';
import { parseRelease } from '../../src/osa/releases.js';
import { capacityJson, renderCapacityText } from '../../src/report/capacity-text.js';
import { terminalText } from '../../src/report/style.js';
import { FIXTURES } from '../helpers.js';

const BASE_FACTS = join(FIXTURES, 'rules/_base-facts');
const BASE_DEPLOY = join(FIXTURES, 'rules/_base');

interface RawCloud {
  agents: unknown[];
  networks: unknown[];
  ports: unknown[];
  servers: unknown[];
  services: unknown[];
}

function loadCloud(): CloudSnapshot {
  const raw = JSON.parse(readFileSync(join(FIXTURES, 'cloud/base.json'), 'utf8')) as RawCloud;
  return {
    agents: raw.agents.map((a) => AgentSchema.parse(a)),
    networks: raw.networks.map((n) => NetworkSchema.parse(n)),
    ports: raw.ports.map((p) => PortSchema.parse(p)),
    servers: raw.servers.map((s) => ServerSchema.parse(s)),
    computeServices: raw.services.map((s) => ComputeServiceSchema.parse(s)),
  };
}

const loadFacts = (name: string): HostFacts => readHostFacts(readFileSync(join(BASE_FACTS, `${name}.json`)));
const factsOf = (...names: string[]) => new Map(names.map((n) => [n, loadFacts(n)]));

let model: DeploymentModel | null = null;
/** The rule fixtures' clean deployment: compute1/2 offer eth0's VFs (0000:01:00.0, 10ca) on physnet1. */
function baseModel(): DeploymentModel {
  model ??= loadModel(BASE_DEPLOY, parseRelease('2026.1')!);
  return model;
}

function holder(id: string, host: string, slot: string, physnet = 'physnet1'): CloudPort {
  return PortSchema.parse({
    id,
    network_id: '8c4b0d5e-1f2a-4b3c-9d8e-7f6a5b4c3d21',
    mac_address: 'fa:16:3e:00:00:01',
    status: 'ACTIVE',
    device_owner: 'compute:nova',
    device_id: id,
    'binding:vnic_type': 'direct',
    'binding:host_id': host,
    'binding:vif_type': 'hw_veb',
    'binding:profile': { pci_vendor_info: '8086:10ca', pci_slot: slot, physical_network: physnet },
    'binding:vif_details': { port_filter: false, vlan: '101' },
  });
}

type Brief = Pick<CapacityRow, 'host' | 'physnet' | 'numaNode' | 'total' | 'inUse' | 'free' | 'status'>;
const brief = (c: Capacity): Brief[] =>
  c.rows.map(({ host, physnet, numaNode, total, inUse, free, status }) => ({
    host,
    physnet,
    numaNode,
    total,
    inUse,
    free,
    status,
  }));
const row = (
  host: string,
  physnet: string,
  total: number | null,
  inUse: number,
  free: number | null,
  status: CapacityRow['status'],
  numaNode: number | null = null,
): Brief => ({ host, physnet, numaNode, total, inUse, free, status });

describe('capacity from the agents’ device_mappings', () => {
  test("each agent's mapped PFs' VFs per physnet; vm1's VF is in use", () => {
    const c = capacity(loadCloud(), factsOf('compute1', 'compute2'));
    assert.equal(c.source, 'agent');
    assert.deepEqual(brief(c), [
      row('compute1', 'physnet1', 3, 1, 2, 'ok'),
      row('compute1', 'physnet2', 2, 0, 2, 'ok'),
      row('compute2', 'physnet1', 3, 0, 3, 'ok'),
    ]);
    assert.deepEqual(c.rows[0]!.pfs, ['eth0']);
    assert.deepEqual(c.physnets, [
      { physnet: 'physnet1', hosts: 2, total: 6, inUse: 1, free: 5, unknownHosts: 0 },
      { physnet: 'physnet2', hosts: 1, total: 2, inUse: 0, free: 2, unknownHosts: 0 },
    ]);
    assert.deepEqual(c.exhausted, []);
    assert.deepEqual(c.notes, []);
  });

  test('FQDN agent and port hosts match short facts names', () => {
    const cloud = loadCloud();
    cloud.agents[0]!.host = 'compute1.example.org';
    cloud.ports[0]!['binding:host_id'] = 'compute1.example.org';
    const c = capacity(cloud, factsOf('compute1'));
    assert.deepEqual(brief(c).slice(0, 1), [row('compute1.example.org', 'physnet1', 3, 1, 2, 'ok')]);
  });

  test('a host without facts: totals unknown, in use still counted from its ports, a note', () => {
    const cloud = loadCloud();
    cloud.ports.push(holder('on-c2', 'compute2', '0000:01:10.2'));
    const c = capacity(cloud, factsOf('compute1'));
    assert.deepEqual(brief(c).at(-1), row('compute2', 'physnet1', null, 1, null, 'unknown'));
    assert.match(c.notes.join('\n'), /no facts for compute2: its VF totals are unknown/);
    assert.deepEqual(c.physnets[0], {
      physnet: 'physnet1',
      hosts: 2,
      total: 3,
      inUse: 1,
      free: 2,
      unknownHosts: 1,
    });
    assert.deepEqual(c.exhausted, [], 'unknown is not exhausted');
  });

  test('NUMA split: one row per NUMA node of the PFs', () => {
    const cloud = loadCloud();
    cloud.agents[0]!.configurations = { device_mappings: { physnet1: ['eth0', 'eth1'] } };
    const f = loadFacts('compute1');
    f.pfs[0]!.numaNode = 0;
    f.pfs[1]!.numaNode = 1;
    const c = capacity(cloud, new Map([['compute1', f]]));
    assert.deepEqual(brief(c).slice(0, 2), [
      row('compute1', 'physnet1', 3, 1, 2, 'ok', 0),
      row('compute1', 'physnet1', 2, 0, 2, 'ok', 1),
    ]);
    assert.deepEqual(c.rows[1]!.pfs, ['eth1']);
    assert.match(renderCapacityText(c, { color: false, deployDir: null }), /^ {2}HOST +PHYSNET +NUMA +PFS/m);
  });

  test('NUMA -1 (no affinity) is no NUMA node: no split', () => {
    const cloud = loadCloud();
    cloud.agents[0]!.configurations = { device_mappings: { physnet1: ['eth0', 'eth1'] } };
    const c = capacity(cloud, factsOf('compute1'));
    assert.deepEqual(brief(c)[0], row('compute1', 'physnet1', 5, 1, 4, 'ok'));
    assert.doesNotMatch(renderCapacityText(c, { color: false, deployDir: null }), /NUMA/);
  });

  test('low (one VF left) and exhausted (none): marked, and exhausted is listed for the exit status', () => {
    const cloud = loadCloud();
    cloud.ports.push(holder('p2', 'compute1', '0000:01:10.2'));
    let c = capacity(cloud, factsOf('compute1'));
    assert.deepEqual(brief(c)[0], row('compute1', 'physnet1', 3, 2, 1, 'low'));
    assert.deepEqual(c.exhausted, []);
    cloud.ports.push(holder('p3', 'compute1', '0000:01:10.4'));
    c = capacity(cloud, factsOf('compute1'));
    assert.deepEqual(brief(c)[0], row('compute1', 'physnet1', 3, 3, 0, 'exhausted'));
    assert.deepEqual(c.exhausted, [{ host: 'compute1', physnet: 'physnet1' }]);
    const text = renderCapacityText(c, { color: false, deployDir: null });
    assert.match(text, /^ {2}compute1 +physnet1 +eth0 +3 +3 +0 +exhausted$/m);
    assert.match(text, /^exhausted: compute1 physnet1 \(no VF left/m);
    assert.ok(
      terminalText(renderCapacityText(c, { color: true, deployDir: null }), { color: true }).includes(
        '\u001b[31m',
      ),
    );
  });

  test('10 %: 2 free of 20 is low, 3 free of 20 is ok', () => {
    const cloud = loadCloud();
    const f = loadFacts('compute1');
    const pf = f.pfs[0]!;
    pf.vfs = Array.from({ length: 20 }, (_, i) => ({
      ...pf.vfs[0]!,
      index: i,
      pciAddress: `0000:01:1${Math.floor(i / 8)}.${i % 8}`,
      mac: '00:00:00:00:00:00',
      vlan: 0,
    }));
    cloud.ports = Array.from({ length: 18 }, (_, i) => holder(`p${i}`, 'compute1', pf.vfs[i]!.pciAddress!));
    assert.equal(capacity(cloud, new Map([['compute1', f]])).rows[0]!.status, 'low');
    cloud.ports.pop();
    assert.equal(capacity(cloud, new Map([['compute1', f]])).rows[0]!.status, 'ok');
  });

  test('one NUMA node exhausted while the other has VFs: that row is exhausted, the host is not', () => {
    const cloud = loadCloud();
    cloud.agents[0]!.configurations = { device_mappings: { physnet1: ['eth0', 'eth1'] } };
    cloud.ports.push(holder('p2', 'compute1', '0000:01:10.2'), holder('p3', 'compute1', '0000:01:10.4'));
    const f = loadFacts('compute1');
    f.pfs[0]!.numaNode = 0;
    f.pfs[1]!.numaNode = 1;
    const c = capacity(cloud, new Map([['compute1', f]]));
    assert.equal(c.rows[0]!.status, 'exhausted');
    assert.equal(c.rows[1]!.status, 'ok');
    assert.deepEqual(c.exhausted, []);
  });

  test('a mapped PF without VFs: no-vfs, not exhausted; a mapped device the facts lack: a note', () => {
    const cloud = loadCloud();
    cloud.agents[0]!.configurations = { device_mappings: { physnet1: ['eth0'], physnet3: ['eth2', 'ens9'] } };
    const c = capacity(cloud, factsOf('compute1'));
    assert.deepEqual(brief(c)[1], row('compute1', 'physnet3', 0, 0, 0, 'no-vfs'));
    assert.deepEqual(c.exhausted, []);
    assert.match(
      c.notes.join('\n'),
      /maps physnet3 to ens9, which its facts \(compute1\) do not have as a PF/,
    );
  });

  test('a port on a VF the facts do not count, a port on a host without agent, a dead agent: notes', () => {
    const cloud = loadCloud();
    cloud.ports.push(
      holder('stale', 'compute1', '0000:07:10.0'),
      holder('elsewhere', 'compute9', '0000:01:10.2'),
    );
    cloud.agents[1]!.alive = false;
    const c = capacity(cloud, factsOf('compute1', 'compute2'));
    const notes = c.notes.join('\n');
    assert.match(notes, /port stale holds 0000:07:10\.0 on compute1, which is not a VF counted/);
    assert.match(notes, /1 port holds a VF on compute9, which no NIC Switch agent reports: not counted/);
    assert.match(notes, /the NIC Switch agent on compute2 is dead/);
    assert.equal(c.rows[0]!.inUse, 1);
  });

  test('--hosts keeps those hosts (short or FQDN)', () => {
    const c = capacity(loadCloud(), factsOf('compute1', 'compute2'), { hosts: ['compute2.example.org'] });
    assert.deepEqual(
      c.rows.map((r) => r.host),
      ['compute2'],
    );
  });

  test('SHUTOFF servers keep their VF: every port with a pci_slot counts', () => {
    const cloud = loadCloud();
    cloud.servers![0]!.status = 'SHUTOFF';
    assert.equal(capacity(cloud, factsOf('compute1')).rows[0]!.inUse, 1);
  });
});

describe("capacity from Nova's device_spec (--deploy)", () => {
  test('only the VFs the device_spec selects: eth1, which the agent maps, is not offered by Nova', () => {
    const c = capacity(loadCloud(), factsOf('compute1', 'compute2'), { model: baseModel() });
    assert.equal(c.source, 'device_spec');
    assert.deepEqual(brief(c), [
      row('compute1', 'physnet1', 3, 1, 2, 'ok'),
      row('compute2', 'physnet1', 3, 0, 3, 'ok'),
    ]);
    assert.deepEqual(c.rows[0]!.pfs, ['eth0']);
    assert.deepEqual(c.notes, []);
  });

  test('ports bound to the FQDN count on the inventory host', () => {
    const cloud = loadCloud();
    cloud.ports[0]!['binding:host_id'] = 'compute1.example.org';
    const c = capacity(cloud, factsOf('compute1'), { model: baseModel() });
    assert.deepEqual(brief(c)[0], row('compute1', 'physnet1', 3, 1, 2, 'ok'));
  });

  test('facts matched to inventory hosts by recorded hostname; unmatched facts are a note', () => {
    const stray = loadFacts('compute2');
    stray.hostname = 'lab-spare';
    const c = capacity(
      loadCloud(),
      new Map([
        ['snap-a', loadFacts('compute1')],
        ['lab-spare', stray],
      ]),
      { model: baseModel() },
    );
    assert.deepEqual(brief(c), [
      row('compute1', 'physnet1', 3, 1, 2, 'ok'),
      row('compute2', 'physnet1', null, 0, null, 'unknown'),
    ]);
    assert.match(c.notes.join('\n'), /facts lab-spare: no inventory host has this name; not used/);
  });

  test('NUMA split and exhaustion with device_spec totals', () => {
    const f = loadFacts('compute1');
    f.pfs[0]!.numaNode = 1;
    const cloud = loadCloud();
    cloud.ports.push(holder('p2', 'compute1', '0000:01:10.2'), holder('p3', 'compute1', '0000:01:10.4'));
    const c = capacity(cloud, new Map([['compute1', f]]), { model: baseModel(), hosts: ['compute1'] });
    assert.deepEqual(brief(c), [row('compute1', 'physnet1', 3, 3, 0, 'exhausted', 1)]);
    assert.deepEqual(c.exhausted, [{ host: 'compute1', physnet: 'physnet1' }]);
  });

  test('json: the versioned schema with its source', () => {
    const j = capacityJson(capacity(loadCloud(), factsOf('compute1'), { model: baseModel() }), {
      deployDir: BASE_DEPLOY,
    });
    assert.equal(j.schema, 'osa-sriov/capacity@1');
    assert.equal(j.source, 'device_spec');
    assert.equal(j.deployDir, BASE_DEPLOY);
    assert.deepEqual(Object.keys(j), [
      'schema',
      'tool',
      'source',
      'deployDir',
      'rows',
      'physnets',
      'exhausted',
      'flavorFit',
      'notes',
    ]);
    // Without --flavor there is no count of servers (docs/capacity.md).
    assert.equal(j.flavorFit, null);
    assert.deepEqual(Object.keys(j.rows[0]!), [
      'host',
      'physnet',
      'numaNode',
      'pfs',
      'total',
      'inUse',
      'free',
      'status',
    ]);
    const text = renderCapacityText(capacity(loadCloud(), factsOf('compute1'), { model: baseModel() }), {
      color: false,
      deployDir: 'deploy',
      release: '2026.1',
    });
    assert.match(text, /totals from each compute's Nova device_spec in deploy \(OSA 2026\.1\)/);
  });
});
