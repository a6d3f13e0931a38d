import { Chalk, type ChalkInstance } from 'chalk';
import { capturedStreams, err, out, type OutStream, type Streams } from './io.js';
import { VERSION } from './version.js';

/**
 * Output conventions in one place: results go to stdout, messages and progress to stderr,
 * progress only when stderr is a TTY, colour only on a TTY and never with NO_COLOR.
 */
export function colorEnabled(stream: OutStream = out()): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

interface Painters {
  out?: ChalkInstance;
  err?: ChalkInstance;
}
/** Decided once per process, or once per captured run (each has its own streams and NO_COLOR). */
const processPainters: Painters = {};
const capturedPainters = new WeakMap<Streams, Painters>();
function painters(): Painters {
  const streams = capturedStreams();
  if (!streams) return processPainters;
  let p = capturedPainters.get(streams);
  if (!p) capturedPainters.set(streams, (p = {}));
  return p;
}

/** Chalk for text printed to stdout (level 0 = plain when piped or NO_COLOR). */
export function paint(): ChalkInstance {
  const p = painters();
  return (p.out ??= new Chalk({ level: colorEnabled(out()) ? 1 : 0 }));
}

/** Chalk for text printed to stderr. */
export function paintErr(): ChalkInstance {
  const p = painters();
  return (p.err ??= new Chalk({ level: colorEnabled(err()) ? 1 : 0 }));
}

/**
 * Every `--json` document credctl prints (or writes with -o) is made here: an object whose first
 * field, `credctlVersion`, says which credctl wrote it, so a stored report can be read correctly
 * later. A list is never a bare array: it goes under the name the command gives it
 * (`{"credctlVersion": ..., "secrets": [...]}`). Line-per-record formats (jsonl) carry no header.
 */
export function jsonDocument(value: object, listName?: string): string {
  if (Array.isArray(value) && !listName) throw new Error('a JSON list needs a name');
  const body = Array.isArray(value) ? { [listName!]: value } : value;
  return JSON.stringify({ credctlVersion: VERSION, ...body }, null, 2) + '\n';
}

export function printJson(value: object, listName?: string): void {
  out().write(jsonDocument(value, listName));
}

export function printLine(line = ''): void {
  out().write(line + '\n');
}

/** A message for the person at the terminal (never a result): always stderr. */
export function note(message: string): void {
  err().write(message + '\n');
}

export function warn(message: string): void {
  err().write(paintErr().yellow('warning: ') + message + '\n');
}

/**
 * A single-line progress indicator on stderr, drawn only when stderr is a TTY (never in CI logs
 * or when piped), throttled so redrawing never costs measurable time.
 */
export class Progress {
  private readonly enabled: boolean;
  private last = 0;
  private drawn = false;

  constructor(enabled = Boolean(err().isTTY) && !process.env.CI) {
    this.enabled = enabled;
  }

  update(text: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    err().write('\r\x1b[2K' + text.slice(0, (err().columns || 80) - 1));
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) err().write('\r\x1b[2K');
    this.drawn = false;
  }
}
