import { readFileSync } from 'node:fs';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { readStdinText } from './io.js';

/**
 * An error meant for the user: one line saying what went wrong and what to do, plus the exit code.
 * The CLI prints `credctl: <message>` and exits with `exitCode`; it never prints a stack for these.
 * Messages must never contain a secret value (use redact()).
 */
export class CredctlError extends Error {
  readonly exitCode: ExitCodeValue;
  /** Optional second line: what the user can do about it. */
  readonly hint?: string;

  constructor(message: string, exitCode: ExitCodeValue = ExitCode.BadInput, hint?: string) {
    super(message);
    this.name = 'CredctlError';
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

export const usageError = (message: string, hint?: string) => new CredctlError(message, ExitCode.Usage, hint);
export const inputError = (message: string, hint?: string) => new CredctlError(message, ExitCode.BadInput, hint);
export const remoteError = (message: string, hint?: string) => new CredctlError(message, ExitCode.Remote, hint);
export const refusedError = (message: string, hint?: string) => new CredctlError(message, ExitCode.Refused, hint);
export const integrityError = (message: string, hint?: string) => new CredctlError(message, ExitCode.Integrity, hint);
export const storeError = (message: string, hint?: string) => new CredctlError(message, ExitCode.Store, hint);

/** Turn a Node system error into a short readable phrase ("permission denied", "no such file"). */
export function describeSystemError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EMFILE':
      return 'too many open files';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * A parser's error message made safe to show: first line only, quoted snippets of the input
 * removed. Node's JSON.parse quotes the text around the error ("{"a": sk_live_51"...), and other
 * parsers can too; the text being parsed may hold a secret, so no snippet of it is ever shown.
 */
export function parserMessage(err: unknown): string {
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  return first
    .replace(/"(?:[^"\\]|\\.)*"(?:\.\.\.)?/g, '"…"')
    .replace(/'(?:[^'\\]|\\.){2,}'/g, "'…'")
    .replace(/`[^`]{2,}`/g, '`…`')
    .slice(0, 200);
}

/**
 * A user-named input file's text (a plan, a report, a bundle, a key), or the one-line input
 * error every command gives for an unreadable one: `cannot read <what>: <reason>` (exit 3).
 * `path` 0 is stdin.
 */
export function readInputText(path: string | 0, what: string): string {
  try {
    return path === 0 ? readStdinText() : readFileSync(path, 'utf8');
  } catch (err) {
    throw inputError(`cannot read ${what}: ${describeSystemError(err)}`);
  }
}

/**
 * A person stopped at a prompt: @inquirer/prompts rejects with ExitPromptError on Ctrl-C or a
 * closed terminal, and with AbortPromptError when its signal aborts; or stopped a rotation run
 * with Ctrl-C between steps (runInterruptedError). Recognised by name so that
 * nothing has to load the prompt library to ask. The CLI exits 130 (src/cli/exit.ts).
 */
export function isPromptCancel(err: unknown): boolean {
  const name = (err as { name?: unknown } | undefined)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError' || name === RUN_INTERRUPTED;
}

const RUN_INTERRUPTED = 'RunInterruptedError';

/**
 * Ctrl-C (SIGINT) during a rotation run, between steps: the person stopped, as at a prompt (exit
 * 130, "Cancelled."). The run is journaled as interrupted and stays resumable (src/apply/engine.ts).
 */
export function runInterruptedError(): Error {
  const e = new Error('interrupted (Ctrl-C)');
  e.name = RUN_INTERRUPTED;
  return e;
}
