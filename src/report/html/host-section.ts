// One host's section: its PFs, the VFs its device_spec offers, the settings OSA renders for it
// (with where each comes from), and its findings; and the finding markup the deployment part
// shares.
import type { Finding } from '../../checks/finding.js';
import { type Html, html } from './escape.js';
import { type Fleet, type FleetHost, findingAnchor, formatAge } from './fleet.js';

const dash = (v: string | number | null) => (v === null || v === '' ? '–' : v);

/**
 * The rule's title, its page's summary and upstream references (folded: the same for every
 * finding of the rule), and a link to its entry at the bottom of the page.
 */
function aboutRule(f: Finding, fleet: Fleet): Html {
  const title = fleet.ruleTitles.get(f.ruleId) ?? f.ruleId;
  const doc = fleet.ruleDocs.get(f.ruleId);
  if (!doc) return html`<div class="about"><b>rule:</b> <a href="#r-${f.ruleId}">${title}</a></div>`;
  return html`<details class="about"><summary><b>rule:</b> ${title}</summary><p>${doc.summary || fleet.ruleRationales.get(f.ruleId) || ''}</p>${doc.references.length > 0 ? html`<ul class="refs">${doc.references.map((r) => html`<li>${r}</li>`)}</ul>` : null}</details>`;
}

export function findingItem(f: Finding, fleet: Fleet, hostLabel: string | null, id?: string): Html {
  const l = f.location;
  return html`<li class="finding sev-${f.severity}" data-sev="${f.severity}" data-rule="${f.ruleId}"${id ? html` id="${id}"` : null}>
<div><span class="sev sev-${f.severity}">${f.severity}</span><a class="rid" href="#r-${f.ruleId}">${f.ruleId}</a>${hostLabel ? html`<span class="member">[${hostLabel}]</span> ` : null}${f.message}</div>
${l ? html`<div class="loc"><b>at</b> <code>${l.file}:${l.line}:${l.column}</code></div>` : null}
${f.evidence && f.evidence.length > 0 ? html`<ul class="ev">${f.evidence.map((e) => html`<li>${e}</li>`)}</ul>` : null}
${f.fix ? html`<div class="fix"><b>fix:</b><pre>${f.fix}</pre></div>` : null}${aboutRule(f, fleet)}</li>`;
}

/** A finding that reads like one shown in full on another host: its head, and a link there. */
function sameFindingItem(f: Finding, same: { id: string; host: string }, host: string): Html {
  const l = f.location;
  const head = f.message.length > 140 ? `${f.message.slice(0, 140)}…` : f.message;
  return html`<li class="finding sev-${f.severity}" data-sev="${f.severity}" data-rule="${f.ruleId}"><span class="sev sev-${f.severity}">${f.severity}</span><a class="rid" href="#r-${f.ruleId}">${f.ruleId}</a>${head}${l ? html` <span class="loc">at <code>${l.file}:${l.line}:${l.column}</code></span>` : null} <a href="#${same.id}">(the same as on ${same.host}, with ${host} for ${same.host}: its evidence and fix)</a></li>`;
}

function pfTable(h: FleetHost): Html {
  if (h.pfs === null)
    return html`<p class="muted">No facts for this host: its PFs and VFs are unknown (collect them with <code>osa-sriov collect</code> and pass them with --facts).</p>`;
  if (h.pfs.length === 0) return html`<p>No SR-IOV capable NIC in the facts.</p>`;
  return html`<table class="pfs"><thead><tr><th>PF</th><th>PCI</th><th>driver</th><th>VFs</th><th>max</th><th>in use</th><th>NUMA</th><th>link</th><th>master</th></tr></thead><tbody>${h.pfs.map(
    (p) =>
      html`<tr><td class="mono">${p.name}</td><td class="mono">${dash(p.pciAddress)}</td><td>${dash(p.driver)}</td><td>${dash(p.numVfs)}</td><td>${dash(p.totalVfs)}</td><td>${p.vfsInUse}</td><td>${dash(p.numaNode)}</td><td>${dash(p.link)}</td><td>${dash(p.master)}</td></tr>`,
  )}</tbody></table>`;
}

function usageTable(h: FleetHost): Html | null {
  if (!h.usage) return null;
  return html`<table class="usage"><thead><tr><th>physnet</th><th>VFs in use</th><th>free</th></tr></thead><tbody>${h.usage.physnets.map(
    (p) => html`<tr><td>${p.physnet}</td><td>${p.inUse}</td><td>${p.free}</td></tr>`,
  )}<tr><td class="muted">not selected by the device_spec</td><td colspan="2">${h.usage.notSelected}</td></tr></tbody></table>`;
}

function settingsTable(h: FleetHost): Html {
  if (h.settings.length === 0) return html`<p class="muted">OSA renders no SR-IOV setting here.</p>`;
  if (h.sameSettingsAs)
    return html`<p>Settings OSA will write: the same as <a href="#${h.sameSettingsAs.id}">${h.sameSettingsAs.name}</a>'s (values and where they come from).</p>`;
  const rows: Html[] = [];
  let group = '';
  for (const s of h.settings) {
    const g = `${s.target}\u0000${s.file}`;
    if (g !== group) {
      group = g;
      rows.push(
        html`<tr><th colspan="3">${s.target !== h.name ? html`${s.target}: ` : null}<code>${s.file}</code></th></tr>`,
      );
    }
    rows.push(
      html`<tr><td class="mono">[${s.section}] ${s.option}</td><td class="mono">${s.values.map((v, i) => html`${i > 0 ? html`<br>` : null}${v}`)}</td><td>${s.from.length > 0 ? s.from.map((f, i) => html`${i > 0 ? html`<br>` : null}${f}`) : html`<span class="muted">the role's template</span>`}</td></tr>`,
    );
  }
  return html`<details class="settings"><summary>Settings OSA will write (${h.settings.length}), each with where its value comes from</summary><table class="settings"><thead><tr><th>option</th><th>value</th><th>from (variable, where it is set)</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

export function hostSection(h: FleetHost, fleet: Fleet): Html {
  const facts =
    h.factsSource === null
      ? html`no facts`
      : html`facts <code>${h.factsSource}</code>${h.collectedAt ? html`, collected ${h.collectedAt}${h.factsAgeMs !== null ? ` (${formatAge(h.factsAgeMs)} ago)` : ''}` : null}`;
  const iommu = h.iommu === null ? null : html` · IOMMU ${h.iommu ? 'on' : 'off'}`;
  const names = [h.name, ...h.containers].map((n) => n.toLowerCase()).join(' ');
  return html`<section class="host" id="${h.id}" data-host="${names}">
<h3>${h.name}<small>${h.roles.join(', ')}</small></h3>
<p class="muted">${facts}${iommu}${h.containers.length > 0 ? html` · containers: ${h.containers.join(', ')}` : null}</p>
<h4>SR-IOV PFs</h4>${pfTable(h)}${usageTable(h)}
${settingsTable(h)}
<h4>Findings</h4>${
    h.findings.length === 0 && h.shared.length === 0
      ? html`<p class="s-ok">No finding.</p>`
      : html`<ul class="findings">${h.findings.map((f, k) => {
          const same = h.sameFindingAs.get(f);
          return same
            ? sameFindingItem(f, same, h.name)
            : findingItem(f, fleet, f.host !== h.name ? (f.host ?? null) : null, findingAnchor(h, k));
        })}${h.shared.map(
          (f) =>
            html`<li class="finding sev-${f.severity}" data-sev="${f.severity}" data-rule="${f.ruleId}"><span class="sev sev-${f.severity}">${f.severity}</span><a class="rid" href="#r-${f.ruleId}">${f.ruleId}</a>${f.message} <a href="#${fleet.findingId.get(f) ?? 'deployment'}">(reported once for ${fleet.affectedHosts.get(f)?.length ?? 0} hosts)</a></li>`,
        )}</ul>`
  }</section>`;
}
