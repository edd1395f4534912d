// devspec explain, offline and against a host's facts (the X520 host of the blog lab: PF ens1f0
// at 0000:04:00.0 with 8 VFs at 0000:04:10.0 … 0000:04:11.6, device 10fb, VFs 10ed; ens1f1 at
// 0000:04:00.1 with none), wording and warnings as Nova decides (spec §1.5–§1.8).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readHostFacts } from '../../src/facts/load.js';
import { explainDeviceSpec, renderExplanation } from '../../src/openstack/devspec-explain.js';
import { cli } from '../cli-helpers.js';
import { REPO } from '../helpers.js';

const SNAP = join(REPO, 'examples/blog-lab/facts/hp03-2x520.snapshot');
const facts = readHostFacts(readFileSync(SNAP), SNAP);
const text = (v: string, withFacts = true) =>
  renderExplanation(explainDeviceSpec(v, withFacts ? facts : null));

describe('devspec explain', () => {
  test('the fixture is what the tests assume', () => {
    const pf = facts.pfs.find((p) => p.netdev === 'ens1f0')!;
    assert.equal(pf.pciAddress, '0000:04:00.0');
    assert.equal(pf.vfs.length, 8);
    assert.equal(pf.vfDeviceId, '10ed');
    assert.equal(facts.pfs.find((p) => p.netdev === 'ens1f1')!.vfs.length, 0);
  });

  test('a PF address or devname: its VFs and the PF itself, said so', () => {
    for (const v of [
      '{"address": "0000:04:00.0", "physical_network": "p"}',
      '{"devname": "ens1f0", "physical_network": "p"}',
    ]) {
      const t = text(v);
      assert.match(t, /^matches: 8 VFs \(0-7\) of ens1f0 \(0000:04:10\.0 … 0000:04:11\.6\)$/m);
      assert.match(t, /^matches: PF ens1f0 \(0000:04:00\.0, 8086:10fb\)$/m);
      assert.match(
        t,
        /^note: the PF ens1f0 itself is assignable too \(a type-PF device, used only by direct-physical ports\), besides its VFs/m,
      );
    }
    assert.match(
      text('{"devname": "ens1f0", "physical_network": "p"}', false),
      /^note: if it is a PF .* the PF itself too/m,
    );
  });

  test('a glob over the VFs’ own slot: the VFs there, no wildcard warning', () => {
    const t = text('{"address": "0000:04:10.*", "physical_network": "p"}');
    assert.match(t, /^matches: 4 VFs \(0-3\) of ens1f0 \(0000:04:10\.0 … 0000:04:10\.6\)$/m);
    assert.doesNotMatch(t, /warning/);
  });

  test('a glob over the PF’s slot: the PFs, and a warning for the PF whose VFs it misses', () => {
    const t = text('{"address": "0000:04:00.*", "physical_network": "p"}');
    assert.match(t, /^warning: the address 0000:04:00\.\* selects the PF ens1f0 but none of its 8 VFs/m);
    assert.doesNotMatch(t, /selects the PF ens1f1/, 'ens1f1 has no VFs to miss');
    // Without facts nobody can tell which slot it is: a note, not a warning.
    assert.doesNotMatch(text('{"address": "0000:04:00.*", "physical_network": "p"}', false), /warning/);
  });

  test('the PF device id as product_id; a devname the host does not have', () => {
    assert.match(
      text('{"vendor_id": "8086", "product_id": "10fb", "physical_network": "p"}'),
      /product_id 10fb is the PF's device id: it selects the PF ens1f0, not its 8 VFs, whose product id is 10ed/,
    );
    assert.match(
      text('{"devname": "ens9", "physical_network": "p"}'),
      /^warning: matches no device on this host: no netdev ens9/m,
    );
  });

  test('physical_network: warned when absent, not for remote_managed, a note when null', () => {
    assert.match(text('{"vendor_id": "8086", "product_id": "10ed"}'), /^warning: no physical_network tag/m);
    const rm = text(
      '{"vendor_id": "8086", "product_id": "10ed", "physical_network": null, "remote_managed": "true"}',
    );
    assert.doesNotMatch(rm, /warning: no physical_network/);
    assert.match(rm, /8 VFs \(0-7\) of ens1f0 .* \(each only if it reports a VPD card serial number\)/);
    assert.doesNotMatch(
      text('{"vendor_id": "8086", "product_id": "10ed", "remote_managed": "true"}', false),
      /physical_network/,
    );
    assert.match(
      text('{"vendor_id": "8086", "product_id": "10ed", "physical_network": null}', false),
      /^note: "physical_network": null: only ports on tunnelled networks/m,
    );
  });

  test('a remote_managed PF is refused on that host, as nova-compute refuses it (exit 1)', () => {
    const r = cli(
      'devspec',
      'explain',
      '{"address": "0000:04:00.0", "remote_managed": "true"}',
      '--facts',
      SNAP,
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^invalid on hp03-2x520: PciDeviceInvalidPFRemoteManaged: 0000:04:00\.0$/m);
  });

  test('--facts must be one readable host', () => {
    const r = cli('devspec', 'explain', '{}', '--facts', join(REPO, 'examples/blog-lab/facts'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--facts names 2 facts files: explain evaluates the value against one host/);
    assert.equal(cli('devspec', 'explain', '{}', '--facts', '/nonexistent').status, 2);
  });
});
