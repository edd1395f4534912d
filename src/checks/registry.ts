// Every rule, by id. A new rule is one file in rules/ and one line in rules/index.ts.
import type { Rule } from './rule.js';
import * as all from './rules/index.js';

export const RULES: readonly Rule[] = Object.values(all as Record<string, Rule>).sort((a, b) =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
);

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id.toUpperCase());
}
