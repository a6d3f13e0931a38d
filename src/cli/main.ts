import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { ExitCode, EXIT_CODE_HELP } from '../core/exit-codes.js';
import * as io from '../core/io.js';
import { VERSION } from '../core/version.js';
import { exitCodeSet, exitQuietlyOnClosedPipe, reportError } from './exit.js';
import { runInProcess, type CliIo } from './in-process.js';
import { isStagedHookCommand } from './staged-hook-args.js';

/**
 * The CLI shell: parse flags, dispatch, turn errors into one line and an exit code.
 *
 * Every file in ./commands/ is a command module exporting `register(program)` and an `order`
 * (its place in --help). Modules register flags and lazy-import their logic inside the action,
 * so `credctl scan --staged` in a pre-commit hook does not pay for loading the rotation engine.
 */
interface CommandModule {
  order: number;
  register(program: Command): void;
}

/**
 * Which module registers each top-level command. Only the invoked command's module is imported
 * (a pre-commit `credctl scan --staged` must not pay for loading the rotation engine); `--help`
 * and unknown commands load them all. test/cli/commands.test.ts checks this map against what
 * the modules actually register, so a new command cannot be forgotten here.
 */
export const COMMAND_MODULES: Record<string, string> = {
  scan: 'scan',
  hook: 'hook',
  trust: 'trust',
  graph: 'graph',
  where: 'where',
  discover: 'discover',
  issuer: 'issuer',
  providers: 'providers',
  rules: 'rules',
  store: 'store',
  audit: 'audit',
  plan: 'rotate',
  apply: 'rotate',
  rotate: 'rotate',
  rollback: 'rotate',
  finalize: 'rotate',
  demo: 'demo',
  'blast-radius': 'blast-radius',
  incident: 'incident',
  inventory: 'blast-radius',
  status: 'blast-radius',
  completion: 'completion',
};

const commandsDir = new URL('./commands/', import.meta.url);
// Compiled (dist/*.js) normally; the TypeScript sources when tests import this module directly.
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export async function loadCommandModules(only?: string): Promise<CommandModule[]> {
  let files: string[];
  if (only && COMMAND_MODULES[only]) files = [COMMAND_MODULES[only]! + ext];
  else {
    try {
      files = readdirSync(commandsDir)
        .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts'))
        .sort();
    } catch {
      files = [];
    }
  }
  const mods = await Promise.all(files.map((f) => import(new URL(f, commandsDir).href) as Promise<Partial<CommandModule>>));
  return mods.filter((m): m is CommandModule => typeof m.register === 'function').sort((a, b) => a.order - b.order);
}

/** The first argument that is not an option: the command being run. */
function invokedCommand(argv: string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

/**
 * Runs one credctl command line (`argv` as in process.argv: node, script, then the arguments) and
 * returns its exit code; it never exits the process. With `cliIo` the command runs in this process
 * with those streams, environment and working directory (in-process.ts; the tests' harness),
 * without it on the process's own.
 */
export async function main(argv: string[] = process.argv, cliIo?: CliIo): Promise<number> {
  if (cliIo) return runInProcess(cliIo, () => dispatch(argv));
  return dispatch(argv);
}

export type { CliIo };

async function dispatch(argv: string[]): Promise<number> {
  if (argv[2] === '--version' && argv.length === 3) {
    io.out().write(`${VERSION}\n`);
    return ExitCode.Ok;
  }
  if (argv.length === 4 && argv.includes('--version') && argv.includes('--json')) return printVersionJson();
  // The pre-commit hook's exact command line skips the flag parser (bin/credctl normally loads
  // the bundled copy of this path instead; see staged-hook.ts).
  if (isStagedHookCommand(argv)) return (await import('./staged-hook.js')).stagedHook();
  const program = await buildProgram(invokedCommand(argv));
  try {
    await program.parseAsync(argv);
    return exitCodeSet();
  } catch (err) {
    return reportError(err);
  }
}

/**
 * The command tree: the root program with the modules of `only` (the invoked command), or of
 * every command when `only` is undefined or unknown (--help, `credctl completion`).
 */
export async function buildProgram(only?: string): Promise<Command> {
  // require(), not import: commander is CommonJS, and its ESM wrapper costs a few ms more to load.
  const { Command } = createRequire(import.meta.url)('commander') as typeof import('commander');
  const program = new Command('credctl')
    .description('Find exposed credentials, see where they are used and what they reach, rotate them safely, and prove the recovery.')
    // `-V` only: a root `--version` would swallow `store get --version N`; a leading
    // `credctl --version` is answered in main() before parsing.
    .version(VERSION, '-V', 'output the version number (also: credctl --version; --version --json adds the rule-set version)')
    .option('--no-color', 'disable colour (also: NO_COLOR=1)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(commanderOutput)
    .addHelpText('after', `\nRun \`credctl demo\` for a leak-to-recovery walkthrough against the built-in reference issuer.\n\n${EXIT_CODE_HELP}\n`);
  program.hook('preAction', async (cmd, action) => {
    if (cmd.optsWithGlobals().color === false) process.env.NO_COLOR = '1';
    await onboardIssuersFor(action);
  });
  // Subcommands inherit exitOverride so their usage errors also come back here as exit code 2.
  for (const mod of await loadCommandModules(only)) mod.register(program);
  const override = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride();
      override(sub);
    }
  };
  override(program);
  return program;
}

/**
 * The commands that work with providers first learn the issuers the project's trusted credctl.yaml
 * names that credctl does not know (src/project/issuers.ts), so scan, verify, plan and apply treat
 * them like built-in providers. The project is the one the command is about: its --root, else
 * scan's first directory, else the current directory's.
 */
const PROVIDER_COMMANDS = new Set([
  'scan',
  'graph',
  'where',
  'blast-radius',
  'inventory',
  'status',
  'plan',
  'apply',
  'rotate',
  'rollback',
  'finalize',
  'providers list',
  'providers show',
  // An incident's checks ask the same providers: an issuer-only one must be known to them too.
  'incident open',
  'incident status',
  'incident close',
]);

async function onboardIssuersFor(action: Command): Promise<void> {
  const parent = action.parent?.parent ? `${action.parent.name()} ` : '';
  // Other commands never look providers up, so they neither fetch nor pay for loading this.
  if (!PROVIDER_COMMANDS.has(parent + action.name())) return;
  const opts = action.opts() as { root?: string; staged?: boolean };
  if (action.name() === 'scan' && opts.staged) return (await import('../integrations/standard/onboard.js')).clearOnboarded();
  const { existsSync, statSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  const { findProjectRoot } = await import('../core/paths.js');
  const first = action.name() === 'scan' || action.name() === 'graph' ? action.args[0] : undefined;
  const start = opts.root ?? (first && first !== '-' && existsSync(first) && statSync(first).isDirectory() ? first : undefined);
  const { onboardProjectIssuers } = await import('../project/issuers.js');
  await onboardProjectIssuers(findProjectRoot(start ? resolve(start) : process.cwd()));
}

/**
 * Commander writes help and usage errors through the same seam as everything else (its defaults
 * are process.stdout/stderr, which is what io.out()/io.err() are outside the in-process harness).
 * Set on the root before commands are added, so every subcommand inherits it.
 */
const commanderOutput = {
  writeOut: (text: string) => void io.out().write(text),
  writeErr: (text: string) => void io.err().write(text),
  // undefined (not a terminal) means commander's default width, as in its own defaults; its types say number.
  getOutHelpWidth: () => (io.out().isTTY ? io.out().columns : undefined) as number,
  getErrHelpWidth: () => (io.err().isTTY ? io.err().columns : undefined) as number,
  getOutHasColors: () => hasColors(io.out()),
  getErrHasColors: () => hasColors(io.err()),
};

/** Commander's own rule (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE, else a colour terminal), on the seam's stream. */
function hasColors(stream: io.OutStream): boolean {
  const env = process.env;
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  return Boolean(stream.isTTY && stream.hasColors?.());
}

/** `credctl --version --json`: credctl's version, the rule set it runs, and the Node.js running it. */
async function printVersionJson(): Promise<number> {
  try {
    const { ruleSetInfo } = await import('../scan/rule-set.js');
    const { printJson } = await import('../core/output.js');
    printJson({ node: process.version, ruleSet: ruleSetInfo() });
    return ExitCode.Ok;
  } catch (err) {
    return reportError(err);
  }
}

/** The process entry point, called by bin/credctl. */
export async function run(): Promise<void> {
  exitQuietlyOnClosedPipe();
  // Exit via exitCode, not process.exit(), so piped stdout is flushed completely.
  process.exitCode = await main();
}
