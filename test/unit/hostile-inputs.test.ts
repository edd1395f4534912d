// Hostile, malformed and huge inputs (issue 13 §4): each is a located input error (exit 2 from
// the CLI, an InputError from the library) or a documented safe behaviour; never a hang (every
// test has a timeout), a stack trace, or an "internal error". Where PyYAML's behaviour is
// claimed, the real PyYAML is asked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readFactsPaths } from '../../src/cli/facts-input.js';
import { connect } from '../../src/cloud/client.js';
import { resolveCloud } from '../../src/cloud/config.js';
import { InputError } from '../../src/errors.js';
import { readHostFacts } from '../../src/facts/load.js';
import { parseDeviceSpecs } from '../../src/openstack/nova-devspec.js';
import { loadDeployDir } from '../../src/osa/load.js';
import { decodeYaml, parseYaml, toPlain } from '../../src/osa/pyyaml.js';
import { parseIntent } from '../../src/plan/intent.js';
import { jsonLoads } from '../../src/python.js';
import { readRegularFile } from '../../src/read-input.js';
import { cli, withStdin } from '../cli-helpers.js';
import { REPO } from '../helpers.js';

const T = { timeout: 120_000 };
const LAB = join(REPO, 'examples/blog-lab');
const SNAPSHOT = join(LAB, 'facts/hp03-2x520.snapshot');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'osa-hostile-'));
}

/** A copy of the lab's deploy dir to break. */
function lab(): string {
  const dir = tmp();
  for (const f of ['openstack_user_config.yml', 'user_variables.yml']) cpSync(join(LAB, f), join(dir, f));
  return dir;
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    assert.fail(`not an InputError: ${(e as Error)?.stack ?? String(e)}`);
  }
  assert.fail('expected an InputError');
}

/** The CLI refused the input: exit 2, one located error line, no stack, no internal error. */
function refused(r: { status: number | null; stderr: string }, where: RegExp, what: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^osa-sriov: error: /);
  assert.match(r.stderr, where);
  assert.match(r.stderr, what);
  assert.match(r.stderr, /\n {2}fix: /);
  assert.doesNotMatch(r.stderr, /internal error|^\s+at /m);
}

const python = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' }).status === 0;

/** What the real PyYAML does with these bytes: the plain value as JSON, or the error's class. */
function pyyaml(bytes: Buffer, dump = true): { ok: true; value: unknown } | { ok: false; error: string } {
  const r = spawnSync(
    'python3',
    [
      '-c',
      `import sys, json, yaml\ntry:\n  v = yaml.safe_load(sys.stdin.buffer.read())\n  print(json.dumps({"ok": True, "value": ${dump ? 'v' : 'None'}}))\nexcept Exception as e:\n  print(json.dumps({"ok": False, "error": type(e).__name__}))`,
    ],
    { input: bytes, encoding: 'utf8', timeout: 60_000 },
  );
  return JSON.parse(r.stdout);
}

/** "Billion laughs": 9 levels of 9 aliases, 9^9 nodes once expanded. */
function laughs(top = 'lol'): string {
  const lines = [
    `l0: &l0 ["${top}", "${top}", "${top}", "${top}", "${top}", "${top}", "${top}", "${top}", "${top}"]`,
  ];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

describe('files that are not regular files, or too large', () => {
  test('a FIFO, /dev/zero, /dev/urandom and a directory are named, not read', T, () => {
    const dir = tmp();
    const fifo = join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    for (const [path, kind] of [
      [fifo, /a FIFO/],
      ['/dev/zero', /a character device/],
      ['/dev/urandom', /a character device/],
      [dir, /a directory/],
    ] as const) {
      const e = inputError(() => readRegularFile(path, 'the snapshot', 1024));
      assert.equal(e.code, 'file-not-regular');
      assert.equal(e.location?.file, path);
      assert.match(e.message, kind);
    }
  });

  test('a deploy file that is a FIFO, or a link to /dev/zero; a sparse 17 MiB user_variables.yml', T, () => {
    const dir = lab();
    rmSync(join(dir, 'user_variables.yml'));
    symlinkSync('/dev/zero', join(dir, 'user_variables.yml'));
    let e = inputError(() => loadDeployDir(dir));
    assert.equal(e.code, 'file-not-regular');
    assert.equal(e.location?.file, join(dir, 'user_variables.yml'));
    rmSync(join(dir, 'user_variables.yml'));
    assert.equal(spawnSync('mkfifo', [join(dir, 'user_variables.yml')]).status, 0);
    e = inputError(() => loadDeployDir(dir));
    assert.match(e.message, /a FIFO/);
    rmSync(join(dir, 'user_variables.yml'));
    writeFileSync(join(dir, 'user_variables.yml'), '');
    truncateSync(join(dir, 'user_variables.yml'), 17 * 1024 * 1024);
    e = inputError(() => loadDeployDir(dir));
    assert.equal(e.code, 'file-too-large');
  });

  test('CLI: /dev/zero as an intent, /dev/urandom as a --from snapshot, a FIFO as a deploy file', T, () => {
    refused(cli('plan', '/dev/zero', '--deploy', LAB), /\/dev\/zero: /, /a character device/);
    refused(cli('probe', '--from', '/dev/urandom'), /\/dev\/urandom: /, /a character device/);
    const dir = lab();
    rmSync(join(dir, 'openstack_user_config.yml'));
    assert.equal(spawnSync('mkfifo', [join(dir, 'openstack_user_config.yml')]).status, 0);
    const r = cli('check', dir, '--format', 'json');
    refused(r, /openstack_user_config\.yml: /, /a FIFO/);
    assert.equal(JSON.parse(r.stdout).error.code, 'file-not-regular');
  });

  test('--facts: a link loop, a dangling link, a FIFO named like a snapshot', T, () => {
    const dir = tmp();
    symlinkSync(join(dir, 'loop'), join(dir, 'loop'));
    assert.equal(inputError(() => readFactsPaths([join(dir, 'loop')])).code, 'symlink-loop');
    symlinkSync(join(dir, 'nothing'), join(dir, 'dangling'));
    assert.equal(inputError(() => readFactsPaths([join(dir, 'dangling')])).code, 'symlink-dangling');
    const facts = join(dir, 'facts');
    mkdirSync(facts);
    assert.equal(spawnSync('mkfifo', [join(facts, 'h1.snapshot')]).status, 0);
    const e = inputError(() => readFactsPaths([facts]));
    assert.equal(e.code, 'file-not-regular');
    assert.equal(e.location?.file, join(facts, 'h1.snapshot'));
  });

  test('clouds.yaml that is /dev/zero', T, () => {
    const e = inputError(() =>
      resolveCloud({ cloud: 'x' }, { OS_CLIENT_CONFIG_FILE: '/dev/zero', OS_CLOUD: 'x' }, { cwd: tmp() }),
    );
    assert.match(e.message, /a character device/);
    assert.equal(e.code, 'file-not-regular');
  });
});

describe('directories: link loops, dangling links, files in place of directories', () => {
  test('a link loop in conf.d/ and env.d/ is not followed (as os.walk) and is noted', T, () => {
    const dir = lab();
    mkdirSync(join(dir, 'conf.d'));
    symlinkSync('..', join(dir, 'conf.d/loop'));
    mkdirSync(join(dir, 'env.d'));
    symlinkSync('.', join(dir, 'env.d/self'));
    const d = loadDeployDir(dir);
    const notes = d.notes.map((n) => `${n.location?.file}: ${n.message}`);
    assert.ok(
      notes.some((n) => n.startsWith(join(dir, 'conf.d/loop')) && /does not follow/.test(n)),
      notes.join('\n'),
    );
    assert.ok(
      notes.some((n) => n.startsWith(join(dir, 'env.d/self'))),
      notes.join('\n'),
    );
  });

  test('a link loop in host_vars/ (Ansible follows links) is located at the link', T, () => {
    const dir = lab();
    mkdirSync(join(dir, 'host_vars/hp03'), { recursive: true });
    symlinkSync('..', join(dir, 'host_vars/hp03/up'));
    const e = inputError(() => loadDeployDir(dir));
    assert.equal(e.code, 'symlink-loop');
    assert.equal(e.location?.file, join(dir, 'host_vars/hp03/up'));
    const r = cli('check', dir);
    refused(r, /host_vars\/hp03\/up: /, /link back/);
  });

  test('dangling links: host_vars/H.yml, conf.d/x.yml, group_vars/all.yml', T, () => {
    for (const rel of ['host_vars/hp03.yml', 'conf.d/x.yml', 'group_vars/all.yml']) {
      const dir = lab();
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      symlinkSync(join(dir, 'nowhere.yml'), join(dir, rel));
      const e = inputError(() => loadDeployDir(dir));
      assert.equal(e.code, 'symlink-dangling', rel);
      assert.equal(e.location?.file, join(dir, rel));
    }
  });

  test('conf.d, env.d or host_vars that is a file; an unreadable directory', T, () => {
    for (const name of ['conf.d', 'env.d', 'host_vars']) {
      const dir = lab();
      writeFileSync(join(dir, name), 'x: 1\n');
      const e = inputError(() => loadDeployDir(dir));
      assert.equal(e.location?.file, join(dir, name));
      assert.match(e.message, /not a directory \(not a regular file|not a directory \(/);
    }
    if (process.getuid?.() === 0) return; // root reads a mode-000 directory anyway
    const dir = lab();
    mkdirSync(join(dir, 'host_vars'));
    chmodSync(join(dir, 'host_vars'), 0);
    try {
      const e = inputError(() => loadDeployDir(dir));
      assert.equal(e.location?.file, join(dir, 'host_vars'));
      assert.match(e.message, /permission denied/);
    } finally {
      chmodSync(join(dir, 'host_vars'), 0o755);
    }
  });
});

describe('YAML: alias bombs, bytes PyYAML refuses, deep nesting', () => {
  test('a billion laughs in every YAML we read is refused at the alias, in about a second', T, () => {
    const bomb = laughs();
    // The deploy files.
    for (const rel of [
      'user_variables.yml',
      'openstack_user_config.yml',
      'conf.d/bomb.yml',
      'env.d/bomb.yml',
    ]) {
      const dir = lab();
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(
        join(dir, rel),
        rel === 'openstack_user_config.yml' ? `${readFileSync(join(LAB, rel), 'utf8')}${bomb}` : bomb,
      );
      const t0 = Date.now();
      const e = inputError(() => loadDeployDir(dir));
      assert.equal(e.code, 'yaml-too-large', rel);
      assert.equal(e.location?.file, join(dir, rel));
      assert.ok((e.location?.line ?? 0) > 1);
      assert.ok(Date.now() - t0 < 30_000, `${rel}: ${Date.now() - t0} ms`);
    }
    // clouds.yaml.
    const cwd = tmp();
    writeFileSync(join(cwd, 'clouds.yaml'), `clouds:\n  x:\n    auth: {}\n${bomb}`);
    const c = inputError(() => resolveCloud({ cloud: 'x' }, {}, { cwd }));
    assert.equal(c.code, 'yaml-too-large');
    // An intent (eemeli/yaml's own limit).
    const i = inputError(() => parseIntent(`osaRelease: "2026.1"\n${bomb}`, 'intent.yml'));
    assert.equal(i.code, 'yaml-too-large');
    assert.equal(i.location?.file, 'intent.yml');
  });

  test('small aliases load as PyYAML loads them', {
    ...T,
    skip: !python && 'python3 with PyYAML is needed',
  }, () => {
    const text = 'base: &b {a: 1, l: [1, 2]}\nx: *b\ny: {<<: *b, a: 2}\nz: [*b, *b, *b]\n';
    const py = pyyaml(Buffer.from(text));
    assert.ok(py.ok);
    assert.deepEqual(toPlain(parseYaml(text, 'x.yml')), py.value);
    // PyYAML loads the bomb by reference (cheap there), refused here: check both facts.
    assert.ok(
      pyyaml(Buffer.from(laughs()), false).ok,
      'PyYAML loads it (by reference: a dump would explode)',
    );
  });

  test('non-UTF-8 bytes and NUL: PyYAML refuses them, we refuse them at their line (exit 2)', {
    ...T,
    skip: !python && 'python3 with PyYAML is needed',
  }, () => {
    const cases: Array<[Buffer, number, number]> = [
      [Buffer.from('a: 1\nb: caf\xe9\n', 'latin1'), 2, 7],
      [Buffer.from('a: 1\nb: x\x00y\n'), 2, 5],
      [Buffer.from('a: 1\n\nc: \x07\n'), 3, 4],
      [Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]), 1, 4],
    ];
    for (const [bytes, line, column] of cases) {
      const py = pyyaml(bytes);
      assert.equal(py.ok, false, `PyYAML refuses ${JSON.stringify(bytes.toString('latin1'))}`);
      const e = inputError(() => decodeYaml(bytes, 'u.yml'));
      assert.equal(e.code, 'yaml-encoding');
      assert.deepEqual(e.location, { file: 'u.yml', line, column });
    }
    // UTF-16 with a BOM is read as PyYAML reads it.
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a: 1\n', 'utf16le')]);
    assert.deepEqual(
      toPlain(parseYaml(decodeYaml(utf16, 'u.yml'), 'u.yml')),
      pyyaml(utf16).ok ? { a: 1 } : null,
    );
    // Through the CLI: exit 2, the line.
    const dir = lab();
    writeFileSync(
      join(dir, 'user_variables.yml'),
      Buffer.from('---\nneutron_plugin_types:\n  - ml2.sriov\x00\n'),
    );
    refused(cli('check', dir), /user_variables\.yml:3:14: /, /unacceptable character #x0000/);
  });

  test('YAML nested 60,000 and 100,000 levels: refused at once, located (PyYAML fails too)', T, () => {
    for (const n of [60_000, 100_000]) {
      for (const text of [
        `a: ${'['.repeat(n)}${']'.repeat(n)}\n`,
        `a: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`,
      ]) {
        const t0 = Date.now();
        const e = inputError(() => parseYaml(text, 'deep.yml'));
        assert.equal(e.code, 'yaml-too-large');
        assert.equal(e.location?.line, 1);
        assert.ok(Date.now() - t0 < 10_000);
      }
    }
    if (python)
      assert.equal(pyyaml(Buffer.from(`a: ${'['.repeat(60_000)}${']'.repeat(60_000)}\n`)).ok, false);
    // Block nesting, and an alias inside its own anchor.
    const block = Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    assert.equal(inputError(() => parseYaml(`${block} 1\n`, 'b.yml')).code, 'yaml-too-large');
    assert.equal(inputError(() => parseYaml('a: &a [1, *a]\n', 'r.yml')).location?.line, 1);
  });
});

describe('JSON: deep nesting in facts, device_spec values, standard input, the inventory', () => {
  const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  test('HostFacts JSON nested 100,000 levels: located input error', T, () => {
    const e = inputError(() =>
      readHostFacts(
        Buffer.from(`{"schema": "osa-sriov/host-facts@1",\n "pfs": ${deepArray(100_000)}}`),
        'h.json',
      ),
    );
    assert.equal(e.code, 'json-too-deep');
    assert.deepEqual(e.location, { file: 'h.json', line: 2, column: 108 });
  });

  test(
    'a device_spec nested 60,000 / 100,000 levels is refused like Nova refuses it (no stack overflow)',
    T,
    () => {
      for (const n of [60_000, 100_000]) {
        for (const v of [deepArray(n), `${'{"a": '.repeat(n)}1${'}'.repeat(n)}`]) {
          assert.throws(
            () => parseDeviceSpecs([v]),
            (e: Error & { errorClass?: string }) => e.errorClass === 'PciConfigInvalidSpec',
          );
        }
      }
      // Python's json.loads stops at its recursion limit; so does ours.
      assert.throws(() => jsonLoads(deepArray(1000)), SyntaxError);
      assert.deepEqual(jsonLoads(deepArray(3)), [[[]]]);
      const r = cli('devspec', 'explain', deepArray(60_000));
      assert.notEqual(r.status, null);
      assert.doesNotMatch(r.stderr, /internal error|^\s+at /m);
      assert.match(r.stdout + r.stderr, /PciConfigInvalidSpec|Invalid entry/);
    },
  );

  test('devspec match: standard input nested 100,000 levels is exit 2', T, () => {
    refused(
      withStdin(`{"specs": ${deepArray(100_000)}}`, 'devspec', 'match'),
      /<stdin>: /,
      /nested more than 100 levels/,
    );
  });

  test('openstack_inventory.json nested deep', T, () => {
    const dir = lab();
    writeFileSync(join(dir, 'openstack_inventory.json'), `{"_meta": ${deepArray(100_000)}}`);
    const e = inputError(() => loadDeployDir(dir));
    assert.equal(e.code, 'json-too-deep');
    assert.equal(e.location?.file, join(dir, 'openstack_inventory.json'));
  });
});

describe('impossible and huge facts', () => {
  const base = () => JSON.parse(JSON.stringify(readHostFacts(readFileSync(SNAPSHOT), SNAPSHOT)));

  test('sriov_totalvfs of 10^23 in a snapshot (shown as 1e+23 before) is refused', T, () => {
    const text = readFileSync(SNAPSHOT, 'utf8').replace(/(sriov_totalvfs) 63/, '$1 100000000000000000000000');
    const e = inputError(() => readHostFacts(Buffer.from(text), 'h.snapshot'));
    assert.equal(e.code, 'facts-impossible');
    assert.match(e.message, /100000000000000000000000|1e\+23/);
    assert.equal(e.location?.file, 'h.snapshot');
    // In HostFacts JSON the schema refuses an unsafe integer.
    const f = base();
    f.pfs[0].totalVfs = 1e23;
    assert.equal(
      inputError(() => readHostFacts(Buffer.from(JSON.stringify(f)), 'h.json')).code,
      'facts-invalid',
    );
  });

  test('a PF listed twice', T, () => {
    const f = base();
    f.pfs.push(f.pfs[0]);
    const e = inputError(() => readHostFacts(Buffer.from(JSON.stringify(f)), 'h.json'));
    assert.equal(e.code, 'facts-impossible');
    assert.match(e.message, /listed twice/);
  });

  test('200,000 VFs in one HostFacts: located input error', T, () => {
    const f = base();
    const vf = f.pfs[0].vfs[0] ?? { index: 0 };
    const pfs = [0, 1, 2, 3].map((p) => ({
      ...f.pfs[0],
      pciAddress: `0000:0${p}:00.0`,
      netdev: `ens${p}`,
      vfs: Array.from({ length: 50_000 }, (_, i) => ({ ...vf, index: i })),
    }));
    const e = inputError(() => readHostFacts(Buffer.from(JSON.stringify({ ...f, pfs })), 'big.json'));
    assert.equal(e.code, 'facts-too-large');
    assert.equal(e.location?.file, 'big.json');
  });
});

describe('cloud API pagination is bounded and names the endpoint', () => {
  async function cloud(pageHandler: (hit: number) => string) {
    let hits = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
          const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
          const catalog = [
            { type: 'network', endpoints: [{ interface: 'public', region_id: 'R1', url: `${base}/net` }] },
          ];
          const project = { id: 'p1', name: 'admin', domain: { id: 'default', name: 'Default' } };
          return res
            .writeHead(201, { 'X-Subject-Token': 'tok-0123456789', 'Content-Type': 'application/json' })
            .end(
              JSON.stringify({ token: { user: { id: 'u1', name: 'admin' }, project, roles: [], catalog } }),
            );
        }
        hits++;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(pageHandler(hits));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = tmp();
    writeFileSync(
      join(dir, 'clouds.yaml'),
      `clouds:\n  fake:\n    auth:\n      auth_url: ${url}/v3\n      username: admin\n      password: pw-0123456789\n      project_name: admin\n      domain_name: Default\n`,
    );
    const session = await connect(
      { timeoutMs: 5000 },
      { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'fake' },
    );
    return {
      session,
      hits: () => hits,
      close: async () => {
        session.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  }
  const page = (id: string, marker: string) =>
    JSON.stringify({
      networks: [{ id }],
      networks_links: [{ rel: 'next', href: `/v2.0/networks?marker=${marker}` }],
    });

  test('a new marker on every page stops at the page limit', T, async () => {
    const c = await cloud((hit) => page(`n${hit}`, `m${hit}`));
    try {
      await assert.rejects(
        c.session.list('network', '/v2.0/networks', 'networks', { pageSize: 1 }),
        (e: unknown) => {
          assert.ok(e instanceof InputError);
          assert.match(e.message, /Neutron GET \/v2\.0\/networks: still a next page after 2000 pages/);
          return true;
        },
      );
      assert.equal(c.hits(), 2000);
    } finally {
      await c.close();
    }
  });

  test('a marker that keeps coming back is an error, not a silent partial list', T, async () => {
    const c = await cloud((hit) => page(`n${hit}`, hit % 2 ? 'a' : 'b'));
    try {
      // a and b alternate: each is followed three times (see the next test), the fourth is a loop.
      await assert.rejects(
        c.session.list('network', '/v2.0/networks', 'networks'),
        /Neutron GET \/v2\.0\/networks: page 7 links back/,
      );
      assert.equal(c.hits(), 7);
    } finally {
      await c.close();
    }
  });

  test(
    'a marker met again once (Nova: a server listed from the API database, then from its cell) is followed',
    T,
    async () => {
      // As the live Nova did while two servers were building: the page after "s1" ends on "s1" again.
      const answers = [
        page('s1', 's1'),
        page('s1', 's1'),
        page('s2', 's2'),
        JSON.stringify({ networks: [], networks_links: [] }),
      ];
      const c = await cloud((hit) => answers[hit - 1] ?? answers[3]!);
      try {
        const items = (await c.session.list('network', '/v2.0/networks', 'networks', {
          pageSize: 1,
        })) as Array<{
          id: string;
        }>;
        assert.deepEqual(
          items.map((i) => i.id),
          ['s1', 's2'],
        );
      } finally {
        await c.close();
      }
    },
  );
});
