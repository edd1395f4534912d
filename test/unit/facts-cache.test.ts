// The facts cache of `check` (src/cli/facts-cache.ts, docs/check.md "Facts cache"): on a fleet
// of 40 hosts of collector-written snapshots with varied configurations and findings, the
// report (text and JSON, stdout, stderr and exit status) is byte-identical without the cache,
// with an empty cache and with a warm one, and after a snapshot changes; a corrupt, truncated,
// foreign or unwritable cache is ignored and rebuilt, never trusted; a corrupt snapshot still
// exits 2 with its file and line.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  collectorSnapshot,
  fleetDeploy,
  hostSnapshot,
  type SnapshotPart,
  snapshotParts,
} from '../../scripts/bench-fleet.js';
import { DirFactsCache, factsCacheDir } from '../../src/cli/facts-cache.js';
import { ParsePool, workerCount } from '../../src/cli/facts-pool.js';
import { decodeFacts, encodeFacts } from '../../src/facts/facts-codec.js';
import { readHostFacts } from '../../src/facts/load.js';
import { type CliResult, withEnv } from '../cli-helpers.js';
import { FIXTURES } from '../helpers.js';

const N = 40;
let root: string;
let deploy: string;
let facts: string;
let parts: SnapshotPart[];

/** Host I's snapshot: the collector's bench host with per-host changes that give findings. */
function computeSnapshot(i: number): string {
  let text = hostSnapshot(parts, `compute${i}`, i);
  // No IOMMU on the kernel command line (SRIOV-HOST-IOMMU), another deployed device_spec (drift).
  if (i % 7 === 2) text = text.replace(/^v kernel\.cmdline .*$/m, 'v kernel.cmdline quiet');
  if (i % 9 === 4)
    text = text.replace(
      'v /sys/bus/pci/devices/0000:3c:00.0/sriov_numvfs 64',
      'v /sys/bus/pci/devices/0000:3c:00.0/sriov_numvfs 8',
    );
  return text;
}

/** A small real host (the SR-IOV VM's igb NICs) under another name. */
function igbSnapshot(file: string, name: string): string {
  return readFileSync(join(FIXTURES, 'snapshots', file), 'latin1').replace(
    /^v host\.hostname .*$/m,
    `v host.hostname ${name}`,
  );
}

function writeHost(i: number, text: string) {
  writeFileSync(join(facts, `compute${i}.snapshot`), text, 'latin1');
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'osa-sriov-fleet-'));
  parts = snapshotParts(collectorSnapshot());
  deploy = fleetDeploy(N);
  // Per-host device specs: by devname on the igb hosts, one Nova refuses on compute5.
  const hv = join(deploy, 'host_vars');
  mkdirSync(hv);
  for (let i = 30; i < 36; i++)
    writeFileSync(
      join(hv, `compute${i}.yml`),
      'nova_device_spec:\n  - devname: eth0\n    physical_network: physnet1\n',
    );
  writeFileSync(
    join(hv, 'compute5.yml'),
    'nova_device_spec:\n  - address: "0000:3b:00.9"\n    physical_network: physnet1\n',
  );
  facts = join(root, 'facts');
  mkdirSync(facts);
  for (let i = 0; i < 30; i++) writeHost(i, computeSnapshot(i));
  for (let i = 30; i < 35; i++) writeHost(i, igbSnapshot('igb-3nic.dash.snapshot', `compute${i}`));
  for (let i = 35; i < 38; i++) writeHost(i, igbSnapshot('igb-1nic-noiommu.dash.snapshot', `compute${i}`));
  // compute38 and compute39 have no facts; a file for no inventory host is warned about.
  writeFileSync(join(facts, 'stranger.snapshot'), computeSnapshot(77).replaceAll('compute77', 'stranger'));
});

after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(deploy, { recursive: true, force: true });
});

/** A run without cache (null), or with the cache in CACHEHOME, its new files parsed by WORKERS threads. */
function check(
  cacheHome: string | null,
  format: 'text' | 'json',
  extra: string[] = [],
  workers = 0,
): CliResult {
  const env: NodeJS.ProcessEnv =
    cacheHome === null
      ? { OSA_SRIOV_FACTS_CACHE: 'off' }
      : { XDG_CACHE_HOME: cacheHome, OSA_SRIOV_FACTS_WORKERS: String(workers) };
  return withEnv(env, 'check', deploy, '--facts', facts, '--format', format, ...extra);
}

function cacheFiles(cacheHome: string): string[] {
  try {
    return readdirSync(join(cacheHome, 'osa-sriov')).map((f) => join(cacheHome, 'osa-sriov', f));
  } catch {
    return [];
  }
}

const newCacheHome = () => mkdtempSync(join(root, 'cache-'));

describe('facts cache: the same report with and without it', () => {
  test('plain, cold and warm runs give byte-identical text and JSON reports', () => {
    for (const format of ['text', 'json'] as const) {
      const plain = check(null, format);
      assert.equal(plain.status, 1, plain.stderr);
      const home = newCacheHome();
      const cold = check(home, format);
      const files = cacheFiles(home);
      assert.equal(files.length, 1, 'one cache for the one facts directory');
      const written = statSync(files[0]!).mtimeMs;
      const warm = check(home, format);
      assert.deepEqual(cold, plain);
      assert.deepEqual(warm, plain);
      assert.equal(statSync(files[0]!).mtimeMs, written, 'an unchanged cache is not rewritten');
      // The cold path in parse workers (src/cli/facts-pool.ts), then warm from the cache they filled.
      const home2 = newCacheHome();
      assert.deepEqual(check(home2, format, [], 3), plain);
      assert.deepEqual(check(home2, format, [], 3), plain);
      assert.equal(
        readFileSync(cacheFiles(home2)[0]!).equals(readFileSync(files[0]!)),
        true,
        'the same cache',
      );
    }
    // The fleet has varied findings: errors, warnings, per host and merged across hosts.
    const json = JSON.parse(check(null, 'json').stdout) as {
      findings: Array<{ ruleId: string; host?: string }>;
    };
    const rules = new Set(json.findings.map((f) => f.ruleId));
    assert.ok(rules.size >= 8, [...rules].join(' '));
    assert.ok(json.findings.some((f) => f.host === 'compute5'));
    assert.match(check(null, 'text').stderr, /stranger\.snapshot: no inventory host named stranger/);
  });

  test('a changed snapshot is parsed again: its new facts are reported, the others come from the cache', () => {
    const home = newCacheHome();
    check(home, 'json');
    const original = readFileSync(join(facts, 'compute3.snapshot'));
    try {
      const before = check(null, 'json').stdout;
      // Another host name (SRIOV-FACTS-001) and a PF with 8 VFs instead of 64.
      writeHost(
        3,
        computeSnapshot(3)
          .replace('v host.hostname compute3', 'v host.hostname compute3-old')
          .replace(
            'v /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs 64',
            'v /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs 8',
          ),
      );
      const parsed: string[] = [];
      const cache = new DirFactsCache(join(home, 'osa-sriov'), facts);
      for (const n of readdirSync(facts).sort())
        cache.read(n, () => {
          parsed.push(n);
          return readHostFacts(readFileSync(join(facts, n)));
        });
      assert.deepEqual(parsed, ['compute3.snapshot'], 'only the changed file is parsed');
      assert.equal(cache.hits, 38);
      const plain = check(null, 'json');
      assert.notEqual(plain.stdout, before, 'the change shows in the report');
      assert.match(plain.stdout, /compute3-old/);
      assert.deepEqual(check(home, 'json'), plain);
    } finally {
      writeFileSync(join(facts, 'compute3.snapshot'), original);
    }
  });

  test('--no-facts-cache and OSA_SRIOV_FACTS_CACHE=off write no cache', () => {
    const home = newCacheHome();
    withEnv({ XDG_CACHE_HOME: home }, 'check', deploy, '--facts', facts, '--no-facts-cache');
    withEnv({ XDG_CACHE_HOME: home, OSA_SRIOV_FACTS_CACHE: 'off' }, 'check', deploy, '--facts', facts);
    assert.deepEqual(cacheFiles(home), []);
    assert.equal(factsCacheDir({ HOME: '/home/op' }), '/home/op/.cache/osa-sriov');
    assert.equal(factsCacheDir({ HOME: '/home/op', XDG_CACHE_HOME: '/c' }), '/c/osa-sriov');
    assert.equal(
      factsCacheDir({ HOME: '/home/op', XDG_CACHE_HOME: 'relative' }),
      '/home/op/.cache/osa-sriov',
    );
    assert.equal(factsCacheDir({}), null);
    assert.equal(factsCacheDir({ HOME: '/home/op' }, false), null);
  });
});

describe('facts cache: never trusted', () => {
  /** A warm cache, damaged by `damage`, then a run that must match the plain one and rebuild it. */
  function survives(damage: (file: string) => void) {
    const home = newCacheHome();
    const plain = check(null, 'json');
    check(home, 'json');
    const [file] = cacheFiles(home);
    damage(file!);
    assert.deepEqual(check(home, 'json'), plain);
    const cache = new DirFactsCache(join(home, 'osa-sriov'), facts);
    for (const n of readdirSync(facts).sort())
      cache.read(n, () => readHostFacts(readFileSync(join(facts, n))));
    assert.equal(cache.hits, 39, 'the cache was rebuilt');
  }

  test('a changed byte in an entry: the digest differs, the cache is ignored', () => {
    survives((file) => {
      const b = readFileSync(file);
      const at = b.indexOf('"0000:3b:02.0"', b.indexOf(10)) + 10;
      b[at] = '7'.charCodeAt(0);
      writeFileSync(file, b);
    });
  });

  test('a truncated cache', () => {
    survives((file) => writeFileSync(file, readFileSync(file).subarray(0, 5000)));
  });

  test('a cache with text after it', () => {
    survives((file) => appendFileSync(file, '\n["compute0.snapshot","1:2:3:4:5"]\t{}'));
  });

  test('garbage, an empty file, a directory in its place', () => {
    survives((file) => writeFileSync(file, 'not a cache\n\u0000\u0001'));
    survives((file) => writeFileSync(file, ''));
  });

  test('a directory where the cache file would be: read nothing, write nothing, same report', () => {
    const home = newCacheHome();
    mkdirSync(join(home, 'osa-sriov'));
    const plain = check(null, 'json');
    check(home, 'json');
    const [file] = cacheFiles(home);
    rmSync(file!);
    mkdirSync(file!);
    assert.deepEqual(check(home, 'json'), plain);
    assert.ok(statSync(file!).isDirectory());
  });

  test('a cache of another build, format, directory or VF layout, with a valid digest', () => {
    for (const [key, value] of [
      ['stamp', '0.0.0+0000000000000000'],
      ['format', 'osa-sriov/facts-cache@0'],
      ['dir', '/elsewhere'],
      ['vfKeys', 'index,pciAddress'],
    ] as const) {
      survives((file) => {
        const b = readFileSync(file);
        const nl = b.indexOf(10);
        const header = JSON.parse(b.toString('utf8', 0, nl)) as Record<string, unknown>;
        header[key] = value;
        writeFileSync(file, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), b.subarray(nl + 1)]));
      });
    }
  });

  test("a cache others can write, or another user's, is neither read nor written", () => {
    // A shared XDG_CACHE_HOME, `sudo -E`: such a cache could hold facts this user never parsed.
    const home = newCacheHome();
    const plain = check(null, 'json');
    check(home, 'json');
    const dir = join(home, 'osa-sriov');
    const [file] = cacheFiles(home).filter((f) => f.endsWith('.facts'));
    const hits = () => {
      const cache = new DirFactsCache(dir, facts);
      for (const n of readdirSync(facts).sort())
        cache.read(n, () => readHostFacts(readFileSync(join(facts, n))));
      return cache.hits;
    };
    assert.equal(hits(), 39, 'ours: read');
    const unchanged = (why: string) => {
      const before = statSync(file!);
      assert.deepEqual(check(home, 'json'), plain, why);
      assert.equal(hits(), 0, why);
      const after = statSync(file!);
      assert.equal(after.ino, before.ino, `${why}: not written`);
      assert.equal(after.mtimeMs, before.mtimeMs, `${why}: not written`);
    };
    chmodSync(dir, 0o777);
    unchanged('a directory others can write');
    chmodSync(dir, 0o700);
    chmodSync(file!, 0o620);
    assert.equal(hits(), 0, 'a file its group can write');
    chmodSync(file!, 0o600);
    assert.equal(hits(), 39);
    if (process.getuid?.() === 0) {
      chownSync(dir, 65534, 65534);
      unchanged("another user's directory");
      chownSync(dir, 0, 0);
      chownSync(file!, 65534, 65534);
      assert.equal(hits(), 0, "another user's file");
    }
  });

  test("a killed run's temporary file is removed by the next write; a live run's is kept", () => {
    const home = newCacheHome();
    assert.equal(check(home, 'json').status, 1);
    const [cacheFile] = cacheFiles(home).filter((f) => f.endsWith('.facts'));
    assert.ok(cacheFile);
    // A pid that is not running: one above the kernel's highest.
    const dead = `${cacheFile}.4194305.tmp`;
    const live = `${cacheFile}.${process.ppid}.tmp`;
    writeFileSync(dead, 'partial');
    writeFileSync(live, 'partial');
    rmSync(cacheFile);
    assert.equal(check(home, 'json').status, 1);
    assert.ok(!existsSync(dead), "the dead run's file is gone");
    assert.ok(existsSync(live), "a live run's file is kept");
    assert.ok(existsSync(cacheFile), 'the cache is written again');
  });

  test('an unwritable cache directory is no error', () => {
    const home = newCacheHome();
    writeFileSync(join(home, 'osa-sriov'), 'a file where the cache directory would be');
    assert.deepEqual(check(home, 'json'), check(null, 'json'));
    const ro = newCacheHome();
    mkdirSync(join(ro, 'osa-sriov'));
    chmodSync(join(ro, 'osa-sriov'), 0o500);
    try {
      assert.deepEqual(check(ro, 'text'), check(null, 'text'));
    } finally {
      chmodSync(join(ro, 'osa-sriov'), 0o700);
    }
  });

  test('a snapshot corrupted after it was cached exits 2 with its file and line', () => {
    const home = newCacheHome();
    check(home, 'json');
    const file = join(facts, 'compute7.snapshot');
    const original = readFileSync(file);
    try {
      const lines = original.toString('latin1').split('\n');
      lines[10] = 'q what is this';
      writeFileSync(file, lines.join('\n'), 'latin1');
      for (const r of [check(home, 'text'), check(null, 'text'), check(newCacheHome(), 'text', [], 2)]) {
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /compute7\.snapshot:11\b/);
        assert.match(r.stderr, /unrecognised record "q what is this"/);
        assert.doesNotMatch(r.stderr, /^\s+at /m);
      }
    } finally {
      writeFileSync(file, original);
    }
  });
});

describe('parse workers', () => {
  test('each file comes back as the encoded facts of a plain parse; a file that fails, as null', () => {
    const files = ['compute1.snapshot', 'compute31.snapshot', 'compute36.snapshot', 'compute2.snapshot'].map(
      (n) => join(facts, n),
    );
    const bad = join(root, 'bad.snapshot');
    writeFileSync(bad, 'osa-sriov-snapshot 1\nq what is this\n');
    // Two workers take every file from the queue (the main thread takes none here).
    const pool = new ParsePool([...files, bad, join(root, 'missing.snapshot')], 2);
    for (const i of [0, 1, 2, 3]) {
      const line = pool.line(i);
      assert.ok(line !== null, files[i]);
      assert.equal(line.toString('utf8'), encodeFacts(readHostFacts(readFileSync(files[i]!))));
    }
    assert.equal(pool.line(4), null, 'a file that fails');
    assert.equal(pool.line(5), null, 'a missing file');
  });

  test('the main thread and the workers share one queue: each file is taken once', () => {
    const files = Array.from({ length: 40 }, (_, i) => join(facts, `compute${(i % 4) + 1}.snapshot`));
    const pool = new ParsePool(files, 1);
    const taken: number[] = [];
    pool.parseOwn((i) => {
      taken.push(i);
      return readHostFacts(readFileSync(files[i]!));
    });
    for (let i = 0; i < files.length; i++) {
      const own = pool.ownFacts(i);
      const line = pool.line(i);
      assert.ok((own === undefined) !== (line === null), `file ${i}: taken by exactly one thread`);
      const facts = own ?? decodeFacts(line!.toString('utf8'));
      assert.equal(JSON.stringify(facts), JSON.stringify(readHostFacts(readFileSync(files[i]!))));
    }
    assert.deepEqual(
      taken,
      [...taken].sort((a, b) => a - b),
      'taken in queue order',
    );
  });

  test('how many workers: $OSA_SRIOV_FACTS_WORKERS, else one per core but one from 64 new files', () => {
    assert.equal(workerCount(1000, { OSA_SRIOV_FACTS_WORKERS: '3' }), 3);
    assert.equal(workerCount(2, { OSA_SRIOV_FACTS_WORKERS: '3' }), 2);
    assert.equal(workerCount(1000, { OSA_SRIOV_FACTS_WORKERS: '0' }), 0);
    assert.equal(workerCount(63, {}), 0);
    assert.equal(workerCount(1000, {}), Math.max(1, Math.min(availableParallelism() - 1, 7)));
  });
});

describe('facts codec', () => {
  test('decode(encode(facts)) gives the same facts, key order included', () => {
    for (const text of [computeSnapshot(1), igbSnapshot('igb-3nic.dash.snapshot', 'x')]) {
      const f = readHostFacts(Buffer.from(text, 'latin1'));
      assert.equal(JSON.stringify(decodeFacts(encodeFacts(f))), JSON.stringify(f));
    }
  });

  test('a line that is not encoded facts is refused', () => {
    for (const line of ['[]', 'null', '{"pfs":[{"vfs":[[1,2]]}]}', '{"pfs":[{}]}', '{']) {
      assert.throws(() => decodeFacts(line));
    }
  });
});
