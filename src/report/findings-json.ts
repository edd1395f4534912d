// `check --format json`: the stable machine interface documented in docs/check-json.md.
import type { Finding, Severity } from '../checks/finding.js';
import type { FindingsReport } from '../checks/run.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { countBySeverity } from './findings-text.js';

export const FINDINGS_SCHEMA = 'osa-sriov/findings@1';

export interface FindingsJson {
  schema: typeof FINDINGS_SCHEMA;
  tool: { name: string; version: string };
  deployDir: string;
  release: string;
  /** How the release was chosen: option, facts, checkout, intent, or assumed (nothing told). */
  releaseSource?: { kind: string; detail: string };
  failOn: Severity;
  hosts: { checked: string[]; withFacts: string[] };
  rules: Array<{ id: string; severity: Severity; title: string; needs: 'config' | 'facts' }>;
  summary: Record<Severity, number>;
  findings: Finding[];
}

export function findingsJson(
  result: FindingsReport,
  meta: {
    deployDir: string;
    release: string;
    releaseSource?: { kind: string; detail: string };
    failOn: Severity;
  },
): FindingsJson {
  return {
    schema: FINDINGS_SCHEMA,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    deployDir: meta.deployDir,
    release: meta.release,
    ...(meta.releaseSource ? { releaseSource: meta.releaseSource } : {}),
    failOn: meta.failOn,
    hosts: { checked: result.hosts, withFacts: result.hostsWithFacts },
    rules: result.rules.map((r) => ({ id: r.id, severity: r.severity, title: r.title, needs: r.needs })),
    summary: countBySeverity(result.findings),
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      ...(f.host !== undefined ? { host: f.host } : {}),
      message: f.message,
      ...(f.location ? { location: f.location } : {}),
      ...(f.evidence && f.evidence.length > 0 ? { evidence: f.evidence } : {}),
      ...(f.fix ? { fix: f.fix } : {}),
    })),
  };
}
