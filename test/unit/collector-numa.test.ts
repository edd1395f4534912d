// The collector's NUMA records on a fake sysfs (OSA_SRIOV_ROOT), under dash and busybox ash,
// and the HostFacts built from them: nodes, CPUs, sockets, huge pages, PF NUMA nodes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { factsFromSnapshot } from '../../src/facts/build.js';
import { HostFactsSchema } from '../../src/facts/host-facts.js';
import { parseCpuList } from '../../src/facts/numa.js';
import { assessReadiness } from '../../src/facts/readiness.js';
import { collectorPath } from '../../src/facts/run-collector.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { renderProbeText } from '../../src/report/facts-text.js';

function put(root: string, path: string, content: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/**
 * Two sockets, four nodes: node0 (CPUs 0-1, socket 0), node1 (CPUs 2-3, socket 1), node2 with
 * memory only, node3 whose CPUs sit on both sockets. A PF on node 1 and a PF whose numa_node
 * is -1 (no affinity known).
 */
function numaHost(): { root: string; bin: string } {
  const root = mkdtempSync(join(tmpdir(), 'osa-sriov-numa-'));
  const bin = mkdtempSync(join(tmpdir(), 'osa-sriov-numa-bin-'));
  const node = (n: number, cpulist: string, pages: Array<[number, number, number]>) => {
    const N = `/sys/devices/system/node/node${n}`;
    put(root, `${N}/cpulist`, `${cpulist}\n`);
    for (const [size, nr, free] of pages) {
      put(root, `${N}/hugepages/hugepages-${size}kB/nr_hugepages`, `${nr}\n`);
      put(root, `${N}/hugepages/hugepages-${size}kB/free_hugepages`, `${free}\n`);
    }
  };
  node(0, '0-1', [
    [2048, 512, 500],
    [1048576, 4, 0],
  ]);
  node(1, '2-3', [[2048, 256, 256]]);
  node(2, '', []);
  node(3, '4,6', []);
  // Not NUMA nodes: the collector lists only nodeN directories.
  put(root, '/sys/devices/system/node/possible', '0-3\n');
  mkdirSync(join(root, '/sys/devices/system/node/power'), { recursive: true });
  const sockets: Record<number, number> = { 0: 0, 1: 0, 2: 1, 3: 1, 4: 1, 6: 0 };
  for (const [cpu, s] of Object.entries(sockets)) {
    put(root, `/sys/devices/system/cpu/cpu${cpu}/topology/physical_package_id`, `${s}\n`);
  }
  // An offline CPU has no topology directory; cpufreq is not a CPU.
  mkdirSync(join(root, '/sys/devices/system/cpu/cpu7'), { recursive: true });
  mkdirSync(join(root, '/sys/devices/system/cpu/cpufreq'), { recursive: true });

  for (const [addr, numa, netdev] of [
    ['0000:81:00.0', '1', 'ens2f0'],
    ['0000:3b:00.0', '-1', 'ens1f0'],
  ] as const) {
    const P = `/sys/bus/pci/devices/${addr}`;
    for (const [k, v] of Object.entries({
      class: '0x020000',
      vendor: '0x8086',
      device: '0x1572',
      numa_node: numa,
      sriov_totalvfs: '8',
      sriov_numvfs: '0',
    })) {
      put(root, `${P}/${k}`, `${v}\n`);
    }
    mkdirSync(join(root, `${P}/net/${netdev}`), { recursive: true });
    symlinkSync('../../../bus/pci/drivers/i40e', join(root, `${P}/driver`));
  }
  for (const tool of ['ip', 'ethtool', 'lspci']) {
    writeFileSync(join(bin, tool), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, tool), 0o755);
  }
  return { root, bin };
}

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

for (const [label, shell] of [
  ['dash', ['dash']],
  ['busybox ash', ['busybox', 'sh']],
] as const) {
  const missing = !have(shell[0]);
  if (missing && process.env.CI) throw new Error(`CI must have ${shell[0]} for the collector tests`);
  describe(`collect.sh NUMA records under ${label}`, {
    skip: missing ? `${shell[0]} is not installed` : false,
  }, () => {
    const { root, bin } = numaHost();
    const r = spawnSync(shell[0], [...shell.slice(1), collectorPath()], {
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        OSA_SRIOV_ROOT: root,
        OSA_SRIOV_TIMEOUT: '5',
      },
      encoding: 'buffer',
      timeout: 300_000, // a hang is still caught; a loaded machine is not cut short
    });
    const raw = r.stdout.toString('latin1');

    test('the records: nodes, cpulists, huge pages, CPU packages', () => {
      assert.equal(r.status, 0, r.stderr.toString());
      const lines = raw.split('\n');
      for (const want of [
        'n /sys/devices/system/node node0',
        'n /sys/devices/system/node node3',
        'v /sys/devices/system/node present',
        'v /sys/devices/system/node/node1/cpulist 2-3',
        'v /sys/devices/system/node/node2/cpulist ',
        'n /sys/devices/system/node/node0/hugepages hugepages-1048576kB',
        'v /sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages 500',
        'v /sys/devices/system/cpu/cpu6/topology/physical_package_id 0',
      ]) {
        assert.ok(lines.includes(want), `missing record: ${want}`);
      }
      assert.ok(
        !raw.includes('node/possible') && !raw.includes(' power'),
        'only nodeN directories are nodes',
      );
      assert.ok(!raw.includes('cpu7') && !raw.includes('cpufreq'), 'only CPUs with a topology are read');
    });

    test('HostFacts: the nodes field by field, and the PFs keep their numa_node', () => {
      const facts = factsFromSnapshot(parseSnapshot(r.stdout));
      assert.deepEqual(HostFactsSchema.parse(facts), facts);
      assert.deepEqual(facts.numa, {
        nodes: [
          {
            id: 0,
            cpus: [0, 1],
            socket: 0,
            hugepages: [
              { sizeKb: 2048, total: 512, free: 500 },
              { sizeKb: 1048576, total: 4, free: 0 },
            ],
          },
          { id: 1, cpus: [2, 3], socket: 1, hugepages: [{ sizeKb: 2048, total: 256, free: 256 }] },
          // Memory only: no CPUs, so no socket.
          { id: 2, cpus: [], socket: null, hugepages: [] },
          // CPUs on two sockets: the node has none.
          { id: 3, cpus: [4, 6], socket: null, hugepages: [] },
        ],
      });
      const byAddr = new Map(facts.pfs.map((p) => [p.pciAddress, p.numaNode]));
      assert.equal(byAddr.get('0000:81:00.0'), 1);
      // -1 is the kernel's "no affinity", kept as it is (docs/host-facts.md).
      assert.equal(byAddr.get('0000:3b:00.0'), -1);
    });
  });
}

describe('NUMA facts from snapshots', () => {
  test('an older snapshot without the records gives numa: null', () => {
    const facts = factsFromSnapshot(
      parseSnapshot('osa-sriov-snapshot 1\nv meta.collector collect.sh 2\nv host.hostname old\nend\n'),
    );
    assert.equal(facts.numa, null);
    assert.deepEqual(HostFactsSchema.parse(facts), facts);
  });

  test('a kernel without NUMA (no node directory) gives numa: null', () => {
    const facts = factsFromSnapshot(parseSnapshot('osa-sriov-snapshot 1\nm /sys/devices/system/node\nend\n'));
    assert.equal(facts.numa, null);
  });

  test('an unreadable cpulist or page count is null, not guessed', () => {
    const snap = parseSnapshot(
      [
        'osa-sriov-snapshot 1',
        'n /sys/devices/system/node node0',
        'v /sys/devices/system/node present',
        'b /sys/devices/system/node/node0/cpulist timeout',
        'n /sys/devices/system/node/node0/hugepages hugepages-2048kB',
        'v /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages 16',
        'b /sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages timeout',
        'end',
        '',
      ].join('\n'),
    );
    assert.deepEqual(factsFromSnapshot(snap).numa, {
      nodes: [{ id: 0, cpus: null, socket: null, hugepages: [{ sizeKb: 2048, total: 16, free: null }] }],
    });
  });

  test('a HostFacts document without numa (older JSON) validates with numa: null', () => {
    const facts = factsFromSnapshot(parseSnapshot('osa-sriov-snapshot 1\nend\n'));
    const { numa: _dropped, ...older } = facts;
    assert.equal(HostFactsSchema.parse(older).numa, null);
  });

  test('kernel CPU lists', () => {
    assert.deepEqual(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
    assert.deepEqual(parseCpuList(''), []);
    assert.equal(parseCpuList('3-1'), null);
    assert.equal(parseCpuList('0-999999999'), null);
    assert.equal(parseCpuList('a,b'), null);
  });
});

describe('probe text report', () => {
  test('one line per NUMA node: CPUs as ranges, socket, huge pages free/total', () => {
    const snap = parseSnapshot(
      [
        'osa-sriov-snapshot 1',
        'n /sys/devices/system/node node0',
        'n /sys/devices/system/node node1',
        'v /sys/devices/system/node present',
        'v /sys/devices/system/node/node0/cpulist 0-3,8',
        'v /sys/devices/system/node/node1/cpulist ',
        'n /sys/devices/system/node/node0/hugepages hugepages-2048kB',
        'v /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages 512',
        'v /sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages 500',
        ...[0, 1, 2, 3, 8].map((c) => `v /sys/devices/system/cpu/cpu${c}/topology/physical_package_id 1`),
        'end',
        '',
      ].join('\n'),
    );
    const facts = factsFromSnapshot(snap);
    const text = renderProbeText(facts, assessReadiness(facts));
    const lines = text.split('\n');
    assert.ok(lines.includes('  node 0: CPUs 0-3,8; socket 1; huge pages 2048kB 500/512 free'), text);
    assert.ok(lines.includes('  node 1: CPUs none; socket -; huge pages none'), text);
  });

  test('no NUMA section without NUMA facts', () => {
    const facts = factsFromSnapshot(parseSnapshot('osa-sriov-snapshot 1\nend\n'));
    assert.doesNotMatch(renderProbeText(facts, assessReadiness(facts)), /NUMA nodes/);
  });
});
