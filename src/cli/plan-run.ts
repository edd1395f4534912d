import { statSync } from 'node:fs';
import { ruleById } from '../checks/registry.js';
import { matchFacts } from '../deployment/facts-match.js';
import type { HostFacts } from '../facts/host-facts.js';
import { buildModel } from '../osa/model.js';
import { decodeYaml } from '../osa/pyyaml.js';
import { verifyPlan } from '../plan/apply.js';
import { derivePlan } from '../plan/derive.js';
import { planEdits } from '../plan/edits.js';
import { type HostSetupHost, renderHostSetup } from '../plan/host-setup.js';
import { parseIntent } from '../plan/intent.js';
import { assertPlanValuesSafe } from '../plan/safe-values.js';
import { baselineFindings, compareFindings, judgePlan } from '../plan/verdict.js';
import {
  journalPath,
  lockDeployDir,
  recoverInterruptedWrite,
  resolveTargets,
  writeChanges,
  writeOutputDir,
} from '../plan/write.js';
import { MAX_BYTES } from '../read-input.js';
import { type PlanOutcome, planJson, renderPlanText } from '../report/plan-text.js';
import type { CliRun } from './cli-io.js';
import { readDeployDir } from './deploy-input.js';
import { UserError } from './errors.js';
import { readFactsPaths } from './facts-input.js';
import { readInput } from './io.js';
import { printJson, printText } from './output.js';

export interface PlanOptions {
  deploy: string;
  facts?: string[];
  format: 'text' | 'json';
  write?: boolean;
  hostSetup?: string;
  accept?: string[];
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** How long a second writer waits for the lock: OSA_SRIOV_LOCK_WAIT seconds (default 10). */
function lockWaitMs(env: NodeJS.ProcessEnv): number {
  const s = Number(env.OSA_SRIOV_LOCK_WAIT ?? '10');
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 10_000;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
}

/**
 * One writer at a time, from before the deploy directory is read until the edit is done
 * (docs/write-policy.md); an edit a killed run left half done is rolled back first. A dry run
 * takes no lock (it writes nothing there) but will not read a half-edited directory.
 */
export function plan(intentFile: string, opts: PlanOptions, cli: CliRun): number {
  const unknown = (opts.accept ?? []).filter((id) => !ruleById(id));
  if (unknown.length > 0)
    throw new UserError(
      `--accept ${unknown.join(', ')}: no such rule`,
      null,
      'give a rule id as check prints it, like SRIOV-HOST-005 (docs/rules/)',
    );
  if (!isDir(opts.deploy)) return planUnlocked(intentFile, opts, cli); // the loader says what is wrong
  if (!opts.write) {
    const journal = journalPath(opts.deploy);
    if (journal)
      throw new UserError(
        'a plan --write is running here, or was interrupted and left the deploy directory half edited',
        { file: journal },
        'run osa-sriov plan --write: it waits for a running one, or rolls the interrupted edit back',
        'plan-write-interrupted',
      );
    return planUnlocked(intentFile, opts, cli);
  }
  const release = lockDeployDir(opts.deploy, lockWaitMs(cli.env));
  try {
    const recovered = recoverInterruptedWrite(opts.deploy);
    if (recovered) cli.stderr.write(`osa-sriov: ${recovered}\n`);
    return planUnlocked(intentFile, opts, cli);
  } finally {
    release();
  }
}

function planUnlocked(intentFile: string, opts: PlanOptions, cli: CliRun): number {
  const accept = opts.accept ?? [];
  const intent = parseIntent(
    decodeYaml(readInput(intentFile, 'the intent file', MAX_BYTES.yaml), intentFile),
    intentFile,
  );
  const factsFiles = readFactsPaths(opts.facts ?? []);
  const model = buildModel(readDeployDir(opts.deploy), intent.release);
  const match = matchFacts(model.inventory, factsFiles);
  const facts = new Map<string, HostFacts>([...match.byHost].map(([h, f]) => [h, f.facts]));
  const derived = derivePlan(intent, model.inventory, facts);
  assertPlanValuesSafe(derived, model, match.byHost);
  const outcome: PlanOutcome = {
    derived,
    edits: null,
    verification: null,
    verdict: null,
    written: null,
    hostSetup: null,
  };
  if (derived.problems.length === 0) {
    outcome.edits = planEdits(intent, derived, model);
    // The write policy decides a dry run too: it shows what --write would do, or why it would not.
    resolveTargets(opts.deploy, outcome.edits.changes);
    if (outcome.edits.problems.length === 0) {
      outcome.verification = verifyPlan(intent, derived, outcome.edits.changes, opts.deploy, match.byHost);
      const before = baselineFindings(model, match.byHost);
      outcome.verdict = judgePlan(compareFindings(before, outcome.verification.findings), accept);
    }
  }
  const valid =
    derived.problems.length === 0 &&
    outcome.edits !== null &&
    outcome.edits.problems.length === 0 &&
    outcome.verification !== null &&
    outcome.verification.mismatches.length === 0 &&
    outcome.verdict !== null &&
    outcome.verdict.blocking.length === 0;

  if (valid && opts.hostSetup) {
    const hosts: HostSetupHost[] = derived.hosts.map((h) => ({
      host: h.host,
      cpuVendor: facts.get(h.host)?.cpu.vendor ?? null,
      cmdline: facts.get(h.host)?.kernel.cmdline ?? null,
      iommuOn: facts.get(h.host)?.iommu.enabled ?? null,
      pfs: h.pfs.map((p) => ({ netdev: p.pf.netdev!, pciAddress: p.pf.pciAddress!, numVfs: p.numVfs })),
    }));
    const files = renderHostSetup(hosts);
    writeOutputDir(opts.hostSetup, files);
    outcome.hostSetup = { dir: opts.hostSetup, files: [...files.keys()], hosts };
  }
  if (valid && opts.write && outcome.edits && outcome.edits.changes.length > 0) {
    outcome.written = { backups: writeChanges(outcome.edits.changes, stamp(), opts.deploy) };
  }
  if (opts.format === 'json') {
    printJson(cli, planJson(outcome, intent, opts.deploy));
  } else {
    printText(
      cli,
      renderPlanText(outcome, intent, facts, {
        intentFile,
        deployDir: opts.deploy,
        write: opts.write === true,
      }),
    );
  }
  return valid ? 0 : 1;
}
