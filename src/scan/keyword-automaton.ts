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
  /** The longest keyword's length. */
  maxLength: number;
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
  return { keywords, delta, outputs, maxLength: keywords.reduce((m, k) => Math.max(m, k.length), 0) };
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
  /** The second half's hits while two walks run (see collectKeywords); made on first need. */
  spare?: Int32Array;
}

/** Below this many characters one walk does: two cost more to set up than they save. */
const TWO_WALKS_MIN = 512;
const secondHalfCount = new Int32Array(1);

/**
 * Every keyword occurrence in `text`, written into `out.hits` as (keyword index, end index)
 * pairs in order of end index; returns the number of entries written (twice the number of
 * pairs). The matcher walks the hits itself instead of being called back per hit: a callback
 * shared by several callers cannot be inlined, and keywords occur every ~60 bytes of code.
 *
 * A text of 512+ characters is searched by two walks in one loop, one over each half (the
 * second starting a keyword's length early, so a keyword across the middle is found, and
 * reporting only what ends past it). Each step of a walk waits for the table read before it;
 * two independent walks let the CPU overlap those waits: 65 against 75-94 ms for the real-code
 * corpus' 23 million characters.
 */
export function collectKeywords(a: KeywordAutomaton, text: string, out: HitBuffer): number {
  if (text.length < TWO_WALKS_MIN) return walkOne(a, text, out);
  const h = walkTwo(a, text, out, secondHalfCount);
  const h2 = secondHalfCount[0]!;
  if (h2 === 0) return h;
  if (h + h2 > out.hits.length) {
    const grown = new Int32Array(h + h2 + 64);
    grown.set(out.hits.subarray(0, h));
    out.hits = grown;
  }
  out.hits.set(out.spare!.subarray(0, h2), h);
  return h + h2;
}

// Nothing after a walk's loop may compute (not even `h >> 1`): a walk is compiled while its first
// long text runs (on-stack replacement), before any code after the loop has run, and such code,
// without type feedback, bailed out of the optimised loop at the end of every later call (~3,600
// times in an 8,000-file scan, `node --trace-deopt`). The walks return a plain variable; the
// arithmetic is in collectKeywords, which has no loop.

function walkOne(a: KeywordAutomaton, text: string, out: HitBuffer): number {
  const { delta, outputs } = a;
  let hits = out.hits;
  let h = 0;
  let s = 0; // the current state, shifted left by 7
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    const t = c < 128 ? delta[s | c]! : 0; // outside ASCII: back to the start state
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

/**
 * Walk A over [0, mid) into out.hits, walk B over [mid - longest + 1, n) into out.spare (only
 * keywords ending past mid), side by side, then the rest of B alone. Returns A's entry count;
 * B's is left in count[0].
 */
function walkTwo(a: KeywordAutomaton, text: string, out: HitBuffer, count: Int32Array): number {
  const { delta, outputs } = a;
  const n = text.length;
  const mid = n >> 1;
  let hits = out.hits;
  let spare = (out.spare ??= new Int32Array(hits.length));
  let h = 0;
  let h2 = 0;
  count[0] = 0;
  let s = 0; // walk A's state, shifted left by 7
  let u = 0; // walk B's
  let i = 0;
  let j = Math.max(mid - a.maxLength + 1, 0);
  // B covers at least as many characters as A (n - mid >= mid): A ends in this loop.
  for (; i < mid; i++, j++) {
    const c = text.charCodeAt(i);
    const d = text.charCodeAt(j);
    const t = c < 128 ? delta[s | c]! : 0;
    const v = d < 128 ? delta[u | d]! : 0;
    if (t >= 0) s = t;
    else {
      s = ~t;
      const ks = outputs[s >> 7]!;
      if (h + 2 * ks.length > hits.length) {
        const grown = new Int32Array(Math.max(hits.length * 2, h + 2 * ks.length + 64));
        grown.set(hits);
        hits = out.hits = grown;
      }
      for (let q = 0; q < ks.length; q++) {
        hits[h++] = ks[q]!;
        hits[h++] = i + 1;
      }
    }
    if (v >= 0) u = v;
    else {
      u = ~v;
      if (j >= mid) {
        const ks = outputs[u >> 7]!;
        if (h2 + 2 * ks.length > spare.length) {
          const grown = new Int32Array(Math.max(spare.length * 2, h2 + 2 * ks.length + 64));
          grown.set(spare);
          spare = out.spare = grown;
        }
        for (let q = 0; q < ks.length; q++) {
          spare[h2++] = ks[q]!;
          spare[h2++] = j + 1;
        }
        count[0] = h2;
      }
    }
  }
  for (; j < n; j++) {
    const d = text.charCodeAt(j);
    const v = d < 128 ? delta[u | d]! : 0;
    if (v >= 0) {
      u = v;
      continue;
    }
    u = ~v;
    if (j >= mid) {
      const ks = outputs[u >> 7]!;
      if (h2 + 2 * ks.length > spare.length) {
        const grown = new Int32Array(Math.max(spare.length * 2, h2 + 2 * ks.length + 64));
        grown.set(spare);
        spare = out.spare = grown;
      }
      for (let q = 0; q < ks.length; q++) {
        spare[h2++] = ks[q]!;
        spare[h2++] = j + 1;
      }
      count[0] = h2;
    }
  }
  return h;
}
