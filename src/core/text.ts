import { randomBytes } from 'node:crypto';
/** Small text helpers shared by detectors and extractors. */

/** Shannon entropy in bits per character. Random base64 is ~6, hex ~4, English words ~3. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Offsets of every line start, for turning a match index into line and column cheaply. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  let i = text.indexOf('\n');
  while (i !== -1) {
    starts.push(i + 1);
    i = text.indexOf('\n', i + 1);
  }
  return starts;
}

/** 1-based line and column of `index`, by binary search over lineStarts(). */
export function positionOf(starts: number[], index: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - starts[lo]! + 1 };
}

/** True when a buffer looks binary: a NUL byte in its first 8 KiB (git's heuristic). */
export function looksBinary(buf: Uint8Array): boolean {
  return buf.subarray(0, 8192).indexOf(0) !== -1; // a native search, not a loop in JS
}

// Control characters (C0 but tab, DEL, C1), line and paragraph separators, and bidirectional
// overrides: a file name holding them could move the cursor, recolour the terminal, forge a
// whole row of output, or display differently from what it is ("Trojan Source").
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text from a repository (file names, labels) made safe to print: every control character shown as \xNN / \u{NNNN}. */
export function escapeControl(s: string): string {
  return s.replace(CONTROL, (ch) => {
    const code = ch.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Repository text made inert in Markdown: no raw HTML, no links, no code-span breaks, no control characters. */
export function escapeMarkdown(s: string): string {
  return escapeControl(s)
    .replace(/[&<>]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[ch]!)
    .replace(/([\\`[\]])/g, '\\$1');
}

/** Every string inside a value (a report, a finding list) passed through `fn`; other values kept. */
export function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mapStrings(v, fn)])) as T;
  }
  return value;
}

/**
 * An id that sorts by when it was made and cannot collide within a second: `YYYYMMDD-HHMMSS-xxxxxx`
 * (UTC), for runs, plans and incidents, and safe as a directory name.
 */
export function timestampId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${t}-${randomBytes(3).toString('hex')}`;
}
