import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';

/**
 * The one seam between credctl and the terminal: every result, message and prompt check goes
 * through out(), err() and input() instead of process.stdout/stderr/stdin. Run normally (bin/credctl)
 * they are the process's own streams, so nothing changes; the in-process harness (main(argv, io)
 * in src/cli/main.ts, used by the tests) runs a command inside withStreams() so its output is
 * captured per call and it sees the TTY-ness the caller chose, without spawning a process.
 */

/** What credctl writes to: a stream, plus the TTY facts it decides colour, progress and prompts by. */
export interface OutStream {
  write(chunk: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  hasColors?(): boolean;
}

/** What credctl reads `-` input and typed answers from. */
export type InStream = NodeJS.ReadableStream & { readonly isTTY?: boolean };

export interface Streams {
  stdout: OutStream;
  stderr: OutStream;
  stdin: InStream;
  /** All of stdin when it is known up front (the harness was given text), for synchronous reads. */
  stdinBytes?: Buffer;
}

const current = new AsyncLocalStorage<Streams>();

/** Runs `fn` (and everything it starts) with `streams` as its stdout, stderr and stdin. */
export function withStreams<T>(streams: Streams, fn: () => T): T {
  return current.run(streams, fn);
}

/** The streams of the command running here, or undefined when it is the process's own. */
export function capturedStreams(): Streams | undefined {
  return current.getStore();
}

/** Where results go (stdout). */
export function out(): OutStream {
  return current.getStore()?.stdout ?? process.stdout;
}

/** Where messages, progress and errors go (stderr). */
export function err(): OutStream {
  return current.getStore()?.stderr ?? process.stderr;
}

/** Where `-` input and answers come from (stdin). */
export function input(): InStream {
  return current.getStore()?.stdin ?? process.stdin;
}

/** All of stdin as text, read synchronously (`--from-report -`, `--leaked -`). */
export function readStdinText(): string {
  const captured = current.getStore();
  if (!captured) return readFileSync(0, 'utf8');
  if (!captured.stdinBytes) throw new Error('stdin was given as a stream, which cannot be read synchronously');
  return captured.stdinBytes.toString('utf8');
}

/** True when a person can answer a prompt: stdin is a terminal. */
export function inputIsTTY(): boolean {
  return Boolean(input().isTTY);
}
