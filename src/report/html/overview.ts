// The fleet overview: one row per host (computes first), a cell per rule family coloured by its
// worst finding and linking to the host's section. Hosts with the same role and findings fold
// into one row ("412 hosts like compute017"), so that a fleet of thousands stays readable.
import { type Html, html } from './escape.js';
import { type Fleet, type FleetHost, formatAge } from './fleet.js';

function iommuCell(h: FleetHost): Html {
  if (h.iommu === null) return html`<td class="muted">${h.pfs === null ? 'no facts' : 'unknown'}</td>`;
  return h.iommu ? html`<td class="s-ok">on</td>` : html`<td class="s-error">off</td>`;
}

function familyCell(h: FleetHost, family: string): Html {
  const f = h.families.get(family);
  if (!f) return html`<td class="fam muted">·</td>`;
  return html`<td class="fam s-${f.worst}"><a href="#${h.id}" title="${f.rules.join(', ')}">${f.count} ${f.worst}</a></td>`;
}

function row(h: FleetHost, fleet: Fleet, group: readonly FleetHost[]): Html {
  const names = group.map((g) => g.name.toLowerCase()).join(' ');
  const name =
    group.length > 1
      ? html`<a href="#${h.id}">${h.name}</a><details><summary>${group.length} hosts like ${h.name}</summary>${group.map(
          (g, i) => html`${i > 0 ? ', ' : ''}<a href="#${g.id}">${g.name}</a>`,
        )}</details>`
      : html`<a href="#${h.id}">${h.name}</a>`;
  const pfs =
    h.pfs === null ? html`<span class="muted">no facts</span>` : h.pfs.map((p) => p.name).join(', ') || '0';
  return html`<tr data-hosts="${names}"><th scope="row">${name}</th><td>${h.roles.join(', ')}</td><td>${h.factsAgeMs === null ? html`<span class="muted">${h.pfs === null ? 'no facts' : 'unknown'}</span>` : formatAge(h.factsAgeMs)}</td>${iommuCell(h)}<td>${pfs}</td>${fleet.families.map((f) => familyCell(h, f))}</tr>`;
}

/** Hosts by signature, in the order their first host appears. */
export function foldHosts(hosts: readonly FleetHost[]): FleetHost[][] {
  const groups = new Map<string, FleetHost[]>();
  for (const h of hosts) {
    const g = groups.get(h.signature);
    if (g) g.push(h);
    else groups.set(h.signature, [h]);
  }
  return [...groups.values()];
}

export function overview(fleet: Fleet): Html {
  const groups = foldHosts(fleet.hosts);
  const folded = groups.length < fleet.hosts.length;
  return html`<section id="overview"><h2>Fleet overview</h2>
<p class="muted">${fleet.hosts.length} hosts${folded ? `, ${groups.length} rows: hosts with the same role and the same findings share a row (open it for their names)` : ''}. A cell names the worst finding of that rule family on the host and links to the host's section.</p>
<table class="fleet"><thead><tr><th>host</th><th>role</th><th>facts age</th><th>IOMMU</th><th>SR-IOV PFs</th>${fleet.families.map((f) => html`<th>${f}</th>`)}</tr></thead>
<tbody>${groups.map((g) => row(g[0]!, fleet, g))}</tbody></table></section>`;
}
