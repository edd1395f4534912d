// doctor, vf-map and capacity against the real services of ../shared/live-openstack (tier C):
// a server that gets physnet1's only VF, a second one in ERROR from VF exhaustion, ports that
// fail to bind (no agent on the host; a physnet the agent does not map), a deployment whose
// mappings differ from an agent's; vf-map joins the server's port to facts whose VF table
// carries its MAC.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CloudSession, connect } from '../../src/cloud/client.js';
import type { HostFacts } from '../../src/facts/host-facts.js';
import { withEnv } from '../cli-helpers.js';
import { FIXTURES } from '../helpers.js';
import { LIVE_CLOUD, LIVE_ROOT, liveEnv, liveSkip, novaUnavailable } from './live-stack.js';

/** neutron-server's agent_down_time in the live stack: an agent silent this long is dead. */
const AGENT_DOWN_S = 75;

const skip = liveSkip(novaUnavailable());

interface Json {
  [k: string]: unknown;
}

async function call(
  s: CloudSession,
  method: 'GET' | 'POST' | 'DELETE',
  service: string,
  path: string,
  body?: unknown,
): Promise<Json> {
  if (method === 'GET') return (await s.get(service, path)) as Json;
  if (method === 'POST') return (await s.post(service, path, body ?? {})) as Json;
  await s.delete(service, path);
  return {};
}

const cli = (...args: string[]) => withEnv({ ...liveEnv(), OS_CLOUD: LIVE_CLOUD }, ...args);

describe('doctor, vf-map and capacity on the live cloud', { skip }, () => {
  let s: CloudSession;
  const made = { servers: [] as string[], ports: [] as string[], networks: [] as string[] };
  let net1 = '';
  let segId = 0;
  let vmPort: Json = {};
  let reportedAt = 0;
  const gone = `compute-gone-${Date.now().toString(36)}`;

  before(async () => {
    s = await connect({ cloud: LIVE_CLOUD }, liveEnv());
    // An agent that reports once (the stack's reporter, as the real agent's RPC) and then goes
    // silent: dead agent_down_time later, while the servers below boot.
    const once = spawnSync(
      'chroot',
      [
        LIVE_ROOT,
        '/usr/bin/env',
        '-i',
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/root',
        'python3',
        '/opt/liveos/fake_sriov_agent.py',
        '--once',
        `${gone}=physnet1:ens7f0`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(once.status, 0, `the one-shot agent report: ${once.stderr}`);
    reportedAt = Date.now();
    const suffix = Date.now().toString(36);
    const mkNet = async (physnet: string, seg: number) => {
      const n = (
        await call(s, 'POST', 'network', '/v2.0/networks', {
          network: {
            name: `doctor-${physnet}-${suffix}`,
            'provider:network_type': 'vlan',
            'provider:physical_network': physnet,
            'provider:segmentation_id': seg,
          },
        })
      ).network as Json;
      made.networks.push(String(n.id));
      await call(s, 'POST', 'network', '/v2.0/subnets', {
        subnet: { network_id: n.id, ip_version: 4, cidr: `10.${seg % 250}.0.0/24`, enable_dhcp: false },
      });
      return String(n.id);
    };
    segId = 3000 + Math.floor(Math.random() * 500);
    net1 = await mkNet('physnet1', segId);
    const net3 = await mkNet('physnet3', segId + 1);
    const mkPort = async (network: string, name: string, host?: string) => {
      const p = (
        await call(s, 'POST', 'network', '/v2.0/ports', {
          port: {
            network_id: network,
            name,
            'binding:vnic_type': 'direct',
            ...(host ? { 'binding:host_id': host } : {}),
          },
        })
      ).port as Json;
      made.ports.push(String(p.id));
      return p;
    };
    await mkPort(net1, `doctor-noagent-${suffix}`, 'compute-plain-77');
    await mkPort(net3, `doctor-nomapping-${suffix}`, 'compute-sriov-1');
    const image = ((await call(s, 'GET', 'image', '/v2/images?name=tiny')).images as Json[])[0]!.id;
    const boot = async (name: string, port: Json) => {
      const sv = (
        await call(s, 'POST', 'compute', '/servers', {
          server: { name, imageRef: image, flavorRef: '1', networks: [{ port: port.id }] },
        })
      ).server as Json;
      made.servers.push(String(sv.id));
      const deadline = Date.now() + 150_000;
      for (;;) {
        const cur = (await call(s, 'GET', 'compute', `/servers/${sv.id}`)).server as Json;
        if (cur.status === 'ACTIVE' || cur.status === 'ERROR' || Date.now() > deadline) return cur;
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    const first = await boot(`doctor-vm1-${suffix}`, await mkPort(net1, `doctor-vf1-${suffix}`));
    assert.equal(first.status, 'ACTIVE', JSON.stringify(first.fault ?? {}));
    vmPort = (await call(s, 'GET', 'network', `/v2.0/ports/${made.ports.at(-1)}`)).port as Json;
    // physnet1 has one VF on the fake compute: the second server cannot get one.
    const second = await boot(`doctor-vm2-${suffix}`, await mkPort(net1, `doctor-vf2-${suffix}`));
    assert.equal(second.status, 'ERROR', 'physnet1 has one VF');
  });

  after(async () => {
    if (!s) return;
    const agents = (await call(s, 'GET', 'network', '/v2.0/agents')).agents as Json[];
    for (const a of agents.filter((x) => x.host === gone))
      await call(s, 'DELETE', 'network', `/v2.0/agents/${a.id}`);
    for (const id of made.servers) await call(s, 'DELETE', 'compute', `/servers/${id}`).catch(() => {});
    await new Promise((r) => setTimeout(r, 3000));
    for (const id of made.ports) await call(s, 'DELETE', 'network', `/v2.0/ports/${id}`).catch(() => {});
    for (const id of made.networks)
      await call(s, 'DELETE', 'network', `/v2.0/networks/${id}`).catch(() => {});
    s.close();
  });

  test('doctor: bindings that fail, the server in ERROR, an agent whose mappings differ, a dead agent', async () => {
    const wait = reportedAt + (AGENT_DOWN_S + 10) * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // A deployment in which compute-sriov-2 should map physnet2 to ens9f9 (its agent says ens3f0).
    const dir = mkdtempSync(join(tmpdir(), 'osa-doctor-'));
    cpSync(join(FIXTURES, 'rules/_base'), dir, { recursive: true });
    const config = readFileSync(join(dir, 'openstack_user_config.yml'), 'utf8')
      .replace('compute1:', 'compute-sriov-1:')
      .replace('compute2:', 'compute-sriov-2:');
    writeFileSync(join(dir, 'openstack_user_config.yml'), config);
    mkdirSync(join(dir, 'host_vars'), { recursive: true });
    const r = cli('doctor', '--deploy', dir, '--format', 'json', '--fail-on', 'error');
    assert.equal(r.status, 1, r.stderr);
    const findings = (
      JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; host?: string; message: string }> }
    ).findings;
    const has = (rule: string, re: RegExp) =>
      assert.ok(
        findings.some((f) => f.ruleId === rule && re.test(f.message)),
        `${rule} ${re}:\n${findings.map((f) => `${f.ruleId} ${f.message}`).join('\n')}`,
      );
    has('SRIOV-LIVE-PORT-001', /doctor-noagent-.* no NIC Switch agent reports host compute-plain-77/);
    has(
      'SRIOV-LIVE-PORT-001',
      /doctor-nomapping-.*maps physnet1:ens1f0,physnet2:ens2f0, not the network's physnet physnet3/,
    );
    has('SRIOV-LIVE-NET-001', /physnet physnet3 carries/);
    // Zed's scheduler filters PCI requests: "No valid host" (without the filter: "Exceeded
    // maximum number of retries"). Nova has detached the given port by then.
    has(
      'SRIOV-LIVE-SERVER-001',
      /doctor-vm2-.* is in ERROR: "(No valid host was found|Exceeded maximum number of retries).*physnet1 [1-9]/,
    );
    has(
      'SRIOV-LIVE-AGENT-003',
      /compute-sriov-\d reports device_mappings .*, the deployment renders physical_device_mappings = physnet1:eth0/,
    );
    has('SRIOV-LIVE-AGENT-002', new RegExp(`the NIC Switch agent on ${gone} is dead`));
    assert.ok(
      !findings.some((f) => f.ruleId === 'SRIOV-LIVE-AGENT-002' && f.host !== gone),
      'the others are alive',
    );
    // The text form says the same, with the command's name.
    const text = cli('doctor');
    assert.match(text.stdout, /^osa-sriov doctor: the live cloud/);
  });

  test('vf-map joins the ACTIVE server to the VF table; capacity shows physnet1 exhausted', () => {
    assert.equal(vmPort['binding:vif_type'], 'hw_veb', 'the direct port is bound by the SR-IOV driver');
    const slot = String((vmPort['binding:profile'] as Json).pci_slot);
    assert.match(slot, /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
    // compute-sriov-1's facts: the template host with its PF renamed ens1f0, and VF 0 at the
    // port's pci_slot carrying the port's MAC and the network's VLAN, as the agent sets them.
    const facts = JSON.parse(
      readFileSync(join(FIXTURES, 'rules/_base-facts/compute1.json'), 'utf8'),
    ) as HostFacts;
    facts.hostname = 'compute-sriov-1';
    const pf = facts.pfs[0]!;
    pf.netdev = 'ens1f0';
    pf.vfs = [{ ...pf.vfs[0]!, index: 0, pciAddress: slot, mac: String(vmPort.mac_address), vlan: segId }];
    pf.numVfs = 1;
    facts.pfs = [pf];
    const dir = mkdtempSync(join(tmpdir(), 'osa-vfmap-'));
    writeFileSync(join(dir, 'compute-sriov-1.json'), JSON.stringify(facts));
    const r = cli('vf-map', '--facts', dir, '--format', 'json');
    const out = JSON.parse(r.stdout) as { rows: Array<Record<string, unknown>> };
    const row = out.rows.find((x) => x.portId === vmPort.id);
    assert.ok(row, r.stdout);
    assert.equal(row.host, 'compute-sriov-1');
    assert.equal(row.pf, 'ens1f0');
    assert.equal(row.vfIndex, 0);
    assert.equal(row.mac, vmPort.mac_address);
    assert.match(String(row.serverName), /^doctor-vm1-/);
    assert.deepEqual(row.problems, []);

    const cap = cli('capacity', '--facts', dir, '--format', 'json');
    assert.equal(cap.status, 1, cap.stdout + cap.stderr);
    assert.match(cap.stdout, /"physnet": "physnet1"/);
    assert.match(cap.stdout, /exhausted/);
  });
});
