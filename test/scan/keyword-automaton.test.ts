import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/providers/rules.js';
import { compileRuleSet } from '../../src/scan/detect.js';
import { buildAutomaton, collectKeywords, searchKeywords } from '../../src/scan/keyword-automaton.js';

// The keyword search is hand-written for speed; it must report exactly what the plain search
// reports: every (keyword, end) occurrence, case-insensitively, overlapping ones included.

const keywords = compileRuleSet(loadRules()).asciiKeywords;

function plainHits(words: string[], text: string): number[] {
  const lower = text.toLowerCase();
  const out: [number, number][] = [];
  words.forEach((w, k) => {
    for (let i = lower.indexOf(w); i !== -1; i = lower.indexOf(w, i + 1)) out.push([i + w.length, k]);
  });
  // collectKeywords reports by end index; at one end, in the automaton's own order: compare as sets per end.
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]).flat();
}

function automatonHits(words: string[], text: string): number[] {
  const a = buildAutomaton(words);
  const buf = { hits: new Int32Array(4) }; // small, so the buffer has to grow
  const n = collectKeywords(a, text, buf);
  const pairs: [number, number][] = [];
  for (let h = 0; h < n; h += 2) pairs.push([buf.hits[h + 1]!, buf.hits[h]!]);
  for (let h = 1; h < pairs.length; h++) expect(pairs[h]![0]).toBeGreaterThanOrEqual(pairs[h - 1]![0]); // in order of end
  return pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]).flat();
}

function texts(count: number): string[] {
  let seed = 0xc0de;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const out: string[] = [];
  for (let t = 0; t < count; t++) {
    let s = '';
    const length = 50 + Math.floor(rnd() * 2000); // both sides of the two-walk threshold (512)
    while (s.length < length) {
      const w = keywords[Math.floor(rnd() * keywords.length)]!;
      const x = rnd();
      if (x < 0.3) s += w;
      else if (x < 0.45) s += w.toUpperCase().slice(0, 1 + Math.floor(rnd() * w.length));
      else if (x < 0.6) s += w.slice(Math.floor(rnd() * w.length));
      else if (x < 0.7) s += 'é';
      else s += ' -_.:/=\n"'[Math.floor(rnd() * 9)];
    }
    out.push(s);
  }
  return out;
}

describe('keyword automaton', () => {
  it('finds every occurrence of every shipped keyword, as a plain search does', () => {
    for (const text of texts(300)) expect(automatonHits(keywords, text)).toEqual(plainHits(keywords, text));
  });

  it('finds overlapping and nested keywords, in any case, across non-ASCII characters', () => {
    const words = ['sk_', 'sk_live_', 'k_li', 'ab', 'b'];
    const text = 'xSK_LIVE_abé sk_live_ ab';
    expect(automatonHits(words, text)).toEqual(plainHits(words, text));
    expect(automatonHits(words, 'sé_live')).toEqual([]);
  });

  it('finds a keyword across the middle of a long text, where its two walks meet', () => {
    const words = ['sk_live_', 'live', 'key'];
    for (let mid = 500; mid < 530; mid++) {
      const text = `${'x'.repeat(mid - 4)}sk_live_${'y'.repeat(mid - 4)}`; // sk_live_ spans the middle
      expect(automatonHits(words, text), String(mid)).toEqual(plainHits(words, text));
      expect(automatonHits(words, text).length).toBe(4);
    }
  });

  it('stops where the callback asks it to', () => {
    const seen: number[] = [];
    searchKeywords(buildAutomaton(['key']), 'key key key', (_, end) => {
      seen.push(end);
      return seen.length < 2;
    });
    expect(seen).toEqual([3, 7]);
  });
});
