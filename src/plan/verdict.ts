// What the staged check of a plan means for the user: which findings the plan introduces and
// which were there before it, which of those the user accepted (--accept), and whether the plan
// may be written. Pure: the caller runs the checks (apply.ts verifyPlan, and the baseline here).

import { atLeastSeverity, type Finding } from '../checks/finding.js';
import { runChecks } from '../checks/run.js';
import type { FactsForHost } from '../deployment/context.js';
import type { DeploymentModel } from '../osa/model.js';
import { DRIFT_RULES, HOST_SETUP_RULES } from './apply.js';

export interface PlanFindings {
  /** In the edited directory and not in the current one: this plan's doing. */
  introduced: Finding[];
  /** In both: the plan neither causes nor fixes them. */
  alreadyThere: Finding[];
  /** In the current directory only: the plan fixes them. */
  resolved: Finding[];
}

export interface PlanVerdict extends PlanFindings {
  /** Introduced warnings whose rule the user accepted with --accept. */
  accepted: Finding[];
  /** What stops the plan: any error, and introduced warnings not accepted. */
  blocking: Finding[];
  /** Nothing introduced remains at warning or above, accepted or not. */
  verified: boolean;
}

/** The same check, on the deployment as it is now (the facts as collected). */
export function baselineFindings(
  model: DeploymentModel,
  facts: ReadonlyMap<string, FactsForHost>,
): Finding[] {
  return runChecks(model, facts, { skip: [...HOST_SETUP_RULES, ...DRIFT_RULES] }).findings;
}

/**
 * A finding's identity across the two runs: what it says about which host. Edits move values
 * (the plan may move a host's provider_networks to host_vars/) and lines, so the location is
 * left out, and so are line and column numbers in the text (`file.yml:12`).
 */
function identity(f: Finding): string {
  const text = f.message.replace(/:\d+(:\d+)?\b/g, '');
  return [f.ruleId, f.host ?? '', f.severity, text].join('\u0000');
}

export function compareFindings(before: readonly Finding[], after: readonly Finding[]): PlanFindings {
  const pool = new Map<string, number>();
  for (const f of before) pool.set(identity(f), (pool.get(identity(f)) ?? 0) + 1);
  const introduced: Finding[] = [];
  const alreadyThere: Finding[] = [];
  for (const f of after) {
    const n = pool.get(identity(f)) ?? 0;
    if (n > 0) {
      pool.set(identity(f), n - 1);
      alreadyThere.push(f);
    } else introduced.push(f);
  }
  const resolved = before.filter((f) => {
    const n = pool.get(identity(f)) ?? 0;
    if (n === 0) return false;
    pool.set(identity(f), n - 1);
    return true;
  });
  return { introduced, alreadyThere, resolved };
}

export function judgePlan(found: PlanFindings, accept: readonly string[]): PlanVerdict {
  const ok = new Set(accept.map((a) => a.toUpperCase()));
  const introducedWarnings = found.introduced.filter((f) => f.severity === 'warning');
  const accepted = introducedWarnings.filter((f) => ok.has(f.ruleId));
  const blocking = [
    ...found.introduced.filter((f) => f.severity === 'error'),
    // An error the plan does not fix is still there after it: the result would not work.
    ...found.alreadyThere.filter((f) => f.severity === 'error'),
    ...introducedWarnings.filter((f) => !ok.has(f.ruleId)),
  ];
  return {
    ...found,
    accepted,
    blocking,
    verified: !found.introduced.some((f) => atLeastSeverity(f.severity, 'warning')),
  };
}

/**
 * Why `plan` leaves an introduced finding to the user, by rule: what it would have to write is
 * not a value the intent gives, or would replace settings it cannot see. The finding's own fix
 * (the same text `check` prints) says what to do.
 */
const NOT_FIXED: Readonly<Record<string, string>> = {
  'SRIOV-HOST-005':
    "plan does not write the agent's ini overrides: neutron_openvswitch_agent_ini_overrides / neutron_linuxbridge_agent_ini_overrides are whole dicts that would replace the ones you set elsewhere",
  'SRIOV-FDB-001':
    'plan does not write neutron_openvswitch_agent_ini_overrides: it is a whole dict that would replace the one you set elsewhere',
  'SRIOV-HOST-002': "plan cannot change the host's interfaces: bring the PF up or map another one",
  'SRIOV-PN-005':
    "plan does not move the host's bridge mappings: pick a PF that is no bridge port in the intent",
  'SRIOV-DEVSPEC-009': 'the host uses these VFs itself: raise numVfs or free the VFs',
};

export function whyNotFixed(f: Finding): string {
  return NOT_FIXED[f.ruleId] ?? 'this is outside what the intent describes, so plan leaves it to you';
}
