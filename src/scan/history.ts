import { addedLinesScan, type AddedLinesScanOptions } from './added-lines-scan.js';
import type { Baseline } from './baseline.js';
import { COMMIT_FORMAT } from './diff.js';
import { scanPaths } from './engine.js';
import { finish } from './finish.js';
import type { Finding } from './finding.js';
import { DIFF_FLAGS } from './git.js';
import { scanText } from './scan-text.js';
import type { ScanResult } from './types.js';

/**
 * `scan --history`: every line any commit on any branch added, scanned once. A secret that was
 * committed, copied around and deleted is one finding (per fingerprint), dated by the oldest
 * commit that added it, with how many commits added it and whether it is still in the working tree.
 */
export interface HistoryOptions extends AddedLinesScanOptions {
  baseline?: Baseline;
  /** Only the commits in this revision range (`base..head`, as for git log), not every branch. */
  range?: string;
  onProgress?: (p: { commits: number; bytes: number; elapsedMs: number }) => void;
}

export async function scanHistory(options: HistoryOptions = {}): Promise<ScanResult> {
  // Per fingerprint: the oldest sighting, and every commit that added the value.
  const byValue = new Map<string, { finding: Finding; time: number; commits: Set<string> }>();
  const revisions = options.range ? ['--end-of-options', options.range] : ['--all'];
  const scan = addedLinesScan(options, '--history', ['log', '-p', COMMIT_FORMAT, ...DIFF_FLAGS, '-M', ...revisions], () => {
    const stats = scan.stats;
    stats.commitsScanned = (stats.commitsScanned ?? 0) + 1;
    options.onProgress?.({ commits: stats.commitsScanned, bytes: stats.bytesScanned, elapsedMs: performance.now() - scan.started });
  });
  scan.stats.commitsScanned = 0;
  const { stats, started, root, base } = scan;
  for await (const chunk of scan.chunks()) {
    const c = chunk.commit!;
    const r = scanText(scan.set, chunk.lines.join('\n'), scan.display(chunk.path), {
      lineMap: chunk.lineNumbers,
      extra: { commit: c.hash, author: c.author, date: c.date },
    });
    scan.stats.suppressed.allowComment += r.allowed;
    for (const f of r.findings) {
      const seen = byValue.get(f.fingerprint);
      if (!seen) {
        byValue.set(f.fingerprint, { finding: f, time: c.time, commits: new Set([c.hash]) });
        continue;
      }
      seen.commits.add(c.hash);
      // git log lists newest first, so on equal dates the later-listed commit is the older one.
      if (c.time <= seen.time) {
        seen.finding = f;
        seen.time = c.time;
      }
    }
  }
  // An empty repository (no commits yet) has no history to scan; anything else is an error.
  await scan.done((stderr) => /does not have any commits|bad default revision/.test(stderr));

  // Still there? Scan the working tree (everything, suppressions off) and compare fingerprints.
  const present = new Set<string>();
  if (byValue.size > 0) {
    const tree = await scanPaths({
      paths: [root],
      base,
      rulesDir: options.rulesDir,
      maxFileSize: options.maxFileSize,
      reportAllowed: true,
      noIgnore: false,
      ignoreCredctlignore: true,
    });
    for (const f of tree.findings) present.add(f.fingerprint);
  }
  const findings: Finding[] = [];
  for (const { finding, commits } of byValue.values()) {
    finding.commits = commits.size;
    finding.status = present.has(finding.fingerprint) ? 'present' : 'deleted';
    findings.push(finding);
  }
  return finish(findings, stats, started, options.baseline);
}
