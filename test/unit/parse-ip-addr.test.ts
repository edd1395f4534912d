// `ip -o addr show` and `ip route show default` as iproute2 prints them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDefaultRoutes, parseIpAddrOneline } from '../../src/facts/parse-ip-addr.js';

// Captured from iproute2 6.x on Debian (the trailing "\" is how -o joins continuation lines).
const ADDR = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever
4: eth0    inet6 fd00::2/64 scope global nodad \\       valid_lft forever preferred_lft forever
4: eth0    inet6 fe80::fc:ff:fe00:1/64 scope link \\       valid_lft forever preferred_lft forever
9: bond0.120@bond0    inet 172.29.236.16/22 brd 172.29.239.255 scope global bond0.120\\       valid_lft forever preferred_lft forever
`;

describe('ip -o addr show', () => {
  test('every address line, with its device, family, prefix and scope', () => {
    const a = parseIpAddrOneline(ADDR);
    assert.equal(a.length, 6);
    assert.deepEqual(a[2], {
      dev: 'eth0',
      family: 'inet',
      address: '192.0.2.2',
      prefixLength: 24,
      scope: 'global',
    });
    assert.deepEqual(a[4], {
      dev: 'eth0',
      family: 'inet6',
      address: 'fe80::fc:ff:fe00:1',
      prefixLength: 64,
      scope: 'link',
    });
    assert.equal(a[5]!.dev, 'bond0.120', 'the @lower suffix is not part of the name');
  });
  test('other text is ignored', () => {
    assert.deepEqual(parseIpAddrOneline('Error: ipv4: Address not found.\n\n'), []);
  });
});

describe('ip route show default', () => {
  test('gateway and device per default route, IPv4 and IPv6', () => {
    assert.deepEqual(parseDefaultRoutes('default via 192.0.2.1 dev eth0 \n', 'inet'), [
      { dev: 'eth0', family: 'inet', via: '192.0.2.1', proto: null },
    ]);
    assert.deepEqual(
      parseDefaultRoutes(
        'default via fe80::2 dev eth0 proto ra metric 1024 expires 1798sec hoplimit 64 pref medium\n',
        'inet6',
      ),
      [{ dev: 'eth0', family: 'inet6', via: 'fe80::2', proto: 'ra' }],
    );
    assert.deepEqual(parseDefaultRoutes('default via fd00::1 dev eth0 metric 1024 pref medium\n', 'inet6'), [
      { dev: 'eth0', family: 'inet6', via: 'fd00::1', proto: null },
    ]);
    assert.deepEqual(
      parseDefaultRoutes('default dev ppp0 scope link\n10.0.0.0/8 via 10.1.1.1 dev eth1\n', 'inet'),
      [{ dev: 'ppp0', family: 'inet', via: null, proto: null }],
    );
  });
});
