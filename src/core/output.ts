import { Chalk, type ChalkInstance } from 'chalk';
import { VERSION } from './version.js';

/**
 * Output conventions in one place: results go to stdout, messages and progress to stderr,
 * progress only when stderr is a TTY, colour only on a TTY and never with NO_COLOR.
 */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

let stdoutChalk: ChalkInstance | undefined;
let stderrChalk: ChalkInstance | undefined;

/** Chalk for text printed to stdout (level 0 = plain when piped or NO_COLOR). */
export function paint(): ChalkInstance {
  return (stdoutChalk ??= new Chalk({ level: colorEnabled(process.stdout) ? 1 : 0 }));
}

/** Chalk for text printed to stderr. */
export function paintErr(): ChalkInstance {
  return (stderrChalk ??= new Chalk({ level: colorEnabled(process.stderr) ? 1 : 0 }));
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
  process.stdout.write(jsonDocument(value, listName));
}

export function printLine(line = ''): void {
  process.stdout.write(line + '\n');
}

/** A message for the person at the terminal (never a result): always stderr. */
export function note(message: string): void {
  process.stderr.write(message + '\n');
}

export function warn(message: string): void {
  process.stderr.write(paintErr().yellow('warning: ') + message + '\n');
}

/**
 * A single-line progress indicator on stderr, drawn only when stderr is a TTY (never in CI logs
 * or when piped), throttled so redrawing never costs measurable time.
 */
export class Progress {
  private readonly enabled: boolean;
  private last = 0;
  private drawn = false;

  constructor(enabled = Boolean(process.stderr.isTTY) && !process.env.CI) {
    this.enabled = enabled;
  }

  update(text: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    process.stderr.write('\r\x1b[2K' + text.slice(0, (process.stderr.columns || 80) - 1));
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) process.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}
