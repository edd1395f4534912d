// The cloud client against real OpenStack services (../shared/live-openstack: Keystone and
// Neutron, and Nova in tier C, on 127.0.0.1): every way of authenticating and every way it
// fails as Keystone really answers, paging as Neutron and Nova really page, and readCloud on
// the stack's real agents. Everything created here is deleted at the end.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { CloudError, type CloudSession, connect, readCloud } from '../../src/cloud/client.js';
import { isSriovPort } from '../../src/cloud/types.js';
import {
  LIVE_CLOUD,
  LIVE_CLOUDS,
  liveEnv,
  liveSkip,
  liveUnavailable,
  novaUnavailable,
} from './live-stack.js';

const skip = liveSkip(liveUnavailable());
const skipNova = skip || liveSkip(novaUnavailable());
const RUN = `osa-sriov-test-${process.pid}`;

interface AdminAuth {
  auth_url: string;
  username: string;
  password: string;
  project_name: string;
  user_domain_name: string;
  project_domain_name: string;
}

function admin(): AdminAuth {
  const doc = parse(readFileSync(LIVE_CLOUDS, 'utf8')) as { clouds: Record<string, { auth: AdminAuth }> };
  return doc.clouds[LIVE_CLOUD]!.auth;
}

/** The stack's admin as an openrc would set it. */
function openrc(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  const a = admin();
  return {
    PATH: process.env.PATH,
    HOME: '/nonexistent',
    OS_AUTH_URL: a.auth_url,
    OS_USERNAME: a.username,
    OS_PASSWORD: a.password,
    OS_PROJECT_NAME: a.project_name,
    OS_USER_DOMAIN_NAME: a.user_domain_name,
    OS_PROJECT_DOMAIN_NAME: a.project_domain_name,
    OS_INTERFACE: 'public',
    ...over,
  };
}

/** A project-scoped token straight from Keystone (what `openstack token issue` prints). */
async function issueToken(): Promise<string> {
  const a = admin();
  const r = await fetch(`${a.auth_url.replace(/\/v3\/?$/, '')}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: a.username, domain: { name: a.user_domain_name }, password: a.password },
          },
        },
        scope: { project: { name: a.project_name, domain: { name: a.project_domain_name } } },
      },
    }),
  });
  assert.equal(r.status, 201);
  return r.headers.get('x-subject-token')!;
}

async function failure(p: Promise<unknown>): Promise<CloudError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CloudError) return e;
    throw e;
  }
  assert.fail('expected a CloudError');
}

function noSecret(e: CloudError, ...secrets: string[]) {
  for (const s of secrets) {
    assert.ok(!e.message.includes(s), `secret in message: ${e.message}`);
    assert.ok(!e.hint.includes(s), `secret in hint: ${e.hint}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live Keystone: authentication and the catalog', { skip }, () => {
  test('clouds.yaml (OS_CLIENT_CONFIG_FILE + --os-cloud): a project-scoped session with the catalog', async () => {
    const s = await connect({ cloud: LIVE_CLOUD }, liveEnv());
    try {
      assert.equal(s.info.userName, 'admin');
      assert.equal(s.info.projectName, 'admin');
      assert.ok(s.info.roles.includes('admin'));
      assert.equal(s.endpoint('network'), 'http://127.0.0.1:9696');
      assert.equal(s.endpoint('identity'), admin().auth_url.replace(/\/$/, ''));
      assert.equal(s.endpoint('no-such-service'), null);
      // Every interface is in the catalog; a region that is not is an error naming what is there.
      const internal = await connect({ cloud: LIVE_CLOUD, interface: 'internal' }, liveEnv());
      assert.equal(internal.endpoint('network'), 'http://127.0.0.1:9696');
      internal.close();
      const elsewhere = await connect({ cloud: LIVE_CLOUD, region: 'RegionNine' }, liveEnv());
      assert.throws(
        () => elsewhere.endpoint('network'),
        /no public network endpoint in region RegionNine \(it has: .*public\/RegionOne/,
      );
      elsewhere.close();
    } finally {
      s.close();
    }
  });

  test('OS_CLOUD, and the OS_* variables of an openrc without any cloud', async () => {
    const a = await connect({}, liveEnv({ OS_CLOUD: LIVE_CLOUD }));
    const b = await connect({}, openrc());
    assert.equal(b.info.cloud, null);
    assert.equal(b.info.projectId, a.info.projectId);
    assert.equal(b.endpoint('network'), a.endpoint('network'));
    a.close();
    b.close();
  });

  test('system scope (OSA’s default_system_scope cloud): a catalog without a project, and readCloud', async () => {
    const env = openrc({ OS_SYSTEM_SCOPE: 'all' });
    delete env.OS_PROJECT_NAME;
    delete env.OS_PROJECT_DOMAIN_NAME;
    const s = await connect({}, env);
    try {
      assert.equal(s.info.systemScope, true);
      assert.equal(s.info.projectId, null);
      const snap = await readCloud(s);
      assert.ok(snap.agents.some((a) => a.agent_type === 'NIC Switch agent'));
    } finally {
      s.close();
    }
  });

  test('a wrong password: 401 from Keystone, said with the user and URL, without the password', async () => {
    const bad = 'not-the-Passw0rd';
    const e = await failure(connect({}, openrc({ OS_PASSWORD: bad })));
    assert.equal(
      e.message,
      `authentication failed for user "admin" (domain Default) at ${admin().auth_url}: ` +
        'The request you have made requires authentication.',
    );
    assert.equal(e.hint, 'check OS_USERNAME, OS_PASSWORD and OS_USER_DOMAIN_NAME in the OS_* environment');
    noSecret(e, bad, admin().password);
  });

  test('a project that does not exist, and one the user has no role on, are told from a bad password', async () => {
    for (const project of ['no-such-project', 'service']) {
      const e = await failure(connect({}, openrc({ OS_PROJECT_NAME: project })));
      assert.equal(
        e.message,
        `user "admin" (domain Default) cannot use project "${project}" (domain Default) at ${admin().auth_url}: ` +
          'the project does not exist, or the user has no role on it ' +
          '(Keystone: The request you have made requires authentication.)',
      );
      assert.match(e.hint, /check OS_PROJECT_NAME or OS_PROJECT_ID and OS_PROJECT_DOMAIN_NAME/);
      noSecret(e, admin().password);
    }
  });

  test('token auth: a valid token works as it is or rescoped; a revoked one is refused clearly', async () => {
    const token = await issueToken();
    const plain = { PATH: process.env.PATH, OS_AUTH_URL: admin().auth_url, OS_TOKEN: token };
    const s = await connect({}, plain);
    assert.equal(s.info.projectName, 'admin');
    assert.equal(s.endpoint('network'), 'http://127.0.0.1:9696');
    s.close();
    const scoped = await connect(
      {},
      { ...plain, OS_PROJECT_NAME: 'admin', OS_PROJECT_DOMAIN_NAME: 'Default' },
    );
    scoped.close();
    // An expired token cannot be made on demand (Keystone's shortest expiration is minutes);
    // a revoked one is refused by the same check (the token validation fails), so revocation
    // (DELETE /v3/auth/tokens with X-Subject-Token) stands in for expiry here.
    const other = await issueToken();
    const del = await fetch(`${admin().auth_url}/auth/tokens`, {
      method: 'DELETE',
      headers: { 'X-Auth-Token': other, 'X-Subject-Token': token },
    });
    assert.equal(del.status, 204);
    for (const env of [plain, { ...plain, OS_PROJECT_NAME: 'admin', OS_PROJECT_DOMAIN_NAME: 'Default' }]) {
      const e = await failure(connect({}, env));
      assert.equal(
        e.message,
        `the token in the OS_* environment was refused by ${admin().auth_url}: it has expired or was revoked ` +
          '(The request you have made requires authentication.)',
      );
      assert.match(e.hint, /issue a new one \(`openstack token issue`\) and set OS_TOKEN/);
      noSecret(e, token);
    }
  });

  test('application credentials: by id, by name with the user; a wrong secret is refused', async () => {
    const s = await connect({ cloud: LIVE_CLOUD }, liveEnv());
    const made = (await s.post('identity', `/users/${s.info.userId}/application_credentials`, {
      application_credential: { name: `${RUN}-ac`, description: 'osa-sriov live test' },
    })) as { application_credential: { id: string; secret: string } };
    const ac = made.application_credential;
    try {
      const base = { PATH: process.env.PATH, OS_AUTH_URL: admin().auth_url };
      const byId = await connect(
        {},
        { ...base, OS_APPLICATION_CREDENTIAL_ID: ac.id, OS_APPLICATION_CREDENTIAL_SECRET: ac.secret },
      );
      assert.equal(byId.info.projectId, s.info.projectId);
      assert.equal(byId.endpoint('network'), 'http://127.0.0.1:9696');
      assert.ok((await byId.list('network', '/v2.0/networks', 'networks')).length >= 0);
      byId.close();
      const byName = await connect(
        {},
        {
          ...base,
          OS_AUTH_TYPE: 'v3applicationcredential',
          OS_APPLICATION_CREDENTIAL_NAME: `${RUN}-ac`,
          OS_APPLICATION_CREDENTIAL_SECRET: ac.secret,
          OS_USERNAME: 'admin',
          OS_USER_DOMAIN_NAME: 'Default',
        },
      );
      assert.equal(byName.info.userName, 'admin');
      byName.close();
      // Changed at the start: Keystone hashes the secret with bcrypt, which reads only the first
      // 72 bytes of the 86-character secret, so a change at its end is accepted.
      const wrong = `XXXX${ac.secret.slice(4)}`;
      const e = await failure(
        connect(
          {},
          { ...base, OS_APPLICATION_CREDENTIAL_ID: ac.id, OS_APPLICATION_CREDENTIAL_SECRET: wrong },
        ),
      );
      assert.match(e.message, /^authentication failed for application credential "[0-9a-f]+" at /);
      assert.match(e.hint, /check OS_APPLICATION_CREDENTIAL_SECRET in the OS_\* environment/);
      noSecret(e, wrong, ac.secret);
    } finally {
      await s.delete('identity', `/users/${s.info.userId}/application_credentials/${ac.id}`);
      s.close();
    }
  });

  test('Keystone that does not listen: one clear error after the retries', async () => {
    const e = await failure(
      connect({ retries: 1, retryDelayMs: 10 }, openrc({ OS_AUTH_URL: 'http://127.0.0.1:5999/v3' })),
    );
    assert.equal(
      e.message,
      'cannot connect to 127.0.0.1:5999 (http://127.0.0.1:5999/v3/auth/tokens): connection refused (2 tries)',
    );
  });
});

describe('live Neutron: paging and the vnic_type filter', { skip }, () => {
  let s: CloudSession;
  let net = '';
  const ports: string[] = [];

  before(async () => {
    s = await connect({ cloud: LIVE_CLOUD }, liveEnv());
    const n = (await s.post('network', '/v2.0/networks', { network: { name: `${RUN}-paging` } })) as {
      network: { id: string };
    };
    net = n.network.id;
    // One bulk request creates them all (Neutron's bulk create: {"ports": [...]}).
    const created = (await s.post('network', '/v2.0/ports', {
      ports: Array.from({ length: 25 }, (_, i) => ({
        network_id: net,
        name: `${RUN}-p${i}`,
        'binding:vnic_type': i % 5 === 0 ? 'direct' : 'normal',
      })),
    })) as { ports: Array<{ id: string }> };
    ports.push(...created.ports.map((p) => p.id));
  });

  after(async () => {
    if (!s) return;
    // Five at a time: one by one takes seconds on the live stack.
    for (let i = 0; i < ports.length; i += 5)
      await Promise.all(
        ports.slice(i, i + 5).map((id) => s.delete('network', `/v2.0/ports/${id}`).catch(() => {})),
      );
    if (net) await s.delete('network', `/v2.0/networks/${net}`).catch(() => {});
    s.close();
  });

  test('25 ports listed 7 a page: every one exactly once', async () => {
    assert.equal(ports.length, 25);
    const got = (await s.list('network', '/v2.0/ports', 'ports', {
      query: { network_id: net },
      pageSize: 7,
    })) as Array<{ id: string }>;
    assert.equal(got.length, 25);
    assert.deepEqual(new Set(got.map((p) => p.id)), new Set(ports));
    // Without a filter, ours are among all the others, still once each.
    const all = (await s.list('network', '/v2.0/ports', 'ports', { pageSize: 7 })) as Array<{ id: string }>;
    const ids = all.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ports) assert.ok(ids.includes(id));
  });

  test('Neutron refuses ?binding:vnic_type=direct with 400 (why readCloud filters on its side)', async () => {
    const e = await failure(s.get('network', '/v2.0/ports', { query: { 'binding:vnic_type': 'direct' } }));
    assert.match(e.message, /^Neutron GET \/v2\.0\/ports\?binding%3Avnic_type=direct: HTTP 400 /);
    const snap = await readCloud(s);
    const ours = snap.ports.filter((p) => p.network_id === net);
    assert.equal(ours.length, 25);
    assert.equal(ours.filter(isSriovPort).length, 5);
    assert.ok(snap.networks.some((n) => n.id === net && n['provider:network_type'] === 'vlan'));
  });

  test('readCloud: the NIC Switch agents of compute-sriov-1 and -2 with their device mappings', async () => {
    const snap = await readCloud(s);
    const nic = snap.agents.filter((a) => a.agent_type === 'NIC Switch agent');
    const byHost = new Map(nic.map((a) => [a.host, a]));
    // Other tests register short-lived agents of their own (doctor's dead agent): only the
    // stack's own hosts are compared.
    assert.deepEqual([...byHost.keys()].filter((h) => h.startsWith('compute-sriov-')).sort(), [
      'compute-sriov-1',
      'compute-sriov-2',
    ]);
    assert.deepEqual(byHost.get('compute-sriov-1')!.configurations.device_mappings, {
      physnet1: ['ens1f0'],
      physnet2: ['ens2f0'],
    });
    assert.deepEqual(byHost.get('compute-sriov-2')!.configurations.device_mappings, { physnet2: ['ens3f0'] });
    assert.ok(nic.every((a) => a.alive && a.binary === 'neutron-sriov-nic-agent'));
  });
});

describe('live Nova (tier C): servers and compute services', { skip: skipNova }, () => {
  let s: CloudSession;
  const servers: string[] = [];

  before(async () => {
    s = await connect({ cloud: LIVE_CLOUD }, liveEnv());
  });

  after(async () => {
    if (!s) return;
    for (const id of servers) await s.delete('compute', `/servers/${id}`).catch(() => {});
    // Wait until they are gone, so the next test run finds a clean cloud.
    for (let i = 0; i < 60 && servers.length; i++) {
      const left = await s.list('compute', '/servers/detail', 'servers', {
        query: { all_tenants: '1', name: `^${RUN}` },
      });
      if (left.length === 0) break;
      await sleep(500);
    }
    s.close();
  });

  test('two servers listed 1 a page while they build, and readCloud with hosts and services', async () => {
    const images = (await s.get('image', '/v2/images', { query: { name: 'tiny' } })) as {
      images: Array<{ id: string }>;
    };
    assert.ok(images.images[0], 'the stack has its "tiny" image');
    // networks "none" (microversion 2.37): no port to bind, so only Nova is exercised here.
    const r = (await s.post(
      'compute',
      '/servers',
      {
        server: {
          name: `${RUN}-vm`,
          imageRef: images.images[0].id,
          flavorRef: '1',
          networks: 'none',
          min_count: 2,
        },
      },
      { microversion: '2.53' },
    )) as { server: { id: string } };
    assert.ok(r.server.id);
    let mine: Array<{ id: string; status: string }> = [];
    for (let i = 0; i < 120; i++) {
      // Paged one at a time while they build: Nova lists a server both from the API database and
      // from its cell during scheduling; list() must still return each once.
      mine = (await s.list('compute', '/servers/detail', 'servers', {
        query: { all_tenants: '1', name: `^${RUN}` },
        pageSize: 1,
        microversion: '2.53',
      })) as typeof mine;
      for (const m of mine) if (!servers.includes(m.id)) servers.push(m.id);
      assert.equal(new Set(mine.map((m) => m.id)).size, mine.length, 'each server once');
      if (mine.length === 2 && mine.every((m) => m.status !== 'BUILD')) break;
      await sleep(500);
    }
    assert.deepEqual(
      mine.map((m) => m.status),
      ['ACTIVE', 'ACTIVE'],
    );
    const snap = await readCloud(s);
    assert.ok(snap.servers && snap.computeServices);
    const ours = snap.servers.filter((v) => servers.includes(v.id));
    assert.equal(ours.length, 2);
    assert.ok(ours.every((v) => v['OS-EXT-SRV-ATTR:host'] === 'compute-sriov-1' && v.fault === null));
    const svc = snap.computeServices.find((c) => c.host === 'compute-sriov-1');
    assert.ok(svc, 'nova-compute compute-sriov-1 is listed');
    assert.equal(svc.binary, 'nova-compute');
    assert.equal(svc.state, 'up');
    // Microversion 2.53: ids are UUIDs (an integer before it).
    assert.match(svc.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test('the hypervisor list needs microversion 2.53 for UUID ids', async () => {
    const old = (await s.get('compute', '/os-hypervisors', { microversion: '2.52' })) as {
      hypervisors: Array<{ id: unknown }>;
    };
    const now = (await s.get('compute', '/os-hypervisors', { microversion: '2.53' })) as {
      hypervisors: Array<{ id: unknown; hypervisor_hostname: string }>;
    };
    assert.equal(typeof old.hypervisors[0]?.id, 'number');
    assert.equal(typeof now.hypervisors[0]?.id, 'string');
    assert.ok(now.hypervisors.some((h) => h.hypervisor_hostname === 'compute-sriov-1'));
  });
});
