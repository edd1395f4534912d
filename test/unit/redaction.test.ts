// No credential is ever printed: redactText on every encoding an echo uses, then `doctor`,
// `vf-map` and `capacity` run as users run them against a fake cloud on 127.0.0.1 that echoes the
// password and the token back (a 400 page of a proxy, a server fault, resource names), in text,
// JSON and SARIF, and in the error message.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodings, REDACTED, redactDeep, redactText } from '../../src/cloud/redact.js';
import { MAIN } from '../cli-helpers.js';
import { REPO } from '../helpers.js';

// Every character an encoder changes: & " < > ' space / + % and a non-ASCII one.
const PASSWORD = `S3cr&t"<pa ss>'w/o+r%d-é-0123456789`;
const TOKEN = 'gAAAAABfake-token-0123456789abcdefghijklmnop';

const htmlEsc = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

describe('redactText', () => {
  const forms: Record<string, string> = {
    raw: PASSWORD,
    json: JSON.stringify(PASSWORD).slice(1, -1),
    'json (ensure_ascii, as Python writes it)': JSON.stringify(PASSWORD)
      .slice(1, -1)
      .replace(/é/g, '\\u00e9'),
    url: encodeURIComponent(PASSWORD),
    'url (form, + for space)': encodeURIComponent(PASSWORD).replace(/%20/g, '+').replace(/'/g, '%27'),
    'url (lower-case hex)': encodeURIComponent(PASSWORD).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    html: htmlEsc(PASSWORD),
    'html (&#x27;)': htmlEsc(PASSWORD).replace(/&#39;/g, '&#x27;'),
    'html numeric': [...PASSWORD].map((c) => `&#${c.codePointAt(0)};`).join(''),
    'json inside html': htmlEsc(JSON.stringify(PASSWORD).slice(1, -1)),
  };
  for (const [name, form] of Object.entries(forms)) {
    test(`the password ${name}`, () => {
      const out = redactText(`<p>you sent ${form} here</p>`, [PASSWORD]);
      assert.equal(out, `<p>you sent ${REDACTED} here</p>`);
    });
  }

  test('every form it lists is distinct from the password only by encoding', () => {
    assert.ok(encodings(PASSWORD).length >= 10);
    for (const f of encodings(PASSWORD)) assert.equal(redactText(f, [PASSWORD]), REDACTED);
  });

  test('fragments of half the secret or more (a fault cut short), not short coincidences', () => {
    const cut = PASSWORD.slice(0, 20);
    assert.equal(redactText(`Login failed with ${cut}`, [PASSWORD]), `Login failed with ${REDACTED}`);
    const tail = PASSWORD.slice(-18);
    assert.equal(redactText(`x${tail}`, [PASSWORD]), `x${REDACTED}`);
    // "S3cr" is in the password but too short to be one: ordinary text keeps it.
    assert.equal(redactText('S3cr and 0123', [PASSWORD]), 'S3cr and 0123');
  });

  test('credential values by their key, known or not, in JSON, HTML, URL, form and header notation', () => {
    const cases: Array<[string, string]> = [
      ['{"auth": {"password": "other-Pa55"}}', `{"auth": {"password": "${REDACTED}"}}`],
      ['{\\"password\\": \\"other-Pa55\\"}', `{\\"password\\": \\"${REDACTED}\\"}`],
      ['&quot;password&quot;: &quot;other-Pa55&quot;', `&quot;password&quot;: &quot;${REDACTED}&quot;`],
      ['%22password%22%3A%22other-Pa55%22', `%22password%22%3A%22${REDACTED}%22`],
      ['GET /x?user=a&password=other-Pa55&z=1', `GET /x?user=a&password=${REDACTED}&z=1`],
      ['application_credential_secret=abc123', `application_credential_secret=${REDACTED}`],
      ['X-Auth-Token: abcdef0123', `X-Auth-Token: ${REDACTED}`],
      ["{'password': 'other-Pa55'}", `{'password': '${REDACTED}'}`],
    ];
    for (const [input, want] of cases) assert.equal(redactText(input, []), want, input);
  });

  test('Keystone tokens, ours or not', () => {
    assert.equal(redactText(`token ${TOKEN} refused`, []), `token ${REDACTED} refused`);
  });

  test('ordinary text is left alone', () => {
    const text =
      'port p1 on compute1: binding_failed; see `openstack token issue`, OS_PASSWORD and auth.password';
    assert.equal(redactText(text, [PASSWORD, TOKEN]), text);
  });

  test('redactDeep: every string of a parsed answer, keys included', () => {
    assert.deepEqual(redactDeep({ a: [`x ${PASSWORD}`, 3, null], [PASSWORD]: true }, [PASSWORD]), {
      a: [`x ${REDACTED}`, 3, null],
      [REDACTED]: true,
    });
  });
});

// ---------------------------------------------------------------- the commands, end to end

type Mode = 'data' | 'html400' | 'json400' | 'url400';

/** Keystone, Neutron and Nova answering what the commands read, echoing credentials back. */
function fakeCloud(mode: () => Mode, base: () => string) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const json = (status: number, v: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(v));
      const url = req.url ?? '';
      if (req.method === 'POST' && url === '/v3/auth/tokens') {
        const project = { id: 'p1', name: 'admin', domain: { id: 'default', name: 'Default' } };
        const catalog = [
          { type: 'network', endpoints: [{ interface: 'public', region_id: 'R1', url: `${base()}/net` }] },
          {
            type: 'compute',
            endpoints: [{ interface: 'public', region_id: 'R1', url: `${base()}/compute` }],
          },
        ];
        return json(
          201,
          { token: { user: { id: 'u1', name: 'admin' }, project, roles: [], catalog } },
          { 'X-Subject-Token': TOKEN },
        );
      }
      const m = mode();
      if (url.startsWith('/net/v2.0/ports') && m !== 'data') {
        // A proxy answering 400 with what it received (the request body it logged), in its encoding.
        const echoed = `{"auth": {"password": "${PASSWORD}"}, "X-Auth-Token": "${req.headers['x-auth-token']}"}`;
        if (m === 'html400')
          return res
            .writeHead(400, { 'Content-Type': 'text/html' })
            .end(`<html><body><h1>400 Bad Request</h1><pre>${htmlEsc(echoed)}</pre></body></html>`);
        if (m === 'url400')
          return res.writeHead(400).end(`bad request: /v2.0/ports?q=${encodeURIComponent(echoed)}`);
        return json(400, { NeutronError: { message: `bad request ${JSON.stringify(echoed)}` } });
      }
      if (url.startsWith('/net/v2.0/agents'))
        return json(200, {
          agents: [
            {
              id: 'a1',
              agent_type: 'NIC Switch agent',
              binary: 'neutron-sriov-nic-agent',
              host: 'compute1\x1b]0;owned\x07',
              alive: false,
              admin_state_up: true,
              heartbeat_timestamp: '2026-11-24 10:00:00',
              configurations: { device_mappings: { physnet1: ['eth0'] }, devices: 3 },
            },
          ],
        });
      if (url.startsWith('/net/v2.0/networks'))
        return json(200, {
          networks: [
            {
              id: 'n1',
              name: `net-${PASSWORD}`,
              status: 'ACTIVE',
              'provider:network_type': 'vlan',
              'provider:physical_network': 'physnet1',
              'provider:segmentation_id': 101,
            },
          ],
        });
      if (url.startsWith('/net/v2.0/ports'))
        return json(200, {
          ports: [
            {
              id: 'port1',
              name: `port named ${PASSWORD.slice(2, 22)}`,
              network_id: 'n1',
              mac_address: 'fa:16:3e:00:00:01',
              status: 'DOWN',
              device_id: 's1',
              device_owner: 'compute:nova',
              'binding:vnic_type': 'direct',
              'binding:host_id': 'compute1\x1b]0;owned\x07',
              'binding:vif_type': 'binding_failed',
              'binding:profile': {},
              'binding:vif_details': {},
              port_security_enabled: false,
              security_groups: [],
            },
          ],
        });
      if (url.startsWith('/compute/servers/detail'))
        return json(200, {
          servers: [
            {
              id: 's1',
              name: `vm ${TOKEN}`,
              status: 'ERROR',
              'OS-EXT-SRV-ATTR:host': null,
              'OS-EXT-SRV-ATTR:hypervisor_hostname': null,
              fault: {
                message: `Build of instance s1 aborted: auth with password=${PASSWORD} token ${TOKEN} and ${PASSWORD.slice(0, 19)}`,
                code: 500,
              },
            },
          ],
        });
      if (url.startsWith('/compute/os-services'))
        return json(200, {
          services: [{ id: 'c1', binary: 'nova-compute', host: 'compute1', state: 'up', status: 'enabled' }],
        });
      res.writeHead(404).end();
    });
  };
}

function run(
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { cwd: REPO, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const status = err ? ((err as { code?: unknown }).code as number) : 0;
        resolve({ status: typeof status === 'number' ? status : -1, stdout, stderr });
      },
    );
  });
}

/** Nothing in `text` that is, or encodes, a credential or a long piece of one. */
function assertClean(text: string, what: string) {
  for (const secret of [PASSWORD, TOKEN]) {
    for (const form of encodings(secret)) assert.ok(!text.includes(form), `${what} shows ${form}:\n${text}`);
    for (let i = 0; i + 10 <= secret.length; i++)
      assert.ok(!text.includes(secret.slice(i, i + 10)), `${what} shows a piece of a secret:\n${text}`);
  }
  assert.ok(!text.includes('\x1b') && !text.includes('\x07'), `${what} has a raw control character`);
}

describe('doctor, vf-map and capacity never print a credential', () => {
  let server: http.Server;
  let url = '';
  let mode: Mode = 'data';
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    server = http.createServer(
      fakeCloud(
        () => mode,
        () => url,
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-redact-'));
    const clouds = join(dir, 'clouds.yaml');
    writeFileSync(
      clouds,
      `clouds:\n  fake:\n    auth:\n      auth_url: ${url}/v3\n      username: admin\n      password: ${JSON.stringify(PASSWORD)}\n      project_name: admin\n      domain_name: Default\n`,
    );
    env = {
      HOME: dir,
      PATH: process.env.PATH,
      OS_CLIENT_CONFIG_FILE: clouds,
      OS_CLOUD: 'fake',
      NO_COLOR: '1',
    };
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  for (const format of ['text', 'json', 'sarif']) {
    test(`doctor --format ${format}: fault, names and hosts are shown redacted and escaped`, async () => {
      mode = 'data';
      const r = await run(env, ['doctor', '--format', format, '--timeout', '10']);
      assert.equal(r.status, 1, r.stderr);
      assertClean(r.stdout + r.stderr, `doctor --format ${format}`);
      // The finding is still there, with the secret's place marked.
      assert.match(
        r.stdout,
        /Build of instance s1 aborted: auth with password=\*\*\* token \*\*\* and \*\*\*/,
      );
      if (format === 'text') assert.match(r.stdout, /compute1\\x1b\]0;owned\\x07/);
    });
  }

  for (const cmd of ['vf-map', 'capacity']) {
    test(`${cmd}: the same data, redacted and escaped`, async () => {
      mode = 'data';
      const r = await run(env, [cmd, '--timeout', '10']);
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      assertClean(r.stdout + r.stderr, cmd);
    });
  }

  for (const m of ['html400', 'json400', 'url400'] as const) {
    test(`a 400 answer echoing the request (${m}): the error has no credential`, async () => {
      mode = m;
      const r = await run(env, ['doctor', '--timeout', '10']);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^osa-sriov: error: Neutron GET \/net\/v2\.0\/ports.*HTTP 400/);
      assertClean(r.stdout + r.stderr, `doctor (${m})`);
    });
  }
});
