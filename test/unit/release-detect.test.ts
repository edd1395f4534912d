// The release is never assumed silently: --release, else the hosts' /etc/openstack-release
// (the blog lab's snapshots: Rocky 18.1.6), else the openstack-ansible checkout read as OSA's
// tooling reads it, else the newest, said on stderr and in JSON/SARIF.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { releaseFromCheckout, releaseFromVersion } from '../../src/osa/release-detect.js';
import { withEnv } from '../cli-helpers.js';

const LAB = 'examples/blog-lab';
const NO_CHECKOUT = { OSA_CLONE_DIR: join(tmpdir(), 'osa-sriov-no-such-checkout') };
const json = (...args: string[]) => {
  const r = withEnv(NO_CHECKOUT, 'check', LAB, '--format', 'json', ...args);
  return { r, out: JSON.parse(r.stdout) };
};

describe('release detection', () => {
  test('the Rocky lab without --release is checked as Rocky, from its snapshots', () => {
    const { r, out } = json('--facts', `${LAB}/facts`);
    assert.equal(out.release, '18.1.6 (Rocky)');
    assert.equal(out.releaseSource.kind, 'facts');
    assert.match(
      out.releaseSource.detail,
      /\/etc\/openstack-release DISTRIB_RELEASE on hp02-qlogic, hp03-2x520/,
    );
    assert.equal(r.stderr, '');
    // Rocky's fixes, not 2026.1's: the scheduler string and os-nova-install.yml.
    const sched = out.findings.find((f: { ruleId: string }) => f.ruleId === 'SRIOV-SCHED-001');
    assert.match(sched.fix, /has no nova_scheduler_extra_filters/);
    const text = withEnv(NO_CHECKOUT, 'check', LAB, '--facts', `${LAB}/facts`).stdout;
    assert.match(text.split('\n')[0]!, /\(OSA 18\.1\.6 \(Rocky\), detected from the host facts\)/);
  });

  test('nothing tells: the newest is assumed, and stderr, JSON and SARIF say so and how to set it', () => {
    const { r, out } = json();
    assert.equal(out.releaseSource.kind, 'assumed');
    assert.match(r.stderr, /osa-sriov: note: nothing tells the release .* is assumed; give --release/);
    const sarif = JSON.parse(withEnv(NO_CHECKOUT, 'check', LAB, '--format', 'sarif').stdout);
    assert.equal(sarif.runs[0].properties.releaseSource.kind, 'assumed');
    assert.match(sarif.runs[0].properties.releaseSource.detail, /--release/);
  });

  test('--release wins, and hosts that run another release are a finding', () => {
    const { r, out } = json('--facts', `${LAB}/facts`, '--release', '2024.1');
    assert.equal(out.releaseSource.kind, 'option');
    assert.equal(r.stderr, '');
    const f = out.findings.find((x: { ruleId: string }) => x.ruleId === 'SRIOV-FACTS-004');
    assert.match(f.message, /every host with facts runs OSA 18\.1\.6 \(Rocky\) on hp02-qlogic, hp03-2x520/);
    assert.equal(
      json('--facts', `${LAB}/facts`, '--release', 'rocky').out.findings.some(
        (x: { ruleId: string }) => x.ruleId === 'SRIOV-FACTS-004',
      ),
      false,
    );
  });

  test('the checkout: openstack_release in group_vars (Rocky and before), git describe (Stein on), PKG-INFO', () => {
    const old = mkdtempSync(join(tmpdir(), 'osa-clone-'));
    mkdirSync(join(old, 'inventory/group_vars/all'), { recursive: true });
    writeFileSync(join(old, 'inventory/group_vars/all/all.yml'), '---\nopenstack_release: 18.1.5\n');
    assert.equal(releaseFromCheckout(old)?.release.point?.join('.'), '18.1.5');
    const { out } = (() => {
      const r = withEnv({ OSA_CLONE_DIR: old }, 'check', LAB, '--format', 'json');
      return { out: JSON.parse(r.stdout) };
    })();
    assert.equal(out.release, '18.1.5 (Rocky)');
    assert.equal(out.releaseSource.kind, 'checkout');

    // From Stein, group_vars has a template; pbr's version comes from the tag.
    const git = mkdtempSync(join(tmpdir(), 'osa-clone-'));
    mkdirSync(join(git, 'inventory/group_vars/all'), { recursive: true });
    writeFileSync(
      join(git, 'inventory/group_vars/all/all.yml'),
      `openstack_release: "{{ lookup('env', 'OSA_VERSION') | default('undefined', true) }}"\n`,
    );
    const run = (...a: string[]) =>
      execFileSync('git', ['-C', git, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], {
        stdio: 'ignore',
      });
    run('init', '-q');
    run('add', '.');
    run('commit', '-qm', 'x');
    run('tag', '27.4.1');
    assert.equal(releaseFromCheckout(git)?.release.point?.join('.'), '27.4.1');

    const pip = mkdtempSync(join(tmpdir(), 'osa-clone-'));
    mkdirSync(join(pip, 'openstack_ansible.egg-info'));
    writeFileSync(
      join(pip, 'openstack_ansible.egg-info/PKG-INFO'),
      'Metadata-Version: 2.1\nName: openstack-ansible\nVersion: 31.1.0.dev12\n',
    );
    assert.equal(releaseFromCheckout(pip)?.release.point?.join('.'), '31.1.0');
  });

  test('version texts', () => {
    assert.equal(releaseFromVersion('18.1.6')?.series, 'rocky');
    assert.equal(releaseFromVersion('33.0.0.0rc2.dev5')?.major, 33);
    assert.equal(releaseFromVersion('Rocky')?.major, 18);
    assert.equal(releaseFromVersion('undefined'), null);
  });
});
