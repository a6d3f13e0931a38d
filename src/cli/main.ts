import { readdirSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CredctlError } from '../core/errors.js';
import { ExitCode, EXIT_CODE_HELP } from '../core/exit-codes.js';
import { VERSION } from '../core/version.js';

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

async function loadCommandModules(): Promise<CommandModule[]> {
  const dir = new URL('./commands/', import.meta.url);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  } catch {
    files = [];
  }
  const mods = await Promise.all(files.map((f) => import(new URL(f, dir).href) as Promise<Partial<CommandModule>>));
  return mods.filter((m): m is CommandModule => typeof m.register === 'function').sort((a, b) => a.order - b.order);
}

function reportError(err: unknown): number {
  if (err instanceof CredctlError) {
    process.stderr.write(`credctl: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  ${err.hint}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.Ok;
    return ExitCode.Usage; // commander already printed its one-line message
  }
  const e = err as Error;
  process.stderr.write(`credctl: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.CREDCTL_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  else process.stderr.write('  This is a bug in credctl. Re-run with CREDCTL_DEBUG=1 for details and report it.\n');
  return ExitCode.Internal;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  if (argv[2] === '--version' && argv.length === 3) {
    process.stdout.write(`${VERSION}\n`);
    return ExitCode.Ok;
  }
  const program = new Command('credctl')
    .description('Find exposed credentials, see where they are used and what they reach, rotate them safely, and prove the recovery.')
    // `-V` only: a root `--version` would swallow `store get --version N`; a leading
    // `credctl --version` is answered in main() before parsing.
    .version(VERSION, '-V', 'output the version number (also: credctl --version)')
    .option('--no-color', 'disable colour (also: NO_COLOR=1)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', `\nRun \`credctl demo\` for a leak-to-recovery walkthrough against the built-in reference issuer.\n\n${EXIT_CODE_HELP}\n`);
  program.hook('preAction', (cmd) => {
    if (cmd.optsWithGlobals().color === false) process.env.NO_COLOR = '1';
  });
  // Subcommands inherit exitOverride so their usage errors also come back here as exit code 2.
  for (const mod of await loadCommandModules()) mod.register(program);
  const override = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride();
      override(sub);
    }
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    return reportError(err);
  }
}

// Exit via exitCode, not process.exit(), so piped stdout is flushed completely.
process.on('SIGPIPE', () => process.exit(ExitCode.Ok));
process.exitCode = await main();
