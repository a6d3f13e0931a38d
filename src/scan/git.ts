import { existsSync } from 'node:fs';
import { gitSpawn, gitSync } from '../core/git.js';
import { join } from 'node:path';
import { inputError } from '../core/errors.js';
import { findProjectRoot } from '../core/paths.js';

/**
 * The few git calls the scanner makes. Plain child_process (not execa) because `--staged` runs
 * in a pre-commit hook where every millisecond of start-up counts.
 *
 * Every call goes through core/git.ts, which neutralises the repository's program-running
 * configuration (fsmonitor, external diff, pager...) and pins quoting, colour and prefixes; diffs
 * also get --no-ext-diff --no-textconv.
 */
export const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/', '-U0'];

export function gitRoot(cwd: string, purpose: string): string {
  // Fast path without a process spawn (~10 ms, a lot for a pre-commit hook): the nearest
  // directory holding .git. GIT_DIR/GIT_WORK_TREE setups fall through to git itself.
  if (!process.env.GIT_DIR && !process.env.GIT_WORK_TREE) {
    const root = findProjectRoot(cwd);
    if (existsSync(join(root, '.git'))) return root;
  }
  try {
    return gitSync(cwd, ['rev-parse', '--show-toplevel']).toString().trim();
  } catch {
    throw inputError(`${purpose} needs a git repository, and ${cwd} is not inside one`);
  }
}

/**
 * Stream a git command's stdout; resolves `done` with its exit status (rejects if git cannot
 * start). `stop()` ends it early: a caller that fails before reading must, or git blocks on a full
 * pipe and keeps the process alive.
 */
export function gitStream(root: string, args: string[]): { stdout: AsyncIterable<Buffer>; done: Promise<{ code: number; stderr: string }>; stop(): void } {
  const child = gitSpawn(root, args);
  child.stdin.end();
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const done = new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    child.on('error', (err) => reject(inputError(`cannot run git: ${err.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
  const stop = () => {
    child.stdout.destroy();
    child.kill();
  };
  return { stdout: child.stdout, done, stop };
}

/** A file's content as staged in the index (`git show :path`), or undefined. */
export function stagedContent(root: string, path: string): string | undefined {
  try {
    return gitSync(root, ['show', `:${path}`]).toString('utf8');
  } catch {
    return undefined;
  }
}
