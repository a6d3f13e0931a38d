import { join, resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import { loadCredctlIgnore } from './credctlignore.js';
import { addedLines, splitLines, type AddedLines } from './diff.js';
import { displayPath } from './files.js';
import { compileRules } from './rules-cache.js';
import { loadProjectDetection } from './custom-rules.js';
import { gitRoot, gitStream } from './git.js';
import { DEFAULT_MAX_FILE_SIZE, emptyStats, type ScanStats } from './types.js';
import type { CompiledRuleSet } from './detect.js';

/**
 * What `--history` and `--staged` share: find the repository, compile the rules, stream the
 * added lines of a git diff, skip .credctlignore'd, binary and oversized files with counts, and
 * fail with git's own first line if git fails. Each caller scans the chunks its own way.
 */
export interface AddedLinesScanOptions {
  cwd?: string;
  base?: string;
  rulesDir?: string;
  maxFileSize?: number;
  noIgnore?: boolean;
}

export interface AddedLinesScan {
  started: number;
  root: string;
  /** Findings' paths are relative to this directory. */
  base: string;
  set: CompiledRuleSet;
  stats: ScanStats;
  /** A chunk's path as findings show it (relative to `base`). */
  display(path: string): string;
  /** The added lines of every file the diff touches, ignored files already skipped and counted. */
  chunks(): AsyncGenerator<AddedLines>;
  /** Wait for git; throws its error unless `acceptable` says the exit is fine (an empty repository). */
  done(acceptable?: (stderr: string) => boolean): Promise<void>;
}

export function addedLinesScan(options: AddedLinesScanOptions, which: '--history' | '--staged', gitArgs: string[], onCommit?: () => void): AddedLinesScan {
  const started = performance.now();
  const cwd = resolve(options.cwd ?? process.cwd());
  const base = resolve(options.base ?? cwd);
  const root = gitRoot(cwd, which);
  // git first: it computes the diff while this process compiles the rules.
  const git = gitStream(root, gitArgs);
  let set: CompiledRuleSet;
  let ignored: ReturnType<typeof loadCredctlIgnore>;
  try {
    set = compileRules(options.rulesDir, loadProjectDetection(root));
    ignored = options.noIgnore ? null : loadCredctlIgnore(root);
  } catch (err) {
    git.stop(); // nobody will read its output: it would block on a full pipe and keep us alive
    git.done.catch(() => undefined);
    throw err;
  }
  const stats = emptyStats();
  return {
    started,
    root,
    base,
    set,
    stats,
    display: (path) => displayPath(join(root, path), base),
    async *chunks() {
      const all = addedLines(splitLines(git.stdout), {
        maxBytes: options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
        ...(onCommit ? { onCommit } : {}),
        onTooLarge: () => stats.skipped.tooLarge++,
        onBinary: () => stats.skipped.binary++,
      });
      for await (const chunk of all) {
        if (ignored?.(chunk.path)) {
          stats.skipped.ignored++;
          continue;
        }
        stats.filesScanned++;
        stats.bytesScanned += chunk.bytes;
        yield chunk;
      }
    },
    async done(acceptable) {
      const { code, stderr } = await git.done;
      if (code !== 0 && !acceptable?.(stderr)) {
        throw inputError(`git ${gitArgs[0] === 'log' ? 'log' : 'diff --cached'} failed: ${stderr.trim().split('\n')[0] || `exit code ${code}`}`);
      }
    },
  };
}
