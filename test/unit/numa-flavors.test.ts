// The flavors OSA creates (openstack_user_compute, src/osa/flavors.ts) and where a server of a
// NUMA-aware flavor can go on a host (src/deployment/numa-placement.ts), as SRIOV-NUMA-001 uses
// them. Expectations from OSA's openstack_resources tasks (compute.yml, compute_flavors.yml) and
// from Nova's numa_fit_instance_to_host / _filter_pools_for_numa_cells (docs/numa.md).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runChecks } from '../../src/checks/run.js';
import { readFactsPaths } from '../../src/cli/facts-input.js';
import { matchFacts } from '../../src/deployment/facts-match.js';
import { MAX_PLACEMENTS, numaFlavors, pageSizeKb, placements } from '../../src/deployment/numa-placement.js';
import type { NumaNode } from '../../src/facts/host-facts.js';
import { osaFlavors } from '../../src/osa/flavors.js';
import { loadDeployDir } from '../../src/osa/load.js';
import { buildModel } from '../../src/osa/model.js';
import { parseRelease } from '../../src/osa/releases.js';
import { FIXTURES } from '../helpers.js';

const BASE = join(FIXTURES, 'rules/_base');
const NUMA = join(FIXTURES, 'rules/SRIOV-NUMA-001');

function deployWith(userVariables: string, from = BASE): string {
  const dir = mkdtempSync(join(tmpdir(), 'osa-numa-'));
  cpSync(from, dir, { recursive: true });
  writeFileSync(join(dir, 'user_variables.yml'), userVariables);
  return dir;
}

function flavorsOf(dir: string, release = '2026.1') {
  const r = parseRelease(release)!;
  const model = buildModel(loadDeployDir(dir), r);
  return osaFlavors(model.deploy, model.inventory, r);
}

const AZ_EXAMPLE = `---
# The shape of openstack-ansible's etc/openstack_deploy/user_variables.yml.az.example
cpu_pinned_flavors:
  specs:
    - name: pinned.small
      vcpus: 2
      ram: 2048
    - name: pinned.medium
      vcpus: 4
      ram: 8192
      extra_specs:
        hw:numa_nodes: 2
    - name: pinned.gone
      vcpus: 4
      ram: 8192
      state: absent
  extra_specs:
    hw:cpu_policy: dedicated
    hw:vif_multiqueue_enabled: 'true'
    trait:CUSTOM_PINNED_CPU: required

cpu_shared_flavors:
  specs:
    - name: shared.small
      vcpus: 1
      ram: 1024

openstack_user_compute:
  flavors:
    - "{{ cpu_shared_flavors }}"
    - "{{ cpu_pinned_flavors }}"
`;

describe('OSA flavors (openstack_user_compute)', () => {
  test('groups written as "{{ var }}", extra_specs of the group unless the item has its own, state absent skipped', () => {
    const f = flavorsOf(deployWith(AZ_EXAMPLE))!;
    assert.equal(f.setupHost, 'infra1');
    assert.deepEqual(
      f.flavors.map((x) => [x.name, x.vcpus, x.ram, x.extraSpecs]),
      [
        ['shared.small', 1, 1024, {}],
        [
          'pinned.small',
          2,
          2048,
          {
            'hw:cpu_policy': 'dedicated',
            'hw:vif_multiqueue_enabled': 'true',
            'trait:CUSTOM_PINNED_CPU': 'required',
          },
        ],
        // compute_flavors.yml: item.extra_specs | default(flavor.extra_specs): replaced, not merged;
        // the YAML integer reaches Nova as the string "2".
        ['pinned.medium', 4, 8192, { 'hw:numa_nodes': '2' }],
      ],
    );
    // Where each flavor is written: the item in cpu_pinned_flavors.
    const small = f.flavors.find((x) => x.name === 'pinned.small')!;
    const lines = AZ_EXAMPLE.split('\n');
    assert.equal(lines[small.location!.line - 1], '    - name: pinned.small');
    // Its extra_specs are the group's: the first of them.
    assert.equal(lines[small.extraSpecsLocation!.line - 1], '    hw:cpu_policy: dedicated');
  });

  test('NUMA topology per flavor, as Nova reads the extra specs', () => {
    const n = numaFlavors(flavorsOf(deployWith(AZ_EXAMPLE)));
    assert.deepEqual(
      n.map((x) => [x.flavor.name, x.cells, x.policy]),
      [
        ['pinned.small', [{ vcpus: 2, ramMiB: 2048 }], { policy: 'legacy', source: 'default' }],
        // hw:numa_nodes alone gives a NUMA topology: two cells of 2 vCPUs and 4096 MiB.
        [
          'pinned.medium',
          [
            { vcpus: 2, ramMiB: 4096 },
            { vcpus: 2, ramMiB: 4096 },
          ],
          { policy: 'legacy', source: 'default' },
        ],
      ],
    );
  });

  test('before 2024.1 OSA creates no flavors; no variable, no flavors', () => {
    const dir = deployWith(AZ_EXAMPLE);
    assert.equal(flavorsOf(dir, '2023.2'), null);
    assert.notEqual(flavorsOf(dir, '2024.1'), null);
    assert.equal(flavorsOf(BASE), null);
  });
});

describe('where a NUMA-aware server can go', () => {
  test('too many node sets to enumerate: no answer rather than a partial one', () => {
    const nodes: NumaNode[] = Array.from({ length: 16 }, (_, id) => ({
      id,
      cpus: [id],
      socket: 0,
      hugepages: [],
    }));
    const flavor = (cells: number) =>
      numaFlavors({
        setupHost: 'x',
        unreadable: [],
        flavors: [
          {
            name: 'wide',
            vcpus: cells,
            ram: cells * 256,
            extraSpecs: { 'hw:numa_nodes': String(cells) },
            location: null,
            extraSpecsLocation: null,
          },
        ],
      })[0]!;
    assert.equal(placements(flavor(2), nodes)?.length, 16 * 15);
    // 16 * 15 * 14 * 13 = 43680 ordered sets of 4 nodes.
    assert.ok(16 * 15 * 14 * 13 > MAX_PLACEMENTS);
    assert.equal(placements(flavor(4), nodes), null);
  });

  test('hw:mem_page_size as Nova reads it (a bare number is KiB)', () => {
    assert.equal(pageSizeKb('2MB'), 2048);
    assert.equal(pageSizeKb('1GB'), 1048576);
    assert.equal(pageSizeKb('2048'), 2048);
    assert.equal(pageSizeKb('1GiB'), 1048576);
    assert.equal(pageSizeKb('large'), 'large');
    assert.equal(pageSizeKb('small'), null);
    assert.equal(pageSizeKb('any'), null);
  });

  test('a node is ruled out only by too few CPUs or huge pages of the size asked for', () => {
    const node = (id: number, cpus: number, pages2m: number | null): NumaNode => ({
      id,
      cpus: Array.from({ length: cpus }, (_, i) => id * 100 + i),
      socket: id,
      hugepages: [{ sizeKb: 2048, total: pages2m, free: pages2m }],
    });
    const [flavor] = numaFlavors({
      setupHost: 'x',
      unreadable: [],
      flavors: [
        {
          name: 'hp',
          vcpus: 4,
          ram: 1024,
          extraSpecs: { 'hw:mem_page_size': 'large', 'hw:numa_nodes': '2' },
          location: null,
          extraSpecsLocation: null,
        },
      ],
    });
    // Two cells of 2 vCPUs / 512 MiB: node 1 has 256 pages (512 MiB), node 2 too few pages,
    // node 3 one CPU, node 4 pages not readable (never a reason to rule it out).
    const nodes = [node(0, 4, 256), node(1, 2, 256), node(2, 8, 10), node(3, 1, 1000), node(4, 2, null)];
    assert.deepEqual(placements(flavor!, nodes), [
      [0, 1],
      [0, 4],
      [1, 0],
      [1, 4],
      [4, 0],
      [4, 1],
    ]);
  });
});

describe('SRIOV-NUMA-001 beyond its fixture', () => {
  const check = (dir: string, factsDir: string) => {
    const model = buildModel(loadDeployDir(dir), parseRelease('2026.1')!);
    return runChecks(model, matchFacts(model.inventory, readFactsPaths([factsDir])).byHost, {
      rules: ['SRIOV-NUMA-001'],
    }).findings;
  };
  const failVars = readFileSync(join(NUMA, 'fail/user_variables.yml'), 'utf8');

  test('hw:numa_nodes: 2 spans both nodes of these hosts, so a VF on node 1 is always local', () => {
    const vars = failVars.replace(
      '    - specs:\n        - name: shared.small',
      '    - specs:\n        - name: pinned.two\n          vcpus: 2\n          ram: 512\n      extra_specs:\n        hw:cpu_policy: dedicated\n        hw:numa_nodes: 2\n    - specs:\n        - name: shared.small',
    );
    assert.notEqual(vars, failVars);
    const got = check(deployWith(vars, join(NUMA, 'fail')), join(NUMA, 'fail-facts'));
    assert.deepEqual(
      got.map((f) => f.message.split(' ')[1]),
      ['pinned.small', 'pinned.hp'],
      'pinned.two is neither refused nor confined',
    );
  });

  test('required: VFs of unknown node are never local, so eth0 no longer saves pinned.hp', () => {
    const vars = failVars.replace(
      'hw:mem_page_size: 2MB',
      'hw:mem_page_size: 2MB\n    hw:pci_numa_affinity_policy: required',
    );
    // The pass deployment: eth0 (unknown node) and eth1 (node 1) in the device_spec.
    const dir = deployWith(vars, join(NUMA, 'pass'));
    const got = check(dir, join(NUMA, 'pass-facts'));
    assert.deepEqual(
      got.map((f) => [f.host ?? null, f.severity, f.message.split(' ')[1]]),
      [['compute1', 'warning', 'pinned.hp']],
    );
    assert.match(
      got[0]!.message,
      /the required PCI NUMA affinity policy \(the flavor's hw:pci_numa_affinity_policy\)/,
    );
    assert.match(
      got[0]!.message,
      /unknown node \(sysfs numa_node -1\): 2 free VF\(s\), node 1: 2 free VF\(s\)/,
    );
  });

  test('preferred: any VF will do, nothing to report', () => {
    const vars = failVars
      .replace(
        'hw:cpu_policy: dedicated\n',
        'hw:cpu_policy: dedicated\n        hw:pci_numa_affinity_policy: preferred\n',
      )
      .replace('hw:mem_page_size: 2MB', 'hw:mem_page_size: 2MB\n    hw:pci_numa_affinity_policy: preferred');
    const dir = deployWith(vars, join(NUMA, 'fail'));
    assert.deepEqual(
      numaFlavors(flavorsOf(dir)).map((f) => [f.flavor.name, f.policy.policy]),
      [
        ['pinned.small', 'preferred'],
        ['pinned.hp', 'preferred'],
      ],
    );
    assert.deepEqual(check(dir, join(NUMA, 'fail-facts')), []);
  });
});
