// The plan's guarantees on random deployments: for random intents over random facts and
// releases, the edited deploy directory (loaded by src/osa, checked by src/checks) has no
// error finding, gives every host the intended mappings and device_spec, PyYAML reads every
// written file as we do, and a second plan changes nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { FactsForHost } from '../../src/deployment/context.js';
import type { HostFacts, Pf, Vf } from '../../src/facts/host-facts.js';
import { loadDeployDir } from '../../src/osa/load.js';
import { buildModel } from '../../src/osa/model.js';
import { parseYaml, toPlain } from '../../src/osa/pyyaml.js';
import { verifyPlan, writeChanges } from '../../src/plan/apply.js';
import { derivePlan } from '../../src/plan/derive.js';
import { planEdits } from '../../src/plan/edits.js';
import { parseIntent } from '../../src/plan/intent.js';
import { REPO } from '../helpers.js';

const TEMPLATE = JSON.parse(
  readFileSync(join(REPO, 'test/fixtures/rules/_base-facts/compute1.json'), 'utf8'),
) as HostFacts;

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
    shuffle: <T>(xs: readonly T[]): T[] => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
type Rng = ReturnType<typeof rng>;

const RELEASES = [
  'rocky',
  'stein',
  'train',
  'victoria',
  'xena',
  'yoga',
  'zed',
  '2023.1',
  '27.4.1',
  '2024.1',
  '2025.1',
  '2026.1',
];
const HOSTS = ['compute1', 'compute10', 'cmp-a', 'cmp-b', 'node7'];
const NICS = ['ens1f0', 'ens1f1', 'enp59s0f0', 'p1p1', 'eth4', 'ens2f1'];

function vfAddress(bus: string, fn: number, i: number): string {
  const n = fn + 16 + i;
  return `0000:${bus}:${(n >> 3).toString(16).padStart(2, '0')}.${n & 7}`;
}

function randomPf(r: Rng, netdev: string, bus: string, fn: number): Pf {
  const total = r.pick([4, 7, 16, 63]);
  const num = r.chance(0.4) ? 0 : r.int(1, total);
  const sameId = r.chance(0.1);
  const base = TEMPLATE.pfs[0]!;
  const pci = `0000:${bus}:00.${fn}`;
  const vfs: Vf[] = Array.from({ length: num }, (_, i) => ({
    ...base.vfs[0]!,
    index: i,
    pciAddress: vfAddress(bus, fn, i),
    netdev: `${netdev.slice(0, 10)}v${i}`,
    mac: `02:00:00:00:${fn.toString(16).padStart(2, '0')}:${i.toString(16).padStart(2, '0')}`,
    vlan: 0,
    // Now and then the host itself uses a VF (a bond or VLAN on it), never the first.
    uppers: i > 0 && r.chance(0.15) ? ['bond7'] : [],
  }));
  return {
    ...base,
    pciAddress: pci,
    netdev,
    altnames: [],
    vendorId: '8086',
    deviceId: '1572',
    vfDeviceId: sameId ? '1572' : '154c',
    totalVfs: total,
    numVfs: num,
    master: null,
    sriovCapability: {
      initialVfs: total,
      totalVfs: total,
      numVfs: num,
      vfOffset: 16,
      vfStride: 1,
      vfDeviceId: sameId ? '1572' : '154c',
    },
    vfs,
  };
}

function randomFacts(r: Rng, host: string, nics: string[]): HostFacts {
  const pfs = nics.map((n, i) => randomPf(r, n, (0x10 + i).toString(16), r.int(0, 1)));
  // A PF in a bond is never planned (the intent below skips it), but it is on the host.
  const bonded = r.chance(0.3)
    ? [{ ...randomPf(r, 'eno9', '30', 0), master: { kind: 'bond' as const, name: 'bond0' } }]
    : [];
  return {
    ...TEMPLATE,
    hostname: host,
    cpu: { vendor: r.pick(['GenuineIntel', 'AuthenticAMD']), virtualization: null },
    pfs: [...pfs, ...bonded],
    network: null,
  };
}

interface Case {
  release: string;
  plugin: 'ovs' | 'ovn' | 'lxb';
  hosts: string[];
  facts: Map<string, HostFacts>;
  config: string;
  userVariables: string;
  intent: string;
}

function majorOf(release: string): number {
  const majors: Record<string, number> = {
    rocky: 18,
    stein: 19,
    train: 20,
    victoria: 22,
    xena: 24,
    yoga: 25,
    zed: 26,
    '2023.1': 27,
    '27.4.1': 27,
    '2024.1': 29,
    '2025.1': 31,
    '2026.1': 33,
  };
  return majors[release]!;
}

function randomCase(seed: number): Case {
  const r = rng(seed);
  const release = r.pick(RELEASES);
  const major = majorOf(release);
  const plugin =
    major >= 31
      ? r.pick(['ovs', 'ovn'] as const)
      : major >= 26
        ? r.pick(['ovs', 'ovn', 'lxb'] as const)
        : r.pick(['ovs', 'lxb'] as const);
  const hosts = r.shuffle(HOSTS).slice(0, r.int(2, 4));
  const homogeneous = r.chance(0.5);
  const shared = r.shuffle(NICS).slice(0, 2);
  const facts = new Map(
    hosts.map((h) => [h, randomFacts(r, h, homogeneous ? shared : r.shuffle(NICS).slice(0, r.int(1, 3)))]),
  );
  const agent = {
    ovs: 'neutron_openvswitch_agent',
    ovn: 'neutron_ovn_controller',
    lxb: 'neutron_linuxbridge_agent',
  }[plugin];
  const overlay = plugin === 'ovn' ? 'geneve' : 'vxlan';
  // Sometimes the physnet already exists, badly: an unquoted range (sexagesimal), a devname spec.
  const existing = r.chance(0.5)
    ? `
    - network:   # the VLAN network
        container_bridge: "br-vlan"
        container_type: "veth"
        container_interface: "eth11"
        type: "vlan"
        range: ${r.pick(['1:50', '"1:50"'])}
        net_name: physnet1
        group_binds:
          - ${agent}`
    : '';
  const gateways =
    plugin === 'ovn' && major >= 26
      ? `\n${major >= 33 ? 'network_gateway_hosts' : 'network-gateway_hosts'}:\n  infra1:\n    ip: 172.29.236.11\n`
      : '';
  const computeLines = hosts
    .map((h, i) => {
      const leak = r.chance(0.2)
        ? `\n    container_vars:\n      nova_pci_passthrough_whitelist: '{"devname": "${facts.get(h)!.pfs[0]!.netdev}", "physical_network": "physnet1"}'`
        : '';
      return `  ${h}:\n    ip: 172.29.236.${21 + i}${leak}`;
    })
    .join('\n');
  const config = `---
# random deployment ${seed}
cidr_networks:
  management: 172.29.236.0/22
  tunnel: 172.29.240.0/22
used_ips:
  - "172.29.236.1,172.29.236.50"
global_overrides:
  internal_lb_vip_address: 172.29.236.10
  external_lb_vip_address: 203.0.113.10
  management_bridge: br-mgmt
  provider_networks:
    - network:
        container_bridge: br-mgmt
        container_type: veth
        container_interface: eth1
        ip_from_q: management
        type: raw
        group_binds:
          - all_containers
          - hosts
        is_management_address: true
    - network:
        container_bridge: br-vxlan
        container_type: veth
        container_interface: eth10
        ip_from_q: tunnel
        type: ${overlay}
        range: "1:1000"
        net_name: ${overlay}
        group_binds:
          - ${agent}${existing}
shared-infra_hosts:
  infra1:
    ip: 172.29.236.11
os-infra_hosts:
  infra1:
    ip: 172.29.236.11
network_hosts:
  infra1:
    ip: 172.29.236.11
${gateways}
compute_hosts:
${computeLines}
`;
  const userVariables = [
    `# user variables ${seed}`,
    `neutron_plugin_type: ml2.${plugin === 'lxb' ? 'lxb' : plugin}`,
    ...(r.chance(0.5) ? ['neutron_plugin_types:', '  - ml2.sriov'] : []),
    ...(r.chance(0.3)
      ? [`nova_pci_passthrough_whitelist: '{"devname": "ens1f0", "physical_network": "physnet1"}'`]
      : []),
    '',
  ].join('\n');
  // The intent: physnet1 on one free PF of each host; physnet2 on another when there is one.
  const free = (h: string) => facts.get(h)!.pfs.filter((p) => p.master === null);
  const spec = (p: Pf) => {
    const n = r.int(1, p.totalVfs ?? 1);
    const iface = r.pick([`${p.netdev}`, `{pciAddress: "${p.pciAddress}"}`]);
    return { iface, n };
  };
  const physnet = (name: string, index: number) => {
    const entries = hosts
      .filter((h) => free(h).length > index)
      .map((h) => {
        const s = spec(free(h)[index]!);
        return `      ${h}:\n        interfaces: [${s.iface}]\n        numVfs: ${s.n}\n        trusted: ${r.chance(0.3)}`;
      });
    if (entries.length === 0) return '';
    const ranges =
      r.chance(0.7) || major < 24 ? `\n    vlanRanges: ["${100 + index * 100}:${150 + index * 100}"]` : '';
    return `  - name: ${name}\n    type: vlan${ranges}\n    hosts:\n${entries.join('\n')}\n`;
  };
  const intent = `osaRelease: "${release}"\nplugin: ${plugin}\nphysnets:\n${physnet('physnet1', 0)}${r.chance(0.5) ? physnet('sriovnet2', 1) : ''}`;
  return { release, plugin, hosts, facts, config, userVariables, intent };
}

function plan(dir: string, c: Case) {
  const intent = parseIntent(c.intent, 'intent.yml');
  const model = buildModel(loadDeployDir(dir), intent.release);
  const derived = derivePlan(intent, model.inventory, c.facts);
  assert.deepEqual(derived.problems, [], 'the random intent is satisfiable');
  const edits = planEdits(intent, derived, model);
  return { intent, derived, edits };
}

const python = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' }).status === 0;
if (!python && process.env.CI) throw new Error('CI must compare with PyYAML: python3-yaml is missing');

/** PyYAML's reading of files, as JSON (the loader OSA uses). */
function pyyamlRead(files: string[]): unknown[] {
  const r = spawnSync(
    'python3',
    [
      '-c',
      'import sys, json, yaml\nprint(json.dumps([yaml.safe_load(open(f)) for f in sys.argv[1:]]))',
      ...files,
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as unknown[];
}

describe('plan round trip on random deployments', () => {
  const CASES = Number(process.env.OSA_SRIOV_PLAN_CASES ?? 60);
  test(`${CASES} random intents × facts × releases: no check error, intended mappings, idempotent`, (t) => {
    const written: string[] = [];
    for (let seed = 1; seed <= CASES; seed++) {
      const c = randomCase(seed);
      const dir = mkdtempSync(join(tmpdir(), `osa-plan-rt-${seed}-`));
      writeFileSync(join(dir, 'openstack_user_config.yml'), c.config);
      writeFileSync(join(dir, 'user_variables.yml'), c.userVariables);
      const label = `seed ${seed} (${c.release}, ${c.plugin}, ${c.hosts.join(' ')})\n${c.intent}`;
      const first = plan(dir, c);
      assert.deepEqual(first.edits.problems, [], label);
      const facts = new Map<string, FactsForHost>(
        [...c.facts].map(([h, f]) => [h, { facts: f, source: `${h}.json` }]),
      );
      const v = verifyPlan(first.intent, first.derived, first.edits.changes, dir, facts);
      assert.deepEqual(v.mismatches, [], label);
      assert.deepEqual(
        v.errors.map((f) => `${f.ruleId} ${f.host ?? ''}: ${f.message}`),
        [],
        label,
      );
      // Every planned host maps exactly what the intent gives it.
      for (const h of first.derived.hosts) {
        const got = v.model.hosts.get(h.host)?.providerNetworks?.network_sriov_mappings ?? '';
        const want = Object.entries(h.mappings).flatMap(([n, ds]) => ds.map((d) => `${n}:${d}`));
        assert.deepEqual(got.split(',').filter(Boolean).sort(), want.sort(), `${label}\n${h.host}`);
      }
      writeChanges(first.edits.changes, 'rt');
      written.push(...first.edits.changes.map((x) => x.file));
      const second = plan(dir, c);
      assert.deepEqual(
        second.edits.changes.map((x) => `${x.file}: ${x.reasons.join('; ')}`),
        [],
        `${label}\nthe second plan changes nothing`,
      );
    }
    if (!python) {
      t.diagnostic('PyYAML parity not checked: python3-yaml is not installed');
    } else {
      const py = pyyamlRead(written);
      written.forEach((f, i) => {
        assert.deepEqual(toPlain(parseYaml(readFileSync(f, 'utf8'), f)), py[i], `PyYAML reads ${f} as we do`);
      });
    }
  });
});

describe('plan keeps what it does not change', () => {
  test('comments, anchors, conf.d and key order survive; the physnet entry is edited in conf.d', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-plan-keep-'));
    cpSync(join(REPO, 'test/fixtures/rules/_base'), dir, { recursive: true });
    mkdirSync(join(dir, 'conf.d'));
    const config = readFileSync(join(dir, 'openstack_user_config.yml'), 'utf8');
    // provider_networks moves to conf.d, with anchors and comments.
    const confd = `# Provider networks live here (conf.d).
_binds: &ovn_binds
  - neutron_ovn_controller   # every compute and gateway
global_overrides:
  provider_networks:
    - network:
        container_bridge: br-mgmt
        container_type: veth
        container_interface: eth1
        ip_from_q: management
        type: raw
        group_binds: [all_containers, hosts]
        is_management_address: true
    - network:
        # The tenant VLANs.
        container_bridge: "br-vlan"     # keep the quotes
        container_type: veth
        container_interface: eth11
        type: vlan
        range: "101:200"
        net_name: physnet1
        group_binds: *ovn_binds
`;
    writeFileSync(join(dir, 'conf.d/networks.yml'), confd);
    writeFileSync(
      join(dir, 'openstack_user_config.yml'),
      config.replace(/ {2}provider_networks:[\s\S]*?\n(?=\S)/, ''),
    );
    const c: Case = {
      release: '2026.1',
      plugin: 'ovn',
      hosts: ['compute1', 'compute2'],
      facts: new Map(
        ['compute1', 'compute2'].map((h) => [
          h,
          JSON.parse(
            readFileSync(join(REPO, `test/fixtures/rules/_base-facts/${h}.json`), 'utf8'),
          ) as HostFacts,
        ]),
      ),
      config: '',
      userVariables: '',
      intent:
        'osaRelease: "2026.1"\nplugin: ovn\nphysnets:\n  - name: physnet1\n    type: vlan\n    vlanRanges: ["101:200"]\n    hosts:\n      compute_hosts:\n        interfaces: [eth0]\n        numVfs: 4\n',
    };
    const before = readFileSync(join(dir, 'openstack_user_config.yml'), 'utf8');
    const p = plan(dir, c);
    assert.deepEqual(p.edits.problems, []);
    const changed = new Map(p.edits.changes.map((x) => [x.file.slice(dir.length + 1), x.after]));
    assert.ok(!changed.has('openstack_user_config.yml'), 'the main file is left alone');
    assert.equal(readFileSync(join(dir, 'openstack_user_config.yml'), 'utf8'), before);
    const after = changed.get('conf.d/networks.yml');
    assert.ok(after, [...changed.keys()].join(', '));
    // Only lines were added: every original line is still there, in order.
    // The alias is replaced by a copy (editing the anchor would change every user of it).
    const kept = confd.split('\n').filter((l) => !l.includes('*ovn_binds'));
    let at = 0;
    for (const line of after.split('\n')) if (line === kept[at]) at++;
    assert.equal(at, kept.length, `every original line kept, in order:\n${after}`);
    assert.match(after, /^_binds: &ovn_binds\n {2}- neutron_ovn_controller {3}# every compute and gateway$/m);
    assert.match(after, /container_bridge: "br-vlan" {5}# keep the quotes/);
    assert.match(after, /sriov_host_interfaces: eth0/);
    const parsed = toPlain(parseYaml(after, 'networks.yml')) as {
      global_overrides: { provider_networks: Array<{ network: Record<string, unknown> }> };
    };
    const entry = parsed.global_overrides.provider_networks[1]!.network;
    assert.deepEqual(entry.group_binds, [
      'neutron_ovn_controller',
      'neutron_sriov_nic_agent',
      'neutron_ovn_gateway',
    ]);
    assert.equal(entry.sriov_host_interfaces, 'eth0');
  });
});
