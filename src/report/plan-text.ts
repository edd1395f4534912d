// `plan` output: per host, the PFs, VF counts, mappings and Nova device_spec the intent gives;
// the files it changes and why; the staged check of the result; what to run next; the diff.
import { relative } from 'node:path';
import type { Finding } from '../checks/finding.js';
import { formatSpecValue } from '../deployment/devspec-helpers.js';
import { neutronPlaybook, novaPlaybook } from '../deployment/playbooks.js';
import type { HostFacts } from '../facts/host-facts.js';
import { releaseLabel } from '../osa/releases.js';
import type { Verification } from '../plan/apply.js';
import type { DerivedPlan, PlanProblem } from '../plan/derive.js';
import type { PlanEdits } from '../plan/edits.js';
import { type HostSetupHost, optionalKernelArgs, rebootNeeded } from '../plan/host-setup.js';
import type { Intent } from '../plan/intent.js';
import { type PlanVerdict, whyNotFixed } from '../plan/verdict.js';
import { fixLines } from './fix-text.js';
import { unifiedDiff } from './unified-diff.js';

export interface PlanOutcome {
  derived: DerivedPlan;
  edits: PlanEdits | null;
  verification: Verification | null;
  /** The staged check's findings against the current directory's, and what they mean. */
  verdict: PlanVerdict | null;
  written: { backups: string[] } | null;
  hostSetup: { dir: string; files: string[]; hosts: HostSetupHost[] } | null;
}

function problemsOf(o: PlanOutcome): PlanProblem[] {
  return [...o.derived.problems, ...(o.edits?.problems ?? [])];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderPlanText(
  o: PlanOutcome,
  intent: Intent,
  facts: ReadonlyMap<string, HostFacts>,
  opts: { intentFile: string; deployDir: string; write: boolean },
): string {
  const lines = [
    `osa-sriov plan: ${opts.intentFile} for ${opts.deployDir} (OSA ${releaseLabel(intent.release)}, plugin ${intent.plugin})`,
  ];
  const problems = problemsOf(o);
  if (problems.length > 0) {
    lines.push(
      '',
      `the intent cannot be satisfied (${plural(problems.length, 'problem')}); nothing was written:`,
    );
    for (const p of problems) {
      const l = p.location;
      lines.push(`  ${l.file}:${l.line}:${l.column}: ${p.host ? `${p.host}: ` : ''}${p.message}`);
    }
    return `${lines.join('\n')}\n`;
  }
  for (const h of o.derived.hosts) {
    lines.push('', `host ${h.host}`);
    for (const p of h.pfs) {
      lines.push(
        `  ${p.physnet}: ${p.pf.netdev} (${p.pf.pciAddress}, ${p.pf.vendorId}:${p.pf.deviceId}) → ${p.numVfs} VFs (VF id ${p.pf.vfDeviceId})${p.trusted ? ', trusted' : ''}${p.hostUsedVfs.length > 0 ? `; kept for the host: ${p.hostUsedVfs.join(', ')}` : ''}`,
      );
    }
    lines.push(
      `  physical_device_mappings = ${Object.entries(h.mappings)
        .map(([n, devs]) => devs.map((d) => `${n}:${d}`).join(','))
        .join(',')}`,
      `  ${formatSpecValue(intent.release, h.deviceSpec as unknown as Array<Record<string, unknown>>)}`,
    );
    if (h.excludedDevices) lines.push(`  neutron_sriov_excluded_devices: "${h.excludedDevices}"`);
  }
  const changes = o.edits?.changes ?? [];
  lines.push('');
  if (changes.length === 0) {
    lines.push(`no changes needed: ${opts.deployDir} already configures what the intent says`);
  } else {
    lines.push(`changes to ${opts.deployDir} (${plural(changes.length, 'file')}):`);
    for (const c of changes) {
      lines.push(`  ${relative(opts.deployDir, c.file)}${c.before === null ? ' (new)' : ''}`);
      for (const r of c.reasons) lines.push(`    - ${r}`);
    }
  }
  for (const n of [...(o.derived.notes ?? []), ...(o.edits?.notes ?? [])]) lines.push(`note: ${n}`);
  const v = o.verification;
  const verdict = o.verdict;
  if (v && verdict) lines.push(...verificationLines(v.mismatches, verdict, opts.deployDir));
  if (o.written) {
    lines.push(
      `wrote ${plural(changes.length, 'file')}${o.written.backups.length > 0 ? `; backups: ${o.written.backups.map((b) => relative(opts.deployDir, b)).join(', ')}` : ''}`,
    );
  } else if (changes.length > 0 && !opts.write) {
    lines.push('dry run: nothing was written; apply with --write');
  }
  const reboot = o.hostSetup
    ? o.hostSetup.hosts.filter(rebootNeeded).map((h) => h.host)
    : o.derived.hosts.filter((h) => facts.get(h.host)?.iommu.enabled === false).map((h) => h.host);
  // With the IOMMU on, SR-IOV works now: iommu=pt can wait for the host's next reboot.
  const optional = (o.hostSetup?.hosts ?? [])
    .map((h) => ({ host: h.host, args: optionalKernelArgs(h) }))
    .filter((h) => h.args.length > 0);
  lines.push('', 'next:');
  if (o.hostSetup) {
    lines.push(
      `  - run the host setup: cd ${o.hostSetup.dir} && openstack-ansible sriov-host-setup.yml (or ansible-playbook with your inventory)`,
    );
  } else {
    lines.push(
      '  - generate the host setup (IOMMU kernel arguments, VFs created at boot) with --host-setup DIR, and run it',
    );
  }
  if (reboot.length > 0)
    lines.push(
      `  - drain and reboot ${reboot.join(', ')}: the IOMMU is off, and the IOMMU kernel arguments take effect only after a reboot`,
    );
  for (const h of optional)
    lines.push(
      `  - no reboot for ${h.host}: its IOMMU is on, so SR-IOV works now; ${h.args.join(' ')} (host DMA untranslated, faster host networking) is optional and takes effect at its next reboot, whenever that is: no need to drain it for this`,
    );
  lines.push(`  - ${neutronPlaybook(intent.release)}`, `  - ${novaPlaybook(intent.release)}`);
  if (changes.length > 0) lines.push('', unifiedDiff(changes, opts.deployDir).trimEnd());
  return `${lines.join('\n')}\n`;
}

function findingLine(f: Finding, deployDir: string): string {
  const l = f.location;
  const where = l ? ` (${relative(deployDir, l.file) || l.file}${l.line ? `:${l.line}` : ''})` : '';
  return `${f.severity} ${f.ruleId} ${f.host ? `${f.host}: ` : ''}${f.message}${where}`;
}

/** The staged check, split: what this plan introduces (with fixes), what was there before. */
function verificationLines(mismatches: readonly string[], v: PlanVerdict, deployDir: string): string[] {
  const out: string[] = [];
  const shown = (fs: readonly Finding[]) => fs.filter((f) => f.severity !== 'info');
  const introduced = shown(v.introduced);
  const already = shown(v.alreadyThere);
  out.push(
    '',
    `check on the edited directory: ${introduced.length} introduced by this plan, ${already.length} already there, ${v.resolved.filter((f) => f.severity !== 'info').length} fixed by it (errors and warnings; host state left to the host setup is not checked)`,
  );
  for (const m of mismatches) out.push(`  mismatch: ${m}`);
  const each = (f: Finding, note: string) => {
    out.push(`  ${findingLine(f, deployDir)}${note}`, `    plan does not fix it: ${whyNotFixed(f)}`);
    if (f.fix) out.push(...fixLines('fix:', f.fix, '    '));
  };
  if (introduced.length > 0) {
    out.push('introduced by this plan:');
    for (const f of introduced)
      each(f, v.accepted.includes(f) ? ` [accepted with --accept ${f.ruleId}]` : '');
  }
  if (already.length > 0) {
    out.push('already there (not caused by this plan):');
    for (const f of already) each(f, '');
  }
  if (mismatches.length === 0 && v.verified && v.blocking.length === 0) {
    out.push(
      'verified: the edited directory loads as OSA reads it, gives every host the intended mappings and device_spec, and the plan introduces no error or warning',
    );
  } else if (mismatches.length === 0 && v.blocking.length === 0) {
    out.push(
      `not verified, accepted: the plan introduces warnings of ${[...new Set(v.accepted.map((f) => f.ruleId))].join(', ')}, which --accept allows`,
    );
  } else {
    const unaccepted = v.blocking.filter((f) => f.severity === 'warning');
    out.push(
      `the plan cannot be applied as it is (nothing was written): ${[
        mismatches.length > 0 ? 'the edited directory would not give the hosts what the intent says' : '',
        v.blocking.some((f) => f.severity === 'error') ? 'check finds errors in it' : '',
        unaccepted.length > 0
          ? `it introduces warnings: fix them, or accept them with ${[...new Set(unaccepted.map((f) => `--accept ${f.ruleId}`))].join(' ')}`
          : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
  }
  return out;
}

const findingJson = (f: Finding) => ({
  ruleId: f.ruleId,
  severity: f.severity,
  host: f.host ?? null,
  message: f.message,
  location: f.location ?? null,
  fix: f.fix ?? null,
});

export function planJson(o: PlanOutcome, intent: Intent, deployDir: string): unknown {
  const changes = o.edits?.changes ?? [];
  return {
    schema: 'osa-sriov/plan@1',
    release: intent.release.series,
    plugin: intent.plugin,
    valid:
      problemsOf(o).length === 0 &&
      (o.verification?.mismatches.length ?? 1) === 0 &&
      (o.verdict?.blocking.length ?? 1) === 0,
    problems: problemsOf(o),
    hosts: o.derived.hosts.map((h) => ({
      host: h.host,
      pfs: h.pfs.map((p) => ({
        physnet: p.physnet,
        netdev: p.pf.netdev,
        pciAddress: p.pf.pciAddress,
        numVfs: p.numVfs,
        trusted: p.trusted,
        hostUsedVfs: p.hostUsedVfs,
      })),
      mappings: h.mappings,
      deviceSpec: h.deviceSpec,
      excludedDevices: h.excludedDevices,
    })),
    changes: changes.map((c) => ({
      file: relative(deployDir, c.file),
      new: c.before === null,
      reasons: c.reasons,
    })),
    notes: [...(o.derived.notes ?? []), ...(o.edits?.notes ?? [])],
    verification: o.verification
      ? {
          errors: o.verification.errors.map((f) => ({
            ruleId: f.ruleId,
            host: f.host ?? null,
            message: f.message,
          })),
          mismatches: o.verification.mismatches,
          verified: o.verdict?.verified ?? false,
          introduced: (o.verdict?.introduced ?? []).map((f) => ({
            ...findingJson(f),
            accepted: o.verdict?.accepted.includes(f) ?? false,
            notFixedBecause: whyNotFixed(f),
          })),
          alreadyThere: (o.verdict?.alreadyThere ?? []).map(findingJson),
          resolved: (o.verdict?.resolved ?? []).map(findingJson),
        }
      : null,
    written: o.written,
    hostSetup: o.hostSetup ? { dir: o.hostSetup.dir, files: o.hostSetup.files } : null,
    diff: unifiedDiff(changes, deployDir),
  };
}
