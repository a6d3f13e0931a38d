import { lineStarts, positionOf } from '../core/text.js';
import { detect, type CompiledRuleSet, type RawMatch } from './detect.js';
import { toFinding, type Finding } from './finding.js';

/**
 * One text in, findings out: the step where raw matches (which hold values) become findings
 * (which never do). Also applies the two per-text decisions that need the surrounding text:
 * inline `credctl:allow` suppression and pairing (an AWS secret with its access key id).
 */
export const ALLOW_MARKER = 'credctl:allow';
/**
 * A marker on the line above counts only on a comment-only line, so `a = "..." # credctl:allow`
 * does not also excuse whatever is added on the next line.
 */
const COMMENT_ONLY = /^\s*(?:#|\/\/|\/\*|\*|--|;|<!--|%|'|rem\b|::)/i;
const allowsNext = (line: string | undefined) => line !== undefined && line.includes(ALLOW_MARKER) && COMMENT_ONLY.test(line);

export interface TextScanOptions {
  /**
   * For texts stitched from diff lines: the real (new-file) line number of each text line,
   * index 0 = first line. Without it, text line n is file line n.
   */
  lineMap?: number[];
  /** Line number of the text's first line when it is a slice of a longer stream (default 1). */
  firstLine?: number;
  /**
   * The real line above `line` when it is not part of this text (a diff only holds added
   * lines); lets `credctl:allow` on an unchanged line above still count.
   */
  lineAbove?: (line: number) => string | undefined;
  /** Report findings even when a `credctl:allow` comment covers them (to ask "is it still there?"). */
  reportAllowed?: boolean;
  /** Extra fields stamped on every finding (commit, author ... for history). */
  extra?: Partial<Finding>;
}

export interface TextScanResult {
  findings: Finding[];
  allowed: number;
}

export function scanText(set: CompiledRuleSet, text: string, file: string, options: TextScanOptions = {}): TextScanResult {
  const matches = detect(set, text, file);
  if (matches.length === 0) return { findings: [], allowed: 0 };
  const starts = lineStarts(text);
  const lineText = (i: number) => text.slice(starts[i], i + 1 < starts.length ? starts[i + 1]! - 1 : text.length);
  const { lineMap } = options;
  const first = options.firstLine ?? 1;
  const realLine = (i: number) => (lineMap ? (lineMap[i] ?? i + first) : i + first);

  const kept: { match: RawMatch; finding: Finding }[] = [];
  let allowed = 0;
  for (const m of matches) {
    const pos = positionOf(starts, m.index);
    const idx = pos.line - 1;
    const line = realLine(idx);
    if (!options.reportAllowed && isAllowed(idx, line)) {
      allowed++;
      continue;
    }
    const finding = toFinding(m, file, line, pos.column);
    if (options.extra) Object.assign(finding, options.extra);
    kept.push({ match: m, finding });
  }
  pair(kept);
  return { findings: kept.map((k) => k.finding), allowed };

  function isAllowed(idx: number, line: number): boolean {
    if (lineText(idx).includes(ALLOW_MARKER)) return true;
    if (line <= 1) return false;
    // The line above is in this text only if it is the real previous line (not a hunk gap).
    if (idx > 0 && realLine(idx - 1) === line - 1) return allowsNext(lineText(idx - 1));
    return allowsNext(options.lineAbove?.(line));
  }
}

/**
 * A rule with `pairs: <ruleId>` (an AWS secret access key) belongs with the nearest finding of
 * that rule in the same text (its access key id). Both get `pairedWith` = the other's fingerprint.
 */
function pair(kept: { match: RawMatch; finding: Finding }[]): void {
  for (const k of kept) {
    const partnerRule = k.match.rule.pairs;
    if (!partnerRule) continue;
    let best: { match: RawMatch; finding: Finding } | undefined;
    let bestDistance = Infinity;
    for (const other of kept) {
      if (other.match.rule.id !== partnerRule) continue;
      const distance = Math.abs(other.finding.line - k.finding.line) * 1e6 + Math.abs(other.match.index - k.match.index);
      if (distance < bestDistance) {
        best = other;
        bestDistance = distance;
      }
    }
    if (!best) continue;
    k.finding.pairedWith = best.finding.fingerprint;
    best.finding.pairedWith ??= k.finding.fingerprint;
  }
}
