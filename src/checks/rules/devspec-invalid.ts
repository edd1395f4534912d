import {
  type CheckContext,
  type DevspecEntry,
  type DevspecView,
  type HostView,
  NOVA_CONF,
} from '../../deployment/context.js';
import {
  defFile,
  entryLocation,
  formatSpecValue,
  intendedSpecs,
  novaMessage,
  novaPlaybook,
  specForm,
  specSource,
  specTarget,
  tagNode,
} from '../../deployment/devspec-helpers.js';
import { iniValue } from '../../openstack/neutron-agent-config.js';
import { NO_HOST, NovaError, parseDeviceSpecs } from '../../openstack/nova-devspec.js';
import { novaHostFromFacts } from '../../openstack/nova-host.js';
import type { Release } from '../../osa/releases.js';
import { jsonDumps, pciTemplate } from '../../osa/render.js';
import { isDict, jsonLoads, pyRepr, pyStr, pyType } from '../../python.js';
import type { FindingLocation } from '../finding.js';
import type { HostFinding, Rule } from '../rule.js';

interface Culprit {
  line: string;
  /** The JSON object Nova stopped at, when the line is JSON. */
  entry: DevspecEntry | null;
  error: NovaError;
}

/** The option line (and object) Nova stops at: it parses the lines in order and the first error wins. */
function culprit(h: HostView, v: DevspecView): Culprit | null {
  const host = h.facts ? novaHostFromFacts(h.facts) : NO_HOST;
  const conf = { reportInPlacement: v.reportInPlacement };
  for (const [i, line] of v.lines.entries()) {
    try {
      parseDeviceSpecs([line], host, conf);
    } catch (e) {
      if (!(e instanceof NovaError)) throw e;
      let entry: DevspecEntry | null = null;
      for (const cand of v.entries.filter((x) => x.line === i)) {
        try {
          parseDeviceSpecs([JSON.stringify(cand.raw)], host, conf);
        } catch {
          entry = cand;
          break;
        }
      }
      return { line, entry, error: e };
    }
  }
  return null;
}

interface Why {
  reason: string;
  fix: string;
}

function explain(ctx: CheckContext, h: HostView, v: DevspecView, c: Culprit | null): Why | null {
  const src = specSource(h);
  if (!src) return null;
  const ctxRelease = ctx.release;
  const rel = ctxRelease.point ? ctxRelease.point.join('.') : `${ctxRelease.major}.x`;
  const tmpl = pciTemplate(ctxRelease);
  const file = defFile(ctx, src.def);
  // Where a new value goes: host_vars/ rather than a user_*.yml that masks per-host values.
  const target = specTarget(ctx, h, src.name, src.def);
  const value = src.def?.value;
  const err = c?.error ?? v.error;
  const written = (intended: Array<Record<string, unknown>> | null) =>
    intended
      ? `write ${formatSpecValue(ctxRelease, intended)}${target}; OSA ${rel} needs ${specForm(ctxRelease)}`
      : `give ${src.name} as ${specForm(ctxRelease)}`;

  if (src.name === 'nova_nova_conf_overrides') {
    const sec = isDict(value) ? value[v.section] : undefined;
    const opt = isDict(sec) ? sec[v.option] : undefined;
    const set = `under nova_nova_conf_overrides ${v.section}: ${v.option}: write one YAML set entry per device (? '{"address": "…", …}'), which config_template writes as one ${v.option} line each`;
    if (Array.isArray(opt))
      return {
        reason: `nova_nova_conf_overrides gives ${v.section}.${v.option} as a YAML list, which config_template writes as one comma-joined line, and "{…},{…}" is not JSON`,
        fix: set,
      };
    if (isDict(opt) && Object.values(opt).some((x) => x !== null && x !== ''))
      return {
        reason: `nova_nova_conf_overrides gives ${v.section}.${v.option} as a YAML mapping, which config_template writes as a Python repr`,
        fix: set,
      };
    return null;
  }

  if (c?.error.code === 'invalid-entry') {
    if (tmpl === 'device_spec_loop' && src.name === 'nova_device_spec' && typeof value === 'string') {
      return {
        reason: `nova_device_spec is a plain string: OSA ${rel} loops over it and writes one device_spec line per character (config_template then de-duplicates and sorts them)`,
        fix: written(intendedSpecs(value)),
      };
    }
    const repr = /^\s*[[{]\s*'|': |: (True|False|None)\b/.test(c?.line ?? '');
    if (repr && (typeof value !== 'string' || src.viaDefault)) {
      const converted = src.viaDefault && typeof value === 'string';
      const kind = converted
        ? /^\s*\[/.test(value as string)
          ? 'list'
          : 'dict'
        : Array.isArray(value)
          ? 'list'
          : 'mapping';
      const intended = intendedSpecs(value);
      if (src.viaDefault) {
        return {
          reason: `nova_device_spec is not set, so OSA's default "{{ nova_pci_passthrough_whitelist | default(…) }}" takes nova_pci_passthrough_whitelist${converted ? `, Ansible turns that JSON string into a ${kind} (a one-expression template result that looks like JSON is converted, ansible-core < 2.19)` : ` (a YAML ${kind})`}, and OSA ${rel} prints it into nova.conf as a Python repr with single quotes, which is not JSON`,
          fix: `rename the variable to nova_device_spec (set directly, a JSON string stays a string): ${intended ? formatSpecValue(ctxRelease, intended) : 'nova_device_spec: \'{"address": "…", …}\''}${target}`,
        };
      }
      const each = tmpl === 'device_spec_loop' && Array.isArray(value) ? 'each mapping of the list' : 'it';
      return {
        reason: `${src.name} is a YAML ${kind}: OSA ${rel} prints ${each} into nova.conf as a Python repr with single quotes, which is not JSON`,
        fix: written(intended),
      };
    }
    if (/"dev_type"\s*:\s*"[^"]*"\s*,\s*physical_network"/.test(c?.line ?? '')) {
      return {
        reason:
          'this is the example of the OSA SR-IOV guide, which lacks the opening quote of "physical_network"',
        fix: `write "physical_network" with both quotes and drop "dev_type" (Nova does not match on it, see SRIOV-DEVSPEC-002)${file ? ` in ${file}` : ''}`,
      };
    }
    if (/'/.test(c?.line ?? '') && !/"/.test(c?.line ?? '')) {
      return {
        reason: 'the value uses single quotes: JSON needs double quotes around every key and string',
        fix: `quote with double quotes inside, single quotes around it in YAML: ${src.name}: '{"address": "…", "physical_network": "…"}'${file ? ` in ${file}` : ''}`,
      };
    }
    return null;
  }

  if (c?.error.errorClass === 'PciDeviceInvalidPFRemoteManaged') {
    return {
      reason:
        'this is PciDeviceInvalidPFRemoteManaged: the spec selects a PF and has "remote_managed": "true", which Nova refuses for PFs (Nova raises it with only the address as its text, so the log shows just the address)',
      fix: `select the VFs with the VF product_id (the PF's sriov_vf_device) and keep the PF's address, or drop remote_managed${file ? `, in ${file}` : ''}`,
    };
  }
  const tag = err?.key;
  if (c?.entry && tag) {
    const node = tagNode(h, c.entry, tag);
    if (node?.kind === 'scalar' && !node.quoted && (node.tag === 'int' || node.tag === 'float')) {
      const num = pyRepr(node.value, node.tag === 'float');
      const how =
        tag === 'address' && node.raw.includes(':')
          ? `YAML 1.1 reads the unquoted ${node.raw} as a base-60 number (${num})`
          : `YAML reads the unquoted ${node.raw} as a number (${num})`;
      return {
        reason: `${how}, and OSA writes that number into the JSON`,
        fix: `quote it: ${tag}: "${node.raw}"${file ? ` in ${file}` : ''}`,
      };
    }
  }
  const id = idNotString(err);
  if (id) {
    return {
      reason: `${id} is a JSON ${jsonType(c?.entry?.raw[id])}, and Nova reads the ids only as JSON strings`,
      fix: `write it as a string, "${id}": "${pyStr(c?.entry?.raw[id] ?? '…')}"${file ? `, in ${file}` : ''}`,
    };
  }
  return null;
}

function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** vendor_id or product_id, when the error is that one of them is not a JSON string. */
function idNotString(err: NovaError | null | undefined): 'vendor_id' | 'product_id' | null {
  if (err?.code !== 'not-a-string') return null;
  return err.key === 'vendor_id' || err.key === 'product_id' ? err.key : null;
}

/** The Python exception text Nova dies with where it does not validate (nova/pci/devspec.py). */
function crashText(err: NovaError, entry: DevspecEntry | null): string {
  const id = idNotString(err);
  if (id && entry) {
    const t = pyType(entry.raw[id]);
    return id === 'vendor_id'
      ? `AttributeError: '${t}' object has no attribute 'strip'`
      : `TypeError: int() can't convert non-string with explicit base`;
  }
  return err.upstreamCrash ?? 'error';
}

/** Python's json.loads message for the usual non-JSON alias values (a repr), else null. */
function aliasJsonError(text: string): string | null {
  try {
    const v = jsonLoads(text) as unknown;
    if (!isDict(v)) return `${pyRepr(v)} is not of type 'object'`;
    if (!('name' in v)) return "'name' is a required property";
    return null;
  } catch {
    const i = text.search(/\S/);
    if (text[i] === '{') {
      const j = text.slice(i + 1).search(/\S/) + i + 1;
      if (text[j] !== '"' && text[j] !== '}')
        return `Expecting property name enclosed in double quotes: line 1 column ${j + 1} (char ${j})`;
    }
    return 'the value is not JSON';
  }
}

function aliasFindings(h: HostView, release: Release): HostFinding[] {
  const lines = h.option(NOVA_CONF, 'pci', 'alias').map(iniValue);
  if (lines.length === 0) return [];
  const r = h.variable('nova_pci_alias');
  const items = Array.isArray(r?.value) ? r.value : r?.value === undefined ? [] : [r.value];
  const out: HostFinding[] = [];
  const when =
    release.major >= 32
      ? 'nova-compute validates [pci] alias at start and does not start; nova-api rejects servers whose flavor asks for an alias'
      : 'nova-api rejects every server whose flavor has pci_passthrough:alias (HTTP 400)';
  lines.forEach((line, i) => {
    const reason = aliasJsonError(line);
    if (reason === null) return;
    const idx = items.findIndex((x) => pyStr(x) === line);
    const item = idx >= 0 ? items[idx] : undefined;
    const mapping = isDict(item);
    const loc = idx >= 0 ? h.varLocation('nova_pci_alias', [idx]) : h.varLocation('nova_pci_alias');
    const json = mapping ? jsonDumps(item) : null;
    out.push({
      severity: 'error',
      message: `[pci] alias ${lines.length > 1 ? `line ${i + 1} ` : ''}is refused by Nova: "Invalid PCI alias definition: ${reason}"${mapping ? '; nova_pci_alias items must be JSON strings, and OSA writes a YAML mapping item as a Python repr' : ''}. ${when}`,
      ...(loc ? { location: loc } : {}),
      evidence: [`nova.conf [pci] alias = ${line}`],
      fix: mapping
        ? `write the item as a JSON string in nova_pci_alias: - '${json!.replace(/'/g, "''")}'`
        : 'write each nova_pci_alias item as one JSON object string with a "name" key, e.g. - \'{"name": "a1", "vendor_id": "8086", "product_id": "10ca", "device_type": "type-VF"}\'',
    });
  });
  return out;
}

export const rule: Rule = {
  id: 'SRIOV-DEVSPEC-001',
  severity: 'error',
  title: 'Nova refuses the [pci] device_spec or alias that OSA renders',
  rationale:
    'nova-compute parses [pci] device_spec at start and exits on the first bad entry; an alias that is not JSON breaks every flavor that uses it. OSA writes some value forms as Python reprs, which is the usual cause.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    out.push(...aliasFindings(h, ctx.release));
    const v = h.devspec();
    if (!v?.error || v.errorNeedsFacts) return out;
    const c = culprit(h, v);
    const err = c?.error ?? v.error;
    const why = explain(ctx, h, v, c);
    const location: FindingLocation | undefined = entryLocation(h, c?.entry ?? null, err.key ?? undefined);
    const src = specSource(h);
    const file = defFile(ctx, src?.def);
    const head = err.upstreamCrash
      ? `nova-compute does not start: Nova crashes on [${v.section}] ${v.option} with "${crashText(err, c?.entry ?? null)}" (no validation message: ${err.detail})`
      : `nova-compute refuses [${v.section}] ${v.option} and does not start: "${novaMessage(ctx.release, err)}"`;
    out.push({
      severity: 'error',
      message: why ? `${head}. Why: ${why.reason}` : head,
      ...(location ? { location } : {}),
      evidence: [
        `nova.conf [${v.section}] ${v.option} = ${v.lines.join(' | ')}`,
        ...(src
          ? [`from ${src.name}${src.viaDefault ? " (through nova_device_spec's role default)" : ''}`]
          : []),
      ],
      fix: `${why ? why.fix : `correct ${src?.name ?? 'nova_device_spec'}${file ? ` in ${file}` : ''} (\`osa-sriov devspec explain '<value>'\` shows how Nova reads a value)`}; then re-run ${novaPlaybook(ctx.release)}`,
    });
    return out;
  },
};
