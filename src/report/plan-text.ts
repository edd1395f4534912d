// `plan` output: per host, the PFs, VF counts, mappings and Nova device_spec the intent gives;
// the files it changes and why; the staged check of the result; what to run next; the diff.
import { relative } from 'node:path';
import { formatSpecValue } from '../deployment/devspec-helpers.js';
import { neutronPlaybook, novaPlaybook } from '../deployment/playbooks.js';
import type { HostFacts } from '../facts/host-facts.js';
import { releaseLabel } from '../osa/releases.js';
import type { Verification } from '../plan/apply.js';
import type { DerivedPlan, PlanProblem } from '../plan/derive.js';
import type { PlanEdits } from '../plan/edits.js';
import { type HostSetupHost, rebootNeeded } from '../plan/host-setup.js';
import type { Intent } from '../plan/intent.js';
import { unifiedDiff } from './unified-diff.js';

export interface PlanOutcome {
  derived: DerivedPlan;
  edits: PlanEdits | null;
  verification: Verification | null;
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
  for (const n of o.edits?.notes ?? []) lines.push(`note: ${n}`);
  const v = o.verification;
  if (v) {
    if (v.errors.length === 0 && v.mismatches.length === 0) {
      lines.push(
        `verified: the edited directory loads as OSA reads it, gives every host the intended mappings and device_spec, and check finds no errors (host state left to the host setup is not checked)`,
      );
    } else {
      lines.push('the edited directory would still be wrong (nothing was written):');
      for (const m of v.mismatches) lines.push(`  ${m}`);
      for (const f of v.errors) {
        const l = f.location;
        lines.push(
          `  ${f.ruleId} ${f.host ? `${f.host}: ` : ''}${f.message}${l ? ` (${l.file}${l.line ? `:${l.line}` : ''})` : ''}`,
        );
      }
    }
  }
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
    lines.push(`  - reboot ${reboot.join(', ')}: the IOMMU kernel arguments take effect only after a reboot`);
  lines.push(`  - ${neutronPlaybook(intent.release)}`, `  - ${novaPlaybook(intent.release)}`);
  if (changes.length > 0) lines.push('', unifiedDiff(changes, opts.deployDir).trimEnd());
  return `${lines.join('\n')}\n`;
}

export function planJson(o: PlanOutcome, intent: Intent, deployDir: string): unknown {
  const changes = o.edits?.changes ?? [];
  return {
    schema: 'osa-sriov/plan@1',
    release: intent.release.series,
    plugin: intent.plugin,
    valid:
      problemsOf(o).length === 0 &&
      (o.verification?.errors.length ?? 1) === 0 &&
      (o.verification?.mismatches.length ?? 1) === 0,
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
    notes: o.edits?.notes ?? [],
    verification: o.verification
      ? {
          errors: o.verification.errors.map((f) => ({
            ruleId: f.ruleId,
            host: f.host ?? null,
            message: f.message,
          })),
          mismatches: o.verification.mismatches,
        }
      : null,
    written: o.written,
    hostSetup: o.hostSetup ? { dir: o.hostSetup.dir, files: o.hostSetup.files } : null,
    diff: unifiedDiff(changes, deployDir),
  };
}
