import { join, resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import type { Baseline } from './baseline.js';
import { loadCredctlIgnore } from './credctlignore.js';
import { addedLines, splitLines } from './diff.js';
import { compileRules, displayPath, finish } from './engine.js';
import type { Finding } from './finding.js';
import { DIFF_FLAGS, gitRoot, gitStream, stagedContent } from './git.js';
import { scanText } from './scan-text.js';
import { DEFAULT_MAX_FILE_SIZE, emptyStats, type ScanResult } from './types.js';

/**
 * `scan --staged`, the pre-commit check: only the lines this commit adds (`git diff --cached`),
 * reported at their line numbers in the staged file. Renames are detected so that moving a file
 * does not re-report every line in it.
 */
export interface StagedOptions {
  cwd?: string;
  base?: string;
  rulesDir?: string;
  maxFileSize?: number;
  noIgnore?: boolean;
  baseline?: Baseline;
}

export async function scanStaged(options: StagedOptions = {}): Promise<ScanResult> {
  const started = performance.now();
  const cwd = resolve(options.cwd ?? process.cwd());
  const base = resolve(options.base ?? cwd);
  const root = gitRoot(cwd, '--staged');
  const set = compileRules(options.rulesDir);
  const ignored = options.noIgnore ? null : loadCredctlIgnore(root);
  const stats = emptyStats();
  const findings: Finding[] = [];

  const git = gitStream(root, ['diff', '--cached', ...DIFF_FLAGS, '-M', '--diff-filter=d']);
  const chunks = addedLines(splitLines(git.stdout), {
    maxBytes: options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
    onTooLarge: () => stats.skipped.tooLarge++,
    onBinary: () => stats.skipped.binary++,
  });
  for await (const chunk of chunks) {
    if (ignored?.(chunk.path)) {
      stats.skipped.ignored++;
      continue;
    }
    stats.filesScanned++;
    stats.bytesScanned += chunk.bytes;
    // The diff holds only added lines; a `credctl:allow` on an unchanged line above is in the index.
    let staged: string[] | undefined;
    const lineAbove = (line: number) => {
      staged ??= (stagedContent(root, chunk.path) ?? '').split('\n');
      return staged[line - 2];
    };
    const r = scanText(set, chunk.lines.join('\n'), displayPath(join(root, chunk.path), base), { lineMap: chunk.lineNumbers, lineAbove });
    stats.suppressed.allowComment += r.allowed;
    for (const f of r.findings) findings.push(f);
  }
  const { code, stderr } = await git.done;
  if (code !== 0) throw inputError(`git diff --cached failed: ${stderr.trim().split('\n')[0] || `exit code ${code}`}`);
  return finish(findings, stats, started, options.baseline);
}
