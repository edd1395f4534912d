import { relative } from 'node:path';
import { toLocation } from '../../deployment/context.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-YAML-001',
  severity: 'warning',
  title: 'A YAML file sets the same key twice in one mapping: only the last value is used',
  rationale:
    'PyYAML keeps the last of two equal keys without a word (Ansible only warns in its output), so an edit made to the first copy, often the one near the comment that documents it, has no effect.',
  needs: 'config',
  scope: 'deployment', // about a YAML file of the deploy dir, not about a host
  run(ctx) {
    const dir = ctx.model.deploy.dir;
    const out: RuleFinding[] = [];
    for (const d of ctx.model.deploy.duplicateKeys) {
      const location = toLocation(d.second);
      const first = `${relative(dir, d.first.file)}:${d.first.line}:${d.first.column}`;
      out.push({
        severity: 'warning',
        message: `key "${d.key}" is set twice in this mapping: PyYAML uses this value and drops the one at ${first}`,
        ...(location ? { location } : {}),
        evidence: [
          `first: ${first}`,
          `second (used): ${relative(dir, d.second.file)}:${d.second.line}:${d.second.column}`,
        ],
        fix: `keep one "${d.key}" in this mapping: merge the two values into one key and delete the other`,
      });
    }
    return out;
  },
};
