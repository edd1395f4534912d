// `check --format sarif`: SARIF 2.1.0 for code-scanning tools. One run, our rules as the
// driver's rules, one result per finding located in the OSA file to edit.
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Severity } from '../checks/finding.js';
import type { FindingsReport } from '../checks/run.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

function uriOf(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}

export function findingsSarif(
  result: FindingsReport,
  meta?: { release: string; releaseSource: { kind: string; detail: string } },
): Record<string, unknown> {
  const index = new Map(result.rules.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: TOOL_VERSION,
            rules: result.rules.map((r) => ({
              id: r.id,
              name: r.title,
              shortDescription: { text: r.title },
              fullDescription: { text: r.rationale },
              help: { text: `${r.rationale} See docs/rules/${r.id}.md.` },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { needs: r.needs },
            })),
          },
        },
        results: result.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId) ?? -1,
          level: LEVEL[f.severity],
          message: { text: f.fix ? `${f.message}. Fix: ${f.fix}` : f.message },
          ...(f.location
            ? {
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: uriOf(f.location.file) },
                      region: { startLine: f.location.line, startColumn: f.location.column },
                    },
                  },
                ],
              }
            : {}),
          properties: {
            ...(f.host !== undefined ? { host: f.host } : {}),
            ...(f.evidence ? { evidence: f.evidence } : {}),
            ...(f.fix ? { fix: f.fix } : {}),
          },
        })),
        // The OSA release the findings are about, and how it was chosen (assumed: nothing told).
        ...(meta ? { properties: { release: meta.release, releaseSource: meta.releaseSource } } : {}),
      },
    ],
  };
}
