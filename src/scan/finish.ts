import { baselineMatcher, type Baseline } from './baseline.js';
import type { Finding } from './finding.js';
import { sortFindings, type ScanResult, type ScanStats } from './types.js';

/** Apply the baseline, sort, and fill in the totals. Shared by every kind of scan. */
export function finish(findings: Finding[], stats: ScanStats, started: number, baseline?: Baseline): ScanResult {
  let kept = findings;
  if (baseline) {
    const accepted = baselineMatcher(baseline);
    kept = findings.filter((f) => !accepted(f));
    stats.suppressed.baseline += findings.length - kept.length;
  }
  sortFindings(kept);
  const info = kept.filter((f) => f.severity === 'info').length;
  stats.findings = kept.length - info;
  if (info > 0) stats.informational = info;
  stats.durationMs = Math.round(performance.now() - started);
  return { findings: kept, stats };
}
