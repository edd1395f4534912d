// The commands and options of the CLI as commander knows them (the source of --help), read once
// for the shell completions and the man page, so the three never disagree.
import type { Command, Help } from 'commander';

export interface OptionModel {
  /** --facts; null for a short-only option. */
  long: string | null;
  short: string | null;
  /** As --help shows it: `-o, --output <file>`. */
  term: string;
  description: string;
  /** The value's name (`file`), or null for a flag. */
  value: string | null;
  choices: readonly string[] | null;
}

export interface ArgumentModel {
  name: string;
  required: boolean;
  description: string;
}

export interface CommandModel {
  /** [] for the program, ['devspec', 'explain'] for a subcommand. */
  path: string[];
  name: string;
  description: string;
  usage: string;
  options: OptionModel[];
  arguments: ArgumentModel[];
  commands: CommandModel[];
  /** Text added after the help (examples, exit status), as --help prints it. */
  after: string;
}

function afterHelpOf(cmd: Command): string {
  let full = '';
  const saved = cmd.configureOutput();
  cmd.configureOutput({
    writeOut: (s) => {
      full += s;
    },
  });
  try {
    cmd.outputHelp();
  } finally {
    cmd.configureOutput(saved);
  }
  const base = cmd.helpInformation();
  return full.startsWith(base) ? full.slice(base.length).trim() : '';
}

function optionModel(help: Help, o: Command['options'][number]): OptionModel {
  const value = /<([^>]+)>|\[([^\]]+)\]/.exec(o.flags);
  return {
    long: o.long ?? null,
    short: o.short ?? null,
    term: help.optionTerm(o),
    description: help.optionDescription(o),
    value: value ? (value[1] ?? value[2] ?? null) : null,
    choices: o.argChoices ?? null,
  };
}

export function commandModel(cmd: Command, path: string[] = []): CommandModel {
  const help = cmd.createHelp();
  return {
    path,
    name: cmd.name(),
    description: cmd.description(),
    usage: help.commandUsage(cmd),
    options: help.visibleOptions(cmd).map((o) => optionModel(help, o)),
    arguments: help.visibleArguments(cmd).map((a) => ({
      name: a.name(),
      required: a.required,
      description: a.description,
    })),
    commands: help
      .visibleCommands(cmd)
      .filter((c) => c.name() !== 'help')
      .map((c) => commandModel(c, [...path, c.name()])),
    after: afterHelpOf(cmd),
  };
}
