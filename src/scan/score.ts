import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { inputError, parserMessage } from '../core/errors.js';
import { lineStarts, positionOf } from '../core/text.js';
import { loadRules, type Rule } from '../providers/rules.js';
import { candidateRules, compileRuleSet, detect } from './detect.js';

/**
 * Measures the detection rules against a labelled corpus (fixtures/corpus): every file under
 * `positives/` and `negatives/` is run through the real matcher, and each finding is compared
 * with labels.json. A finding matches a label when file, line and rule id are all equal; a
 * finding of another rule on a labelled line is both a false positive and (for the label) a miss.
 * Findings of severity: info rules (public keys) count only where a label names them.
 * Only locations and rule ids are reported, never values.
 */
export interface CorpusLabel {
  /** Path relative to the corpus directory, with `/` separators. */
  file: string;
  line: number;
  ruleId: string;
}

export interface RuleScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

export interface CorpusScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  perRule: Record<string, RuleScore>;
  /** Findings without a label, and labels without a finding (locations only). */
  unexpected: CorpusLabel[];
  missed: CorpusLabel[];
  files: { positives: number; negatives: number };
  /** Lines in negatives/ where some rule's keyword occurs: hard negatives the prefilter lets through. */
  hardNegativeLines: number;
}

const key = (l: CorpusLabel) => `${l.file}\u0000${l.line}\u0000${l.ruleId}`;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

export function readLabels(dir: string): CorpusLabel[] {
  const file = join(dir, 'labels.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw inputError(`${file}: cannot read labels: ${parserMessage(err)}`);
  }
  if (!Array.isArray(raw)) throw inputError(`${file}: labels must be a list`);
  return raw.map((l: Partial<CorpusLabel>, i) => {
    if (typeof l?.file !== 'string' || typeof l.line !== 'number' || typeof l.ruleId !== 'string') {
      throw inputError(`${file}: label ${i} needs file, line and ruleId`);
    }
    return { file: l.file, line: l.line, ruleId: l.ruleId };
  });
}

/** Score `rules` (default: every provider's rules) against the corpus in `dir`. */
export function scoreCorpus(dir: string, rules: Rule[] = loadRules()): CorpusScore {
  const set = compileRuleSet(rules);
  const labels = [...new Map(readLabels(dir).map((l) => [key(l), l])).values()];
  const expected = new Set(labels.map(key));
  const found = new Map<string, CorpusLabel>();
  const files = { positives: 0, negatives: 0 };
  let hardNegativeLines = 0;

  for (const part of ['positives', 'negatives'] as const) {
    for (const path of walk(join(dir, part))) {
      files[part]++;
      const text = readFileSync(path, 'utf8');
      const file = relative(dir, path).split(sep).join('/');
      const starts = lineStarts(text);
      for (const m of detect(set, text, file)) {
        const hit = { file, line: positionOf(starts, m.index).line, ruleId: m.rule.id };
        found.set(key(hit), hit);
      }
      if (part === 'negatives') {
        for (const line of text.split('\n')) if (candidateRules(set, line).length > 0) hardNegativeLines++;
      }
    }
  }

  const perRule: Record<string, RuleScore> = {};
  const tally = (ruleId: string) => (perRule[ruleId] ??= { truePositives: 0, falsePositives: 0, falseNegatives: 0 });
  for (const r of rules) tally(r.id);
  const unexpected: CorpusLabel[] = [];
  const missed: CorpusLabel[] = [];
  const info = new Set(rules.filter((r) => r.severity === 'info').map((r) => r.id));
  for (const [k, hit] of found) {
    if (expected.has(k)) tally(hit.ruleId).truePositives++;
    // A public-by-design value (severity: info) that no label names is not a false alarm: it is
    // reported as information, not as a secret. Labelled ones still count, so their rules are measured.
    else if (info.has(hit.ruleId)) found.delete(k);
    else {
      tally(hit.ruleId).falsePositives++;
      unexpected.push(hit);
    }
  }
  for (const l of labels) {
    if (!found.has(key(l))) {
      tally(l.ruleId).falseNegatives++;
      missed.push(l);
    }
  }

  const truePositives = found.size - unexpected.length;
  const falsePositives = unexpected.length;
  const falseNegatives = missed.length;
  return {
    truePositives,
    falsePositives,
    falseNegatives,
    precision: truePositives + falsePositives === 0 ? 1 : truePositives / (truePositives + falsePositives),
    recall: truePositives + falseNegatives === 0 ? 1 : truePositives / (truePositives + falseNegatives),
    perRule,
    unexpected,
    missed,
    files,
    hardNegativeLines,
  };
}
