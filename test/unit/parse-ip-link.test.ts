import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isJsonLinks, JsonLinks, parseIpLinkText, parseVfLine } from '../../src/facts/parse-ip-link.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { FIXTURES, seed, vectors } from '../helpers.js';

interface LegacyVector {
  id: string;
  ip_link_show_output: string;
  parsed_lines: Array<{ vf?: number; MAC?: string; 'link-state'?: string }>;
}

const legacy = vectors<LegacyVector[]>('neutron_ip_link_legacy_regex.json');

describe('ip link show VF lines: the Neutron legacy-regex vectors', () => {
  for (const v of legacy) {
    test(v.id, () => {
      const links = parseIpLinkText(v.ip_link_show_output);
      const vfLines = v.ip_link_show_output.split('\n').filter((l) => /^\s*vf\s+\d+/.test(l));
      assert.equal(
        links.flatMap((l) => l.vfs).length,
        vfLines.length,
        'every VF line is parsed, in either format',
      );
      // Wherever Neutron's own regex parsed a line, we agree on index, MAC and link-state.
      for (const p of v.parsed_lines) {
        if (p.vf === undefined) continue;
        const vf = links.flatMap((l) => l.vfs).find((x) => x.index === p.vf);
        assert.ok(vf, `VF ${p.vf}`);
        assert.equal(vf.mac, p.MAC?.toLowerCase());
        assert.equal(vf.linkState, p['link-state']);
      }
    });
  }

  test('the iproute2 >= 5.3 format parses to the same VFs as the < 5.3 format', () => {
    const old = parseIpLinkText(
      legacy.find((v) => v.id === 'legacy.iproute_lt_5_3_format')!.ip_link_show_output,
    )[0]!;
    const neu = parseIpLinkText(
      legacy.find((v) => v.id === 'legacy.iproute_ge_5_3_format_breaks_regex')!.ip_link_show_output,
    )[0]!;
    assert.equal(neu.vfs.length, 2);
    for (const vf of neu.vfs) assert.deepEqual(vf, old.vfs[vf.index]);
    assert.deepEqual(neu.altnames, ['enp5s0f1np1']);
    const vf2 = old.vfs[2]!;
    assert.deepEqual(
      [
        vf2.vlan,
        vf2.qos,
        vf2.maxTxRateMbps,
        vf2.minTxRateMbps,
        vf2.txRateMbps,
        vf2.spoofCheck,
        vf2.trust,
        vf2.queryRss,
      ],
      [200, 3, 1000, 100, 1000, false, false, false],
    );
  });
});

describe('ip link show: the seed lab outputs', () => {
  test('PF ens2f1 with 8 VFs, one of them a direct port on VLAN 101', () => {
    const [link, ...rest] = parseIpLinkText(seed('ip-link-show-ens2f1-direct.txt'));
    assert.equal(rest.length, 0);
    assert.ok(link);
    assert.equal(link.name, 'ens2f1');
    assert.equal(link.ifindex, 7);
    assert.equal(link.mtu, 9000);
    assert.equal(link.master, 'ovs-system');
    assert.equal(link.operState, 'UP');
    assert.equal(link.mac, '40:a8:f0:2b:d8:d4');
    assert.deepEqual(link.flags, ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']);
    assert.equal(link.vfs.length, 8);
    const vf1 = link.vfs[1]!;
    assert.deepEqual(
      {
        mac: vf1.mac,
        vlan: vf1.vlan,
        max: vf1.maxTxRateMbps,
        spoof: vf1.spoofCheck,
        state: vf1.linkState,
        trust: vf1.trust,
      },
      { mac: 'fa:16:3e:30:1b:66', vlan: 101, max: 10000, spoof: true, state: 'auto', trust: null },
    );
    for (const vf of link.vfs.filter((v) => v.index !== 1)) {
      assert.equal(vf.mac, '00:00:00:00:00:00');
      assert.equal(vf.vlan, 0);
    }
  });

  test('the macvtap port is VF 1 of the PF: same MAC in the PF table and on macvtap0', () => {
    const pf = parseIpLinkText(seed('ip-link-show-ens2f1-macvtap.txt'))[0]!;
    const mv = parseIpLinkText(seed('ip-d-link-show-macvtap0.txt'))[0]!;
    assert.equal(mv.name, 'macvtap0');
    assert.equal(mv.peer, 'enp8s9f1');
    assert.equal(mv.kind, 'macvtap');
    assert.equal(pf.vfs.find((v) => v.mac === mv.mac)?.index, 1);
  });
});

describe('parseVfLine', () => {
  test('is null for lines that are not VF lines', () => {
    assert.equal(parseVfLine('    link/ether 40:a8:f0:2b:d8:d4 brd ff:ff:ff:ff:ff:ff'), null);
    assert.equal(parseVfLine('vfoo 1'), null);
  });
  test('a line without MAC still yields its fields', () => {
    assert.deepEqual(
      (({ index, mac, linkState, spoofCheck }) => ({ index, mac, linkState, spoofCheck }))(
        parseVfLine('    vf 4, spoof checking off, link-state disable')!,
      ),
      { index: 4, mac: null, linkState: 'disable', spoofCheck: false },
    );
  });
  test('an 802.1ad VLAN and an unknown link-state word', () => {
    const vf = parseVfLine(
      'vf 0     link/ether aa:bb:cc:dd:ee:ff brd ff:ff:ff:ff:ff:ff, vlan 7, vlan protocol 802.1ad, link-state weird',
    )!;
    assert.equal(vf.vlan, 7);
    assert.equal(vf.vlanProtocol, '802.1ad');
    assert.equal(vf.linkState, null);
  });
});

describe('ip -j link: the check without zod', () => {
  test('isJsonLinks accepts no document that the schema refuses, and the collector output', () => {
    const snap = parseSnapshot(readFileSync(join(FIXTURES, 'snapshot-facts/bench-collector.snapshot')));
    const doc = JSON.parse(snap.text('cmd.ip-j-d-link') ?? '') as Array<Record<string, unknown>>;
    assert.ok(isJsonLinks(doc) && JsonLinks.safeParse(doc).success);
    const pf = doc.find((l) => Array.isArray(l.vfinfo_list))!;
    assert.ok(pf, 'a link with a VF table');
    const vf = (pf.vfinfo_list as Array<Record<string, unknown>>)[0]!;
    const bad = [undefined, null, 'x', '', 1, -1, 1.5, 2 ** 60, true, [], {}, ['x'], [1], [{}], [null]];
    // Each place the schema looks at, with each value: [object to alter, its keys].
    const linkKeys = [
      'ifindex',
      'ifname',
      'link',
      'flags',
      'mtu',
      'master',
      'operstate',
      'link_type',
      'address',
      'altnames',
      'parentdev',
      'parentbus',
      'linkinfo',
      'vfinfo_list',
    ];
    const vfKeys = [
      'vf',
      'address',
      'mac',
      'vlan_list',
      'vlan',
      'qos',
      'tx_rate',
      'rate',
      'spoofchk',
      'link_state',
      'trust',
      'query_rss_en',
    ];
    let refused = 0;
    const check = (altered: unknown, what: string) => {
      const schema = JsonLinks.safeParse(altered).success;
      if (isJsonLinks(altered)) assert.ok(schema, `isJsonLinks accepts ${what}, the schema does not`);
      else refused++;
    };
    const copy = () => structuredClone(doc);
    for (const v of bad) {
      for (const key of linkKeys) {
        const d = copy();
        const l = d.find((x) => x.ifname === pf.ifname)!;
        if (v === undefined) delete l[key];
        else l[key] = v;
        check(d, `link ${key} = ${JSON.stringify(v)}`);
      }
      for (const key of [
        ...vfKeys,
        'vlan_list.0',
        'vlan_list.0.vlan',
        'vlan_list.0.qos',
        'vlan_list.0.protocol',
      ]) {
        for (const sub of [
          '',
          'rate.max_tx',
          'rate.min_tx',
          'linkinfo.info_kind',
          'linkinfo.info_slave_kind',
        ]) {
          const d = copy();
          const l = d.find((x) => x.ifname === pf.ifname)!;
          l.linkinfo = { info_kind: 'x', info_slave_kind: 'y' };
          const f = (l.vfinfo_list as Array<Record<string, unknown>>)[0]!;
          f.vlan_list = [{ vlan: 5, qos: 0, protocol: '802.1Q' }];
          f.rate = { max_tx: 0, min_tx: 0 };
          const path = sub === '' ? key : sub;
          const parts = path.split('.');
          let o: Record<string, unknown> = parts[0] === 'linkinfo' ? l : f;
          for (const p of parts.slice(0, -1)) o = o[p] as Record<string, unknown>;
          const last = parts.at(-1)!;
          if (v === undefined) delete o[last];
          else o[last] = v;
          check(d, `${path} = ${JSON.stringify(v)}`);
        }
      }
    }
    for (const d of [null, {}, 'x', [null], [1], [[]], [{}]]) check(d, JSON.stringify(d));
    assert.ok(refused > 150, `${refused} altered documents refused`);
    assert.ok(vf);
  });
});
