import { Readable } from 'node:stream';
import { capturedStreams, withStreams, type InStream, type OutStream } from '../core/io.js';

/**
 * Running a credctl command inside the calling process (main(argv, io)), as the tests do instead
 * of spawning bin/credctl for every case: same code path, same messages and exit codes, a
 * fraction of the time.
 *
 * Streams are per call (core/io.ts, AsyncLocalStorage). The environment, the working directory
 * and process.exitCode are process-wide, and credctl reads them in many places (CREDCTL_*, CI,
 * NO_COLOR, relative paths, child processes it starts), so for the duration of the call they are
 * set to the caller's and put back afterwards, and calls are run one at a time. That needs a
 * process of its own (vitest's `forks` pool), never worker threads, which cannot chdir.
 */

export interface CliIo {
  stdout?: OutStream;
  stderr?: OutStream;
  /** The whole environment of the command (not merged with the caller's); default: unchanged. */
  env?: NodeJS.ProcessEnv;
  /** The working directory of the command; default: unchanged. */
  cwd?: string;
  /** What `-` and piped input read: text, bytes, or a stream. Default: empty, not a terminal. */
  stdin?: string | Uint8Array | InStream;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `command` as a CLI invocation with `io`, one call at a time; resolves to its result. */
export function runInProcess(io: CliIo, command: () => Promise<number>): Promise<number> {
  const turn = queue.then(() => runNow(io, command));
  queue = turn.catch(() => undefined);
  return turn;
}

async function runNow(io: CliIo, command: () => Promise<number>): Promise<number> {
  captureDirectWrites();
  const given = io.stdin ?? '';
  const stdinBytes = typeof given === 'string' || given instanceof Uint8Array ? Buffer.from(given) : undefined;
  const streams = {
    stdout: io.stdout ?? discard,
    stderr: io.stderr ?? discard,
    stdin: stdinBytes ? pipedInput(stdinBytes) : (given as InStream),
    stdinBytes,
  };
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  const savedExitCode = process.exitCode;
  const savedExit = process.exit;
  try {
    // credctl never calls process.exit (it sets exitCode); one that did would end the caller too.
    process.exit = ((code?: number) => {
      if (!capturedStreams()) return savedExit(code);
      throw new Error(`process.exit(${code ?? ''}) called during an in-process run`);
    }) as typeof process.exit;
    if (io.env) replaceEnv(io.env);
    if (io.cwd) process.chdir(io.cwd);
    process.exitCode = undefined;
    return await withStreams(streams, command);
  } finally {
    process.exit = savedExit;
    replaceEnv(savedEnv);
    process.chdir(savedCwd);
    process.exitCode = savedExitCode;
  }
}

const discard: OutStream = { write: () => true, isTTY: false };

/** Bytes as stdin that is piped in (not a terminal), as `printf ... | credctl` gives. */
function pipedInput(bytes: Buffer): InStream {
  return Object.assign(Readable.from(bytes.length ? [bytes] : [], { objectMode: false }), { isTTY: false });
}

function replaceEnv(env: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

let capturing = false;
/**
 * A module that still writes to process.stdout/stderr directly (apply/engine.ts's manual-step
 * text, plan/render.ts, commander if it bypasses its output configuration) is caught too while
 * one of these calls is running in that async context, so a captured run sees all of its output
 * and none of it leaks onto the test runner's terminal. Outside a call, writes are untouched.
 */
function captureDirectWrites(): void {
  if (capturing) return;
  capturing = true;
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const captured = capturedStreams();
      if (!captured) return original(chunk, ...rest);
      captured[name].write(chunk);
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      if (callback) queueMicrotask(callback);
      return true;
    }) as typeof stream.write;
  }
}
