// A fleet of compute hosts for `npm run bench` (check-*, render-*) and for the fleet tests:
// every snapshot is what collect.sh (the real collector, run by dash or sh) writes for the
// generated host of scripts/collector-bench-host.js (2 PFs x 64 VFs, each VF with a netdev;
// the VF tables and the persistence evidence as blobs, as the collector writes them), then
// given its own host name and MAC addresses, so that no two hosts have the same snapshot.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectorBenchHost } from './collector-bench-host.js';

/** The host name the collector bench host reports (in host.hostname and nova.conf). */
const TEMPLATE_HOST = 'compute-bench';

/** The collector's snapshot of the bench host, as bytes. */
export function collectorSnapshot() {
  const { root, bin } = collectorBenchHost();
  try {
    const script = fileURLToPath(new URL('../src/facts/collect.sh', import.meta.url));
    const shell = spawnSync('sh', ['-c', 'command -v dash']).status === 0 ? 'dash' : 'sh';
    const r = spawnSync(shell, [script], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, OSA_SRIOV_ROOT: root },
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`collector failed: ${r.stderr.toString()}`);
    return r.stdout;
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  }
}

/**
 * A snapshot as a list of parts: record lines as they are, and blobs (their `b` line and
 * their decoded content), so that a host's copy can change text inside blobs too.
 */
export function snapshotParts(bytes) {
  const parts = [];
  let blob = null;
  for (const line of bytes.toString('latin1').split('\n')) {
    if (line.startsWith('x ') && blob) {
      blob.hex.push(line.slice(2));
      continue;
    }
    if (blob) {
      parts.push({ head: blob.head, text: Buffer.from(blob.hex.join(''), 'hex').toString('latin1') });
      blob = null;
    }
    if (line.startsWith('b ')) blob = { head: line, hex: [] };
    else parts.push(line);
  }
  return parts;
}

/** Writes parts back as a snapshot, blobs as the collector writes them (16 bytes a line). */
export function snapshotText(parts, edit = (s) => s) {
  const out = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      out.push(edit(p));
      continue;
    }
    out.push(p.head);
    const hex = Buffer.from(edit(p.text), 'latin1').toString('hex');
    for (let i = 0; i < hex.length; i += 32) out.push(`x ${hex.slice(i, i + 32)}`);
  }
  return out.join('\n');
}

const hex2 = (n) => (n & 255).toString(16).padStart(2, '0');

/** Host I's copy of the template: its name, its own PF, VF netdev and VF table MACs. */
export function hostSnapshot(parts, name, i) {
  return snapshotText(parts, (s) =>
    s
      .replaceAll(TEMPLATE_HOST, name)
      .replace(/3c:fd:fe:00:0(\d):00/g, `3c:fd:fe:${hex2(i >> 8)}:${hex2(i)}:0$1`)
      .replaceAll('02:00:00:00:', `02:00:${hex2(i >> 8)}:${hex2(i)}:`)
      .replaceAll('fa:16:3e:00:', `fa:16:3e:${hex2(i)}:`),
  );
}

/** Writes N snapshots, DIR/compute<i>.snapshot from i = FIRST; returns their total size in bytes. */
export function writeFleet(dir, n, parts = snapshotParts(collectorSnapshot()), first = 0) {
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  for (let i = first; i < first + n; i++) {
    const text = hostSnapshot(parts, `compute${i}`, i);
    bytes += text.length;
    writeFileSync(join(dir, `compute${i}.snapshot`), text);
  }
  return bytes;
}

/** The bench host's SR-IOV PFs: netdev and PCI address, on physnet1 and physnet2. */
export const FLEET_PFS = [
  { netdev: 'ens1f0', address: '0000:3b:00.0' },
  { netdev: 'ens2f0', address: '0000:3c:00.0' },
];

/**
 * An OSA config dir with N computes whose SR-IOV PFs are `pfs` (by default the bench host's;
 * the first on physnet1, the second on physnet2). perHost: each compute has its own
 * nova_device_spec in host_vars (as when NIC names differ per host); otherwise the computes share
 * group_vars/compute_hosts.yml. byAddress: the specs name the PFs' PCI addresses, else devnames.
 */
export function fleetDeploy(n, { perHost = false, byAddress = true, pfs = FLEET_PFS } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-bench-'));
  const physnets = pfs.map((pf, i) => ({ ...pf, physnet: `physnet${i + 1}` }));
  const spec = (indent) =>
    `${indent}nova_device_spec:\n${physnets
      .map((p) =>
        byAddress
          ? `${indent}  - address: "${p.address}"\n${indent}    vendor_id: "8086"\n${indent}    product_id: "154c"\n${indent}    physical_network: ${p.physnet}`
          : `${indent}  - devname: ${p.netdev}\n${indent}    physical_network: ${p.physnet}`,
      )
      .join('\n')}`;
  const hosts = [];
  for (let i = 0; i < n; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    hosts.push(`  compute${i}:\n    ip: ${ip}${perHost ? `\n    host_vars:\n${spec('      ')}` : ''}`);
  }
  const net = (name, pf) =>
    `    - network:\n        container_bridge: br-${name}\n        container_interface: eth-${name}\n        type: vlan\n        range: "100:200"\n        net_name: ${name}\n        sriov_host_interfaces: "${pf}"\n        group_binds:\n          - neutron_sriov_nic_agent\n          - neutron_ovn_controller`;
  const config = [
    'cidr_networks:\n  container: 10.0.0.0/8',
    `global_overrides:\n  provider_networks:\n${physnets.map((p) => net(p.physnet, p.netdev)).join('\n')}`,
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
