import { addedLinesScan, type AddedLinesScanOptions } from './added-lines-scan.js';
import type { Baseline } from './baseline.js';
import { finish } from './finish.js';
import type { Finding } from './finding.js';
import { DIFF_FLAGS, stagedContent } from './git.js';
import { scanText } from './scan-text.js';
import type { ScanResult } from './types.js';

/**
 * `scan --staged`, the pre-commit check: only the lines this commit adds (`git diff --cached`),
 * reported at their line numbers in the staged file. Renames are detected so that moving a file
 * does not re-report every line in it.
 */
export interface StagedOptions extends AddedLinesScanOptions {
  baseline?: Baseline;
}

export async function scanStaged(options: StagedOptions = {}): Promise<ScanResult> {
  const scan = addedLinesScan(options, '--staged', ['diff', '--cached', ...DIFF_FLAGS, '-M', '--diff-filter=d']);
  const findings: Finding[] = [];
  for await (const chunk of scan.chunks()) {
    // The diff holds only added lines; a `credctl:allow` on an unchanged line above is in the index.
    let staged: string[] | undefined;
    const lineAbove = (line: number) => {
      staged ??= (stagedContent(scan.root, chunk.path) ?? '').split('\n');
      return staged[line - 2];
    };
    const r = scanText(scan.set, chunk.lines.join('\n'), scan.display(chunk.path), { lineMap: chunk.lineNumbers, lineAbove });
    scan.stats.suppressed.allowComment += r.allowed;
    for (const f of r.findings) findings.push(f);
  }
  await scan.done();
  return finish(findings, scan.stats, scan.started, options.baseline);
}
