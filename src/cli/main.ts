import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { ExitCode, EXIT_CODE_HELP } from '../core/exit-codes.js';
import { VERSION } from '../core/version.js';
import { exitCodeSet, exitQuietlyOnClosedPipe, reportError } from './exit.js';
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
      files = readdirSync(commandsDir).filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts')).sort();
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

export async function main(argv: string[] = process.argv): Promise<number> {
  if (argv[2] === '--version' && argv.length === 3) {
    process.stdout.write(`${VERSION}\n`);
    return ExitCode.Ok;
  }
  if (argv.length === 4 && argv.includes('--version') && argv.includes('--json')) return printVersionJson();
  // The pre-commit hook's exact command line skips the flag parser (bin/credctl normally loads
  // the bundled copy of this path instead; see staged-hook.ts).
  if (isStagedHookCommand(argv)) return (await import('./staged-hook.js')).runStagedHook();
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
    .addHelpText('after', `\nRun \`credctl demo\` for a leak-to-recovery walkthrough against the built-in reference issuer.\n\n${EXIT_CODE_HELP}\n`);
  program.hook('preAction', (cmd) => {
    if (cmd.optsWithGlobals().color === false) process.env.NO_COLOR = '1';
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

/** `credctl --version --json`: credctl's version, the rule set it runs, and the Node.js running it. */
async function printVersionJson(): Promise<number> {
  try {
    const { ruleSetInfo } = await import('../providers/rule-set.js');
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
