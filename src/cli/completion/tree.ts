import type { Command, Option } from 'commander';

/**
 * The command tree as plain data, read from commander (the same objects that parse the flags),
 * so shell completion can never offer a command or flag that does not exist, nor miss a new one.
 * Each shell's script is generated from this (bash.ts, zsh.ts, fish.ts).
 */
export interface CompletionOption {
  /** `--format`, and the short form (`-o`) when there is one. */
  long?: string;
  short?: string;
  description: string;
  takesValue: boolean;
  /** Known values (from a description written as `a | b | c`), or file names, or free text. */
  values: string[] | 'files' | 'text';
}

export interface CompletionCommand {
  /** Words from the root: [] for credctl itself, ['store', 'put'] for `credctl store put`. */
  path: string[];
  description: string;
  subcommands: CompletionCommand[];
  options: CompletionOption[];
  /** What its positional arguments take: file names (`[paths...]`, `<file>`, `[dir]`), known words, or free text. */
  argumentValues: string[] | 'files' | 'text';
}

const FILE_PLACEHOLDER = /file|dir|path|bundle|pubkey|checkpoint|plan|out/i;

function placeholder(flags: string): string | undefined {
  return /[<[]([^>\]]+)[>\]]/.exec(flags)?.[1];
}

/** `table | json | jsonl` in a description: the values an option takes. */
export function choicesIn(description: string): string[] | undefined {
  const m = /(?:^|[:(]\s*)([a-z0-9][a-z0-9-]*(?: \| [a-z0-9][a-z0-9-]*)+)/.exec(description);
  return m ? m[1]!.split(' | ') : undefined;
}

function option(o: Option): CompletionOption {
  const takesValue = Boolean(o.required || o.optional);
  const name = placeholder(o.flags);
  const choices = o.argChoices ?? (takesValue ? choicesIn(o.description) : undefined);
  return {
    ...(o.long ? { long: o.long } : {}),
    ...(o.short ? { short: o.short } : {}),
    description: o.description,
    takesValue,
    values: choices ?? (name && FILE_PLACEHOLDER.test(name) ? 'files' : 'text'),
  };
}

const HELP: CompletionOption = { long: '--help', short: '-h', description: 'display help for command', takesValue: false, values: 'text' };

export function completionTree(cmd: Command, path: string[] = []): CompletionCommand {
  const options = cmd.options.filter((o) => !o.hidden).map(option);
  if (path.length === 0)
    options.push({ long: '--version', description: 'output the version number (with --json: also the rule set)', takesValue: false, values: 'text' });
  options.push(HELP);
  return {
    path,
    description: cmd.summary() || cmd.description(),
    subcommands: cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden).map((c) => completionTree(c, [...path, c.name()])),
    options,
    argumentValues: argumentValues(cmd),
  };
}

function argumentValues(cmd: Command): CompletionCommand['argumentValues'] {
  for (const a of cmd.registeredArguments) {
    const choices = a.argChoices ?? choicesIn(a.description);
    if (choices) return choices;
    if (FILE_PLACEHOLDER.test(a.name())) return 'files';
  }
  return 'text';
}

/** Every command in the tree, the root first. */
export function allCommands(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** The first line of a description, short enough for a completion menu. */
export function shortDescription(text: string, max = 80): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
