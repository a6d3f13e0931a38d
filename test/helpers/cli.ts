import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

/**
 * Running credctl from a test. runCli() runs the command line in this process through
 * main(argv, io) (src/cli/in-process.ts): the same code path as bin/credctl from flag parsing to
 * exit code and messages, without starting Node and loading modules for every case, which made
 * the end-to-end suites spawn-bound. Calls run one at a time (they set process.env, the working
 * directory and process.exitCode for their duration), so a file may start many at once.
 *
 * spawnCli() starts the real bin/credctl (needs `npm run build`), for what only a real process
 * shows: a crash or SIGKILL, signals, a TTY, a heap limit, the installed bin and the staged-hook
 * bundle it loads.
 */

export interface CliRun {
  /** The exit code (null when a spawned process died of a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** How long the command took. */
  ms: number;
}

export interface SpawnedRun extends CliRun {
  signal: NodeJS.Signals | null;
}

export interface CliOptions {
  cwd?: string;
  /** The command's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Piped stdin (default: empty, not a terminal). */
  input?: string | Buffer;
}

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'credctl');

/** `credctl ...args` in this process: exit code, stdout and stderr. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) => ({
    isTTY: false,
    write(chunk: string | Uint8Array): boolean {
      into.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
      return true;
    },
  });
  const started = Date.now();
  const code = await main([process.execPath, BIN, ...args], {
    stdout: sink(out),
    stderr: sink(err),
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdin: opts.input ?? '',
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - started };
}

/** `node bin/credctl ...args` as a child process, killed (SIGKILL) after `timeoutMs`. */
export function spawnCli(
  args: string[],
  opts: CliOptions & { timeoutMs?: number; killSignal?: NodeJS.Signals; started?: (child: ChildProcess) => void } = {},
): Promise<SpawnedRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    opts.started?.(child);
    const timer = setTimeout(() => child.kill(opts.killSignal ?? 'SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - started });
    });
  });
}
