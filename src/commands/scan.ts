import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { findProjectRoot } from '../core/paths.js';
import { isInsideGitRepository } from '../core/project-root.js';
import { ExitCode } from '../core/exit-codes.js';
import { usageError } from '../core/errors.js';
import { note, paint, paintErr, Progress } from '../core/output.js';
import { loadRulesCached } from '../scan/rules-cache.js';
import { isDirectory } from '../scan/files.js';
import { readBaseline, updateBaseline, type Baseline } from '../scan/baseline.js';
import { formatBytes, formatResult, FORMATS, summarize, type Format, type RuleInfo } from '../scan/format.js';
import type { ScanResult } from '../scan/types.js';
import * as io from '../core/io.js';

/**
 * What `credctl scan` does once its flags are parsed: pick the kind of scan, run it, print the
 * result on stdout and the summary (and, for a blocked commit, what to do) on stderr.
 */
export interface ScanCommandFlags {
  history?: boolean;
  /** --range base..head: history, limited to the commits of a push or pull request. */
  range?: string;
  staged?: boolean;
  ignore?: boolean;
  format?: string;
  json?: boolean;
  baseline?: string;
  updateBaseline?: boolean;
  exitCode?: string;
  maxFileSize?: string;
  /** commander's --no-graph: false when the usage graph should not be updated. */
  graph?: boolean;
}

export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(text);
  if (!m) throw usageError(`--max-file-size: cannot read "${text}"`, 'Use a number of bytes or a size like 512KB, 5MB, 1GB.');
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.floor(Number(m[1]) * mult);
}

/** A git revision range as CI systems give it (`base..head`, `base...head`, or one revision). */
const REVISION_RANGE = /^[A-Za-z0-9_/~^@{}:+][A-Za-z0-9_./~^@{}:+-]*(?:\.\.\.?[A-Za-z0-9_/~^@{}:+][A-Za-z0-9_./~^@{}:+-]*)?$/;

function parseFlags(paths: string[], flags: ScanCommandFlags) {
  if (flags.range !== undefined) {
    if (flags.staged) throw usageError('--range and --staged cannot be combined', '--range scans commits; --staged scans the commit being made.');
    if (!REVISION_RANGE.test(flags.range) || flags.range.length > 200)
      throw usageError('--range must be a git revision range such as origin/main..HEAD or BASE_SHA..HEAD_SHA');
    flags.history = true;
  }
  if (flags.history && flags.staged) throw usageError('--history and --staged cannot be combined', 'Run them as two scans.');
  if (flags.json && flags.format && flags.format !== 'json') throw usageError(`--json conflicts with --format ${flags.format}`);
  const format = (flags.json ? 'json' : (flags.format ?? 'table')) as Format;
  if (!FORMATS.includes(format)) throw usageError(`unknown format "${flags.format}"`, `Use one of: ${FORMATS.join(', ')}.`);
  let exitCode: number = ExitCode.Findings;
  if (flags.exitCode !== undefined) {
    if (!/^\d+$/.test(flags.exitCode) || Number(flags.exitCode) > 255) throw usageError(`--exit-code must be a number from 0 to 255, not "${flags.exitCode}"`);
    exitCode = Number(flags.exitCode);
  }
  const maxFileSize = flags.maxFileSize !== undefined ? parseSize(flags.maxFileSize) : undefined;
  let cwd: string | undefined;
  if (flags.history || flags.staged) {
    const which = flags.history ? '--history' : '--staged';
    if (paths.length > 1 || paths[0] === '-') throw usageError(`${which} takes at most one path: the repository to scan`);
    cwd = paths[0] ? resolve(paths[0]) : undefined;
  }
  return { format, exitCode, maxFileSize, cwd };
}

export async function runScanCommand(paths: string[], flags: ScanCommandFlags): Promise<void> {
  const { format, exitCode, maxFileSize, cwd } = parseFlags(paths, flags);
  const baselinePath = flags.baseline ? resolve(flags.baseline) : flags.updateBaseline ? join(findProjectRoot(cwd), DEFAULT_BASELINE) : defaultBaseline(cwd);
  // With --update-baseline the old entries must not hide findings: they are merged back in anyway.
  const baseline: Baseline | undefined = baselinePath && !flags.updateBaseline ? readBaseline(baselinePath) : undefined;
  const noIgnore = flags.ignore === false;
  const progress = new Progress();

  let result: ScanResult;
  try {
    if (flags.staged) {
      const { scanStaged } = await import('../scan/staged.js');
      result = await scanStaged({ cwd, maxFileSize, noIgnore, baseline });
    } else if (flags.history) {
      const { scanHistory } = await import('../scan/history.js');
      result = await scanHistory({
        cwd,
        range: flags.range,
        maxFileSize,
        noIgnore,
        baseline,
        onProgress: (p) => progress.update(`scanning history: ${p.commits} commits, ${formatBytes(p.bytes)} added`),
      });
    } else {
      const { scanPaths } = await import('../scan/engine.js');
      result = await scanPaths({
        paths,
        maxFileSize,
        noIgnore,
        baseline,
        onProgress: (p) =>
          progress.update(
            `scanning: ${p.files} files, ${formatBytes(p.bytes)}, ${(p.bytes / 1024 / 1024 / Math.max(p.elapsedMs / 1000, 0.001)).toFixed(0)} MB/s`,
          ),
      });
    }
  } finally {
    progress.done();
  }

  if (flags.updateBaseline) {
    const { added, total } = updateBaseline(baselinePath!, result.findings);
    note(`${summarize(result.stats, result.findings)}`);
    note(`baseline ${baselinePath}: ${added} new ${added === 1 ? 'entry' : 'entries'}, ${total} in all (fingerprints only, no values)`);
    process.exitCode = ExitCode.Ok;
    return;
  }

  if (!flags.staged && !flags.history && flags.graph !== false) await updateGraph(paths, process.cwd(), result, noIgnore);

  // Rule names and kinds only SARIF and JUnit print: other formats (and every pre-commit run) skip this.
  const rules =
    format === 'sarif' || format === 'junit'
      ? new Map<string, RuleInfo>(loadRulesCached().map((r) => [r.id, { name: r.name, provider: r.provider, kind: r.kind }]))
      : undefined;
  const text = formatResult(result, format, { chalk: paint(), rules });
  if (text) io.out().write(text);
  note(summarize(result.stats, result.findings));
  // Public-by-design values (severity info) are shown but never fail a scan or block a commit.
  const secrets = result.findings.filter((f) => f.severity !== 'info').length;
  if (secrets > 0 && flags.staged) note(blockedCommitHelp());
  process.exitCode = secrets > 0 ? exitCode : ExitCode.Ok;
}

/**
 * A scan of one project directory also refreshes its usage graph (.credctl/graph.json), with
 * the scanner's findings as extra places (keys hard-coded in source files). Incremental: files
 * unchanged since the last build are not re-read. Skipped for stdin, single files, several
 * paths and subdirectories of a repository, and with --no-graph.
 */
async function updateGraph(paths: string[], cwd: string, result: ScanResult, noIgnore: boolean): Promise<void> {
  const target = resolve(cwd, paths[0] ?? '.');
  if (paths.length > 1 || paths[0] === '-' || !isDirectory(target)) return;
  const { buildGraph } = await import('../graph/build.js');
  // Only a whole project has a graph; a subdirectory of a repository is a partial view.
  if (findProjectRoot(target) !== target) return;
  // Outside a git repository a directory is not a project unless the user says so.
  if (!isInsideGitRepository(target)) {
    note('not a git repository: no usage graph written (`credctl graph DIR` builds one for a directory on purpose)');
    return;
  }
  const root = target;
  // Public-by-design values are not credentials to rotate: they stay out of the graph.
  const findings = result.findings.filter((f) => f.severity !== 'info').map((f) => ({ ...f, file: relative(root, resolve(cwd, f.file)).split(sep).join('/') }));
  try {
    const graph = buildGraph(root, { findings, noIgnore });
    const creds = graph.nodes.filter((n) => n.type === 'credential').length;
    note(`usage graph updated: ${creds} credential${creds === 1 ? '' : 's'} (credctl where NAME, credctl graph)`);
  } catch (err) {
    // The scan's answer stands even if the graph cannot be written (a read-only checkout).
    note(`usage graph not updated: ${(err as Error).message}`);
  }
}

/** `.credctl-baseline.json` at the project root is used without being asked for, when it exists. */
export const DEFAULT_BASELINE = '.credctl-baseline.json';
function defaultBaseline(cwd?: string): string | undefined {
  const file = join(findProjectRoot(cwd), DEFAULT_BASELINE);
  return existsSync(file) ? file : undefined;
}

function blockedCommitHelp(): string {
  const c = paintErr();
  return [
    '',
    c.red.bold('commit blocked: the staged changes add credentials (shown redacted above).'),
    'To fix: remove the value from the file, rotate it if it was ever pushed, and read it from the',
    '  environment or a secret store instead; then `git add` the file again.',
    'If it is a deliberate fake (a test fixture, an example):',
    '  - add a comment containing credctl:allow on that line or the line above, or',
    '  - list the path in .credctlignore (gitignore syntax), or',
    `  - accept it: credctl scan --staged --update-baseline  (writes ${DEFAULT_BASELINE}; commit that file)`,
  ].join('\n');
}
