import { join, resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import type { Baseline } from './baseline.js';
import { loadCredctlIgnore } from './credctlignore.js';
import { addedLines, COMMIT_FORMAT, splitLines } from './diff.js';
import { compileRules, displayPath, finish, scanPaths } from './engine.js';
import type { Finding } from './finding.js';
import { DIFF_FLAGS, gitRoot, gitStream } from './git.js';
import { scanText } from './scan-text.js';
import { DEFAULT_MAX_FILE_SIZE, emptyStats, type ScanResult } from './types.js';

/**
 * `scan --history`: every line any commit on any branch added, scanned once. A secret that was
 * committed, copied around and deleted is one finding (per fingerprint), dated by the oldest
 * commit that added it, with how many commits added it and whether it is still in the working tree.
 */
export interface HistoryOptions {
  cwd?: string;
  base?: string;
  rulesDir?: string;
  maxFileSize?: number;
  noIgnore?: boolean;
  baseline?: Baseline;
  onProgress?: (p: { commits: number; bytes: number; elapsedMs: number }) => void;
}

export async function scanHistory(options: HistoryOptions = {}): Promise<ScanResult> {
  const started = performance.now();
  const cwd = resolve(options.cwd ?? process.cwd());
  const base = resolve(options.base ?? cwd);
  const root = gitRoot(cwd, '--history');
  const set = compileRules(options.rulesDir);
  const ignored = options.noIgnore ? null : loadCredctlIgnore(root);
  const stats = emptyStats();
  stats.commitsScanned = 0;

  // Per fingerprint: the oldest sighting, and every commit that added the value.
  const byValue = new Map<string, { finding: Finding; time: number; commits: Set<string> }>();

  const git = gitStream(root, ['log', '--all', '-p', COMMIT_FORMAT, ...DIFF_FLAGS, '-M']);
  const chunks = addedLines(splitLines(git.stdout), {
    maxBytes: options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
    onCommit: () => {
      stats.commitsScanned!++;
      options.onProgress?.({ commits: stats.commitsScanned!, bytes: stats.bytesScanned, elapsedMs: performance.now() - started });
    },
    onTooLarge: () => stats.skipped.tooLarge++,
    onBinary: () => stats.skipped.binary++,
  });
  for await (const chunk of chunks) {
    if (ignored?.(chunk.path)) {
      stats.skipped.ignored++;
      continue;
    }
    const c = chunk.commit!;
    stats.filesScanned++;
    stats.bytesScanned += chunk.bytes;
    const r = scanText(set, chunk.lines.join('\n'), displayPath(join(root, chunk.path), base), {
      lineMap: chunk.lineNumbers,
      extra: { commit: c.hash, author: c.author, date: c.date },
    });
    stats.suppressed.allowComment += r.allowed;
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
  const { code, stderr } = await git.done;
  // An empty repository (no commits yet) has no history to scan; anything else is an error.
  if (code !== 0 && !/does not have any commits|bad default revision/.test(stderr)) {
    throw inputError(`git log failed: ${stderr.trim().split('\n')[0] || `exit code ${code}`}`);
  }

  // Still there? Scan the working tree (everything, suppressions off) and compare fingerprints.
  const present = new Set<string>();
  if (byValue.size > 0) {
    const tree = await scanPaths({ paths: [root], base, rulesDir: options.rulesDir, maxFileSize: options.maxFileSize, reportAllowed: true, noIgnore: false, ignoreCredctlignore: true });
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
