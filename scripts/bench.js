// Benchmarks, one "name: value" line per figure. Run with `npm run bench` (builds first).
import { performance } from 'node:perf_hooks';
import { factsFromSnapshot, parseSnapshot } from '../dist/index.js';

/** A synthetic snapshot of a large compute host: PFS PFs with VFS VFs each, with VF tables. */
function syntheticSnapshot(pfs, vfs) {
  const lines = [
    'osa-sriov-snapshot 1',
    'v host.hostname bench',
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
      `n ${P}/net ens${p}`,
      `v /sys/class/net/ens${p}/mtu 9000`,
      `v /sys/class/net/ens${p}/operstate up`,
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
      ifname: `ens${p}`,
      mtu: 9000,
      operstate: 'UP',
      address: '3c:fd:fe:00:00:01',
      vfinfo_list: vfinfo,
    });
  }
  const hex = Buffer.from(JSON.stringify(links)).toString('hex');
  lines.push('b cmd.ip-j-d-link 0');
  for (let i = 0; i < hex.length; i += 32) lines.push(`x ${hex.slice(i, i + 32)}`);
  lines.push('end', '');
  return lines.join('\n');
}

const text = syntheticSnapshot(8, 128);
const rounds = 20;
const start = performance.now();
let facts;
for (let i = 0; i < rounds; i++) facts = factsFromSnapshot(parseSnapshot(text));
const ms = (performance.now() - start) / rounds;
console.log(`facts_from_snapshot_8pf_x_128vf_ms: ${ms.toFixed(1)}`);
console.log(`facts_from_snapshot_vfs: ${facts.pfs.reduce((n, p) => n + p.vfs.length, 0)}`);
console.log(`snapshot_bytes: ${text.length}`);
console.log(`peak_rss_mib: ${(process.memoryUsage().rss / 1048576).toFixed(0)}`);
