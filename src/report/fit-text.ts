// `fit` output: the server as Nova sees it (NUMA topology, PCI NUMA policy and where it came
// from), one row per host with its verdict and free devices per NUMA node, and for each host that
// cannot take it why not and what would change that; or the JSON documented in docs/fit.md.
import { FIT_SCHEMA, type FitReport } from '../cloud/fit.js';
import { policySourceText } from '../openstack/nova-fit.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { painter } from './style.js';
import { table } from './table.js';

export interface FitJson extends FitReport {
  schema: typeof FIT_SCHEMA;
  tool: { name: string; version: string };
  mode: 'offline' | 'cloud';
}

export function fitJson(r: FitReport, mode: 'offline' | 'cloud'): FitJson {
  return { schema: FIT_SCHEMA, tool: { name: TOOL_NAME, version: TOOL_VERSION }, mode, ...r };
}

const nodeLabel = (n: number | null) => (n === null ? 'node ?' : `node ${n}`);

function specsText(specs: Record<string, string>): string {
  const items = Object.entries(specs).map(([k, v]) => `${k}=${v}`);
  return items.length === 0 ? 'no extra specs' : items.join(', ');
}

export function renderFitText(
  r: FitReport,
  opts: { color: boolean; mode: 'offline' | 'cloud'; deployDir: string | null },
): string {
  const paint = painter(opts.color);
  const ports = `${r.ports} ${r.vnicType} port${r.ports === 1 ? '' : 's'} on ${r.physnet}`;
  const out: string[] = [
    paint(
      'bold',
      `osa-sriov fit: flavor ${r.flavor.name}${r.image ? `, image ${r.image.name}` : ''}, ${ports}`,
    ),
    `  flavor: ${r.flavor.vcpus} vCPU, ${specsText(r.flavor.extraSpecs)}`,
    r.numaTopology
      ? `  NUMA topology: ${r.numaTopology.cells} NUMA node${r.numaTopology.cells === 1 ? '' : 's'} (${r.numaTopology.because.join(', ')}): Nova filters its devices by NUMA node`
      : '  NUMA topology: none (no pinning, huge pages or hw:numa_nodes): Nova filters no device by NUMA node',
    `  PCI NUMA policy: ${r.policy.policy}, from ${policySourceText(r.policy)}${r.numaTopology ? '' : ' (no effect without a NUMA topology)'}`,
    `  devices: ${
      r.source === 'device_spec'
        ? `each compute's Nova device_spec${opts.deployDir ? ` in ${opts.deployDir}` : ''} over its facts`
        : "the NIC Switch agents' device_mappings over the host facts (give --deploy for Nova's device_spec)"
    }; in use: ${r.usage === 'cloud' ? "the cloud's bound SR-IOV ports" : 'VFs a guest holds in the facts'}`,
    '',
  ];
  if (r.hosts.length === 0) out.push('  no SR-IOV compute host found');
  else {
    const verdict = (v: string) =>
      v === 'fits' ? paint('green', 'yes') : v === 'no' ? paint('red', 'no') : paint('yellow', 'unknown');
    out.push(
      table(
        ['HOST', 'FITS', 'ON', `FREE ${r.vnicType === 'direct-physical' ? 'PFS' : 'VFS'} PER NUMA NODE`],
        r.hosts.map((h) => [
          h.host,
          verdict(h.verdict),
          h.instanceCells ? h.instanceCells.map((c) => nodeLabel(c)).join('+') : '-',
          h.freePerNode.length === 0
            ? '-'
            : h.freePerNode.map((x) => `${nodeLabel(x.node)}: ${x.free}`).join(', '),
        ]),
      ),
    );
    for (const h of r.hosts) {
      if (h.reasons.length === 0 && h.remedies.length === 0) continue;
      out.push('', `  ${paint('bold', h.host)}:`);
      for (const why of h.reasons) out.push(`    ${h.verdict === 'fits' ? 'note' : 'why'}: ${why}`);
      for (const fix of h.remedies) out.push(`    would fit with: ${fix}`);
    }
  }
  out.push('');
  const known = r.hosts.filter((h) => h.verdict !== 'unknown').length;
  out.push(
    r.fits.length > 0
      ? `fits on ${r.fits.length} of ${r.hosts.length} host${r.hosts.length === 1 ? '' : 's'}: ${r.fits.join(', ')}`
      : known < r.hosts.length
        ? // A host without facts may have the VFs: Nova's answer cannot be told from here.
          paint(
            'yellow',
            `fits on none of the ${known} host${known === 1 ? '' : 's'} it could judge; ${r.hosts.length - known} host${r.hosts.length - known === 1 ? ' is' : 's are'} unknown (why: above), so whether Nova finds a host is not known`,
          )
        : paint('red', 'fits on no host: Nova would answer "No valid host was found"'),
  );
  if (r.notes.length > 0) {
    out.push('', 'Notes:');
    for (const n of r.notes) out.push(`  - ${n}`);
  }
  return `${out.join('\n')}\n`;
}
