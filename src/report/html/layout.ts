// The page shell shared by `check --format html` and `capacity --format html`: one file with its
// CSS and script inline, nothing loaded from anywhere (the Content-Security-Policy says so too,
// and lets only our own script run: an injected one would be blocked even if escaping failed).
import { createHash } from 'node:crypto';
import type { Severity } from '../../checks/finding.js';
import { type Html, type HtmlValue, html, trusted } from './escape.js';

const CSS = `
:root{--err:#b3261e;--err-bg:#fbe3e1;--warn:#8a5300;--warn-bg:#fdefd3;--info:#1f5f8b;--info-bg:#e1eef8;--ok-bg:#e6f4ea;--ok:#1e6b34;--line:#d0d4d9;--muted:#5f6670;--use:#3a5a8c;--free:#57a773;--none:#b9bec5}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1e22;background:#fff}
main,header.page{max-width:1280px;margin:0 auto;padding:0 20px}
header.page{padding-top:16px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:16px;margin:0 0 6px}h4{font-size:14px;margin:12px 0 4px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{white-space:pre-wrap;word-break:break-word;margin:2px 0;background:#f6f8fa;padding:6px 8px;border-radius:4px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:break-word}
.counts{display:flex;gap:8px;list-style:none;padding:0;margin:8px 0;flex-wrap:wrap}
.counts li{padding:3px 10px;border-radius:12px;font-weight:600}
.s-error{background:var(--err-bg);color:var(--err)}.s-warning{background:var(--warn-bg);color:var(--warn)}.s-info{background:var(--info-bg);color:var(--info)}.s-ok{background:var(--ok-bg);color:var(--ok)}
table{border-collapse:collapse;margin:4px 0 10px}th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f2f4f6;font-weight:600}
table.settings{width:100%;table-layout:fixed}table.settings td{word-break:break-word}table.settings th[colspan]{background:#e9edf1}table.settings thead th:first-child{width:24%}table.settings thead th:nth-child(2){width:36%}
table.fleet{width:100%;font-size:12.5px}table.fleet th{font-size:12px}
table.fleet td.fam{text-align:center;font-size:12px}
table.fleet td.fam a{color:inherit;text-decoration:none;display:block}
.muted{color:var(--muted)}
.host{border:1px solid var(--line);border-radius:6px;padding:10px 14px;margin:12px 0;break-inside:avoid-page}
.host>h3 small{font-weight:400;color:var(--muted);margin-left:8px}
ul.findings{list-style:none;padding:0;margin:6px 0}
li.finding{border-left:4px solid var(--line);padding:4px 10px;margin:6px 0;break-inside:avoid}
li.finding.sev-error{border-color:var(--err)}li.finding.sev-warning{border-color:var(--warn)}li.finding.sev-info{border-color:var(--info)}
.sev{display:inline-block;min-width:58px;text-align:center;border-radius:3px;padding:0 5px;font-size:12px;font-weight:600}
.sev.sev-error{background:var(--err-bg);color:var(--err)}.sev.sev-warning{background:var(--warn-bg);color:var(--warn)}.sev.sev-info{background:var(--info-bg);color:var(--info)}
.rid{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;margin:0 6px}
.loc,.member{color:var(--muted)}
ul.ev{margin:2px 0;padding-left:20px;color:#333}
.about{font-size:12.5px;margin-top:2px}.about summary{cursor:pointer}.about p{margin:4px 0}ul.refs{margin:2px 0;padding-left:20px;color:var(--muted)}.about b,.fix b,.loc b{font-weight:600;color:var(--muted)}
form.filters{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:8px 0;display:flex;gap:14px;flex-wrap:wrap;align-items:center}
form.filters input[type=search]{min-width:16em}
svg.chart{max-width:100%;height:auto;font:12px system-ui,sans-serif}
svg.chart .in-use{fill:var(--use)}svg.chart .free{fill:var(--free)}svg.chart .not-selected{fill:var(--none)}
svg.chart .b-error{fill:var(--err)}svg.chart .b-warning{fill:#d08a0b}svg.chart .b-info{fill:var(--info)}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
.legend .in-use{background:var(--use)}.legend .free{background:var(--free)}.legend .not-selected{background:var(--none)}
[hidden]{display:none!important}
footer{color:var(--muted);margin:30px 0 20px;font-size:12px}
@media print{form.filters{display:none}body{font-size:11px}.host,li.finding{break-inside:avoid}a{color:inherit;text-decoration:none}details::details-content{content-visibility:visible;display:block}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;

// Progressive: the page is whole without it. It shows the filter bar and hides what the filters
// exclude; it reads only the page itself and inserts no markup.
const SCRIPT = `(function(){
var f=document.getElementById('filters');if(!f)return;f.hidden=false;
var $=function(s){return Array.prototype.slice.call(document.querySelectorAll(s));};
var findings=$('li.finding'),hosts=$('section.host'),rows=$('tr[data-hosts]');
var text=new Map();function t(e){var v=text.get(e);if(v===undefined){v=e.textContent.toLowerCase();text.set(e,v);}return v;}
function apply(){
var sev={};$('input[name=sev]').forEach(function(c){sev[c.value]=c.checked;});
var rule=f.elements.rule.value,host=f.elements.host.value.trim().toLowerCase(),q=f.elements.q.value.trim().toLowerCase();
var shown=0;
findings.forEach(function(e){var r=e.getAttribute('data-rule');var ok=sev[e.getAttribute('data-sev')]&&(rule===''||r===rule||r.split('-')[1]===rule);e.hidden=!ok;});
hosts.forEach(function(e){var ok=(host===''||e.getAttribute('data-host').indexOf(host)>=0)&&(q===''||t(e).indexOf(q)>=0);if(ok&&rule!==''){ok=e.querySelector('li.finding:not([hidden])')!==null;}e.hidden=!ok;if(ok)shown++;});
rows.forEach(function(e){var names=e.getAttribute('data-hosts');var ok=(host===''||names.indexOf(host)>=0)&&(q===''||names.indexOf(q)>=0||t(e).indexOf(q)>=0);e.hidden=!ok;});
var d=document.getElementById('deployment');if(d){$('#deployment li.finding').forEach(function(e){if(q!==''&&t(e).indexOf(q)<0)e.hidden=true;});}
var out=document.getElementById('shown');if(out)out.textContent=shown+' of '+hosts.length+' hosts shown';
}
f.addEventListener('input',apply);f.addEventListener('change',apply);f.addEventListener('submit',function(e){e.preventDefault();apply();});
window.addEventListener('beforeprint',function(){$('details').forEach(function(d){d.open=true;});});
apply();
})();`;

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');

/** Nothing from elsewhere, and no script but ours (by its hash): no inline handler, no injected tag. */
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src 'none'; base-uri 'none'; form-action 'none'`;

export interface PageMeta {
  title: string;
  /** Label → value rows of the header (deploy dir, release, date, tool version, …). */
  facts: Array<[string, HtmlValue]>;
  counts?: Record<Severity, number>;
}

export function severityCounts(counts: Record<Severity, number>): Html {
  const item = (s: Severity, n: number) =>
    html`<li class="s-${s}">${n} ${s === 'info' ? 'info' : `${s}${n === 1 ? '' : 's'}`}</li>`;
  return html`<ul class="counts" aria-label="findings by severity">${item('error', counts.error)}${item('warning', counts.warning)}${item('info', counts.info)}</ul>`;
}

export function page(meta: PageMeta, body: HtmlValue, withFilters: boolean): string {
  const facts = meta.facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`);
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${meta.title}</title>
<style>${trusted(CSS)}</style></head>
<body>
<header class="page"><h1>${meta.title}</h1><dl class="meta">${facts}</dl>${meta.counts ? severityCounts(meta.counts) : null}</header>
<main>${body}</main>
${withFilters ? html`<script>${trusted(SCRIPT)}</script>` : null}
</body></html>
`;
  return doc.text;
}
