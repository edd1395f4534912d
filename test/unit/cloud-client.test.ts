// The cloud client without a cloud: where credentials come from (clouds.yaml, secure.yaml, OS_*
// variables, with temp files), and the transport behaviour a real OpenStack cannot be made to
// show on demand (connection resets, 503s, timeouts, TLS with a self-signed certificate), each
// against a node:http(s) server of a few lines. Keystone, Neutron and Nova themselves are tested
// for real in test/live/cloud-client.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { addCloudOptions, cloudOptionsFrom } from '../../src/cli/cloud-options.js';
import { UserError } from '../../src/cli/errors.js';
import { identityBase, selectEndpoint } from '../../src/cloud/auth.js';
import { CloudError, connect, joinUrl } from '../../src/cloud/client.js';
import { configDirs, resolveCloud } from '../../src/cloud/config.js';
import { Redactor, Transport } from '../../src/cloud/http.js';

const PASSWORD = 'S3cret-pa55word';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'osa-sriov-cloud-'));
}

/** An environment with nothing of the caller's (no OS_*, a fresh HOME). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HOME: tmp(), PATH: process.env.PATH, ...extra };
}

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const CLOUDS = `clouds:
  prod:
    auth:
      auth_url: https://keystone.example:5000
      username: operator
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionTwo
    interface: internal
    cacert: /etc/ssl/prod-ca.pem
  lab:
    auth:
      auth_url: http://lab:5000/v3
      username: admin
      password: labpass
      project_id: 0e12
      domain_name: Default
    verify: no
`;

function catchError(fn: () => unknown): CloudError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CloudError) return e;
    throw e;
  }
  assert.fail('expected a CloudError');
}

async function rejects(p: Promise<unknown>): Promise<CloudError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CloudError) return e;
    throw e;
  }
  assert.fail('expected a CloudError');
}

describe('credentials: clouds.yaml, secure.yaml and OS_* (openstacksdk rules)', () => {
  test('clouds.yaml in the current directory, secure.yaml beside it adds the password', () => {
    const cwd = tmp();
    write(join(cwd, 'clouds.yaml'), CLOUDS);
    write(join(cwd, 'secure.yaml'), `clouds:\n  prod:\n    auth:\n      password: ${PASSWORD}\n`);
    const c = resolveCloud({ cloud: 'prod' }, cleanEnv(), { cwd });
    assert.equal(c.name, 'prod');
    assert.equal(c.authUrl, 'https://keystone.example:5000');
    assert.deepEqual(c.method, {
      kind: 'password',
      user: { name: 'operator' },
      userDomain: { name: 'Default' },
      password: PASSWORD,
    });
    assert.deepEqual(c.project, { name: 'admin', domain: { name: 'Default' } });
    assert.equal(c.region, 'RegionTwo');
    assert.equal(c.interface, 'internal');
    assert.equal(c.cacert, '/etc/ssl/prod-ca.pem');
    assert.equal(c.verify, true);
    assert.deepEqual(c.secrets, [PASSWORD]);
  });

  test('~/.config/openstack when the current directory has none; the current directory wins', () => {
    const env = cleanEnv({ OS_CLOUD: 'lab' });
    const home = env.HOME!;
    write(join(home, '.config/openstack/clouds.yaml'), CLOUDS);
    const cwd = tmp();
    const c = resolveCloud({}, env, { cwd });
    assert.match(c.source, /\.config\/openstack\/clouds\.yaml \(cloud "lab"\)/);
    // YAML 1.1 as PyYAML reads it: `verify: no` is false, `project_id: 0e12` stays text.
    assert.equal(c.verify, false);
    assert.deepEqual(c.project, { id: '0e12' });
    // domain_name fills the user domain (openstacksdk's _handle_domain_id).
    assert.deepEqual(c.method.kind === 'password' && c.method.userDomain, { name: 'Default' });
    write(join(cwd, 'clouds.yml'), CLOUDS.replace('http://lab:5000/v3', 'http://cwd-lab:5000/v3'));
    assert.equal(resolveCloud({}, env, { cwd }).authUrl, 'http://cwd-lab:5000/v3');
    assert.deepEqual(configDirs(env, { cwd }), [
      cwd,
      join(home, '.config/openstack'),
      '/etc/xdg/openstack',
      '/etc/openstack',
    ]);
  });

  test('one cloud in clouds.yaml and nothing else said: that cloud (as openstacksdk)', () => {
    const env = cleanEnv();
    const one = write(
      join(tmp(), 'clouds.yaml'),
      'clouds:\n  only:\n    auth:\n      auth_url: http://only:5000/v3\n      username: u\n      password: p\n      project_name: x\n      user_domain_name: Default\n      project_domain_name: Default\n',
    );
    const c = resolveCloud({}, { ...env, OS_CLIENT_CONFIG_FILE: one }, { cwd: tmp() });
    assert.equal(c.authUrl, 'http://only:5000/v3');
    // Two clouds: the user must choose, and is told which there are.
    const two = write(
      join(tmp(), 'clouds.yaml'),
      'clouds:\n  a: {auth: {auth_url: http://a}}\n  b: {auth: {auth_url: http://b}}\n',
    );
    assert.match(
      catchError(() => resolveCloud({}, { ...env, OS_CLIENT_CONFIG_FILE: two }, { cwd: tmp() })).hint,
      /has: a, b/,
    );
  });

  test('OS_CLIENT_CONFIG_FILE and OS_CLIENT_SECURE_FILE come first', () => {
    const cwd = tmp();
    write(join(cwd, 'clouds.yaml'), 'clouds:\n  other: {}\n');
    const dir = tmp();
    const file = write(join(dir, 'my-clouds.yaml'), CLOUDS);
    const secure = write(
      join(dir, 'my-secure.yaml'),
      `clouds:\n  prod:\n    auth:\n      password: ${PASSWORD}\n`,
    );
    const env = cleanEnv({ OS_CLIENT_CONFIG_FILE: file, OS_CLIENT_SECURE_FILE: secure });
    const c = resolveCloud({ cloud: 'prod' }, env, { cwd });
    assert.equal(c.method.kind === 'password' && c.method.password, PASSWORD);
  });

  test('--os-cloud beats OS_CLOUD, which beats the OS_* variables', () => {
    const cwd = tmp();
    write(join(cwd, 'clouds.yaml'), CLOUDS);
    const env = cleanEnv({ OS_CLOUD: 'lab', OS_AUTH_URL: 'http://env:5000/v3', OS_PASSWORD: 'x' });
    assert.equal(resolveCloud({}, env, { cwd }).name, 'lab');
    assert.throws(() => resolveCloud({ cloud: 'prod' }, env, { cwd }), /no password/);
    // "envvars" is openstacksdk's name for the environment's cloud.
    assert.throws(() => resolveCloud({ cloud: 'envvars' }, env, { cwd }), /OS_\* environment: no user/);
  });

  test('an unknown cloud lists the ones there are', () => {
    const cwd = tmp();
    const path = write(join(cwd, 'clouds.yaml'), CLOUDS);
    const e = catchError(() => resolveCloud({ cloud: 'prdo' }, cleanEnv(), { cwd }));
    assert.equal(e.message, `cloud "prdo" is not in ${path}`);
    assert.match(e.hint, /the clouds there are: prod, lab/);
  });

  test('a named cloud without any clouds.yaml says where it looked', () => {
    const cwd = tmp();
    const e = catchError(() => resolveCloud({ cloud: 'prod' }, cleanEnv(), { cwd }));
    assert.match(e.message, /cloud "prod" asked for, but no clouds\.yaml in .*\/etc\/openstack/);
    const e2 = catchError(() =>
      resolveCloud({ cloud: 'prod' }, cleanEnv({ OS_CLIENT_CONFIG_FILE: '/nonexistent/c.yaml' }), { cwd }),
    );
    assert.match(e2.message, /OS_CLIENT_CONFIG_FILE=\/nonexistent\/c\.yaml does not exist/);
  });

  test('nothing configured: what to set, with the clouds of a clouds.yaml found', () => {
    const cwd = tmp();
    const e = catchError(() => resolveCloud({}, cleanEnv(), { cwd }));
    assert.match(e.message, /no cloud credentials: neither --os-cloud, OS_CLOUD nor OS_AUTH_URL is set/);
    assert.match(e.hint, /OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME/);
    write(join(cwd, 'clouds.yaml'), CLOUDS);
    assert.match(catchError(() => resolveCloud({}, cleanEnv(), { cwd })).hint, /has: prod, lab/);
  });

  test('a missing password names the key and the files, and no secret is ever in a message', () => {
    const cwd = tmp();
    write(join(cwd, 'clouds.yaml'), CLOUDS);
    const e = catchError(() => resolveCloud({ cloud: 'prod' }, cleanEnv(), { cwd }));
    assert.match(e.message, /clouds\.yaml \(cloud "prod"\): no password/);
    assert.equal(e.hint, 'set auth.password in clouds.yaml or secure.yaml');
    const env = cleanEnv({
      OS_AUTH_URL: 'http://k:5000/v3',
      OS_USERNAME: 'u',
      OS_USER_DOMAIN_NAME: 'Default',
    });
    const e2 = catchError(() => resolveCloud({}, env, { cwd: tmp() }));
    assert.equal(e2.message, 'the OS_* environment: no password');
    assert.equal(e2.hint, 'set OS_PASSWORD in the environment (your openrc)');
    const e3 = catchError(() => resolveCloud({}, { ...env, OS_PASSWORD: PASSWORD }, { cwd: tmp() }));
    assert.match(e3.message, /no project/);
    assert.ok(!`${e3.message}${e3.hint}`.includes(PASSWORD));
  });

  test('names without their domain are refused before Keystone is asked', () => {
    const env = cleanEnv({
      OS_AUTH_URL: 'http://k:5000',
      OS_USERNAME: 'u',
      OS_PASSWORD: PASSWORD,
      OS_PROJECT_NAME: 'p',
      OS_USER_DOMAIN_NAME: 'Default',
    });
    const e = catchError(() => resolveCloud({}, env, { cwd: tmp() }));
    assert.match(e.message, /project "p" is given by name without its domain/);
    assert.match(e.hint, /OS_PROJECT_DOMAIN_NAME or OS_PROJECT_DOMAIN_ID/);
    const ok = resolveCloud({}, { ...env, OS_PROJECT_DOMAIN_ID: 'default' }, { cwd: tmp() });
    assert.deepEqual(ok.project, { name: 'p', domain: { id: 'default' } });
  });

  test('an openrc: password, application credential and token, TLS and endpoint settings', () => {
    const base = { OS_AUTH_URL: 'https://k:5000/v3' };
    const pw = resolveCloud(
      {},
      cleanEnv({
        ...base,
        OS_USERNAME: 'admin',
        OS_PASSWORD: PASSWORD,
        OS_PROJECT_ID: 'abc',
        OS_USER_DOMAIN_ID: 'default',
        OS_ENDPOINT_TYPE: 'internalURL',
        OS_REGION_NAME: 'R1',
        OS_CACERT: '/ca.pem',
      }),
      { cwd: tmp() },
    );
    assert.equal(pw.name, null);
    assert.equal(pw.interface, 'internal');
    assert.equal(pw.region, 'R1');
    assert.equal(pw.cacert, '/ca.pem');
    const ac = resolveCloud(
      {},
      cleanEnv({
        ...base,
        OS_APPLICATION_CREDENTIAL_ID: 'ac1',
        OS_APPLICATION_CREDENTIAL_SECRET: 'acsecret',
      }),
      { cwd: tmp() },
    );
    assert.deepEqual(ac.method, {
      kind: 'application_credential',
      credential: { id: 'ac1' },
      user: null,
      userDomain: null,
      secret: 'acsecret',
    });
    assert.equal(ac.project, null);
    const acByName = catchError(() =>
      resolveCloud(
        {},
        cleanEnv({
          ...base,
          OS_AUTH_TYPE: 'v3applicationcredential',
          OS_APPLICATION_CREDENTIAL_NAME: 'ro',
          OS_APPLICATION_CREDENTIAL_SECRET: 's',
        }),
        { cwd: tmp() },
      ),
    );
    assert.match(acByName.message, /"ro" is given by name without its user/);
    const tok = resolveCloud({}, cleanEnv({ ...base, OS_TOKEN: 'gAAAAtoken', OS_INSECURE: 'true' }), {
      cwd: tmp(),
    });
    assert.deepEqual(tok.method, { kind: 'token', token: 'gAAAAtoken' });
    assert.equal(tok.verify, false);
    const bad = catchError(() =>
      resolveCloud({}, cleanEnv({ ...base, OS_INSECURE: 'maybe' }), { cwd: tmp() }),
    );
    assert.match(bad.message, /^OS_INSECURE: expected true or false/);
    const oidc = catchError(() =>
      resolveCloud({}, cleanEnv({ ...base, OS_AUTH_TYPE: 'v3oidcpassword', OS_TOKEN: 't' }), { cwd: tmp() }),
    );
    assert.match(oidc.message, /auth_type "v3oidcpassword" is not supported/);
    const v2 = catchError(() =>
      resolveCloud({}, cleanEnv({ ...base, OS_TOKEN: 't', OS_IDENTITY_API_VERSION: '2.0' }), { cwd: tmp() }),
    );
    assert.match(v2.message, /Keystone v2\.0 was removed/);
  });

  test('system_scope: all without a project (OSA’s default_system_scope cloud)', () => {
    const cwd = tmp();
    write(
      join(cwd, 'clouds.yaml'),
      'clouds:\n  default_system_scope:\n    auth:\n      auth_url: http://k:5000\n      system_scope: all\n' +
        `      username: admin\n      password: ${PASSWORD}\n      user_domain_name: Default\n`,
    );
    const c = resolveCloud({ cloud: 'default_system_scope' }, cleanEnv(), { cwd });
    assert.deepEqual(c.project, { system: 'all' });
  });

  test('command-line settings override the cloud’s', () => {
    const cwd = tmp();
    write(join(cwd, 'clouds.yaml'), CLOUDS);
    const c = resolveCloud(
      { cloud: 'lab', region: 'R9', interface: 'admin', cacert: '/my-ca.pem', insecure: true },
      cleanEnv(),
      { cwd },
    );
    assert.equal(c.region, 'R9');
    assert.equal(c.interface, 'admin');
    assert.equal(c.cacert, '/my-ca.pem');
    assert.equal(c.verify, false);
  });

  test('a broken clouds.yaml is reported with its location', () => {
    const cwd = tmp();
    const path = write(join(cwd, 'clouds.yaml'), 'clouds:\n  prod:\n    auth: [unclosed\n');
    const e = catchError(() => resolveCloud({ cloud: 'prod' }, cleanEnv(), { cwd }));
    // The location is the error's own (InputError), shown as file:line:col by the CLI.
    assert.equal(e.location?.file, path, e.message);
    assert.equal(e.location?.line, 4, 'where PyYAML points: the stream end after the open list');
    assert.equal(e.code, 'yaml-syntax');
    write(join(cwd, 'clouds.yaml'), 'clouds:\n  prod:\n    auth: just-a-string\n');
    assert.match(catchError(() => resolveCloud({ cloud: 'prod' }, cleanEnv(), { cwd })).message, /auth: /);
  });
});

describe('URLs and the catalog', () => {
  test('the Keystone v3 URL from auth_url, with or without /v3', () => {
    assert.equal(identityBase('https://k:5000'), 'https://k:5000/v3');
    assert.equal(identityBase('https://k:5000/v3/'), 'https://k:5000/v3');
    assert.equal(identityBase('https://k/identity'), 'https://k/identity/v3');
    assert.equal(identityBase('https://k:5000/v2.0'), 'https://k:5000/v3');
  });

  test('paths join without doubling a version segment', () => {
    assert.equal(joinUrl('http://n:9696', '/v2.0/ports', { limit: '5' }), 'http://n:9696/v2.0/ports?limit=5');
    assert.equal(joinUrl('http://n:9696/v2.0/', '/v2.0/ports'), 'http://n:9696/v2.0/ports');
    assert.equal(
      joinUrl('http://n:8774/v2.1', '/servers/detail?all_tenants=1', { limit: '7', marker: 'm' }),
      'http://n:8774/v2.1/servers/detail?all_tenants=1&limit=7&marker=m',
    );
  });

  test('endpoints by interface and region; a service only elsewhere is an error naming what exists', () => {
    const catalog = [
      {
        type: 'network',
        name: 'neutron',
        endpoints: [
          { interface: 'public', region_id: 'R1', url: 'https://pub-r1:9696/' },
          { interface: 'internal', region_id: 'R1', url: 'http://int-r1:9696' },
          { interface: 'public', region_id: 'R2', url: 'https://pub-r2:9696' },
        ],
      },
    ];
    assert.equal(selectEndpoint(catalog, 'network', 'public', null), 'https://pub-r1:9696');
    assert.equal(selectEndpoint(catalog, 'network', 'public', 'R2'), 'https://pub-r2:9696');
    assert.equal(selectEndpoint(catalog, 'network', 'internal', 'R1'), 'http://int-r1:9696');
    assert.equal(selectEndpoint(catalog, 'compute', 'public', null), null);
    const e = catchError(() => selectEndpoint(catalog, 'network', 'admin', 'R2'));
    assert.match(
      e.message,
      /no admin network endpoint in region R2 \(it has: public\/R1, internal\/R1, public\/R2\)/,
    );
  });
});

describe('cloud options on the command line', () => {
  function parse(args: string[]): Record<string, unknown> {
    const cmd = addCloudOptions(new Command('x').exitOverride());
    cmd.parse(args, { from: 'user' });
    return cmd.opts();
  }

  test('flags map to CloudOptions; --timeout is seconds', () => {
    assert.deepEqual(
      cloudOptionsFrom(
        parse([
          '--os-cloud',
          'prod',
          '--insecure',
          '--os-cacert',
          'ca.pem',
          '--os-region-name',
          'R1',
          '--os-interface',
          'internal',
          '--timeout',
          '2.5',
        ]),
      ),
      {
        cloud: 'prod',
        insecure: true,
        cacert: 'ca.pem',
        region: 'R1',
        interface: 'internal',
        timeoutMs: 2500,
      },
    );
    assert.deepEqual(cloudOptionsFrom(parse([])), {});
  });

  test('bad values are usage errors naming the flag', () => {
    assert.throws(
      () => cloudOptionsFrom(parse(['--timeout', 'soon'])),
      (e: unknown) => e instanceof UserError && /^--timeout must be a number of seconds/.test(e.message),
    );
    assert.throws(() => parse(['--os-interface', 'private']), /Allowed choices are public, internal, admin/);
  });
});

// ---------------------------------------------------------------- transport

interface Fake {
  url: string;
  hits: number;
  close(): Promise<void>;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse, hit: number) => void) {
  const fake: Fake = { url: '', hits: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    fake.hits++;
    handler(req, res, fake.hits);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}

const fast = { retries: 3, retryDelayMs: 10, timeoutMs: 2000 };

describe('transport: retries, timeouts, refused connections', () => {
  test('a connection reset twice, then an answer: retried and read', async () => {
    const f = await serve((req, res, hit) => {
      if (hit <= 2) return req.socket.destroy();
      res.end('{"ok":true}');
    });
    const t = new Transport(fast);
    const r = await t.request({ method: 'GET', url: `${f.url}/x` });
    assert.equal(r.status, 200);
    assert.equal(f.hits, 3);
    t.close();
    await f.close();
  });

  test('a connection always reset: one CloudError after every try', async () => {
    const f = await serve((req) => req.socket.destroy());
    const t = new Transport(fast);
    const e = await rejects(t.request({ method: 'GET', url: `${f.url}/v2.0/ports` }));
    assert.equal(e.message, `GET ${f.url}/v2.0/ports: the connection was closed without an answer (4 tries)`);
    assert.equal(f.hits, 4);
    t.close();
    await f.close();
  });

  test('503 then 200: retried with backoff; 404 is not retried; a POST is not repeated', async () => {
    const f = await serve((req, res, hit) => {
      if (req.url === '/missing') return res.writeHead(404).end('{"itemNotFound":{"message":"nope"}}');
      res.writeHead(hit === 1 || req.method === 'POST' ? 503 : 200).end('{}');
    });
    const t = new Transport({ ...fast, retryDelayMs: 100 });
    const t0 = Date.now();
    assert.equal((await t.request({ method: 'GET', url: `${f.url}/ok` })).status, 200);
    assert.ok(Date.now() - t0 >= 90, 'waited before retrying');
    assert.equal(f.hits, 2);
    assert.equal((await t.request({ method: 'GET', url: `${f.url}/missing` })).status, 404);
    assert.equal(f.hits, 3);
    assert.equal((await t.request({ method: 'POST', url: `${f.url}/ports`, body: {} })).status, 503);
    assert.equal(f.hits, 4);
    t.close();
    await f.close();
  });

  test('no answer within the timeout, on every try', async () => {
    const f = await serve(() => {
      // never answers
    });
    const t = new Transport({ retries: 1, retryDelayMs: 10, timeoutMs: 150 });
    const e = await rejects(t.request({ method: 'GET', url: `${f.url}/slow` }));
    assert.equal(e.message, `GET ${f.url}/slow: no answer within 0.15 s (2 tries)`);
    assert.match(e.hint, /--timeout SECONDS/);
    t.close();
    await f.close();
  });

  test('a refused connection and an unknown host name are one clear error each', async () => {
    const f = await serve(() => {});
    const url = f.url;
    await f.close();
    const t = new Transport({ retries: 2, retryDelayMs: 10 });
    const e = await rejects(t.request({ method: 'GET', url: `${url}/v3/auth/tokens` }));
    assert.equal(
      e.message,
      `cannot connect to ${new URL(url).host} (${url}/v3/auth/tokens): connection refused (3 tries)`,
    );
    const d = await rejects(t.request({ method: 'GET', url: 'http://no-such-keystone.invalid:5000/v3' }));
    assert.match(d.message, /^cannot resolve the host name "no-such-keystone\.invalid"/);
    t.close();
  });
});

describe('redaction', () => {
  test('secrets are replaced everywhere; a short one where it stands alone', () => {
    const r = new Redactor();
    r.add('abc');
    r.add('gAAAAB-token-42');
    assert.equal(
      r.redact(
        'password "abc" for user abc in abcdef; X-Auth-Token: gAAAAB-token-42, again gAAAAB-token-42x',
      ),
      'password "***" for user *** in abcdef; X-Auth-Token: ***, again ***x',
    );
  });

  test('a token with a newline is refused before sending, without showing it', async () => {
    const t = new Transport(fast);
    const token = 'gAAAAB-token\n';
    const e = await rejects(
      t.request({ method: 'GET', url: 'http://127.0.0.1:9/v2.0', headers: { 'X-Auth-Token': token } }),
    );
    assert.match(
      e.message,
      /^cannot send GET http:\/\/127\.0\.0\.1:9\/v2\.0: Invalid character in header content/,
    );
    assert.ok(!e.message.includes('gAAAAB'));
    t.close();
  });
});

// ---------------------------------------------------------------- TLS and a whole session

const TOKEN = 'gAAAAAB-fake-token-0123456789';

/** Keystone's token answer and a "network" service that echoes the token in its errors. */
function fakeCloud(base: () => string) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
        const auth = JSON.parse(body) as {
          auth: { identity: { password?: { user: { password: string } } } };
        };
        if (auth.auth.identity.password?.user.password !== PASSWORD) {
          // A proxy that echoes what it got: the password must still never be shown.
          return res.writeHead(401).end(JSON.stringify({ error: { message: `bad request ${body}` } }));
        }
        const project = { id: 'p1', name: 'admin', domain: { id: 'default', name: 'Default' } };
        const catalog = [
          { type: 'network', endpoints: [{ interface: 'public', region_id: 'R1', url: `${base()}/net` }] },
        ];
        return res
          .writeHead(201, { 'X-Subject-Token': TOKEN, 'Content-Type': 'application/json' })
          .end(JSON.stringify({ token: { user: { id: 'u1', name: 'admin' }, project, roles: [], catalog } }));
      }
      if (req.url?.startsWith('/net/v2.0/echo'))
        return res
          .writeHead(400)
          .end(`{"NeutronError":{"message":"bad token ${req.headers['x-auth-token']}"}}`);
      if (req.url?.startsWith('/net/v2.0/networks'))
        return res.writeHead(200).end('{"networks":[{"id":"n1","name":"physnet1-net"}]}');
      res.writeHead(404).end();
    });
  };
}

function cloudsFor(url: string, extra = ''): NodeJS.ProcessEnv {
  const dir = tmp();
  const file = write(
    join(dir, 'clouds.yaml'),
    `clouds:\n  fake:\n    auth:\n      auth_url: ${url}/v3\n      username: admin\n      password: ${PASSWORD}\n` +
      `      project_name: admin\n      domain_name: Default\n${extra}`,
  );
  return cleanEnv({ OS_CLIENT_CONFIG_FILE: file, OS_CLOUD: 'fake' });
}

const openssl = spawnSync('openssl', ['version']).status === 0;
if (!openssl && process.env.CI) throw new Error('CI must run the TLS tests: openssl is missing');

describe('TLS with a self-signed certificate, and secrets in errors', {
  skip: !openssl && 'openssl is not installed (apt-get install openssl enables these tests)',
}, () => {
  let dir = '';
  let server: https.Server;
  let url = '';

  before(async () => {
    dir = tmp();
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    server = https.createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      fakeCloud(() => url),
    );
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('verified by default: an untrusted certificate fails with what to do', async () => {
    const e = await rejects(connect({ retryDelayMs: 10 }, cloudsFor(url)));
    assert.equal(e.message, `TLS certificate verification failed for ${url}: the certificate is self-signed`);
    assert.match(e.hint, /--os-cacert FILE .*--insecure/);
  });

  test('--os-cacert (or cacert: in clouds.yaml) trusts it', async () => {
    const s = await connect({ cacert: join(dir, 'cert.pem') }, cloudsFor(url));
    assert.deepEqual(await s.list('network', '/v2.0/networks', 'networks'), [
      { id: 'n1', name: 'physnet1-net' },
    ]);
    s.close();
    const s2 = await connect({}, cloudsFor(url, `    cacert: ${join(dir, 'cert.pem')}\n`));
    assert.equal(s2.endpoint('network'), `${url}/net`);
    s2.close();
    const bad = await rejects(connect({ cacert: join(dir, 'key.pem') }, cloudsFor(url)));
    assert.match(bad.message, /the CA file .*key\.pem \(from --os-cacert\) has no PEM certificate/);
  });

  test('--insecure works and warns once on stderr', async () => {
    const lines: string[] = [];
    const s = await connect({ insecure: true, warn: (l) => lines.push(l) }, cloudsFor(url));
    assert.equal(s.info.projectName, 'admin');
    assert.deepEqual(lines, [
      "osa-sriov: warning: TLS certificates are not verified (--insecure): the cloud's identity is not checked",
    ]);
    s.close();
  });

  test('the token and the password never appear in an error, even when a server echoes them', async () => {
    const s = await connect({ insecure: true, warn: () => {} }, cloudsFor(url));
    const e = await rejects(s.get('network', '/v2.0/echo'));
    assert.equal(e.message, 'Neutron GET /net/v2.0/echo: HTTP 400 bad token ***');
    s.close();
    const env = cloudsFor(url);
    const file = env.OS_CLIENT_CONFIG_FILE!;
    writeFileSync(file, readFileSync(file, 'utf8').replace(PASSWORD, `${PASSWORD}-wrong`));
    const a = await rejects(connect({ insecure: true, warn: () => {} }, env));
    assert.match(
      a.message,
      /^authentication failed for user "admin" \(domain Default\) at .*\/v3: bad request/,
    );
    assert.ok(!a.message.includes(PASSWORD) && !a.hint.includes(PASSWORD), a.message);
    assert.ok(a.message.includes('***'));
  });
});
