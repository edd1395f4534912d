// test/fixtures/numa/nova_numa_constraints.json: Nova's own numa_get_constraints and
// get_pci_numa_policy_constraint (Zed) on flavor × image combinations (README beside it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NovaNumaError, pciNumaPolicy, serverNumaTopology } from '../../src/openstack/nova-numa-request.js';
import { REPO } from '../helpers.js';

interface Outcome<T> {
  value: T | null;
  error: { class: string; message: string } | null;
}
interface V {
  id: string;
  flavor_extra_specs: Record<string, string>;
  image_properties: Record<string, unknown>;
  numa_topology: Outcome<{ cells: number }>;
  pci_numa_policy: Outcome<string>;
}

function run<T>(fn: () => T): Outcome<T> {
  try {
    return { value: fn(), error: null };
  } catch (e) {
    if (!(e instanceof NovaNumaError)) throw e;
    return { value: null, error: { class: e.pyClass, message: e.message } };
  }
}

const file = join(REPO, 'test/fixtures/numa/nova_numa_constraints.json');
const all = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: V[] }).vectors;

describe('Nova numa_get_constraints and get_pci_numa_policy_constraint (Zed)', () => {
  test('the vectors are there', () => assert.ok(all.length >= 140));
  for (const v of all) {
    test(`${v.id} ${JSON.stringify(v.flavor_extra_specs)} ${JSON.stringify(v.image_properties)}`, () => {
      const flavor = { vcpus: 2, extraSpecs: v.flavor_extra_specs };
      const topo = run(() => serverNumaTopology(flavor, v.image_properties));
      assert.deepEqual(
        { value: topo.value && { cells: topo.value.cells }, error: topo.error },
        v.numa_topology,
      );
      const policy = run(() => pciNumaPolicy(flavor, v.image_properties));
      // Nova returns None when neither asks; the request then carries no policy: legacy.
      const expected = v.pci_numa_policy.error
        ? v.pci_numa_policy
        : { value: v.pci_numa_policy.value ?? 'legacy', error: null };
      assert.deepEqual({ value: policy.value?.policy ?? null, error: policy.error }, expected);
    });
  }
});

describe('where the policy and the topology come from', () => {
  test('the port policy wins over the flavor and image (create_resource_requests)', () => {
    const flavor = { vcpus: 2, extraSpecs: { 'hw:pci_numa_affinity_policy': 'required' } };
    assert.deepEqual(pciNumaPolicy(flavor, {}, 'preferred'), { policy: 'preferred', source: 'port' });
    assert.deepEqual(pciNumaPolicy(flavor, {}), { policy: 'required', source: 'flavor' });
    assert.deepEqual(pciNumaPolicy({ vcpus: 2, extraSpecs: {} }, { hw_pci_numa_affinity_policy: 'socket' }), {
      policy: 'socket',
      source: 'image',
    });
    assert.deepEqual(pciNumaPolicy({ vcpus: 2, extraSpecs: {} }), { policy: 'legacy', source: 'default' });
  });
  test('the reasons name the property that gave the NUMA topology', () => {
    assert.deepEqual(
      serverNumaTopology({ vcpus: 2, extraSpecs: { 'hw:cpu_policy': 'dedicated' } })?.because,
      ['hw:cpu_policy=dedicated (flavor)'],
    );
    assert.deepEqual(
      serverNumaTopology({ vcpus: 2, extraSpecs: {} }, { hw_cpu_policy: 'dedicated' })?.because,
      ['hw_cpu_policy=dedicated (image)'],
    );
    assert.equal(serverNumaTopology({ vcpus: 2, extraSpecs: { 'hw:cpu_policy': 'shared' } }), null);
  });
});
