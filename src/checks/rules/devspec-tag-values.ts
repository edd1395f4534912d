import type { DevspecEntry, HostView } from '../../deployment/context.js';
import {
  defFile,
  entryLocation,
  novaPlaybook,
  specSource,
  specText,
  tagNode,
} from '../../deployment/devspec-helpers.js';
import { boolFromString } from '../../python.js';
import type { Severity } from '../finding.js';
import type { HostFinding, Rule } from '../rule.js';

const CLAIM_FAILS =
  '"Insufficient compute resources: Claim pci failed." on each host tried, then "Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance …"';

/** What the operator meant: true, false, or unknown. */
function meant(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v !== 'string') return null;
  const s = v.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  return null;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : JSON.stringify(v);
}

/** The YAML source of a boolean: `trusted: yes` reads as true, and OSA writes JSON true. */
function yamlNote(h: HostView, entry: DevspecEntry, tag: string): string {
  const node = tagNode(h, entry, tag);
  if (node?.kind === 'scalar' && !node.quoted && (node.tag === 'bool' || node.tag === 'int'))
    return ` (YAML reads the unquoted ${node.raw} as a ${node.tag === 'bool' ? 'boolean' : 'number'}, and OSA writes it into the JSON as ${show(node.value)})`;
  return '';
}

function trustedFinding(value: unknown): { severity: Severity; text: string } {
  const m = meant(value);
  if (typeof value === 'boolean') {
    return value
      ? {
          severity: 'error',
          text: `is a JSON boolean: the scheduler compares Nova's text copy of the pool ("True") with a trusted port's request (trusted "True") and picks the host, but nova-compute keeps the boolean and its claim compares it with the text and fails: ports with binding:profile trusted=true end with ${CLAIM_FAILS}`,
        }
      : {
          severity: 'warning',
          text: `is a JSON boolean: the scheduler passes ports with binding:profile trusted=false (its copy of the pool says "False"), but nova-compute's claim compares the boolean with the text "False" and fails (${CLAIM_FAILS}); ports without a trusted key are not affected`,
        };
  }
  if (m === false)
    return {
      severity: 'warning',
      text: 'matches no port that asks for trusted=false: Nova puts trusted "False" in those ports\' requests and compares tag values as text (ignoring case), so only "false" matches; ports without a trusted key are not affected',
    };
  return {
    severity: 'error',
    text: `never matches a trusted port: Nova puts trusted "True" in the request of a port with binding:profile trusted=true and compares tag values as text (ignoring case), so only "true" matches; trusted ports fail with "No valid host was found"${m === null ? '' : ', while other ports still get these VFs, untrusted'}`,
  };
}

function remoteManagedFinding(value: unknown): { severity: Severity; text: string } {
  if (typeof value === 'boolean') {
    return value
      ? {
          severity: 'error',
          text: `is a JSON boolean: Nova treats the devices as remote-managed, and the scheduler passes remote-managed ports (its copy of the pool says "True"), but nova-compute's claim compares the boolean with the request's text "True" and fails: ${CLAIM_FAILS}`,
        }
      : {
          severity: 'error',
          text: `is a JSON boolean: every Neutron SR-IOV port asks for remote_managed "False"; the scheduler passes (its copy of the pool says "False"), but nova-compute's claim compares the boolean false with that text and fails for every port: ${CLAIM_FAILS}`,
        };
  }
  const remote = boolFromString(value);
  return remote
    ? {
        severity: 'error',
        text: `makes the devices remote-managed (Nova reads the tag with bool_from_string) but matches no request: remote-managed ports ask for remote_managed "True" and Nova compares tag values as text (ignoring case), while other ports skip remote-managed devices; no port can use these devices ("No valid host was found")`,
      }
    : {
        severity: 'error',
        text: `matches no port: every Neutron SR-IOV port asks for remote_managed "False" (or "True" for remote-managed ones) and Nova compares tag values as text (ignoring case), so only "false" or "true" match; ports fail with "No valid host was found"`,
      };
}

export const rule: Rule = {
  id: 'SRIOV-DEVSPEC-005',
  severity: 'error',
  title: 'A trusted or remote_managed tag is not the string "true" or "false"',
  rationale:
    'Nova compares these tags with the port request as text, ignoring case: "yes", "1" or a JSON boolean never match a request, and a JSON boolean even passes the scheduler before the compute claim fails.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const v = h.devspec();
    if (!v) return [];
    const src = specSource(h);
    const file = defFile(ctx, src?.def);
    for (const entry of v.entries) {
      for (const tag of ['trusted', 'remote_managed'] as const) {
        if (!(tag in entry.raw)) continue;
        // remote_managed exists from Yoga (port requests carry it from then on); before, it is an unused tag.
        if (tag === 'remote_managed' && ctx.release.major < 25) continue;
        const value = entry.raw[tag];
        if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase())) continue;
        // remote_managed: null is pooled as "false" (nova/pci/stats.py _ensure_remote_managed_tag).
        if (tag === 'remote_managed' && value === null) continue;
        const f = tag === 'trusted' ? trustedFinding(value) : remoteManagedFinding(value);
        const want = meant(value) === false ? 'false' : 'true';
        const location = entryLocation(h, entry, tag);
        const mapping = tagNode(h, entry, tag) !== null;
        out.push({
          severity: f.severity,
          message: `"${tag}": ${show(value)} ${f.text}${yamlNote(h, entry, tag)}`,
          ...(location ? { location } : {}),
          evidence: [`nova.conf [${v.section}] ${v.option} entry: ${specText(entry.raw)}`],
          fix: `write ${mapping ? `${tag}: "${want}" (quoted, so YAML keeps it a string)` : `"${tag}": "${want}"`}${meant(value) === null ? ` (or "${want === 'true' ? 'false' : 'true'}")` : ''} in ${src?.name ?? 'nova_device_spec'}${file ? ` (${file})` : ''}; then re-run ${novaPlaybook(ctx.release)}`,
        });
      }
    }
    return out;
  },
};
