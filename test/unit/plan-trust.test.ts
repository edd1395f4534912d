// `plan` never blesses a dangerous change (issue 14 §1), on the bundled lab's real snapshots:
// a PF carrying the host's own traffic is refused at its selector, one PF picked twice is an
// error at both selectors, and a warning the plan introduces fails it unless --accept'ed.
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { optionalKernelArgs, rebootNeeded } from '../../src/plan/host-setup.js';
import { cli } from '../cli-helpers.js';
import { FIXTURES, REPO } from '../helpers.js';

const LAB = join(REPO, 'examples/blog-lab');
const FACTS = join(LAB, 'facts');
const MGMT = join(FIXTURES, 'plan/hp02-mgmt-pf.intent.yml');
const DUP = join(FIXTURES, 'plan/duplicate-selectors.intent.yml');

function labCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'osa-plan-trust-'));
  cpSync(LAB, dir, { recursive: true });
  return dir;
}

interface PlanJson {
  valid: boolean;
  problems: Array<{
    message: string;
    location: { file: string; line: number; column: number };
    host?: string;
  }>;
  verification: {
    verified: boolean;
    introduced: Array<{
      ruleId: string;
      host: string | null;
      severity: string;
      accepted: boolean;
      fix: string | null;
      notFixedBecause: string;
    }>;
    alreadyThere: Array<{ ruleId: string; host: string | null; severity: string }>;
    resolved: Array<{ ruleId: string }>;
  } | null;
  written: unknown;
  hostSetup: unknown;
}

/**
 * The lab with hp03-2x520's ens1f1 moved from br-mgmt to Open vSwitch and br-mgmt onto eno1:
 * ens1f1 then carries no host traffic, and giving it to SR-IOV on Rocky (no FDB extension)
 * adds a SRIOV-HOST-005 warning that the lab did not have.
 */
function labWithFreeOvsPort(): { dir: string; facts: string; intent: string } {
  const dir = labCopy();
  const facts = join(dir, 'facts-ovs');
  mkdirSync(facts);
  cpSync(join(FACTS, 'hp02-qlogic.snapshot'), join(facts, 'hp02-qlogic.snapshot'));
  const probe = cli('probe', '--from', join(FACTS, 'hp03-2x520.snapshot'), '--json');
  assert.equal(probe.status, 0, probe.stderr);
  const hp03 = JSON.parse(probe.stdout) as {
    pfs: Array<{ netdev: string; master: { kind: string; name: string } | null }>;
    network: { links: Array<{ name: string; master: string | null }> };
  };
  hp03.pfs.find((p) => p.netdev === 'ens1f1')!.master = { kind: 'ovs', name: 'ovs-system' };
  for (const l of hp03.network.links) {
    if (l.name === 'ens1f1') l.master = 'ovs-system';
    if (l.name === 'eno1') l.master = 'br-mgmt';
  }
  writeFileSync(join(facts, 'hp03-2x520.json'), JSON.stringify(hp03));
  const intent = join(dir, 'intent-ovs.yml');
  writeFileSync(
    intent,
    readFileSync(join(LAB, 'intent.yml'), 'utf8').replace(
      'interfaces: [ens1f0]',
      'interfaces: [ens1f0, ens1f1]',
    ),
  );
  return { dir, facts, intent };
}

describe('plan: what its verification finds', () => {
  test("hp02's ens2f0 (br-mgmt: management address, default route) is refused at its selector; nothing written", () => {
    const dir = labCopy();
    const before = readdirSync(dir, { recursive: true }).map(String).sort();
    const texts = new Map(
      before.filter((f) => f.endsWith('.yml')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
    );
    const setup = join(dir, 'setup');
    const r = cli('plan', MGMT, '--deploy', dir, '--facts', FACTS, '--write', '--host-setup', setup);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    // Line 11 col 22 of the fixture is `ens2f0` in `interfaces: [ens2f0]` under hp02-qlogic.
    assert.match(
      r.stdout,
      /hp02-mgmt-pf\.intent\.yml:11:22: hp02-qlogic: ens2f0 on hp02-qlogic carries this host's own traffic \(the management address 172\.29\.236\.16\/22 on br-mgmt, the default route via 172\.29\.236\.1 on br-mgmt; ens2f0 → br-mgmt\)/,
    );
    // The alternative: the host's other PF, which carries no host traffic.
    assert.match(r.stdout, /give SR-IOV another PF of this host: ens2f1 \(0000:08:00\.1\)$/m);
    assert.match(r.stdout, /nothing was written/);
    assert.doesNotMatch(r.stdout, /^verified/m);
    assert.deepEqual(readdirSync(dir, { recursive: true }).map(String).sort(), before);
    for (const [f, t] of texts) assert.equal(readFileSync(join(dir, f), 'utf8'), t, f);
    assert.ok(!existsSync(setup), 'no host-setup directory');

    const json = JSON.parse(
      cli('plan', MGMT, '--deploy', dir, '--facts', FACTS, '--format', 'json').stdout,
    ) as PlanJson;
    assert.equal(json.valid, false);
    assert.equal(json.problems.length, 1);
    assert.deepEqual({ ...json.problems[0]!.location, file: 'x' }, { file: 'x', line: 11, column: 22 });
    assert.equal(json.problems[0]!.host, 'hp02-qlogic');
    assert.equal(json.hostSetup, null);
  });

  test('the same PF by a vendor:device selector or a PCI address is refused too', () => {
    for (const sel of ['{vendorId: "14e4", deviceId: "168e"}', '{pciAddress: "0000:08:00.0"}']) {
      const dir = labCopy();
      const intent = join(dir, 'i.yml');
      writeFileSync(intent, readFileSync(MGMT, 'utf8').replace('[ens2f0]', `[${sel}]`));
      const r = cli('plan', intent, '--deploy', dir, '--facts', FACTS);
      assert.equal(r.status, 1, r.stdout);
      assert.match(
        r.stdout,
        /i\.yml:11:22: hp02-qlogic: ens2f0 on hp02-qlogic carries this host's own traffic/,
      );
    }
  });

  test('one PF picked by two selectors (a name and a PCI address; a host and a glob): an error at both', () => {
    const r = cli('plan', DUP, '--deploy', LAB, '--facts', FACTS);
    assert.equal(r.status, 1, r.stdout);
    const at = (l: number, c: number) => `duplicate-selectors\\.intent\\.yml:${l}:${c}`;
    assert.match(
      r.stdout,
      new RegExp(
        `${at(11, 22)}: hp02-qlogic: ens2f1 on hp02-qlogic is selected twice for vlan: also at .*${at(11, 30)}`,
      ),
    );
    assert.match(
      r.stdout,
      new RegExp(
        `${at(11, 30)}: hp02-qlogic: ens2f1 on hp02-qlogic is selected twice for vlan: also at .*${at(11, 22)}`,
      ),
    );
    assert.match(
      r.stdout,
      new RegExp(`${at(14, 22)}: hp03-2x520: ens1f0 .* selected twice .*also at .*${at(17, 22)}`),
    );
    assert.match(
      r.stdout,
      new RegExp(`${at(17, 22)}: hp03-2x520: ens1f0 .* selected twice .*also at .*${at(14, 22)}`),
    );
  });

  test('the lab: findings split into introduced / already there; verified; exit 0', () => {
    const r = cli('plan', join(LAB, 'intent.yml'), '--deploy', LAB, '--facts', FACTS, '--format', 'json');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const v = (JSON.parse(r.stdout) as PlanJson).verification!;
    assert.equal(v.verified, true);
    assert.deepEqual(
      v.introduced.filter((f) => f.severity !== 'info'),
      [],
    );
    // Rocky's OVS agent has no FDB extension: on both computes before and after the plan.
    assert.deepEqual(
      v.alreadyThere.filter((f) => f.severity !== 'info').map((f) => [f.ruleId, f.host]),
      [
        ['SRIOV-HOST-005', 'hp02-qlogic'],
        ['SRIOV-HOST-005', 'hp03-2x520'],
      ],
    );
    // What the plan fixes: the masking whitelist, hp03's devname for a NIC it lacks, the filter.
    const fixed = new Set(v.resolved.map((f) => f.ruleId));
    for (const id of ['SRIOV-VARS-001', 'SRIOV-DEVSPEC-007', 'SRIOV-SCHED-001']) assert.ok(fixed.has(id), id);
  });

  test('a warning the plan introduces: exit 1 and nothing written, unless --accept RULE-ID', () => {
    const { dir, facts, intent } = labWithFreeOvsPort();
    const snapshot = () => readdirSync(dir, { recursive: true }).map(String).sort();
    const before = snapshot();
    const r = cli('plan', intent, '--deploy', dir, '--facts', facts, '--write');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^introduced by this plan:\n {2}warning SRIOV-HOST-005 hp03-2x520: ens1f1 \(0000:04:00\.1\) is used for SR-IOV and is also a port of Open vSwitch/m,
    );
    // Why plan leaves it, and the fix check gives (the Rocky override), as they are.
    assert.match(r.stdout, /plan does not fix it: plan does not write the agent's ini overrides/);
    assert.match(
      r.stdout,
      /fix: OSA 18\.x \(Rocky\) writes no FDB extension .*neutron_openvswitch_agent_ini_overrides/,
    );
    assert.match(r.stdout, /accept them with --accept SRIOV-HOST-005/);
    assert.doesNotMatch(r.stdout, /^verified/m);
    assert.deepEqual(snapshot(), before, 'nothing written');

    const json = JSON.parse(
      cli('plan', intent, '--deploy', dir, '--facts', facts, '--format', 'json').stdout,
    ) as PlanJson;
    assert.equal(json.valid, false);
    const introduced = json.verification!.introduced.filter((f) => f.severity !== 'info');
    assert.deepEqual(
      introduced.map((f) => [f.ruleId, f.host, f.accepted]),
      [['SRIOV-HOST-005', 'hp03-2x520', false]],
    );

    // Another rule accepted changes nothing; this one lets the plan through, but not "verified".
    assert.equal(
      cli('plan', intent, '--deploy', dir, '--facts', facts, '--accept', 'SRIOV-HOST-007').status,
      1,
    );
    const ok = cli(
      'plan',
      intent,
      '--deploy',
      dir,
      '--facts',
      facts,
      '--accept',
      'sriov-host-005',
      '--write',
    );
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /\[accepted with --accept SRIOV-HOST-005\]/);
    assert.match(ok.stdout, /^not verified, accepted: the plan introduces warnings of SRIOV-HOST-005/m);
    assert.doesNotMatch(ok.stdout, /^verified/m);
    assert.match(ok.stdout, /^wrote \d+ files/m);

    const bad = cli('plan', intent, '--deploy', dir, '--facts', facts, '--accept', 'SRIOV-NOPE-001');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--accept SRIOV-NOPE-001: no such rule/);
  });
});

describe('plan: a new physnet used only by SR-IOV', () => {
  const DEPLOY = join(FIXTURES, 'plan/ovs-new-physnet');
  const INTENT = join(FIXTURES, 'plan/ovs-new-physnet.intent.yml');
  const BASE_FACTS = join(FIXTURES, 'rules/_base-facts');
  const entryOf = (diff: string) => {
    const m = /^\+ {4}- network:\n((?:\+ .*\n)*?\+ {8}net_name: sriovnet\n(?:\+ .*\n)*)/m.exec(diff);
    assert.ok(m, diff);
    return m[1]!;
  };

  test('no OVS bridge mapping unless the intent asks; the note says what DHCP needs', () => {
    const r = cli('plan', INTENT, '--deploy', DEPLOY, '--facts', BASE_FACTS, '--accept', 'SRIOV-FDB-001');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const entry = entryOf(r.stdout);
    assert.match(entry, /group_binds:\n\+ {10}- neutron_sriov_nic_agent\n/);
    assert.doesNotMatch(entry, /neutron_openvswitch_agent/);
    assert.match(
      r.stdout,
      /^note: sriovnet is used only by SR-IOV: its entry binds neutron_sriov_nic_agent only, so no neutron_openvswitch_agent host gets a bridge mapping for it \(bridgeMapping: true in the intent asks for one\)\. SR-IOV guests on it get DHCP only from a DHCP agent host \(infra1\) whose neutron_openvswitch_agent maps sriovnet to a bridge with an uplink/m,
    );

    const dir = mkdtempSync(join(tmpdir(), 'osa-plan-bridge-'));
    const asked = join(dir, 'intent.yml');
    writeFileSync(
      asked,
      readFileSync(INTENT, 'utf8').replace('    type: vlan\n', '    type: vlan\n    bridgeMapping: true\n'),
    );
    const b = cli('plan', asked, '--deploy', DEPLOY, '--facts', BASE_FACTS, '--accept', 'SRIOV-FDB-001');
    assert.equal(b.status, 0, b.stdout + b.stderr);
    assert.match(
      entryOf(b.stdout),
      /group_binds:\n\+ {10}- neutron_sriov_nic_agent\n\+ {10}- neutron_openvswitch_agent\n/,
    );
    assert.doesNotMatch(b.stdout, /^note: sriovnet is used only/m);
  });
});

describe('VF persistence: one artefact for probe, check and plan --host-setup', () => {
  /** The unit, the udev rule and the numvfs.conf line a fix text gives (its lines, de-indented). */
  function artefact(fix: string) {
    const lines = fix.split('\n');
    const after = (head: string) => lines.findIndex((l) => l.startsWith(head)) + 1;
    const u = after('/etc/systemd/system/osa-sriov-numvfs.service:');
    const end = lines.findIndex((l, i) => i >= u && l.startsWith('/usr/local/sbin/osa-sriov-numvfs'));
    assert.ok(u > 0 && end > u, fix);
    return {
      unit: `${lines
        .slice(u, end)
        .map((l) => l.replace(/^ {2}/, ''))
        .join('\n')}\n`,
      udev: lines[after('/etc/udev/rules.d/70-osa-sriov.rules')]!.trim(),
      conf: lines[after('/etc/osa-sriov/numvfs.conf')]!.trim(),
    };
  }

  test("hp02's ens2f1: the same unit, udev rule and numvfs.conf line from all three", () => {
    // plan --host-setup: the files the playbook installs.
    const out = mkdtempSync(join(tmpdir(), 'osa-plan-persist-'));
    const p = cli('plan', join(LAB, 'intent.yml'), '--deploy', LAB, '--facts', FACTS, '--host-setup', out);
    assert.equal(p.status, 0, p.stdout + p.stderr);
    const unit = readFileSync(join(out, 'files/osa-sriov-numvfs.service'), 'utf8');
    const play = (
      parse(readFileSync(join(out, 'sriov-host-setup.yml'), 'utf8')) as Array<{
        vars: { osa_sriov_hosts: Record<string, { udev_rules: string; numvfs_conf: string }> };
      }>
    )[0]!.vars.osa_sriov_hosts['hp02-qlogic']!;
    const udev = play.udev_rules.split('\n').find((l) => l.startsWith('ACTION=='))!;
    const conf = play.numvfs_conf.split('\n').find((l) => /^[0-9a-f]{4}:/.test(l))!;
    // What the playbook has and the old check recipe lacked.
    assert.match(unit, /^DefaultDependencies=no$/m);
    assert.match(udev, /ATTR\{device\/sriov_numvfs\}=="0", ATTR\{device\/sriov_numvfs\}="8"$/);
    assert.equal(conf, '0000:08:00.1 8 ens2f1');

    // check: SRIOV-HOST-006 on hp02-qlogic.
    const c = cli('check', LAB, '--release', 'rocky', '--facts', FACTS, '--format', 'json');
    const f = (
      JSON.parse(c.stdout) as { findings: Array<{ ruleId: string; host?: string; fix?: string }> }
    ).findings.find((x) => x.ruleId === 'SRIOV-HOST-006' && x.host === 'hp02-qlogic');
    assert.ok(f?.fix, c.stdout);
    assert.deepEqual(artefact(f.fix), { unit, udev, conf });

    // probe: the readiness verdict, printed as a block under "fix:" (never joined by " | ").
    const r = cli('probe', '--from', join(FACTS, 'hp02-qlogic.snapshot'));
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => /nothing re-creates its 8 VFs/.test(l));
    assert.equal(lines[at + 1], '        fix:');
    const block: string[] = [];
    for (const l of lines.slice(at + 2)) {
      if (l !== '' && !l.startsWith('          ')) break;
      block.push(l.slice(10));
    }
    assert.deepEqual(artefact(block.join('\n')), { unit, udev, conf });
    assert.doesNotMatch(r.stdout, / \| /);
  });
});

describe('fixes never contradict each other', () => {
  test('the lab on 27.4.1: the device_spec fixes send the value to host_vars/, as SRIOV-VARS-001 asks', () => {
    const r = cli('check', LAB, '--release', '27.4.1', '--facts', FACTS, '--format', 'json');
    const findings = (
      JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; host?: string; fix?: string }> }
    ).findings;
    const fixOf = (id: string) => findings.find((f) => f.ruleId === id)?.fix ?? '';
    // VARS-001: the global value in user_variables.yml masks the per-host ones; delete it there.
    assert.match(
      fixOf('SRIOV-VARS-001'),
      /^delete nova_pci_passthrough_whitelist from \/etc\/openstack_deploy\/user_variables\.yml/,
    );
    // DEVSPEC-001 (nova-compute refuses the Python repr) and DEVSPEC-003 (the deprecated name):
    // the renamed value goes to each compute's host_vars/, and out of user_variables.yml.
    for (const id of ['SRIOV-DEVSPEC-001', 'SRIOV-DEVSPEC-003']) {
      const fix = fixOf(id);
      assert.match(
        fix,
        /nova_device_spec: \['\{"physical_network": "vlan", "devname": "ens2f1"\}'\] in \/etc\/openstack_deploy\/host_vars\/<host>\.yml of each compute/,
        id,
      );
      assert.match(fix, /delete it from \/etc\/openstack_deploy\/user_variables\.yml/, id);
    }
    // No fix tells the user to write a device spec into user_variables.yml.
    for (const f of findings)
      assert.doesNotMatch(
        f.fix ?? '',
        /(write|rename|set|put)[^;]*(nova_device_spec|whitelist)[^;]* in \/etc\/openstack_deploy\/user_variables\.yml/,
        f.ruleId,
      );
  });
});

describe('reboot only where the IOMMU is off', () => {
  const host = (cmdline: string, iommuOn: boolean | null) => ({
    host: 'c1',
    cpuVendor: 'GenuineIntel',
    cmdline,
    iommuOn,
    pfs: [],
  });
  test('iommu=pt missing with the IOMMU on is optional; with it off, a reboot', () => {
    assert.equal(rebootNeeded(host('ro intel_iommu=on', true)), false);
    assert.deepEqual(optionalKernelArgs(host('ro intel_iommu=on', true)), ['iommu=pt']);
    assert.equal(rebootNeeded(host('ro quiet', false)), true);
    assert.deepEqual(optionalKernelArgs(host('ro quiet', false)), []);
    assert.equal(rebootNeeded(host('ro quiet', null)), true, 'unknown: nothing shows the IOMMU is on');
  });

  test('the lab: hp02 (IOMMU on, no iommu=pt) is told no reboot and no drain', () => {
    const out = mkdtempSync(join(tmpdir(), 'osa-plan-iommu-'));
    const r = cli('plan', join(LAB, 'intent.yml'), '--deploy', LAB, '--facts', FACTS, '--host-setup', out);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^ {2}- no reboot for hp02-qlogic: its IOMMU is on, so SR-IOV works now; iommu=pt .* is optional/m,
    );
    assert.doesNotMatch(r.stdout, /reboot hp02-qlogic/);
    // The playbook says the same on the host: REBOOT NEEDED only where no IOMMU group exists.
    const play = readFileSync(join(out, 'sriov-host-setup.yml'), 'utf8');
    assert.match(play, /osa_sriov_iommu_groups\.matched \| default\(0\) \| int\) == 0/);
    assert.match(play, /No reboot needed on \{\{ inventory_hostname \}\}: the IOMMU is on/);
  });
});

describe('plan: facts without network data', () => {
  test('the hp02 management PF with no addresses or routes in the facts: a note, not a silent pass', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-plan-nonet-'));
    const facts = join(dir, 'facts');
    mkdirSync(facts);
    for (const h of ['hp02-qlogic', 'hp03-2x520']) {
      const p = cli('probe', '--from', join(FACTS, `${h}.snapshot`), '--json');
      const f = JSON.parse(p.stdout) as { network: unknown };
      f.network = null;
      writeFileSync(join(facts, `${h}.json`), JSON.stringify(f));
    }
    const r = cli('plan', MGMT, '--deploy', LAB, '--facts', facts, '--format', 'json');
    const json = JSON.parse(r.stdout) as { notes: string[] };
    assert.ok(
      json.notes.some((n) =>
        /^the facts of hp02-qlogic, hp03-2x520 have no network data .*could not check that the planned PFs carry none of the host's own traffic/.test(
          n,
        ),
      ),
      r.stdout,
    );
  });
});
