// Trying the plan's edits before anyone applies them (a staged copy of the deploy directory,
// loaded and checked like the real one), and writing them: all files or none, with backups.
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { Finding } from '../checks/finding.js';
import { runChecks } from '../checks/run.js';
import type { FactsForHost } from '../deployment/context.js';
import { specVarName } from '../deployment/devspec-helpers.js';
import { InputError, locationOf } from '../errors.js';
import { loadDeployDir } from '../osa/load.js';
import { buildModel, type DeploymentModel } from '../osa/model.js';
import { type DerivedPlan, projectFacts } from './derive.js';
import { deviceSpecValue, type FileChange } from './edits.js';
import type { Intent } from './intent.js';

/** Host state the host-setup playbook changes; the staged check cannot see it yet. */
export const HOST_SETUP_RULES = ['SRIOV-HOST-001', 'SRIOV-HOST-003', 'SRIOV-HOST-006'];
/** The plan's own edits differ from what hosts run until the playbooks run: that drift is the plan. */
export const DRIFT_RULES = ['SRIOV-DRIFT-001', 'SRIOV-DRIFT-002'];

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
  const stage = mkdtempSync(join(tmpdir(), 'osa-sriov-plan-'));
  try {
    cpSync(deployDir, stage, { recursive: true });
    for (const c of changes) {
      const target = join(stage, relative(deployDir, c.file));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, c.after);
    }
    const model = buildModel(loadDeployDir(stage), intent.release);
    // The staged check sees the hosts as the host setup leaves them (VFs created).
    const projected = projectFacts(derived, new Map([...facts].map(([h, f]) => [h, f.facts])));
    const after = new Map([...facts].map(([h, f]) => [h, { ...f, facts: projected.get(h) ?? f.facts }]));
    const result = runChecks(model, after, { skip: [...HOST_SETUP_RULES, ...DRIFT_RULES] });
    const back = (f: string) => (f.startsWith(stage) ? join(deployDir, relative(stage, f)) : f);
    // Texts may name staged files too (evidence, fixes): show the real directory's paths.
    const real = (t: string) => t.replaceAll(stage, deployDir);
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
    rmSync(stage, { recursive: true, force: true });
  }
}

export class WriteError extends InputError {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(
      'plan-write-failed',
      `cannot write the plan (nothing was changed): ${message}`,
      locationOf(file),
      'check the permissions of the deploy directory',
    );
  }
}

/**
 * Writes every change or none: each new text goes to a temporary file beside its target first;
 * only when all are written are the originals copied to `<file>.osa-sriov-<stamp>.bak` and the
 * temporary files renamed over them. Returns the backups made.
 */
export function writeChanges(changes: readonly FileChange[], stamp: string): string[] {
  const staged: Array<{ tmp: string; file: string }> = [];
  const made: string[] = [];
  try {
    for (const c of changes) {
      mkdirSync(dirname(c.file), { recursive: true });
      const tmp = join(dirname(c.file), `.${basename(c.file)}.osa-sriov.${process.pid}.tmp`);
      writeFileSync(tmp, c.after);
      staged.push({ tmp, file: c.file });
    }
    for (const c of changes) {
      if (c.before !== null && existsSync(c.file)) {
        const backup = `${c.file}.osa-sriov-${stamp}.bak`;
        copyFileSync(c.file, backup);
        made.push(backup);
      }
    }
  } catch (e) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    for (const b of made) rmSync(b, { force: true });
    throw new WriteError((e as Error).message, staged.at(-1)?.file ?? changes[0]?.file ?? '');
  }
  const renamed: string[] = [];
  try {
    for (const s of staged) {
      renameSync(s.tmp, s.file);
      renamed.push(s.file);
    }
  } catch (e) {
    // Put back what was already replaced, so the directory is as it was.
    for (const file of renamed) {
      const c = changes.find((x) => x.file === file)!;
      if (c.before === null) rmSync(file, { force: true });
      else writeFileSync(file, c.before);
    }
    for (const s of staged) rmSync(s.tmp, { force: true });
    for (const b of made) rmSync(b, { force: true });
    throw new WriteError((e as Error).message, staged[renamed.length]?.file ?? '');
  }
  return made;
}
