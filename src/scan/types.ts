import type { Finding } from './finding.js';

/** Why a file was not scanned. Counted, never silently dropped. */
export type SkipReason = 'binary' | 'tooLarge' | 'unreadable' | 'ignored';

/** What a scan looked at and how long it took; printed with every result. */
export interface ScanStats {
  filesScanned: number;
  bytesScanned: number;
  skipped: Record<SkipReason, number>;
  /** Findings dropped on purpose: a `credctl:allow` comment, or an accepted baseline entry. */
  suppressed: { allowComment: number; baseline: number };
  /** History scans only. */
  commitsScanned?: number;
  durationMs: number;
  /** Findings that are secrets (what the exit code and a blocked commit count). */
  findings: number;
  /** Findings of public-by-design values (severity info: a Firebase web key): reported, never a failure. */
  informational?: number;
  /** Threads that scanned side by side, the main thread included (0 = the main thread alone). */
  workers: number;
}

export interface ScanResult {
  findings: Finding[];
  stats: ScanStats;
}

export function emptyStats(): ScanStats {
  return {
    filesScanned: 0,
    bytesScanned: 0,
    skipped: { binary: 0, tooLarge: 0, unreadable: 0, ignored: 0 },
    suppressed: { allowComment: 0, baseline: 0 },
    durationMs: 0,
    findings: 0,
    workers: 0,
  };
}

/** Add `b`'s counters into `a` (used to merge per-batch stats from workers). */
export function addStats(a: ScanStats, b: Partial<ScanStats>): void {
  a.filesScanned += b.filesScanned ?? 0;
  a.bytesScanned += b.bytesScanned ?? 0;
  if (b.skipped) for (const k of Object.keys(a.skipped) as SkipReason[]) a.skipped[k] += b.skipped[k] ?? 0;
  if (b.suppressed) {
    a.suppressed.allowComment += b.suppressed.allowComment ?? 0;
    a.suppressed.baseline += b.suppressed.baseline ?? 0;
  }
}

export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;

/** Stable order for output: by file, then position. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : 1)));
}
