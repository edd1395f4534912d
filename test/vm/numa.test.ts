// NUMA discovery on a real kernel: ../shared/sriov-vm booted through test/vm/numa-qemu with two
// NUMA nodes (one CPU and one socket each) and its second igb NIC behind a pxb-pcie expander
// bus on node 1. The expectations come from the machine the shim built (which NIC sits behind
// the expander, which CPU on which node) and from sysfs read by the guest script, never from
// osa-sriov's own output. One boot for everything.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { factsFromSnapshot } from '../../src/facts/build.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { FIXTURES, keyValues, REPO, sections } from '../helpers.js';
import { guestRepo, runVm, vmUnavailable } from './sriov-vm.js';

const why = vmUnavailable();
if (why && process.env.CI) throw new Error(`CI must run the VM tests: ${why}`);
const skip = why ?? false;
const repo = skip ? REPO : guestRepo();

describe('NUMA discovery on a real kernel (sriov-vm, two nodes, a NIC on node 1)', { skip }, () => {
  test('two nodes with their CPUs, sockets and huge pages; the PF and VFs behind the expander on node 1', () => {
    const r = runVm(['--nics', '2'], `sh /guest/guest-numa.sh ${repo}\n`, { numa: true });
    assert.equal(r.status, 0, `guest failed: ${r.stderr}\n${r.stdout.slice(-3000)}`);
    assert.match(r.stdout, /^rc dash 0$/m);
    const parts = sections(r.stdout);
    // With OSA_SRIOV_CAPTURE=1 the guest's outputs are kept as unit-test fixtures.
    if (process.env.OSA_SRIOV_CAPTURE === '1') {
      for (const name of ['dash.snapshot', 'truth.txt', 'setup.txt'])
        writeFileSync(join(FIXTURES, 'snapshots', `igb-2nic-numa.${name}`), parts.get(name) ?? '');
    }
    const truth = keyValues(parts.get('truth.txt') ?? '');
    const setup = keyValues((parts.get('setup.txt') ?? '').replace(/^set /gm, ''));
    const facts = factsFromSnapshot(parseSnapshot(parts.get('dash.snapshot') ?? ''));

    // The machine the shim asked QEMU for: node 0 = CPU 0 on socket 0, node 1 = CPU 1 on
    // socket 1, and the 8 huge pages of 2 MiB the guest reserved on node 1.
    assert.equal(truth.get('nodes'), 'node0 node1');
    assert.equal(setup.get('hugepages.node1'), 'ok');
    assert.deepEqual(
      facts.numa?.nodes.map((n) => ({ id: n.id, cpus: n.cpus, socket: n.socket })),
      [
        { id: 0, cpus: [0], socket: 0 },
        { id: 1, cpus: [1], socket: 1 },
      ],
    );
    const pages = (id: number) => facts.numa?.nodes[id]?.hugepages.find((h) => h.sizeKb === 2048)?.total;
    assert.equal(pages(1), 8);
    assert.equal(pages(0), 0);
    for (const n of [0, 1]) assert.equal(String(pages(n)), truth.get(`node.${n}.hugepages2m`));

    // The NIC behind the expander (host bridge pci0000:40, bus_nr=64) is on node 1; the one on
    // pcie.0 gets no proximity domain from QEMU's ACPI tables, so the kernel reads -1 (unknown).
    const pfs = (truth.get('pfs') ?? '').split(' ').filter(Boolean);
    assert.equal(pfs.length, 2, truth.get('pfs'));
    const onExpander = pfs.filter((p) => truth.get(`pf.${p}.path`)?.startsWith('/sys/devices/pci0000:40/'));
    assert.equal(onExpander.length, 1, `one PF behind the expander: ${[...truth].join(' ')}`);
    const far = onExpander[0]!;
    const near = pfs.find((p) => p !== far)!;
    assert.match(truth.get(`pf.${near}.path`) ?? '', /^\/sys\/devices\/pci0000:00\//);
    for (const p of pfs) assert.equal(setup.get(`numvfs.${p}`), 'ok', p);

    const pf = (netdev: string) => facts.pfs.find((p) => p.netdev === netdev)!;
    assert.equal(pf(far).numaNode, 1);
    assert.equal(truth.get(`pf.${far}.numa_node`), '1');
    assert.equal(pf(near).numaNode, -1, 'the facts keep sysfs -1 (unknown)');
    assert.equal(truth.get(`pf.${near}.numa_node`), '-1');
    // The VFs: two on each PF, on their PF's node (sysfs, per VF).
    for (const p of pfs) {
      assert.deepEqual(
        pf(p).vfs.map((v) => v.pciAddress),
        [0, 1].map((i) => truth.get(`vf.${p}.${i}.address`)),
      );
      for (const i of [0, 1])
        assert.equal(truth.get(`vf.${p}.${i}.numa_node`), truth.get(`pf.${p}.numa_node`));
    }
  });
});
