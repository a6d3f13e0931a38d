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
