import { type Command, Option } from 'commander';
import { atLeastSeverity, type Severity } from '../checks/finding.js';
import { runChecks, selectRules } from '../checks/run.js';
import { type FactsFile, matchFacts } from '../deployment/facts-match.js';
import { buildInventory } from '../osa/inventory.js';
import { buildModel } from '../osa/model.js';
import { NEWEST_RELEASE, releaseLabel } from '../osa/releases.js';
import { findingsJson } from '../report/findings-json.js';
import { findingsSarif } from '../report/findings-sarif.js';
import { renderFindingsText } from '../report/findings-text.js';
import { renderCheckHtml } from '../report/html/check-page.js';
import type { CliRun } from './cli-io.js';
import {
  DETECTED_RELEASE_HELP,
  detectRelease,
  readDeployDir,
  releaseHow,
  releaseOption,
  releaseTitle,
  repeatable,
  requireHosts,
} from './deploy-input.js';
import { UserError } from './errors.js';
import { FACTS_CACHE_ENV, factsCacheDir, waitForCacheSaves } from './facts-cache.js';
import { startFactsPaths } from './facts-input.js';
import { addColorOption, type ColorMode, emitReport, jsonText, printErr, reportColor } from './output.js';
import { readRuleDocs } from './rules.js';

interface CheckOptions {
  facts?: string[];
  host?: string[];
  release?: string;
  format: 'text' | 'json' | 'sarif' | 'html';
  failOn: Severity;
  rule?: string[];
  skip?: string[];
  output?: string;
  maxFactsAge?: string;
  color?: ColorMode;
  quiet?: boolean;
  factsCache?: boolean;
}

const AGE_UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "7d", "36h", "90m", "2w", a bare number of days; "off" or "0" turns the check off. */
export function parseMaxAge(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === '0') return undefined;
  const m = /^(\d+)([smhdw]?)$/.exec(t);
  if (!m || Number(m[1]) === 0)
    throw new UserError(
      `--max-facts-age: "${text}" is not an age`,
      null,
      'give a number with a unit (s, m, h, d, w), like 7d or 36h, or off',
    );
  return Number(m[1]) * AGE_UNITS[m[2] || 'd']!;
}

export function check(dir: string, opts: CheckOptions, cli: CliRun): number {
  if (opts.release !== undefined) releaseOption(opts.release);
  if (selectRules(opts.rule, opts.skip).length === 0)
    throw new UserError(
      `--rule ${(opts.rule ?? []).join(', ')} and --skip ${(opts.skip ?? []).join(', ')} leave no rule to run`,
      null,
      'do not --skip a rule you ask for with --rule',
    );
  // New snapshots are parsed by worker threads while this thread loads the deploy dir; a facts
  // error is reported before a deploy dir error, as when one was read after the other.
  const finishFacts = startFactsPaths(opts.facts ?? [], {
    cacheDir: factsCacheDir(cli.env, opts.factsCache !== false),
    env: cli.env,
    backgroundSave: true,
  });
  try {
    return checkWith(dir, opts, cli, finishFacts);
  } finally {
    // The caches are written while the rules run; the run ends with them on disk.
    waitForCacheSaves();
  }
}

function checkWith(dir: string, opts: CheckOptions, cli: CliRun, finishFacts: () => FactsFile[]): number {
  let deploy: ReturnType<typeof readDeployDir> | undefined;
  let newest: ReturnType<typeof buildInventory> | undefined;
  let deployError: unknown = null;
  try {
    deploy = readDeployDir(dir);
    // Physical host names do not depend on the release: the facts are matched once to find it.
    if (opts.release === undefined) newest = buildInventory(deploy, NEWEST_RELEASE);
  } catch (e) {
    deployError = e;
  }
  const factsFiles = finishFacts();
  if (deploy === undefined || deployError !== null) throw deployError;
  // Every host is rendered: rules compare hosts (servers, schedulers, gateways); --host only
  // selects whose findings are reported.
  const provisional = newest !== undefined ? matchFacts(newest, factsFiles).byHost : new Map();
  const choice = detectRelease(opts.release, provisional, cli);
  const release = choice.release;
  const model = buildModel(deploy, release);
  const hosts = requireHosts(model.inventory, opts.host, dir);
  const match = matchFacts(model.inventory, factsFiles);
  if (match.conflicts.length > 0) {
    const c = match.conflicts[0]!;
    throw new UserError(
      `several facts files describe host ${c.host}: ${c.files.join(', ')}`,
      { file: c.files[0]! },
      'keep one facts file per host in the --facts directories',
      'facts-conflict',
    );
  }
  for (const f of match.unmatched) {
    printErr(
      cli,
      `osa-sriov: warning: ${f.file}: no inventory host named ${f.stem}${f.facts.hostname && f.facts.hostname !== f.stem ? ` or ${f.facts.hostname}` : ''}; these facts are not used\n`,
    );
  }
  const maxAge = parseMaxAge(opts.maxFactsAge ?? cli.env.OSA_SRIOV_MAX_FACTS_AGE ?? '7d');
  const result = runChecks(model, match.byHost, {
    rules: opts.rule,
    skip: opts.skip,
    hosts,
    ...(maxAge !== undefined ? { maxFactsAgeMs: maxAge } : {}),
  });
  const isText = opts.format !== 'json' && opts.format !== 'html' && opts.format !== 'sarif';
  const color = isText && reportColor(opts.color, opts.output, cli);
  let text: string;
  if (opts.format === 'json') {
    text = jsonText(
      findingsJson(result, {
        deployDir: dir,
        release: releaseLabel(release),
        releaseSource: { kind: choice.source, detail: choice.detail },
        failOn: opts.failOn,
      }),
    );
  } else if (opts.format === 'html') {
    text = renderCheckHtml(result, {
      deployDir: dir,
      release: `OSA ${releaseLabel(release)}`,
      releaseSource: releaseHow(choice),
      generatedAt: new Date(),
      ruleDocs: readRuleDocs(result.findings.map((f) => f.ruleId)),
    });
  } else if (opts.format === 'sarif') {
    text = jsonText(
      findingsSarif(result, {
        release: releaseLabel(release),
        releaseSource: { kind: choice.source, detail: choice.detail },
      }),
    );
  } else {
    text = renderFindingsText(result, {
      color,
      title: `${dir} (${releaseTitle(choice)})`,
      failOn: opts.failOn,
      quiet: opts.quiet === true,
    });
  }
  emitReport(cli, { text, isText, color }, opts.output);
  return result.findings.some((f) => atLeastSeverity(f.severity, opts.failOn)) ? 1 : 0;
}

export function registerCheck(program: Command, cli: CliRun): void {
  const cmd = program
    .command('check')
    .description(
      'find SR-IOV mistakes in an OpenStack-Ansible deployment before it is applied (rules: docs/rules/)',
    )
    .argument('<deploy-dir>', 'the OSA config directory (like /etc/openstack_deploy)')
    .addOption(
      new Option(
        '--facts <path>',
        'a host snapshot, HostFacts JSON, or a directory of them (repeatable)',
      ).argParser(repeatable),
    )
    .addOption(new Option('--host <name>', 'only this inventory host (repeatable)').argParser(repeatable))
    .option('--release <release>', DETECTED_RELEASE_HELP)
    .addOption(
      new Option(
        '--format <format>',
        'text, json (schema osa-sriov/findings@1, docs/check.md), sarif (SARIF 2.1.0) or html (one self-contained page, docs/report.md)',
      )
        .choices(['text', 'json', 'sarif', 'html'])
        .default('text'),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices(['error', 'warning', 'info'])
        .default('error'),
    )
    .addOption(new Option('--rule <id>', 'run only this rule (repeatable)').argParser(repeatable))
    .addOption(new Option('--skip <id>', 'do not run this rule (repeatable)').argParser(repeatable))
    .option(
      '--max-facts-age <age>',
      'warn about facts collected longer ago than this (7d, 36h, 2w; off to disable); default $OSA_SRIOV_MAX_FACTS_AGE or 7d',
    )
    .option('-o, --output <file>', 'write the report to this file (atomically) instead of stdout')
    .option('-q, --quiet', 'text format: print only the summary line (the exit status says the rest)')
    .option(
      '--no-facts-cache',
      `parse every facts file; by default the facts of a --facts directory are cached in $XDG_CACHE_HOME/osa-sriov (or ~/.cache/osa-sriov) and only new or changed files are parsed (${FACTS_CACHE_ENV}=off disables it too; docs/check.md)`,
    );
  addColorOption(cmd)
    .addHelpText(
      'after',
      '\nExit status: 0 no finding at or above --fail-on, 1 findings at or above it, 2 bad usage or unreadable input.',
    )
    .action((dir: string, opts: CheckOptions) => {
      cli.exitCode = check(dir, opts, cli);
    });
}
