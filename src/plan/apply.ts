// Trying the plan's edits before anyone applies them (a staged copy of the deploy directory,
// loaded and checked like the real one), and writing them: all files or none, with backups.
import type { Finding } from '../checks/finding.js';
import { RULES } from '../checks/registry.js';
import { runChecks } from '../checks/run.js';
import type { FactsForHost } from '../deployment/context.js';
import { specVarName } from '../deployment/devspec-helpers.js';
import { loadDeployDir } from '../osa/load.js';
import { buildModel, type DeploymentModel } from '../osa/model.js';
import { type DerivedPlan, projectFacts } from './derive.js';
import { deviceSpecValue, type FileChange } from './edits.js';
import type { Intent } from './intent.js';
import { stageDeployDir } from './stage.js';

/** Host state the host-setup playbook changes; the staged check cannot see it yet. */
export const HOST_SETUP_RULES = ['SRIOV-HOST-001', 'SRIOV-HOST-003', 'SRIOV-HOST-006'];
/** The plan's own edits differ from what hosts run until the playbooks run: that drift is the plan (every SRIOV-DRIFT rule). */
export const DRIFT_RULES = RULES.map((r) => r.id).filter((id) => id.startsWith('SRIOV-DRIFT-'));

export interface Verification {
  /** Error findings of `check` on the edited directory (paths as in the real directory). */
  errors: Finding[];
  /** Every finding of that check, errors, warnings and info (paths as in the real directory). */
  findings: Finding[];
  /** Where the edited configuration would not give a host what the intent says. */
  mismatches: string[];
  model: DeploymentModel;
}

function mappingsOf(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of text.split(',').filter(Boolean)) {
    const [net, dev] = item.split(':') as [string, string];
    out[net] = [...(out[net] ?? []), dev];
  }
  return out;
}

const sorted = (m: Record<string, string[]>) =>
  JSON.stringify(
    Object.entries(m)
      .map(([k, v]) => [k, [...v].sort()])
      .sort(),
  );

/** Loads and checks the deploy directory as it will be after the changes, in a temporary copy. */
export function verifyPlan(
  intent: Intent,
  derived: DerivedPlan,
  changes: readonly FileChange[],
  deployDir: string,
  facts: ReadonlyMap<string, FactsForHost>,
): Verification {
  // A private copy (links materialised): the edits never reach the deploy directory.
  const stage = stageDeployDir(deployDir, changes);
  try {
    const model = buildModel(loadDeployDir(stage.dir), intent.release);
    // The staged check sees the hosts as the host setup leaves them (VFs created).
    const projected = projectFacts(derived, new Map([...facts].map(([h, f]) => [h, f.facts])));
    const after = new Map([...facts].map(([h, f]) => [h, { ...f, facts: projected.get(h) ?? f.facts }]));
    const result = runChecks(model, after, { skip: [...HOST_SETUP_RULES, ...DRIFT_RULES] });
    const back = stage.back;
    // Texts may name staged files too (evidence, fixes): show the real directory's paths.
    const real = (t: string) => t.replaceAll(stage.dir, deployDir);
    const findings = result.findings.map((f) => ({
      ...f,
      message: real(f.message),
      ...(f.evidence ? { evidence: f.evidence.map(real) } : {}),
      ...(f.fix ? { fix: real(f.fix) } : {}),
      ...(f.location ? { location: { ...f.location, file: back(f.location.file) } } : {}),
    }));
    const errors = findings.filter((f) => f.severity === 'error');
    const mismatches: string[] = [];
    const specName = specVarName(intent.release);
    for (const h of derived.hosts) {
      const r = model.hosts.get(h.host);
      const got = mappingsOf(r?.providerNetworks?.network_sriov_mappings ?? '');
      if (sorted(got) !== sorted(h.mappings))
        mismatches.push(
          `${h.host}: SR-IOV mappings would be "${r?.providerNetworks?.network_sriov_mappings ?? ''}", the intent says ${JSON.stringify(h.mappings)}`,
        );
      const spec = r?.vars.get(specName)?.value;
      if (JSON.stringify(spec) !== JSON.stringify(deviceSpecValue(intent, h.deviceSpec)))
        mismatches.push(`${h.host}: ${specName} would be ${JSON.stringify(spec)}, not the planned value`);
    }
    for (const e of errors) if (e.location) e.location.file = back(e.location.file);
    return { errors, findings, mismatches, model };
  } finally {
    stage.remove();
  }
}

export { WriteError, writeChanges } from './write.js';
