// One facts-based answer to "is this VF in use by a guest" (guestHold, src/openstack/neutron-eswitch.ts),
// and fit offline, the HTML report's per-physnet counts and probe's readiness all giving it.
// Expectations from upstream, not from our output: Neutron's SR-IOV agent (eswitch_manager
// get_assigned_devices_info) reports a VF under an upper_macvtap* device, or one whose netdev is gone
// (is_assigned_vf_direct; a guest's direct port is on vfio-pci), and Neutron finds the port by the
// MAC (a Neutron port MAC: fa:16:3e, the default base_mac). Nova's macvtap unplug keeps the port's
// MAC on the VF ("The ip utility doesn't accept the MAC 00:00:00:00:00:00"), so a freed macvtap VF
// keeps fa:16:3e on its own driver: the MAC alone is no proof.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { deploymentWithFacts } from '../../src/cloud/capacity.js';
import { usedFromFacts } from '../../src/cloud/fit.js';
import { vfUsage } from '../../src/deployment/vf-usage.js';
import type { HostFacts } from '../../src/facts/host-facts.js';
import { readHostFacts } from '../../src/facts/load.js';
import { assessReadiness } from '../../src/facts/readiness.js';
import { guestHold, isMacvtapUpper } from '../../src/openstack/neutron-eswitch.js';
import { loadModel } from '../../src/osa/model.js';
import { parseRelease } from '../../src/osa/releases.js';
import { FIXTURES } from '../helpers.js';

const FIT = join(FIXTURES, 'fit');
const raw = () => JSON.parse(readFileSync(join(FIT, 'facts/compute2.json'), 'utf8'));

/**
 * compute2 (test/fixtures/fit: eth0 VF 0 and 1 and eth1 VF 0 on vfio-pci with a port MAC, the
 * others on igbvf) with three VFs changed into the cases the old answers disagreed on.
 */
function mixedFacts(): HostFacts {
  const f = raw();
  const [eth0, eth1] = f.pfs;
  // Freed macvtap VF: back on igbvf with its netdev, the port's MAC left behind by Nova's unplug.
  Object.assign(eth0.vfs[1], { driver: 'igbvf', netdev: 'eth4', mac: 'fa:16:3e:2b:00:02', uppers: [] });
  // A guest's macvtap port: macvtap0 on the VF's netdev (the agent reads the macvtap's MAC).
  Object.assign(eth0.vfs[2], { uppers: ['macvtap0'] });
  // Bound to vfio-pci by hand (DPDK, a stuck detach): no port MAC.
  Object.assign(eth1.vfs[1], { driver: 'vfio-pci', netdev: null, mac: '00:00:00:00:00:00' });
  return readHostFacts(Buffer.from(JSON.stringify(f)));
}

describe('guestHold: whether a guest holds a VF, from the facts', () => {
  const base = { driver: 'igbvf', mac: '00:00:00:00:00:00', uppers: [] as string[] };
  test('a direct port: vfio-pci with a Neutron port MAC', () => {
    assert.equal(guestHold({ ...base, driver: 'vfio-pci', mac: 'fa:16:3e:2b:00:01' }), 'direct');
  });
  test('a macvtap port: macvtap on the VF netdev, whatever the admin MAC', () => {
    assert.equal(guestHold({ ...base, uppers: ['macvtap3'] }), 'macvtap');
  });
  test('a freed macvtap VF keeps the port MAC on its own driver: not held', () => {
    assert.equal(guestHold({ ...base, mac: 'fa:16:3e:2b:00:02' }), null);
  });
  test('vfio-pci without a port MAC (bound by hand): not held by a guest', () => {
    assert.equal(guestHold({ ...base, driver: 'vfio-pci', mac: '00:00:00:00:00:00' }), null);
    assert.equal(guestHold({ ...base, driver: 'vfio-pci', mac: null }), null);
  });
  test("the host's own uppers (bridge, VLAN) are host use, not a guest (SRIOV-DEVSPEC-009's question)", () => {
    assert.equal(guestHold({ ...base, uppers: ['br-mgmt', 'eth4.100'] }), null);
    assert.equal(isMacvtapUpper('br-mgmt'), false);
    assert.equal(isMacvtapUpper('macvtap0'), true);
  });
});

describe('fit, the HTML report and probe give the one answer', () => {
  const facts = mixedFacts();
  const held = ['0000:01:10.0', '0000:01:10.4', '0000:02:10.0'];

  test('fit offline: the devices in use', () => {
    assert.deepEqual([...usedFromFacts(facts)].sort(), held);
  });

  test('the HTML report: physnet1 in use and free on compute2', () => {
    const model = loadModel(join(FIT, 'deploy'), parseRelease('2026.1')!);
    const ctx = deploymentWithFacts(model, new Map([['compute2', facts]]), []);
    const h = ctx.host('compute2')!;
    // 5 VFs of eth0 and eth1 on physnet1; 3 held.
    assert.deepEqual(vfUsage(h)?.physnets, [{ physnet: 'physnet1', inUse: 3, free: 2 }]);
  });

  test('probe: pf.vfs-in-guest lists the held VFs, pf.vfs-on-vfio the one bound by hand', () => {
    const v = assessReadiness(facts).verdicts;
    const of = (code: string, pf: string) =>
      v.find((x) => x.code === code && x.subject?.startsWith(`${pf} `))?.message ?? '';
    assert.match(
      of('pf.vfs-in-guest', 'eth0'),
      /VF 0 \(fa:16:3e:2b:00:01\), 2 \(under macvtap0\) in use by a guest/,
    );
    assert.match(of('pf.vfs-in-guest', 'eth1'), /VF 0 \(fa:16:3e:2b:00:03\) in use/);
    assert.match(of('pf.vfs-on-vfio', 'eth1'), /VF 1 bound to vfio-pci/);
    assert.equal(of('pf.vfs-on-vfio', 'eth0'), '', 'no unbind advice for a VF a guest holds');
  });
});
