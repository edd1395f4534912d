import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { ruleById } from '../checks/registry.js';
import { matchFacts } from '../deployment/facts-match.js';
import type { HostFacts } from '../facts/host-facts.js';
import { buildModel } from '../osa/model.js';
import { verifyPlan, writeChanges } from '../plan/apply.js';
import { derivePlan } from '../plan/derive.js';
import { planEdits } from '../plan/edits.js';
import { type HostSetupHost, renderHostSetup } from '../plan/host-setup.js';
import { parseIntent } from '../plan/intent.js';
import { baselineFindings, compareFindings, judgePlan } from '../plan/verdict.js';
import { type PlanOutcome, planJson, renderPlanText } from '../report/plan-text.js';
import type { CliRun } from './cli-io.js';
import { readDeployDir, repeatable } from './deploy-input.js';
import { UserError } from './errors.js';
import { readFactsPaths } from './facts-input.js';
import { readInput, writeAtomically } from './io.js';

interface PlanOptions {
  deploy: string;
  facts?: string[];
  format: 'text' | 'json';
  write?: boolean;
  hostSetup?: string;
  accept?: string[];
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
}

export function plan(intentFile: string, opts: PlanOptions, cli: CliRun): number {
  const accept = opts.accept ?? [];
  const unknown = accept.filter((id) => !ruleById(id));
  if (unknown.length > 0)
    throw new UserError(
      `--accept ${unknown.join(', ')}: no such rule`,
      null,
      'give a rule id as check prints it, like SRIOV-HOST-005 (docs/rules/)',
    );
  const intent = parseIntent(readInput(intentFile, 'the intent file').toString('utf8'), intentFile);
  const factsFiles = readFactsPaths(opts.facts ?? []);
  const model = buildModel(readDeployDir(opts.deploy), intent.release);
  const match = matchFacts(model.inventory, factsFiles);
  const facts = new Map<string, HostFacts>([...match.byHost].map(([h, f]) => [h, f.facts]));
  const derived = derivePlan(intent, model.inventory, facts);
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
    for (const [name, text] of files) {
      const target = join(opts.hostSetup, name);
      mkdirSync(dirname(target), { recursive: true });
      writeAtomically(target, text);
    }
    outcome.hostSetup = { dir: opts.hostSetup, files: [...files.keys()], hosts };
  }
  if (valid && opts.write && outcome.edits && outcome.edits.changes.length > 0) {
    outcome.written = { backups: writeChanges(outcome.edits.changes, stamp()) };
  }
  if (opts.format === 'json') {
    cli.stdout.write(`${JSON.stringify(planJson(outcome, intent, opts.deploy), null, 2)}\n`);
  } else {
    cli.stdout.write(
      renderPlanText(outcome, intent, facts, {
        intentFile,
        deployDir: opts.deploy,
        write: opts.write === true,
      }),
    );
  }
  return valid ? 0 : 1;
}

export function registerPlan(program: Command, cli: CliRun): void {
  program
    .command('plan')
    .description(
      'from an intent file (docs/intent.md), derive the SR-IOV configuration of an OSA deployment: print a summary and a unified diff of the deploy directory, apply it with --write, generate the host-setup playbook with --host-setup',
    )
    .argument('<intent>', 'the intent YAML file (docs/intent.md)')
    .requiredOption('--deploy <dir>', 'the OSA config directory (like /etc/openstack_deploy)')
    .addOption(
      new Option(
        '--facts <path>',
        'host snapshots or HostFacts JSON, or a directory of them (repeatable)',
      ).argParser(repeatable),
    )
    .option(
      '--write',
      'apply the edits to the deploy directory (atomically, keeping <file>.osa-sriov-<time>.bak)',
    )
    .option(
      '--host-setup <dir>',
      'write the host-setup Ansible playbook (IOMMU kernel arguments, VFs at boot) to this directory',
    )
    .addOption(
      new Option(
        '--accept <rule>',
        'accept the warnings of this rule that the plan introduces (repeatable); without it they make the plan fail',
      ).argParser(repeatable),
    )
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nExit status: 0 the plan is valid (whether or not it changes anything), 1 the intent cannot be satisfied, or the plan introduces an error or a warning not accepted with --accept (nothing is written), 2 bad usage or input.',
    )
    .action((intentFile: string, opts: PlanOptions) => {
      cli.exitCode = plan(intentFile, opts, cli);
    });
}
