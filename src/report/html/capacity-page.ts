// `capacity --format html`: the live cloud's VFs per host × physnet × NUMA node, and which server
// holds them, with the page parts of the check report (shell, escaping, bar chart).
import type { Capacity, CapacityRow } from '../../cloud/capacity.js';
import { short } from '../../cloud/topology.js';
import type { VfMap, VfMapRow } from '../../cloud/vf-map.js';
import { TOOL_NAME, TOOL_VERSION } from '../../version.js';
import { type Bar, barChart, MAX_ROWS } from './charts.js';
import { type Html, html } from './escape.js';
import { page } from './layout.js';

export interface CapacityPageMeta {
  /** The deploy dir whose device_spec gave the totals; null: the agents' mappings did. */
  deployDir: string | null;
  release: string | null;
  /** The cloud's name (clouds.yaml) or its auth URL. */
  cloud: string;
  generatedAt: Date;
}

const sameHost = (a: string, b: string) => a === b || short(a) === short(b);

/** The ports (and their servers) holding this row's VFs, from the VF map of the same cloud. */
function holders(row: CapacityRow, rows: readonly CapacityRow[], map: VfMap): VfMapRow[] {
  // Several NUMA rows of a host × physnet: the port's PF says which one.
  const siblings = rows.filter((r) => r.host === row.host && r.physnet === row.physnet).length;
  return map.rows.filter(
    (v) =>
      v.portId !== null &&
      v.physnet === row.physnet &&
      sameHost(v.host, row.host) &&
      (siblings < 2 || (v.pf !== null && row.pfs.includes(v.pf))),
  );
}

const dash = (v: number | null) => (v === null ? '–' : v);

function serverCell(held: readonly VfMapRow[]): Html {
  if (held.length === 0) return html`<span class="muted">–</span>`;
  return html`${held.map(
    (v, i) =>
      html`${i > 0 ? html`<br>` : null}${v.serverName ?? v.serverId ?? '(no server)'} <span class="muted">port ${v.portId}${v.vfIndex !== null ? `, VF ${v.vfIndex}` : ''} ${v.vfPciAddress}</span>`,
  )}`;
}

const STATUS_CLASS: Record<CapacityRow['status'], string> = {
  exhausted: 's-error',
  low: 's-warning',
  ok: 's-ok',
  'no-vfs': '',
  unknown: '',
};

export function renderCapacityHtml(c: Capacity, map: VfMap, meta: CapacityPageMeta): string {
  const bars: Bar[] = c.rows.map((r) => ({
    label: `${r.host} · ${r.physnet}${r.numaNode !== null ? ` · NUMA ${r.numaNode}` : ''}`,
    segments:
      r.total === null
        ? [{ cls: 'in-use', value: r.inUse, label: 'in use (total unknown: no facts)' }]
        : [
            { cls: 'in-use', value: r.inUse, label: 'in use' },
            { cls: 'free', value: r.free ?? 0, label: 'free' },
          ],
  }));
  const table = html`<table class="capacity"><thead><tr><th>host</th><th>physnet</th><th>NUMA</th><th>PFs</th><th>total</th><th>in use</th><th>free</th><th>status</th><th>in use by</th></tr></thead><tbody>${c.rows.map(
    (r) =>
      html`<tr><th scope="row">${r.host}</th><td>${r.physnet}</td><td>${dash(r.numaNode)}</td><td class="mono">${r.pfs.join(', ') || '–'}</td><td>${dash(r.total)}</td><td>${r.inUse}</td><td>${dash(r.free)}</td><td class="${STATUS_CLASS[r.status]}">${r.status}</td><td>${serverCell(holders(r, c.rows, map))}</td></tr>`,
  )}</tbody></table>`;
  const source =
    c.source === 'device_spec'
      ? `Totals: the VFs each compute's Nova device_spec offers per physnet (${meta.deployDir ?? 'the deployment'}${meta.release ? `, OSA ${meta.release}` : ''}), matched on the host facts as nova-compute matches them.`
      : "Totals: the VFs of the PFs each NIC Switch agent maps per physnet (give --deploy for Nova's device_spec, which is what the scheduler uses).";
  const body = html`<section id="capacity"><h2>VFs per host, physnet and NUMA node</h2>
<p class="muted">${source} In use: the VFs that bound ports hold (binding:profile pci_slot).</p>
${
  c.rows.length === 0
    ? html`<p>No SR-IOV host found.</p>`
    : html`<p class="legend"><span class="in-use"></span>in use<span class="free"></span>free</p>${barChart(
        'VFs per host, physnet and NUMA node',
        bars.slice(0, MAX_ROWS),
        bars.length > MAX_ROWS ? `and ${bars.length - MAX_ROWS} more rows: see the table` : null,
      )}${table}`
}
<h2>Per physnet</h2><table><thead><tr><th>physnet</th><th>hosts</th><th>total</th><th>in use</th><th>free</th><th>hosts without facts</th></tr></thead><tbody>${c.physnets.map(
    (p) =>
      html`<tr><td>${p.physnet}</td><td>${p.hosts}</td><td>${p.total}</td><td>${p.inUse}</td><td>${p.free}</td><td>${p.unknownHosts}</td></tr>`,
  )}</tbody></table>
${c.exhausted.length > 0 ? html`<p class="s-error">Exhausted (no VF left: new direct ports there fail with "No valid host was found"): ${c.exhausted.map((e) => `${e.host} ${e.physnet}`).join(', ')}</p>` : html`<p class="s-ok">No host × physnet is exhausted.</p>`}
${c.notes.length > 0 ? html`<h2>Notes</h2><ul>${c.notes.map((n) => html`<li>${n}</li>`)}</ul>` : null}</section>
<footer>Written by ${TOOL_NAME} ${TOOL_VERSION}; everything is in this file.</footer>`;
  const facts: Array<[string, string]> = [
    ['cloud', meta.cloud],
    [
      'totals from',
      c.source === 'device_spec'
        ? `Nova device_spec in ${meta.deployDir ?? '?'}`
        : "the agents' device_mappings",
    ],
  ];
  if (meta.release) facts.push(['OSA release', meta.release]);
  facts.push(
    ['read at', meta.generatedAt.toISOString().replace(/\.\d+Z$/, 'Z')],
    ['tool', `${TOOL_NAME} ${TOOL_VERSION}`],
  );
  return page({ title: `${TOOL_NAME} capacity: ${meta.cloud}`, facts }, body, false);
}
