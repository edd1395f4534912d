// verify against the real Keystone, Neutron and Nova of ../shared/live-openstack (tier C:
// compute-sriov-1 has physnet1 with 1 VF and physnet2 with 2 VFs; physnet3 is in Neutron's VLAN
// ranges but no agent maps it). Every test counts the resources named osa-sriov-verify-… before
// and after: verify must leave nothing, whatever way it ends. The server that holds physnet1's
// only VF is this file's own (named and tagged jverify-hold-…) and deleted in `after`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CloudSession, connect } from '../../src/cloud/client.js';
import { NAME_PREFIX } from '../../src/cloud/verify.js';
import { cliAsync, MAIN } from '../cli-helpers.js';
import { REPO } from '../helpers.js';
import { LIVE_CLOUD, liveEnv, liveSkip, novaUnavailable } from './live-stack.js';

const skip = liveSkip(novaUnavailable());
/** The --ansible test needs Debian's ansible-core (.ci/run installs it). */
const noAnsible = () =>
  spawnSync('ansible-playbook', ['--version']).status === 0
    ? false
    : process.env.CI === 'true'
      ? false // in CI it runs, and fails without Ansible
      : 'ansible-playbook is not installed (apt-get install ansible-core)';
const env = () => ({ ...liveEnv(), OS_CLOUD: LIVE_CLOUD });
const IMAGE = 'tiny'; // the stack's only image (no "cirros" one: the default pick refuses, see below)

interface Json {
  [k: string]: unknown;
}

async function ours(s: CloudSession): Promise<{ servers: string[]; ports: string[]; networks: string[] }> {
  const names = (items: unknown[]) =>
    items
      .map((i) => String((i as Json).name ?? ''))
      .filter((n) => n.startsWith(NAME_PREFIX))
      .sort();
  const [servers, ports, networks] = await Promise.all([
    s.list('compute', '/servers/detail', 'servers', { query: { all_tenants: '1' } }),
    s.list('network', '/v2.0/ports', 'ports'),
    s.list('network', '/v2.0/networks', 'networks'),
  ]);
  return { servers: names(servers), ports: names(ports), networks: names(networks) };
}

const verify = (...args: string[]) => cliAsync(['verify', '--image', IMAGE, ...args], { env: env() });

interface Report {
  cases: Array<Json & { result: string; pciSlot: string | null; reason: string | null; fix: string | null }>;
}

/** The CLI as a child process (signals need one), resolved when it exits. */
function child(args: string[]) {
  const p = spawn(process.execPath, ['--import', 'tsx', MAIN, 'verify', '--image', IMAGE, ...args], {
    cwd: REPO,
    env: { ...env(), NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (c) => {
    stdout += String(c);
  });
  p.stderr.on('data', (c) => {
    stderr += String(c);
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (r) => p.on('exit', (code, signal) => setTimeout(() => r({ code, signal, stdout, stderr }), 100)),
  );
  return { p, done };
}

/** Waits until one of our servers exists (the case is mid-build), polling the API. */
async function untilServer(s: CloudSession, within = 90_000): Promise<void> {
  const end = Date.now() + within;
  while (Date.now() < end) {
    if ((await ours(s)).servers.length > 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('verify created no server in time');
}

describe('verify on the live cloud', { skip, concurrency: false }, () => {
  let s: CloudSession;
  let baseline: Awaited<ReturnType<typeof ours>>;
  const held = { server: '', port: '', network: '' };

  before(async () => {
    s = await connect({ cloud: LIVE_CLOUD }, liveEnv());
    baseline = await ours(s);
  });

  after(async () => {
    if (!s) return;
    if (held.server) await s.delete('compute', `/servers/${held.server}`).catch(() => {});
    for (let i = 0; i < 60 && held.server; i++) {
      const gone = await s.get('compute', `/servers/${held.server}`).then(
        () => false,
        () => true,
      );
      if (gone) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    if (held.port) await s.delete('network', `/v2.0/ports/${held.port}`).catch(() => {});
    if (held.network) await s.delete('network', `/v2.0/networks/${held.network}`).catch(() => {});
    // Whatever a failed test left of verify's own runs.
    await cliAsync(['verify', '--cleanup'], { env: env() });
    s.close();
  });

  test('--dry-run lists the cases and resources and creates nothing; no cirros image: refused', async () => {
    const r = await verify('--dry-run', '--host', 'compute-sriov-1');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /compute-sriov-1\s+physnet1\s+direct\s+PLANNED/);
    assert.match(r.stdout, /compute-sriov-1\s+physnet2\s+direct\s+PLANNED/);
    assert.match(r.stdout, /port osa-sriov-verify-[0-9a-z]+-port-compute-sriov-1-physnet2-direct/);
    assert.match(r.stdout, /server osa-sriov-verify-[0-9a-z]+-vm-compute-sriov-1-physnet2-direct/);
    assert.match(r.stdout, /flavor m1\.tiny \(1\) \[picked\]/);
    assert.deepEqual(await ours(s), baseline);
    const none = await cliAsync(['verify', '--dry-run'], { env: env() });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no public image whose name contains "cirros".*\n\s+fix: give --image/);
  });

  test('direct and macvtap on physnet2 pass with a pci_slot; nothing is left', async () => {
    const r = await verify(
      '--host',
      'compute-sriov-1',
      '--physnet',
      'physnet2',
      '--vnic-type',
      'direct',
      '--vnic-type',
      'macvtap',
      '--format',
      'json',
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const rep = JSON.parse(r.stdout) as Report & { schema: string };
    assert.equal(rep.schema, 'osa-sriov/verify@1');
    assert.equal(rep.cases.length, 2);
    for (const c of rep.cases) {
      assert.equal(c.result, 'pass', String(c.reason));
      assert.match(String(c.pciSlot), /^0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
      assert.equal(c.vifType, 'hw_veb');
      assert.equal(c.serverStatus, 'ACTIVE');
    }
    assert.deepEqual(await ours(s), baseline);
  });

  test("physnet3 (no agent maps it) fails, explained in doctor's words, and is cleaned up", async () => {
    const r = await verify('--host', 'compute-sriov-1', '--physnet', 'physnet3', '--format', 'junit');
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stdout,
      /<failure message="[^"]*maps physnet1:ens1f0,physnet2:ens2f0, not the network's physnet physnet3/,
    );
    assert.match(r.stdout, /fix: map physnet3 to a PF on compute-sriov-1/);
    assert.deepEqual(await ours(s), baseline);
  });

  test('--ansible snapshots the host while the server runs and checks the VF there', {
    skip: noAnsible(),
  }, async () => {
    // compute-sriov-1 is this machine for Ansible (a local connection): the real collector runs,
    // while the server is ACTIVE, on a host that has no VF at the port's pci_slot (the stack's
    // VFs are Nova's fake driver's). So the case fails on the host, saying what it looked for.
    const dir = mkdtempSync(join(tmpdir(), 'verify-ansible-'));
    const inv = join(dir, 'inventory.ini');
    writeFileSync(
      inv,
      '[nova_compute]\ncompute-sriov-1 ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n',
    );
    try {
      const r = await verify(
        '--host',
        'compute-sriov-1',
        '--physnet',
        'physnet2',
        '--ansible',
        '-i',
        inv,
        '--format',
        'json',
      );
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /collected compute-sriov-1/);
      const rep = JSON.parse(r.stdout) as Report;
      const c = rep.cases[0]!;
      assert.equal(c.result, 'fail');
      assert.equal(c.serverStatus, 'ACTIVE', 'the server itself came up');
      const onHost = c.onHost as { factsHost: string; problems: string[] };
      assert.equal(onHost.factsHost, 'compute-sriov-1');
      assert.match(
        onHost.problems.join(' '),
        new RegExp(`no PF on compute-sriov-1 has a VF at ${String(c.pciSlot).replace(/\./g, '\\.')}`),
      );
      assert.match(String(c.reason), /^on compute-sriov-1: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(await ours(s), baseline);
  });

  test("VF exhaustion: physnet1's only VF is held by another server", async () => {
    const suffix = Date.now().toString(36);
    const net = (await s.post('network', '/v2.0/networks', {
      network: {
        name: `jverify-hold-${suffix}`,
        'provider:network_type': 'vlan',
        'provider:physical_network': 'physnet1',
      },
    })) as { network: Json };
    held.network = String(net.network.id);
    await s.put('network', `/v2.0/networks/${held.network}/tags/jverify-test:${suffix}`);
    // Nova refuses a port without a fixed IP; the subnet goes with its network in `after`.
    await s.post('network', '/v2.0/subnets', {
      subnet: { network_id: held.network, ip_version: 4, cidr: '198.51.100.0/24', enable_dhcp: false },
    });
    const port = (await s.post('network', '/v2.0/ports', {
      port: { name: `jverify-hold-${suffix}`, network_id: held.network, 'binding:vnic_type': 'direct' },
    })) as { port: Json };
    held.port = String(port.port.id);
    await s.put('network', `/v2.0/ports/${held.port}/tags/jverify-test:${suffix}`);
    const image = ((await s.get('image', '/v2/images', { query: { name: IMAGE } })) as { images: Json[] })
      .images[0]!.id;
    const sv = (await s.post(
      'compute',
      '/servers',
      {
        server: {
          name: `jverify-hold-${suffix}`,
          imageRef: image,
          flavorRef: '1',
          networks: [{ port: held.port }],
          tags: [`jverify-test:${suffix}`],
        },
      },
      { microversion: '2.53' },
    )) as { server: Json };
    held.server = String(sv.server.id);
    let status = 'BUILD';
    for (let i = 0; i < 90 && status === 'BUILD'; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      status = String(
        ((await s.get('compute', `/servers/${held.server}`)) as { server: Json }).server.status,
      );
    }
    // ERROR only when another test of the machine holds the VF already: exhausted either way.
    assert.ok(status === 'ACTIVE' || status === 'ERROR', `the holder is ${status}`);
    const r = await verify('--host', 'compute-sriov-1', '--physnet', 'physnet1', '--format', 'json');
    assert.equal(r.status, 1, r.stderr);
    const c = (JSON.parse(r.stdout) as Report).cases[0]!;
    assert.equal(c.result, 'fail');
    assert.match(
      String(c.reason),
      /is in ERROR: "(Insufficient compute resources: Claim pci failed|No valid host|Exceeded maximum)/,
    );
    assert.match(String(c.reason), /[1-9] VF\(s\) of physnet1 are held by other ports/);
    assert.match(String(c.fix), /free VFs of physnet1/);
    assert.deepEqual(await ours(s), baseline);
  });

  test('SIGINT in the middle of a case: exit 130, everything deleted', async () => {
    const run = child(['--host', 'compute-sriov-1', '--physnet', 'physnet2', '--timeout', '120']);
    await untilServer(s);
    run.p.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /SIGINT: stopping, deleting what this run created/);
    assert.match(r.stdout, /INTERRUPTED/);
    assert.deepEqual(await ours(s), baseline);
  });

  test('--cleanup removes what a killed (SIGKILL) run left, and only that', async () => {
    const run = child(['--host', 'compute-sriov-1', '--physnet', 'physnet2', '--timeout', '120']);
    await untilServer(s);
    run.p.kill('SIGKILL');
    await run.done;
    const left = await ours(s);
    assert.ok(left.servers.length > baseline.servers.length, 'the killed run left its server');
    const r = await cliAsync(['verify', '--cleanup'], { env: env() });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /removed server osa-sriov-verify-/);
    assert.match(r.stdout, /removed port osa-sriov-verify-/);
    assert.deepEqual(await ours(s), baseline);
    // The holder of the exhaustion test (another tag) is not verify's: never touched.
    if (held.server) await s.get('compute', `/servers/${held.server}`);
  });
});
