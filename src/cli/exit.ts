import { CredctlError, isPromptCancel } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import * as io from '../core/io.js';

/**
 * How a command's outcome becomes what the user sees at the end: an error is one line (plus an
 * optional hint) and a documented exit code, never a stack trace unless CREDCTL_DEBUG asks.
 * Shared by the full CLI (main.ts) and the bundled pre-commit entry (staged-hook.ts).
 */
export function reportError(err: unknown): number {
  if (isPromptCancel(err)) {
    // Ctrl-C (or a closed terminal) at a prompt: the person stopped, nothing went wrong.
    io.err().write('\nCancelled.\n');
    return ExitCode.Cancelled;
  }
  if (err instanceof CredctlError) {
    io.err().write(`credctl: ${err.message}\n`);
    if (err.hint) io.err().write(`  ${err.hint}\n`);
    return err.exitCode;
  }
  // commander's errors, recognised by their code so this module does not load commander.
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return ExitCode.Ok;
    return ExitCode.Usage; // commander already printed its one-line message
  }
  const e = err as Error;
  io.err().write(`credctl: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.CREDCTL_DEBUG) io.err().write(`${e?.stack ?? ''}\n`);
  else io.err().write('  This is a bug in credctl. Re-run with CREDCTL_DEBUG=1 for details and report it.\n');
  return ExitCode.Internal;
}

/**
 * A reader that goes away (`credctl graph | head`) is not an error: stop quietly, with the exit
 * code the command already decided (so `credctl scan | head` still says "findings" with 1, and a
 * pre-commit hook whose output is cut still blocks the commit). Nothing decided yet: 0.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(exitCodeSet());
      throw err;
    });
  }
}

/** The exit code a command left in process.exitCode (commands set it; they never call exit). */
export function exitCodeSet(): number {
  return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
}
