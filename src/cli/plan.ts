import { type Command, Option } from 'commander';
import { matchFacts } from '../checks/facts-match.js';
import type { HostFacts } from '../facts/host-facts.js';
import { buildModel } from '../osa/model.js';
import { derivePlan } from '../plan/derive.js';
import { IntentError, parseIntent } from '../plan/intent.js';
import { renderPlanText } from '../report/plan-text.js';
import { readDeployDir, repeatable } from './deploy-input.js';
import { UserError } from './errors.js';
import { readFactsPaths } from './facts-input.js';
import { readInput } from './io.js';

interface PlanOptions {
  deploy: string;
  facts?: string[];
  format: 'text' | 'json';
}

export function plan(intentFile: string, opts: PlanOptions): number {
  let intent: ReturnType<typeof parseIntent>;
  try {
    intent = parseIntent(readInput(intentFile, 'the intent file').toString('utf8'), intentFile);
  } catch (e) {
    if (e instanceof IntentError) throw new UserError(e.message, e.location, e.hint);
    throw e;
  }
  const factsFiles = readFactsPaths(opts.facts ?? []);
  const model = buildModel(readDeployDir(opts.deploy), intent.release);
  const match = matchFacts(model.inventory, factsFiles);
  const facts = new Map<string, HostFacts>([...match.byHost].map(([h, f]) => [h, f.facts]));
  const derived = derivePlan(intent, model.inventory, facts);
  if (opts.format === 'json') {
    const json = {
      schema: 'osa-sriov/plan@0',
      release: intent.release.series,
      plugin: intent.plugin,
      problems: derived.problems,
      hosts: derived.hosts.map((h) => ({
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
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    process.stdout.write(renderPlanText(derived, intent, facts, `${intentFile} for ${opts.deploy}`));
  }
  return derived.problems.length > 0 ? 1 : 0;
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description(
      "derive each host's SR-IOV PFs, VF counts, agent mappings and Nova device_spec from an intent file (docs/intent.md); edits and host setup are not generated yet",
    )
    .argument('<intent>', 'the intent YAML file (docs/intent.md)')
    .requiredOption('--deploy <dir>', 'the OSA config directory (like /etc/openstack_deploy)')
    .addOption(
      new Option(
        '--facts <path>',
        'host snapshots or HostFacts JSON, or a directory of them (repeatable)',
      ).argParser(repeatable),
    )
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nExit status: 0 the intent can be satisfied, 1 it cannot (each reason located in the intent), 2 bad usage or input.',
    )
    .action((intentFile: string, opts: PlanOptions) => {
      process.exitCode = plan(intentFile, opts);
    });
}
