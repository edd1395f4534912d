// Benchmarks, one "name: value" line per figure. Run with `npm run bench` (builds first).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  buildModel,
  factsFromSnapshot,
  loadDeployDir,
  matchFacts,
  novaDevspec,
  parseRelease,
  parseSnapshot,
  readHostFacts,
  runChecks,
} from '../dist/index.js';
import { benchStartup } from './bench-startup.js';
import { collectorBenchHost } from './collector-bench-host.js';

/** A synthetic snapshot of a large compute host: PFS PFs with VFS VFs each, with VF tables. */
function syntheticSnapshot(pfs, vfs, hostname = 'bench', netdev = (p) => `ens${p}`) {
  const lines = [
    'osa-sriov-snapshot 1',
    `v host.hostname ${hostname}`,
    'v kernel.cmdline BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt',
    'v count./sys/kernel/iommu_groups 4096',
    'n /sys/class/iommu dmar0',
  ];
  const links = [];
  for (let p = 0; p < pfs; p++) {
    const bus = (0x10 + p).toString(16).padStart(2, '0');
    const pf = `0000:${bus}:00.0`;
    const P = `/sys/bus/pci/devices/${pf}`;
    lines.push(
      `n pci.net ${pf}`,
      `v ${P}/vendor 0x8086`,
      `v ${P}/device 0x1572`,
      `v ${P}/sriov_totalvfs 128`,
    );
    lines.push(
      `v ${P}/sriov_numvfs ${vfs}`,
      `v ${P}/sriov_vf_device 154c`,
      `l ${P}/driver ../../bus/pci/drivers/i40e`,
    );
    lines.push(
      `n ${P}/net ${netdev(p)}`,
      `v /sys/class/net/${netdev(p)}/mtu 9000`,
      `v /sys/class/net/${netdev(p)}/operstate up`,
      `v /sys/class/net/${netdev(p)}/carrier 1`,
    );
    const vfinfo = [];
    for (let v = 0; v < vfs; v++) {
      const vf = `0000:${bus}:${(2 + (v >> 3)).toString(16).padStart(2, '0')}.${v & 7}`;
      const V = `/sys/bus/pci/devices/${vf}`;
      lines.push(`l ${P}/virtfn${v} ../${vf}`, `n pci.net ${vf}`, `l ${V}/driver ../../bus/pci/drivers/iavf`);
      lines.push(`l ${V}/physfn ../${pf}`, `l ${V}/iommu_group ../../kernel/iommu_groups/${p * vfs + v}`);
      vfinfo.push({
        vf: v,
        address: 'fa:16:3e:00:00:01',
        vlan_list: [{ vlan: 100 + v }],
        rate: { max_tx: 0, min_tx: 0 },
        spoofchk: true,
        link_state: 'auto',
        trust: false,
      });
    }
    links.push({
      ifindex: p + 2,
      ifname: netdev(p),
      mtu: 9000,
      operstate: 'UP',
      address: '3c:fd:fe:00:00:01',
      vfinfo_list: vfinfo,
    });
  }
  lines.push('v persist.udev.searched 1', 'v persist.udev.0.file /etc/udev/rules.d/70-sriov.rules');
  lines.push(
    `v persist.udev.0.lines 1:${Array.from({ length: pfs }, (_, p) => `KERNEL=="${netdev(p)}", ATTR{device/sriov_numvfs}="${vfs}"`).join(' ')}`,
  );
  const hex = Buffer.from(JSON.stringify(links)).toString('hex');
  lines.push('b cmd.ip-j-d-link 0');
  for (let i = 0; i < hex.length; i += 32) lines.push(`x ${hex.slice(i, i + 32)}`);
  lines.push('end', '');
  return lines.join('\n');
}

/**
 * An OSA config dir with N computes, each with 2 SR-IOV PFs (ens1f0, ens1f1 on physnet1 and
 * physnet2). perHost: every compute carries its own nova_device_spec in host_vars: (as when NIC
 * names differ per host); otherwise the computes share group_vars/compute_hosts.yml.
 */
function syntheticDeploy(n, perHost, byAddress = false) {
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-bench-'));
  const spec = (indent) =>
    byAddress
      ? `${indent}nova_device_spec:\n${indent}  - address: "0000:10:00.0"\n${indent}    vendor_id: "8086"\n${indent}    product_id: "154c"\n${indent}    physical_network: physnet1\n${indent}  - address: "0000:11:00.0"\n${indent}    vendor_id: "8086"\n${indent}    product_id: "154c"\n${indent}    physical_network: physnet2`
      : `${indent}nova_device_spec:\n${indent}  - devname: ens1f0\n${indent}    physical_network: physnet1\n${indent}  - devname: ens1f1\n${indent}    physical_network: physnet2`;
  const hosts = [];
  for (let i = 0; i < n; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    hosts.push(`  compute${i}:\n    ip: ${ip}${perHost ? `\n    host_vars:\n${spec('      ')}` : ''}`);
  }
  const net = (name, pf) =>
    `    - network:\n        container_bridge: br-${name}\n        container_interface: eth-${name}\n        type: vlan\n        range: "100:200"\n        net_name: ${name}\n        sriov_host_interfaces: "${pf}"\n        group_binds:\n          - neutron_sriov_nic_agent\n          - neutron_ovn_controller`;
  const config = [
    'cidr_networks:\n  container: 10.0.0.0/8',
    `global_overrides:\n  provider_networks:\n${net('physnet1', 'ens1f0')}\n${net('physnet2', 'ens1f1')}`,
    'network_hosts:\n  infra1:\n    ip: 172.29.236.11\ncompute-infra_hosts:\n  infra1:\n    ip: 172.29.236.11',
    `compute_hosts:\n${hosts.join('\n')}`,
  ].join('\n');
  writeFileSync(join(dir, 'openstack_user_config.yml'), `${config}\n`);
  writeFileSync(
    join(dir, 'user_variables.yml'),
    'neutron_plugin_types: [ml2.sriov]\nnova_scheduler_extra_filters: [PciPassthroughFilter]\n',
  );
  mkdirSync(join(dir, 'group_vars'));
  if (!perHost) writeFileSync(join(dir, 'group_vars/compute_hosts.yml'), `${spec('')}\n`);
  return dir;
}

/**
 * The collector (dash as /bin/sh would be) on a generated host of 2 PFs x 64 VFs with a full
 * userland's candidate files (scripts/collector-bench-host.js): the median wall time of 3 runs.
 */
function benchCollector() {
  const { root, bin, vfs } = collectorBenchHost();
  const script = fileURLToPath(new URL('../src/facts/collect.sh', import.meta.url));
  const shell = spawnSync('sh', ['-c', 'command -v dash']).status === 0 ? 'dash' : 'sh';
  const times = [];
  let vfsSeen = 0;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const r = spawnSync(shell, [script], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, OSA_SRIOV_ROOT: root },
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    times.push((performance.now() - start) / 1000);
    if (r.status !== 0) throw new Error(`collector failed: ${r.stderr.toString()}`);
    vfsSeen = factsFromSnapshot(parseSnapshot(r.stdout)).pfs.reduce((n, p) => n + p.vfs.length, 0);
  }
  rmSync(root, { recursive: true, force: true });
  rmSync(bin, { recursive: true, force: true });
  if (vfsSeen !== vfs) throw new Error(`the collector saw ${vfsSeen} VFs of ${vfs}`);
  times.sort((a, b) => a - b);
  console.log(`collector-seconds: ${times[1].toFixed(2)}`);
  console.log(`collector_vfs: ${vfsSeen}`);
}

/** Each case runs in its own process, so that its peak memory is its own. */
function runCase(name) {
  // --- the CLI's start-up (issue 17): scripts/bench-startup.js ---
  if (name === 'startup') {
    benchStartup();
    return;
  }
  // --- end of start-up ---
  if (name === 'collector') {
    benchCollector();
    return;
  }
  if (name === 'snapshot') {
    const text = syntheticSnapshot(8, 128);
    const rounds = 20;
    const start = performance.now();
    let facts;
    for (let i = 0; i < rounds; i++) facts = factsFromSnapshot(parseSnapshot(text));
    console.log(`facts_from_snapshot_8pf_x_128vf_ms: ${((performance.now() - start) / rounds).toFixed(1)}`);
    console.log(`facts_from_snapshot_vfs: ${facts.pfs.reduce((n, p) => n + p.vfs.length, 0)}`);
    return;
  }
  if (name === 'devspec') {
    // 100 address/vendor specs against 100,000 devices, first match wins (as Nova's whitelist).
    const raw = [];
    for (let i = 0; i < 100; i++) {
      const bus = (i % 64).toString(16).padStart(2, '0');
      raw.push(
        JSON.stringify(
          i % 2
            ? { vendor_id: '8086', product_id: '154c', address: `0000:${bus}:*.*` }
            : { vendor_id: '15b3', address: `*:${bus}:02.*`, physical_network: 'physnet1' },
        ),
      );
    }
    const specs = novaDevspec.parseDeviceSpecs(raw);
    const devices = [];
    for (let i = 0; i < 100000; i++) {
      const bus = (i % 254).toString(16).padStart(2, '0');
      const slot = (i % 32).toString(16).padStart(2, '0');
      devices.push({
        vendor_id: i % 3 ? '8086' : '15b3',
        product_id: '154c',
        address: `0000:${bus}:${slot}.${i % 8}`,
      });
    }
    const matcher = new novaDevspec.DeviceMatcher(specs);
    const start = performance.now();
    let matched = 0;
    for (const d of devices) if (matcher.match(d) !== null) matched++;
    const s = (performance.now() - start) / 1000;
    console.log(`devspec-match-evals-per-sec: ${Math.round(matcher.evaluations / s)}`);
    console.log(`devspec_match_evaluations: ${matcher.evaluations}`);
    console.log(`devspec_devices_matched: ${matched}`);
    return;
  }
  if (name === 'check') {
    // 5,000 computes, each with a snapshot of 2 PFs x 64 VFs on disk: read, parse, match, check.
    const n = 5000;
    const dir = syntheticDeploy(n, false, true);
    const factsDir = join(dir, 'facts');
    mkdirSync(factsDir);
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const text = syntheticSnapshot(2, 64, `compute${i}`, (p) => `ens1f${p}`);
      bytes += text.length;
      writeFileSync(join(factsDir, `compute${i}.snapshot`), text);
    }
    const rssBefore = process.memoryUsage().rss;
    const start = performance.now();
    const files = readdirSync(factsDir).map((f) => ({
      file: join(factsDir, f),
      stem: f.replace(/\.snapshot$/, ''),
      facts: readHostFacts(readFileSync(join(factsDir, f))),
    }));
    const parsed = performance.now();
    const model = buildModel(loadDeployDir(dir), parseRelease('33'));
    const modelled = performance.now();
    const match = matchFacts(model.inventory, files);
    const result = runChecks(model, match.byHost);
    const ms = performance.now() - start;
    rmSync(dir, { recursive: true, force: true });
    console.log(`check_5000_computes_facts_mib: ${(bytes / 1048576).toFixed(0)}`);
    console.log(`check_5000_computes_read_parse_facts_ms: ${(parsed - start).toFixed(0)}`);
    console.log(`check_5000_computes_load_render_ms: ${(modelled - parsed).toFixed(0)}`);
    console.log(`check_5000_computes_rules_ms: ${(performance.now() - modelled).toFixed(0)}`);
    console.log(`check_5000_computes_total_ms: ${ms.toFixed(0)}`);
    console.log(`check_5000_computes_hosts_with_facts: ${result.hostsWithFacts.length}`);
    console.log(`check_5000_computes_findings: ${result.findings.length}`);
    console.log(`check_5000_computes_peak_rss_mib: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`);
    console.log(`check_5000_computes_rss_before_mib: ${(rssBefore / 1048576).toFixed(0)}`);
    return;
  }
  const perHost = name === 'osa-per-host';
  const dir = syntheticDeploy(5000, perHost);
  const label = perHost ? 'osa_5000_computes_host_vars' : 'osa_5000_computes';
  const start = performance.now();
  const model = buildModel(loadDeployDir(dir), parseRelease('33'));
  const ms = performance.now() - start;
  rmSync(dir, { recursive: true, force: true });
  console.log(`${label}_load_render_ms: ${ms.toFixed(0)}`);
  console.log(`${label}_hosts_rendered: ${model.hosts.size}`);
  console.log(`${label}_peak_rss_mib: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`);
}

const only = process.argv[2];
if (only) runCase(only);
else {
  for (const c of ['snapshot', 'osa', 'osa-per-host', 'devspec', 'check', 'collector', 'startup']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), c], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
