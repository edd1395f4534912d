// What a check reports: the contract shared by the CLI, JSON, SARIF and (later) the cloud doctor.

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

export function atLeastSeverity(s: Severity, threshold: Severity): boolean {
  return RANK[s] >= RANK[threshold];
}

export function compareSeverity(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}

export interface FindingLocation {
  file: string;
  line: number;
  column: number;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** The inventory host; absent when the finding is about the deployment as a whole. */
  host?: string;
  message: string;
  location?: FindingLocation;
  /** What we looked at, one fact per line (values, sysfs readings, rendered options). */
  evidence?: string[];
  /** The change to make, naming the OSA variable and file. */
  fix?: string;
}

/** What a rule returns: the runner adds its id. */
export type RuleFinding = Omit<Finding, 'ruleId'>;
