import type { Allowlist, Confidence, CredentialKind, Rule } from '../providers/rules.js';
import { shannonEntropy } from '../core/text.js';
import { buildAutomaton, collectKeywords, searchKeywords, type HitBuffer, type KeywordAutomaton } from './keyword-automaton.js';
import { placeholderReason } from './placeholders.js';

/**
 * The matcher at the heart of scanning: text in, raw matches out. A raw match holds the secret
 * value, so it must never leave the process: callers turn it into a Finding (fingerprint +
 * redacted form) at once, see toFinding() in ./finding.ts.
 *
 * Speed comes from never running a regex where it cannot match:
 * 1. one pass of a keyword automaton finds every rule keyword (case-insensitive) and where;
 * 2. a rule none of whose keywords occur is skipped;
 * 3. a rule that is line-local (its regex cannot cross a line end, and its keyword is part of
 *    every match) runs only on the lines holding its keywords, not over the whole text;
 * 4. a line-local rule with `anchor: identifier` (the generic NAME=value rules, which meet a
 *    keyword every few lines of code) is tried only where the identifier holding a keyword
 *    starts, not at every position of those lines.
 */
export interface RawMatch {
  rule: Rule;
  value: string;
  /** Offset of the secret value (not the whole regex match) in the text. */
  index: number;
  /** The assigned name (e.g. API_TOKEN in `API_TOKEN=...`) when the rule captures one. */
  name?: string;
  environment?: string;
  /** Set when the text held an encoding of the value (a Kubernetes Secret's base64 `data:`). */
  encoding?: 'base64';
  /** Length of the matched text at `index` when it differs from the value's (an encoded value). */
  span?: number;
}

export interface CompiledRuleSet {
  rules: Rule[];
  /** One case-insensitive alternation of every keyword (kept for callers; detect uses the automaton). */
  keywordRe: RegExp | null;
  byKeyword: Map<string, Rule[]>;
  /** Rules without keywords run on every text (kept to a minimum for speed). */
  always: Rule[];
  /** ASCII keywords, searched in one pass (built on first use over a big text); `ruleIdx` lists rule indices per keyword index. */
  automaton: () => KeywordAutomaton | null;
  asciiKeywords: string[];
  ruleIdx: number[][];
  /** Keywords with non-ASCII characters (rare), searched with a regex instead. */
  otherKeywordRe: RegExp | null;
  asciiRe?: RegExp;
  /** For each ASCII keyword: the indices of every keyword it contains (itself included). */
  contained?: Map<string, number[]>;
  /** Per rule index: may it be run line by line? (decided on first need; 0 = not yet known) */
  lineLocal: (r: number) => boolean;
  /** Indices of the keyword-searched rules some paths exclude (skipPaths, allowlist.paths). */
  pathScoped: number[];
  /** Indices of the rules bound to some files (paths): run on the whole text of those files only. */
  pathBound: number[];
  /**
   * One regex matching where any path-bound rule's paths match (their union), so most files cost
   * one test instead of one per path (~14); absent when the paths cannot be joined safely.
   */
  pathBoundAny?: RegExp;
  /** Characters searched for keywords so far (decides when the automaton pays for itself). */
  charsSeen: number;
  /** detect()'s per-rule state, reused from text to text (see detect). */
  scratch?: DetectScratch;
  /** Matches dropped whatever the rule (credctl.yaml's allowlist). */
  allowlist?: Allowlist;
}

export interface RuleSetOptions {
  allowlist?: Allowlist;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileRuleSet(rules: Rule[], options: RuleSetOptions = {}): CompiledRuleSet {
  const byKeyword = new Map<string, Rule[]>();
  const always: Rule[] = [];
  for (const rule of rules) {
    // A rule bound to a few files (.netrc, .pgpass) is decided by the path, not by the keyword
    // search: its keywords (password, ://) would be hit on every few lines of every other file.
    if (rule.paths) continue;
    if (rule.keywords.length === 0) always.push(rule);
    for (const kw of rule.keywords) {
      const list = byKeyword.get(kw) ?? [];
      if (!list.includes(rule)) list.push(rule);
      byKeyword.set(kw, list);
    }
  }
  // Longest first so that an alternation prefers `sk_live_` over `sk_`.
  const keywords = [...byKeyword.keys()].sort((a, b) => b.length - a.length);
  const keywordRe = keywords.length ? new RegExp(keywords.map(escapeRe).join('|'), 'gi') : null;
  const ascii = keywords.filter((k) => /^[\x00-\x7f]+$/.test(k));
  const other = keywords.filter((k) => !/^[\x00-\x7f]+$/.test(k));
  const index = new Map(rules.map((r, i) => [r, i]));
  let automaton: KeywordAutomaton | null | undefined;
  const local = new Uint8Array(rules.length);
  return {
    rules,
    keywordRe,
    byKeyword,
    always,
    // Built lazily: building costs ~15 ms, which a pre-commit scan of a few lines never repays.
    automaton: () => (automaton ??= ascii.length ? buildAutomaton(ascii) : null),
    asciiKeywords: ascii,
    ruleIdx: ascii.map((k) => byKeyword.get(k)!.map((r) => index.get(r)!)),
    otherKeywordRe: other.length ? new RegExp(other.map(escapeRe).join('|'), 'gi') : null,
    lineLocal: (r) => {
      if (local[r] === 0) local[r] = (rules[r]!.lineLocalHint ?? isLineLocal(rules[r]!)) ? 1 : 2;
      return local[r] === 1;
    },
    pathScoped: rules.flatMap((r, i) => (!r.paths && (r.skipPaths || r.allowlist?.paths.length) ? [i] : [])),
    pathBound: rules.flatMap((r, i) => (r.paths ? [i] : [])),
    ...unionOf(rules.flatMap((r) => r.paths ?? [])),
    charsSeen: 0,
    ...(options.allowlist ? { allowlist: options.allowlist } : {}),
  };
}

/**
 * The union of `paths` as one regex, when joining them changes nothing: the same flags (none of
 * the stateful g/y), and no group references that joining would renumber.
 */
function unionOf(paths: RegExp[]): { pathBoundAny?: RegExp } {
  if (paths.length === 0) return {};
  const flags = paths[0]!.flags;
  if (/[gy]/.test(flags) || paths.some((re) => re.flags !== flags || /\\[1-9]|\\k<|\(\?<[A-Za-z]/.test(re.source))) return {};
  return { pathBoundAny: new RegExp(paths.map((re) => `(?:${re.source})`).join('|'), flags) };
}

/** May `rule` run on the file at `path` (undefined: stdin or a bare text, where path-bound rules do not run)? */
export function ruleAppliesTo(rule: Rule, path: string | undefined): boolean {
  if (rule.paths && (path === undefined || !rule.paths.some((re) => re.test(path)))) return false;
  if (path === undefined) return true;
  if (rule.skipPaths?.some((re) => re.test(path))) return false;
  if (rule.allowlist?.paths.some((re) => re.test(path))) return false;
  return true;
}

/**
 * Can `rule` be run on single lines without changing its results? Only when its regex can never
 * match a line break (judged conservatively from the source: `\s`, `.` with the s flag, negated
 * classes without `\s`/`\n` ... all count as "can"), `^`/`$` mean line boundaries (m flag) or are
 * absent, and each positive example's match contains one of its keywords (so the keyword's line
 * is where the match is).
 */
export function isLineLocal(rule: Rule): boolean {
  if (rule.keywords.length === 0) return false;
  const src = rule.regex.source;
  const flags = rule.regex.flags;
  let inClass = false;
  let negated = false;
  let classHasNl = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const e = src[i + 1] ?? '';
      i++;
      const nl = e === 's' || e === 'n' || e === 'W' || e === 'D' || e === 'c' || e === 'x' || e === 'u' || e === '0' || (/[1-7]/.test(e) && inClass);
      if (inClass) {
        if (nl) classHasNl = true;
      } else if (nl && !/[1-9]/.test(e)) return false;
      if (e === 'x') i += 2;
      else if (e === 'u') i += src[i + 1] === '{' ? src.indexOf('}', i) - i : 4;
      continue;
    }
    if (inClass) {
      if (c === ']') {
        inClass = false;
        // A negated class matches a line break unless it excludes one; a positive one only if it names one.
        if (negated ? !classHasNl : classHasNl) return false;
      }
      continue;
    }
    if (c === '[') {
      inClass = true;
      negated = src[i + 1] === '^';
      if (negated) i++;
      classHasNl = false;
      if (src[i + 1] === ']') i++; // `[]...]`: a literal ] first
      continue;
    }
    if (c === '.' && flags.includes('s')) return false;
    if ((c === '^' || c === '$') && !flags.includes('m')) return false;
  }
  for (const ex of rule.examples.positive) {
    rule.regex.lastIndex = 0;
    const m = rule.regex.exec(ex);
    rule.regex.lastIndex = 0;
    if (!m) continue;
    const span = m[0].toLowerCase();
    if (!rule.keywords.some((k) => span.includes(k))) return false;
  }
  return true;
}

/** Which rules could match `text`, decided by one pass of the keyword search. */
export function candidateRules(set: CompiledRuleSet, text: string): Rule[] {
  const picked = new Set<Rule>(set.always);
  const seen = new Uint8Array(set.ruleIdx.length);
  let left = set.ruleIdx.length;
  forEachKeyword(set, text, (k) => {
    if (seen[k]) return;
    seen[k] = 1;
    for (const r of set.ruleIdx[k]!) picked.add(set.rules[r]!);
    return --left > 0;
  });
  if (set.otherKeywordRe) for (const m of text.matchAll(set.otherKeywordRe)) for (const r of set.byKeyword.get(m[0].toLowerCase()) ?? []) picked.add(r);
  return [...picked];
}

/**
 * The keyword automaton costs ~20 ms to build and then finds keywords several times faster than
 * the regex alternation (the regex was 19% of a real-code scan, most files being small). So a
 * text uses it when it is big, or once this rule set has seen enough text that the build has paid
 * for itself; a pre-commit scan of a few added lines never builds it.
 */
const AUTOMATON_MIN_CHARS = 4 * 1024;
const AUTOMATON_AFTER_CHARS = 256 * 1024;

/** The automaton, when it should search `text` (see AUTOMATON_MIN_CHARS); null for the regex. */
function useAutomaton(set: CompiledRuleSet, text: string): KeywordAutomaton | null {
  if (set.asciiKeywords.length === 0) return null;
  set.charsSeen += text.length;
  return text.length >= AUTOMATON_MIN_CHARS || set.charsSeen >= AUTOMATON_AFTER_CHARS ? set.automaton() : null;
}

/** Every ASCII keyword occurrence in `text`: (keyword index, index just past it). */
function forEachKeyword(set: CompiledRuleSet, text: string, onHit: (k: number, end: number) => boolean | void, viaRegex = false): void {
  if (set.asciiKeywords.length === 0) return;
  const a = viaRegex ? null : useAutomaton(set, text);
  if (a) return searchKeywords(a, text, onHit);
  set.asciiRe ??= new RegExp(set.asciiKeywords.map(escapeRe).join('|'), 'gi');
  // The alternation reports the longest keyword at a position; shorter ones inside it name
  // rules the longer keyword's rules do not cover, so they are reported too. Which keywords a
  // keyword contains is worked out on its first hit and kept (hits are every ~65 bytes in code;
  // working it out for all ~200 keywords up front would cost a pre-commit scan ~3 ms).
  const contained = (set.contained ??= new Map());
  const re = set.asciiRe;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const lower = m[0].toLowerCase();
    let inside = contained.get(lower);
    if (!inside) {
      inside = set.asciiKeywords.flatMap((o, i) => (o.length <= lower.length && lower.includes(o) ? [i] : []));
      contained.set(lower, inside);
    }
    for (const i of inside) {
      const k = set.asciiKeywords[i]!;
      if (onHit(i, m.index + lower.indexOf(k) + k.length) === false) return;
    }
    re.lastIndex = m.index + 1; // overlapping keywords (`sk_live_` inside `rk_sk_live_`) are found too
  }
}

export function environmentOf(rule: Rule, value: string): string | undefined {
  for (const e of rule.environment) if (e.match.test(value)) return e.env;
  return undefined;
}

/**
 * Every credential in `text`. Overlapping matches of the same value keep the most specific rule.
 * `path` is the file's reported path: rules bound to some files (`paths:`, a .netrc) run only
 * there, and credctl.yaml's allowlisted paths are skipped.
 */
export function detect(set: CompiledRuleSet, text: string, path?: string): RawMatch[] {
  if (path !== undefined && set.allowlist?.paths.some((re) => re.test(path))) return [];
  // Per-rule state lives in arrays kept with the rule set and reset after each text (only the
  // entries this text touched): allocating five arrays of every rule per file was a tenth of a
  // many-small-files scan, in allocation and garbage collection. A nested call (decoding a base64
  // value) gets fresh arrays.
  let st = set.scratch;
  if (!st) st = set.scratch = newScratch(set.rules.length);
  else if (st.busy) st = newScratch(set.rules.length);
  st.busy = true;
  try {
    return detectWith(set, st, text, path);
  } finally {
    const { mode, lastLineEnd, lastAnchor, lines, anchors, touched } = st;
    for (const r of touched) {
      mode[r] = 0;
      lastLineEnd[r] = -1;
      lastAnchor[r] = -1;
      // Setting an array's length is a builtin call: only when there is something to drop.
      if (lines[r]!.length) lines[r]!.length = 0;
      if (anchors[r]!.length) anchors[r]!.length = 0;
    }
    touched.length = 0;
    st.busy = false;
  }
}

/** Per-rule scratch state for one detect() call (see detect). */
export interface DetectScratch extends HitBuffer {
  /** Per rule: 0 = no keyword seen; 1 = run on the whole text; 2 = run on the listed lines or anchors; 3 = not for this file. */
  mode: Uint8Array;
  lastLineEnd: Int32Array;
  lastAnchor: Int32Array;
  /** Per line-local rule: [start, stop) pairs of the lines holding its keywords. */
  lines: number[][];
  /** Per anchored rule: the identifier starts to try. */
  anchors: number[][];
  /** The rules this text set a mode for, to run (in rule order) and then reset. */
  touched: number[];
  busy: boolean;
}

function newScratch(n: number): DetectScratch {
  return {
    mode: new Uint8Array(n),
    lastLineEnd: new Int32Array(n).fill(-1),
    lastAnchor: new Int32Array(n).fill(-1),
    lines: Array.from({ length: n }, () => []),
    anchors: Array.from({ length: n }, () => []),
    touched: [],
    busy: false,
    hits: new Int32Array(4096),
  };
}

function detectWith(set: CompiledRuleSet, st: DetectScratch, text: string, path: string | undefined): RawMatch[] {
  const out: RawMatch[] = [];
  const { mode, lines, lastLineEnd, anchors, lastAnchor, touched } = st;
  const setMode = (r: number, m: number) => {
    if (mode[r] === 0) touched.push(r);
    mode[r] = m;
  };
  for (const r of set.pathScoped) if (!ruleAppliesTo(set.rules[r]!, path)) setMode(r, 3);
  let lower: string | undefined;
  // A rule bound to some files is reached only here (no keyword or `always` list names it), so
  // one that does not apply is simply not set: no mode to write and reset on every file.
  const bound = path !== undefined && (set.pathBoundAny === undefined || set.pathBoundAny.test(path)) ? set.pathBound : [];
  for (const r of bound) {
    const rule = set.rules[r]!;
    if (ruleAppliesTo(rule, path) && (rule.keywords.length === 0 || rule.keywords.some((k) => (lower ??= text.toLowerCase()).includes(k)))) setMode(r, 1);
  }
  for (const r of set.always) {
    const i = set.rules.indexOf(r);
    if (mode[i] !== 3) setMode(i, 1);
  }
  const ruleIdx = set.ruleIdx;
  // The line holding the latest keyword, [lineStart, lineStop): found once, shared by its hits.
  let lineStart = 0;
  let lineStop = -1;
  // The latest keyword start and the start of its identifier. Walking back from a later keyword
  // stops there: without it, a long run of identifier characters full of keywords
  // (`x_keyx_keyx_key...`) would be walked again for every hit, quadratic in the run's length.
  let knownKeyStart = -1;
  let knownFrom = -1;
  const identifierStart = (keyStart: number): number => {
    let i = keyStart;
    while (i > 0 && !(i >= knownFrom && i <= knownKeyStart) && isIdentifierChar(text.charCodeAt(i - 1))) i--;
    const from = i >= knownFrom && i <= knownKeyStart ? knownFrom : i;
    knownKeyStart = keyStart;
    knownFrom = from;
    return from;
  };
  const onHit = (k: number, end: number) => {
    for (const r of ruleIdx[k]!) {
      const m = mode[r];
      if (m === 1 || m === 3) continue;
      if (m === 0) touched.push(r);
      if (!set.lineLocal(r)) {
        mode[r] = 1;
        continue;
      }
      mode[r] = 2;
      const rule = set.rules[r]!;
      if (rule.anchoredRegex) {
        const from = identifierStart(end - set.asciiKeywords[k]!.length);
        if (from === lastAnchor[r]) continue; // another keyword in the same identifier
        lastAnchor[r] = from;
        if (assignmentFollows(text, end) && (rule.valueNeeds === undefined || valueMayFollow(text, end, rule.valueNeeds))) anchors[r]!.push(from);
        continue;
      }
      if (end <= lastLineEnd[r]!) continue; // this line is already listed
      if (end > lineStop || end <= lineStart) {
        lineStart = text.lastIndexOf('\n', end - 1) + 1;
        lineStop = text.indexOf('\n', end - 1);
        if (lineStop === -1) lineStop = text.length;
      }
      lines[r]!.push(lineStart, lineStop);
      lastLineEnd[r] = lineStop;
    }
  };
  const a = useAutomaton(set, text);
  if (a) {
    const entries = collectKeywords(a, text, st);
    const hits = st.hits;
    for (let h = 0; h < entries; h += 2) onHit(hits[h]!, hits[h + 1]!);
  } else forEachKeyword(set, text, onHit, true);
  if (set.otherKeywordRe) {
    for (const m of text.matchAll(set.otherKeywordRe)) {
      for (const r of set.byKeyword.get(m[0].toLowerCase()) ?? []) {
        const i = set.rules.indexOf(r);
        if (mode[i] !== 3) setMode(i, 1);
      }
    }
  }
  if (touched.length === 0) return out;
  // In rule order, so that which of two equal matches is kept never depends on the text.
  if (touched.length > 1) touched.sort((a, b) => a - b); // in place: the reset after the text walks it in any order
  for (const r of touched) {
    const m = mode[r];
    if (m === 0 || m === 3) continue;
    const rule = set.rules[r]!;
    const before = out.length;
    if (m === 1) runRule(rule, text, 0, out);
    else if (rule.anchoredRegex) runAnchored(rule, text, anchors[r]!, out);
    else {
      const ls = lines[r]!;
      for (let i = 0; i < ls.length; i += 2) runRule(rule, text.slice(ls[i], ls[i + 1]), ls[i]!, out);
    }
    // The rare extras run on the few matches a rule made, never on the text as a whole.
    if (out.length > before && (rule.near !== undefined || rule.decode || set.allowlist?.values.length)) {
      finishMatches(set, rule, text, out, before);
    }
  }
  return dedupeOverlaps(out);
}

/**
 * Per-match checks that need more than the match: a keyword within `near` lines, the decoding of
 * an encoded value (classified by the other rules, so a base64 Kubernetes Secret value is the same
 * credential as the plain value in a .env), and credctl.yaml's allowlisted values.
 */
function finishMatches(set: CompiledRuleSet, rule: Rule, text: string, out: RawMatch[], from: number): void {
  const kept: RawMatch[] = [];
  for (const m of out.splice(from)) {
    if (rule.near !== undefined && !keywordNear(rule, text, m.index, rule.near)) continue;
    if (rule.decode === 'base64') {
      for (const d of decoded(set, m)) if (!allowlisted(set, d.value)) kept.push(d);
      continue;
    }
    if (!allowlisted(set, m.value)) kept.push(m);
  }
  for (const m of kept) out.push(m);
}

const allowlisted = (set: CompiledRuleSet, value: string) => !!set.allowlist?.values.some((re) => re.test(value));

/** Does one of the rule's keywords occur within `lines` lines of `index`? */
function keywordNear(rule: Rule, text: string, index: number, lines: number): boolean {
  let start = index;
  for (let i = 0; i <= lines; i++) {
    const nl = start > 0 ? text.lastIndexOf('\n', start - 1) : -1;
    if (nl === -1) {
      start = 0;
      break;
    }
    start = nl;
  }
  let end = index;
  for (let i = 0; i <= lines; i++) {
    const nl = text.indexOf('\n', i === 0 ? end : end + 1);
    if (nl === -1) {
      end = text.length;
      break;
    }
    end = nl;
  }
  const window = text.slice(start, end).toLowerCase();
  return rule.keywords.some((k) => window.includes(k));
}

/**
 * A base64 match, decoded. When another rule recognises the decoded text (a Stripe key, a
 * connection URL's password) that rule's finding stands for it; otherwise the decoded value is
 * the secret. Binary content (a keystore) stays as it was written.
 */
function decoded(set: CompiledRuleSet, m: RawMatch): RawMatch[] {
  const b64 = m.value;
  const plain = Buffer.from(b64, 'base64').toString('utf8');
  if (!/^[\x20-\x7e\t\r\n]+$/.test(plain)) return [m];
  const value = plain.replace(/\r?\n$/, '');
  const why = placeholderReason(value);
  if (why !== null && !(m.rule.acceptWeak && WEAK_REASONS.has(why))) return [];
  // Only a vendor's rule may name what the value is; a generic one only says where it sat.
  const inner = detect(set, m.name ? `${m.name}=${value}` : value).filter((x) => x.rule.provider !== 'generic' && !x.rule.decode);
  if (inner.length > 0) {
    return inner.map((x) => ({ ...x, index: m.index, span: b64.length, encoding: 'base64' as const, ...(m.name ? { name: m.name } : {}) }));
  }
  return [{ ...m, value, span: b64.length, encoding: 'base64' }];
}

function runRule(rule: Rule, text: string, offset: number, out: RawMatch[]): void {
  const re = rule.regex;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    keep(rule, m, offset, out);
  }
  re.lastIndex = 0;
}

/**
 * Run an `anchor: identifier` rule at each listed identifier start, left to right and never from
 * inside the previous match, as a global scan of each line would. The sticky regex runs on the
 * whole text: a line-local regex can neither match nor look across a line break, so the text
 * around the line changes nothing, and no per-line copy is made.
 */
function runAnchored(rule: Rule, text: string, anchors: number[], out: RawMatch[]): void {
  const re = rule.anchoredRegex!;
  let resumeAt = 0;
  for (const at of anchors) {
    if (at < resumeAt) continue;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m || m[0].length === 0) continue;
    resumeAt = at + m[0].length;
    keep(rule, m, 0, out);
  }
  re.lastIndex = 0;
}

/**
 * Can an assignment follow the identifier the keyword ending at `end` is part of? Every anchored
 * rule requires one right after the name (ANCHOR_ASSIGNMENT in providers/rules.ts): up to two of
 * `"`, `'`, `]`, then spaces, then `=`, `:`, `?`, `.`, or `,` (after a quote), or ` string =` (Go).
 * Checked here in a few character reads, so the regex runs only where it can match: most keyword
 * occurrences in code (`token)`, `password.length`, `key]`) are not assignments.
 */
function assignmentFollows(text: string, end: number): boolean {
  let j = end;
  const n = text.length;
  while (j < n && isIdentifierChar(text.charCodeAt(j))) j++;
  for (let q = 0; q < 2 && j < n; q++) {
    const c = text.charCodeAt(j);
    if (c !== 34 && c !== 39 && c !== 93) break;
    j++;
  }
  while (j < n && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
  if (j >= n) return false;
  const c = text.charCodeAt(j);
  // = : ? . , s(tring)
  return c === 61 || c === 58 || c === 63 || c === 46 || c === 44 || c === 115;
}

/** How far past a keyword valueMayFollow looks before it gives up and lets the regex decide. */
const VALUE_SCAN_LIMIT = 1024;

/**
 * Can the value of an anchored rule with `valueNeeds` follow the keyword ending at `end`? Only
 * if the rest of its line holds one of the characters the value needs (the rule's regex requires
 * one in the value, which lies after the keyword on the same line). On the bench's real-code
 * corpus 8 in 10 fail this (`password = module.params.get("...")`: 134,000 regex runs became
 * 28,000), and a few character reads cost
 * less than the regex they save. Past VALUE_SCAN_LIMIT characters (a minified line) it answers
 * yes: the regex decides, and a long line costs no more than that limit per keyword.
 */
function valueMayFollow(text: string, end: number, needs: Uint8Array): boolean {
  const n = text.length;
  const stop = Math.min(end + VALUE_SCAN_LIMIT, n);
  for (let j = end; j < stop; j++) {
    const c = text.charCodeAt(j);
    if (c === 10) return false;
    if (c >= 128 || needs[c] === 1) return true;
  }
  return stop < n;
}

// [0-9A-Za-z_.-], the class ANCHOR_PREFIX uses.
const isIdentifierChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;

/**
 * Placeholder reasons that a rule with `acceptWeak` (a .netrc, a .pgpass: files whose whole
 * purpose is credentials) does not drop: there `admin` or `password1` is the real password.
 */
const WEAK_REASONS = new Set(['placeholder word', 'repeated pattern']);

/** Record one regex match if its value passes the entropy floor and the placeholder filter. */
function keep(rule: Rule, m: RegExpExecArray, offset: number, out: RawMatch[]): void {
  const value = m[rule.secretGroup];
  if (!value) return;
  if (rule.entropy !== undefined && !rule.acceptWeak && shannonEntropy(value) < rule.entropy) return;
  const why = placeholderReason(value);
  if (why !== null && !(rule.acceptWeak && WEAK_REASONS.has(why)) && !(rule.kind === 'password_hash' && why === 'hash or digest')) return;
  if (rule.allowlist?.values.some((re) => re.test(value))) return;
  // Rules are compiled with the `d` flag, so the group's own start is known exactly (the value
  // can also occur earlier in the match: postgres://postgres:postgres@db).
  const start = m.indices?.[rule.secretGroup]?.[0] ?? m.index + Math.max(0, m[0].indexOf(value));
  out.push({
    rule,
    value,
    index: offset + start,
    name: rule.nameGroup !== undefined ? m[rule.nameGroup] : undefined,
    environment: environmentOf(rule, value),
  });
}

const CONFIDENCE_RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

/**
 * Two rules matching the same span (a specific Stripe rule and the generic *_KEY rule) are one
 * finding: keep the higher-confidence, then the non-generic rule, then the longer value.
 */
function dedupeOverlaps(matches: RawMatch[]): RawMatch[] {
  if (matches.length < 2) return matches;
  matches.sort((a, b) => a.index - b.index || (b.span ?? b.value.length) - (a.span ?? a.value.length));
  const kept: RawMatch[] = [];
  for (const m of matches) {
    const prev = kept[kept.length - 1];
    if (prev && m.index < prev.index + (prev.span ?? prev.value.length)) {
      if (better(m, prev)) kept[kept.length - 1] = m;
      continue;
    }
    kept.push(m);
  }
  return kept;
}

function better(a: RawMatch, b: RawMatch): boolean {
  if (a.rule.supersedes.includes(b.rule.id)) return true;
  if (b.rule.supersedes.includes(a.rule.id)) return false;
  // An issuer's manifest pattern never takes a value from a shipped vendor rule (it would then be
  // sent to that issuer); against a generic rule it wins as any vendor rule does, below.
  if (Boolean(a.rule.fromIssuer) !== Boolean(b.rule.fromIssuer)) {
    const shipped = a.rule.fromIssuer ? b : a;
    if (shipped.rule.provider !== 'generic' && shipped.rule.kind !== 'generic_secret') return shipped === a;
  }
  const ca = CONFIDENCE_RANK[a.rule.confidence];
  const cb = CONFIDENCE_RANK[b.rule.confidence];
  if (ca !== cb) return ca > cb;
  const ga = a.rule.kind === 'generic_secret' ? 0 : 1;
  const gb = b.rule.kind === 'generic_secret' ? 0 : 1;
  if (ga !== gb) return ga > gb;
  // A vendor's rule names what the value is; a generic one (an Authorization header) only where it sits.
  const pa = a.rule.provider === 'generic' ? 0 : 1;
  const pb = b.rule.provider === 'generic' ? 0 : 1;
  if (pa !== pb) return pa > pb;
  return a.value.length > b.value.length;
}

/** Identify a single value already known to be a secret (a .env binding): which rule, if any. */
export function classifyValue(set: CompiledRuleSet, value: string, name?: string): { rule: Rule; environment?: string } | null {
  const text = name ? `${name}=${value}` : value;
  const hits = detect(set, text).filter((m) => m.value === value);
  const specific = hits.find((h) => h.rule.kind !== 'generic_secret') ?? hits[0];
  return specific ? { rule: specific.rule, environment: specific.environment } : null;
}

export type { CredentialKind };
