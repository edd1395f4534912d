// Discovery on a real kernel: igb PFs, igbvf VFs, vfio-pci, bonding, with and without an
// IOMMU, under ../shared/sriov-vm. The expectations come from what the guest set up and
// from sysfs read by the guest script itself, never from osa-sriov's own output.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { factsFromSnapshot } from '../../src/facts/build.js';
import type { HostFacts } from '../../src/facts/host-facts.js';
import { HostFactsSchema } from '../../src/facts/host-facts.js';
import { parseIpLinkJson, parseIpLinkText } from '../../src/facts/parse-ip-link.js';
import { assessReadiness } from '../../src/facts/readiness.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { assertMatchesSysfs } from '../facts-truth.js';
import { FIXTURES, keyValues, REPO, sections } from '../helpers.js';
import { guestRepo, runVm, vmUnavailable } from './sriov-vm.js';

const why = vmUnavailable();
if (why && process.env.CI) throw new Error(`CI must run the VM tests: ${why}`);
const skip = why ?? false;
const repo = skip ? REPO : guestRepo();

/** With OSA_SRIOV_CAPTURE=1 the guest's outputs are kept as unit-test fixtures. */
function capture(prefix: string, parts: Map<string, string>) {
  if (process.env.OSA_SRIOV_CAPTURE !== '1') return;
  for (const [name, text] of parts) {
    if (name === 'dash.snapshot' || name === 'truth.txt' || name === 'setup.txt') {
      writeFileSync(join(FIXTURES, 'snapshots', `${prefix}.${name}`), text);
    }
  }
}

function factsOf(snapshot: string | undefined): HostFacts {
  assert.ok(snapshot, 'the guest produced a snapshot');
  return factsFromSnapshot(parseSnapshot(snapshot));
}

describe('discovery on a real kernel (sriov-vm)', { skip }, () => {
  test('three igb NICs: VFs, VF settings, a bond, vfio-pci, persistence, IOMMU on', () => {
    const r = runVm(['--nics', '3'], `sh /guest/guest-discovery.sh ${repo} full\n`);
    assert.equal(r.status, 0, `guest failed: ${r.stderr}\n${r.stdout.slice(-3000)}`);
    for (const step of ['dash', 'busybox', 'cli-collect', 'probe-json', 'probe-live']) {
      assert.match(r.stdout, new RegExp(`^rc ${step} 0$`, 'm'), `${step} exited 0`);
    }
    const parts = sections(r.stdout);
    capture('igb-3nic', parts);
    const truth = keyValues(parts.get('truth.txt') ?? '');
    const setup = keyValues((parts.get('setup.txt') ?? '').replace(/^set /gm, ''));
    const facts = factsOf(parts.get('dash.snapshot'));

    assertMatchesSysfs(facts, truth);
    assert.deepEqual(facts.iommu.units, (truth.get('iommu_units') ?? '').split(' ').filter(Boolean));
    assert.equal(facts.iommu.groups, Number(truth.get('iommu_groups')));
    assert.equal(facts.iommu.enabled, true);
    assert.deepEqual(facts.iommu.cmdline, ['intel_iommu=on', 'iommu=pt']);

    // The VF settings the guest made, where the igb driver accepted them.
    const [pf0, pf1, pf2] = (truth.get('pfs') ?? '').split(' ');
    const vfs = facts.pfs.find((p) => p.netdev === pf0)!.vfs;
    assert.equal(setup.get('vf0.mac'), 'ok');
    assert.equal(vfs[0]!.mac, '02:11:22:33:44:55');
    assert.equal(setup.get('vf0.vlan'), 'ok');
    assert.equal(vfs[0]!.vlan, 101);
    assert.equal(vfs[0]!.qos, 2);
    assert.equal(setup.get('vf1.spoofchk'), 'ok');
    assert.equal(vfs[1]!.spoofCheck, false);
    if (setup.get('vf1.trust') === 'ok') assert.equal(vfs[1]!.trust, true);
    if (setup.get('vf1.state') === 'ok') assert.equal(vfs[1]!.linkState, 'disable');
    if (setup.get('vf2.rate') === 'ok') assert.equal(vfs[2]!.maxTxRateMbps, 100);
    assert.equal(vfs[1]!.driver, 'vfio-pci');
    assert.equal(vfs[1]!.netdev, null);

    // Both iproute2 outputs of the same moment give the same VF tables.
    const snap = parseSnapshot(parts.get('dash.snapshot')!);
    const fromJson = parseIpLinkJson(snap.text('cmd.ip-j-d-link')!);
    const fromText = parseIpLinkText(snap.text('cmd.ip-d-link')!);
    for (const name of [pf0, pf1]) {
      const j = fromJson.find((l) => l.name === name)!;
      const t = fromText.find((l) => l.name === name)!;
      assert.deepEqual(t.vfs, j.vfs);
      assert.equal(t.mtu, j.mtu);
      assert.equal(t.master, j.master);
    }

    assert.deepEqual(facts.pfs.find((p) => p.netdev === pf1)!.master, { kind: 'bond', name: 'bond0' });
    // The management address and default route the guest put on bond0.120, over pf1's bond.
    assert.equal(setup.get('mgmt'), 'ok');
    const net = facts.network!;
    assert.ok(
      net.addresses.some(
        (a) => a.dev === 'bond0.120' && a.address === '172.29.236.16' && a.prefixLength === 22,
      ),
      JSON.stringify(net.addresses),
    );
    assert.ok(net.addresses.some((a) => a.dev === 'lo' && a.address === '127.0.0.1'));
    assert.deepEqual(
      net.defaultRoutes.filter((r) => r.family === 'inet'),
      [{ dev: 'bond0.120', family: 'inet', via: '172.29.236.1', proto: null }],
    );
    assert.deepEqual(
      net.links.find((l) => l.name === 'bond0.120'),
      { name: 'bond0.120', master: null, lower: 'bond0' },
    );
    assert.equal(net.links.find((l) => l.name === pf1)?.master, 'bond0');
    assert.deepEqual(
      facts.persistence?.evidence.map((e) => [e.kind, e.file, e.line]),
      [['udev', '/etc/udev/rules.d/70-sriov vfs.rules', 1]],
    );
    const codes = assessReadiness(facts).verdicts.map((v) => `${v.code}@${v.subject?.split(' ')[0] ?? ''}`);
    assert.ok(codes.includes(`pf.bond-slave@${pf1}`), codes.join(' '));
    assert.ok(codes.includes(`pf.vfs-on-vfio@${pf0}`), codes.join(' '));
    assert.ok(codes.includes(`pf.no-vfs@${pf2}`), codes.join(' '));
    assert.ok(!codes.some((c) => c.startsWith('pf.vfs-not-persistent')), codes.join(' '));
    assert.ok(codes.includes('iommu.enabled@'), codes.join(' '));

    // busybox ash, and `osa-sriov collect` with this machine's node and sh, see the same devices.
    for (const other of ['busybox.snapshot', 'cli.snapshot']) {
      assert.deepEqual(factsOf(parts.get(other)).pfs, facts.pfs, other);
    }
    // `probe --json` run in the guest is the same HostFacts, and valid against the schema.
    const json = HostFactsSchema.parse(JSON.parse(parts.get('facts.json') ?? '{}'));
    assert.deepEqual(json, facts);
    const report = parts.get('probe.txt') ?? '';
    assert.match(report, /\[ok\]\s+IOMMU: on \(dmar0/);
    for (const pf of facts.pfs)
      assert.match(
        report,
        new RegExp(`^  ${pf.netdev}\\s+${pf.pciAddress}\\s+igb\\s+8086:10c9\\s+10ca`, 'm'),
      );
    assert.match(report, /guest image needs igbvf/);
  });

  test('no IOMMU: the report says so and how to fix it', () => {
    const r = runVm(['--nics', '1', '--no-iommu'], `sh /guest/guest-discovery.sh ${repo} plain\n`);
    assert.equal(r.status, 0, `guest failed: ${r.stderr}\n${r.stdout.slice(-3000)}`);
    assert.match(r.stdout, /^rc dash 0$/m);
    assert.match(r.stdout, /^rc probe-live 0$/m);
    const parts = sections(r.stdout);
    capture('igb-1nic-noiommu', parts);
    const truth = keyValues(parts.get('truth.txt') ?? '');
    const facts = factsOf(parts.get('dash.snapshot'));
    assertMatchesSysfs(facts, truth);
    assert.equal(Number(truth.get('iommu_groups')), 0);
    assert.equal(facts.iommu.enabled, false);
    assert.equal(facts.iommu.groups, 0);
    assert.deepEqual(facts.iommu.cmdline, []);
    const codes = assessReadiness(facts).verdicts.map((v) => v.code);
    assert.ok(codes.includes('iommu.disabled'), codes.join(' '));
    assert.ok(codes.includes('pf.no-vfs'), codes.join(' '));
    const report = parts.get('probe.txt') ?? '';
    assert.match(report, /\[error\] IOMMU: off/);
    // The guest's CPU is the host's: Intel needs intel_iommu=on; AMD's IOMMU follows the firmware.
    const amd = facts.cpu.vendor === 'AuthenticAMD' || facts.cpu.vendor === 'HygonGenuine';
    assert.match(
      report,
      amd ? /fix: add iommu=pt to the kernel command line/ : /fix: add intel_iommu=on iommu=pt/,
    );
    if (amd) assert.match(report, /enable VT-d\/AMD-Vi and SR-IOV in the BIOS/);

    // After the discovery: the host-setup VF script (plan --host-setup) rendered by the built
    // project, on the real kernel: 0 -> 3, a rerun that changes nothing, then 3 -> 5 through 0,
    // which the kernel requires (the direct write is refused).
    assert.match(r.stdout, /^rc numvfs-gen 0$/m);
    const vf = keyValues(parts.get('numvfs.txt') ?? '');
    const pf = truth.get('pfs') ?? '';
    const label = `PF ${pf} (${truth.get(`pf.${pf}.address`)})`;
    const step = (name: string) => ['rc', 'out', 'numvfs', 'virtfn'].map((k) => vf.get(`${k}.${name}`));
    assert.deepEqual(step('first'), ['0', `${label}: 0 -> 3 VFs`, '3', '3'], parts.get('numvfs.txt'));
    assert.deepEqual(step('again'), ['0', '', '3', '3'], parts.get('numvfs.txt'));
    assert.equal(vf.get('direct.change'), 'refused');
    assert.equal(vf.get('numvfs.direct'), '3');
    assert.deepEqual(step('change'), ['0', `${label}: 3 -> 5 VFs`, '5', '5'], parts.get('numvfs.txt'));
  });
});
