// `vf-map` output: a table of every VF a port holds (and every configured VF no port holds), the
// discrepancies under it; or the JSON documented in docs/vf-map.md.
import { VF_MAP_SCHEMA, type VfMap, type VfMapHost, type VfMapRow, vfMapSummary } from '../cloud/vf-map.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { painter } from './style.js';
import { table } from './table.js';

export interface VfMapJson {
  schema: typeof VF_MAP_SCHEMA;
  tool: { name: string; version: string };
  summary: { rows: number; errors: number; warnings: number };
  hosts: VfMapHost[];
  rows: VfMapRow[];
  notes: string[];
}

export function vfMapJson(m: VfMap): VfMapJson {
  return {
    schema: VF_MAP_SCHEMA,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    summary: vfMapSummary(m),
    hosts: m.hosts,
    rows: m.rows,
    notes: m.notes,
  };
}

const RED = 'red';
const YELLOW = 'yellow';
const BOLD = 'bold';

const dash = (v: string | number | null): string => (v === null || v === '' ? '-' : String(v));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function server(r: VfMapRow): string {
  if (!r.serverId) return '-';
  return `${r.serverName ?? '?'} (${r.serverId})${r.serverStatus && r.serverStatus !== 'ACTIVE' ? ` ${r.serverStatus}` : ''}`;
}

/** "VF 2", "PF" for a direct-physical port (the whole PF), "-" when the facts do not say. */
function vfCell(r: VfMapRow): string {
  if (r.vfIndex !== null) return String(r.vfIndex);
  return r.pf !== null && r.pfPciAddress === r.vfPciAddress ? 'PF' : '-';
}

export function renderVfMapText(m: VfMap, opts: { color: boolean }): string {
  const paint = painter(opts.color);
  const sum = vfMapSummary(m);
  const out: string[] = [paint(BOLD, 'osa-sriov vf-map: the VF each SR-IOV port holds'), ''];
  if (m.rows.length === 0) out.push('  no SR-IOV port holds a VF, and no VF is left configured');
  else {
    const headers = [
      'HOST',
      'PF',
      'VF',
      'PCI',
      'MAC',
      'VLAN',
      'PORT',
      'STATUS',
      'VNIC',
      'SERVER',
      'PROBLEMS',
    ];
    const cells = m.rows.map((r) => [
      r.host,
      dash(r.pf),
      vfCell(r),
      r.vfPciAddress,
      dash(r.mac),
      dash(r.vlan),
      dash(r.portId),
      dash(r.portStatus),
      dash(r.vnicType),
      server(r),
      r.problems.map((p) => p.kind).join(',') || '-',
    ]);
    const lines = table(headers, cells).split('\n');
    out.push(lines[0]!);
    m.rows.forEach((r, i) => {
      const worst = r.problems.some((p) => p.severity === 'error')
        ? RED
        : r.problems.length > 0
          ? YELLOW
          : null;
      out.push(worst ? paint(worst, lines[i + 1]!) : lines[i + 1]!);
    });
  }
  const problems = m.rows.flatMap((r) => r.problems.map((p) => ({ r, p })));
  if (problems.length > 0) {
    out.push('', 'Problems:');
    for (const { r, p } of problems)
      out.push(
        `  ${paint(p.severity === 'error' ? RED : YELLOW, p.severity.padEnd(7))} ${p.kind}  ${r.host} ${r.vfPciAddress}${r.portId ? ` port ${r.portId}` : ''}`,
        `          ${p.message}`,
      );
  }
  if (m.notes.length > 0) {
    out.push('', 'Notes:');
    for (const n of m.notes) out.push(`  ${n}`);
  }
  const held = m.rows.filter((r) => r.portId !== null).length;
  out.push(
    '',
    `${plural(held, 'port')} holding a VF, ${plural(m.rows.length - held, 'configured VF')} without a port; ${plural(sum.errors, 'error')}, ${plural(sum.warnings, 'warning')}`,
  );
  return `${out.join('\n')}\n`;
}
