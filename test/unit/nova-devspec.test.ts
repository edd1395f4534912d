// test/vectors/nova_device_spec.json and nova_pci_address.json, every case.
// Where upstream crashes with a Python TypeError/AttributeError we raise PciConfigInvalidSpec
// instead (a deliberate difference), and assert that.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DeviceMatcher,
  DeviceSpec,
  firstMatch,
  globAddress,
  NO_HOST,
  type NovaDevice,
  NovaError,
  type NovaHost,
  parseAddress,
  parseDeviceSpecs,
  physicalAddress,
  regexAddress,
  WhitelistAddress,
} from '../../src/openstack/nova-devspec.js';
import { rng, vectors } from '../helpers.js';

interface HostFixture {
  pf_addresses?: string[];
  netdevs?: Record<string, { pci_address: string; is_pf: boolean }>;
  sriov_vf_device?: Record<string, string>;
  pci_ids?: Record<string, [string, string]>;
}

function host(h: HostFixture | undefined): NovaHost {
  if (!h) return NO_HOST;
  return {
    isPhysicalFunction: (a) => (h.pf_addresses ?? []).includes(a),
    functionByIfname: (i) => {
      const n = h.netdevs?.[i];
      return n ? [n.pci_address, n.is_pf] : [null, false];
    },
    vfProductIdOfPf: (pf) => h.sriov_vf_device?.[pf] ?? null,
    pciIds: (a) => h.pci_ids?.[a] ?? null,
  };
}

interface SpecVector {
  id: string;
  spec?: string;
  device_spec?: string[];
  host?: HostFixture;
  conf?: Record<string, boolean>;
  device?: NovaDevice;
  expect?: 'match' | 'nomatch';
  expect_error?: boolean;
  error_class?: string;
  error_message?: string;
  error_contains?: string;
  error_phase?: 'parse' | 'match';
  expect_spec_count?: number;
  expect_tags?: Record<string, unknown>;
  resulting_tags?: Record<string, unknown> | Array<Record<string, unknown>>;
}

function assertNovaError(
  fn: () => unknown,
  v: { error_class?: string; error_message?: string; error_contains?: string },
) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof NovaError, `a NovaError, got ${String(e)}`);
    if (v.error_class === 'TypeError' || v.error_class === 'AttributeError') {
      // Deliberate difference: upstream crashes; we report invalid config and say so.
      assert.equal(e.errorClass, 'PciConfigInvalidSpec');
      assert.equal(e.upstreamCrash, v.error_class);
      return true;
    }
    assert.equal(e.errorClass, v.error_class);
    if (v.error_message !== undefined) assert.equal(e.message, v.error_message);
    if (v.error_contains !== undefined) assert.ok(e.message.includes(v.error_contains), e.message);
    return true;
  });
}

describe('nova_device_spec vectors', () => {
  const file = vectors<{ vectors: SpecVector[] }>('nova_device_spec.json');
  for (const v of file.vectors) {
    test(v.id, () => {
      const h = host(v.host);
      const conf = { reportInPlacement: v.conf?.['pci.report_in_placement'] === true };
      const build = (): DeviceSpec[] =>
        v.spec !== undefined
          ? [new DeviceSpec(JSON.parse(v.spec), h, conf)]
          : parseDeviceSpecs(v.device_spec ?? [], h, conf);
      if (v.expect_error && v.error_phase !== 'match') {
        assertNovaError(build, v);
        return;
      }
      const specs = build();
      if (v.expect_spec_count !== undefined) assert.equal(specs.length, v.expect_spec_count);
      if (v.resulting_tags !== undefined) {
        const tags = specs.map((s) => s.tags);
        assert.deepEqual(Array.isArray(v.resulting_tags) ? tags : tags[0], v.resulting_tags);
      }
      if (v.expect_tags !== undefined)
        for (const [k, x] of Object.entries(v.expect_tags)) assert.deepEqual(specs[0]?.tags[k], x, k);
      if (v.expect_error) assertNovaError(() => firstMatch(specs, v.device!), v);
      else if (v.device && v.expect) assert.equal(firstMatch(specs, v.device) !== null, v.expect === 'match');
    });
  }
});

interface AddressVector {
  id: string;
  kind: 'physical' | 'glob' | 'regex' | 'parse_address';
  input: string | Record<string, string>;
  parsed?: unknown;
  device_address?: string;
  expect?: 'match' | 'nomatch';
  expect_error?: boolean;
  error_class?: string;
  error_message?: string;
}

describe('nova_pci_address vectors', () => {
  for (const v of vectors<AddressVector[]>('nova_pci_address.json')) {
    test(v.id, () => {
      const parse = () => {
        if (v.kind === 'parse_address') return parseAddress(v.input as string);
        if (v.kind === 'physical') return physicalAddress(v.input);
        if (v.kind === 'glob') return globAddress(v.input as string);
        return regexAddress(v.input as Record<string, string>).fields;
      };
      if (v.expect_error) {
        assertNovaError(parse, v);
        return;
      }
      if (v.parsed !== undefined) assert.deepEqual(parse(), v.parsed);
      if (v.device_address !== undefined) {
        const addr = new WhitelistAddress(v.input, v.kind === 'physical', NO_HOST);
        assert.equal(addr.match(v.device_address, null), v.expect === 'match');
      }
    });
  }
});

describe('device_spec properties', () => {
  const r = rng(4242);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const hex = (max: number, w: number) =>
    Math.floor(r() * (max + 1))
      .toString(16)
      .padStart(w, '0');
  const ids = ['*', '8086', '15B3', '0x15b3', ' 1e ', '10ed', '1572'];
  const globs = () =>
    pick([
      '*',
      '',
      `${hex(3, 4)}:${hex(3, 2)}:${hex(3, 2)}.${hex(7, 1)}`,
      `*:${hex(3, 2)}:${hex(3, 2)}.*`,
      `:${hex(3, 2)}:${hex(3, 2)}.`,
      `.${hex(7, 1)}`,
      `${hex(3, 2)}`,
      `0:${hex(3, 1)}:0.${hex(7, 1)}`,
    ]);
  const regex = () => ({
    domain: '.*',
    bus: pick(['0[0-3]', hex(3, 2), '.*']),
    slot: pick(['0', hex(3, 2)]),
    function: pick(['[0-7]', hex(7, 1)]),
  });
  const randomSpec = () => {
    const s: Record<string, unknown> = {};
    if (r() < 0.8) s.vendor_id = pick(ids);
    if (r() < 0.8) s.product_id = pick(ids).trim();
    if (r() < 0.8) s.address = r() < 0.7 ? globs() : regex();
    if (r() < 0.5) s.physical_network = pick(['physnet1', 'physnet2', null]);
    if (r() < 0.3) s.trusted = pick(['true', 'false']);
    return s;
  };
  const randomDevice = (): NovaDevice => {
    const addr = `${hex(3, 4)}:${hex(3, 2)}:${hex(3, 2)}.${hex(7, 1)}`;
    return {
      vendor_id: pick(['8086', '15b3', '001e']),
      product_id: pick(['10ed', '1572', '15b3']),
      address: addr,
      ...(r() < 0.5 ? { parent_addr: `${addr.slice(0, 10)}.0` } : {}),
    };
  };
  const specHost: NovaHost = { ...NO_HOST, isPhysicalFunction: (a) => a.endsWith('.0') };

  test('normalisation is idempotent, and a normalised spec matches the same devices', () => {
    const devices = Array.from({ length: 60 }, randomDevice);
    for (let i = 0; i < 400; i++) {
      const raw = randomSpec();
      const once = new DeviceSpec(structuredClone(raw), specHost);
      const n1 = once.normalized();
      const again = new DeviceSpec(JSON.parse(JSON.stringify(n1)), specHost);
      assert.deepEqual(again.normalized(), n1, JSON.stringify(raw));
      for (const d of devices)
        assert.equal(again.match(d), once.match(d), `${JSON.stringify(raw)} vs ${JSON.stringify(d)}`);
    }
  });
});

test('DeviceMatcher decides exactly as firstMatch', () => {
  const file = vectors<{ vectors: SpecVector[] }>('nova_device_spec.json');
  let compared = 0;
  for (const v of file.vectors) {
    if (!v.device || v.expect_error) continue;
    const h = host(v.host);
    const specs =
      v.spec !== undefined
        ? [new DeviceSpec(JSON.parse(v.spec), h)]
        : parseDeviceSpecs(v.device_spec ?? [], h);
    assert.equal(new DeviceMatcher(specs).match(v.device), firstMatch(specs, v.device), v.id);
    compared++;
  }
  assert.ok(compared > 50);
});

describe('a NovaError says what it is about (code, key), so callers never read its message', () => {
  // Nova's own messages name the key for these; the field must agree on every vector.
  const keyNamedBy = (message: string): string | null => {
    const tag = message.match(/Cannot parse tag '(\w+)'/)?.[1];
    if (tag) return tag;
    const prop = message.match(/property (vendor_id|product_id|func|domain|bus|slot) /)?.[1];
    if (prop) return prop === 'vendor_id' || prop === 'product_id' ? prop : 'address';
    return null;
  };

  test('every error of the vectors has a code, and the key its message names', () => {
    const file = vectors<{ vectors: SpecVector[] }>('nova_device_spec.json');
    let named = 0;
    for (const v of file.vectors) {
      if (!v.expect_error || v.error_phase === 'match') continue;
      const conf = { reportInPlacement: v.conf?.['pci.report_in_placement'] === true };
      try {
        if (v.spec !== undefined) new DeviceSpec(JSON.parse(v.spec), host(v.host), conf);
        else parseDeviceSpecs(v.device_spec ?? [], host(v.host), conf);
        assert.fail(`${v.id} raises`);
      } catch (e) {
        assert.ok(e instanceof NovaError, v.id);
        assert.ok(e.code, `${v.id} has a code`);
        const k = keyNamedBy(e.message);
        if (k !== null) {
          assert.equal(e.key, k, `${v.id}: ${e.message}`);
          named++;
        }
        if (e.errorClass === 'PciConfigInvalidSpec')
          assert.equal(e.message, `Invalid [pci]device_spec config: ${e.detail}`, v.id);
        else assert.equal(e.detail, e.message, v.id);
      }
    }
    assert.ok(named >= 10, `${named} vectors name a key`);
  });

  const pfHost: NovaHost = {
    ...NO_HOST,
    isPhysicalFunction: (a) => a === '0000:81:00.0',
    vfProductIdOfPf: () => '10ed',
    pciIds: () => ['8086', '10fb'],
  };
  const cases: Array<[spec: string, code: string, key: string | null, reportInPlacement?: boolean]> = [
    ['{"vendor_id": 8086}', 'not-a-string', 'vendor_id'],
    ['{"product_id": "zz"}', 'not-hex', 'product_id'],
    ['{"product_id": "1ffff"}', 'too-large', 'product_id'],
    ['{"address": "0000:00:00.8"}', 'too-large', 'address'],
    ['{"address": "0000:00:00:00.0"}', 'bad-address', 'address'],
    ['{"address": {"domain": 1}}', 'regex-not-string', 'address'],
    ['{"devname": "eth0", "address": "0000:81:00.0"}', 'devname-and-address', 'devname'],
    ['{"managed": "perhaps"}', 'bad-bool-tag', 'managed'],
    ['{"one_time_use": "true"}', 'one-time-use-without-placement', 'one_time_use'],
    ['{"devname": "eth9", "remote_managed": "true"}', 'remote-managed-not-present', 'remote_managed'],
    ['{"address": "0000:81:00.0", "remote_managed": "true"}', 'remote-managed-pf', null],
    [
      '{"address": "0000:81:00.0", "vendor_id": "15b3", "product_id": "1018", "remote_managed": "true"}',
      'remote-managed-vf-ids',
      'remote_managed',
    ],
    ['[1]', 'invalid-entry', null],
    ['"a string"', 'invalid-entry', null],
    // The operator's value is quoted in the message: it must not decide what the error is about.
    ['{"address": "one_time_use"}', 'not-hex', 'address'],
    ["{'address': '0000:81:00.0', 'remote_managed': 'true'}", 'invalid-entry', null],
  ];
  for (const [spec, code, key, placement] of cases) {
    test(`${spec} → ${code}${key ? ` on ${key}` : ''}`, () => {
      assert.throws(
        () => parseDeviceSpecs([spec], pfHost, { reportInPlacement: placement === true }),
        (e: unknown) => {
          assert.ok(e instanceof NovaError);
          assert.equal(e.code, code, e.message);
          assert.equal(e.key, key, e.message);
          return true;
        },
      );
    });
  }
});
