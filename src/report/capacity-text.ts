// `capacity` output: VFs per host × physnet (× NUMA node) with the hosts near exhaustion marked,
// totals per physnet; or the JSON documented in docs/capacity.md.
import { CAPACITY_SCHEMA, type Capacity, type CapacityRow, type CapacitySource } from '../cloud/capacity.js';
import { policySourceText } from '../openstack/nova-fit.js';
import { NUMA_AFFINITY_POLICIES, type NumaAffinityPolicy } from '../openstack/nova-pci-match.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { painter, type Style } from './style.js';
import { table } from './table.js';

export interface CapacityJson {
  schema: typeof CAPACITY_SCHEMA;
  tool: { name: string; version: string };
  source: CapacitySource;
  /** The deploy dir the device_spec came from; null for the agent source. */
  deployDir: string | null;
  rows: CapacityRow[];
  physnets: Capacity['physnets'];
  exhausted: Capacity['exhausted'];
  /** With --flavor: servers of it that still fit per host × physnet under each policy; else null. */
  flavorFit: Capacity['flavorFit'];
  notes: string[];
}

export function capacityJson(c: Capacity, meta: { deployDir: string | null }): CapacityJson {
  return {
    schema: CAPACITY_SCHEMA,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    source: c.source,
    deployDir: meta.deployDir,
    rows: c.rows,
    physnets: c.physnets,
    exhausted: c.exhausted,
    flavorFit: c.flavorFit,
    notes: c.notes,
  };
}

function flavorFitText(
  f: NonNullable<Capacity['flavorFit']>,
  paint: (s: Style, t: string) => string,
): string[] {
  const each = `${f.ports} ${f.vnicType} port${f.ports === 1 ? '' : 's'} each`;
  const topo = f.numaTopology
    ? `NUMA topology ${f.numaTopology.cells} node${f.numaTopology.cells === 1 ? '' : 's'} (${f.numaTopology.because.join(', ')}); the flavor/image give policy ${f.policy.policy} (${policySourceText(f.policy)}), marked *`
    : 'no NUMA topology: every policy counts the same (Nova filters no NUMA node)';
  const mark = (p: NumaAffinityPolicy) =>
    f.numaTopology && p === f.policy.policy ? `${p.toUpperCase()}*` : p.toUpperCase();
  return [
    paint(
      'bold',
      `Servers of flavor ${f.flavor}${f.image ? ` with image ${f.image}` : ''} that still fit (${each}), per PCI NUMA policy:`,
    ),
    `  ${topo}`,
    table(
      ['HOST', 'PHYSNET', ...NUMA_AFFINITY_POLICIES.map(mark), 'NOTE'],
      f.rows.map((r) => [
        r.host,
        r.physnet,
        ...NUMA_AFFINITY_POLICIES.map((p) => dash(r.servers[p])),
        r.why ?? '',
      ]),
    ).replace(/ +$/gm, ''),
    '  counted by placing them one after another as Nova does (PCI devices only: CPUs and memory of the NUMA node are not checked)',
  ];
}

const RED = 'red';
const YELLOW = 'yellow';
const BOLD = 'bold';

const dash = (v: number | null): string => (v === null ? '-' : String(v));

export function renderCapacityText(
  c: Capacity,
  opts: { color: boolean; deployDir: string | null; release?: string },
): string {
  const paint = painter(opts.color);
  const source =
    c.source === 'device_spec'
      ? `totals from each compute's Nova device_spec in ${opts.deployDir ?? 'the deployment'}${opts.release ? ` (OSA ${opts.release})` : ''} and the host facts`
      : "totals from the NIC Switch agents' device_mappings and the host facts (give --deploy for Nova's device_spec, which is what the scheduler uses)";
  const out: string[] = [
    paint(BOLD, 'osa-sriov capacity: SR-IOV VFs per host and physnet'),
    `  ${source}`,
    '',
  ];
  if (c.rows.length === 0) out.push('  no SR-IOV host found');
  else {
    const numa = c.rows.some((r) => r.numaNode !== null);
    const headers = ['HOST', 'PHYSNET', ...(numa ? ['NUMA'] : []), 'PFS', 'TOTAL', 'USED', 'FREE', 'STATUS'];
    const cells = c.rows.map((r) => [
      r.host,
      r.physnet,
      ...(numa ? [dash(r.numaNode)] : []),
      r.pfs.join(',') || '-',
      dash(r.total),
      String(r.inUse),
      dash(r.free),
      r.status,
    ]);
    const lines = table(headers, cells).split('\n');
    out.push(lines[0]!);
    c.rows.forEach((r, i) => {
      const code = r.status === 'exhausted' ? RED : r.status === 'low' ? YELLOW : null;
      out.push(code ? paint(code, lines[i + 1]!) : lines[i + 1]!);
    });
    out.push('', 'Per physnet (hosts with facts):');
    out.push(
      table(
        ['PHYSNET', 'HOSTS', 'TOTAL', 'USED', 'FREE', 'NO FACTS'],
        c.physnets.map((p) => [
          p.physnet,
          String(p.hosts),
          String(p.total),
          String(p.inUse),
          String(p.free),
          String(p.unknownHosts),
        ]),
      ),
    );
  }
  if (c.flavorFit) out.push('', ...flavorFitText(c.flavorFit, paint));
  if (c.notes.length > 0) {
    out.push('', 'Notes:');
    for (const n of c.notes) out.push(`  ${n}`);
  }
  out.push('');
  out.push(
    c.exhausted.length > 0
      ? paint(
          RED,
          `exhausted: ${c.exhausted.map((e) => `${e.host} ${e.physnet}`).join(', ')} (no VF left: new direct ports there fail with "No valid host was found")`,
        )
      : 'no host × physnet is exhausted',
  );
  return `${out.join('\n')}\n`;
}
