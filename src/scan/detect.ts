import type { Confidence, CredentialKind, Rule } from '../providers/rules.js';
import { shannonEntropy } from '../core/text.js';
import { isPlaceholder } from './placeholders.js';

/**
 * The matcher at the heart of scanning: text in, raw matches out. A raw match holds the secret
 * value, so it must never leave the process: callers turn it into a Finding (fingerprint +
 * redacted form) at once, see toFinding() in ./finding.ts.
 */
export interface RawMatch {
  rule: Rule;
  value: string;
  /** Offset of the secret value (not the whole regex match) in the text. */
  index: number;
  /** The assigned name (e.g. API_TOKEN in `API_TOKEN=...`) when the rule captures one. */
  name?: string;
  environment?: string;
}

export interface CompiledRuleSet {
  rules: Rule[];
  /** One case-insensitive alternation of every keyword: a single pass tells which rules can match. */
  keywordRe: RegExp | null;
  byKeyword: Map<string, Rule[]>;
  /** Rules without keywords run on every text (kept to a minimum for speed). */
  always: Rule[];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileRuleSet(rules: Rule[]): CompiledRuleSet {
  const byKeyword = new Map<string, Rule[]>();
  const always: Rule[] = [];
  for (const rule of rules) {
    if (rule.keywords.length === 0) always.push(rule);
    for (const kw of rule.keywords) {
      const list = byKeyword.get(kw) ?? [];
      list.push(rule);
      byKeyword.set(kw, list);
    }
  }
  // Longest first so that an alternation prefers `sk_live_` over `sk_`.
  const keywords = [...byKeyword.keys()].sort((a, b) => b.length - a.length);
  const keywordRe = keywords.length ? new RegExp(keywords.map(escapeRe).join('|'), 'gi') : null;
  return { rules, keywordRe, byKeyword, always };
}

/** Which rules could match `text`, decided by one pass of the keyword alternation. */
export function candidateRules(set: CompiledRuleSet, text: string): Rule[] {
  const picked = new Set<Rule>(set.always);
  if (set.keywordRe) {
    set.keywordRe.lastIndex = 0;
    const seenKw = new Set<string>();
    for (let m = set.keywordRe.exec(text); m; m = set.keywordRe.exec(text)) {
      const kw = m[0].toLowerCase();
      if (seenKw.has(kw)) continue;
      seenKw.add(kw);
      for (const r of set.byKeyword.get(kw) ?? []) picked.add(r);
      if (seenKw.size === set.byKeyword.size) break;
    }
  }
  return [...picked];
}

export function environmentOf(rule: Rule, value: string): string | undefined {
  for (const e of rule.environment) if (e.match.test(value)) return e.env;
  return undefined;
}

/** Every credential in `text`. Overlapping matches of the same value keep the most specific rule. */
export function detect(set: CompiledRuleSet, text: string): RawMatch[] {
  const out: RawMatch[] = [];
  for (const rule of candidateRules(set, text)) {
    const re = rule.regex;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const value = m[rule.secretGroup];
      if (!value) continue;
      if (rule.entropy !== undefined && shannonEntropy(value) < rule.entropy) continue;
      if (isPlaceholder(value)) continue;
      const offsetInMatch = rule.secretGroup === 0 ? 0 : m[0].indexOf(value);
      out.push({
        rule,
        value,
        index: m.index + Math.max(0, offsetInMatch),
        name: rule.nameGroup !== undefined ? m[rule.nameGroup] : undefined,
        environment: environmentOf(rule, value),
      });
    }
  }
  return dedupeOverlaps(out);
}

const CONFIDENCE_RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

/**
 * Two rules matching the same span (a specific Stripe rule and the generic *_KEY rule) are one
 * finding: keep the higher-confidence, then the non-generic rule, then the longer value.
 */
function dedupeOverlaps(matches: RawMatch[]): RawMatch[] {
  if (matches.length < 2) return matches;
  matches.sort((a, b) => a.index - b.index || b.value.length - a.value.length);
  const kept: RawMatch[] = [];
  for (const m of matches) {
    const prev = kept[kept.length - 1];
    if (prev && m.index < prev.index + prev.value.length) {
      if (better(m, prev)) kept[kept.length - 1] = m;
      continue;
    }
    kept.push(m);
  }
  return kept;
}

function better(a: RawMatch, b: RawMatch): boolean {
  const ca = CONFIDENCE_RANK[a.rule.confidence];
  const cb = CONFIDENCE_RANK[b.rule.confidence];
  if (ca !== cb) return ca > cb;
  const ga = a.rule.kind === 'generic_secret' ? 0 : 1;
  const gb = b.rule.kind === 'generic_secret' ? 0 : 1;
  if (ga !== gb) return ga > gb;
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
