// osa-sriov fit (offline, and against a cloud), capacity --flavor and doctor's NUMA explanation.
// Offline: test/fixtures/fit/deploy + facts (a NUMA case per host, see its README). Cloud: a
// local HTTP server replays answers recorded from the live stack's real Keystone, Nova, Neutron
// and Glance (test/fixtures/fit/recorded, and test/fixtures/cloud/base.json), through the real
// client; the hosts' devices and NUMA topology come from the facts, as on a real cloud.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertUserError, cli, cliAsync } from '../cli-helpers.js';
import { FIXTURES } from '../helpers.js';

const FIT = join(FIXTURES, 'fit');
const OFFLINE = ['--deploy', join(FIT, 'deploy'), '--facts', join(FIT, 'facts')];
const recorded = (name: string): unknown => JSON.parse(readFileSync(join(FIT, 'recorded', name), 'utf8'));

interface FitJsonHost {
  host: string;
  verdict: string;
  instanceCells: number[] | null;
  freePerNode: Array<{ node: number | null; free: number }>;
  reasons: string[];
  remedies: string[];
}
interface FitJson {
  schema: string;
  mode: string;
  policy: { policy: string; source: string };
  numaTopology: { cells: number; because: string[] } | null;
  hosts: FitJsonHost[];
  fits: string[];
  notes: string[];
}
const byHost = (j: FitJson) => new Map(j.hosts.map((h) => [h.host, h]));

/** A pinned flavor whose own policy is required, with two ports on physnet1, offline. */
const STRICT_TWO_PORTS = [
  'fit',
  '--flavor',
  'strict',
  '--flavor-spec',
  'hw:cpu_policy=dedicated',
  '--flavor-spec',
  'hw:pci_numa_affinity_policy=required',
  '--physnet',
  'physnet1',
  '--ports',
  '2',
  ...OFFLINE,
];

describe('fit offline (--flavor-spec, --deploy, --facts)', () => {
  test('two ports, pinned flavor, policy legacy: compute1 (unknown node) fits, compute2 (1+1) does not', () => {
    const r = cli(
      'fit',
      '--flavor',
      'pinned',
      '--flavor-spec',
      'hw:cpu_policy=dedicated',
      '--physnet',
      'physnet1',
      '--ports',
      '2',
      ...OFFLINE,
      '--format',
      'json',
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as FitJson;
    assert.equal(j.schema, 'osa-sriov/fit@1');
    assert.equal(j.mode, 'offline');
    assert.deepEqual(j.policy, { policy: 'legacy', source: 'default' });
    assert.deepEqual(j.fits, ['compute1']);
    const h = byHost(j);
    // compute2: eth0 (node 0) has VF 2 free, eth1 (node 1) VF 1 free: the facts' fa:16:3e MACs.
    assert.deepEqual(h.get('compute2')!.freePerNode, [
      { node: 0, free: 1 },
      { node: 1, free: 1 },
    ]);
    assert.equal(h.get('compute2')!.verdict, 'no');
    assert.ok(h.get('compute2')!.remedies.some((m) => m.startsWith('policy preferred')));
    // Nodes 0 and 1 of compute2 are one socket: socket fits too.
    assert.ok(h.get('compute2')!.remedies.some((m) => m.startsWith('policy socket')));
    assert.deepEqual(h.get('compute1')!.freePerNode, [{ node: null, free: 3 }]);
    assert.equal(h.get('compute3')!.verdict, 'unknown');
    assert.match(h.get('compute3')!.reasons[0]!, /carry no NUMA topology/);
  });

  test('the text report says why, and what would fit', () => {
    const r = cli(
      'fit',
      '--flavor',
      'pinned',
      '--flavor-spec',
      'hw:cpu_policy=dedicated',
      '--physnet',
      'physnet1',
      '--ports',
      '2',
      ...OFFLINE,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /PCI NUMA policy: legacy, from Nova's default/);
    assert.match(
      r.stdout,
      /compute2:\n {4}why: free VFs of physnet physnet1: 1 on NUMA node 0, 1 on NUMA node 1;/,
    );
    assert.match(r.stdout, /would fit with: policy preferred/);
    assert.match(r.stdout, /fits on 1 of 3 hosts: compute1/);
  });

  test('required (from the flavor): VFs of an unknown NUMA node are refused; exit 1 when no host fits', () => {
    const r = cli(...STRICT_TWO_PORTS, '--format', 'json');
    assert.equal(r.status, 1, r.stderr);
    const j = JSON.parse(r.stdout) as FitJson;
    assert.deepEqual(j.policy, { policy: 'required', source: 'flavor' });
    assert.deepEqual(j.fits, []);
    assert.match(
      byHost(j).get('compute1')!.reasons[0]!,
      /3 on an unknown NUMA node \(-1\).*under policy required \(from the flavor's/,
    );
  });

  test("no known host fits while a host is unknown: Nova's answer is not claimed", () => {
    // compute3's facts have no NUMA topology: for a pinned server its verdict is unknown.
    const r = cli(...STRICT_TWO_PORTS, '--color', 'never');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^ +compute3 +unknown/m);
    assert.match(
      r.stdout,
      /fits on none of the 2 hosts it could judge; 1 host is unknown \(why: above\), so whether Nova finds a host is not known/,
    );
    assert.doesNotMatch(r.stdout, /No valid host was found"\n/);
  });

  test('a flavor without NUMA topology fits wherever VFs are free; the facts without NUMA do not matter', () => {
    const r = cli(
      'fit',
      '--flavor',
      'plain',
      '--flavor-spec',
      'hw:pci_numa_affinity_policy=required',
      '--physnet',
      'physnet1',
      '--ports',
      '2',
      ...OFFLINE,
      '--format',
      'json',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as FitJson).fits, ['compute1', 'compute2', 'compute3']);
  });

  test("--numa-policy offline: evaluated as the ports' policy, with the extension driver note", () => {
    const r = cli(
      'fit',
      '--flavor',
      'pinned',
      '--flavor-spec',
      'hw:cpu_policy=dedicated',
      '--physnet',
      'physnet1',
      '--ports',
      '2',
      '--numa-policy',
      'preferred',
      ...OFFLINE,
      '--format',
      'json',
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as FitJson;
    assert.deepEqual(j.policy, { policy: 'preferred', source: 'port' });
    assert.deepEqual(j.fits, ['compute1', 'compute2']);
    assert.ok(
      j.notes.some((n) =>
        /port_numa_affinity_policy extension driver.*OSA does not enable by default/.test(n),
      ),
    );
  });

  test('a deployment without NUMATopologyFilter: the claim refuses instead, and the fault differs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-fit-deploy-'));
    cpSync(join(FIT, 'deploy'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'user_variables.yml'),
      '---\nneutron_plugin_types:\n  - ml2.sriov\nnova_scheduler_default_filters:\n  - ComputeFilter\n  - PciPassthroughFilter\n',
    );
    const r = cli(
      'fit',
      '--flavor',
      'p',
      '--flavor-spec',
      'hw:cpu_policy=dedicated',
      '--physnet',
      'physnet1',
      '--deploy',
      dir,
      '--facts',
      join(FIT, 'facts'),
      '--format',
      'json',
    );
    const notes = (JSON.parse(r.stdout) as FitJson).notes;
    assert.ok(
      notes.some((n) => /does not enable NUMATopologyFilter.*Exceeded maximum number of retries/.test(n)),
      notes.join('\n'),
    );
    // The fixture's own deployment (OSA's default filters) has both.
    const base = cli(
      'fit',
      '--flavor',
      'p',
      '--flavor-spec',
      'hw:cpu_policy=dedicated',
      '--physnet',
      'physnet1',
      ...OFFLINE,
      '--format',
      'json',
    );
    assert.ok(!(JSON.parse(base.stdout) as FitJson).notes.some((n) => /does not enable/.test(n)));
  });

  test('a physnet that no device_spec tags: refused with that reason', () => {
    const r = cli(
      'fit',
      '--flavor',
      'x',
      '--flavor-spec',
      'hw:cpu_policy=dedicated',
      '--physnet',
      'physnet9',
      ...OFFLINE,
      '--format',
      'json',
    );
    assert.equal(r.status, 1);
    assert.match(
      byHost(JSON.parse(r.stdout) as FitJson).get('compute1')!.reasons[0]!,
      /tags no device with physical_network physnet9/,
    );
  });

  test('a flavor file (Nova GET /flavors answer shape) gives the extra specs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-fit-'));
    const f = join(dir, 'flavor.json');
    const flavor = (recorded('flavors-detail.json') as { flavors: Array<{ name: string }> }).flavors.find(
      (x) => x.name === 'i19fit-pinned',
    );
    writeFileSync(f, JSON.stringify({ flavor }));
    const r = cli(
      'fit',
      '--flavor',
      'i19fit-pinned',
      '--flavor-file',
      f,
      '--physnet',
      'physnet1',
      '--ports',
      '2',
      ...OFFLINE,
      '--format',
      'json',
    );
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as FitJson).policy, { policy: 'required', source: 'flavor' });
  });

  test('bad input exits 2 with what to do', () => {
    assertUserError(
      cli('fit', '--flavor', 'x', '--flavor-spec', 'hw:cpu_policy', '--physnet', 'p', ...OFFLINE),
      /--flavor-spec "hw:cpu_policy" is not KEY=VALUE/,
    );
    assertUserError(cli('fit', '--flavor', 'x', '--flavor-spec', 'a=b', ...OFFLINE), /--physnet is required/);
    assertUserError(
      cli('fit', '--flavor', 'x', '--flavor-spec', 'a=b', '--physnet', 'p'),
      /offline, fit needs --deploy and --facts/,
    );
    assertUserError(
      cli('fit', '--flavor', 'x', '--flavor-spec', 'a=b', '--physnet', 'p', '--image', 'cirros', ...OFFLINE),
      /--image-property/,
    );
    assertUserError(
      cli('fit', '--flavor', 'x', '--flavor-spec', 'a=b', '--physnet', 'p', '--ports', '0', ...OFFLINE),
      /--ports must be a whole number/,
    );
    assertUserError(
      cli('fit', '--flavor', 'x', '--flavor-spec', 'a=b', '--physnet', 'p', '--host', 'compute9', ...OFFLINE),
      /--host compute9: no SR-IOV compute host of that name/,
    );
    // Nova's API refuses the flavor itself (hardware.py get_cpu_policy_constraint).
    assertUserError(
      cli(
        'fit',
        '--flavor',
        'x',
        '--flavor-spec',
        'hw:cpu_policy=pinned',
        '--physnet',
        'physnet1',
        ...OFFLINE,
      ),
      /Nova refuses a server of this flavor before scheduling: InvalidCPUAllocationPolicy/,
    );
  });
});

// ---------------------------------------------------------------- against a cloud (recorded answers)

const PASSWORD = 'fit-test-secret-9f3a';

function replay(base: () => string, extraServers: unknown[], ports: unknown[] | null = null) {
  const cloud = JSON.parse(readFileSync(join(FIXTURES, 'cloud/base.json'), 'utf8')) as Record<
    string,
    unknown[]
  >;
  const image = recorded('image.json') as { id: string };
  const json = (res: http.ServerResponse, status: number, v: unknown) =>
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(v));
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname;
      if (req.method === 'POST' && p === '/v3/auth/tokens') {
        const ep = (type: string, path: string) => ({
          type,
          endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base()}${path}` }],
        });
        return res
          .writeHead(201, { 'X-Subject-Token': 'gAAAAAB-fit-token', 'Content-Type': 'application/json' })
          .end(
            JSON.stringify({
              token: {
                user: { id: 'u1', name: 'admin' },
                project: { id: 'p1', name: 'admin', domain: { id: 'default', name: 'Default' } },
                roles: [{ id: 'r1', name: 'admin' }],
                catalog: [ep('network', '/net'), ep('compute', '/compute/v2.1'), ep('image', '/image')],
              },
            }),
          );
      }
      if (p === '/net/v2.0/agents') return json(res, 200, { agents: cloud.agents });
      if (p === '/net/v2.0/networks') return json(res, 200, { networks: cloud.networks });
      if (p === '/net/v2.0/ports') return json(res, 200, { ports: ports ?? cloud.ports });
      if (p === '/compute/v2.1/servers/detail')
        return json(res, 200, { servers: [...(cloud.servers ?? []), ...extraServers] });
      if (p === '/compute/v2.1/os-services') return json(res, 200, { services: cloud.services });
      if (p === '/compute/v2.1/flavors/detail') return json(res, 200, recorded('flavors-detail.json'));
      if (p === `/image/v2/images/${image.id}`) return json(res, 200, image);
      if (p === '/image/v2/images') return json(res, 200, recorded('images-by-name.json'));
      return json(res, 404, { itemNotFound: { message: `not recorded: ${p}` } });
    });
  };
}

async function withCloud<T>(
  extraServers: unknown[],
  run: (env: NodeJS.ProcessEnv) => Promise<T>,
  ports: unknown[] | null = null,
): Promise<T> {
  let url = '';
  const server = http.createServer(replay(() => url, extraServers, ports));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'osa-fit-cloud-'));
  const clouds = join(dir, 'clouds.yaml');
  writeFileSync(
    clouds,
    `clouds:\n  rec:\n    auth:\n      auth_url: ${url}/v3\n      username: admin\n      password: ${PASSWORD}\n      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n`,
  );
  try {
    return await run({ OS_CLIENT_CONFIG_FILE: clouds, OS_CLOUD: 'rec' });
  } finally {
    server.close();
  }
}

describe('fit, capacity --flavor and doctor against a cloud (recorded answers)', () => {
  let server: unknown;
  before(() => {
    server = (recorded('server-novalidhost.json') as { server: unknown }).server;
  });
  after(() => {});

  test('fit reads the flavor from Nova (extra specs at 2.61) and the VFs in use from the ports', async () => {
    const r = await withCloud([], (env) =>
      cliAsync(
        [
          'fit',
          '--flavor',
          'i19fit-pinned',
          '--image',
          'tiny',
          '--physnet',
          'physnet1',
          '--deploy',
          join(FIT, 'deploy'),
          '--facts',
          join(FIT, 'facts'),
          '--format',
          'json',
        ],
        { env },
      ),
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as FitJson & {
      flavor: { extraSpecs: Record<string, string> };
      image: { name: string };
    };
    assert.equal(j.mode, 'cloud');
    assert.deepEqual(j.flavor.extraSpecs, {
      'hw:cpu_policy': 'dedicated',
      'hw:pci_numa_affinity_policy': 'required',
    });
    assert.equal(j.image.name, 'tiny');
    assert.deepEqual(j.policy, { policy: 'required', source: 'flavor' });
    const h = byHost(j);
    // In use from the cloud, not the facts: vm1-direct holds 0000:01:10.0 on compute1; compute2
    // has no port in base.json, so all 5 of its VFs are free (the facts' MACs are not used).
    assert.deepEqual(h.get('compute1')!.freePerNode, [{ node: null, free: 2 }]);
    assert.equal(h.get('compute1')!.verdict, 'no');
    assert.deepEqual(h.get('compute2')!.freePerNode, [
      { node: 0, free: 3 },
      { node: 1, free: 2 },
    ]);
    assert.equal(h.get('compute2')!.verdict, 'fits');
    // compute3 runs no nova-compute service in base.json: the scheduler never considers it.
    assert.equal(h.get('compute3')!.verdict, 'no');
    assert.deepEqual(h.get('compute3')!.reasons, [
      'no nova-compute service reports host compute3: Nova schedules nothing there',
    ]);
  });

  test('--numa-policy on a cloud whose ports carry no numa_affinity_policy: not what Nova sees', async () => {
    const r = await withCloud([], (env) =>
      cliAsync(
        [
          'fit',
          '--flavor',
          'i19fit-pinned',
          '--physnet',
          'physnet1',
          '--numa-policy',
          'legacy',
          '--deploy',
          join(FIT, 'deploy'),
          '--facts',
          join(FIT, 'facts'),
          '--format',
          'json',
        ],
        { env },
      ),
    );
    const j = JSON.parse(r.stdout) as FitJson;
    // Neutron dropped the attribute (recorded/port-numa-policy-dropped.json): the flavor's policy rules.
    assert.deepEqual(j.policy, { policy: 'required', source: 'flavor' });
    assert.ok(j.notes.some((n) => /--numa-policy legacy is not what Nova would see/.test(n)));
  });

  test('capacity: --image and --ports need --flavor, checked before the cloud is asked', async () => {
    for (const args of [
      ['--image', 'tiny'],
      ['--ports', '2'],
    ]) {
      const r = await cliAsync(['capacity', ...args], { env: { OS_CLOUD: 'nosuch' } });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /needs --flavor/);
    }
  });

  test('an unknown flavor is exit 2, naming the flavors there are', async () => {
    const r = await withCloud([], (env) =>
      cliAsync(['fit', '--flavor', 'm1.huge', '--physnet', 'physnet1'], { env }),
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Nova has no flavor with the id or name "m1.huge"/);
    assert.match(r.stderr, /i19fit-pinned/);
  });

  test('capacity --flavor: servers that still fit per host × physnet under each policy', async () => {
    const r = await withCloud([], (env) =>
      cliAsync(
        [
          'capacity',
          '--flavor',
          'i19fit-pinned',
          '--ports',
          '2',
          '--deploy',
          join(FIT, 'deploy'),
          '--facts',
          join(FIT, 'facts'),
          '--format',
          'json',
        ],
        { env },
      ),
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      flavorFit: {
        policy: { policy: string };
        rows: Array<{
          host: string;
          physnet: string;
          servers: Record<string, number | null>;
          why: string | null;
        }>;
      };
    };
    const rows = new Map(j.flavorFit.rows.map((x) => [x.host, x]));
    assert.equal(j.flavorFit.policy.policy, 'required');
    // compute1: 2 free VFs of unknown node: required never, legacy/preferred one 2-port server;
    // socket: the server's socket's nodes only (numa_node None is on no socket).
    assert.deepEqual(rows.get('compute1')!.servers, { required: 0, legacy: 1, preferred: 1, socket: 0 });
    // compute2: node 0 has 3, node 1 has 2 (one socket): required/legacy place one server per node;
    // preferred/socket use the 5 VFs two by two.
    assert.deepEqual(rows.get('compute2')!.servers, { required: 2, legacy: 2, preferred: 2, socket: 2 });
    const text = await withCloud([], (env) =>
      cliAsync(
        [
          'capacity',
          '--flavor',
          'i19fit-pinned',
          '--ports',
          '2',
          '--deploy',
          join(FIT, 'deploy'),
          '--facts',
          join(FIT, 'facts'),
          '--color',
          'never',
        ],
        { env },
      ),
    );
    // The policy the flavor gives is the marked column.
    assert.match(
      text.stdout,
      /Servers of flavor i19fit-pinned that still fit \(2 direct ports each\), per PCI NUMA policy:/,
    );
    assert.match(
      text.stdout,
      /HOST +PHYSNET +REQUIRED\* +LEGACY +PREFERRED +SOCKET +NOTE\n +compute1 +physnet1 +0 +1 +1 +0\n/,
    );
    assert.deepEqual(rows.get('compute3')!.servers, {
      required: null,
      legacy: null,
      preferred: null,
      socket: null,
    });
  });

  test('doctor explains a pinned server in "No valid host" per host, and says it is reconstructed', async () => {
    const r = await withCloud([server], (env) =>
      cliAsync(
        ['doctor', '--deploy', join(FIT, 'deploy'), '--facts', join(FIT, 'facts'), '--format', 'json'],
        { env },
      ),
    );
    const j = JSON.parse(r.stdout) as {
      findings: Array<{ ruleId: string; message: string; evidence: string[]; fix: string }>;
    };
    const f = j.findings.find(
      (x) => x.ruleId === 'SRIOV-LIVE-SERVER-001' && x.message.includes('i19fit-pinned-vm'),
    );
    assert.ok(f, r.stdout);
    assert.match(f.message, /No valid host was found/);
    assert.match(
      f.message,
      /it has a NUMA topology \(hw:cpu_policy=dedicated \(flavor\); flavor i19fit-pinned\)/,
    );
    assert.match(f.message, /reconstructed/);
    // The port is no longer attached after "No valid host" (recorded): every physnet is tried.
    assert.ok(
      f.evidence.some((e) =>
        /^if its port was on physnet1: policy required from the flavor's hw:pci_numa_affinity_policy/.test(e),
      ),
      f.evidence.join('\n'),
    );
    assert.ok(
      f.evidence.some((e) => /^ {2}compute1: refused \(free VFs node \?: 2\)/.test(e)),
      f.evidence.join('\n'),
    );
    assert.ok(f.evidence.some((e) => /^ {2}compute2: fits now/.test(e)));
    assert.match(f.fix, /on compute1, for physnet1: policy legacy/);
  });

  test('doctor text: the reconstruction and each host are shown', async () => {
    const r = await withCloud([server], (env) =>
      cliAsync(
        ['doctor', '--deploy', join(FIT, 'deploy'), '--facts', join(FIT, 'facts'), '--color', 'never'],
        { env },
      ),
    );
    if (process.env.SHOW) process.stderr.write(r.stdout);
    assert.match(r.stdout, /the per-host explanation below is reconstructed/);
    assert.match(r.stdout, /compute2: fits now \(free VFs node 0: 3, node 1: 2\)/);
  });
});
