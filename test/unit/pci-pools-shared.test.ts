// One answer to "which devices nova-compute tracks on a host and the PCI pools it reports"
// (src/deployment/pci-pools.ts), read by SRIOV-NUMA-001, capacity, fit and doctor's NUMA
// explanation. Expectations from Nova (nova/pci/stats.py _create_pool_keys_from_dev, Zed and
// later): a pool is keyed by product_id, vendor_id, numa_node, dev_type, the spec's tags, the
// parent PF's address (`address`), parent_ifname when libvirt reports one (a VF with a netdev:
// its PF's netdev), and remote_managed "false" for PF/VF pools without the tag.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { deploymentWithFacts, devspecOffers } from '../../src/cloud/capacity.js';
import { hostPci } from '../../src/cloud/fit.js';
import { poolsOf, trackedFromMappings, trackedOnHost } from '../../src/deployment/pci-pools.js';
import { readHostFacts } from '../../src/facts/load.js';
import { loadModel } from '../../src/osa/model.js';
import { parseRelease } from '../../src/osa/releases.js';
import { FIXTURES } from '../helpers.js';

const FIT = join(FIXTURES, 'fit');
const facts = readHostFacts(readFileSync(join(FIT, 'facts/compute2.json')));
const model = loadModel(join(FIT, 'deploy'), parseRelease('2026.1')!);
const ctx = deploymentWithFacts(model, new Map([['compute2', facts]]), []);

// compute2: eth0 (0000:01:00.0, node 0) VF 0, 1 on vfio-pci (no netdev), VF 2 on igbvf; eth1
// (0000:02:00.0, node 1) VF 0 on vfio-pci, VF 1 on igbvf; both PFs' VFs tagged physnet1.
const pool = (address: string, numa: number, count: number, parentIfname?: string) => ({
  product_id: '10ca',
  vendor_id: '8086',
  numa_node: numa,
  dev_type: 'type-VF',
  physical_network: 'physnet1',
  address,
  ...(parentIfname ? { parent_ifname: parentIfname } : {}),
  remote_managed: 'false',
  count,
});
const EXPECTED = [
  pool('0000:01:00.0', 0, 2),
  pool('0000:02:00.0', 1, 1),
  pool('0000:01:00.0', 0, 1, 'eth0'),
  pool('0000:02:00.0', 1, 1, 'eth1'),
];
const sortPools = (ps: readonly Record<string, unknown>[]) => [...ps].map((p) => JSON.stringify(p)).sort();

describe('the PCI pools of a host, one implementation', () => {
  test("Nova's pools for compute2's device_spec: split by parent PF and parent_ifname", () => {
    const pools = poolsOf(trackedOnHost(ctx.host('compute2')!)!);
    assert.deepEqual(sortPools(pools), sortPools(EXPECTED));
  });

  test('fit and capacity --flavor (hostPci, nothing in use) hold the same pools as SRIOV-NUMA-001', () => {
    const [offer] = devspecOffers(ctx, []).filter((o) => o.host === 'compute2');
    const pci = hostPci(offer!, new Set());
    assert.deepEqual(sortPools(pci!.pools), sortPools(EXPECTED));
  });

  test('fit without a deployment: the agent mappings give the same VF pools', () => {
    const missing: string[] = [];
    const pools = poolsOf(
      trackedFromMappings(facts, { physnet1: ['eth0', 'eth1'], physnet2: ['ens9'] }, (n, d) =>
        missing.push(`${n}:${d}`),
      ),
    );
    assert.deepEqual(sortPools(pools), sortPools(EXPECTED));
    assert.deepEqual(missing, ['physnet2:ens9']);
  });

  test('a VF in use leaves its pool, and its PF is no longer free (Nova tracks the dependants)', () => {
    const [offer] = devspecOffers(ctx, []).filter((o) => o.host === 'compute2');
    const pci = hostPci(offer!, new Set(['0000:01:10.4']));
    assert.deepEqual(
      sortPools(pci!.pools),
      sortPools([pool('0000:01:00.0', 0, 2), pool('0000:02:00.0', 1, 1), pool('0000:02:00.0', 1, 1, 'eth1')]),
    );
  });
});
