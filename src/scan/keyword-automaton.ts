/**
 * Case-insensitive multi-keyword search in one pass over the text (Aho-Corasick compiled to a
 * dense DFA over ASCII). A single large regex alternation of 100+ keywords runs at ~80 MB/s in
 * V8; this loop does one table lookup per character.
 *
 * Keywords are ASCII (rule keywords are prefixes like `sk_live_`, `ghp_`, `-----begin`); any
 * character outside ASCII resets the search, which cannot hide an ASCII keyword.
 */
export interface KeywordAutomaton {
  keywords: string[];
  /**
   * Transition table, indexed by (state << 7 | charCode). An entry holds the next state already
   * shifted left by 7, so the loop needs no multiply; it is stored bitwise-negated (~) when a
   * keyword ends in that state, so "did a keyword end here?" costs no second table read.
   */
  delta: Int32Array;
  /** Keyword indices ending at a state (including those found through failure links), by state. */
  outputs: (number[] | undefined)[];
}

export function buildAutomaton(keywords: string[]): KeywordAutomaton {
  // The trie, as a growing dense table (state * 128 + char → state, -1 = none): building it with
  // Maps and a queue.shift() breadth-first walk cost ~20 ms per thread for ~600 keywords.
  let cap = 1024;
  let trie = new Int32Array(cap * 128).fill(-1);
  let n = 1;
  const ends: number[][] = [[]];
  // Each state's trie edges (characters), so the walk below visits edges, not all 128 columns.
  const edges: number[][] = [[]];
  keywords.forEach((kw, k) => {
    let s = 0;
    for (const ch of kw.toLowerCase()) {
      const c = ch.charCodeAt(0);
      let next = trie[s * 128 + c]!;
      if (next === -1) {
        if (n === cap) {
          const grown = new Int32Array(cap * 2 * 128).fill(-1);
          grown.set(trie);
          trie = grown;
          cap *= 2;
        }
        next = n++;
        ends.push([]);
        edges.push([]);
        edges[s]!.push(c);
        trie[s * 128 + c] = next;
      }
      s = next;
    }
    ends[s]!.push(k);
  });
  // The table is built in its final form (targets pre-shifted, ~ where a keyword ends), breadth
  // first: a state's row is a copy of its failure state's row (built earlier: it is shallower)
  // with its own trie edges written over it. Copies are native; the loops here touch only the
  // ~n edges, not n * 128 entries: this runs once per thread, mostly before V8 has optimised it,
  // and the entry-by-entry version cost ~25 ms a thread.
  const delta = new Int32Array(n * 128);
  const fail = new Int32Array(n);
  // Per state: does a keyword end there (itself, or through its failure links)? Known when the
  // state is queued: its failure state is shallower, so queued (and decided) before it.
  const ending = new Uint8Array(n);
  const encode = (t: number) => (ending[t] ? ~(t << 7) : t << 7);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (const c of edges[0]!) {
    const t = trie[c]!;
    ending[t] = ends[t]!.length ? 1 : 0;
    delta[c] = encode(t);
    queue[tail++] = t;
  }
  // Fold A-Z onto a-z so the search is case-insensitive.
  delta.copyWithin(65, 97, 123);
  while (head < tail) {
    const s = queue[head++]!;
    const row = s * 128;
    const frow = fail[s]! * 128;
    delta.copyWithin(row, frow, frow + 128);
    for (const c of edges[s]!) {
      const t = trie[row + c]!;
      const e = delta[frow + c]!;
      const f = (e < 0 ? ~e : e) >> 7;
      fail[t] = f;
      for (const k of ends[f]!) if (!ends[t]!.includes(k)) ends[t]!.push(k);
      ending[t] = ends[t]!.length ? 1 : 0;
      delta[row + c] = encode(t);
      queue[tail++] = t;
    }
    delta.copyWithin(row + 65, row + 97, row + 123);
  }
  const outputs = ends.map((e) => (e.length ? e : undefined));
  return { keywords, delta, outputs };
}

/**
 * Call `onHit(keywordIndex, endIndex)` for every keyword occurrence (endIndex = just past it).
 * Return false from onHit to stop early.
 */
export function searchKeywords(a: KeywordAutomaton, text: string, onHit: (k: number, end: number) => boolean | void): void {
  const { delta, outputs } = a;
  let s = 0; // the current state, shifted left by 7
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      s = 0;
      continue;
    }
    const t = delta[s | c]!;
    if (t >= 0) {
      s = t;
      continue;
    }
    s = ~t;
    for (const k of outputs[s >> 7]!) if (onHit(k, i + 1) === false) return;
  }
}

/** A growable buffer of keyword hits: (keyword index, end index) pairs. */
export interface HitBuffer {
  hits: Int32Array;
}

/**
 * Every keyword occurrence in `text`, written into `out.hits` as (keyword index, end index)
 * pairs; returns the number of entries written (twice the number of pairs). The matcher walks
 * the hits itself instead of being called back per hit: a callback shared by several callers
 * cannot be inlined, and keywords occur every ~45 bytes of code.
 *
 * Nothing after the loop may compute (not even `h >> 1`): the first call is compiled while its
 * loop runs (on-stack replacement), before any code after the loop has run, and that code then
 * bailed out of the optimised loop at the end of every later call, ~3,600 times in an
 * 8,000-file scan (`node --trace-deopt`).
 */
export function collectKeywords(a: KeywordAutomaton, text: string, out: HitBuffer): number {
  const { delta, outputs } = a;
  let hits = out.hits;
  let h = 0;
  let s = 0; // the current state, shifted left by 7
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      s = 0;
      continue;
    }
    const t = delta[s | c]!;
    if (t >= 0) {
      s = t;
      continue;
    }
    s = ~t;
    const ks = outputs[s >> 7]!;
    if (h + 2 * ks.length > hits.length) {
      const grown = new Int32Array(Math.max(hits.length * 2, h + 2 * ks.length + 64));
      grown.set(hits);
      hits = out.hits = grown;
    }
    for (let j = 0; j < ks.length; j++) {
      hits[h++] = ks[j]!;
      hits[h++] = i + 1;
    }
  }
  return h;
}
